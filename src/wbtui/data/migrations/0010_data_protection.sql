-- 0010: data protection that holds on the device (README "Data protection").
-- Owner and team travel with the case (synced fields, within the office), so the read scopes mean the
-- same on every device; existing cases take them from their owner's user record.
-- audit_note: free text given with an access (a purpose, a break-glass or hold reason) lives here, not in
-- the hash-chained audit trail, and goes with the case (retention).
-- document_file: documents wbtui wrote into its documents folder, so retention can remove those of a
-- deleted case.

ALTER TABLE fbw_case ADD COLUMN owner_login VARCHAR;

ALTER TABLE fbw_case ADD COLUMN owner_team VARCHAR;

UPDATE fbw_case SET
	owner_login = (SELECT u.login FROM app_user u WHERE u.id = fbw_case.owner_user_id),
	owner_team = (SELECT u.team FROM app_user u WHERE u.id = fbw_case.owner_user_id)
WHERE owner_user_id IS NOT NULL;

-- the board's covering index, now with what the read scope looks at (owner, team, offices)
DROP INDEX IF EXISTS ix_case_board;

CREATE INDEX ix_case_board ON fbw_case (sort_name, id, stage, search_text, owner_login, owner_team, jobcenter_org_id, agentur_org_id);

CREATE TABLE audit_note (
	entry_id CHAR(32) NOT NULL,
	field VARCHAR NOT NULL,
	case_id CHAR(32),
	text VARCHAR NOT NULL,
	PRIMARY KEY (entry_id, field)
);

CREATE INDEX ix_audit_note_case ON audit_note (case_id);

CREATE TABLE document_file (
	path VARCHAR NOT NULL PRIMARY KEY,
	case_id CHAR(32) NOT NULL,
	kind VARCHAR NOT NULL,
	written_at VARCHAR NOT NULL
);

CREATE INDEX ix_document_file_case ON document_file (case_id);
