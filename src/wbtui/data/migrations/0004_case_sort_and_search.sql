-- 0004: name sort key and search text on the case row, kept current by triggers,
-- so the board orders and filters 100,000 cases from one table and one index.

ALTER TABLE fbw_case ADD COLUMN sort_name VARCHAR;

ALTER TABLE fbw_case ADD COLUMN search_text VARCHAR;

UPDATE fbw_case SET
	sort_name = (SELECT lower(replace(replace(replace(p.family_name || ' ' || p.given_names, 'Ä', 'ä'), 'Ö', 'ö'), 'Ü', 'ü')) FROM person p WHERE p.id = fbw_case.person_id),
	search_text = (SELECT lower(replace(replace(replace(p.family_name || ', ' || p.given_names, 'Ä', 'ä'), 'Ö', 'ö'), 'Ü', 'ü')) || ' ' || upper(p.kundennummer) || ' ' || upper(coalesce(p.bg_nummer, '')) FROM person p WHERE p.id = fbw_case.person_id);

-- covering index: order, stage, search and owner filters never touch the wide case rows
CREATE INDEX ix_case_board ON fbw_case (sort_name, id, stage, search_text, owner_user_id);

CREATE TRIGGER fbw_case_names_on_insert AFTER INSERT ON fbw_case
BEGIN
	UPDATE fbw_case SET
		sort_name = (SELECT lower(replace(replace(replace(p.family_name || ' ' || p.given_names, 'Ä', 'ä'), 'Ö', 'ö'), 'Ü', 'ü')) FROM person p WHERE p.id = NEW.person_id),
		search_text = (SELECT lower(replace(replace(replace(p.family_name || ', ' || p.given_names, 'Ä', 'ä'), 'Ö', 'ö'), 'Ü', 'ü')) || ' ' || upper(p.kundennummer) || ' ' || upper(coalesce(p.bg_nummer, '')) FROM person p WHERE p.id = NEW.person_id)
	WHERE rowid = NEW.rowid;
END;

CREATE TRIGGER person_names_on_update AFTER UPDATE OF family_name, given_names, kundennummer, bg_nummer ON person
BEGIN
	UPDATE fbw_case SET
		sort_name = lower(replace(replace(replace(NEW.family_name || ' ' || NEW.given_names, 'Ä', 'ä'), 'Ö', 'ö'), 'Ü', 'ü')),
		search_text = lower(replace(replace(replace(NEW.family_name || ', ' || NEW.given_names, 'Ä', 'ä'), 'Ö', 'ö'), 'Ü', 'ü')) || ' ' || upper(NEW.kundennummer) || ' ' || upper(coalesce(NEW.bg_nummer, ''))
	WHERE person_id = NEW.id;
END;

ANALYZE;
