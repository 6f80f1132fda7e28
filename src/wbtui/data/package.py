"""The handover package as the store keeps it: compact JSON, deflated with a preset dictionary (issue #16).

The frozen Übergabe payload was the largest column of the store (about 780 bytes of JSON text per handover,
most of it the same keys and coded values every time). A preset dictionary holds those, so a package shrinks
to about a quarter. The column holds ``bytes([version]) + raw deflate``; the first byte names the
dictionary, so a later dictionary can be added without rewriting the stores that use this one — which is
why a shipped dictionary is never edited, only a new version added.

Only this store's column changes: the wire form (sync, exchange file, Art. 15 export) stays the JSON value,
and :func:`unpack` still reads JSON text (a row written by a connection that could not pack, or a store not
migrated yet), so readers need not know which form a row has. ``wbtui_pack`` is the same packing as a SQLite
function (:func:`register`): the migration, the demo generator and the safety-net trigger use it.
"""

from __future__ import annotations

import json
import zlib
from typing import Any

VERSION = 1

# Dictionary 1: the keys of services.handover_package in its order, then the coded values of the catalog
# (deflate finds matches nearer the end cheaper, so the most frequent come last). Never edit: add a version.
_DICT_1 = (
    '"earliest_start":"20'
    '"health_limits_summary":'
    '"Q-ANK","Q-BER","Q-DIG","Q-ERF","Q-GRK","Q-SCH","Q-SPR","R-ALL","R-FIN","R-KIN","R-MOB","R-REC","R-SCH",'
    '"R-WOH","R-FAM","R-PFL","M-ERW","M-MOT",'
    '"training_type":"externenpruefung""training_type":"teilqualifizierung""training_type":"anpassung"'
    '"training_type":"grundkompetenzen""training_type":"umschulung"'
    '"school_certificate":"hauptschule""school_certificate":"abitur""school_certificate":"ausland"'
    '"school_certificate":"keiner""school_certificate":"mittlerer"'
    '"necessity_reason":"missing_qualification""necessity_reason":"integration"'
    '"necessity_reason":"avert_unemployment"'
    '"legal_basis":"sgb_x_69"'
    '"preferred_language":"Polnisch""preferred_language":"Russisch""preferred_language":"Ukrainisch"'
    '"preferred_language":"Farsi""preferred_language":"Türkisch""preferred_language":"Arabisch"'
    '"preferred_language":"Englisch"'
    '"german_level_cefr":"A1""german_level_cefr":"A2""german_level_cefr":"B1""german_level_cefr":"B2"'
    '"german_level_cefr":"C1"'
    '"max_commute_km":30,"max_commute_km":20,"schedule":"teilzeit",'
    '"status":"geloest"},{"code":"'
    '"status":"nicht_relevant"},{"code":"'
    '"status":"in_bearbeitung"},{"code":"'
    '{"version":1,"person":{"kundennummer":"","bg_nummer":"BG","family_name":"","given_names":"",'
    '"birth_date":"19","address":"straße , 12345 Musterstadt","phone":"01","email":null,'
    '"preferred_language":"Deutsch","needs_interpreter":false,"german_level_cefr":"C2",'
    '"school_certificate":"mittlerer"},"case":{"target_kldb":"","target_title":"/in",'
    '"training_type":"umschulung","schedule":"vollzeit","earliest_start":null,"max_commute_km":50,'
    '"necessity_reason":"integration","care_arranged":null,"availability":null,"legacy_jc_funded":false,'
    '"legal_basis":"consent"},"obstacles":[{"code":"'
    '"}],"jc_contact":{"name":"","office":"Jobcenter '
).encode()

_DICTS = {1: _DICT_1}


def pack(value: Any) -> bytes:
    """A package (any JSON value) as the column stores it."""
    text = json.dumps(value, ensure_ascii=False, separators=(",", ":"))
    deflate = zlib.compressobj(9, zlib.DEFLATED, -15, 9, zlib.Z_DEFAULT_STRATEGY, _DICTS[VERSION])
    return bytes((VERSION,)) + deflate.compress(text.encode()) + deflate.flush()


def unpack(stored: bytes | str | None) -> Any:
    """The package's JSON value from the column (packed, or JSON text as written before); None stays None."""
    if stored is None:
        return None
    if isinstance(stored, str):
        return json.loads(stored)
    blob = bytes(stored)
    zdict = _DICTS.get(blob[0]) if blob else None
    if zdict is None:  # a store written by a newer release (its migration refused it before this)
        raise ValueError(f"handover package of unknown form {blob[:1]!r}")
    inflate = zlib.decompressobj(-15, zdict)
    return json.loads(inflate.decompress(blob[1:]) + inflate.flush())


def pack_sql(stored: bytes | str | None) -> bytes | None:
    """``wbtui_pack(x)``: JSON text packed; packed bytes and NULL as they are (packing twice changes nothing)."""
    if stored is None or isinstance(stored, bytes):
        return stored
    return pack(json.loads(stored))


def register(con) -> None:
    """Make ``wbtui_pack`` known to a connection (every connection the store opens: data/store.py)."""
    con.create_function("wbtui_pack", 1, pack_sql, deterministic=True)


PACKED = ("handover", "package")  # (entity, field) of the one packed column


def loaded(entity: str, field: str, stored: Any) -> Any:
    """A raw column value of a synced row as the generic readers take it: the packed column unpacked (to
    its JSON value), anything else as it is."""
    if isinstance(stored, bytes) and (entity, field) == PACKED:
        return unpack(stored)
    return stored
