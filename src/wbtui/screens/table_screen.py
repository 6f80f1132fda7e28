"""The list screens' common frame: a title, a status line, one full-height table, the footer."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.widgets import DataTable, Footer, Label

from wbtui.i18n import t
from wbtui.screens.base import WbtuiScreen


class TableScreen(WbtuiScreen):
    """Subclasses name their title key and table id; the status label is ``<TABLE_ID>-status``."""

    TITLE_KEY = ""
    TABLE_ID = ""
    STATUS_KEY = ""  # what the status line says until the first load

    def compose(self) -> ComposeResult:
        yield Label(t(self.TITLE_KEY), classes="title")
        yield Label(t(self.STATUS_KEY) if self.STATUS_KEY else "", id=f"{self.TABLE_ID}-status", classes="status")
        yield DataTable(id=self.TABLE_ID, cursor_type="row", zebra_stripes=True)
        yield Footer()
