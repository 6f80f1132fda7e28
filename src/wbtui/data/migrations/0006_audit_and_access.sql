-- 0006: audit trail (append-only, hash-chained), break-glass access, retention runs.

CREATE TABLE audit_log (
	seq INTEGER PRIMARY KEY AUTOINCREMENT,
	id CHAR(32) NOT NULL UNIQUE,
	at VARCHAR NOT NULL,
	actor VARCHAR NOT NULL,
	role VARCHAR NOT NULL,
	org VARCHAR,
	channel VARCHAR NOT NULL,
	action VARCHAR NOT NULL,
	object_type VARCHAR NOT NULL,
	object_id VARCHAR,
	case_id CHAR(32),
	data_groups VARCHAR NOT NULL DEFAULT '[]',
	fields VARCHAR NOT NULL DEFAULT '[]',
	purpose VARCHAR,
	reason VARCHAR,
	detail VARCHAR,
	outcome VARCHAR NOT NULL DEFAULT 'ok',
	prev_hash CHAR(64) NOT NULL,
	hash CHAR(64) NOT NULL
);

CREATE INDEX ix_audit_case ON audit_log (case_id, seq);
CREATE INDEX ix_audit_actor ON audit_log (actor, seq);

CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
BEGIN
	SELECT RAISE(ABORT, 'audit_log is append-only');
END;

CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log
BEGIN
	SELECT RAISE(ABORT, 'audit_log is append-only');
END;

CREATE TABLE break_glass (
	id CHAR(32) NOT NULL PRIMARY KEY,
	actor VARCHAR NOT NULL,
	case_id CHAR(32) NOT NULL,
	reason VARCHAR NOT NULL,
	started_at VARCHAR NOT NULL,
	expires_at VARCHAR NOT NULL
);

CREATE INDEX ix_break_glass_actor_case ON break_glass (actor, case_id, expires_at);

CREATE TABLE retention_hold (
	case_id CHAR(32) NOT NULL PRIMARY KEY,
	reason VARCHAR NOT NULL,
	set_by VARCHAR NOT NULL,
	set_at VARCHAR NOT NULL
);
