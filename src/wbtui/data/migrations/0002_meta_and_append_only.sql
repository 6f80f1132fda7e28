-- 0002: store identity table, append-only timeline, task owner index.

CREATE TABLE store_meta (
	key VARCHAR NOT NULL,
	value VARCHAR NOT NULL,
	PRIMARY KEY (key)
);

CREATE TRIGGER case_event_no_update BEFORE UPDATE ON case_event
BEGIN
	SELECT RAISE(ABORT, 'case_event is append-only');
END;

CREATE INDEX ix_task_owner_status ON task (owner, status, due_on);
