"""The case board list: a Line-API view over SQLite that stays instant at 100,000 cases.

The board asks the store once (in a worker) for the ordered rowids that match the
current filter; this widget draws only the visible lines and fetches the rows of
a page by rowid in a thread worker, caching pages. Nothing on the UI thread
touches the database.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable
from datetime import date

from rich.segment import Segment
from rich.style import Style
from textual import work
from textual.binding import Binding
from textual.geometry import Region, Size
from textual.message import Message
from textual.reactive import reactive
from textual.scroll_view import ScrollView
from textual.strip import Strip

from wbtui.data.queries import days_since, rows_by_rowid
from wbtui.domain.process import STAGES, Stage
from wbtui.domain.text import clean
from wbtui.i18n import lazy_t, t

PAGE = 100
MAX_PAGES = 64
TIMER_MARK = {"overdue": "!!", "warning": "! ", "stalled": "~ ", "ok": "  "}
TIMER_STYLE = {
    "overdue": Style(color="red", bold=True),
    "warning": Style(color="yellow"),
    "stalled": Style(dim=True),
    "ok": Style(),
}


def _fit(text: str, width: int) -> str:
    if width <= 0:
        return ""
    if len(text) > width:
        return text[: max(0, width - 1)] + "…"
    return text.ljust(width)


class CaseList(ScrollView, can_focus=True):
    """Scrollable list of cases; one line per case."""

    HELP = lazy_t("tui.help.case_list")

    BINDINGS = [
        Binding("up,k", "cursor(-1)", show=False, id="list.up"),
        Binding("down,j", "cursor(1)", show=False, id="list.down"),
        Binding("pageup", "page(-1)", show=False, id="list.page_up"),
        Binding("pagedown", "page(1)", show=False, id="list.page_down"),
        Binding("home,g", "jump(0)", show=False, id="list.first"),
        Binding("end,G", "jump(-1)", show=False, id="list.last"),
        Binding("enter", "open", lazy_t("tui.key.open"), id="list.open"),
    ]

    DEFAULT_CSS = """
    CaseList { height: 1fr; scrollbar-size-vertical: 1; }
    """

    cursor = reactive(0, always_update=True)

    class Opened(Message):
        def __init__(self, case_id: str) -> None:
            super().__init__()
            self.case_id = case_id

    class Resized(Message):
        """The list's width changed (the screen or a docked panel): headers drawn for it follow."""

        def __init__(self, width: int) -> None:
            super().__init__()
            self.width = width

    class Highlighted(Message):
        def __init__(self, index: int, total: int) -> None:
            super().__init__()
            self.index = index
            self.total = total

    def __init__(
        self,
        connect: Callable,
        engine_factory: Callable,
        *,
        today: date,
        id: str | None = None,
        tasks: Callable[[], tuple[str, list]] | None = None,
    ) -> None:
        super().__init__(id=id)
        self._connect = connect
        self._tasks = tasks  # the follow-ups the reader may see (the "WV am" column; services/reads.py)
        self._engine_factory = engine_factory
        self.today = today
        self.rowids: list[int] = []
        self._pages: OrderedDict[int, dict[int, dict]] = OrderedDict()
        self._pending: set[int] = set()
        self._generation = 0

    # -- data ------------------------------------------------------------
    def set_rowids(self, rowids: list[int]) -> None:
        self._generation += 1
        self.rowids = rowids
        self._pages.clear()
        self._pending.clear()
        self.virtual_size = Size(self.size.width, len(rowids))
        self.cursor = min(self.cursor, max(0, len(rowids) - 1))
        self.scroll_to(y=min(self.scroll_offset.y, max(0, len(rowids) - 1)), animate=False)
        self.refresh()

    def invalidate_rows(self) -> None:
        """Drop cached rows (after an edit) but keep order and cursor."""
        self._generation += 1
        self._pages.clear()
        self._pending.clear()
        self.refresh()

    def current_case_id(self) -> str | None:
        row = self.current_row()
        return row["id"] if row else None

    def current_row(self) -> dict | None:
        """The highlighted case's list row (None while its page loads)."""
        if not self.rowids:
            return None
        return self._row(self.cursor)

    def _row(self, index: int) -> dict | None:
        page = self._pages.get(index // PAGE)
        if page is None:
            return None
        return page.get(self.rowids[index])

    def _want_page(self, page: int) -> None:
        if page in self._pages or page in self._pending:
            return
        self._pending.add(page)
        ids = self.rowids[page * PAGE : (page + 1) * PAGE]
        self._fetch(page, ids, self._generation)

    @work(thread=True, group="case-pages", exit_on_error=False)
    def _fetch(self, page: int, ids: list[int], generation: int) -> None:
        con = self._connect()
        try:
            rows = rows_by_rowid(con, ids, tasks=self._tasks() if self._tasks else None)
        finally:
            con.close()
        self.app.call_from_thread(self._page_loaded, page, rows, generation)

    def _page_loaded(self, page: int, rows: dict[int, dict], generation: int) -> None:
        if generation != self._generation:
            return
        self._pending.discard(page)
        self._pages[page] = rows
        while len(self._pages) > MAX_PAGES:
            self._pages.popitem(last=False)
        self.refresh()
        if page == self.cursor // PAGE:
            self.post_message(self.Highlighted(self.cursor, len(self.rowids)))

    # -- rendering -------------------------------------------------------------
    def render_line(self, y: int) -> Strip:
        width = self.size.width
        index = self.scroll_offset.y + y
        if index >= len(self.rowids):
            return Strip.blank(width, Style())
        row = self._row(index)
        selected = index == self.cursor
        base = Style(reverse=True) if selected and self.has_focus else Style(bgcolor="grey23") if selected else Style()
        if row is None:
            self.call_later(self._want_page, index // PAGE)
            return Strip([Segment(_fit("  …", width), base)])
        return Strip(self._row_segments(row, width, base)).crop_extend(0, width, base)

    @staticmethod
    def column_widths(width: int) -> tuple[int, int]:
        """Widths of the flexible name and stage columns for a line of ``width`` cells (not ``layout``: that
        name is Textual's, the layout a widget arranges its children with)."""
        fixed = 3 + 12 + 7 + 5 + 7
        rest = max(20, width - fixed)
        name_w = max(10, rest * 2 // 5)
        return name_w, max(8, rest - name_w)

    @classmethod
    def header(cls, width: int) -> str:
        name_w, stage_w = cls.column_widths(width)
        return (
            "   "
            + _fit(t("hdr.name"), name_w)
            + _fit(t("hdr.kundennummer"), 12)
            + _fit(t("hdr.stage"), stage_w)
            + _fit(t("hdr.owner"), 7)
            + _fit(t("hdr.days"), 5)
            + _fit(t("ux.hdr.next_due_short"), 7)
        )

    def _row_segments(self, row: dict, width: int, base: Style) -> list[Segment]:
        engine = self._engine_factory()
        state = engine.state(row)
        stage = Stage(row["stage"])
        info = STAGES[stage]
        days = days_since(row["stage_since"], self.today)
        name = clean(f"{row['family_name']}, {row['given_names']}")
        stage_text = f"{info.code} {t('stage.' + stage.value)}"
        due = row.get("next_due") or ""
        due = f"{due[8:10]}.{due[5:7]}." if len(due) >= 10 else ""
        name_w, stage_w = self.column_widths(width)
        word = t("timer." + state) if state != "ok" else ""
        segments = [
            Segment(TIMER_MARK[state] + " ", base + TIMER_STYLE[state]),
            Segment(_fit(name, name_w - 1) + " ", base),
            Segment(_fit(clean(row["kundennummer"]), 11) + " ", base),
            Segment(_fit(stage_text, stage_w - 1) + " ", base),
            Segment(_fit(t("tui.side_short." + info.owner), 7), base),
            Segment(_fit(str(days) if days is not None else "-", 5), base),
            Segment(_fit(due, 7), base),
        ]
        if word and width >= 100:
            segments.append(Segment(" " + word, base + TIMER_STYLE[state]))
        return segments

    # -- cursor ------------------------------------------------------------------
    def watch_cursor(self, value: int) -> None:
        if not self.rowids:
            return
        self.scroll_to_region(Region(0, value, 1, 1), animate=False, force=True)
        self.refresh()
        self.post_message(self.Highlighted(value, len(self.rowids)))

    def action_cursor(self, delta: int) -> None:
        if self.rowids:
            self.cursor = max(0, min(len(self.rowids) - 1, self.cursor + delta))

    def action_page(self, direction: int) -> None:
        self.action_cursor(direction * max(1, self.size.height - 1))

    def action_jump(self, where: int) -> None:
        if self.rowids:
            self.cursor = 0 if where == 0 else len(self.rowids) - 1

    def action_open(self) -> None:
        case_id = self.current_case_id()
        if case_id:
            self.post_message(self.Opened(case_id))

    def on_click(self, event) -> None:
        index = self.scroll_offset.y + event.y
        if 0 <= index < len(self.rowids):
            self.cursor = index

    def on_resize(self) -> None:
        self.post_message(self.Resized(self.size.width))

    def on_focus(self) -> None:
        self.refresh()

    def on_blur(self) -> None:
        self.refresh()
