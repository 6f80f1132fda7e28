-- 0015: the persons a consent releases from confidentiality by name (issue 15 item 9; sync schema 5): a
-- participant of a Fallkonferenz bound by professional secrecy (§ 203 StGB: a doctor, a psychologist, an
-- addiction counsellor) is covered only when the consent names that person (domain/conference.py).

ALTER TABLE consent ADD COLUMN persons JSON NOT NULL DEFAULT '[]';
