"""The list screens' common frame: a title, a status line, one full-height table fitted to the screen's
width (widgets/tables.py), the highlighted row in full in a detail line under it, the key bar."""

from __future__ import annotations

from collections.abc import Sequence

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.widgets import DataTable, Label, Static

from wbtui.i18n import t
from wbtui.screens.base import WbtuiScreen
from wbtui.widgets.keybar import KeyBar
from wbtui.widgets.safe import cursor_key
from wbtui.widgets.tables import Column, Row, fill_table


class TableScreen(WbtuiScreen):
    """Subclasses name their title key and table id; the status label is ``<TABLE_ID>-status``.

    With ``DETAIL`` a line under the table shows :meth:`describe_row` of the highlighted row; ``FLEX`` is
    the column that takes the room left (cut with "…"), ``OPTIONAL`` the columns left out first."""

    TITLE_KEY = ""
    TABLE_ID = ""
    STATUS_KEY = ""  # what the status line says until the first load
    DETAIL = False
    FLEX: int | None = None
    OPTIONAL: tuple[int, ...] = ()

    def compose(self) -> ComposeResult:
        yield Label(t(self.TITLE_KEY), classes="title")
        yield Label(t(self.STATUS_KEY) if self.STATUS_KEY else "", id=f"{self.TABLE_ID}-status", classes="status")
        yield DataTable(id=self.TABLE_ID, cursor_type="row", zebra_stripes=True)
        if self.DETAIL:
            yield Static("", id=f"{self.TABLE_ID}-detail", classes="detail")
        yield KeyBar()

    def fill(
        self,
        columns: Sequence[Column],
        rows: Sequence[Row],
        *,
        keep: tuple[str | None, int] | None = None,
        caps: dict[int, int] | None = None,
    ) -> None:
        fill_table(
            self.query_one(DataTable),
            columns,
            rows,
            width=self.app.size.width,
            flex=self.FLEX,
            optional=self.OPTIONAL,
            caps=caps,
            keep=keep,
        )
        self.show_detail()

    def redraw(self) -> None:
        """Fill the table again from the data last loaded (after a resize)."""

    def on_resize(self) -> None:
        self.redraw()

    def describe_row(self, key: str) -> Text:
        return Text("")

    @on(DataTable.RowHighlighted)
    def _row_highlighted(self, _event: DataTable.RowHighlighted) -> None:
        self.show_detail()

    def show_detail(self) -> None:
        if not self.DETAIL:
            return
        key = cursor_key(self.query_one(DataTable))
        self.query_one(f"#{self.TABLE_ID}-detail", Static).update(self.describe_row(key) if key else Text(""))
