-- 0013: the timeline, compacted (issue #16: events with text ids were half of the store).
-- The rows live in event_log: the case and the office as small integer keys (timeline_ref, whose keys an
-- INTEGER PRIMARY KEY keeps stable through VACUUM), type, stages and actor as words (timeline_word), the
-- time in microseconds since 1970 (text only for a value not in the store's own format), no payload for
-- an empty one. case_event is now a view with the old columns and values, so every reader stays as it
-- was; writes to it go through the triggers below (wbtui.data.timeline writes in bulk). "rowid" of the
-- view is the insertion order, the tie-breaker for events of the same time.

CREATE TABLE timeline_ref (
	key INTEGER PRIMARY KEY,
	ref CHAR(32) NOT NULL UNIQUE
);

CREATE TABLE timeline_word (
	id INTEGER PRIMARY KEY,
	word VARCHAR NOT NULL UNIQUE
);

CREATE TABLE event_log (
	seq INTEGER PRIMARY KEY,
	id CHAR(32) NOT NULL,
	case_key INTEGER NOT NULL,
	at NOT NULL,
	type_w INTEGER NOT NULL,
	from_w INTEGER,
	to_w INTEGER,
	actor_w INTEGER,
	org_key INTEGER,
	payload VARCHAR
);

INSERT INTO timeline_ref(ref) SELECT case_id FROM case_event UNION SELECT org_id FROM case_event WHERE org_id IS NOT NULL;

INSERT INTO timeline_word(word)
	SELECT type FROM case_event
	UNION SELECT from_stage FROM case_event WHERE from_stage IS NOT NULL
	UNION SELECT to_stage FROM case_event WHERE to_stage IS NOT NULL
	UNION SELECT actor FROM case_event WHERE actor IS NOT NULL;

INSERT INTO event_log(seq, id, case_key, at, type_w, from_w, to_w, actor_w, org_key, payload)
SELECT e.rowid, e.id,
	(SELECT key FROM timeline_ref WHERE ref = e.case_id),
	CASE WHEN e.at GLOB '[12][0-9][0-9][0-9]-[01][0-9]-[0-3][0-9] [0-2][0-9]:[0-5][0-9]:[0-5][0-9].[0-9][0-9][0-9][0-9][0-9][0-9]'
		AND e.at >= '1970'
		THEN CAST(strftime('%s', substr(e.at, 1, 19)) AS INTEGER) * 1000000 + CAST(substr(e.at, 21, 6) AS INTEGER)
		ELSE e.at END,
	(SELECT id FROM timeline_word WHERE word = e.type),
	(SELECT id FROM timeline_word WHERE word = e.from_stage),
	(SELECT id FROM timeline_word WHERE word = e.to_stage),
	(SELECT id FROM timeline_word WHERE word = e.actor),
	(SELECT key FROM timeline_ref WHERE ref = e.org_id),
	NULLIF(e.payload, '{}')
FROM case_event e ORDER BY e.rowid;

DROP TRIGGER IF EXISTS case_event_no_update;

DROP TABLE case_event;

CREATE UNIQUE INDEX ux_event_log_id ON event_log (id);

CREATE INDEX ix_event_log_case ON event_log (case_key, at);

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

-- the checks the table had: required values, the case and the office must exist (foreign keys)
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
	INSERT INTO event_log(id, case_key, at, type_w, from_w, to_w, actor_w, org_key, payload) VALUES (
		NEW.id,
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
	DELETE FROM event_log WHERE seq = OLD.rowid;
END;

CREATE TRIGGER case_event_no_update INSTEAD OF UPDATE ON case_event
BEGIN
	SELECT RAISE(ABORT, 'case_event is append-only');
END;

CREATE TRIGGER event_log_no_update BEFORE UPDATE ON event_log
BEGIN
	SELECT RAISE(ABORT, 'case_event is append-only');
END;

-- a case with a timeline is not deleted (the foreign key the table had)
CREATE TRIGGER fbw_case_keeps_timeline BEFORE DELETE ON fbw_case
WHEN EXISTS (SELECT 1 FROM timeline_ref r JOIN event_log e ON e.case_key = r.key WHERE r.ref = OLD.id)
BEGIN
	SELECT RAISE(ABORT, 'FOREIGN KEY constraint failed');
END;

ANALYZE;
