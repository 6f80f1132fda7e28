"""Follow-ups and the "nobody lost" board: my or my team's Wiedervorlagen, overdue first; stalled and overdue cases by rule."""

from __future__ import annotations

from rich.text import Text
from textual import on, work
from textual.binding import Binding
from textual.widgets import DataTable, Label

from wbtui.data.queries import days_since
from wbtui.domain.text import clean
from wbtui.i18n import lazy_t, t, tn
from wbtui.screens.table_screen import TableScreen
from wbtui.services.logins import shown_login
from wbtui.widgets import labels
from wbtui.widgets.safe import cursor_key, fmt_date, safe
from wbtui.widgets.tables import cursor_state

KIND_STYLE = {"overdue": "bold red", "warning": "yellow", "stalled": "dim"}


class FollowupScreen(TableScreen):
    """At 80 columns: kind, due, name and the task or rule (cut); who or stage is left out first; the
    highlighted row in full under the table."""

    LOADS = True  # keys typed ahead wait for the first fill (screens/typeahead.py)
    HELP = lazy_t("tui.help.followups")
    BINDINGS = [
        Binding("d", "done", lazy_t("tui.key.done"), id="fu.done"),
        Binding("t", "toggle_team", lazy_t("tui.key.team"), id="fu.team"),
        Binding("escape", "back", lazy_t("tui.key.back"), id="fu.back"),
    ]
    TITLE_KEY = "tui.fu.title"
    TABLE_ID = "fu"
    DETAIL = True
    FLEX, OPTIONAL = 3, (4,)

    def __init__(self) -> None:
        super().__init__()
        self.team = False
        self.from_top = False
        self.rows: dict[str, dict] = {}
        self.data: tuple | None = None

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
            self.app.call_from_thread(self.load_failed, describe(exc))
            return
        self.show_loaded(self._fill, tasks, cases)

    def redraw(self) -> None:
        if self.data is not None:
            self._fill(*self.data)

    def _fill(self, tasks: list[dict], cases: list[dict]) -> None:
        self.loaded()
        self.data = (tasks, cases)
        table = self.query_one(DataTable)
        keep = (None, 0) if self.from_top else cursor_state(table)
        self.from_top = False
        rows = []
        self.rows = {}
        today = self.ctx.today
        iso = today.isoformat()
        tasks = sorted(tasks, key=lambda r: (r["due_on"] >= iso, r["due_on"]))
        overdue_tasks = 0
        for r in tasks:
            late = r["due_on"] < iso
            overdue_tasks += late
            title = labels.label("decision", r["title"]) if r["origin"] == "fallkonferenz" else r["title"]
            key = f"task:{r['id']}:{r['case_id']}"
            what = t("ux.fu.task_late") if late else t("ux.fu.task")
            self.rows[key] = {
                "what": what,
                "when": t("ux.fu.due_on", date=fmt_date(r["due_on"])),
                "name": f"{r['family_name']}, {r['given_names']}",
                "text": title,
                "who": r["owner"],
                "style": "bold red" if late else "",
            }
            rows.append(
                (
                    (
                        Text(what, style="bold red" if late else ""),
                        Text(fmt_date(r["due_on"])),
                        safe(f"{r['family_name']}, {r['given_names']}"),
                        safe(title),
                        safe(shown_login(r["owner"], short=True)),
                    ),
                    key,
                )
            )
        for r in cases:
            days = days_since(r["stage_since"], today)
            key = f"case:{r['id']}:{r['rule']}"
            stage = labels.label("stage", r["stage"])
            self.rows[key] = {
                "what": t("timer." + r["kind"]),
                "when": tn("ux.board.days_in_stage", days or 0),
                "name": f"{r['family_name']}, {r['given_names']}",
                "text": t("rule." + r["rule"]),
                "who": stage,
                "style": KIND_STYLE[r["kind"]],
            }
            rows.append(
                (
                    (
                        Text(t("timer." + r["kind"]), style=KIND_STYLE[r["kind"]]),
                        Text(t("tui.fu.days", days=days)),
                        safe(f"{r['family_name']}, {r['given_names']}"),
                        Text(t("rule." + r["rule"])),
                        Text(stage),
                    ),
                    key,
                )
            )
        self.fill(
            [t("tui.fu.what"), t("hdr.due"), t("hdr.name"), t("tui.fu.detail"), t("tui.fu.owner")],
            rows,
            keep=keep,
            caps={2: 22, 4: 18},
        )
        scope = t("tui.fu.team") if self.team else t("tui.fu.mine")
        self.query_one("#fu-status", Label).update(
            Text(t("tui.fu.counts", scope=scope, tasks=len(tasks), overdue=overdue_tasks, cases=len(cases)))
        )

    def describe_row(self, key: str) -> Text:
        row = self.rows.get(key)
        if row is None:
            return Text("")
        out = Text()
        out.append(row["what"], row["style"] or "bold")
        out.append(" · " + row["when"] + " · ")
        out.append(safe(row["name"], "bold"))
        out.append("\n")
        out.append(safe(row["text"]))
        out.append(" · ")
        out.append(safe(row["who"]))
        return out

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
        if not key or key[0] != "task":
            self.say(t("ux.fu.not_a_task"), error=True)
            return
        from wbtui.screens.pickers import confirm

        row = self.rows.get(":".join(key), {})
        body = Text(clean(row.get("text", "")), style="bold")
        body.append("\n" + clean(row.get("name", "")) + " · " + row.get("when", ""))
        body.append("\n" + t("ux.confirm.done.body"))

        def answered(answer: str | None) -> None:
            if answer == "yes":
                self.do(
                    self.ctx.services.complete_task,
                    key[1],
                    then=self.then_say("tui.saved", self.reload),
                )

        self.app.push_screen(confirm(t("ux.confirm.done.title"), body, t("ux.confirm.done.yes")), answered)

    def action_toggle_team(self) -> None:
        self.team = not self.team
        self.from_top = True  # another list: it starts at its first (most overdue) row
        self.reload()

    def action_back(self) -> None:
        self.app.pop_screen()
