"""Intake and need assessment (Erfassung, Bedarfsermittlung): validated as you type, nothing lost on error."""

from __future__ import annotations

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, VerticalScroll
from textual.widgets import Footer, Input, Label, Static

from wbtui.domain.errors import WbtuiError
from wbtui.domain.fields import FIELDS, parse_field
from wbtui.i18n import describe, lazy_t, t
from wbtui.screens.base import WbtuiScreen
from wbtui.widgets.inputs import SafeInput

PERSON_FIELDS = (
    "kundennummer",
    "bg_nummer",
    "family_name",
    "given_names",
    "birth_date",
    "phone",
    "email",
    "address",
    "preferred_language",
    "needs_interpreter",
    "german_level_cefr",
    "school_certificate",
)
NEED_FIELDS = (
    "target_kldb",
    "target_title",
    "training_type",
    "schedule",
    "earliest_start",
    "max_commute_km",
    "necessity_reason",
    "care_arranged",
    "legal_basis",
    "availability",
    "health_limits_summary",
)


class IntakeScreen(WbtuiScreen):
    """Create a case (``case_id is None``) or edit person and need of an existing one."""

    HELP = lazy_t("tui.help.intake")
    BINDINGS = [
        Binding("ctrl+s,f10", "save", lazy_t("tui.key.save"), id="form.save"),
        Binding("escape", "close", lazy_t("tui.key.back"), id="form.back"),
    ]

    def __init__(self, case_id: str | None, values: dict | None = None) -> None:
        super().__init__()
        self.case_id = case_id
        self.initial = dict(values or {})

    def compose(self) -> ComposeResult:
        title = t("tui.intake.new") if self.case_id is None else t("tui.intake.edit")
        yield Label(title, classes="title")
        with VerticalScroll(id="form"):
            yield Label(t("hdr.person"), classes="section")
            for name in PERSON_FIELDS:
                yield from self._row(name)
            yield Label(t("hdr.need"), classes="section")
            for name in NEED_FIELDS:
                yield from self._row(name)
        yield Static("", id="form-status", classes="status")
        yield Footer()

    def _row(self, name: str):
        spec = FIELDS[name]
        label = t("field." + name) + (" *" if spec.required else "")
        hint = " | ".join(spec.choices) if spec.choices else ""
        value = _display(self.initial.get(name))
        with Horizontal(classes="form-row"):
            yield Label(Text(label), classes="form-label")
            yield SafeInput(value=value, placeholder=hint, id=f"f-{name}", classes="form-input")
        error = Label("", id=f"e-{name}", classes="form-error")
        error.display = False
        yield error

    def on_mount(self) -> None:
        self.query_one(f"#f-{PERSON_FIELDS[0]}", Input).focus()

    @on(Input.Changed)
    def _validate(self, event: Input.Changed) -> None:
        name = (event.input.id or "")[2:]
        if name in FIELDS:
            self._check(name, event.value)

    def _check(self, name: str, value: str) -> bool:
        error = self.query_one(f"#e-{name}", Label)
        field = self.query_one(f"#f-{name}", Input)
        try:
            if value.strip() or FIELDS[name].required:
                parse_field(name, value)
        except WbtuiError as exc:
            error.update(Text(describe(exc)))
            error.display = True
            field.add_class("-invalid")
            return False
        error.update("")
        error.display = False
        field.remove_class("-invalid")
        return True

    def values(self) -> dict[str, str]:
        out = {}
        for name in PERSON_FIELDS + NEED_FIELDS:
            value = self.query_one(f"#f-{name}", Input).value
            if self.case_id is None and not value.strip():
                continue
            if self.case_id is not None and value == _display(self.initial.get(name)):
                continue
            out[name] = value
        return out

    def action_save(self) -> None:
        values = self.values()
        bad = [name for name, value in values.items() if not self._check(name, value)]
        if bad:
            self.say(t("tui.intake.fix", fields=", ".join(t("field." + b) for b in bad)), error=True)
            return
        services = self.ctx.services
        if self.case_id is None:
            self.do(services.create_case, values, then=self._created)
        else:
            import uuid

            self.do(services.update_fields, uuid.UUID(self.case_id), values, then=self._updated)

    def _created(self, case_id) -> None:
        self.say(t("tui.created", ref=case_id.hex[:8]))
        self.app.pop_screen()
        self.open_case(case_id.hex)

    def _updated(self, changed: list[str]) -> None:
        self.say(t("tui.saved"))
        self.app.pop_screen()

    def action_close(self) -> None:
        self.app.pop_screen()


def _display(value) -> str:
    if value is None:
        return ""
    if value is True:
        return t("tui.intake.yes")  # parse_field takes ja/nein and yes/no alike
    if value is False:
        return t("tui.intake.no")
    return str(value)
