"""With a server, the team and the office come from the server (issue #13 retest, defects 2 and 4): the
team is pinned at ``sync login`` like the role, so the editable TOML widens nothing, a server user without a
team has no team scope; and a freshly synced device answers ``case list`` and ``case show`` alike from the
first moment, knowing its office by the server's id. Real server on loopback, real stores, the CLI."""

from __future__ import annotations

import json
import sqlite3

from common import JC_CONFIG, run_cli

TEAM_A = 'team = "Team A"\n'
TEAM_B = 'team = "Team B"\n'


def _device(tmp_path, name: str, login: str, role: str, team_line: str, url: str) -> dict:
    folder = tmp_path / name
    folder.mkdir()
    config = folder / "config.toml"
    text = JC_CONFIG.format(lang="de").replace("ifk.ida", login).replace("jc_ifk", role) + team_line
    config.write_text(text + f'[sync]\nurl = "{url}"\n', encoding="utf-8")
    return {"WBTUI_CONFIG": str(config), "WBTUI_DATA_DIR": str(folder / "data")}


def _ok(*args, env, input=None):
    res = run_cli(*args, env=env, input=input)
    assert res.returncode == 0, (args, res.stdout, res.stderr)
    return res


def _total(env) -> int:
    return json.loads(_ok("case", "list", "--all", "--json", env=env).stdout)["total"]


def _q(env, sql: str):
    from pathlib import Path

    con = sqlite3.connect(Path(env["WBTUI_DATA_DIR"]) / "wbtui.db")
    try:
        return con.execute(sql).fetchall()
    finally:
        con.close()


def test_with_a_server_the_team_came_from_the_editable_toml__now_pinned_and_the_office_known_at_once(server, tmp_path):
    from server_helpers import PEPPER, provision
    from wbtui.server.admin import add_user, issue_token

    url, engine = server
    provision(engine)
    tokens = {}
    for login, role, team in (
        ("ifk.a", "jc_ifk", "Team A"),
        ("ifk.b", "jc_ifk", "Team B"),
        ("tl.a", "jc_teamlead", "Team A"),
        ("ifk.solo", "jc_ifk", None),
    ):
        add_user(engine, login, "Jobcenter Musterstadt", role, team)
        tokens[login] = issue_token(engine, PEPPER, login, ["read", "push"], 30)[1]

    a = _device(tmp_path, "a", "ifk.a", "jc_ifk", TEAM_A, url)
    _ok("sync", "login", env=a, input=tokens["ifk.a"] + "\n")
    for kdnr, name in (("901A000001", "Erste"), ("901A000002", "Zweite")):
        _ok("case", "new", "-k", kdnr, "-n", name, "-g", "Anna", "--set", "health_limits_summary=kein Heben", env=a)
    _ok("sync", env=a)

    # a team lead's fresh device: the list and case show agree from the first moment after sync
    c = _device(tmp_path, "c", "tl.a", "jc_teamlead", TEAM_A, url)
    _ok("sync", "login", env=c, input=tokens["tl.a"] + "\n")
    assert "empfangen" in _ok("sync", env=c).stdout
    assert _total(c) == 2
    _ok("case", "show", "901A000001", env=c)
    assert _total(c) == 2
    # the office is the server's on every device (device A pinned it before its first case)
    from sqlmodel import Session, select

    from wbtui.server.models import SrvOrg

    with Session(engine) as s:
        server_org = s.exec(select(SrvOrg).where(SrvOrg.name == "Jobcenter Musterstadt")).one().id
    for device in (a, c):
        assert _q(device, "SELECT id FROM organisation WHERE kind = 'jobcenter_ge'") == [(server_org,)]

    # another team's device whose TOML claims Team A sees none of Team A's cases, Art. 9 included
    b = _device(tmp_path, "b", "ifk.b", "jc_ifk", TEAM_A, url)
    _ok("sync", "login", env=b, input=tokens["ifk.b"] + "\n")
    _ok("sync", env=b)
    assert _total(b) == 0
    shown = run_cli("case", "show", "901A000001", "--art9", env=b)
    assert shown.returncode == 5 and "kein Heben" not in shown.stdout
    # deleting the team line does not make the whole office the team
    config_b = tmp_path / "b" / "config.toml"
    config_b.write_text(config_b.read_text(encoding="utf-8").replace(TEAM_A, ""), encoding="utf-8")
    assert _total(b) == 0
    assert run_cli("case", "show", "901A000002", env=b).returncode == 5

    # a server user without a team: own cases only, whatever the TOML says
    solo = _device(tmp_path, "solo", "ifk.solo", "jc_ifk", TEAM_A, url)
    _ok("sync", "login", env=solo, input=tokens["ifk.solo"] + "\n")
    _ok("sync", env=solo)
    assert _total(solo) == 0
    _ok("case", "new", "-k", "901A000003", "-n", "Dritte", "-g", "Dora", env=solo)
    assert _total(solo) == 1
    assert _q(solo, "SELECT owner_team FROM fbw_case WHERE owner_login = 'ifk.solo'") == [(None,)]
