"""Qualifications and work history over a real server (SQLite and PostgreSQL; sync schema 5): the Jobcenter's
devices share them, the Agentur receives them only when the consent (or the statute) covers the data group
``qualifikation``, another Jobcenter never, and the server refuses them from the Agentur (permission table)."""

from __future__ import annotations

import uuid
from datetime import date

from common import AA_CONFIG, JC_CONFIG, TODAY
from server_helpers import provision
from sync_helpers import handed_over_case, office, q, sync
from wbtui.sync.client import enable


def test_qualifications_reach_the_offices_devices_and_the_agentur_only_with_consent(server, tmp_path):
    from wbtui.sync.recorder import enqueue, load_clock, save_clock

    url, engine = server
    tokens = provision(engine)
    jc_store, jc = office(tmp_path, "jc", JC_CONFIG, url)
    jc2_store, _jc2 = office(tmp_path, "jc2", JC_CONFIG, url)
    aa_store, _aa = office(tmp_path, "aa", AA_CONFIG, url)
    other_store, _other = office(tmp_path, "nora", JC_CONFIG, url)
    for store in (jc_store, jc2_store, aa_store, other_store):
        enable(store)
    case_id = handed_over_case(jc, jc_store, aa_store, url, tokens, "Qualifiziert")
    qualification = jc.add_qualification(case_id, "Verkäuferin", kldb_code="62102", recognition="n/a", year=2007)
    work = jc.add_work_episode(case_id, "Lagerhilfe", kldb_code="51311", date_from=date(2015, 3, 1))
    assert sync(jc_store, url, tokens["ifk.ida"]).rejected == 0
    # corrected afterwards (the TUI's e): the server takes the changed fields under the rules of adding
    assert jc.update_qualification(case_id, qualification, "Verkäuferin", kldb_code="62102", year=2008) == ["year"]
    assert jc.update_work_episode(case_id, work, "Lagerhelferin", kldb_code="51311", date_from=date(2015, 3, 1),
                                  date_to=date(2019, 6, 30)) == ["title", "date_to"]  # fmt: skip
    assert sync(jc_store, url, tokens["ifk.ida"]).rejected == 0

    # the office's second device
    assert sync(jc2_store, url, tokens["ifk.ida"]).rejected == 0
    assert q(jc2_store, "SELECT title, kldb_code, year FROM vocational_qualification") == [
        ("Verkäuferin", "62102", 2008)
    ]
    assert q(jc2_store, "SELECT title, date_from, date_to FROM work_episode") == [
        ("Lagerhelferin", "2015-03-01", "2019-06-30")
    ]
    # the Agentur: the consent names stammdaten and hemmnisse only, so nothing of the group qualifikation
    assert sync(aa_store, url, tokens["aa.anton"]).rejected == 0
    assert q(aa_store, "SELECT COUNT(*) FROM vocational_qualification") == [(0,)]
    assert q(aa_store, "SELECT COUNT(*) FROM work_episode") == [(0,)]
    # another Jobcenter never
    assert sync(other_store, url, tokens["ifk.nora"]).rejected == 0
    assert q(other_store, "SELECT COUNT(*) FROM vocational_qualification") == [(0,)]

    # a consent naming qualifikation: the Agentur gets them
    jc.add_consent(case_id, purpose="fbw_uebergabe", recipients=["agentur"],
                   data_groups=["stammdaten", "qualifikation"], given_on=TODAY)  # fmt: skip
    assert sync(jc_store, url, tokens["ifk.ida"]).rejected == 0
    assert sync(aa_store, url, tokens["aa.anton"]).rejected == 0
    assert q(aa_store, "SELECT title FROM vocational_qualification") == [("Verkäuferin",)]
    assert q(aa_store, "SELECT title FROM work_episode") == [("Lagerhelferin",)]

    # the Agentur may not write them (an altered device): the server refuses the write
    person_id = q(aa_store, "SELECT person_id FROM fbw_case WHERE id = ?", case_id.hex)[0][0]
    with aa_store.engine.begin() as conn:
        clock = load_clock(conn)
        enqueue(conn, clock, "qualification", "ab" * 16, case_id.hex, "set",
                {"person_id": {"v": person_id, "base": None}, "title": {"v": "Erfunden", "base": None},
                 "recognition_status": {"v": "n/a", "base": None}}, tx="t-aa-qual")  # fmt: skip
        save_clock(conn, clock)
    refused = sync(aa_store, url, tokens["aa.anton"])
    assert refused.rejected == 1
    assert sync(jc2_store, url, tokens["ifk.ida"]).rejected == 0
    assert q(jc2_store, "SELECT title FROM vocational_qualification") == [("Verkäuferin",)]
    # removed as entered by mistake (the TUI's x): a field like any other, so the server takes it too
    jc.remove_work_episode(case_id, work)
    assert sync(jc_store, url, tokens["ifk.ida"]).rejected == 0
    assert sync(jc2_store, url, tokens["ifk.ida"]).rejected == 0
    assert q(jc2_store, "SELECT title, removed_on FROM work_episode") == [("Lagerhelferin", TODAY.isoformat())]


def test_the_agentur_may_not_record_qualifications_on_its_device(tmp_path):
    """The same table on the device: the service refuses the Agentur before anything is written."""
    import pytest

    from wbtui.domain.access import AccessDenied

    jc_store, jc = office(tmp_path, "jc", JC_CONFIG, "https://unused.invalid")
    from common import COMPLETE_CASE

    case_id = jc.create_case(COMPLETE_CASE)
    jc.add_qualification(case_id, "Koch", recognition="full", country="Türkei", year=2001)
    assert q(jc_store, "SELECT title, country, recognition_status FROM vocational_qualification") == [
        ("Koch", "Türkei", "full")
    ]
    aa_store2, aa2 = office(tmp_path, "jc", AA_CONFIG, "https://unused.invalid")  # the Agentur on the same store
    with pytest.raises(AccessDenied):
        aa2.add_qualification(case_id, "Erfunden")
    qualification = uuid.UUID(q(jc_store, "SELECT id FROM vocational_qualification")[0][0])
    with pytest.raises(AccessDenied):  # nor correct them (the same rule)
        aa2.update_qualification(case_id, qualification, "Erfunden")
    assert q(aa_store2, "SELECT COUNT(*) FROM vocational_qualification") == [(1,)]
