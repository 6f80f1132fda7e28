-- 0018: a qualification or a period of work entered by mistake is removed (sync schema 5): marked with the
-- day of its removal, which syncs like any field (the protocol deletes no rows), and left out of every
-- view and document; the row itself goes with the person's data (erasure, retention).

ALTER TABLE vocational_qualification ADD COLUMN removed_on DATE;
ALTER TABLE work_episode ADD COLUMN removed_on DATE;
