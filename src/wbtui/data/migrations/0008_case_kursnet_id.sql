-- 0008: the KURSNET offer ID of the approved course on the case (sync schema version 2).

ALTER TABLE fbw_case ADD COLUMN kursnet_id VARCHAR;
