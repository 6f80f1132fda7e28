"""The Textual application: paints first, opens the store in a worker, then shows the board.

Size: just over ~400 lines: the app, its typed context, the worker helpers and the type-ahead queue's wiring; screens live in screens/.
"""

from __future__ import annotations

import dataclasses
import logging
import time
from collections.abc import Callable, Iterable
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

from textual import events, on, work
from textual.app import App, SystemCommand
from textual.binding import Binding
from textual.screen import Screen

from wbtui.i18n import lazy_t, t, tn
from wbtui.messages import OpenCase, StoreReady, SyncLineChanged
from wbtui.screens.base import Context, WbtuiScreen
from wbtui.screens.commands import WbtuiCommands
from wbtui.screens.typeahead import TypeAheadMixin
from wbtui.widgets.errors import user_text

log = logging.getLogger(__name__)  # the log file (wbtui.logs): ids, codes and tracebacks, never Sozialdaten

if TYPE_CHECKING:
    from wbtui.config import Config
    from wbtui.hangup import HangupGuard
    from wbtui.widgets.choice import ChoiceField


class WbtuiApp(TypeAheadMixin, App):
    """wbtui: Förderung der beruflichen Weiterbildung zwischen Jobcenter und Agentur."""

    TITLE = "wbtui"
    # the app and all screens (reusable widgets keep DEFAULT_CSS); absolute, so subclasses elsewhere find it too
    CSS_PATH = Path(__file__).with_name("wbtui.tcss")
    HORIZONTAL_BREAKPOINTS = [(0, "-narrow"), (100, "-wide")]
    COMMANDS = {WbtuiCommands}  # replaces Textual's English system commands (screens/commands.py)
    # actions the palette lists as app commands, so a screen's binding for the same one is not listed twice
    PALETTE_ACTIONS = frozenset(
        {"board", "followups", "inbox", "team", "audit_log", "new_case", "sync_now", "conflicts", "toggle_help"}
    )
    BINDINGS = [
        Binding("f1", "toggle_help", lazy_t("tui.key.help"), id="app.help"),
        Binding("ctrl+q", "quit", lazy_t("tui.key.quit"), id="app.quit", priority=True, show=False),
        Binding("ctrl+p", "command_palette", lazy_t("ux.key.palette"), id="app.palette", priority=True),
        Binding("f2", "board", lazy_t("tui.key.board"), id="app.board", show=False),
        Binding("f3", "followups", lazy_t("tui.key.followups"), id="app.followups", show=False),
        Binding("f4", "inbox", lazy_t("tui.key.inbox"), id="app.inbox", show=False),
        Binding("f5", "sync_now", lazy_t("tui.key.sync"), id="app.sync", show=False),
        Binding("f6", "conflicts", lazy_t("tui.key.conflicts"), id="app.conflicts", show=False),
        Binding("f7", "team", lazy_t("tui.key.steering"), id="app.team", show=False),
        Binding("f8", "audit_log", lazy_t("tui.key.audit"), id="app.audit", show=False),
    ]

    def __init__(
        self, config: Config, *, db: str | Path | None = None, today: date | None = None, notice: str = ""
    ) -> None:
        super().__init__()
        self.config = config
        self.db = db
        self.fixed_today = today
        self.ctx: Context | None = None
        self.animation_level = "none"
        self.sync_line = ""
        self.clock: Callable[[], float] = time.monotonic  # replaceable in tests (frozen clock)
        self.last_input = self.clock()
        self.notice = notice  # shown once the board is up (e.g. a lock taken over from a dead session)
        self._init_typeahead()  # keys typed while a screen opens are held for it (README: no lost input)
        from wbtui.widgets.glyphs import ascii_only

        if ascii_only():  # a VT100-class terminal: every line sent in ASCII, Textual's drawing included
            from wbtui.widgets.ascii import AsciiFilter

            self._filters.append(AsciiFilter())

    # -- start-up --------------------------------------------------------------
    def on_mount(self) -> None:
        if self.config.user_role == "dsb":  # the audit trail is the DSB's daily work: its key in the key bar
            for key, bindings in self._bindings.key_to_bindings.items():
                self._bindings.key_to_bindings[key] = [
                    dataclasses.replace(b, show=True) if b.id == "app.audit" else b for b in bindings
                ]
        if self.config.keys:
            self.set_keymap(dict(self.config.keys))
        from wbtui.screens.board import BoardScreen

        self.push_screen(BoardScreen())

    def on_ready(self) -> None:
        # the first frame is on screen: only now open the store (and compete for the GIL)
        self._open_store()
        self.set_interval(15.0, self.lock_if_idle)
        if self.notice:
            self.say(self.notice)

    # -- idle lock: a thin-client screen left alone shows no Sozialdaten ----------------
    async def on_event(self, event) -> None:
        if isinstance(event, (events.Key, events.MouseDown, events.Paste)):
            self.last_input = self.clock()
        if isinstance(event, (events.Key, events.Paste)) and not event.is_forwarded and await self.gate_key(event):
            return  # held or handed on by the type-ahead gate (screens/typeahead.py)
        await super().on_event(event)

    def check_action(self, action: str, parameters) -> bool | None:
        from wbtui.screens.lock import LockScreen

        if isinstance(self.screen, LockScreen) and action != "quit":
            return False  # nothing but quitting gets past the lock (no palette, no screen keys)
        if action == "new_case" and not self.may_create_cases():
            return False  # the Agentur, the DSB: no key for a form whose saving would be refused
        return super().check_action(action, parameters)

    def may_create_cases(self) -> bool:
        from wbtui.domain.access import may_create_cases

        return may_create_cases(self.config.user_role, self.config.side)

    def lock_if_idle(self) -> None:
        from wbtui.screens.lock import LockScreen

        minutes = self.config.idle_lock_minutes
        if minutes and self.clock() - self.last_input >= minutes * 60 and not isinstance(self.screen, LockScreen):
            self.push_screen(LockScreen(self.config.user_login))

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
            self.call_from_thread(self.notify, user_text(exc), severity="error", markup=False, timeout=30)
            self.call_from_thread(self._store_failed)
        except Exception as exc:
            self.call_from_thread(self.say, self._internal_error(exc, "opening the store"), error=True)
            self.call_from_thread(self._store_failed)

    def _store_failed(self) -> None:
        """No store, nothing to load: the screens take keys again (F1, quitting) instead of holding them."""
        for screen in self.screen_stack:
            if isinstance(screen, WbtuiScreen):
                screen.loaded()

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
                self.call_from_thread(self.say, user_text(exc), error=True)
                if on_error:
                    self.call_from_thread(on_error, exc)
                return
            except Exception as exc:
                if "locked" in str(exc):
                    log.info("store busy in %s", getattr(fn, "__qualname__", "an action"))
                    message = t("err.store_busy")
                else:
                    message = self._internal_error(exc, getattr(fn, "__qualname__", "an action"))
                self.call_from_thread(self.say, message, error=True)
                if on_error:
                    self.call_from_thread(on_error, exc)
                return
            if then is not None:
                self.call_from_thread(then, result)

        self.run_worker(job, thread=True, group=group, exit_on_error=False)

    def say(self, message: str, *, error: bool = False) -> None:
        """One message at a time (a new one replaces the last): toasts never pile up over the work."""
        self.clear_notifications()
        self.notify(message, severity="error" if error else "information", markup=False, timeout=10 if error else 4)

    @on(OpenCase)
    def open_case(self, message: OpenCase) -> None:
        from wbtui.screens.case_detail import CaseDetailScreen

        self.push_screen(CaseDetailScreen(message.case_id))

    # -- actions -----------------------------------------------------------------
    def action_toggle_help(self) -> None:
        if not isinstance(self.screen, WbtuiScreen):
            return  # Textual's own screens (the palette) draw their keys with labels not yet in this language
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
        """The steering screen, only for roles with steering figures (domain/access.py; refusals audited)."""
        from wbtui.screens.team import TeamScreen
        from wbtui.services.reads import Reader

        if self.ctx is None:
            return
        if not Reader(self.ctx.store, self.ctx.config, channel="tui").may_steer():
            self.say(t("ux.tui.err.no_steering"), error=True)
            return
        self._go(TeamScreen)

    def action_team_inbox(self) -> None:
        from wbtui.screens.team_inbox import TeamInboxScreen

        self._go(TeamInboxScreen)

    def action_audit_log(self) -> None:
        from wbtui.screens.audit_log import AuditScreen

        if self.ctx is not None:
            self._go(AuditScreen)

    def action_command_palette(self) -> None:
        from textual.command import CommandPalette

        from wbtui.screens.commands import WbtuiPalette

        # Textual's own action, with the search field's placeholder in the user's language
        if self.use_command_palette and not CommandPalette.is_open(self):
            self.push_screen(WbtuiPalette(placeholder=t("tui.cmd.placeholder"), id="--command-palette"))

    def get_key_display(self, binding: Binding) -> str:
        """Key names as they are printed on a German keyboard: F1, Esc, Leertaste, Pos1, Bild↑, Strg+…
        (Textual: f1, esc, space, home, pgup, ^…); plain ASCII on a VT100-class terminal (widgets/glyphs)."""
        from wbtui.widgets.glyphs import key_name

        shown = super().get_key_display(binding)
        if binding.key_display:
            return shown
        ctrl = shown.startswith("^") and len(shown) > 1
        parts = (shown[1:] if ctrl else shown).split("+")
        names = [key_name(part) for part in parts[:-1]] + [key_name(parts[-1], last=True)]
        return (key_name("ctrl") + "+" if ctrl and len(parts[-1]) > 1 else "^" if ctrl else "") + "+".join(names)

    def action_help_quit(self) -> None:
        # Textual's answer to ctrl+c ("Press ^q to quit the app"), in the user's language and without markup
        for active in self.active_bindings.values():
            if active.binding.action in ("quit", "app.quit"):
                self.notify(
                    t("tui.help_quit", key=self.get_key_display(active.binding)),
                    title=t("tui.help_quit_title"),
                    markup=False,
                )
                return

    def get_system_commands(self, screen: Screen) -> Iterable[SystemCommand]:
        """The app's commands (the palette adds the screen's keys: screens/commands.py), each with its key."""
        from wbtui.screens.commands import app_commands

        yield from app_commands(self, screen)

    # -- background sync -------------------------------------------------------------
    def action_sync_now(self) -> None:
        if self.ctx is not None and self.config.sync_url:
            self._sync_worker()

    @work(thread=True, exclusive=True, group="sync", exit_on_error=False)
    def _sync_worker(self) -> None:
        from wbtui.services.sync import open_client, read_token
        from wbtui.sync.client import SyncError

        ctx = self.ctx
        assert ctx is not None  # the sync workers start once the store is open (_store_ready)
        if not read_token():
            self.call_from_thread(self._set_sync_line, t("tui.sync.no_token"))
            return
        try:
            client = open_client(ctx.store, self.config, timeout=15)
            try:
                summary = client.sync()
            finally:
                client.close()
        except SyncError as exc:  # offline, refused, server trouble: the line says offline, the log why
            log.warning("sync failed: %s", getattr(exc, "key", type(exc).__name__))
            online = False
        except Exception as exc:  # a bug, not the network: logged with its traceback, shown once
            self.call_from_thread(self.say, self._internal_error(exc, "sync"), error=True)
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

    @work(thread=True, exclusive=True, group="sync-line", exit_on_error=False)
    def _sync_line_worker(self) -> None:
        self.call_from_thread(self._set_sync_line, self._sync_text(None))

    def _refresh_screens(self) -> None:
        for screen in self.screen_stack:
            screen.post_message(StoreReady())

    def _sync_text(self, online: bool | None) -> str:
        """Status line for the footer area (runs in a worker: it reads the store)."""
        from wbtui.sync.client import status

        ctx = self.ctx
        assert ctx is not None  # the sync workers start once the store is open (_store_ready)
        info = status(ctx.store)
        state = t("tui.sync.never") if online is None else t("tui.sync.online") if online else t("tui.sync.offline")
        last = (info["last_pull_at"] or "")[11:16] or "–"
        return t("tui.sync.line", state=state, pending=info["pending"], last=last, conflicts=info["conflicts"])

    def _set_sync_line(self, text: str) -> None:
        self.sync_line = text
        for screen in self.screen_stack:
            screen.post_message(SyncLineChanged(text))

    def action_conflicts(self) -> None:
        from wbtui.screens.conflicts import ConflictScreen

        self._go(ConflictScreen)

    def on_choice_field_open(self, message: ChoiceField.Open) -> None:
        """A pick-list field on any screen asks for its list (the message bubbles up to the app, so the
        screens' base class need not know the pick-list screen)."""
        from wbtui.screens.pickers import PickList

        field = message.field
        picker = PickList(field.title, field.options, field.value, message.typed, words=field.words)
        self.push_screen(picker, field.choose)

    def action_new_case(self) -> None:
        from wbtui.screens.intake import IntakeScreen

        if not self.may_create_cases():  # said before the form is filled in, not when it is saved
            from wbtui.i18n import render_reason

            self.say(render_reason("err.create_refused", {"role": self.config.user_role}), error=True)
            return
        self.push_screen(IntakeScreen(None))

    @staticmethod
    def _internal_error(exc: BaseException, where: str) -> str:
        """Log an unexpected error with its traceback (wbtui.logs keeps values out); the line for the user."""
        from wbtui import logs

        log.error("internal error in the TUI (%s)", where, exc_info=exc)
        path = logs.current_file()
        kind = type(exc).__name__
        return t("err.internal_logged", kind=kind, log=path) if path else t("err.internal", kind=kind)

    def _fatal_error(self) -> None:
        """Exit after an unexpected error: the traceback goes to the log file, the screen shows one line
        with the log's path (Textual's own report would print locals: Sozialdaten, tokens)."""
        self.bell()
        from rich.text import Text

        error = self._exception
        line = self._internal_error(error, "event loop") if error is not None else t("err.internal", kind="TUI")
        self._exit_renderables.append(Text(line))
        self._close_messages_no_wait()


def run(config, db=None, notice: str = "", guard: HangupGuard | None = None) -> int:
    """Run the TUI in this terminal. ``guard`` is the session's hang-up guard, installed by
    :func:`wbtui.launch.run_locked` before this module was imported; the app only tells it how to leave the
    normal way (a hang-up then ends the process within a second, wbtui.hangup)."""
    from wbtui.hangup import EXIT_HANGUP

    app = WbtuiApp(config, db=db, notice=notice)

    def leave() -> None:  # from the guard's thread: wake the event loop, leave the normal way if it can
        loop = app._loop
        if loop is not None and not loop.is_closed():
            loop.call_soon_threadsafe(app.exit, None, EXIT_HANGUP)

    if guard is not None:
        guard.on_hangup = leave
    try:
        app.run()
    finally:
        if guard is not None:
            guard.on_hangup = None  # the app is gone: a late hang-up just ends the process
    return app.return_code or 0
