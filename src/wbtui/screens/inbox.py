"""Inbox on both sides: received handovers to acknowledge or query (Agentur);
queries to answer and the Agentur's feedback (Jobcenter)."""

from __future__ import annotations

import json
import uuid

from rich.text import Text
from textual import on, work
from textual.binding import Binding
from textual.widgets import DataTable, Label

from wbtui.domain.text import clean
from wbtui.i18n import lazy_t, t, tn
from wbtui.screens.handover import feedback_detail
from wbtui.screens.table_screen import TableScreen
from wbtui.widgets import labels
from wbtui.widgets.glyphs import glyph
from wbtui.widgets.safe import cursor_key, fmt_date, safe
from wbtui.widgets.tables import cursor_state


class InboxScreen(TableScreen):
    """Received handovers (Agentur), queries and feedback (Jobcenter). At 80 columns: what, name, since and
    the detail (cut); the highlighted row in full under the table, the Rückfrage's text included."""

    LOADS = True  # keys typed ahead wait for the first fill (screens/typeahead.py)
    HELP = lazy_t("tui.help.inbox")
    BINDINGS = [
        Binding("a", "ack", lazy_t("tui.key.ack"), id="inbox.ack"),
        Binding("r", "query", lazy_t("tui.key.query"), id="inbox.query"),
        Binding("l", "read", lazy_t("tui.key.read"), id="inbox.read"),
        Binding("d", "import_file", lazy_t("tui.key.import_file"), id="inbox.import"),
        Binding("L", "read_all", lazy_t("tui.key.read_all"), id="inbox.read_all", show=False),
        Binding("escape", "back", lazy_t("tui.key.back"), id="inbox.back"),
    ]
    TITLE_KEY = "tui.inbox.title"
    TABLE_ID = "inbox"
    DETAIL = True
    FLEX, OPTIONAL = 4, (2, 3)  # the detail text takes what is left; Kd-Nr. and date go first (detail line)

    def __init__(self) -> None:
        super().__init__()
        self.rows: dict[str, dict] = {}
        self.data: tuple | None = None
        self.event_ids: dict[str, str] = {}  # table row -> timeline entry (read marks)

    def on_mount(self) -> None:
        self.query_one(DataTable).focus()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """Only the Agentur acknowledges or queries a handover (README, permission table): the Jobcenter's
        key bar does not offer them, and the keys do nothing there."""
        if action in ("ack", "query") and self.config.side != "agentur":
            return False
        return True

    def on_screen_resume(self) -> None:
        self.reload()

    @work(thread=True, exclusive=True, group="inbox", exit_on_error=False)
    def reload(self) -> None:
        from wbtui.domain.errors import WbtuiError
        from wbtui.i18n import describe
        from wbtui.services.reads import Reader

        ctx = self.ctx
        try:  # within the read policy, audited once per view (services/reads.py)
            reader = Reader(ctx.store, ctx.config, channel="tui", today=ctx.fixed_today)
            received, queries, feedback = reader.inbox(None)  # until read, not only for 14 days
        except WbtuiError as exc:
            self.app.call_from_thread(self.load_failed, describe(exc))
            return
        self.show_loaded(self._fill, received, queries, feedback)

    def redraw(self) -> None:
        if self.data is not None:
            self._fill(*self.data)

    def _fill(self, received, queries, feedback) -> None:
        self.loaded()
        self.data = (received, queries, feedback)
        table = self.query_one(DataTable)
        keep = cursor_state(table)
        table_rows = []
        self.rows = {}
        side = self.config.side
        sections = [("agentur", received, "tui.inbox.received"), ("jobcenter", queries, "tui.inbox.queries")]
        order = sections if side == "agentur" else list(reversed(sections))
        for _side, rows, key in order:
            for row in rows:
                detail = row[5] if key == "tui.inbox.queries" else t("tui.channel." + row[5])
                row_key = f"{key}:{row[0]}"
                # the Jobcenter sees its own handovers waiting for the Agentur's acknowledgement
                what = t("ux.inbox.sent_waiting") if key == "tui.inbox.received" and side != "agentur" else t(key)
                table_rows.append(self._entry(row_key, what, row, detail))
        self.event_ids = {}
        # the other office's entries reach both offices, unread first
        for number, row in enumerate(feedback):
            detail = " ".join(feedback_detail(json.loads(row[6] or "{}")))
            row_key = f"fb:{row[0]}:{number}"  # one case can have several events at the same moment
            self.event_ids[row_key] = row[7]
            what = ("" if row[8] else glyph("unread") + " ") + t("tui.event." + row[5])
            table_rows.append(self._entry(row_key, what, row, detail))
        self.fill(
            [t("tui.inbox.what"), t("hdr.name"), t("hdr.kundennummer"), t("hdr.since"), t("tui.inbox.detail")],
            table_rows,
            keep=keep,
            caps={0: 18, 1: 22},
        )
        counts = "tui.inbox.counts" if side == "agentur" else "ux.inbox.counts_jc"
        # the true totals (services/reads.py InboxPage), not the page of at most 300 shown
        total, unread = getattr(feedback, "total", len(feedback)), getattr(feedback, "unread", 0)
        self.query_one("#inbox-status", Label).update(
            Text(t(counts, received=len(received), queries=len(queries), feedback=total, unread=unread))
        )

    def _entry(self, row_key: str, what: str, row, detail: str) -> tuple[tuple, str]:
        """One table row (and its detail line's data) from a read row: id, family and given names,
        Kundennummer, time first (services/reads.py ``inbox``)."""
        name = f"{row[1]}, {row[2]}"
        self.rows[row_key] = {"what": what, "name": name, "kdnr": row[3], "at": row[4], "detail": detail}
        return (Text(what), safe(name), safe(row[3]), Text(fmt_date(row[4])), safe(detail)), row_key

    def describe_row(self, key: str) -> Text:
        row = self.rows.get(key)
        if row is None:
            return Text("")
        out = Text()
        out.append(row["what"] + ": ", "bold")
        out.append(safe(f"{row['name']} ({row['kdnr']})"))
        out.append(" · " + labels.datetime_text(row["at"]))
        if row["detail"]:
            out.append("\n")
            out.append(safe(row["detail"]))
        return out

    def _selected_row(self) -> tuple[str, str] | None:
        key = cursor_key(self.query_one(DataTable))
        if not key:
            return None
        kind, _, rest = key.partition(":")
        return kind, rest.split(":")[0]

    def _person(self) -> str:
        key = cursor_key(self.query_one(DataTable))
        row = self.rows.get(key or "")
        return clean(f"{row['name']} ({row['kdnr']})") if row else ""

    @on(DataTable.RowSelected)
    def _row_chosen(self, _event: DataTable.RowSelected) -> None:
        self.action_open()

    def action_open(self) -> None:
        sel = self._selected_row()
        if sel:
            self._mark([self.event_ids.get(cursor_key(self.query_one(DataTable)) or "")])
            self.open_case(sel[1])

    def action_import_file(self, typed: str = "") -> None:
        """Read a handover file (Agentur) or a feedback file (Jobcenter): checked whole, nothing on error.
        On an error the prompt comes back with the typed path (new-user finding M4)."""
        from pathlib import Path

        from wbtui.screens.pickers import Prompt

        def got(value: str | None) -> None:
            if not value or not value.strip():
                return
            from wbtui.services.feedback import import_any

            def done(result) -> None:
                kind, (what, again) = result
                if kind == "feedback":
                    self.say(tn("cli.feedback.again" if again else "cli.feedback.imported", what))
                else:
                    self.say(t("cli.import_again" if again else "cli.imported", ref=what.hex[:8]))
                self.reload()

            self.do(
                import_any,
                self.ctx.services,
                Path(value.strip()).expanduser(),
                then=done,
                on_error=lambda _exc: self.action_import_file(value),
            )

        self.app.push_screen(Prompt(t("ux.inbox.import_prompt"), value=typed, hint=t("ux.inbox.import_hint")), got)

    def action_read(self) -> None:
        self._mark([self.event_ids.get(cursor_key(self.query_one(DataTable)) or "")], say=True)

    def action_read_all(self) -> None:
        self._mark(list(self.event_ids.values()), say=True)

    def _mark(self, ids: list, *, say: bool = False) -> None:
        from wbtui.services.reads import Reader

        ids = [i for i in ids if i]
        if not ids:
            return
        ctx = self.ctx
        reader = Reader(ctx.store, ctx.config, channel="tui", today=ctx.fixed_today)

        def done(count: int) -> None:
            if say:
                self.say(tn("ux.inbox.marked", count))
            self.reload()

        self.do(reader.mark_read, ids, then=done)

    def _received(self) -> str | None:
        """The highlighted received handover's case id; otherwise None, and the user is told why."""
        sel = self._selected_row()
        if not sel or sel[0] != "tui.inbox.received":
            self.say(t("ux.inbox.not_a_handover"), error=True)
            return None
        return sel[1]

    def action_ack(self) -> None:
        case_id = self._received()
        if case_id is None:
            return
        from wbtui.screens.pickers import confirm

        body = Text(self._person(), style="bold")
        body.append("\n" + t("ux.confirm.ack.body"))

        def answered(answer: str | None) -> None:
            if answer == "yes":
                self._answer(self.ctx.services.ack_handover, case_id, said="ux.handover.acked")

        self.app.push_screen(confirm(t("ux.confirm.ack.title"), body, t("ux.confirm.ack.yes")), answered)

    def action_query(self) -> None:
        case_id = self._received()
        if case_id is None:
            return
        from wbtui.screens.pickers import Prompt

        prompt = Prompt(t("ux.confirm.query.prompt", name=self._person()), hint=t("ux.confirm.query.hint"))

        def send(text: str) -> None:
            prompt.run(self.ctx.services.query_handover, uuid.UUID(case_id), text,
                       then=self.then_say("tui.saved", self.reload))  # fmt: skip

        self.app.push_screen(prompt.acting(send))

    def _answer(self, action, case_id: str, *args, said: str = "tui.saved") -> None:
        """Acknowledge or query the handover of ``case_id``; the list is read again (cursor kept)."""
        self.do(action, uuid.UUID(case_id), *args, then=self.then_say(said, self.reload))

    def action_back(self) -> None:
        self.app.pop_screen()
