-- 0019: the "nobody gets lost" list reads few rows (issue #16, data/overdue.py): the planned appointments
-- by start, so the rule "appointment without result" starts from the appointments past their time
-- instead of looking up every open case's earliest one. Partial: only planned appointments are asked for
-- (a few percent of them), so the index stays small.

CREATE INDEX ix_appointment_planned ON appointment (starts_at, case_id) WHERE status = 'geplant';

-- "acknowledged, but no appointment agreed" looks up the accepted handover of every case in S4: covered by
-- the index (the case's handover rows are wide: the package). It serves every look-up by case id, so the
-- case id's own index goes (as in 0017).
CREATE INDEX ix_handover_case_status ON handover (case_id, status, acknowledged_at);

DROP INDEX IF EXISTS ix_handover_case_id;
