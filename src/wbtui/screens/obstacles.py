"""Obstacle checklist (Hemmnisse): the catalog by 4PM group, status per obstacle; Art. 9 hidden by default."""

from __future__ import annotations

import uuid

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.widgets import DataTable, Footer, Label, Static

from wbtui.i18n import describe, get_language, lazy_t, t, tn
from wbtui.screens.base import WbtuiScreen
from wbtui.services import OBSTACLE_STATUSES
from wbtui.widgets.safe import cursor_key, fmt_date, safe
from wbtui.widgets.tables import fill_table


class ObstacleScreen(WbtuiScreen):
    HELP = lazy_t("tui.help.obstacles")
    BINDINGS = [
        Binding("space", "cycle", lazy_t("tui.key.status"), id="obstacles.cycle"),
        Binding("r", "review", lazy_t("tui.key.review"), id="obstacles.review"),
        Binding("v", "service", lazy_t("tui.key.service"), id="obstacles.service"),
        Binding("a", "toggle_art9", lazy_t("tui.key.art9"), id="obstacles.art9"),
        Binding("escape", "back", lazy_t("tui.key.back"), id="obstacles.back"),
    ]

    def __init__(self, case_id: str) -> None:
        super().__init__()
        self.case_id = case_id
        self.show_art9 = False
        self.current: dict[str, dict] = {}
        self.hidden = 0

    def compose(self) -> ComposeResult:
        yield Label(t("tui.obst.title"), classes="title")
        yield Static("", id="obst-status", classes="status")
        yield DataTable(id="obst-table", cursor_type="row", zebra_stripes=True)
        yield Footer()

    def on_mount(self) -> None:
        table = self.query_one(DataTable)
        fill_table(table, self._columns(), [])
        table.focus()
        self.reload()

    @staticmethod
    def _columns() -> list[str]:
        return [
            t("tui.obst.code"),
            t("tui.obst.label"),
            t("hdr.status"),
            t("tui.obst.referred"),
            t("tui.obst.review"),
            t("tui.obst.service"),
        ]

    @work(thread=True, exclusive=True, group="obstacles", exit_on_error=False)
    def reload(self) -> None:
        from wbtui.domain.errors import WbtuiError

        ctx = self.ctx
        try:
            detail = ctx.services.read_case(uuid.UUID(self.case_id), ctx.engine, show_art9=self.show_art9)
        except WbtuiError as exc:
            self.show_art9 = False
            self.app.call_from_thread(self.say, describe(exc), error=True)
            return
        self.app.call_from_thread(self._fill, detail)

    def _fill(self, detail: dict) -> None:
        table = self.query_one(DataTable)
        keep = table.cursor_row
        rows = []
        self.current = {o["code"]: o for o in detail["obstacles"]}
        self.hidden = detail["art9_hidden"]
        catalog = self.ctx.services.catalog
        lang = get_language()
        for group, items in catalog.by_group().items():
            shown = [o for o in items if self.show_art9 or not o.art9]
            if not shown:
                continue
            rows.append(
                (
                    (Text(t("group." + group), style="bold"), Text(""), Text(""), Text(""), Text(""), Text("")),
                    f"group:{group}",
                )
            )
            for item in shown:
                rec = self.current.get(item.code)
                status = (
                    Text(t("obst." + rec["status"]), style="bold" if rec["status"] == "offen" else "")
                    if rec
                    else Text("·", style="dim")
                )
                label = safe(item.label_de if lang == "de" else item.label_en)
                if item.art9:
                    label.append(" (Art. 9)", style="italic")
                rows.append(
                    (
                        (
                            Text(item.code),
                            label,
                            status,
                            Text(fmt_date(rec["referred_on"]) if rec and rec["referred_on"] else ""),
                            Text(fmt_date(rec["review_on"]) if rec and rec["review_on"] else ""),
                            safe(rec["service"] if rec else ""),
                        ),
                        item.code,
                    )
                )
        fill_table(table, self._columns(), rows)
        table.move_cursor(row=min(keep, table.row_count - 1))
        note = (
            t("tui.obst.art9_shown")
            if self.show_art9
            else tn("hdr.art9_hidden", self.hidden) + " · " + t("tui.obst.art9_hint")
        )
        self.query_one("#obst-status", Static).update(Text(note))

    @on(DataTable.RowSelected)
    def _row_chosen(self, _event: DataTable.RowSelected) -> None:
        self.action_cycle()

    def _code(self) -> str | None:
        key = cursor_key(self.query_one(DataTable))
        return None if key is None or key.startswith("group:") else key

    def action_cycle(self) -> None:
        code = self._code()
        if code is None:
            return
        services = self.ctx.services
        case_id = uuid.UUID(self.case_id)
        rec = self.current.get(code)
        if rec is None:
            self.do(services.add_obstacle, case_id, code, then=lambda _r: self.reload())
        else:
            nxt = OBSTACLE_STATUSES[(OBSTACLE_STATUSES.index(rec["status"]) + 1) % len(OBSTACLE_STATUSES)]
            self.do(services.set_obstacle, case_id, code, status=nxt, then=lambda _r: self.reload())

    def _prompt_field(self, title: str, apply) -> None:
        code = self._code()
        if code is None or code not in self.current:
            self.say(t("tui.obst.first_add"), error=True)
            return
        from wbtui.screens.pickers import Prompt

        def got(value: str | None) -> None:
            if value is not None:
                apply(code, value)

        self.app.push_screen(Prompt(title), got)

    def action_review(self) -> None:
        from wbtui.domain.errors import WbtuiError
        from wbtui.domain.fields import parse_date

        def apply(code: str, value: str) -> None:
            try:
                day = parse_date(value, field=t("tui.obst.review"))
            except WbtuiError as exc:
                self.say(describe(exc), error=True)
                return
            self.do(
                self.ctx.services.set_obstacle,
                uuid.UUID(self.case_id),
                code,
                review_on=day,
                then=lambda _r: self.reload(),
            )

        self._prompt_field(t("tui.obst.review_prompt"), apply)

    def action_service(self) -> None:
        def apply(code: str, value: str) -> None:
            self.do(
                self.ctx.services.set_obstacle,
                uuid.UUID(self.case_id),
                code,
                service=value,
                then=lambda _r: self.reload(),
            )

        self._prompt_field(t("tui.obst.service_prompt"), apply)

    def action_toggle_art9(self) -> None:
        self.show_art9 = not self.show_art9
        if self.show_art9:
            self.say(t("tui.obst.art9_shown"))
        self.reload()

    def action_back(self) -> None:
        self.app.pop_screen()
