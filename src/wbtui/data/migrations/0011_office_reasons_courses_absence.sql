-- 0011: how offices work (issue 15; sync schema version 4).
-- Reason codes of a decline (S6r), a dropout (S9d) and a graduate not yet integrated (S12), next to the
-- close reason (README "Reason codes"); the voucher and course details (README "Voucher and course
-- details"); absences with a deputy, which route new work (README "Vertretung"); the protocol's place,
-- time, minutes and distribution list (README "Documents").

ALTER TABLE fbw_case ADD COLUMN decline_reason VARCHAR;

ALTER TABLE fbw_case ADD COLUMN dropout_reason VARCHAR;

ALTER TABLE fbw_case ADD COLUMN non_integration_reason VARCHAR;

ALTER TABLE fbw_case ADD COLUMN voucher_number VARCHAR;

ALTER TABLE fbw_case ADD COLUMN training_goal VARCHAR;

ALTER TABLE fbw_case ADD COLUMN duration_months INTEGER;

ALTER TABLE fbw_case ADD COLUMN region VARCHAR;

ALTER TABLE fbw_case ADD COLUMN provider_name VARCHAR;

ALTER TABLE fbw_case ADD COLUMN course_title VARCHAR;

ALTER TABLE fbw_case ADD COLUMN qualification_2y BOOLEAN;

ALTER TABLE fbw_case ADD COLUMN course_actual_start DATE;

ALTER TABLE fbw_case ADD COLUMN course_actual_end DATE;

ALTER TABLE fbw_case ADD COLUMN interim_exam VARCHAR;

ALTER TABLE fbw_case ADD COLUMN final_exam VARCHAR;

-- the dropout reason so far lived only in the timeline entry of the dropout
UPDATE fbw_case SET dropout_reason = (
	SELECT json_extract(e.payload, '$.reason') FROM case_event e
	WHERE e.case_id = fbw_case.id AND e.type = 'dropout' ORDER BY e.at DESC LIMIT 1
) WHERE stage = 'dropped_out' OR id IN (SELECT case_id FROM case_event WHERE type = 'dropout');

-- the Fallkonferenz protocol: place and time, minutes per agenda item, distribution list (README "Documents")
ALTER TABLE conference ADD COLUMN place VARCHAR;

ALTER TABLE conference ADD COLUMN start_time VARCHAR;

ALTER TABLE conference ADD COLUMN minutes JSON NOT NULL DEFAULT '{}';

ALTER TABLE conference ADD COLUMN distribution JSON NOT NULL DEFAULT '[]';

CREATE TABLE absence (
	id CHAR(32) NOT NULL,
	login VARCHAR NOT NULL,
	deputy VARCHAR,
	date_from DATE NOT NULL,
	date_until DATE NOT NULL,
	created_by VARCHAR,
	created_at DATETIME NOT NULL,
	PRIMARY KEY (id)
);

CREATE INDEX ix_absence_login ON absence (login);
