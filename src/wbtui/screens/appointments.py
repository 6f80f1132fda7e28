"""The appointments of one case (``t`` in the case detail): list, new, move, result, invitation letter.

The rules are the domain's (:mod:`wbtui.domain.appointments`) as the services apply them; this screen
only collects the input. Stored text (place, with whom) is shown as text, never as markup."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import datetime

from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.widgets import DataTable, Label

from wbtui.i18n import lazy_t, t
from wbtui.screens.fields_form import FieldsForm
from wbtui.screens.table_screen import TableScreen
from wbtui.widgets import labels
from wbtui.widgets.choice import pick
from wbtui.widgets.errors import user_text
from wbtui.widgets.inputs import SafeInput
from wbtui.widgets.safe import cursor_key, safe
from wbtui.widgets.tables import cursor_state

# the form's fields per purpose: (input id, label key, hint or "pick:<vocabulary>")
FORMS: dict[str, tuple[tuple[str, str, str], ...]] = {
    "new": (  # the date first: typed text never opens the kind's pick list (new-user finding M3)
        ("when", "field.appt_starts_at", "tui.hint.datetime"),
        ("kind", "field.appt_kind", "pick:appt_kind"),
        ("place", "field.appt_location", ""),
        ("with", "field.appt_with_whom", ""),
    ),
    "move": (
        ("when", "field.appt_starts_at", "tui.hint.datetime"),
        ("reason", "field.appt_reason", ""),
    ),
    "result": (
        ("result", "field.appt_status", "pick:appt_result"),
        ("reason", "field.appt_reason", ""),
    ),
}
TITLES = {"new": "tui.appt.new", "move": "tui.appt.move", "result": "tui.appt.result"}


def day_off_note(screen, when: datetime) -> str:
    """The day-off warning of an appointment at ``when`` under the office's calendar (widgets/labels.py)."""
    return labels.day_off_text(screen.ctx.engine.calendar, when)


def saved_then(screen, when: datetime, reload: Callable[[], object]) -> Callable[[object], None]:
    """A ``then`` for an appointment saved at ``when``: says so, with the warning of a day off."""

    def then(_result: object) -> None:
        note = day_off_note(screen, when)
        if note:
            screen.warn(t("tui.appt.saved") + " " + note)
        else:
            screen.say(t("tui.appt.saved"))
        reload()

    return then


class AppointmentForm(FieldsForm):
    """A few fields in a dialog; Enter moves on, Enter in the last field (or F10) saves."""

    BINDINGS = [
        Binding("escape", "cancel", lazy_t("tui.key.cancel"), id="appt.cancel"),
        Binding("ctrl+s,f10", "save", lazy_t("tui.key.save"), id="appt.save"),
    ]

    def __init__(self, purpose: str, kinds: list[str] | None = None) -> None:
        super().__init__()
        self.purpose = purpose
        self.kinds = kinds

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Label(t(TITLES[self.purpose]), classes="title")
            for key, label, hint in FORMS[self.purpose]:
                yield Label(t(label))
                if hint.startswith("pick:"):
                    vocabulary = hint[5:]
                    options = labels.choices(vocabulary)
                    if vocabulary == "appt_kind" and self.kinds is not None:
                        options = [(code, text) for code, text in options if code in self.kinds]
                    first = options[0][0] if options else None
                    yield pick(vocabulary, first, title=t(label), options=options, id=f"in-{key}")
                else:
                    yield SafeInput(placeholder=t(hint) if hint else "", id=f"in-{key}")
            yield Label(t("ux.form.save_hint"), classes="hint")


class AppointmentsScreen(TableScreen):
    """The case's appointments in time order, planned and past."""

    HELP = lazy_t("tui.help.appointments")
    BINDINGS = [
        Binding("n", "new", lazy_t("tui.key.appt_new"), id="appt.new"),
        Binding("v", "move", lazy_t("tui.key.appt_move"), id="appt.move"),
        Binding("e", "result", lazy_t("tui.key.appt_result"), id="appt.result"),
        Binding("b", "letter", lazy_t("tui.key.letter"), id="appt.letter"),
        Binding("escape", "back", lazy_t("tui.key.back"), id="appt.back"),
    ]
    TITLE_KEY = "tui.appt.title"
    TABLE_ID = "appointments"
    DETAIL = True
    FLEX, OPTIONAL = 3, (4,)

    def __init__(self, case_id: str) -> None:
        super().__init__()
        self.case_id = case_id
        self.rows: dict[str, dict] = {}
        self.data: list[dict] | None = None

    def on_mount(self) -> None:
        self.query_one(DataTable).focus()

    def on_screen_resume(self) -> None:
        self.reload()

    @work(thread=True, exclusive=True, group="appointments", exit_on_error=False)
    def reload(self) -> None:
        from wbtui.domain.errors import WbtuiError

        ctx = self.ctx
        try:
            rows = ctx.services.reads.appointments(case_id=self.case_id, include_done=True)
        except WbtuiError as exc:
            self.app.call_from_thread(self.say, user_text(exc), error=True)
            return
        self.show_loaded(self._fill, rows)

    def redraw(self) -> None:
        if self.data is not None:
            self._fill(self.data)

    def _fill(self, rows: list[dict]) -> None:
        self.data = rows
        table = self.query_one(DataTable)
        keep = cursor_state(table)
        self.rows = {r["id"]: r for r in rows}
        self.fill(
            [t("field.appt_starts_at"), t("field.appt_kind"), t("field.appt_status"), t("field.appt_location"),
             t("field.appt_with_whom")],
            [((Text(labels.datetime_text(r["starts_at"])), Text(labels.label("appt_kind", r["kind"])),
               Text(labels.label("appt_status", r["status"])), safe(r["location"] or ""), safe(r["with_whom"] or "")),
              r["id"]) for r in rows],
            keep=keep,
            caps={1: 22},  # the kind's long labels end in "…" at 60 columns (whole in the detail line)
        )  # fmt: skip
        self.query_one("#appointments-status", Label).update(Text(t("tui.appt.none")) if not rows else Text(""))

    def describe_row(self, key: str) -> Text:
        row = self.rows.get(key)
        if row is None:
            return Text("")
        out = Text()
        out.append(labels.label("appt_kind", row["kind"]) + " · ", "bold")
        out.append(labels.datetime_text(row["starts_at"]) + " · " + labels.label("appt_status", row["status"]))
        for value in (row["location"], row["with_whom"], row["status_reason"]):
            if value:
                out.append(" · ")
                out.append(safe(value))
        return out

    def _selected(self) -> str | None:
        return cursor_key(self.query_one(DataTable))

    def action_new(self) -> None:
        from wbtui.domain.appointments import side_may_keep
        from wbtui.domain.vocab import APPOINTMENT_KINDS

        kinds = [k for k in APPOINTMENT_KINDS if side_may_keep(self.config.side, k)]

        form = AppointmentForm("new", kinds)

        def save(values: dict) -> None:
            when = self._when(values.get("when"))

            def add() -> object:
                services, case_id = self.ctx.services, uuid.UUID(self.case_id)
                if values["kind"] == "aa_beratung":  # S4: acknowledges an open handover too
                    return services.agree_counselling(case_id, when, location=values.get("place"))
                return services.add_appointment(case_id, values["kind"] or "", when, location=values.get("place"),
                                                with_whom=values.get("with"))  # fmt: skip

            form.run(add, then=saved_then(self, when, self.reload))

        self.app.push_screen(form.acting(save))

    def action_move(self) -> None:
        selected = self._selected()
        if not selected:
            return

        form = AppointmentForm("move")

        def save(values: dict) -> None:
            when = self._when(values.get("when"))
            form.run(self.ctx.services.move_appointment, uuid.UUID(selected), when, reason=values.get("reason"),
                     then=saved_then(self, when, self.reload))  # fmt: skip

        self.app.push_screen(form.acting(save))

    def action_result(self) -> None:
        selected = self._selected()
        if not selected:
            return

        form = AppointmentForm("result")

        def save(values: dict) -> None:
            if not values.get("result"):
                form.close()
                return
            form.run(self.ctx.services.set_appointment_status, uuid.UUID(selected), values["result"],
                     reason=values.get("reason"), then=self.then_say("tui.appt.saved", self.reload))  # fmt: skip

        self.app.push_screen(form.acting(save))

    def action_letter(self) -> None:
        selected = self._selected()
        if not selected:
            return
        from datetime import date
        from pathlib import Path

        from wbtui.paths import documents_dir
        from wbtui.screens.pickers import Prompt

        default = documents_dir() / f"Einladung-{selected[:8]}-{date.today():%Y%m%d}.pdf"

        def got(value: str | None) -> None:
            if not value or not value.strip():
                return
            from wbtui.services.letters import save_invitation

            target = Path(value.strip()).expanduser()
            self.do(save_invitation, self.ctx.services, uuid.UUID(selected), target,
                    then=lambda path: self.say(t("cli.document_written", path=str(path))))  # fmt: skip

        self.app.push_screen(Prompt(t("tui.print.prompt"), value=str(default)), got)

    @staticmethod
    def _when(text: str | None):
        """The form's time as a datetime (missing or wrong: WbtuiError, said by the form, which stays open)."""
        from wbtui.domain.errors import WbtuiError
        from wbtui.domain.fields import parse_datetime

        when = parse_datetime(text, field=t("field.appt_starts_at"))
        if when is None:
            raise WbtuiError("err.field_required", field=t("field.appt_starts_at"))
        return when

    def action_back(self) -> None:
        self.app.pop_screen()
