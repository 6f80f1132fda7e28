"""The Textual application: paints first, opens the store in a worker, then shows the board."""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date

from textual import work
from textual.app import App, SystemCommand
from textual.binding import Binding
from textual.message import Message
from textual.screen import Screen

from wbtui.i18n import describe, t, tn

CSS = """
Screen { background: $surface; }
#status, .status { height: 1; color: $text-muted; }
.title { text-style: bold; height: 1; }
.section { margin-top: 1; text-style: bold; color: $accent; height: 1; }
.hint { color: $text-muted; }
.error { color: $error; }
.ok { color: $success; }
ModalScreen { align: center middle; }
.dialog { width: 76; max-width: 100%; height: auto; max-height: 100%; border: round $accent; padding: 0 1; background: $panel; }
"""


@dataclass
class Context:
    """What every screen needs once the store is open.

    ``services`` (the ORM write side) is created on first use, in a worker thread,
    so the board can list cases before SQLModel has even been imported.
    """

    store: object
    config: object
    today: date
    fixed_today: date | None
    engine: object
    _services: object = None

    @property
    def services(self):
        if self._services is None:
            from wbtui.services import Services

            self._services = Services(self.store, self.config, today=self.fixed_today, channel="tui")
        return self._services

    def connect(self):
        return self.store.raw()


class StoreReady(Message):
    pass


class WbtuiApp(App):
    """wbtui: Förderung der beruflichen Weiterbildung zwischen Jobcenter und Agentur."""

    TITLE = "wbtui"
    CSS = CSS
    HORIZONTAL_BREAKPOINTS = [(0, "-narrow"), (100, "-wide")]
    BINDINGS = [
        Binding("f1", "toggle_help", t("tui.key.help"), id="app.help"),
        Binding("ctrl+q", "quit", t("tui.key.quit"), id="app.quit", priority=True),
        Binding("f2", "board", t("tui.key.board"), id="app.board", show=False),
        Binding("f3", "followups", t("tui.key.followups"), id="app.followups", show=False),
        Binding("f4", "inbox", t("tui.key.inbox"), id="app.inbox", show=False),
        Binding("f5", "sync_now", t("tui.key.sync"), id="app.sync", show=False),
        Binding("f6", "conflicts", t("tui.key.conflicts"), id="app.conflicts", show=False),
        Binding("f7", "team", t("tui.key.steering"), id="app.team", show=False),
        Binding("f8", "audit_log", t("tui.key.audit"), id="app.audit", show=False),
    ]

    def __init__(self, config, *, db=None, today: date | None = None) -> None:
        super().__init__()
        self.config = config
        self.db = db
        self.fixed_today = today
        self.ctx: Context | None = None
        self.animation_level = "none"
        self.sync_line = ""
        self.clock: Callable[[], float] = time.monotonic  # replaceable in tests (frozen clock)
        self.last_input = self.clock()

    # -- start-up --------------------------------------------------------------
    def on_mount(self) -> None:
        if self.config.keys:
            self.set_keymap(dict(self.config.keys))
        from wbtui.screens.board import BoardScreen

        self.push_screen(BoardScreen())

    def on_ready(self) -> None:
        # the first frame is on screen: only now open the store (and compete for the GIL)
        self._open_store()
        if not self.is_headless:
            self.set_interval(2.0, self._watch_terminal)
        self.set_interval(15.0, self.lock_if_idle)

    # -- idle lock (security.md T20: a thin-client screen left alone shows no Sozialdaten) --
    async def on_event(self, event) -> None:
        from textual import events

        if isinstance(event, (events.Key, events.MouseDown, events.Paste)):
            self.last_input = self.clock()
        await super().on_event(event)

    def check_action(self, action: str, parameters) -> bool | None:
        from wbtui.screens.lock import LockScreen

        if isinstance(self.screen, LockScreen) and action != "quit":
            return False  # nothing but quitting gets past the lock (no palette, no screen keys)
        return super().check_action(action, parameters)

    def lock_if_idle(self) -> None:
        from wbtui.screens.lock import LockScreen

        minutes = self.config.idle_lock_minutes
        if minutes and self.clock() - self.last_input >= minutes * 60 and not isinstance(self.screen, LockScreen):
            self.push_screen(LockScreen(self.config.user_login))

    def _watch_terminal(self) -> None:
        """Exit cleanly when the SSH session or terminal is gone (no orphaned process on the host)."""
        if terminal_gone():
            self.exit(return_code=129)

    @work(thread=True, exclusive=True, group="store", exit_on_error=False)
    def _open_store(self) -> None:
        from wbtui.data.store import open_store
        from wbtui.domain.errors import WbtuiError
        from wbtui.domain.timers import TimerEngine

        try:
            store = open_store(self.db)
            today = self.fixed_today or date.today()
            engine = TimerEngine(today, self.config.timers, self.config.calendar())
            ctx = Context(store, self.config, today, self.fixed_today, engine)
            self.call_from_thread(self._store_ready, ctx)
        except WbtuiError as exc:
            self.call_from_thread(self.notify, describe(exc), severity="error", markup=False, timeout=30)
        except Exception as exc:
            self.call_from_thread(
                self.notify, t("err.internal", kind=type(exc).__name__), severity="error", markup=False
            )

    def _store_ready(self, ctx: Context) -> None:
        self.ctx = ctx
        for screen in self.screen_stack:
            screen.post_message(StoreReady())
        if self.config.sync_url:
            self.set_timer(5.0, self.action_sync_now)
            self.set_interval(self.config.sync_interval, self.action_sync_now)
            self._sync_line_worker()
        # The ORM write side (SQLModel) is imported on the first write or detail view, in a
        # worker; warming it eagerly stalled keypresses on the board by up to 0.7 s (GIL).

    # -- helpers for screens ---------------------------------------------------------
    def do(
        self,
        fn: Callable,
        *args,
        then: Callable | None = None,
        on_error: Callable | None = None,
        group: str = "action",
        **kwargs,
    ) -> None:
        """Run ``fn(*args, **kwargs)`` in a thread; errors become notifications (no markup); ``then`` gets the result."""

        def job() -> None:
            from wbtui.domain.errors import WbtuiError

            try:
                result = fn(*args, **kwargs)
            except WbtuiError as exc:
                self.call_from_thread(self.notify, describe(exc), severity="error", markup=False, timeout=10)
                if on_error:
                    self.call_from_thread(on_error, exc)
                return
            except Exception as exc:
                if "locked" in str(exc):
                    message = t("err.store_busy")
                else:
                    message = t("err.internal", kind=type(exc).__name__)
                self.call_from_thread(self.notify, message, severity="error", markup=False, timeout=10)
                if on_error:
                    self.call_from_thread(on_error, exc)
                return
            if then is not None:
                self.call_from_thread(then, result)

        self.run_worker(job, thread=True, group=group, exit_on_error=False)

    def say(self, message: str, *, error: bool = False) -> None:
        self.notify(message, severity="error" if error else "information", markup=False, timeout=8 if error else 4)

    def open_case(self, case_id: str) -> None:
        from wbtui.screens.case_detail import CaseDetailScreen

        self.push_screen(CaseDetailScreen(case_id))

    # -- actions -----------------------------------------------------------------
    def action_toggle_help(self) -> None:
        if self.screen.query("HelpPanel"):
            self.action_hide_help_panel()
        else:
            self.action_show_help_panel()

    def _go(self, screen_cls: type[Screen]) -> None:
        while len(self.screen_stack) > 2:
            self.pop_screen()
        if not isinstance(self.screen, screen_cls):
            self.push_screen(screen_cls())

    def action_board(self) -> None:
        while len(self.screen_stack) > 2:
            self.pop_screen()

    def action_followups(self) -> None:
        from wbtui.screens.followups import FollowupScreen

        self._go(FollowupScreen)

    def action_inbox(self) -> None:
        from wbtui.screens.inbox import InboxScreen

        self._go(InboxScreen)

    def action_team(self) -> None:
        from wbtui.screens.team import TeamScreen

        self._go(TeamScreen)

    def action_audit_log(self) -> None:
        from wbtui.screens.audit_log import AuditScreen

        if self.ctx is not None:
            self._go(AuditScreen)

    def get_system_commands(self, screen: Screen) -> Iterable[SystemCommand]:
        # No "Screenshot": it would write screen contents (Sozialdaten) to disk (security.md F6).
        for command in super().get_system_commands(screen):
            if command.title != "Screenshot":
                yield command
        yield SystemCommand(t("tui.cmd.board"), t("tui.cmd.board_help"), self.action_board)
        yield SystemCommand(t("tui.cmd.followups"), t("tui.cmd.followups_help"), self.action_followups)
        yield SystemCommand(t("tui.cmd.inbox"), t("tui.cmd.inbox_help"), self.action_inbox)
        yield SystemCommand(t("tui.cmd.team"), t("tui.cmd.team_help"), self.action_team)
        yield SystemCommand(t("tui.cmd.audit"), t("tui.cmd.audit_help"), self.action_audit_log)
        yield SystemCommand(t("tui.cmd.new_case"), t("tui.cmd.new_case_help"), self.action_new_case)
        yield SystemCommand(t("tui.cmd.sync"), t("tui.cmd.sync_help"), self.action_sync_now)
        yield SystemCommand(t("tui.cmd.conflicts"), t("tui.cmd.conflicts_help"), self.action_conflicts)
        for binding in screen.active_bindings.values():
            b = binding.binding
            if b.id and b.description and not b.id.startswith("app.") and b.action not in ("quit",):
                yield SystemCommand(
                    b.description,
                    f"{b.key} · {b.id}",
                    lambda b=b, node=binding.node: self.call_later(self.run_action, b.action, node),
                )

    # -- background sync -------------------------------------------------------------
    def action_sync_now(self) -> None:
        if self.ctx is not None and self.config.sync_url:
            self._sync_worker()

    @work(thread=True, exclusive=True, group="sync", exit_on_error=False)
    def _sync_worker(self) -> None:
        from wbtui.cli import _read_token
        from wbtui.sync.client import SyncClient, SyncError, enable

        token = _read_token()
        if not token:
            self.call_from_thread(self._set_sync_line, t("tui.sync.no_token"))
            return
        try:
            enable(self.ctx.store)
            client = SyncClient(
                self.ctx.store, self.config.sync_url, token, timeout=15, verify=self.config.sync_ca_file or True
            )
            try:
                summary = client.sync()
            finally:
                client.close()
        except (SyncError, Exception):
            online = False
        else:
            online = True
            if summary.grants:
                self.call_from_thread(self.say, tn("tui.sync.new_handovers", summary.grants))
            if summary.reset:  # the server compacted past this device's position: re-read, gone cases removed
                self.call_from_thread(self.say, t("cli.sync_reset", dropped=summary.dropped))
            if summary.pulled or summary.dropped:
                self.call_from_thread(self._refresh_screens)
        self.call_from_thread(self._set_sync_line, self._sync_text(online))
        if not online:
            self.log.warning("sync failed")  # no Sozialdaten in logs: only that it failed

    @work(thread=True, exclusive=True, group="sync-line", exit_on_error=False)
    def _sync_line_worker(self) -> None:
        self.call_from_thread(self._set_sync_line, self._sync_text(None))

    def _refresh_screens(self) -> None:
        for screen in self.screen_stack:
            screen.post_message(StoreReady())

    def _sync_text(self, online: bool | None) -> str:
        """Status line for the footer area (runs in a worker: it reads the store)."""
        from wbtui.sync.client import status

        info = status(self.ctx.store)
        state = t("tui.sync.never") if online is None else t("tui.sync.online") if online else t("tui.sync.offline")
        last = (info["last_pull_at"] or "")[11:16] or "–"
        return t("tui.sync.line", state=state, pending=info["pending"], last=last, conflicts=info["conflicts"])

    def _set_sync_line(self, text: str) -> None:
        self.sync_line = text
        for screen in self.screen_stack:
            refresh = getattr(screen, "show_sync_line", None)
            if refresh:
                refresh(text)

    def action_conflicts(self) -> None:
        from wbtui.screens.conflicts import ConflictScreen

        self._go(ConflictScreen)

    def action_new_case(self) -> None:
        from wbtui.screens.intake import IntakeScreen

        self.push_screen(IntakeScreen(None))

    def _fatal_error(self) -> None:
        """Exit after an unexpected error without printing locals (security.md F5)."""
        self.bell()
        from rich.text import Text

        self._exit_renderables.append(Text(t("err.internal", kind="TUI")))
        self._close_messages_no_wait()


def terminal_gone() -> bool:
    """True when our controlling terminal disappeared: stdin closed or no tty, or we were orphaned."""
    import sys

    try:
        if not os.isatty(sys.stdin.fileno()):
            return True
    except (ValueError, OSError):
        return True
    return os.getppid() == 1


def run(config, db=None) -> int:
    import signal

    app = WbtuiApp(config, db=db)

    def hangup(_signum, _frame) -> None:
        # the terminal went away (SSH dropped): leave through the normal exit path
        app.call_later(app.exit, None, 129)

    try:
        signal.signal(signal.SIGHUP, hangup)
    except (ValueError, AttributeError):  # not the main thread / not POSIX
        pass
    app.run()
    return app.return_code or 0
