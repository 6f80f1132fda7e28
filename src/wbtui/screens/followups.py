"""Follow-ups and the "nobody lost" board: my or my team's Wiedervorlagen, overdue first; stalled and overdue cases by rule."""

from __future__ import annotations

from rich.text import Text
from textual import on, work
from textual.binding import Binding
from textual.widgets import DataTable, Label

from wbtui.data.queries import days_since
from wbtui.i18n import lazy_t, t
from wbtui.screens.table_screen import TableScreen
from wbtui.widgets.safe import cursor_key, fmt_date, safe
from wbtui.widgets.tables import fill_table

KIND_STYLE = {"overdue": "bold red", "warning": "yellow", "stalled": "dim"}


class FollowupScreen(TableScreen):
    HELP = lazy_t("tui.help.followups")
    BINDINGS = [
        Binding("d", "done", lazy_t("tui.key.done"), id="fu.done"),
        Binding("t", "toggle_team", lazy_t("tui.key.team"), id="fu.team"),
        Binding("escape", "back", lazy_t("tui.key.back"), id="fu.back"),
    ]
    TITLE_KEY = "tui.fu.title"
    TABLE_ID = "fu"

    def __init__(self) -> None:
        super().__init__()
        self.team = False

    def on_mount(self) -> None:
        self.query_one(DataTable).focus()

    def on_screen_resume(self) -> None:
        self.reload()

    @work(thread=True, exclusive=True, group="followups", exit_on_error=False)
    def reload(self) -> None:
        from wbtui.domain.errors import WbtuiError
        from wbtui.i18n import describe
        from wbtui.services.reads import Reader

        ctx = self.ctx
        try:  # within the read policy, audited once per view (services/reads.py)
            reader = Reader(ctx.store, ctx.config, channel="tui", today=ctx.fixed_today)
            tasks, cases = reader.followups(ctx.engine, team=self.team, limit=300)
        except WbtuiError as exc:
            self.app.call_from_thread(self.say, describe(exc), error=True)
            return
        self.app.call_from_thread(self._fill, tasks, cases)

    def _fill(self, tasks: list[dict], cases: list[dict]) -> None:
        rows = []
        today = self.ctx.today
        iso = today.isoformat()
        tasks = sorted(tasks, key=lambda r: (r["due_on"] >= iso, r["due_on"]))
        overdue_tasks = 0
        for r in tasks:
            late = r["due_on"] < iso
            overdue_tasks += late
            title = t("tui.decision." + r["title"]) if r["origin"] == "fallkonferenz" else r["title"]
            rows.append(
                (
                    (
                        Text(t("hdr.task") + (" !" if late else ""), style="bold red" if late else ""),
                        Text(fmt_date(r["due_on"])),
                        safe(f"{r['family_name']}, {r['given_names']}"),
                        safe(r["owner"]),
                        safe(title),
                    ),
                    f"task:{r['id']}:{r['case_id']}",
                )
            )
        for r in cases:
            days = days_since(r["stage_since"], today)
            rows.append(
                (
                    (
                        Text(t("timer." + r["kind"]), style=KIND_STYLE[r["kind"]]),
                        Text(t("tui.fu.days", days=days)),
                        safe(f"{r['family_name']}, {r['given_names']}"),
                        Text(t("stage." + r["stage"])),
                        Text(t("rule." + r["rule"])),
                    ),
                    f"case:{r['id']}:{r['rule']}",
                )
            )
        fill_table(
            self.query_one(DataTable),
            [t("tui.fu.what"), t("hdr.due"), t("hdr.name"), t("tui.fu.owner"), t("tui.fu.detail")],
            rows,
        )
        scope = t("tui.fu.team") if self.team else t("tui.fu.mine")
        self.query_one("#fu-status", Label).update(
            Text(t("tui.fu.counts", scope=scope, tasks=len(tasks), overdue=overdue_tasks, cases=len(cases)))
        )

    def _key(self) -> list[str] | None:
        key = cursor_key(self.query_one(DataTable))
        return key.split(":") if key else None

    @on(DataTable.RowSelected)
    def _row_chosen(self, _event: DataTable.RowSelected) -> None:
        self.action_open()

    def action_open(self) -> None:
        key = self._key()
        if key:
            self.open_case(key[2] if key[0] == "task" else key[1])

    def action_done(self) -> None:
        key = self._key()
        if key and key[0] == "task":
            self.do(
                self.ctx.services.complete_task,
                key[1],
                then=lambda _r: (self.say(t("tui.saved")), self.reload()),
            )

    def action_toggle_team(self) -> None:
        self.team = not self.team
        self.reload()

    def action_back(self) -> None:
        self.app.pop_screen()
