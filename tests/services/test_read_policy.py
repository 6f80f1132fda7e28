"""One read policy on every path (issue #13): every read that returns cases or persons gives, for every
role and scope, the same answer as ``case show`` of the same case.

The fixture holds one case per scope — the user's own, the own team's, another team's, an ownerless
one, one handed over to the Agentur, one of another Jobcenter on the same store — and every case is on
every list (an open follow-up, a stalled timer, feedback in the inbox, a sync conflict). Each subject
is asked through each path; what it lists must be exactly what ``case show`` opens for it.
"""

from __future__ import annotations

import json
from datetime import timedelta

import pytest

from common import COMPLETE_CASE, TODAY, run_cli, write_config
from wbtui.domain.access import AccessDenied
from wbtui.domain.process import TransitionInput

JC, NORD, AA = "Jobcenter Musterstadt", "Jobcenter Nordkreis", "Agentur für Arbeit Musterstadt"

# name -> (login, role, team, office, office kind); "+glass": with a break-glass on the other team's case
SUBJECTS = {
    "ifk_nord": ("ifk.ida", "jc_ifk", "Team Nord", JC, "jobcenter_ge"),
    "ifk_nord+glass": ("ifk.ina", "jc_ifk", "Team Nord", JC, "jobcenter_ge"),
    "fallmanager_sued": ("fm.finn", "jc_fallmanager", "Team Süd", JC, "jobcenter_ge"),
    "teamlead_nord": ("tl.tina", "jc_teamlead", "Team Nord", JC, "jobcenter_ge"),
    "ifk_without_team": ("ifk.solo", "jc_ifk", None, JC, "jobcenter_ge"),
    "other_org_nord": ("ifk.nora", "jc_ifk", "Team Nord", NORD, "jobcenter_ge"),
    "aa_beratung": ("aa.anton", "aa_beratung", None, AA, "agentur"),
    "aa_reha": ("aa.rita", "aa_reha", None, AA, "agentur"),
    "admin": ("adm.ali", "admin", None, JC, "jobcenter_ge"),
    "dsb": ("dsb.dora", "dsb", None, JC, "jobcenter_ge"),
    "dsb+glass": ("dsb.dirk", "dsb", None, JC, "jobcenter_ge"),
}
# what the issue demands, besides "the same as case show" (own, team, other team, org walls, ownerless queue)
EXPECTED = {
    "ifk_nord": {"own", "team"},
    "ifk_nord+glass": {"own", "team", "other_team"},
    "fallmanager_sued": {"other_team", "handed"},
    "teamlead_nord": {"own", "team", "ownerless"},
    "ifk_without_team": {"own", "team", "other_team", "ownerless", "handed"},
    "other_org_nord": {"other_org"},
    "aa_beratung": {"handed"},
    "aa_reha": {"handed"},
    "admin": set(),
    "dsb": set(),
    "dsb+glass": {"other_team"},
}


def _config_text(login, role, team, office, kind) -> str:
    team_line = f'team = "{team}"\n' if team else ""
    return (
        f'[office]\nname = "{office}"\nkind = "{kind}"\npartner_agentur = "{AA}"\n'
        f'[user]\nname = "{login}"\nlogin = "{login}"\nrole = "{role}"\n{team_line}'
    )


def _services(store, tmp_path, name):
    from wbtui.config import load
    from wbtui.services import Services

    return Services(store, load(_config_path(tmp_path, name)), today=TODAY)


def _config_path(tmp_path, name):
    path = tmp_path / f"subject-{name.replace('+', '_')}.toml"
    if not path.exists():
        write_config(tmp_path, _config_text(*SUBJECTS[name]), path.name)
    return path


@pytest.fixture
def world(store, tmp_path):
    """The cases by scope (name -> case id hex) on one store, each on every list."""
    from wbtui.config import load
    from wbtui.services import Services

    def caseworker(login, team, office=JC):
        text = _config_text(login, "jc_ifk", team, office, "jobcenter_ge")
        return Services(store, load(write_config(tmp_path, text, f"maker-{login}.toml")), today=TODAY)

    ida, ina, ole = (
        caseworker("ifk.ida", "Team Nord"),
        caseworker("ifk.ina", "Team Nord"),
        caseworker("ifk.ole", "Team Süd"),
    )
    nora = caseworker("ifk.nora", "Team Nord", NORD)
    cases = {}
    for i, (name, maker) in enumerate(
        (("own", ida), ("team", ina), ("other_team", ole), ("ownerless", ida), ("handed", ole), ("other_org", nora))
    ):
        case_id = maker.create_case({**COMPLETE_CASE, "kundennummer": f"123A00000{i}", "family_name": "Zeuge"})
        maker.add_task(case_id, f"Rückruf {name}", None, TODAY - timedelta(days=3))
        cases[name] = (case_id, maker)
    handed, ole_ = cases["handed"]
    ole_.add_consent(
        handed, purpose="fbw_uebergabe", recipients=["agentur"], data_groups=["stammdaten"], given_on=TODAY
    )
    ole_.move(handed, "ready_for_handover", TransitionInput())
    ole_.send_handover(handed)
    con = store.raw(readonly=False)
    con.execute("UPDATE fbw_case SET owner_login = NULL, owner_team = NULL WHERE id = ?", (cases["ownerless"][0].hex,))
    # the Agentur sees only its own follow-ups (README "Consent projection"): one of its own on the handed case
    con.execute(
        "INSERT INTO task (id, case_id, origin, title, owner, due_on, status) VALUES (?, ?, 'manual', ?, ?, ?, 'offen')",
        ("a" * 32, handed.hex, "Beratung vorbereiten", "aa.anton", (TODAY - timedelta(days=3)).isoformat()),
    )
    for name, (case_id, _maker) in cases.items():  # a stalled timer, feedback in the inbox, a sync conflict
        con.execute(
            "UPDATE fbw_case SET updated_at = '2020-01-01 09:00:00', stage_since = '2020-01-01 09:00:00' WHERE id = ?",
            (case_id.hex,),
        )
        con.execute(
            "INSERT INTO case_event (id, case_id, at, type, actor, payload) VALUES (?, ?, ?, 'appointment_set', 'x', '{}')",
            (f"{case_id.hex[:24]}e0e0e0e0", case_id.hex, (TODAY - timedelta(days=1)).isoformat() + " 10:00:00"),
        )
        con.execute(
            "INSERT INTO sync_conflict (conflict_id, entity, row_id, field, kind, kept_value, lost_value, created_at)"
            " VALUES (?, 'case', ?, 'target_title', 'concurrent_edit', '\"a\"', '\"b\"', '2026-11-20')",
            (f"conflict-{name}", case_id.hex),
        )
    con.close()
    ina_glass = _services(store, tmp_path, "ifk_nord+glass")
    ina_glass.open_break_glass(cases["other_team"][0], "Vertretung laut Plan, Termin heute")
    dirk = _services(store, tmp_path, "dsb+glass")
    dirk.open_break_glass(cases["other_team"][0], "Prüfung einer Beschwerde vom 20.11.")
    return {name: case_id.hex for name, (case_id, _m) in cases.items()}


def _engine(services):
    from wbtui.domain.timers import TimerEngine

    return TimerEngine(TODAY, services.config.timers, services.config.calendar())


def _shown_by_case_show(services, world) -> set[str]:
    import uuid

    from wbtui.domain.access import AccessDenied

    shown = set()
    for name, case_hex in world.items():
        try:
            services.read_case(uuid.UUID(case_hex), _engine(services))
        except AccessDenied:
            continue
        shown.add(name)
    return shown


def _names(world, ids) -> set[str]:
    by_id = {v: k for k, v in world.items()}
    return {by_id[i] for i in ids if i in by_id}


def _cli(tmp_path, name, *args):
    return run_cli(*args, env={"WBTUI_CONFIG": str(_config_path(tmp_path, name))})


def test_every_read_path_gives_every_role_and_scope_the_same_answer_as_case_show(store, tmp_path, world):
    from wbtui.data.queries import CaseFilter, TaskFilter
    from wbtui.domain.access import AccessDenied
    from wbtui.screens.handover import FEEDBACK
    from wbtui.services import privacy
    from wbtui.services import sync as sync_service

    for name in SUBJECTS:
        services = _services(store, tmp_path, name)
        allowed = _shown_by_case_show(services, world)
        assert allowed == EXPECTED[name], name
        reader = services.reads
        engine = _engine(services)
        paths = {}
        try:
            board = reader.board(CaseFilter(include_closed=True), engine)
        except AccessDenied:
            assert not allowed, name
            paths["board"] = set()
        else:
            con = store.raw()
            ids = [con.execute("SELECT id FROM fbw_case WHERE rowid = ?", (r,)).fetchone()[0] for r in board.rowids]
            con.close()
            paths["board"] = _names(world, ids)
            assert board.total == len(allowed), name  # "n of total" counts only what the user may see
            paths["board_search"] = _names(
                world, [r["id"] for r in reader.page(reader.board(CaseFilter(text="Zeuge"), engine).rowids).values()]
            )
            tasks, overdue = reader.followups(engine, team=True)
            paths["followups"] = _names(world, {r["case_id"] for r in tasks} | {r["id"] for r in overdue})
            received, queries, feedback = reader.inbox(TODAY - timedelta(days=14), FEEDBACK)
            shown_in_inbox = _names(world, {r[0] for r in received + queries + feedback})
            side_shows = {"handed"} if name.startswith("aa_") else set(world)
            paths["inbox"] = shown_in_inbox | (allowed - side_shows)
            paths["tasks"] = _names(world, {r["case_id"] for r in reader.tasks(TaskFilter(include_done=True))})
            paths["overdue"] = _names(world, {r["id"] for r in reader.overdue(engine)})
            if name.startswith(("ifk", "fallmanager", "teamlead", "aa_", "other")):
                conflicts = sync_service.conflicts(services)
                paths["sync_conflicts"] = _names(world, {c.row_id for c in conflicts})
        # the CLI, --json included
        listed = _cli(tmp_path, name, "case", "list", "--all", "--json", "--limit", "1000")
        searched = _cli(tmp_path, name, "case", "list", "--all", "--search", "Zeuge", "--json")
        overdue_cli = _cli(tmp_path, name, "overdue", "--json")
        tasks_cli = _cli(tmp_path, name, "task", "list", "--all", "--json")
        for label, res in (
            ("case list", listed),
            ("search", searched),
            ("overdue", overdue_cli),
            ("task list", tasks_cli),
        ):
            if not allowed and name in ("admin", "dsb"):
                assert res.returncode == 5 and len(res.stderr.strip().splitlines()) == 1, (name, label, res.stderr)
                assert "Fallinhalte" in res.stderr
                paths["cli " + label] = set()
                continue
            assert res.returncode == 0, (name, label, res.stderr)
            body = json.loads(res.stdout)
            items = body.get("cases") or body.get("items") or body.get("tasks") or []
            paths["cli " + label] = _names(world, {i.get("case_id") or i["id"] for i in items})
        assert len(paths) >= (11 if allowed and not name.startswith("dsb") else 4), (name, sorted(paths))
        for path, seen in paths.items():
            assert seen == allowed, (name, path, seen, allowed)
        # Art. 15: only for cases in scope or opened by break-glass
        if name in ("teamlead_nord", "dsb+glass", "dsb"):
            for case_name, case_hex in world.items():
                try:
                    data = privacy.subject_access_export(services, case_hex)
                except AccessDenied:
                    assert case_name not in allowed, (name, case_name)
                else:
                    assert case_name in allowed and data["cases"], (name, case_name)


def test_steering_figures_count_the_own_office_only(store, tmp_path, world):
    for name in ("teamlead_nord", "admin", "dsb"):  # 5 cases of the office, one of another office on the store
        services = _services(store, tmp_path, name)
        figures = services.reads.steering(_engine(services), channel_detail="test")
        assert figures["totals"]["cases"] == 5, name  # protected: rounded to 5
    for name in ("ifk_nord", "fallmanager_sued", "aa_beratung", "aa_reha"):  # steering is not a caseworker's
        services = _services(store, tmp_path, name)
        with pytest.raises(AccessDenied):
            services.reads.steering(_engine(services), channel_detail="test")


def test_lists_ignore_the_access_policy__admin_and_dsb_are_refused_with_one_line_and_audited(store, tmp_path, world):
    from wbtui.data import audit

    store.close()
    for name in ("admin", "dsb"):
        res = _cli(tmp_path, name, "case", "list", "--json")
        assert res.returncode == 5 and res.stdout == "" and "Zeuge" not in res.stderr
    con = store.raw()
    denied = [e for e in audit.entries(con) if e["action"] == "denied" and e["object_type"] == "list"]
    con.close()
    assert {e["actor"] for e in denied} >= {"adm.ali", "dsb.dora"}


def test_agentur_lists_the_jobcenters_unhanded_cases__now_only_handed_ones(store, tmp_path, world):
    store.close()
    res = _cli(tmp_path, "aa_beratung", "case", "list", "--stage", "need_identified", "--json")
    assert res.returncode == 0 and json.loads(res.stdout)["cases"] == []
    shown = json.loads(_cli(tmp_path, "aa_beratung", "case", "list", "--all", "--json").stdout)["cases"]
    assert [c["id"] for c in shown] == [world["handed"]]


def test_board_offers_break_glass_only_for_a_case_named_exactly(store, tmp_path, world):
    from wbtui.data.queries import CaseFilter

    services = _services(store, tmp_path, "ifk_nord")
    reader = services.reads
    engine = _engine(services)
    kundennummer = "123A000002"  # the other team's case
    board = reader.board(CaseFilter(text=kundennummer), engine)
    assert board.rowids == [] and board.locked == world["other_team"]
    assert reader.board(CaseFilter(text="123A000005"), engine).locked is None  # another office: closed, not offered
    assert reader.board(CaseFilter(text="Zeu"), engine).locked is None
