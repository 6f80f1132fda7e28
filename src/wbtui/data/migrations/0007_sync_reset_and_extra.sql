-- 0007: sync after feed compaction and across schema versions.
-- sync_reset_seen: cases met while re-reading the feed from the start (410 reset); a case the
-- server no longer delivers is removed afterwards.
-- sync_extra: fields from a newer schema version this client does not know yet, with their
-- clocks; they are kept and moved into their column once the client is updated.

CREATE TABLE sync_reset_seen (
	case_id VARCHAR NOT NULL PRIMARY KEY
) WITHOUT ROWID;

CREATE TABLE sync_extra (
	entity VARCHAR NOT NULL,
	row_id VARCHAR NOT NULL,
	field VARCHAR NOT NULL,
	value VARCHAR,
	hlc VARCHAR NOT NULL,
	PRIMARY KEY (entity, row_id, field)
) WITHOUT ROWID;
