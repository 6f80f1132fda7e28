"""Case board ("Wo steht mein Kunde?"): filter-as-you-type over all cases, instant at 100,000."""

from __future__ import annotations

from typing import TYPE_CHECKING

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal
from textual.widgets import Input, Label, Static

from wbtui.config import Config
from wbtui.data.queries import CaseFilter, days_since
from wbtui.domain.process import STAGES, Stage
from wbtui.domain.text import clean
from wbtui.i18n import describe, lazy_t, t, tn
from wbtui.messages import StoreReady, SyncLineChanged
from wbtui.screens.base import WbtuiScreen
from wbtui.widgets import labels
from wbtui.widgets.case_list import TIMER_MARK, TIMER_STYLE, CaseList
from wbtui.widgets.inputs import SafeInput
from wbtui.widgets.keybar import KeyBar
from wbtui.widgets.safe import safe

if TYPE_CHECKING:
    import sqlite3

    from textual.timer import Timer

    from wbtui.domain.timers import TimerEngine

TIMER_CYCLE = (None, "overdue", "stalled")
SIDE_CYCLE = (None, "jobcenter", "agentur")


class BoardScreen(WbtuiScreen):
    """The caseworker's board: one line per case."""

    LOADS = True  # keys typed ahead wait for the first fill (screens/typeahead.py)
    HELP = lazy_t("tui.help.board")

    BINDINGS = [
        Binding("slash", "focus_filter", lazy_t("tui.key.search"), id="board.filter"),
        Binding("m", "toggle_mine", lazy_t("tui.key.mine"), id="board.mine"),
        Binding("o", "cycle_timer", lazy_t("tui.key.timer"), id="board.timer"),
        Binding("a", "cycle_side", lazy_t("tui.key.side"), id="board.side"),
        Binding("f", "pick_stage", lazy_t("tui.key.stage"), id="board.stage"),
        Binding("n", "app.new_case", lazy_t("tui.key.new"), id="board.new"),
        Binding("w", "app.followups", lazy_t("tui.key.followups"), id="board.followups"),
        Binding("i", "app.inbox", lazy_t("tui.key.inbox"), id="board.inbox"),
        Binding("s", "app.team", lazy_t("tui.key.steering"), id="board.team"),
        Binding("e", "app.team_inbox", lazy_t("ux.key.team_inbox"), id="board.team_inbox"),
        # short: with it the Jobcenter's key bar still takes two lines at 80 columns
        Binding("z", "toggle_closed", lazy_t("ux.key.closed_short"), id="board.closed"),
        Binding("r", "reload", lazy_t("tui.key.reload"), id="board.reload", show=False),
        Binding("escape", "focus_list", show=False, id="board.list"),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.mine = False
        self.timer: str | None = None
        self.side: str | None = None
        self.stages: tuple[str, ...] = ()
        self.include_closed = False
        self.closed_matches = 0
        self._debounce: Timer | None = None
        self._locked: str | None = None  # a case the filter names exactly that only break-glass opens
        self._reader = None

    def compose(self) -> ComposeResult:
        with Horizontal(id="top"):
            yield Label(t("tui.board.title"), id="title")
            yield Label(safe(f"{user_label(self.config)} · {self.config.office_name}"), id="who")
        with Horizontal(id="searchrow"):
            yield Label(t("tui.board.search"), id="searchlabel")
            yield SafeInput(placeholder=t("tui.board.search_hint"), id="filter")
        yield Static(t("tui.loading"), id="status")
        yield Static(self._columns_text(), id="columns")
        yield CaseList(self._connect, self._engine, today=self._today(), id="cases", tasks=self._task_condition)
        yield Static("", id="board-detail", classes="detail")
        yield KeyBar()

    # -- plumbing ------------------------------------------------------------------
    def _today(self):
        from datetime import date

        return self.host.fixed_today or date.today()

    def _connect(self) -> sqlite3.Connection:
        return self.ctx.connect()

    def _task_condition(self) -> tuple[str, list]:
        return self.reader().task_condition()  # the Agentur never sees the Jobcenter's follow-ups

    def _engine(self) -> TimerEngine:
        return self.ctx.engine

    def _columns_text(self, width: int | None = None) -> Text:
        return Text(CaseList.header(width or self.size.width or 80))

    def on_resize(self) -> None:
        self.query_one("#columns", Static).update(self._columns_text())

    @on(CaseList.Resized)
    def _list_resized(self, event: CaseList.Resized) -> None:
        # the help panel (F1) narrows the list: the header follows the list's own width
        self.query_one("#columns", Static).update(self._columns_text(event.width))

    def on_mount(self) -> None:
        self.query_one(CaseList).focus()

    def on_store_ready(self, _message: StoreReady) -> None:
        self.refresh_cases()

    def on_screen_resume(self) -> None:
        # also fires when the screen is first shown; reloads after returning from a case
        if self.store_ready:
            self.query_one(CaseList).invalidate_rows()
            self.refresh_cases()

    def reader(self):
        """The read use cases (services/reads.py): every list under the read policy, audited."""
        if self._reader is None:
            from wbtui.services.reads import Reader

            ctx = self.ctx
            self._reader = Reader(ctx.store, ctx.config, channel="tui", today=ctx.fixed_today)
        return self._reader

    def current_filter(self) -> CaseFilter:
        mine = self.reader().subject.login if self.mine and self.store_ready else None
        return CaseFilter(
            text=self.query_one("#filter", Input).value,
            stages=self.stages,
            owner=self.side,
            mine_login=mine,
            timer=self.timer,
            include_closed=self.include_closed,
        )

    def refresh_cases(self) -> None:
        if not self.store_ready:
            return
        self._run_query(self.current_filter())

    @work(thread=True, exclusive=True, group="board-query", exit_on_error=False)
    def _run_query(self, flt: CaseFilter) -> None:
        from wbtui.domain.errors import WbtuiError

        try:
            board = self.reader().board(flt, self.ctx.engine)
        except WbtuiError as exc:  # refused, or no audit entry: no list (fail closed)
            self.app.call_from_thread(self.load_failed, describe(exc))
            return
        self.show_loaded(self._show, board.rowids, board.total, board.locked, board.closed)

    def _show(self, rowids: list[int], total: int, locked: str | None = None, closed: int = 0) -> None:
        self.loaded()
        self.closed_matches = closed
        self.query_one(CaseList).set_rowids(rowids)
        self._total = total
        self._locked = locked
        self._update_status(len(rowids), total)
        self._show_detail()

    def _update_status(self, shown: int, total: int) -> None:
        parts = [t("tui.board.n_of_n", n=shown, total=total)]
        if self.mine:
            parts.append(t("tui.board.f_mine"))
        if self.timer:
            parts.append(t("timer." + ("overdue" if self.timer == "overdue" else "stalled")))
        if self.side:
            parts.append(t("side." + self.side))
        if self.stages:
            parts.append(", ".join(t("stage." + s) for s in self.stages))
        if self._locked:
            parts.append(t("tui.board.locked"))
        if self.include_closed:
            parts.append(t("ux.board.with_closed"))
        elif self.closed_matches:
            parts.append(tn("ux.board.closed_hidden", self.closed_matches))
        self._status_text = " · ".join(parts)
        self.show_sync_line(self.host.sync_line)

    def on_sync_line_changed(self, message: SyncLineChanged) -> None:
        self.show_sync_line(message.line)

    def show_sync_line(self, line: str) -> None:
        text = getattr(self, "_status_text", t("tui.loading"))
        self.query_one("#status", Static).update(Text(text + (f"   {line}" if line else "")))

    # -- events ----------------------------------------------------------------------
    @on(Input.Changed, "#filter")
    def _filter_changed(self, _event: Input.Changed) -> None:
        if self._debounce is not None:
            self._debounce.stop()
        self._debounce = self.set_timer(0.1, self.refresh_cases)

    @on(Input.Submitted, "#filter")
    def _filter_done(self, _event: Input.Submitted) -> None:
        if self._locked and not self.query_one(CaseList).rowids:
            self.open_case(self._locked)  # outside the caseload: the case screen asks for a reason
            return
        self.query_one(CaseList).focus()

    @on(CaseList.Opened)
    def _open(self, event: CaseList.Opened) -> None:
        self.open_case(event.case_id)

    @on(CaseList.Highlighted)
    def _highlighted(self, _event: CaseList.Highlighted) -> None:
        self._show_detail()

    def _show_detail(self) -> None:
        """The highlighted case in words, under the list whose columns cut names and stages at 80 and 60
        cells: its full name and timer with the rule behind it (the list shows only !!, !, ~); its stage,
        days in it and next follow-up; then what the symbols mean (shorter below 80 cells)."""
        detail = self.query_one("#board-detail", Static)
        legend = t("ux.board.legend" if self.size.width >= 80 else "ux.board.legend_short")
        row = self.query_one(CaseList).current_row()
        if row is None or not self.store_ready:
            detail.update(Text(legend, style="dim", no_wrap=True, overflow="ellipsis"))
            return
        engine = self.ctx.engine
        state = engine.state(row)
        out = Text(no_wrap=True, overflow="ellipsis")  # each line cut on its own: the essential first
        out.append(clean(f"{row['family_name']}, {row['given_names']}"), "bold")
        if row["stage"] != "closed":  # a closed case runs no timer: never "im Plan" (its stage follows below)
            out.append(" · ")
            out.append(TIMER_MARK[state].strip() + " " if state != "ok" else "", TIMER_STYLE[state])
            out.append(t("timer." + state), TIMER_STYLE[state])
        rules = [r for r in engine.evaluate(row) if r.kind == state] if row["stage"] != "closed" else []
        if rules:
            out.append(": " + ", ".join(t("rule." + r.id) for r in rules), TIMER_STYLE[state])
        stage = Stage(row["stage"])
        days = days_since(row["stage_since"], self._today())
        out.append(f"\n{STAGES[stage].code} {t('stage.' + stage.value)}")
        if days is not None:
            out.append(" · " + tn("ux.board.days_since", days))
        if row.get("next_due"):
            out.append(" · " + t("ux.board.next_due", date=labels.date_text(row["next_due"])))
        out.append("\n")
        out.append(legend, "dim")
        detail.update(out)

    # -- actions -----------------------------------------------------------------------
    def action_focus_filter(self) -> None:
        self.query_one("#filter", Input).focus()

    def action_focus_list(self) -> None:
        self.query_one(CaseList).focus()

    def action_toggle_mine(self) -> None:
        self.mine = not self.mine
        self.refresh_cases()

    def action_cycle_timer(self) -> None:
        self.timer = TIMER_CYCLE[(TIMER_CYCLE.index(self.timer) + 1) % len(TIMER_CYCLE)]
        self.refresh_cases()

    def action_cycle_side(self) -> None:
        self.side = SIDE_CYCLE[(SIDE_CYCLE.index(self.side) + 1) % len(SIDE_CYCLE)]
        self.refresh_cases()

    def action_pick_stage(self) -> None:
        from wbtui.screens.pickers import StagePicker

        def chosen(stage: str | None) -> None:
            self.stages = () if not stage else (stage,)
            self.refresh_cases()

        self.app.push_screen(StagePicker([s.value for s in Stage]), chosen)

    def action_toggle_closed(self) -> None:
        self.include_closed = not self.include_closed
        self.refresh_cases()

    @property
    def active_bindings(self):
        # the key bar shows the steering key and the team inbox to those they are for (team leads); the keys
        # work for everyone, and the team inbox stays listed in the help (F1) as before
        import dataclasses

        bindings = super().active_bindings
        if self.config.user_role == "jc_teamlead":
            return bindings
        out = {}
        for key, active in bindings.items():
            if active.binding.id == "board.team":
                continue
            if active.binding.id == "board.team_inbox":
                active = active._replace(binding=dataclasses.replace(active.binding, show=False))
            out[key] = active
        return out

    def action_reload(self) -> None:
        self.query_one(CaseList).invalidate_rows()
        self.refresh_cases()


def user_label(config: Config) -> str:
    """Who is signed in: the configured name, or the role from the catalog when no name was configured
    (the built-in default name is German text and would show as such in every language)."""
    if config.user_name == Config.user_name:
        return t("role." + config.user_role)
    return config.user_name
