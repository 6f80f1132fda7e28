"""Case detail: stage, next steps with the guards' reasons, sections and the timeline (rendered by
widgets/case_sections.py); every step on the case starts here with its key."""

from __future__ import annotations

import uuid

from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.widgets import Label

from wbtui.domain.process import Stage
from wbtui.domain.text import clean
from wbtui.i18n import lazy_t, t
from wbtui.messages import StoreReady
from wbtui.screens.base import WbtuiScreen
from wbtui.screens.intake import COURSE_FIELDS
from wbtui.widgets.case_sections import CaseBody, head_lines
from wbtui.widgets.errors import user_text
from wbtui.widgets.keybar import KeyBar

# the forms behind a key and the fields they write: the key is offered when any of them may be written
WRITES: dict[str, tuple[tuple[str, str], ...]] = {
    "edit": (("person", "phone"), ("case", "target_title")),
    "course": tuple(("case", field) for field in COURSE_FIELDS),
    "hand_on": (("case", "owner_login"),),
}


class CaseDetailScreen(WbtuiScreen):
    """Everything about one case; stage transitions start here."""

    LOADS = True  # keys typed ahead wait for the first fill (screens/typeahead.py)
    HELP = lazy_t("tui.help.detail")
    BINDINGS = [
        Binding("g", "move", lazy_t("tui.key.move"), id="case.move"),
        Binding("e", "edit", lazy_t("tui.key.edit"), id="case.edit"),
        Binding("h", "obstacles", lazy_t("tui.key.obstacles"), id="case.obstacles"),
        Binding("u", "handover", lazy_t("tui.key.handover"), id="case.handover"),
        Binding("k", "conference", lazy_t("tui.key.conference"), id="case.conference"),
        Binding("i", "consents", lazy_t("tui.key.consents"), id="case.consents"),
        Binding("w", "add_task", lazy_t("tui.key.task"), id="case.task"),
        Binding("p", "print('handover')", lazy_t("tui.key.print"), id="case.print"),
        Binding("P", "print('conference')", lazy_t("tui.key.print_protocol"), id="case.print_protocol"),
        Binding("t", "appointments", lazy_t("tui.key.appointments"), id="case.appointments"),
        Binding("c", "contact", lazy_t("tui.key.contact"), id="case.contact", show=False),
        Binding("y", "copy_ref", lazy_t("tui.key.copy"), id="case.copy", show=False),
        Binding("b", "course", lazy_t("ux.key.course"), id="case.course"),
        Binding("v", "hand_on", lazy_t("ux.key.hand_on"), id="case.hand_on"),
        Binding("q", "history", lazy_t("tui.key.history"), id="case.history"),
        Binding("escape", "back", lazy_t("tui.key.back"), id="case.back"),
    ]

    def __init__(self, case_id: str) -> None:
        super().__init__()
        self.case_id = case_id
        self.detail: dict | None = None
        self.awaiting_reason = False  # the break-glass prompt is open

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """A form's key only for an office that may write some of its fields in this stage (the Agentur may
        not change person or need: its saving would be refused, everything typed lost; domain/permissions.py);
        handing on only where the role assigns cases (domain/assignment.py). A hidden key leaves the key bar."""
        if self.detail is None or action not in WRITES:
            return True
        from wbtui.domain.assignment import may_assign
        from wbtui.domain.permissions import write_refusal

        stage = Stage(self.detail["stage"])
        role = self.config.user_role
        if action == "hand_on" and (not may_assign(role) or stage == Stage.CLOSED):
            return False
        return any(
            write_refusal(entity, field, role=role, new_row=False, stage_before=stage, stage_after=stage) is None
            for entity, field in WRITES[action]
        )

    def compose(self) -> ComposeResult:
        yield Label(t("tui.loading"), id="head1")
        yield Label("", id="head2")
        yield CaseBody(id="body")
        yield KeyBar()

    def on_mount(self) -> None:
        self.query_one("#body").focus()

    def on_store_ready(self, _message: StoreReady) -> None:
        self.reload()

    def on_screen_resume(self) -> None:
        if self.store_ready and not self.awaiting_reason:
            self.reload()

    @work(thread=True, exclusive=True, group="case-detail", exit_on_error=False)
    def reload(self) -> None:
        from wbtui.domain.access import AccessDenied
        from wbtui.domain.errors import WbtuiError

        ctx = self.ctx
        try:
            detail = ctx.services.read_case(uuid.UUID(self.case_id), ctx.engine)
        except AccessDenied as exc:
            self.app.call_from_thread(self._denied, exc)
            return
        except WbtuiError as exc:
            self.app.call_from_thread(self.load_failed, user_text(exc))
            return
        steps = ctx.services.next_steps(uuid.UUID(self.case_id)) if detail["stage"] != "closed" else []
        self.show_loaded(self._show_detail, detail, steps)

    def _denied(self, exc) -> None:
        """Outside the caseload: ask for the break-glass reason; another office's case: say no and go back."""
        self.loaded()
        if self.awaiting_reason or not self.is_current:
            return  # one prompt at a time (a second load may report the same refusal)
        if not exc.break_glass:
            self.say(user_text(exc), error=True)
            self.app.pop_screen()
            return
        from wbtui.screens.pickers import Prompt

        self.awaiting_reason = True

        def got(reason: str | None) -> None:
            if not reason or not reason.strip():
                self.awaiting_reason = False
                self.app.pop_screen()
                return

            def opened(_expiry) -> None:  # only now may the screen load the case again
                self.awaiting_reason = False
                self.reload()

            def failed(_error) -> None:
                self.awaiting_reason = False
                self._denied(exc)

            self.do(self.ctx.services.open_break_glass, self._uuid(), reason, then=opened, on_error=failed)

        self.app.push_screen(Prompt(t("tui.break_glass.prompt"), t("tui.break_glass.placeholder")), got)

    # -- rendering ---------------------------------------------------------------------
    def _show_detail(self, d: dict, steps: list) -> None:
        self.loaded()
        self.detail = d
        self.steps = steps
        self.refresh_bindings()  # the keys follow the office and the stage (check_action)
        head1, head2 = head_lines(d)
        self.query_one("#head1", Label).update(head1)
        self.query_one("#head2", Label).update(head2)
        self.query_one(CaseBody).show(d, steps, catalog=self.ctx.services.catalog, today=self.ctx.today)

    # -- actions ------------------------------------------------------------------
    def _uuid(self) -> uuid.UUID:
        return uuid.UUID(self.case_id)

    def action_back(self) -> None:
        self.app.pop_screen()

    def action_move(self) -> None:
        if self.detail is None:
            return
        from wbtui.screens.move import MoveScreen

        p = self.detail["person"]
        open_tasks = [task for task in self.detail["tasks"] if task["status"] == "offen"]
        self.app.push_screen(
            MoveScreen(
                self.case_id,
                Stage(self.detail["stage"]),
                self.steps,
                name=clean(f"{p['family_name']}, {p['given_names']} ({p['kundennummer']})"),
                open_tasks=open_tasks,
            )
        )

    def action_edit(self) -> None:
        if self.detail is None:
            return
        from wbtui.screens.intake import IntakeScreen

        self.app.push_screen(IntakeScreen(self.case_id, {**self.detail["person"], **self.detail["case"]}))

    def action_course(self) -> None:
        """The voucher and course details (the Agentur's; README "Voucher and course details")."""
        if self.detail is None:
            return
        from wbtui.screens.intake import IntakeScreen

        self.app.push_screen(
            IntakeScreen(self.case_id, dict(self.detail["case"]), sections=(("hdr.course", COURSE_FIELDS),),
                         title=t("hdr.course"))
        )  # fmt: skip

    def action_hand_on(self) -> None:
        """Hand the case to a colleague or the team inbox (README "Vertretung and reassignment")."""
        from wbtui.screens.team_inbox import hand_on

        hand_on(self, [self.case_id], then=lambda _r: self.reload())

    def action_obstacles(self) -> None:
        from wbtui.screens.obstacles import ObstacleScreen

        self.app.push_screen(ObstacleScreen(self.case_id))

    def action_handover(self) -> None:
        from wbtui.screens.handover import HandoverScreen

        self.app.push_screen(HandoverScreen(self.case_id))

    def action_consents(self) -> None:
        from wbtui.screens.consent import ConsentScreen

        self.app.push_screen(ConsentScreen(self.case_id))

    def action_conference(self) -> None:
        from wbtui.screens.conference import ConferenceScreen

        self.app.push_screen(ConferenceScreen(self.case_id))

    def action_appointments(self) -> None:
        from wbtui.screens.appointments import AppointmentsScreen

        self.app.push_screen(AppointmentsScreen(self.case_id))

    def action_history(self) -> None:
        """The person's qualifications and work history (README "Documents")."""
        from wbtui.screens.history import HistoryScreen

        self.app.push_screen(HistoryScreen(self.case_id))

    def action_add_task(self) -> None:
        from wbtui.screens.pickers import TaskPrompt

        dialog = TaskPrompt()

        def add(value: tuple[str, str]) -> None:
            from wbtui.domain.errors import WbtuiError
            from wbtui.domain.fields import parse_date

            title, due = value
            due_on = parse_date(due.strip(), field=t("hdr.due"))
            if due_on is None:
                raise WbtuiError("err.field_required", field=t("hdr.due"))
            dialog.run(self.ctx.services.add_task, self._uuid(), title.strip(), None, due_on,
                       then=self.then_say("tui.task_added", self.reload))  # fmt: skip

        self.app.push_screen(dialog.acting(add))

    def action_print(self, kind: str) -> None:
        """Write the Übergabebogen (p) or the last Fallkonferenz protocol (P) as PDF, or Markdown for a .md name."""
        if self.detail is None:
            return
        from datetime import date

        from wbtui.domain.text import clean
        from wbtui.paths import documents_dir
        from wbtui.screens.pickers import Prompt

        ref = "".join(ch for ch in clean(self.detail["person"]["kundennummer"]) if ch.isalnum()) or self.case_id[:8]
        stem = "Uebergabebogen" if kind == "handover" else "Fallkonferenz"
        default = documents_dir() / f"{stem}-{ref}-{date.today():%Y%m%d}.pdf"

        from pathlib import Path

        def write(target: Path, overwrite: bool) -> str:
            from wbtui.services.documents import save

            # registered when it lands in the documents folder: retention removes it with the case
            return str(save(self.ctx.services, self._uuid(), kind=kind, target=target, overwrite=overwrite))

        def written(path: str) -> None:
            self.say(t("cli.document_written", path=path))

        def got(value: str | None) -> None:
            if not value or not value.strip():
                return
            target = Path(value.strip()).expanduser()
            if not target.exists() or target.is_symlink():
                self.do(write, target, False, then=written)
                return
            from wbtui.screens.pickers import confirm

            def answered(answer: str | None) -> None:  # the TUI asks where the CLI takes --force
                if answer == "yes":
                    self.do(write, target, True, then=written)

            body = Text(str(target), style="bold")
            self.app.push_screen(confirm(t("ux.print.exists"), body, t("ux.print.replace")), answered)

        self.app.push_screen(Prompt(t("tui.print.prompt"), value=str(default)), got)

    def action_contact(self) -> None:
        self.do(
            self.ctx.services.record_contact,
            self._uuid(),
            None,
            then=self.then_say("tui.contact_recorded", self.reload),
        )

    def action_copy_ref(self) -> None:
        if not self.detail:
            return
        detail = self.detail

        def copied(_result) -> None:
            self.app.copy_to_clipboard(detail["person"]["kundennummer"])
            self.say(t("tui.copied"))

        self.do(
            self.ctx.services.audit,
            "copy",
            "person",
            case_id=self.case_id,
            groups=["stammdaten"],
            fields=["kundennummer"],
            then=copied,
        )
