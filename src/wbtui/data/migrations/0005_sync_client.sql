-- 0005: client side of the sync protocol: clock and cursor, outbox, field clocks, conflicts.

CREATE TABLE sync_meta (
	key VARCHAR NOT NULL PRIMARY KEY,
	value VARCHAR NOT NULL
);

CREATE TABLE outbox (
	local_seq INTEGER PRIMARY KEY AUTOINCREMENT,
	change_id VARCHAR NOT NULL UNIQUE,
	entity VARCHAR NOT NULL,
	row_id VARCHAR NOT NULL,
	case_id VARCHAR,
	op VARCHAR NOT NULL,
	payload VARCHAR NOT NULL,
	hlc VARCHAR NOT NULL,
	state VARCHAR NOT NULL DEFAULT 'pending',
	attempts INTEGER NOT NULL DEFAULT 0,
	last_error VARCHAR,
	created_at VARCHAR NOT NULL
);

CREATE INDEX ix_outbox_state ON outbox (state, local_seq);

CREATE TABLE field_clock (
	entity VARCHAR NOT NULL,
	row_id VARCHAR NOT NULL,
	field VARCHAR NOT NULL,
	hlc VARCHAR NOT NULL,
	PRIMARY KEY (entity, row_id, field)
) WITHOUT ROWID;

CREATE TABLE sync_conflict (
	conflict_id VARCHAR NOT NULL PRIMARY KEY,
	entity VARCHAR,
	row_id VARCHAR,
	field VARCHAR,
	kind VARCHAR NOT NULL,
	kept_value VARCHAR,
	kept_by VARCHAR,
	lost_value VARCHAR,
	lost_by VARCHAR,
	detail VARCHAR,
	status VARCHAR NOT NULL DEFAULT 'open',
	created_at VARCHAR NOT NULL
);
