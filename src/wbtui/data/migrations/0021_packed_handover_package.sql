-- 0021: the handover package packed (issue #16: the largest column of the store). wbtui_pack is the
-- function data/package.py registers on every connection the store opens: compact JSON deflated with a
-- preset dictionary, a first byte naming the dictionary. Readers unpack (data/package.py); the wire form
-- stays JSON. The trigger is the safety net for a writer that hands the column JSON text (a sync merge, a
-- row of an older release): the row is packed in the same statement, so no row stays unpacked.

UPDATE handover SET package = wbtui_pack(package) WHERE typeof(package) = 'text';

CREATE TRIGGER handover_package_packed_insert AFTER INSERT ON handover
WHEN typeof(NEW.package) = 'text'
BEGIN
	UPDATE handover SET package = wbtui_pack(NEW.package) WHERE rowid = NEW.rowid;
END;

CREATE TRIGGER handover_package_packed_update AFTER UPDATE OF package ON handover
WHEN typeof(NEW.package) = 'text'
BEGIN
	UPDATE handover SET package = wbtui_pack(NEW.package) WHERE rowid = NEW.rowid;
END;
