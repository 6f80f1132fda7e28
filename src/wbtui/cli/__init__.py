"""Typer command line: ``wbtui`` starts the TUI; subcommands serve power users and scripts.

Imports of SQLModel, SQLAlchemy and Textual happen inside the commands that
need them, so ``wbtui --help`` and the read-only list commands start fast.
Errors print one line to stderr and exit non-zero; no traceback reaches a user.

Exit codes: 0 ok, 1 refused by a rule or invalid input, 2 usage error,
3 not found, 4 configuration or store problem, 70 internal error.
"""

from __future__ import annotations

import functools
import json
import sys
from datetime import date

import typer

from wbtui.i18n import describe, t

app = typer.Typer(
    add_completion=False,
    no_args_is_help=False,
    help="wbtui: Förderung der beruflichen Weiterbildung zwischen Jobcenter und Agentur für Arbeit.",
    pretty_exceptions_enable=False,
)
case_app = typer.Typer(help="Fälle anlegen, anzeigen, weiterführen, abschließen.", no_args_is_help=True)
obstacle_app = typer.Typer(help="Hemmnisse erfassen und fortschreiben.", no_args_is_help=True)
consent_app = typer.Typer(help="Einwilligungen erfassen und widerrufen.", no_args_is_help=True)
handover_app = typer.Typer(help="Übergabe an die Agentur: senden, quittieren, Rückfrage.", no_args_is_help=True)
conference_app = typer.Typer(help="Fallkonferenzen erfassen.", no_args_is_help=True)
task_app = typer.Typer(help="Wiedervorlagen.", no_args_is_help=True)
config_app = typer.Typer(help="Lokale Konfiguration.", no_args_is_help=True)
sync_app = typer.Typer(help="Abgleich mit dem zentralen Server.", invoke_without_command=True)
audit_app = typer.Typer(help="Protokoll der Zugriffe (nur Datenschutzbeauftragte).", no_args_is_help=True)
retention_app = typer.Typer(help="Aufbewahrung und Löschung abgeschlossener Fälle.", no_args_is_help=True)
person_app = typer.Typer(help="Auskunft nach Art. 15 DSGVO.", no_args_is_help=True)
server_app = typer.Typer(
    help="Verwaltung des zentralen Servers (Organisationen, Nutzer, Tokens).", no_args_is_help=True
)
server_org_app = typer.Typer(help="Organisationen.", no_args_is_help=True)
server_user_app = typer.Typer(help="Nutzerinnen und Nutzer.", no_args_is_help=True)
server_token_app = typer.Typer(
    help="API-Tokens (zufällig, gehasht gespeichert, befristet, widerrufbar).", no_args_is_help=True
)
app.add_typer(case_app, name="case")
app.add_typer(obstacle_app, name="obstacle")
app.add_typer(consent_app, name="consent")
app.add_typer(handover_app, name="handover")
app.add_typer(conference_app, name="conference")
app.add_typer(task_app, name="task")
app.add_typer(config_app, name="config")
app.add_typer(sync_app, name="sync")
app.add_typer(audit_app, name="audit")
app.add_typer(retention_app, name="retention")
app.add_typer(person_app, name="person")
app.add_typer(server_app, name="server")
server_app.add_typer(server_org_app, name="org")
server_app.add_typer(server_user_app, name="user")
server_app.add_typer(server_token_app, name="token")

EXIT_RULE, EXIT_NOT_FOUND, EXIT_ENV, EXIT_DENIED, EXIT_INTERNAL = 1, 3, 4, 5, 70


def _ask_key() -> str:
    """The store's passphrase from the terminal (never echoed, never on the command line)."""
    import getpass

    return getpass.getpass(t("cli.key_prompt"))


def _ask_new_key() -> str:
    first = _ask_key()
    if _ask_key() != first:
        from wbtui.domain.errors import StoreError

        raise StoreError("err.store_key_mismatch")
    return first


class State:
    """Lazily opened configuration, store and services for one command."""

    def __init__(self, db: str | None) -> None:
        self.db = db
        self._config = None
        self._store = None
        self._services = None

    @property
    def config(self):
        if self._config is None:
            from wbtui import config as config_mod
            from wbtui.i18n import set_language

            self._config = config_mod.load()
            set_language(self._config.language)
        return self._config

    @property
    def store(self):
        if self._store is None:
            self.unlock()
            from wbtui.data.store import open_store

            self._store = open_store(self.db)
        return self._store

    def unlock(self) -> None:
        """For an encrypted store: derive the key from WBTUI_DB_KEY, the key file or a prompt (never argv)."""
        config = self.config
        if not config.store_encryption:
            return
        from wbtui import paths
        from wbtui.data import encryption

        path = paths.db_path(self.db)
        if encryption.key_for(path) is not None:
            return
        passphrase = encryption.passphrase_from(config, prompt=_ask_key if sys.stdin.isatty() else None)
        paths.private_dir(path.parent)
        encryption.register(path, passphrase or "")

    @property
    def services(self):
        if self._services is None:
            from wbtui.services import Services

            self._services = Services(self.store, self.config)
        return self._services

    def engine(self):
        from wbtui.domain.timers import TimerEngine

        return TimerEngine(date.today(), self.config.timers, self.config.calendar())

    def audit_list(self, what: str, count: int, *, search: str | None = None) -> None:
        """Audit a list view without loading the ORM (``case list`` stays fast)."""
        from wbtui.data.audit import record_list, who_for

        record_list(self.store, who_for(self.store, self.config, "cli"), what, count, search=search)

    def close(self) -> None:
        if self._store is not None:
            self._store.close()


def _fail(message: str, code: int) -> None:
    from wbtui.domain.text import clean

    typer.echo(clean(message), err=True)
    raise typer.Exit(code)


def command(fn):
    """Run a command with user-facing error handling (one line on stderr, no traceback)."""

    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        import sqlite3

        from wbtui.domain.access import AccessDenied
        from wbtui.domain.errors import ConfigError, NotFound, RuleViolation, StoreError, WbtuiError

        state = _STATE.get("current")
        try:
            return fn(*args, **kwargs)
        except (typer.Exit, typer.Abort, SystemExit, BrokenPipeError):
            raise
        except NotFound as exc:
            _fail(describe(exc), EXIT_NOT_FOUND)
        except (ConfigError, StoreError) as exc:
            _fail(describe(exc), EXIT_ENV)
        except AccessDenied as exc:
            _fail(describe(exc), EXIT_DENIED)
        except RuleViolation as exc:
            _fail(describe(exc), EXIT_RULE)
        except WbtuiError as exc:
            _fail(describe(exc), EXIT_RULE)
        except sqlite3.OperationalError as exc:
            if "locked" in str(exc):
                _fail(t("err.store_busy"), EXIT_ENV)
            _fail(t("err.internal", kind=type(exc).__name__), EXIT_INTERNAL)
        except Exception as exc:
            if exc.__class__.__name__ == "OperationalError" and "locked" in str(exc):
                _fail(t("err.store_busy"), EXIT_ENV)
            _fail(t("err.internal", kind=type(exc).__name__), EXIT_INTERNAL)
        finally:
            if state is not None:
                state.close()

    return wrapper


_STATE: dict[str, State] = {}


def st() -> State:
    return _STATE["current"]


def out_json(data) -> None:
    typer.echo(json.dumps(data, ensure_ascii=False, indent=2, default=str))


def _clean(value) -> str:
    from wbtui.domain.text import clean

    return clean("" if value is None else str(value))


def _table(headers: list[str], rows: list[list[str]]) -> None:
    widths = [len(h) for h in headers]
    rows = [[_clean(c) for c in row] for row in rows]
    for row in rows:
        widths = [max(w, len(c)) for w, c in zip(widths, row)]
    typer.echo("  ".join(h.ljust(w) for h, w in zip(headers, widths)).rstrip())
    for row in rows:
        typer.echo("  ".join(c.ljust(w) for c, w in zip(row, widths)).rstrip())


def _emit(body: str, output: str | None) -> None:
    """Print a document, or write it as a 0600 file (never following a symlink)."""
    if not output:
        typer.echo(body)
        return
    from pathlib import Path

    from wbtui.services.exchange import write_text

    typer.echo(t("cli.report_written", path=write_text(body, Path(output))))


def _date(value: str | None, field: str) -> date | None:
    from wbtui.domain.fields import parse_date

    return parse_date(value, field=field) if value else None


def _assignments(items: list[str] | None) -> dict[str, str]:
    from wbtui.domain.errors import WbtuiError

    out = {}
    for item in items or []:
        if "=" not in item:
            raise WbtuiError("err.bad_assignment", value=item)
        key, value = item.split("=", 1)
        out[key.strip()] = value
    return out


# --------------------------------------------------------------------------- root


@app.callback(invoke_without_command=True)
def root(
    ctx: typer.Context,
    db: str | None = typer.Option(None, "--db", help="Pfad zum Datenbestand (sonst WBTUI_DB oder Datenverzeichnis)."),
) -> None:
    """Ohne Unterbefehl startet die Oberfläche (TUI)."""
    ctx.obj = _STATE["current"] = State(db)
    if ctx.invoked_subcommand is None:
        _run_tui(ctx.obj)


def _run_tui(state: State) -> None:
    from wbtui.domain.errors import WbtuiError

    try:
        config = state.config
    except WbtuiError as exc:
        _fail(describe(exc), EXIT_ENV)
    from wbtui import paths
    from wbtui.data.store import SessionLock

    try:
        lock = SessionLock(paths.db_path(state.db)).acquire()
        state.unlock()  # an encrypted store asks for its key before the screen takes over the terminal
    except WbtuiError as exc:
        _fail(describe(exc), EXIT_ENV)
    from wbtui.app import run

    try:
        code = run(config=config, db=state.db)
    finally:
        lock.release()
    raise typer.Exit(code or 0)


store_app = typer.Typer(help="Lokaler Datenbestand.", no_args_is_help=True)
app.add_typer(store_app, name="store")


@store_app.command("encrypt")
@command
def store_encrypt() -> None:
    """Verschlüsselt einen bestehenden Datenbestand mit SQLCipher (Schlüssel aus WBTUI_DB_KEY, key_file oder Abfrage)."""
    from wbtui import paths
    from wbtui.data import encryption
    from wbtui.data.store import SessionLock

    state = st()
    path = paths.db_path(state.db)
    passphrase = encryption.passphrase_from(state.config, prompt=_ask_new_key if sys.stdin.isatty() else None)
    if not passphrase:
        from wbtui.domain.errors import StoreError

        raise StoreError("err.store_key_missing", path=str(path))
    with SessionLock(path):
        encryption.encrypt_existing(path, passphrase)
    typer.echo(t("cli.store_encrypted", path=path))


@app.command()
@command
def locate(as_json: bool = typer.Option(False, "--json", help="Ausgabe als JSON.")) -> None:
    """Zeigt, wo Konfiguration, Daten und Protokolle liegen."""
    from wbtui import paths

    places = {
        "config": str(paths.config_file()),
        "data": str(paths.data_dir()),
        "db": str(paths.db_path(st().db)),
        "logs": str(paths.log_dir()),
    }
    if as_json:
        out_json(places)
        return
    _ = st().config
    for key, label in (
        ("config", "cli.locate_config"),
        ("data", "cli.locate_data"),
        ("db", "cli.locate_db"),
        ("logs", "cli.locate_logs"),
    ):
        typer.echo(f"{t(label) + ':':<18}{places[key]}")


@app.command()
@command
def migrate() -> None:
    """Bringt den Datenbestand auf das aktuelle Schema."""
    from wbtui import paths
    from wbtui.data.store import migrate as do_migrate

    _ = st().config
    path = paths.db_path(st().db)
    paths.restrict_umask()
    paths.private_dir(path.parent)
    before, after = do_migrate(path)
    paths.private_file(path)
    typer.echo(t("cli.migrated", path=path, before=before, after=after))


@app.command()
@command
def demo(
    cases: int = typer.Option(
        600, "--cases", min=1, max=200_000, help="Anzahl der Fälle (Bürotest 600, Region 6.000, Last 100.000)."
    ),
    seed: int = typer.Option(1, "--seed", help="Startwert für reproduzierbare Daten."),
    force: bool = typer.Option(False, "--force", help="Auch in einen Bestand mit Fällen schreiben."),
    if_empty: bool = typer.Option(
        False, "--if-empty", help="Nur, wenn der Bestand noch keine Fälle hat (sonst nichts tun)."
    ),
    quiet: bool = typer.Option(False, "--quiet", "-q", help="Keine Fortschrittsanzeige."),
) -> None:
    """Erzeugt realistische synthetische Fälle über alle Stufen."""
    import time

    from wbtui.domain.errors import WbtuiError
    from wbtui.services import demo as demo_mod

    state = st()
    services = state.services
    _ = services.actor  # the configured office and user exist before the data
    con = state.store.raw(readonly=False)
    try:
        if not force and con.execute("SELECT COUNT(*) FROM fbw_case").fetchone()[0]:
            if if_empty:
                typer.echo(t("cli.demo_skipped", path=state.store.path))
                return
            raise WbtuiError("err.demo_not_empty", path=state.store.path)
        started = time.perf_counter()

        def progress(done: int, total: int) -> None:
            if not quiet:
                typer.echo(t("cli.demo_progress", done=done, total=total), err=True)

        cfg = state.config
        made = demo_mod.generate(
            con,
            cases,
            seed=seed,
            home_org=(cfg.office_name, cfg.office_kind),
            partner_agentur=cfg.partner_agentur,
            home_login=cfg.user_login,
            progress=progress,
            batch=max(500, min(5000, cases // 20 or 500)),
        )
        con.execute("PRAGMA optimize")
    finally:
        con.close()
    typer.echo(t("cli.demo_done", cases=made, path=state.store.path, seconds=time.perf_counter() - started))


# --------------------------------------------------------------------------- case


@case_app.command("new")
@command
def case_new(
    kundennummer: str = typer.Option(..., "--kundennummer", "-k", help="Kundennummer (123A456789)."),
    family_name: str = typer.Option(..., "--family-name", "-n", help="Nachname."),
    given_names: str = typer.Option(..., "--given-names", "-g", help="Vorname(n)."),
    birth_date: str | None = typer.Option(None, "--birth-date", help="Geburtsdatum."),
    bg_nummer: str | None = typer.Option(None, "--bg-nummer", help="BG-Nummer."),
    phone: str | None = typer.Option(None, "--phone"),
    email: str | None = typer.Option(None, "--email"),
    address: str | None = typer.Option(None, "--address"),
    target_kldb: str | None = typer.Option(None, "--target-kldb", help="Zielberuf, KldB 2010 (5 Ziffern)."),
    target_title: str | None = typer.Option(None, "--target-title"),
    training_type: str | None = typer.Option(None, "--training-type"),
    schedule: str | None = typer.Option(None, "--schedule", help="vollzeit | teilzeit"),
    necessity_reason: str | None = typer.Option(
        None, "--necessity", help="integration | avert_unemployment | missing_qualification"
    ),
    sets: list[str] | None = typer.Option(None, "--set", help="Weitere Felder als feld=wert."),
    as_json: bool = typer.Option(False, "--json"),
) -> None:
    """Legt einen Fall an (Erfassung und Bedarf)."""
    values = {
        k: v
        for k, v in {
            "kundennummer": kundennummer,
            "family_name": family_name,
            "given_names": given_names,
            "birth_date": birth_date,
            "bg_nummer": bg_nummer,
            "phone": phone,
            "email": email,
            "address": address,
            "target_kldb": target_kldb,
            "target_title": target_title,
            "training_type": training_type,
            "schedule": schedule,
            "necessity_reason": necessity_reason,
        }.items()
        if v is not None
    }
    values.update(_assignments(sets))
    case_id = st().services.create_case(values)
    if as_json:
        out_json({"id": case_id.hex, "ref": case_id.hex[:8], "stage": "need_identified"})
        return
    typer.echo(
        t(
            "cli.created",
            ref=case_id.hex[:8],
            name=_clean(f"{family_name}, {given_names}"),
            kundennummer=_clean(kundennummer.upper()),
        )
    )


@case_app.command("edit")
@command
def case_edit(
    case: str = typer.Argument(..., help="Fall: Kennung (Anfang) oder Kundennummer."),
    sets: list[str] = typer.Option(..., "--set", help="feld=wert (mehrfach); leerer Wert löscht."),
) -> None:
    """Ändert Angaben zu Person und Bedarf."""
    services = st().services
    case_id = services.resolve(case)
    changed = services.update_fields(case_id, _assignments(sets))
    if changed:
        typer.echo(t("cli.updated", ref=case_id.hex[:8], fields=", ".join(changed)))
    else:
        typer.echo(t("cli.nothing_changed", ref=case_id.hex[:8]))


def _row_json(row: dict, engine, today: date) -> dict:
    from wbtui.data.queries import days_since
    from wbtui.domain.process import STAGES, Stage

    return {
        "id": row["id"],
        "ref": row["id"][:8],
        "family_name": row["family_name"],
        "given_names": row["given_names"],
        "kundennummer": row["kundennummer"],
        "bg_nummer": row["bg_nummer"],
        "stage": row["stage"],
        "stage_code": STAGES[Stage(row["stage"])].code,
        "owner": STAGES[Stage(row["stage"])].owner,
        "days_in_stage": days_since(row["stage_since"], today),
        "next_due": row["next_due"],
        "timer": engine.state(row),
    }


@case_app.command("list")
@command
def case_list(
    stage: list[str] | None = typer.Option(None, "--stage", "-s", help="Nur diese Stufe(n)."),
    owner: str | None = typer.Option(None, "--owner", help="jobcenter | agentur: wer am Zug ist."),
    mine: bool = typer.Option(False, "--mine", help="Nur meine Fälle."),
    overdue: bool = typer.Option(False, "--overdue", help="Nur überfällige oder ablaufende."),
    stalled: bool = typer.Option(False, "--stalled", help="Nur ruhende Fälle."),
    search: str | None = typer.Option(None, "--search", "-q", help="Name, Kundennummer oder BG-Nummer."),
    include_closed: bool = typer.Option(False, "--all", help="Auch abgeschlossene Fälle."),
    limit: int = typer.Option(50, "--limit", min=1, max=100_000),
    offset: int = typer.Option(0, "--offset", min=0),
    as_json: bool = typer.Option(False, "--json", help="Ausgabe als JSON."),
) -> None:
    """Listet Fälle mit Filtern."""
    from wbtui.data.queries import CaseFilter, count_cases, list_cases
    from wbtui.domain.errors import WbtuiError
    from wbtui.domain.process import Stage

    state = st()
    stages = []
    for s in stage or []:
        try:
            stages.append(Stage(s).value)
        except ValueError:
            raise WbtuiError("err.unknown_stage", stage=s, choices=", ".join(x.value for x in Stage)) from None
    if owner is not None and owner not in ("jobcenter", "agentur"):
        raise WbtuiError("err.bad_choice", field="--owner", value=owner, choices="jobcenter, agentur")
    timer = "any" if overdue and stalled else "overdue" if overdue else "stalled" if stalled else None
    mine_id = state.services.actor.user_id.hex if mine else None
    engine = state.engine()
    flt = CaseFilter(
        text=search or "",
        stages=tuple(stages),
        owner=owner,
        mine_user_id=mine_id,
        timer=timer,
        include_closed=include_closed,
    )
    con = state.store.raw()
    try:
        rows = list_cases(con, flt, engine, limit=limit, offset=offset)
        total = count_cases(con, flt, engine) if (as_json or len(rows) == limit or offset) else len(rows)
        state.audit_list("fbw_case", len(rows), search=search)
    finally:
        con.close()
    today = date.today()
    if as_json:
        out_json(
            {"total": total, "offset": offset, "count": len(rows), "cases": [_row_json(r, engine, today) for r in rows]}
        )
        return
    if not rows:
        typer.echo(t("cli.no_cases"))
        return
    items = [_row_json(r, engine, today) for r in rows]
    _table(
        [
            t("hdr.case"),
            t("hdr.name"),
            t("hdr.kundennummer"),
            t("hdr.stage"),
            t("hdr.owner"),
            t("hdr.days"),
            t("hdr.next_due"),
            t("hdr.timer"),
        ],
        [
            [
                i["ref"],
                f"{i['family_name']}, {i['given_names']}",
                i["kundennummer"],
                f"{i['stage_code']} {t('stage.' + i['stage'])}",
                t("side." + i["owner"]),
                str(i["days_in_stage"] or 0),
                i["next_due"] or "",
                t("timer." + i["timer"]),
            ]
            for i in items
        ],
    )
    typer.echo(t("cli.n_of_total", n=len(rows), total=total))


@case_app.command("show")
@command
def case_show(
    case: str = typer.Argument(..., help="Fall: Kennung (Anfang) oder Kundennummer."),
    as_json: bool = typer.Option(False, "--json"),
    art9: bool = typer.Option(
        False, "--art9", help="Besonders geschützte Hemmnisse (Art. 9 DSGVO) einblenden (wird protokolliert)."
    ),
    reason: str | None = typer.Option(
        None,
        "--reason",
        help="Grund für einen Zugriff außerhalb des eigenen Fallbestands (Break-glass, protokolliert).",
    ),
    purpose: str | None = typer.Option(
        None, "--purpose", help="Zweck des Zugriffs fürs Protokoll, z. B. Beratungstermin."
    ),
) -> None:
    """Zeigt einen Fall mit Verlauf (jeder Aufruf wird protokolliert)."""
    state = st()
    services = state.services
    case_id = services.resolve(case)
    if reason:
        services.open_break_glass(case_id, reason)
    detail = services.read_case(case_id, state.engine(), show_art9=art9, purpose=purpose)
    if as_json:
        out_json(detail)
        return
    _print_detail(detail, state)


def _print_detail(d: dict, state: State) -> None:
    catalog = state.services.catalog
    from wbtui.i18n import get_language

    p, c = d["person"], d["case"]
    typer.echo(
        f"{t('hdr.case')} {d['ref']}  {_clean(p['family_name'])}, {_clean(p['given_names'])}  ({_clean(p['kundennummer'])})"
    )
    typer.echo(
        f"{t('hdr.stage')}: {d['stage_code']} {t('stage.' + d['stage'])}  ·  {t('hdr.owner')}: {t('side.' + d['owner'])}"
        f"  ·  {t('hdr.timer')}: {t('timer.' + d['timer']['state'])}"
        + (f" ({', '.join(t('rule.' + r) for r in d['timer']['rules'])})" if d["timer"]["rules"] else "")
    )
    typer.echo("")
    typer.echo(t("hdr.person"))
    for key in (
        "bg_nummer",
        "birth_date",
        "address",
        "phone",
        "email",
        "preferred_language",
        "german_level_cefr",
        "school_certificate",
    ):
        if p.get(key):
            typer.echo(f"  {t('field.' + key)}: {_clean(p[key])}")
    typer.echo(t("hdr.need"))
    for key in (
        "target_kldb",
        "target_title",
        "training_type",
        "schedule",
        "earliest_start",
        "necessity_reason",
        "legal_basis",
        "counselling_outcome",
        "appointment_at",
        "voucher_valid_until",
        "course_start",
        "course_planned_end",
        "kursnet_id",
        "close_reason",
    ):
        if c.get(key):
            typer.echo(f"  {t('field.' + key)}: {_clean(c[key])}")
    if d["obstacles"] or d["art9_hidden"]:
        typer.echo(t("hdr.obstacles"))
        for o in d["obstacles"]:
            typer.echo(
                f"  {o['code']:<6} {_clean(catalog.label(o['code'], get_language()))} — {t('obst.' + o['status'])}"
            )
        if d["art9_hidden"]:
            typer.echo("  " + t("hdr.art9_hidden", n=d["art9_hidden"]))
    if d["consents"]:
        typer.echo(t("hdr.consents"))
        for cs in d["consents"]:
            typer.echo(
                f"  {cs['id'][:8]} {cs['purpose']} → {', '.join(cs['recipients'])} [{', '.join(cs['data_groups'])}] {cs['given_on']}"
                + (f" widerrufen {cs['revoked_on']}" if cs["revoked_on"] else "")
            )
    if d["tasks"]:
        typer.echo(t("hdr.tasks"))
        for task in d["tasks"]:
            typer.echo(
                f"  {task['id'][:8]} {task['due_on']} {_clean(task['owner'])}: {_clean(task['title'])} ({task['status']})"
            )
    typer.echo(t("hdr.timeline"))
    for ev in d["timeline"][-15:]:
        move = f" {ev['from_stage'] or ''}→{ev['to_stage']}" if ev["to_stage"] else ""
        typer.echo(f"  {ev['at'][:16]}  {ev['type']}{move}  {_clean(ev['actor'])}")


@case_app.command("move")
@command
def case_move(
    case: str = typer.Argument(..., help="Fall: Kennung (Anfang) oder Kundennummer."),
    stage: str = typer.Argument(..., help="Zielstufe (z. B. obstacles_in_clarification, counselled, voucher_issued)."),
    valid_until: str | None = typer.Option(
        None, "--valid-until", help="Bildungsgutschein gültig bis (höchstens 3 Monate)."
    ),
    when: str | None = typer.Option(None, "--date", help="Datum/Uhrzeit des Beratungstermins."),
    outcome: str | None = typer.Option(None, "--outcome", help="Beratungsergebnis."),
    start: str | None = typer.Option(None, "--start", help="Maßnahmebeginn."),
    end: str | None = typer.Option(None, "--end", help="Geplantes Maßnahmeende."),
    reason: str | None = typer.Option(None, "--reason", help="Grund (Abbruch, Abschluss)."),
    note: str | None = typer.Option(None, "--note", help="Kurze Notiz."),
) -> None:
    """Führt einen Fall in die nächste Stufe (mit Prüfung der Prozessregeln)."""
    from wbtui.domain.errors import WbtuiError
    from wbtui.domain.fields import parse_datetime
    from wbtui.domain.process import Stage, TransitionInput

    try:
        target = Stage(stage)
    except ValueError:
        raise WbtuiError("err.unknown_stage", stage=stage, choices=", ".join(s.value for s in Stage)) from None
    services = st().services
    case_id = services.resolve(case)
    data = TransitionInput(
        valid_until=_date(valid_until, "--valid-until"),
        appointment_at=parse_datetime(when, field="--date") if when else None,
        outcome=outcome,
        course_start=_date(start, "--start"),
        course_end=_date(end, "--end"),
        reason=reason,
        note=note,
    )
    services.move(case_id, target, data)
    typer.echo(t("cli.moved", ref=case_id.hex[:8], stage=t("stage." + target.value)))


@case_app.command("close")
@command
def case_close(
    case: str = typer.Argument(...),
    reason: str | None = typer.Option(
        None, "--reason", help="integrated | declined_by_person | moved | no_longer_in_need | rehab | other"
    ),
    note: str | None = typer.Option(None, "--note"),
) -> None:
    """Schließt einen Fall mit Grund ab."""
    services = st().services
    case_id = services.resolve(case)
    services.close(case_id, reason, note)
    typer.echo(t("cli.closed", ref=case_id.hex[:8], reason=reason))


@case_app.command("appointment")
@command
def case_appointment(case: str = typer.Argument(...), when: str = typer.Argument(..., help="JJJJ-MM-TT HH:MM")) -> None:
    """Vereinbart den Beratungstermin bei der Agentur."""
    from wbtui.domain.fields import parse_datetime

    services = st().services
    case_id = services.resolve(case)
    at = parse_datetime(when, field="when")
    services.set_appointment(case_id, at)
    typer.echo(t("cli.appointment_set", ref=case_id.hex[:8], at=at.strftime("%d.%m.%Y %H:%M")))


@case_app.command("contact")
@command
def case_contact(case: str = typer.Argument(...), note: str | None = typer.Option(None, "--note")) -> None:
    """Vermerkt einen Kontakt (Lebenszeichen während oder nach der Maßnahme)."""
    services = st().services
    case_id = services.resolve(case)
    services.record_contact(case_id, note)
    typer.echo(t("cli.contact_recorded", ref=case_id.hex[:8]))


# --------------------------------------------------------------------------- obstacles


@obstacle_app.command("add")
@command
def obstacle_add(
    case: str = typer.Argument(...),
    code: str = typer.Argument(..., help="Katalogcode, z. B. R-KIN."),
    status: str = typer.Option("offen", "--status"),
    service: str | None = typer.Option(None, "--service", help="Zuständige Stelle."),
    review: str | None = typer.Option(None, "--review", help="Wiedervorlage-Datum."),
    note: str | None = typer.Option(None, "--note"),
) -> None:
    """Erfasst ein Hemmnis aus dem Katalog."""
    services = st().services
    case_id = services.resolve(case)
    services.add_obstacle(case_id, code, status=status, service=service, review_on=_date(review, "--review"), note=note)
    typer.echo(t("cli.obstacle_added", code=code.upper(), ref=case_id.hex[:8]))


@obstacle_app.command("set")
@command
def obstacle_set(
    case: str = typer.Argument(...),
    code: str = typer.Argument(...),
    status: str | None = typer.Option(
        None, "--status", help="offen | in_bearbeitung | geloest | nicht_loesbar | nicht_relevant"
    ),
    service: str | None = typer.Option(None, "--service"),
    review: str | None = typer.Option(None, "--review"),
    note: str | None = typer.Option(None, "--note"),
) -> None:
    """Ändert Status, Stelle oder Prüfdatum eines Hemmnisses."""
    services = st().services
    case_id = services.resolve(case)
    services.set_obstacle(case_id, code, status=status, service=service, review_on=_date(review, "--review"), note=note)
    typer.echo(t("cli.obstacle_set", code=code.upper(), ref=case_id.hex[:8], status=status or "-"))


@obstacle_app.command("catalog")
@command
def obstacle_catalog(as_json: bool = typer.Option(False, "--json")) -> None:
    """Zeigt den Hemmnis-Katalog (mit lokalen Codes)."""
    from wbtui.i18n import get_language

    catalog = st().config.catalog()
    items = [
        {
            "code": o.code,
            "label_de": o.label_de,
            "label_en": o.label_en,
            "group": o.group,
            "art9": o.art9,
            "local": o.local,
        }
        for o in catalog
    ]
    if as_json:
        out_json(items)
        return
    lang = get_language()
    _table(
        ["Code", t("hdr.title"), "4PM", "Art. 9"],
        [
            [
                i["code"],
                i["label_de"] if lang == "de" else i["label_en"],
                t("group." + i["group"]),
                "✓" if i["art9"] else "",
            ]
            for i in items
        ],
    )


# --------------------------------------------------------------------------- consent


@consent_app.command("add")
@command
def consent_add(
    case: str = typer.Argument(...),
    purpose: str = typer.Option("fbw_uebergabe", "--purpose", help="fbw_uebergabe | fallkonferenz | fbw_gesamt"),
    recipients: list[str] = typer.Option(
        ["agentur"], "--recipient", help="agentur | bildungstraeger | kommunaler_dienst | jugendamt | reha_traeger"
    ),
    groups: list[str] = typer.Option(
        ["stammdaten", "qualifikation", "hemmnisse"],
        "--group",
        help="stammdaten | qualifikation | hemmnisse | gesundheit",
    ),
    given: str | None = typer.Option(None, "--given", help="Datum der Einwilligung (Standard: heute)."),
    valid_until: str | None = typer.Option(None, "--valid-until"),
    form: str = typer.Option("schriftlich", "--form"),
    document: str | None = typer.Option(None, "--document", help="Aktenzeichen des Dokuments."),
) -> None:
    """Erfasst eine Einwilligung (Empfänger, Datengruppen, Zweck)."""
    services = st().services
    case_id = services.resolve(case)
    consent_id = services.add_consent(
        case_id,
        purpose=purpose,
        recipients=list(recipients),
        data_groups=list(groups),
        given_on=_date(given, "--given"),
        valid_until=_date(valid_until, "--valid-until"),
        form=form,
        document_ref=document,
    )
    typer.echo(t("cli.consent_added", consent=consent_id.hex[:8], ref=case_id.hex[:8]))


@consent_app.command("revoke")
@command
def consent_revoke(
    case: str = typer.Argument(...), consent: str = typer.Argument(..., help="Kennung der Einwilligung.")
) -> None:
    """Widerruft eine Einwilligung."""
    services = st().services
    case_id = services.resolve(case)
    services.revoke_consent(case_id, consent)
    typer.echo(t("cli.consent_revoked", consent=_clean(consent)))


# --------------------------------------------------------------------------- handover


@handover_app.command("check")
@command
def handover_check(case: str = typer.Argument(...), as_json: bool = typer.Option(False, "--json")) -> None:
    """Prüft Mindestdatensatz und Einwilligung vor der Übergabe."""
    services = st().services
    case_id = services.resolve(case)
    reasons = services.handover_check(case_id)
    from wbtui.i18n import render_reason

    if as_json:
        out_json(
            {
                "ready": not reasons,
                "missing": [{"key": k, "params": p, "text": render_reason(k, p)} for k, p in reasons],
            }
        )
    else:
        for key, params in reasons:
            typer.echo("✗ " + render_reason(key, params))
        if not reasons:
            typer.echo("✓")
    if reasons:
        raise typer.Exit(EXIT_RULE)


@handover_app.command("send")
@command
def handover_send(
    case: str = typer.Argument(...),
    channel: str = typer.Option("shared_system", "--channel", help="shared_system | file_export | post | email"),
) -> None:
    """Übergibt den Fall an die Agentur für Arbeit."""
    services = st().services
    case_id = services.resolve(case)
    services.send_handover(case_id, channel=channel)
    typer.echo(t("cli.handover_sent", ref=case_id.hex[:8]))


@handover_app.command("ack")
@command
def handover_ack(
    case: str = typer.Argument(...),
    appointment: str | None = typer.Option(None, "--appointment", help="Beratungstermin gleich mit vereinbaren."),
) -> None:
    """Quittiert eine erhaltene Übergabe (Agentur)."""
    from wbtui.domain.fields import parse_datetime

    services = st().services
    case_id = services.resolve(case)
    services.ack_handover(
        case_id, appointment_at=parse_datetime(appointment, field="--appointment") if appointment else None
    )
    typer.echo(t("cli.handover_acked", ref=case_id.hex[:8]))


@handover_app.command("query")
@command
def handover_query(
    case: str = typer.Argument(...), text: str = typer.Option(..., "--text", help="Was fehlt oder unklar ist.")
) -> None:
    """Stellt eine Rückfrage zur Übergabe; der Fall geht zurück ans Jobcenter."""
    services = st().services
    case_id = services.resolve(case)
    services.query_handover(case_id, text)
    typer.echo(t("cli.handover_queried", ref=case_id.hex[:8]))


@handover_app.command("revoke")
@command
def handover_revoke(
    case: str = typer.Argument(...), reason: str = typer.Option("handover_revoked", "--reason")
) -> None:
    """Entzieht der Agentur den Zugriff (z. B. nach Maßnahmeende); ihre Geräte löschen den Fall beim nächsten Abgleich."""
    services = st().services
    case_id = services.resolve(case)
    services.revoke_handover(case_id, reason)
    typer.echo(t("cli.handover_revoked", ref=case_id.hex[:8]))


@handover_app.command("export")
@command
def handover_export(
    case: str = typer.Argument(...),
    output: str = typer.Option(..., "--output", "-o", help="Zieldatei (.json), wird 0600 angelegt."),
    force: bool = typer.Option(False, "--force", help="Vorhandene Datei ersetzen."),
) -> None:
    """Schreibt die Übergabedatei (JSON, Schema: domain/schemas/handover-v1.schema.json)."""
    from pathlib import Path

    from wbtui.services.exchange import build, write

    services = st().services
    case_id = services.resolve(case)
    path = write(build(services, case_id), Path(output), overwrite=force)
    typer.echo(t("cli.exported", ref=case_id.hex[:8], path=path))


@handover_app.command("print")
@command
def handover_print(
    case: str = typer.Argument(...),
    fmt: str = typer.Option("md", "--format", help="md | pdf (pdf braucht -o)"),
    output: str | None = typer.Option(None, "--output", "-o", help="Datei (0600) statt Standardausgabe."),
    protocol: bool = typer.Option(
        False, "--conference", help="Protokoll der letzten Fallkonferenz statt Übergabebogen."
    ),
    force: bool = typer.Option(False, "--force", help="Vorhandene Datei ersetzen."),
) -> None:
    """Übergabebogen (oder Fallkonferenz-Protokoll) als Markdown oder PDF, nur mit den erlaubten Datengruppen."""
    from pathlib import Path

    from wbtui.domain.errors import WbtuiError
    from wbtui.services import documents
    from wbtui.services.exchange import write_text

    if fmt not in documents.FORMATS:
        raise WbtuiError("err.bad_choice", field="--format", value=fmt, choices=", ".join(documents.FORMATS))
    if fmt == "pdf" and not output:
        raise WbtuiError("err.pdf_needs_output")
    services = st().services
    case_id = services.resolve(case)
    body = documents.render(services, case_id, kind="conference" if protocol else "handover", fmt=fmt)
    if not output:
        typer.echo(body)
        return
    typer.echo(t("cli.document_written", path=write_text(body, Path(output), overwrite=force)))


@handover_app.command("import")
@command
def handover_import(path: str = typer.Argument(..., help="Übergabedatei eines Jobcenters.")) -> None:
    """Liest eine Übergabedatei ein: erst alles prüfen, bei Fehlern nichts anlegen."""
    from pathlib import Path

    from wbtui.services.exchange import import_file

    case_id, again = import_file(st().services, Path(path))
    typer.echo(t("cli.import_again" if again else "cli.imported", ref=case_id.hex[:8]))


@app.command()
@command
def report(
    fmt: str = typer.Option("text", "--format", help="text | json | csv (json/csv: Fallzahlen unter 3 unterdrückt)"),
    output: str | None = typer.Option(None, "--output", "-o", help="Datei (0600) statt Standardausgabe."),
) -> None:
    """Steuerungszahlen: Stufen, Trichter, Dauern (Median/p90), Abbrüche, Timer, nach Monat."""
    from wbtui.domain.errors import WbtuiError
    from wbtui.services import report as rep

    if fmt not in ("text", "json", "csv"):
        raise WbtuiError("err.bad_choice", field="--format", value=fmt, choices="text, json, csv")
    state = st()
    con = state.store.raw()
    try:
        figures = rep.compute(con, state.engine())
        state.services.audit("report", "fbw_case", detail=fmt)
    finally:
        con.close()
    if fmt == "text":
        body = json.dumps(figures, ensure_ascii=False, indent=2)
    elif fmt == "json":
        body = json.dumps(rep.suppressed(figures), ensure_ascii=False, indent=2)
    else:
        body = rep.to_csv(rep.suppressed(figures))
    _emit(body, output)


@app.command("import-csv")
@command
def import_csv(
    path: str = typer.Argument(
        ..., help="CSV aus dem Fachverfahren: Kundennummer;BG-Nummer;Nachname;Vorname;Geburtsdatum;Ziel-KldB"
    ),
    dry_run: bool = typer.Option(False, "--dry-run", help="Nur prüfen, nichts anlegen."),
    as_json: bool = typer.Option(False, "--json"),
) -> None:
    """Übernimmt Schlüsselfelder (Kundennummer, BG-Nummer, Name, Geburtsdatum, Ziel-KldB) ohne Abtippen."""
    from pathlib import Path

    from wbtui.services.csv_import import run

    results = run(st().services, Path(path), dry_run=dry_run)
    counts = {k: sum(1 for r in results if r.status == k) for k in ("created", "valid", "skipped", "error")}
    if as_json:
        out_json({"dry_run": dry_run, **counts, "rows": [r.__dict__ for r in results]})
    else:
        for r in results:
            if r.status in ("error", "skipped"):
                typer.echo(
                    t(
                        "cli.csv_row",
                        line=r.line,
                        kundennummer=_clean(r.kundennummer),
                        status=t("cli.csv_status." + r.status),
                        messages="; ".join(_clean(m) for m in r.messages),
                    )
                )
        typer.echo(t("cli.csv_summary", dry=t("cli.csv_dry") if dry_run else "", **counts))
    if counts["error"]:
        raise typer.Exit(EXIT_RULE)


# --------------------------------------------------------------------------- conference


@conference_app.command("add")
@command
def conference_add(
    case: str = typer.Argument(...),
    variant: str = typer.Option(..., "--variant", help="fallbesprechung | ohne_person | mit_person"),
    participants: list[str] = typer.Option(..., "--participant", help="Name:Rolle[:Organisation] (mehrfach)."),
    decisions: list[str] = typer.Option(..., "--decision", help="code:verantwortlich:JJJJ-MM-TT (mehrfach)."),
    held: str | None = typer.Option(None, "--date"),
    dissent: str | None = typer.Option(None, "--dissent", help="Abweichende Meinung, auch der Person."),
    next_review: str | None = typer.Option(None, "--next-review"),
) -> None:
    """Erfasst eine Fallkonferenz; jede Entscheidung erzeugt eine Wiedervorlage."""
    from wbtui.domain.errors import WbtuiError

    parts = []
    for item in participants:
        bits = item.split(":")
        if len(bits) not in (2, 3) or not all(b.strip() for b in bits[:2]):
            raise WbtuiError("err.bad_participant", value=item)
        parts.append((bits[0], bits[1], bits[2] if len(bits) == 3 else None))
    decs = []
    for item in decisions:
        bits = item.split(":")
        if len(bits) != 3:
            raise WbtuiError("err.bad_decision", value=item)
        decs.append((bits[0].strip(), bits[1].strip(), _date(bits[2], "--decision")))
    services = st().services
    case_id = services.resolve(case)
    services.add_conference(
        case_id,
        variant=variant,
        participants=parts,
        decisions=decs,
        held_on=_date(held, "--date"),
        dissent=dissent,
        next_review=_date(next_review, "--next-review"),
    )
    typer.echo(t("cli.conference_added", ref=case_id.hex[:8], tasks=len(decs)))


# --------------------------------------------------------------------------- tasks


@task_app.command("list")
@command
def task_list(
    owner: str | None = typer.Option(None, "--owner"),
    mine: bool = typer.Option(False, "--mine"),
    overdue: bool = typer.Option(False, "--overdue"),
    include_done: bool = typer.Option(False, "--all"),
    limit: int = typer.Option(200, "--limit", min=1, max=100_000),
    as_json: bool = typer.Option(False, "--json"),
) -> None:
    """Listet Wiedervorlagen, überfällige zuerst."""
    from wbtui.data.queries import TaskFilter, list_tasks

    state = st()
    who = state.config.user_login if mine else owner
    con = state.store.raw()
    try:
        rows = list_tasks(
            con,
            TaskFilter(owner=who, overdue_on=date.today() if overdue else None, include_done=include_done),
            limit=limit,
        )
        state.audit_list("task", len(rows))
    finally:
        con.close()
    today = date.today().isoformat()
    if as_json:
        out_json(
            {
                "count": len(rows),
                "tasks": [
                    {
                        **r,
                        "ref": r["id"][:8],
                        "case_ref": r["case_id"][:8],
                        "overdue": r["status"] == "offen" and r["due_on"] < today,
                    }
                    for r in rows
                ],
            }
        )
        return
    if not rows:
        typer.echo(t("cli.no_tasks"))
        return
    _table(
        [t("hdr.task"), t("hdr.due"), "", t("hdr.case"), t("hdr.name"), "", t("hdr.title")],
        [
            [
                r["id"][:8],
                r["due_on"],
                "!" if r["status"] == "offen" and r["due_on"] < today else "",
                r["case_id"][:8],
                f"{r['family_name']}, {r['given_names']}",
                r["owner"],
                r["title"],
            ]
            for r in rows
        ],
    )


@task_app.command("add")
@command
def task_add(
    case: str = typer.Argument(...),
    title: str = typer.Option(..., "--title"),
    due: str = typer.Option(..., "--due"),
    owner: str | None = typer.Option(None, "--owner"),
) -> None:
    """Legt eine Wiedervorlage an."""
    services = st().services
    case_id = services.resolve(case)
    task_id = services.add_task(case_id, title, owner, _date(due, "--due"))
    typer.echo(t("cli.task_added", task=task_id.hex[:8]))


@task_app.command("done")
@command
def task_done(task: str = typer.Argument(..., help="Kennung der Wiedervorlage.")) -> None:
    """Markiert eine Wiedervorlage als erledigt."""
    task_id = st().services.complete_task(task)
    typer.echo(t("cli.task_done", task=task_id.hex[:8]))


# --------------------------------------------------------------------------- overdue


@app.command()
@command
def overdue(
    kind: str = typer.Option("all", "--kind", help="overdue | stalled | all"),
    limit: int = typer.Option(0, "--limit", min=0, help="Höchstens so viele Zeilen (0 = alle)."),
    as_json: bool = typer.Option(False, "--json"),
) -> None:
    """„Niemand geht verloren“: überfällige, ablaufende und ruhende Fälle."""
    from wbtui.data.queries import days_since, overdue_cases
    from wbtui.domain.errors import WbtuiError

    kinds = {"overdue": ("overdue", "warning"), "stalled": ("stalled",), "all": ("overdue", "warning", "stalled")}.get(
        kind
    )
    if kinds is None:
        raise WbtuiError("err.bad_choice", field="--kind", value=kind, choices="overdue, stalled, all")
    state = st()
    engine = state.engine()
    con = state.store.raw()
    try:
        rows = overdue_cases(con, engine, kinds=kinds, limit=limit or None)
        state.audit_list("fbw_case", len(rows))
    finally:
        con.close()
    today = date.today()
    if as_json:
        out_json(
            {
                "today": today.isoformat(),
                "count": len(rows),
                "items": [
                    {
                        "case_id": r["id"],
                        "ref": r["id"][:8],
                        "family_name": r["family_name"],
                        "given_names": r["given_names"],
                        "kundennummer": r["kundennummer"],
                        "stage": r["stage"],
                        "rule": r["rule"],
                        "kind": r["kind"],
                        "days_in_stage": days_since(r["stage_since"], today),
                        "voucher_valid_until": r["voucher_valid_until"],
                        "course_start": r["course_start"],
                    }
                    for r in rows
                ],
            }
        )
        return
    if not rows:
        typer.echo(t("cli.nothing_overdue"))
        return
    _table(
        [
            t("hdr.case"),
            t("hdr.name"),
            t("hdr.kundennummer"),
            t("hdr.stage"),
            t("hdr.days"),
            t("hdr.timer"),
            t("hdr.rule"),
        ],
        [
            [
                r["id"][:8],
                f"{r['family_name']}, {r['given_names']}",
                r["kundennummer"],
                t("stage." + r["stage"]),
                str(days_since(r["stage_since"], today) or 0),
                t("timer." + r["kind"]),
                t("rule." + r["rule"]),
            ]
            for r in rows
        ],
    )


# --------------------------------------------------------------------------- config


@config_app.command("init")
@command
def config_init() -> None:
    """Schreibt eine kommentierte Beispielkonfiguration (0600)."""
    from wbtui import paths
    from wbtui.config import EXAMPLE

    path = paths.config_file()
    if path.exists():
        _fail(t("cli.config_exists", path=path), EXIT_RULE)
    paths.restrict_umask()
    paths.private_dir(path.parent)
    path.write_text(EXAMPLE, encoding="utf-8")
    typer.echo(t("cli.config_written", path=path))


@config_app.command("check")
@command
def config_check() -> None:
    """Prüft die Konfigurationsdatei."""
    cfg = st().config
    typer.echo(t("cli.config_ok", path=cfg.source) if cfg.source else t("cli.config_default"))


# --------------------------------------------------------------------------- sync (client)


def _token_file():
    from wbtui import paths

    return paths.config_file().parent / "token"


def _read_token() -> str | None:
    import os

    token = os.environ.get("WBTUI_TOKEN")
    if token:
        return token.strip()
    path = _token_file()
    if path.exists():
        return path.read_text(encoding="utf-8").strip() or None
    return None


@sync_app.callback(invoke_without_command=True)
@command
def sync_run(
    ctx: typer.Context,
    quiet: bool = typer.Option(False, "--quiet", "-q"),
    as_json: bool = typer.Option(False, "--json"),
) -> None:
    """Gleicht den lokalen Bestand mit dem Server ab (senden, dann empfangen)."""
    if ctx.invoked_subcommand is not None:
        return
    from wbtui.domain.errors import WbtuiError
    from wbtui.sync.client import SyncClient, SyncError, enable

    state = st()
    url = state.config.sync_url
    if not url:
        raise WbtuiError("err.sync_no_url")
    token = _read_token()
    if not token:
        raise WbtuiError("err.sync_no_token")
    queued = enable(state.store)
    if queued and not quiet:
        typer.echo(t("cli.sync_initial", n=queued), err=True)
    client = SyncClient(state.store, url, token, verify=state.config.sync_ca_file or True)

    def progress(phase: str, n: int) -> None:
        if not quiet and not as_json:
            typer.echo(t("cli.sync_progress", phase=t("cli.sync_phase." + phase), n=n), err=True)

    try:
        summary = client.sync(progress)
    except SyncError as exc:
        raise WbtuiError(exc.key, **exc.params) from None
    finally:
        client.close()
    data = {
        "pushed": summary.pushed,
        "rejected": summary.rejected,
        "pulled": summary.pulled,
        "conflicts": summary.conflicts,
        "grants": summary.grants,
        "dropped": summary.dropped,
        "reset": summary.reset,
    }
    if as_json:
        out_json(data)
    else:
        if summary.reset:
            typer.echo(t("cli.sync_reset", dropped=summary.dropped))
        typer.echo(t("cli.sync_done", **data))


@sync_app.command("login")
@command
def sync_login() -> None:
    """Liest das API-Token von der Standardeingabe und legt es 0600 ab (nie auf der Kommandozeile)."""
    from wbtui import paths
    from wbtui.domain.errors import WbtuiError

    token = sys.stdin.readline().strip()
    if not token.startswith("wbt_"):
        raise WbtuiError("err.sync_bad_token")
    paths.restrict_umask()
    path = _token_file()
    paths.private_dir(path.parent)
    path.write_text(token + "\n", encoding="utf-8")
    import os

    os.chmod(path, 0o600)
    typer.echo(t("cli.sync_token_saved", path=path))


@sync_app.command("verify")
@command
def sync_verify(as_json: bool = typer.Option(False, "--json")) -> None:
    """Prüft Fall für Fall, ob dieses Gerät denselben Stand hat wie der Server; Abweichungen werden vom Server übernommen."""
    from wbtui.domain.errors import WbtuiError
    from wbtui.sync.client import SyncClient, SyncError, enable

    state = st()
    url, token = state.config.sync_url, _read_token()
    if not url:
        raise WbtuiError("err.sync_no_url")
    if not token:
        raise WbtuiError("err.sync_no_token")
    enable(state.store)
    client = SyncClient(state.store, url, token, verify=state.config.sync_ca_file or True)
    try:
        report = client.verify()
    except SyncError as exc:
        raise WbtuiError(exc.key, **exc.params) from None
    finally:
        client.close()
    if as_json:
        out_json(report)
    else:
        typer.echo(t("cli.sync_verify", **report))


@sync_app.command("status")
@command
def sync_status(as_json: bool = typer.Option(False, "--json")) -> None:
    """Zeigt ausstehende Änderungen, letzte Synchronisierung und Konflikte."""
    from wbtui.sync.client import status

    data = status(st().store)
    if as_json:
        out_json(data)
    else:
        typer.echo(t("cli.sync_status", **{k: (v if v is not None else "–") for k, v in data.items()}))


# --------------------------------------------------------------------------- server


def _server_engine():
    from wbtui.server.admin import server_db_url
    from wbtui.server.store import init_schema, make_engine

    _ = st().config
    engine = make_engine(server_db_url())
    init_schema(engine)
    return engine


@app.command()
@command
def serve(
    host: str = typer.Option("127.0.0.1", "--host"),
    port: int = typer.Option(8765, "--port", min=1, max=65535),
    ssl_certfile: str | None = typer.Option(None, "--ssl-certfile", help="TLS-Zertifikat (PEM)."),
    ssl_keyfile: str | None = typer.Option(None, "--ssl-keyfile", help="TLS-Schlüssel (PEM)."),
    workers: int = typer.Option(1, "--workers", min=1, max=64, help="Prozesse (PostgreSQL empfohlen ab 2)."),
) -> None:
    """Startet den zentralen Sync-Server (Datenbank aus WBTUI_SERVER_DB, sonst SQLite)."""
    import ssl

    import uvicorn

    from wbtui.server.admin import pepper

    engine = _server_engine()  # creates the schema once, before any worker starts
    options = {
        "host": host,
        "port": port,
        "ssl_certfile": ssl_certfile,
        "ssl_keyfile": ssl_keyfile,
        "ssl_version": ssl.PROTOCOL_TLS_SERVER,
        "log_level": "warning",
        "access_log": False,
        "server_header": False,
    }
    if workers > 1:
        import os

        engine.dispose()
        os.environ.setdefault("WBTUI_SERVER_PEPPER", pepper().decode())  # inherited by the workers, not on argv
        uvicorn.run("wbtui.server.factory:app_from_env", factory=True, workers=workers, **options)
        return
    from wbtui.server.api import create_app

    uvicorn.run(create_app(engine, pepper()), **options)


@server_org_app.command("add")
@command
def server_org_add(name: str = typer.Argument(...), kind: str = typer.Option(..., "--kind")) -> None:
    """Legt eine Organisation an (Jobcenter oder Agentur)."""
    from wbtui.server.admin import add_org

    org_id = add_org(_server_engine(), name, kind)
    typer.echo(t("cli.srv_created", what=name, id=org_id))


@server_user_app.command("add")
@command
def server_user_add(
    login: str = typer.Argument(...), org: str = typer.Option(..., "--org"), role: str = typer.Option(..., "--role")
) -> None:
    """Legt eine Nutzerin / einen Nutzer in einer Organisation an."""
    from wbtui.server.admin import add_user

    user_id = add_user(_server_engine(), login, org, role)
    typer.echo(t("cli.srv_created", what=login, id=user_id))


@server_app.command("revoke-access")
@command
def server_revoke_access(
    case_id: str = typer.Argument(..., help="Fallkennung (32 Hex-Zeichen)."),
    org: str = typer.Option(..., "--org", help="Organisation, die den Zugriff verliert."),
) -> None:
    """Entzieht einer Organisation den Zugriff auf einen Fall; ihre Geräte löschen ihn beim nächsten Abgleich."""
    from wbtui.server.admin import revoke_case_access

    revoke_case_access(_server_engine(), case_id.lower(), org)
    typer.echo(t("cli.srv_access_revoked", ref=case_id[:8], org=org))


@server_app.command("compact")
@command
def server_compact(
    keep_days: int = typer.Option(
        30,
        "--keep-days",
        min=0,
        max=3650,
        help="Einträge der letzten N Tage bleiben unverändert; Geräte, die länger nicht abgeglichen haben, gleichen neu ab.",
    ),
    as_json: bool = typer.Option(False, "--json"),
) -> None:
    """Verdichtet die Änderungsfeeds: überschriebene Feldstände und entzogene Fälle fallen weg."""
    from wbtui.server.compaction import compact

    engine = _server_engine()
    results = compact(engine, keep_days=keep_days)
    if as_json:
        out_json([r.as_dict() for r in results])
        return
    from sqlmodel import Session, select

    from wbtui.server.models import SrvOrg

    with Session(engine) as s:
        names = {o.id: o.name for o in s.exec(select(SrvOrg))}
    for r in results:
        typer.echo(
            t(
                "cli.srv_compacted",
                org=names.get(r.org, r.org),
                before=r.before,
                removed=r.removed,
                rewritten=r.rewritten,
                horizon="–" if r.horizon is None else f"{r.horizon[0]}:{r.horizon[1]}",
            )
        )


@server_token_app.command("issue")
@command
def server_token_issue(
    login: str = typer.Argument(...),
    scopes: list[str] = typer.Option(["read", "push"], "--scope"),
    days: int = typer.Option(30, "--days"),
) -> None:
    """Stellt ein Token aus; es wird genau einmal angezeigt."""
    from wbtui.server.admin import issue_token, pepper

    token_id, token = issue_token(_server_engine(), pepper(), login, list(scopes), days)
    typer.echo(token)
    typer.echo(t("cli.srv_token", id=token_id, days=days), err=True)


@server_token_app.command("revoke")
@command
def server_token_revoke(token_id: str = typer.Argument(...)) -> None:
    """Widerruft ein Token sofort."""
    from wbtui.server.admin import revoke_token

    revoke_token(_server_engine(), token_id)
    typer.echo(t("cli.srv_revoked", id=token_id))


# -- data protection ---------------------------------------------------------------------------


@audit_app.command("list")
@command
def audit_list(
    case: str | None = typer.Option(None, "--case", help="Nur Einträge zu diesem Fall."),
    actor: str | None = typer.Option(None, "--actor", help="Nur Einträge dieser Kennung."),
    since: str | None = typer.Option(None, "--since", help="Ab Datum (JJJJ-MM-TT)."),
    limit: int = typer.Option(50, "--limit", min=1, max=100000),
    as_json: bool = typer.Option(False, "--json"),
) -> None:
    """Zeigt das Zugriffsprotokoll (neueste zuerst); das Lesen wird selbst protokolliert."""
    from wbtui.data import audit
    from wbtui.domain import access

    state = st()
    services = state.services
    access.require(services.actor.role, access.AUDIT_READ)
    case_hex = services.resolve(case).hex if case else None
    services.audit("read", "audit_log", case_id=case_hex, detail=f"actor={actor or '*'}")
    con = state.store.raw()
    try:
        items = audit.entries(con, case_id=case_hex, actor=actor, since=since, limit=limit)
    finally:
        con.close()
    if as_json:
        out_json(items)
        return
    _table(
        [
            t("hdr.audit.at"),
            t("hdr.audit.actor"),
            t("hdr.audit.action"),
            t("hdr.audit.object"),
            t("hdr.audit.groups"),
            t("hdr.audit.reason"),
        ],
        [
            [
                i["at"][:19].replace("T", " "),
                f"{i['actor']} ({i['role']})",
                i["action"],
                f"{i['object_type']} {(i['case_id'] or i['object_id'] or '')[:8]}",
                ",".join(i["data_groups"]),
                i["reason"] or i["purpose"] or i["detail"] or "",
            ]
            for i in items
        ],
    )


@audit_app.command("verify")
@command
def audit_verify(as_json: bool = typer.Option(False, "--json")) -> None:
    """Prüft die Hash-Kette des Protokolls; Exit-Code 1, wenn ein Eintrag verändert oder entfernt wurde."""
    from wbtui.data import audit
    from wbtui.domain import access

    state = st()
    access.require(state.services.actor.role, access.AUDIT_READ)
    con = state.store.raw()
    try:
        result = audit.verify(con)
    finally:
        con.close()
    if as_json:
        out_json(
            {"ok": result.ok, "entries": result.entries, "first_bad_seq": result.first_bad_seq, "head": result.head}
        )
    else:
        typer.echo(
            t("cli.audit_ok", n=result.entries, head=result.head[:16])
            if result.ok
            else t("cli.audit_broken", seq=result.first_bad_seq)
        )
    if not result.ok:
        raise typer.Exit(EXIT_RULE)


@audit_app.command("export")
@command
def audit_export(
    output: str = typer.Option(..., "--output", "-o", help="Zieldatei (JSON Lines, 0600)."),
    since: str | None = typer.Option(None, "--since", help="Ab Datum (JJJJ-MM-TT)."),
) -> None:
    """Schreibt das Protokoll mit Hash-Kette als JSON Lines (zur Prüfung außerhalb von wbtui)."""
    from pathlib import Path

    from wbtui.data import audit
    from wbtui.domain import access
    from wbtui.services.exchange import write_text

    state = st()
    services = state.services
    access.require(services.actor.role, access.AUDIT_READ)
    services.audit("export", "audit_log", detail=f"since={since or '*'}")
    con = state.store.raw()
    try:
        items = list(reversed(audit.entries(con, since=since)))
    finally:
        con.close()
    body = "".join(json.dumps(i, ensure_ascii=False) + "\n" for i in items)
    typer.echo(t("cli.report_written", path=write_text(body, Path(output))))


@retention_app.command("run")
@command
def retention_run(
    apply: bool = typer.Option(False, "--apply", help="Wirklich löschen (ohne: nur anzeigen, was fällig ist)."),
    as_json: bool = typer.Option(False, "--json"),
) -> None:
    """Löscht abgeschlossene Fälle nach Ablauf der Aufbewahrungsfrist ([retention] closed_case_days); zuerst ohne --apply prüfen."""
    from wbtui.data.store import SessionLock
    from wbtui.domain import access
    from wbtui.services import retention

    state = st()
    services = state.services
    access.require(services.actor.role, access.RETENTION_RUN)
    if apply:  # deleting and vacuuming needs the store to itself
        with SessionLock(state.store.path):
            result = retention.run(
                state.store,
                services.who,
                today=date.today(),
                days=state.config.retention_closed_days,
                apply=True,
                purge_on_server=state.config.side == "jobcenter",
            )
    else:
        result = retention.run(state.store, services.who, today=date.today(), days=state.config.retention_closed_days)
    if as_json:
        out_json(result.as_dict())
        return
    info = result.as_dict()
    if not apply:
        typer.echo(t("cli.retention_plan", due=info["due"], held=info["held"], cutoff=info["cutoff"]))
        return
    typer.echo(t("cli.retention_done", cases=info["deleted_cases"], persons=info["deleted_persons"], held=info["held"]))
    if result.checkpoint_busy:
        typer.echo(t("cli.retention_busy"), err=True)


@retention_app.command("hold")
@command
def retention_hold(
    case: str = typer.Argument(...),
    reason: str = typer.Option(..., "--reason", help="z. B. laufendes Widerspruchsverfahren"),
) -> None:
    """Setzt eine Löschsperre (z. B. wegen eines Rechtsstreits)."""
    from wbtui.domain import access
    from wbtui.services import retention

    services = st().services
    access.require(services.actor.role, access.RETENTION_RUN)
    case_id = services.resolve(case)
    retention.hold(st().store, services.who, case_id.hex, reason)
    typer.echo(t("cli.retention_held", ref=case_id.hex[:8]))


@retention_app.command("release")
@command
def retention_release(case: str = typer.Argument(...)) -> None:
    """Hebt eine Löschsperre auf."""
    from wbtui.domain import access
    from wbtui.services import retention

    services = st().services
    access.require(services.actor.role, access.RETENTION_RUN)
    case_id = services.resolve(case)
    retention.release(st().store, services.who, case_id.hex)
    typer.echo(t("cli.retention_released", ref=case_id.hex[:8]))


@person_app.command("export")
@command
def person_export(
    ref: str = typer.Argument(..., help="Kundennummer oder Fallkennung."),
    output: str = typer.Option(..., "--output", "-o", help="Zieldatei (JSON, 0600)."),
) -> None:
    """Auskunft nach Art. 15 DSGVO: alle gespeicherten Daten der Person, Empfänger und Zugriffe (protokolliert)."""
    from pathlib import Path

    from wbtui.services import subject_access
    from wbtui.services.exchange import write_text

    data = subject_access.export(st().services, ref)
    path = write_text(json.dumps(data, ensure_ascii=False, indent=2, default=str), Path(output))
    typer.echo(t("cli.report_written", path=path))


def main() -> None:
    try:
        app()
    except KeyboardInterrupt:
        sys.exit(130)
    except BrokenPipeError:  # output piped into head & co.
        sys.exit(0)
    except Exception as exc:
        typer.echo(t("err.internal", kind=type(exc).__name__), err=True)
        sys.exit(EXIT_INTERNAL)


if __name__ == "__main__":
    main()
