"""The team inbox (README "Vertretung and reassignment"): cases nobody holds and the team's follow-ups.

Space marks rows; ``t`` takes the marked (or the highlighted) cases into the own caseload, ``v`` hands
them to a colleague or back to the inbox — many at once, all or none (services/assignment.py);
``a`` records an absence with a deputy (the own; the team lead's for anyone), so new work goes there.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any

from rich.text import Text
from textual import on, work
from textual.binding import Binding
from textual.widgets import DataTable, Label

from wbtui.i18n import lazy_t, t, tn
from wbtui.screens.table_screen import TableScreen
from wbtui.widgets import labels
from wbtui.widgets.safe import cursor_key, fmt_date, safe


def hand_on(screen: Any, case_ids: list[str], then: Callable[[Any], Any]) -> None:
    """Ask for the colleague's login (empty: the team inbox) and hand the cases on."""
    from wbtui.screens.pickers import Prompt

    def answered(login: str | None) -> None:
        if login is None:
            return
        ids = [uuid.UUID(c) for c in case_ids]

        def done(handed) -> None:
            first = handed[0]
            to = first.receiver or t("ux.team.inbox_name")
            if first.via:
                screen.say(t("ux.team.routed", absent=", ".join(first.via), to=to))
            else:
                screen.say(tn("ux.team.assigned", len(handed), to=to, tasks=sum(h.tasks for h in handed)))
            then(handed)

        screen.do(screen.ctx.services.reassign, ids, login.strip() or None, then=done)

    screen.app.push_screen(
        Prompt(tn("ux.team.hand_on_title", len(case_ids)), t("ux.team.login_hint"), hint=t("ux.team.hand_on_hint")),
        answered,
    )


class TeamInboxScreen(TableScreen):
    HELP = lazy_t("ux.help.team_inbox")
    BINDINGS = [
        Binding("space", "mark", lazy_t("ux.key.mark"), id="ti.mark"),
        Binding("t", "take", lazy_t("ux.key.take"), id="ti.take"),
        Binding("v", "hand_on", lazy_t("ux.key.hand_on"), id="ti.hand_on"),
        Binding("a", "absence", lazy_t("ux.key.absence"), id="ti.absence"),
        Binding("escape", "back", lazy_t("tui.key.back"), id="ti.back"),
    ]
    TITLE_KEY = "ux.team.inbox_title"
    TABLE_ID = "ti"
    DETAIL = True
    FLEX, OPTIONAL = 3, ()  # the stage or the follow-up (due date first) takes what the name leaves

    def __init__(self) -> None:
        super().__init__()
        self.rows: dict[str, dict] = {}
        self.marked: set[str] = set()
        self.data: tuple | None = None

    def on_mount(self) -> None:
        self.query_one(DataTable).focus()

    def on_screen_resume(self) -> None:
        self.reload()

    @work(thread=True, exclusive=True, group="team_inbox", exit_on_error=False)
    def reload(self) -> None:
        from wbtui.domain.errors import WbtuiError
        from wbtui.i18n import describe
        from wbtui.services.reads import Reader

        ctx = self.ctx
        try:
            reader = Reader(ctx.store, ctx.config, channel="tui", today=ctx.fixed_today)
            cases, tasks = reader.team_inbox(ctx.engine)
        except WbtuiError as exc:
            self.app.call_from_thread(self.say, describe(exc), error=True)
            return
        self.show_loaded(self._fill, cases, tasks)

    def redraw(self) -> None:
        if self.data is not None:
            self._fill(*self.data)

    def _fill(self, cases: list[dict], tasks: list[dict]) -> None:
        from wbtui.widgets.tables import cursor_state

        self.data = (cases, tasks)
        keep = cursor_state(self.query_one(DataTable))
        rows, self.rows = [], {}
        for c in cases:
            key = f"case:{c['id']}"
            name = f"{c['family_name']}, {c['given_names']}"
            self.rows[key] = {"case": c["id"], "name": name, "text": labels.label("stage", c["stage"])}
            mark = "[x]" if key in self.marked else "[ ]"
            rows.append(((Text(mark), Text(t("ux.team.kind_case")), safe(name), Text(self.rows[key]["text"])), key))
        for r in tasks:
            key = f"task:{r['id']}"
            name = f"{r['family_name']}, {r['given_names']}"
            title = labels.label("decision", r["title"]) if r["origin"] == "fallkonferenz" else r["title"]
            self.rows[key] = {"case": r["case_id"], "task": r["id"], "name": name,
                              "text": f"{fmt_date(r['due_on'])} {title}"}  # fmt: skip
            rows.append(((Text(" "), Text(t("ux.team.kind_task")), safe(name), safe(self.rows[key]["text"])), key))
        self.fill(["", t("tui.fu.what"), t("hdr.name"), t("tui.fu.detail")], rows, keep=keep, caps={2: 24})
        self.query_one("#ti-status", Label).update(
            Text(t("ux.team.inbox_counts", cases=len(cases), tasks=len(tasks), marked=len(self.marked)))
        )

    def describe_row(self, key: str) -> Text:
        row = self.rows.get(key)
        if row is None:
            return Text("")
        out = safe(row["name"], "bold")
        out.append(" · ")
        out.append(safe(row["text"]))
        return out

    def _chosen_cases(self) -> list[str]:
        marked = [self.rows[k]["case"] for k in sorted(self.marked) if k in self.rows]
        if marked:
            return marked
        key = cursor_key(self.query_one(DataTable))
        row = self.rows.get(key or "")
        return [row["case"]] if row and key and key.startswith("case:") else []

    def action_mark(self) -> None:
        key = cursor_key(self.query_one(DataTable))
        if not key or not key.startswith("case:"):
            return
        self.marked ^= {key}
        self.redraw()

    def _after(self, _result) -> None:
        self.marked.clear()
        self.reload()

    def action_take(self) -> None:
        ids = self._chosen_cases()
        if not ids:
            self.say(t("ux.team.nothing_chosen"), error=True)
            return
        self.do(self.ctx.services.take, [uuid.UUID(c) for c in ids], then=self._taken)

    def _taken(self, handed) -> None:
        self.say(tn("ux.team.assigned", len(handed), to=handed[0].receiver or "", tasks=0))
        self._after(handed)

    def action_hand_on(self) -> None:
        ids = self._chosen_cases()
        key = cursor_key(self.query_one(DataTable)) or ""
        if not ids and key.startswith("task:"):
            self._hand_task(self.rows[key]["task"])
            return
        if not ids:
            self.say(t("ux.team.nothing_chosen"), error=True)
            return
        hand_on(self, ids, self._after)

    def _hand_task(self, task_id: str) -> None:
        from wbtui.screens.pickers import Prompt

        def answered(login: str | None) -> None:
            if login is not None:
                self.do(self.ctx.services.reassign_task, task_id, login.strip() or None,
                        then=self.then_say("tui.saved", self.reload))  # fmt: skip

        self.app.push_screen(Prompt(tn("ux.team.hand_on_title", 1), t("ux.team.login_hint")), answered)

    def action_absence(self) -> None:
        """An absence: from, until, deputy (one line each, asked in turn); the team lead (who records anyone's,
        domain/permissions.py office_refusal) is first asked for whom (empty: the own)."""
        from wbtui.domain.fields import parse_date
        from wbtui.domain.permissions import ABSENCE_FOR_OTHERS
        from wbtui.screens.pickers import Prompt

        keys: tuple[str, ...] = ("ux.team.absence_from", "ux.team.absence_until", "ux.team.absence_deputy")
        if self.ctx.services.actor.role in ABSENCE_FOR_OTHERS:
            keys = ("ux.team.absence_login", *keys)
        answers: list[str] = []

        def ask(index: int) -> None:
            dates = index < len(keys) - 1 and keys[index] != "ux.team.absence_login"
            hint = t("tui.hint.date") if dates else t("ux.team.login_hint")
            self.app.push_screen(Prompt(t(keys[index]), hint), lambda value: got(index, value))

        def got(index: int, value: str | None) -> None:
            if value is None:
                return
            answers.append(value)
            if index < len(keys) - 1:
                ask(index + 1)
                return
            from wbtui.domain.errors import WbtuiError
            from wbtui.widgets.errors import user_text

            login = answers.pop(0).strip() or None if len(keys) == 4 else None
            try:
                start, end = parse_date(answers[0], field="from"), parse_date(answers[1], field="until")
            except WbtuiError as exc:  # a typing error: said, nothing stored
                self.say(user_text(exc), error=True)
                return
            if start is None or end is None:
                self.say(t("ux.team.absence_dates"), error=True)
                return
            self.do(self.ctx.services.set_absence, login, start, end, answers[2].strip() or None,
                    then=self.then_say("ux.team.absence_saved", self.reload))  # fmt: skip

        ask(0)

    @on(DataTable.RowSelected)
    def _open(self, _event: DataTable.RowSelected) -> None:
        key = cursor_key(self.query_one(DataTable))
        row = self.rows.get(key or "")
        if row:
            self.open_case(row["case"])

    def action_back(self) -> None:
        self.app.pop_screen()
