-- 0009: sync schema 3. Each outbox change records the local transaction it was made in (the server
-- accepts or refuses a transaction whole) and whether it belongs to the first upload of an existing
-- store; pulled rows this device cannot apply wait in a quarantine instead of stopping sync.

ALTER TABLE outbox ADD COLUMN tx VARCHAR;
ALTER TABLE outbox ADD COLUMN origin VARCHAR;

CREATE TABLE sync_quarantine (
	id INTEGER PRIMARY KEY AUTOINCREMENT,
	kind VARCHAR NOT NULL,
	entity VARCHAR,
	row_id VARCHAR,
	case_id VARCHAR,
	reason VARCHAR NOT NULL,
	body VARCHAR NOT NULL,
	created_at VARCHAR NOT NULL
);
CREATE INDEX ix_quarantine_case ON sync_quarantine (case_id);
