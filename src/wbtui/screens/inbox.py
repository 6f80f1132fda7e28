"""Inbox on both sides: received handovers to acknowledge or query (Agentur);
queries to answer and the Agentur's feedback (Jobcenter)."""

from __future__ import annotations

import json
import uuid

from rich.text import Text
from textual import on, work
from textual.binding import Binding
from textual.widgets import DataTable, Label

from wbtui.i18n import lazy_t, t
from wbtui.screens.handover import FEEDBACK, feedback_detail
from wbtui.screens.table_screen import TableScreen
from wbtui.widgets.safe import cursor_key, fmt_date, safe
from wbtui.widgets.tables import fill_table


class InboxScreen(TableScreen):
    HELP = lazy_t("tui.help.inbox")
    BINDINGS = [
        Binding("a", "ack", lazy_t("tui.key.ack"), id="inbox.ack"),
        Binding("r", "query", lazy_t("tui.key.query"), id="inbox.query"),
        Binding("escape", "back", lazy_t("tui.key.back"), id="inbox.back"),
    ]
    TITLE_KEY = "tui.inbox.title"
    TABLE_ID = "inbox"

    def on_mount(self) -> None:
        self.query_one(DataTable).focus()

    def on_screen_resume(self) -> None:
        self.reload()

    @work(thread=True, exclusive=True, group="inbox", exit_on_error=False)
    def reload(self) -> None:
        from datetime import timedelta

        from wbtui.domain.errors import WbtuiError
        from wbtui.i18n import describe
        from wbtui.services.reads import Reader

        ctx = self.ctx
        try:  # within the read policy, audited once per view (services/reads.py)
            reader = Reader(ctx.store, ctx.config, channel="tui", today=ctx.fixed_today)
            received, queries, feedback = reader.inbox(ctx.today - timedelta(days=14), FEEDBACK)
        except WbtuiError as exc:
            self.app.call_from_thread(self.say, describe(exc), error=True)
            return
        self.app.call_from_thread(self._fill, received, queries, feedback)

    def _fill(self, received, queries, feedback) -> None:
        table_rows = []
        side = self.config.side
        sections = [("agentur", received, "tui.inbox.received"), ("jobcenter", queries, "tui.inbox.queries")]
        if side == "agentur":
            order = sections
        else:
            order = list(reversed(sections))
        for _side, rows, key in order:
            for row in rows:
                table_rows.append(
                    (
                        (
                            Text(t(key)),
                            safe(f"{row[1]}, {row[2]}"),
                            safe(row[3]),
                            Text(fmt_date(row[4])),
                            safe(row[5] if key == "tui.inbox.queries" else t("tui.channel." + row[5])),
                        ),
                        f"{key}:{row[0]}",
                    )
                )
        if side != "agentur":
            for row in feedback:
                detail = " ".join(feedback_detail(json.loads(row[6] or "{}")))
                table_rows.append(
                    (
                        (
                            Text(t("tui.event." + row[5])),
                            safe(f"{row[1]}, {row[2]}"),
                            safe(row[3]),
                            Text(fmt_date(row[4])),
                            safe(detail),
                        ),
                        f"fb:{row[0]}:{row[4]}",
                    )
                )
        fill_table(
            self.query_one(DataTable),
            [t("tui.inbox.what"), t("hdr.name"), t("hdr.kundennummer"), t("hdr.since"), t("tui.inbox.detail")],
            table_rows,
        )
        self.query_one("#inbox-status", Label).update(
            Text(t("tui.inbox.counts", received=len(received), queries=len(queries), feedback=len(feedback)))
        )

    def _selected_row(self) -> tuple[str, str] | None:
        key = cursor_key(self.query_one(DataTable))
        if not key:
            return None
        kind, _, rest = key.partition(":")
        return kind, rest.split(":")[0]

    @on(DataTable.RowSelected)
    def _row_chosen(self, _event: DataTable.RowSelected) -> None:
        self.action_open()

    def action_open(self) -> None:
        sel = self._selected_row()
        if sel:
            self.open_case(sel[1])

    def action_ack(self) -> None:
        sel = self._selected_row()
        if sel and sel[0] == "tui.inbox.received":
            self.do(
                self.ctx.services.ack_handover,
                uuid.UUID(sel[1]),
                then=lambda _r: (self.say(t("tui.saved")), self.reload()),
            )

    def action_query(self) -> None:
        sel = self._selected_row()
        if not sel or sel[0] != "tui.inbox.received":
            return
        from wbtui.screens.pickers import Prompt

        def got(text: str | None) -> None:
            if text is not None:
                self.do(
                    self.ctx.services.query_handover,
                    uuid.UUID(sel[1]),
                    text,
                    then=lambda _r: (self.say(t("tui.saved")), self.reload()),
                )

        self.app.push_screen(Prompt(t("tui.move.query_text")), got)

    def action_back(self) -> None:
        self.app.pop_screen()
