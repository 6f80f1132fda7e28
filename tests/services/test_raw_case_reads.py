"""Opening a case reads it on the raw SQLite path (issue #16: the ORM is +30 MB in a running TUI): the case, its
next steps, the handover check and the conference gate need neither SQLAlchemy nor SQLModel, and decide
exactly as the ORM facts the write use cases check their transitions on."""

from __future__ import annotations

import sys
import uuid

import pytest

from common import TODAY

# what must not load while a case is only read (the ORM and what imports it)
ORM = ("sqlalchemy", "sqlmodel", "wbtui.data.models", "wbtui.services._combined", "wbtui.services.base")


def _block_orm(monkeypatch) -> None:
    """Any import of the ORM from here on fails (also one already loaded by an earlier test)."""
    import wbtui.services

    for name in ORM:
        monkeypatch.setitem(sys.modules, name, None)
    monkeypatch.delattr(wbtui.services, "Services", raising=False)  # the package caches what it loaded


def test_raw_facts_decide_as_the_orm_facts_in_every_stage(tmp_path, jc_config):
    """60 demo cases (seed 7): every stage of the process, with obstacles, consents and appointments."""
    from tui_helpers import build_store
    from wbtui.data.detail import case_facts
    from wbtui.data.store import open_store
    from wbtui.domain import process
    from wbtui.domain.errors import RuleViolation
    from wbtui.services import Services

    store = open_store(build_store(tmp_path, cases=60, seed=7))
    jc = Services(store, jc_config, today=TODAY)
    con = store.raw()
    stages = set()
    try:
        ids = [row[0] for row in con.execute("SELECT id FROM fbw_case")]
        with jc._read() as s:
            for case_id in ids:
                case, person = jc._load(s, uuid.UUID(case_id), "case.read")
                orm = jc.facts(s, case, person)
                raw = case_facts(con, case_id, today=TODAY, enabled_optional=jc_config.enabled_optional())
                stages.add(raw.stage)
                for side in (process.JC, process.AA):
                    assert process.next_steps(raw, side=side) == process.next_steps(orm, side=side), case_id
                assert process.handover_readiness(raw) == process.handover_readiness(orm)
                assert (raw.obstacles, raw.consent_for_agentur, raw.consent_health) == (
                    orm.obstacles, orm.consent_for_agentur, orm.consent_health,
                )  # fmt: skip
                assert sorted(raw.appointments, key=str) == sorted(orm.appointments, key=str)
                for variant in ("ohne_person", "mit_person"):  # the variants that rest on a consent
                    gate = jc.conference_gate(uuid.UUID(case_id), variant, [("Frau Ring", "jugendamt", None)])
                    try:
                        jc._conference_consent(s, person, variant, TODAY, [("Frau Ring", "jugendamt", None)])
                        assert gate == []
                    except RuleViolation as exc:
                        assert gate == exc.reasons
        assert stages == set(process.Stage)  # every stage, the Reha track and the closed case too
    finally:
        con.close()
        store.close()


def test_opening_a_case_loads_no_orm(tmp_path, jc_config, monkeypatch):
    """The TUI's services (services/lazy.py) read a case, its next steps, the handover check and the conference
    gate, and audit, without importing the ORM — the ORM side is made only for a write."""
    from tui_helpers import store_with_case
    from wbtui.data.store import open_store
    from wbtui.domain.timers import TimerEngine
    from wbtui.services.lazy import LazyServices

    db, made = store_with_case(tmp_path, cases=0)
    store = open_store(db)  # a store object of its own: no engine made by an earlier use
    case_id = made.hex
    con = store.raw()
    audited = con.execute("SELECT count(*) FROM audit_log").fetchone()[0]
    con.close()
    engine = TimerEngine(TODAY, jc_config.timers, jc_config.calendar())
    _block_orm(monkeypatch)
    services = LazyServices(store, jc_config, today=TODAY)
    detail = services.read_case(uuid.UUID(case_id), engine)
    steps = services.next_steps(uuid.UUID(case_id))
    missing = services.handover_check(uuid.UUID(case_id))
    gate = services.conference_gate(uuid.UUID(case_id), "ohne_person")
    services.audit("print", "fbw_case", case_id=case_id)
    assert detail["stage"] == "need_identified" and steps and isinstance(missing, list) and isinstance(gate, list)
    with pytest.raises(ImportError):  # a write needs the ORM side: it is made then
        services.record_contact(uuid.UUID(case_id))
    monkeypatch.undo()
    con = store.raw()
    try:  # the read, the handover check and the print were audited, all three through the raw writer
        assert con.execute("SELECT count(*) FROM audit_log").fetchone()[0] == audited + 3
    finally:
        con.close()
        store.close()
