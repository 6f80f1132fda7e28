-- 0012: appointments as objects, the inbox's read marks, feedback files imported (README "Appointments",
-- "Return channel without a shared server").
-- appointment: the rows existed (one per counselling appointment); they now carry length, who the
-- person meets, the reason of a status (cancelled, moved), the appointment a moved one replaces, and
-- their own times, and they sync like the case's other rows.
-- inbox_read: which caseworker has read which timeline entry of the other office (local: each device
-- keeps its own marks).
-- feedback_import: feedback files already imported, so a second import of the same file is recognised.

ALTER TABLE appointment ADD COLUMN duration_minutes INTEGER;

ALTER TABLE appointment ADD COLUMN with_whom VARCHAR;

ALTER TABLE appointment ADD COLUMN status_reason VARCHAR;

ALTER TABLE appointment ADD COLUMN moved_from CHAR(32);

ALTER TABLE appointment ADD COLUMN created_at DATETIME;

ALTER TABLE appointment ADD COLUMN updated_at DATETIME;

-- the timers look up a case's open appointments
CREATE INDEX ix_appointment_open ON appointment (case_id, status, starts_at);

CREATE TABLE inbox_read (
	event_id CHAR(32) NOT NULL,
	login VARCHAR NOT NULL,
	read_at DATETIME NOT NULL,
	PRIMARY KEY (event_id, login)
);

CREATE TABLE feedback_import (
	file_id CHAR(32) NOT NULL,
	imported_at DATETIME NOT NULL,
	actor VARCHAR,
	cases INTEGER NOT NULL,
	PRIMARY KEY (file_id)
);
