-- 0017: the timeline's rows stored by case (issue #16, store size). event_log was a rowid table with two
-- indexes: the event id (unique) and (case_key, at). Now the rows are kept in the order of their case and
-- insertion, (case_key, seq), as the table's key (WITHOUT ROWID): a case's timeline is one range of the
-- table itself, the case index goes, and the id's index leads from an id to that key. 18.7 of 57.9 MB at
-- 10,000 demo cases became 16.4; a timeline reads as fast as before (bench/bench_store.py).
-- seq is the insertion order (the view's "rowid", the tie-breaker for events of the same time), counted
-- in timeline_seq: a WITHOUT ROWID table has no rowid to count with.
-- Redundant indexes go too: each is the first column of another index on the same table, which serves
-- the same lookups (obstacle: uq_obstacle_case_code; appointment: ix_appointment_open; task:
-- ix_task_case_status).

DROP INDEX IF EXISTS ix_obstacle_case_id;

DROP INDEX IF EXISTS ix_appointment_case_id;

DROP INDEX IF EXISTS ix_task_case_id;

CREATE TABLE timeline_seq (
	n INTEGER NOT NULL
);

INSERT INTO timeline_seq(n) SELECT coalesce(max(seq), 0) FROM event_log;

CREATE TABLE event_log_by_case (
	id CHAR(32) NOT NULL,
	seq INTEGER NOT NULL,
	case_key INTEGER NOT NULL,
	at NOT NULL,
	type_w INTEGER NOT NULL,
	from_w INTEGER,
	to_w INTEGER,
	actor_w INTEGER,
	org_key INTEGER,
	payload VARCHAR,
	PRIMARY KEY (case_key, seq)
) WITHOUT ROWID;

INSERT INTO event_log_by_case(id, seq, case_key, at, type_w, from_w, to_w, actor_w, org_key, payload)
SELECT id, seq, case_key, at, type_w, from_w, to_w, actor_w, org_key, payload FROM event_log ORDER BY case_key, seq;

-- the view and the trigger on fbw_case name event_log: they go first and come back on the new table
DROP VIEW case_event;

DROP TRIGGER fbw_case_keeps_timeline;

DROP TABLE event_log;

ALTER TABLE event_log_by_case RENAME TO event_log;

CREATE UNIQUE INDEX ux_event_log_id ON event_log (id);

CREATE VIEW case_event AS
SELECT
	e.seq AS rowid,
	e.id AS id,
	c.ref AS case_id,
	CASE typeof(e.at) WHEN 'integer'
		THEN strftime('%Y-%m-%d %H:%M:%S', e.at / 1000000, 'unixepoch') || printf('.%06d', e.at % 1000000)
		ELSE e.at END AS at,
	t.word AS type,
	f.word AS from_stage,
	s.word AS to_stage,
	a.word AS actor,
	o.ref AS org_id,
	coalesce(e.payload, '{}') AS payload
FROM event_log e
JOIN timeline_ref c ON c.key = e.case_key
JOIN timeline_word t ON t.id = e.type_w
LEFT JOIN timeline_word f ON f.id = e.from_w
LEFT JOIN timeline_word s ON s.id = e.to_w
LEFT JOIN timeline_word a ON a.id = e.actor_w
LEFT JOIN timeline_ref o ON o.key = e.org_key;

-- as in 0013, with the next seq from timeline_seq
CREATE TRIGGER case_event_insert INSTEAD OF INSERT ON case_event
BEGIN
	SELECT RAISE(ABORT, 'NOT NULL constraint failed: case_event')
		WHERE NEW.id IS NULL OR NEW.case_id IS NULL OR NEW.at IS NULL OR NEW.type IS NULL OR NEW.payload IS NULL;
	SELECT RAISE(ABORT, 'FOREIGN KEY constraint failed')
		WHERE NOT EXISTS (SELECT 1 FROM fbw_case WHERE id = NEW.case_id)
		OR (NEW.org_id IS NOT NULL AND NOT EXISTS (SELECT 1 FROM organisation WHERE id = NEW.org_id));
	INSERT OR IGNORE INTO timeline_ref(ref) SELECT r FROM (SELECT NEW.case_id AS r UNION ALL SELECT NEW.org_id) WHERE r IS NOT NULL;
	INSERT OR IGNORE INTO timeline_word(word)
		SELECT w FROM (SELECT NEW.type AS w UNION ALL SELECT NEW.from_stage UNION ALL SELECT NEW.to_stage UNION ALL SELECT NEW.actor)
		WHERE w IS NOT NULL;
	UPDATE timeline_seq SET n = n + 1;
	INSERT INTO event_log(id, seq, case_key, at, type_w, from_w, to_w, actor_w, org_key, payload) VALUES (
		NEW.id,
		(SELECT n FROM timeline_seq),
		(SELECT key FROM timeline_ref WHERE ref = NEW.case_id),
		CASE WHEN NEW.at GLOB '[12][0-9][0-9][0-9]-[01][0-9]-[0-3][0-9] [0-2][0-9]:[0-5][0-9]:[0-5][0-9].[0-9][0-9][0-9][0-9][0-9][0-9]'
			AND NEW.at >= '1970'
			THEN CAST(strftime('%s', substr(NEW.at, 1, 19)) AS INTEGER) * 1000000 + CAST(substr(NEW.at, 21, 6) AS INTEGER)
			ELSE NEW.at END,
		(SELECT id FROM timeline_word WHERE word = NEW.type),
		(SELECT id FROM timeline_word WHERE word = NEW.from_stage),
		(SELECT id FROM timeline_word WHERE word = NEW.to_stage),
		(SELECT id FROM timeline_word WHERE word = NEW.actor),
		(SELECT key FROM timeline_ref WHERE ref = NEW.org_id),
		NULLIF(NEW.payload, '{}'));
END;

CREATE TRIGGER case_event_delete INSTEAD OF DELETE ON case_event
BEGIN
	DELETE FROM event_log WHERE id = OLD.id;
END;

CREATE TRIGGER case_event_no_update INSTEAD OF UPDATE ON case_event
BEGIN
	SELECT RAISE(ABORT, 'case_event is append-only');
END;

CREATE TRIGGER event_log_no_update BEFORE UPDATE ON event_log
BEGIN
	SELECT RAISE(ABORT, 'case_event is append-only');
END;

CREATE TRIGGER fbw_case_keeps_timeline BEFORE DELETE ON fbw_case
WHEN EXISTS (SELECT 1 FROM timeline_ref r JOIN event_log e ON e.case_key = r.key WHERE r.ref = OLD.id)
BEGIN
	SELECT RAISE(ABORT, 'FOREIGN KEY constraint failed');
END;

ANALYZE event_log;
