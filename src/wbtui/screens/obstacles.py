"""Obstacle checklist (Hemmnisse): the catalog by 4PM group, status per obstacle; Art. 9 hidden by default.

At 80 (and 60) columns the status comes first and is always visible; the label takes the room that is
left and the highlighted row is shown whole in a detail line under the table. A status is set from a
pick list (never by cycling blind), and the cursor stays on the row."""

from __future__ import annotations

import dataclasses
import uuid

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.widgets import DataTable, Label, Static

from wbtui.i18n import get_language, lazy_t, t, tn
from wbtui.screens.base import WbtuiScreen
from wbtui.services import OBSTACLE_STATUSES
from wbtui.widgets import labels
from wbtui.widgets.errors import user_text
from wbtui.widgets.keybar import KeyBar
from wbtui.widgets.safe import cursor_key, fmt_date, safe
from wbtui.widgets.tables import cursor_state, fill_table

STATUS_STYLE = {"offen": "bold red", "in_bearbeitung": "yellow", "geloest": "green"}
LABEL, OPTIONAL = 2, (5, 4, 3)  # the flexible column; left out first: referred on, service, review date
CAPS = {4: 16}  # the service's name is cut (the detail line has it whole)
# the label gives way down to this before a column goes (a label cut shorter no longer reads); the columns
# left out are named under the table, their values are in the detail line (new-user finding: no column
# may vanish without a word)
MIN_LABEL = 30


class ObstacleScreen(WbtuiScreen):
    LOADS = True  # keys typed ahead wait for the first fill (screens/typeahead.py)
    HELP = lazy_t("tui.help.obstacles")
    BINDINGS = [
        Binding("enter,space", "status", lazy_t("ux.key.set_status"), id="obstacles.cycle"),
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
        self.detail: dict | None = None
        self.hidden_columns: list[str] = []  # left out at this width: named under the table

    def compose(self) -> ComposeResult:
        yield Label(t("tui.obst.title"), classes="title")
        yield Static("", id="obst-status", classes="status")
        yield DataTable(id="obst-table", cursor_type="row", zebra_stripes=True)
        yield Static("", id="obst-detail", classes="detail")
        yield KeyBar()

    def on_mount(self) -> None:
        table = self.query_one(DataTable)
        fill_table(
            table,
            self._columns(),
            [],
            width=self.app.size.width,
            flex=LABEL,
            optional=OPTIONAL,
            caps=CAPS,
            min_flex=MIN_LABEL,
        )
        table.focus()
        self.reload()

    @property
    def active_bindings(self):
        # one key, two labels: "Art. 9 zeigen" while hidden, "Art. 9 ausblenden" while shown (the key stays)
        out = super().active_bindings
        for key, active in out.items():
            if active.binding.id == "obstacles.art9" and self.show_art9:
                binding = dataclasses.replace(active.binding, description=t("ux.key.art9_hide"))
                out[key] = active._replace(binding=binding)
        return out

    _last_row = 0  # the row the cursor left (a group heading is skipped in the direction of travel)

    @staticmethod
    def _columns() -> list[str]:
        return [
            t("hdr.status"),
            t("tui.obst.code"),
            t("tui.obst.label"),
            t("tui.obst.review"),
            t("tui.obst.service"),
            t("tui.obst.referred"),
        ]

    @work(thread=True, exclusive=True, group="obstacles", exit_on_error=False)
    def reload(self) -> None:
        from wbtui.domain.errors import WbtuiError

        ctx = self.ctx
        try:
            detail = ctx.services.read_case(uuid.UUID(self.case_id), ctx.engine, show_art9=self.show_art9)
        except WbtuiError as exc:
            self.show_art9 = False
            self.app.call_from_thread(self.load_failed, user_text(exc))
            return
        self.show_loaded(self._fill, detail)

    def on_resize(self) -> None:
        if self.detail is not None:
            self._fill(self.detail)

    def _fill(self, detail: dict) -> None:
        self.loaded()
        self.detail = detail
        table = self.query_one(DataTable)
        keep = cursor_state(table)
        rows = []
        self.current = {o["code"]: o for o in detail["obstacles"]}
        self.hidden = detail["art9_hidden"]
        catalog = self.ctx.services.catalog
        lang = get_language()
        self.labels: dict[str, str] = {}
        for group, items in catalog.by_group().items():
            shown = [o for o in items if self.show_art9 or not o.art9]
            if not shown:
                continue
            blank = Text("")
            rows.append(
                ((blank, blank, Text(t("group." + group), style="bold"), blank, blank, blank), f"group:{group}")
            )
            for item in shown:
                rec = self.current.get(item.code)
                status = (
                    Text(labels.label("obstacle_status", rec["status"]), style=STATUS_STYLE.get(rec["status"], ""))
                    if rec
                    else Text("·", style="dim")
                )
                label = safe(item.label_de if lang == "de" else item.label_en)
                if item.art9:
                    label.append(" (Art. 9)", style="italic")
                self.labels[item.code] = label.plain
                rows.append(
                    (
                        (
                            status,
                            Text(item.code),
                            label,
                            Text(fmt_date(rec["review_on"]) if rec and rec["review_on"] else ""),
                            safe(rec["service"] if rec else ""),
                            Text(fmt_date(rec["referred_on"]) if rec and rec["referred_on"] else ""),
                        ),
                        item.code,
                    )
                )
        columns = self._columns()
        shown = fill_table(
            table,
            columns,
            rows,
            width=self.app.size.width,
            flex=LABEL,
            optional=OPTIONAL,
            caps=CAPS,
            keep=keep,
            min_flex=MIN_LABEL,
        )
        self.hidden_columns = [c for i, c in enumerate(columns) if i not in shown]
        open_count = sum(1 for o in detail["obstacles"] if o["status"] == "offen")
        # one line at 80 (and 60) cells: the key to show or hide Art. 9 is in the key bar
        note = tn("ux.obst.open", open_count) + " · "
        note += t("ux.obst.art9_shown_short") if self.show_art9 else tn("ux.obst.art9_hidden", self.hidden)
        self.query_one("#obst-status", Static).update(Text(note))
        self._show_detail()

    @on(DataTable.RowHighlighted)
    def _highlighted(self, _event: DataTable.RowHighlighted) -> None:
        """A group heading is no cursor stop (Enter does nothing there): the cursor goes on to the next
        obstacle in the direction it came from (new-user finding, LOW)."""
        table = self.query_one(DataTable)
        key, row = cursor_key(table), table.cursor_row
        if key is not None and key.startswith("group:"):
            step = -1 if row < self._last_row else 1
            for target in (row + step, row - step):
                if 0 <= target < table.row_count:
                    table.move_cursor(row=target)
                    return
        self._last_row = row
        self._show_detail()

    def _show_detail(self) -> None:
        """The highlighted obstacle in full: label, status, dates and service (cut or left out above)."""
        code = self._code()
        out = Text()
        if code is not None:
            rec = self.current.get(code)
            out.append(f"{code} ", "bold")
            out.append(safe(self.labels.get(code, "")))
            out.append("\n")
            if rec is None:
                out.append(t("ux.obst.not_recorded"), "dim")
            else:
                out.append(t("hdr.status") + ": ")
                out.append(labels.label("obstacle_status", rec["status"]), STATUS_STYLE.get(rec["status"], ""))
                for key, value in (
                    ("tui.obst.review", fmt_date(rec["review_on"])),
                    ("tui.obst.service", rec["service"]),
                    ("tui.obst.referred", fmt_date(rec["referred_on"])),
                ):
                    if value:
                        out.append(f" · {t(key)}: ")
                        out.append(safe(value))
        else:
            out.append(t("ux.obst.legend"), "dim")
        if self.hidden_columns:
            out.append("\n" + t("ux.obst.columns_hidden", columns=", ".join(self.hidden_columns)), "dim")
        self.query_one("#obst-detail", Static).update(out)

    def _code(self) -> str | None:
        key = cursor_key(self.query_one(DataTable))
        return None if key is None or key.startswith("group:") else key

    @on(DataTable.RowSelected)
    def _row_chosen(self, _event: DataTable.RowSelected) -> None:
        self.action_status()

    def action_status(self) -> None:
        """The status from a pick list with every status by its label; a new obstacle is recorded with it."""
        code = self._code()
        if code is None:
            return
        from wbtui.screens.pickers import PickList

        rec = self.current.get(code)
        title = t("ux.obst.pick_title", code=code)

        def chosen(status: str | None) -> None:
            if status is None or (rec is not None and rec["status"] == status):
                return
            services = self.ctx.services
            case_id = uuid.UUID(self.case_id)
            if rec is None:
                self.do(services.add_obstacle, case_id, code, status=status, then=lambda _r: self.reload())
            else:
                self.do(services.set_obstacle, case_id, code, status=status, then=lambda _r: self.reload())

        options = [(s, labels.label("obstacle_status", s)) for s in OBSTACLE_STATUSES]
        self.app.push_screen(PickList(title, options, rec["status"] if rec else "offen"), chosen)

    def _prompt_field(self, title: str, apply, value: str = "") -> None:
        code = self._code()
        if code is None or code not in self.current:
            self.say(t("tui.obst.first_add"), error=True)
            return
        from wbtui.screens.pickers import Prompt

        def got(text: str | None) -> None:
            if text is not None:
                apply(code, text)

        self.app.push_screen(Prompt(title, value=value), got)

    def action_review(self) -> None:
        from wbtui.domain.errors import WbtuiError
        from wbtui.domain.fields import parse_date

        def apply(code: str, value: str) -> None:
            again = lambda *_a: self._prompt_field(t("tui.obst.review_prompt"), apply, value)  # noqa: E731
            try:
                day = parse_date(value, field=t("tui.obst.review"))
            except WbtuiError as exc:  # the prompt comes back with what was typed
                self.say(user_text(exc), error=True)
                again()
                return
            self.do(
                self.ctx.services.set_obstacle,
                uuid.UUID(self.case_id),
                code,
                review_on=day,
                then=lambda _r: self.reload(),
                on_error=again,
            )

        rec = self.current.get(self._code() or "")
        self._prompt_field(t("tui.obst.review_prompt"), apply, fmt_date(rec["review_on"]) if rec else "")

    def action_service(self) -> None:
        def apply(code: str, value: str) -> None:
            self.do(
                self.ctx.services.set_obstacle,
                uuid.UUID(self.case_id),
                code,
                service=value,
                then=lambda _r: self.reload(),
            )

        rec = self.current.get(self._code() or "")
        self._prompt_field(t("tui.obst.service_prompt"), apply, (rec or {}).get("service") or "")

    def action_toggle_art9(self) -> None:
        self.show_art9 = not self.show_art9
        if self.show_art9:
            self.say(t("tui.obst.art9_shown"))
        self.refresh_bindings()
        self.reload()

    def action_back(self) -> None:
        self.app.pop_screen()
