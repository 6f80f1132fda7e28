"""Shared test data: the fixed day, two office configurations, a complete case, and the CLI runners
(in process, and as a real subprocess)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from dataclasses import dataclass
from datetime import date
from pathlib import Path

TODAY = date(2026, 11, 25)  # a Wednesday; fixed so timers and snapshots are deterministic

JC_CONFIG = """\
language = "{lang}"
[office]
name = "Jobcenter Musterstadt"
kind = "jobcenter_ge"
partner_agentur = "Agentur für Arbeit Musterstadt"
[user]
name = "Ida Ifk"
login = "ifk.ida"
role = "jc_ifk"
"""

# the team lead of the same office (steering figures are the team lead's: domain/access.py)
LEAD_CONFIG = JC_CONFIG.replace(
    'name = "Ida Ifk"\nlogin = "ifk.ida"\nrole = "jc_ifk"',
    'name = "Tina Lead"\nlogin = "tl.tina"\nrole = "jc_teamlead"',
)

AA_CONFIG = """\
language = "{lang}"
[office]
name = "Agentur für Arbeit Musterstadt"
kind = "agentur"
[user]
name = "Anton Berater"
login = "aa.anton"
role = "aa_beratung"
"""


def write_config(tmp_path: Path, text: str, name: str = "config.toml") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def config_env(tmp_path: Path, text: str, name: str, lang: str = "de") -> dict:
    """The environment of a CLI run as one office: its configuration file (``text`` with ``{lang}``)."""
    return {"WBTUI_CONFIG": str(write_config(tmp_path, text.format(lang=lang), name))}


def two_offices(tmp_path: Path) -> tuple[dict, dict]:
    """The environments of a Jobcenter and an Agentur with stores of their own (an exchange by file)."""
    jc = {**config_env(tmp_path, JC_CONFIG, "jc.toml"), "WBTUI_DB": str(tmp_path / "jc.db")}
    aa = {**config_env(tmp_path, AA_CONFIG, "aa.toml"), "WBTUI_DB": str(tmp_path / "aa.db")}
    return jc, aa


def office_at_schema(tmp_path: Path, version: int):
    """A Jobcenter store migrated only up to schema ``version`` and its services: the starting point of a
    migration test (what an older release left on disk)."""
    from wbtui.config import load
    from wbtui.data.store import Store, _ensure_identity, migrate
    from wbtui.services import Services

    path = tmp_path / "jc.db"
    assert migrate(path, target=version) == (0, version)
    store = Store(path)
    _ensure_identity(store)
    cfg = tmp_path / "jc.toml"
    cfg.write_text(JC_CONFIG.format(lang="de"), encoding="utf-8")
    return store, Services(store, load(cfg), today=TODAY)


def make_store(tmp_path: Path) -> Path:
    """Create the test's default store (``WBTUI_DATA_DIR``/wbtui.db): only creating commands make a missing one."""
    from wbtui.data.store import open_store

    path = tmp_path / "data" / "wbtui.db"
    open_store(path).close()
    return path


COMPLETE_CASE = {
    "kundennummer": "123A456789",
    "family_name": "Beispiel",
    "given_names": "Berta",
    "birth_date": "1985-04-12",
    "phone": "0151 1234567",
    "target_kldb": "52122",
    "target_title": "Berufskraftfahrerin",
    "training_type": "umschulung",
    "schedule": "vollzeit",
    "necessity_reason": "missing_qualification",
}


@dataclass
class CliResult:
    """What a CLI run leaves behind, shaped like ``subprocess.CompletedProcess``."""

    args: tuple[str, ...]
    returncode: int
    stdout: str
    stderr: str


def run_cli(*args: str, env: dict | None = None, input: str | None = None) -> CliResult:
    """Run ``wbtui`` in this process through its entry point ``wbtui.cli.main`` (logging set-up and the
    internal-error handler included), with stdin/stdout/stderr and the environment isolated by
    Typer's ``CliRunner``; ``env`` overrides the test's environment as a subprocess's would.

    The process-wide state a fresh ``wbtui`` process would not have is reset around each run: the
    UI language (German until the configuration says otherwise), the umask (the store sets 077),
    the registry of derived store keys (``WBTUI_DB_KEY`` is read again). The CLI itself clears its
    per-invocation state and closes its log file when ``main`` returns."""
    from typer.testing import CliRunner

    from wbtui import cli, i18n

    language = i18n.get_language()
    umask = os.umask(0o022)
    keys = _store_keys()
    saved_keys = dict(keys)
    keys.clear()
    i18n.set_language("de")
    code = 0
    try:
        with CliRunner().isolation(input=input, env=env) as (out, err, _mixed):
            try:
                cli.main(list(args), prog_name="wbtui")
            except SystemExit as exc:
                code = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
            finally:
                sys.stdout.flush()
                sys.stderr.flush()
            stdout, stderr = out.getvalue().decode("utf-8"), err.getvalue().decode("utf-8", "backslashreplace")
    finally:
        i18n.set_language(language)
        os.umask(umask)
        keys.clear()
        keys.update(saved_keys)
    return CliResult(tuple(args), code, stdout, stderr)


def cli_ok(*args: str, env: dict | None = None) -> str:
    """The output of a CLI run that must succeed."""
    res = run_cli(*args, env=env)
    assert res.returncode == 0, (args, res.stdout, res.stderr)
    return res.stdout


def cli_new_case(env: dict, **extra: str) -> str:
    """``wbtui case new`` of :data:`COMPLETE_CASE` (``extra`` overrides values as typed); the new case's ref."""
    values = {**COMPLETE_CASE, **extra}
    args = ["case", "new", "-k", values["kundennummer"], "-n", values["family_name"], "-g", values["given_names"]]
    for option, key in (
        ("--birth-date", "birth_date"),
        ("--phone", "phone"),
        ("--target-kldb", "target_kldb"),
        ("--training-type", "training_type"),
        ("--schedule", "schedule"),
        ("--necessity", "necessity_reason"),
    ):
        args += [option, values[key]]
    return json.loads(cli_ok(*args, "--json", env=env))["ref"]


def cli_handed_over(jc: dict, kundennummer: str = "123A456789", **extra: str) -> str:
    """A case of :data:`COMPLETE_CASE` (``extra`` overrides values) made and handed over for a file export
    on the command line as the Jobcenter ``jc``; its id."""
    values = {**COMPLETE_CASE, "kundennummer": kundennummer, **extra}
    sets = [
        a
        for k, v in values.items()
        if k not in ("kundennummer", "family_name", "given_names")
        for a in ("--set", f"{k}={v}")
    ]
    args = ["case", "new", "-k", kundennummer, "-n", values["family_name"], "-g", values["given_names"], *sets]
    out = json.loads(cli_ok(*args, "--json", env=jc))
    ref = out["ref"]
    cli_ok("obstacle", "add", ref, "R-MOB", "--status", "in_bearbeitung", env=jc)
    cli_ok("consent", "add", ref, "--recipient", "agentur", "--group", "stammdaten", "--group", "hemmnisse", env=jc)
    cli_ok("case", "move", ref, "ready_for_handover", env=jc)
    cli_ok("handover", "send", ref, "--channel", "file_export", env=jc)
    return out["id"]


def one_error_line(res, code: int | None = None) -> str:
    """The one line an error leaves on stderr, never a traceback (README "Exit codes"); ``code``: the exit
    code the run must end with."""
    if code is not None:
        assert res.returncode == code, (res.args, res.returncode, res.stdout, res.stderr)
    assert "Traceback" not in res.stderr and "Traceback" not in res.stdout
    lines = [line for line in res.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, res.stderr
    return lines[0]


def _store_keys() -> dict:
    from wbtui.data import encryption

    return encryption._KEYS


def run_cli_process(*args: str, env: dict | None = None, input: str | None = None) -> subprocess.CompletedProcess:
    """Run the real ``wbtui`` entry point in a subprocess (stdout, stderr, exit code as a user sees them).

    For what only a real process shows: start-up, the import check, a second process holding the
    store, the TUI. Everything else uses :func:`run_cli` (in process, about fifty times faster)."""
    full_env = dict(os.environ)
    full_env.update(env or {})
    return subprocess.run(
        [sys.executable, "-m", "wbtui", *args], capture_output=True, text=True, env=full_env, input=input, timeout=120
    )
