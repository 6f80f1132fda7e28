-- 0003: indexes for the case board and next-due look-ups at 100,000 cases.

CREATE INDEX ix_task_case_status ON task (case_id, status, due_on);

CREATE INDEX ix_person_name ON person (family_name, given_names, id);

ANALYZE;
