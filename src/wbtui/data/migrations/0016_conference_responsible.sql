-- 0016: who is responsible for each decision of a Fallkonferenz, by name and role as recorded at the
-- conference (README "Documents": the protocol never shows logins and does not change when the case or
-- its follow-ups are handed on later); one entry per decision, in the order of ``decisions``.

ALTER TABLE conference ADD COLUMN responsible JSON NOT NULL DEFAULT '[]';
