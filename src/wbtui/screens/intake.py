"""Intake and need assessment (Erfassung, Bedarfsermittlung): validated as you type, coded values from pick
lists with their German labels, nothing lost on error or on Esc (a changed form asks first)."""

from __future__ import annotations

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, VerticalScroll
from textual.widgets import Input, Label, Static

from wbtui.domain.errors import WbtuiError
from wbtui.domain.fields import (
    FIELDS,
    HANDOVER_CASE_FIELDS,
    HANDOVER_PERSON_FIELDS,
    HEALTH_SUMMARY_FIELD,
    parse_field,
)
from wbtui.i18n import lazy_t, t
from wbtui.screens.base import WbtuiScreen
from wbtui.widgets import labels
from wbtui.widgets.choice import ChoiceField, pick
from wbtui.widgets.errors import user_text
from wbtui.widgets.inputs import SafeInput
from wbtui.widgets.keybar import KeyBar

# the form's fields are the minimum data set's (domain/fields.py, README "The process in short"): the
# person's, then the need's; the Altfall flag is not typed at intake, the Art. 9 health summary is
PERSON_FIELDS = HANDOVER_PERSON_FIELDS
NEED_FIELDS = tuple(name for name in HANDOVER_CASE_FIELDS if name != "legacy_jc_funded") + (
    "kooperationsplan_on",  # § 15 SGB II: on the case and the Übergabebogen, not in the exchange file's schema 1
    HEALTH_SUMMARY_FIELD,
)
# what a text field expects, shown in the empty field
HINTS = {
    "kundennummer": "123A456789",
    "bg_nummer": "12345BG1234567",
    "birth_date": lazy_t("tui.hint.date"),
    "earliest_start": lazy_t("tui.hint.date"),
    "kooperationsplan_on": lazy_t("tui.hint.date"),
    "target_kldb": lazy_t("ux.hint.kldb"),
    "max_commute_km": "km",
}


# the Agentur's form (key "b" in a case): voucher and course details (README "Voucher and course details")
COURSE_FIELDS = (
    "voucher_number", "training_goal", "duration_months", "region", "provider_name", "course_title",
    "kursnet_id", "qualification_2y", "course_actual_start", "course_actual_end", "interim_exam", "final_exam",
)  # fmt: skip
HINTS.update({"course_actual_start": lazy_t("tui.hint.date"), "course_actual_end": lazy_t("tui.hint.date")})


def kldb_options() -> tuple[list[tuple[str, str]], dict[str, str]]:
    """The 1,301 occupations of the KldB 2010 as a pick list: "52122 Berufskraftfahrer/in …", searched
    by words of the title or the start of the code (domain/kldb.py)."""
    from wbtui.domain import kldb

    occupations = [o for code, o in kldb._table().items() if len(code) == 5]
    return [(o.code, f"{o.code} {o.title}") for o in occupations], {o.code: o.short for o in occupations}


class IntakeScreen(WbtuiScreen):
    """Create a case (``case_id is None``) or edit person and need of an existing one; with ``sections``
    another group of fields of the case (the voucher and course details)."""

    HELP = lazy_t("tui.help.intake")
    BINDINGS = [
        Binding("ctrl+s,f10", "save", lazy_t("tui.key.save"), id="form.save"),
        Binding("escape", "close", lazy_t("tui.key.back"), id="form.back"),
    ]

    def __init__(
        self,
        case_id: str | None,
        values: dict | None = None,
        *,
        sections: tuple[tuple[str, tuple[str, ...]], ...] | None = None,
        title: str | None = None,
    ) -> None:
        super().__init__()
        self.case_id = case_id
        self.initial = dict(values or {})
        self.sections = sections or (("hdr.person", PERSON_FIELDS), ("hdr.need", NEED_FIELDS))
        self.names = tuple(name for _, names in self.sections for name in names)
        self.title_text = title

    def compose(self) -> ComposeResult:
        title = self.title_text or (t("tui.intake.new") if self.case_id is None else t("tui.intake.edit"))
        yield Label(title, classes="title")
        with VerticalScroll(id="form"):
            for header, names in self.sections:
                yield Label(t(header), classes="section")
                for name in names:
                    yield from self._row(name)
        yield Static("", id="form-status", classes="status")
        yield KeyBar()

    def _row(self, name: str):
        spec = FIELDS[name]
        label = t("field." + name) + (" *" if spec.required else "")
        with Horizontal(classes="form-row"):
            yield Label(Text(label), classes="form-label")
            vocabulary = labels.FIELD_VOCABULARY.get(name)
            if name == "target_kldb":  # the target occupation by name: type words, pick from the list
                options, words = kldb_options()
                yield ChoiceField(
                    options,
                    _display(name, self.initial.get(name)) or None,
                    words=words,
                    title=t("ux.kldb.pick"),
                    id=f"f-{name}",
                    classes="form-input",
                )
            elif vocabulary:
                value = _code(vocabulary, self.initial.get(name))
                yield pick(vocabulary, value, title=t("field." + name), id=f"f-{name}", classes="form-input")
            else:
                value = _display(name, self.initial.get(name))
                yield SafeInput(value=value, placeholder=str(HINTS.get(name, "")), id=f"f-{name}", classes="form-input")
        error = Label("", id=f"e-{name}", classes="form-error")
        error.display = False
        yield error

    def on_mount(self) -> None:
        self.query_one(f"#f-{self.names[0]}").focus()

    @on(ChoiceField.Changed)
    def _picked(self, event: ChoiceField.Changed) -> None:
        """A target occupation picked fills in its official title (kept when the caseworker typed one of their
        own). Focus stays on the pick field, as in every form (Tab moves on: widgets/choice.py)."""
        if event.field.id == "f-target_kldb" and event.value and "target_title" in self.names:
            from wbtui.domain import kldb

            occupation = kldb.lookup(event.value)
            title = self.query_one("#f-target_title", Input)
            if occupation is not None and (not title.value.strip() or kldb_title(title.value)):
                title.value = occupation.title

    @on(Input.Changed)
    def _validate(self, event: Input.Changed) -> None:
        name = (event.input.id or "")[2:]
        if name in FIELDS:
            self._check(name, event.value)

    def _check(self, name: str, value: str) -> bool:
        error = self.query_one(f"#e-{name}", Label)
        field = self.query_one(f"#f-{name}")
        try:
            if value.strip() or FIELDS[name].required:
                parse_field(name, value)
                _plausible(name, value, self.ctx.today if self.store_ready else None)
        except WbtuiError as exc:
            error.update(Text(user_text(exc)))
            error.display = True
            field.add_class("-invalid")
            return False
        error.update("")
        error.display = False
        field.remove_class("-invalid")
        return True

    def _current(self, name: str) -> str:
        """What the form holds for ``name``, as text ``parse_field`` reads (a code for pick fields)."""
        widget = self.query_one(f"#f-{name}")
        if isinstance(widget, ChoiceField):
            return widget.value or ""
        return widget.value  # type: ignore[attr-defined]

    def _start(self, name: str) -> str:
        if name == "target_kldb":
            return _display(name, self.initial.get(name))
        vocabulary = labels.FIELD_VOCABULARY.get(name)
        if vocabulary:
            return _code(vocabulary, self.initial.get(name)) or ""
        return _display(name, self.initial.get(name))

    def values(self) -> dict[str, str]:
        """The fields to save: everything filled in (new case) or everything changed (edit)."""
        out = {}
        for name in self.names:
            value = self._current(name)
            if self.case_id is None and not value.strip():
                continue
            if self.case_id is not None and value == self._start(name):
                continue
            out[name] = value
        return out

    def _known(self, exc: Exception, values: dict) -> None:
        """A known person whose stored data the form would change (services/known_person.py): ask before
        taking the form's values, as ``--update-person`` does on the command line."""
        if getattr(exc, "key", None) != "err.person_differs":
            return
        from wbtui.screens.pickers import confirm

        def answered(answer: str | None) -> None:
            if answer == "yes":
                self.do(self.ctx.services.create_case, values, update_person=True, then=self._created)

        changes = str(getattr(exc, "params", {}).get("changes", ""))
        self.app.push_screen(confirm(t("ux.intake.update_person"), Text(changes), t("ux.intake.update_person_yes")),
                             answered)  # fmt: skip

    def changed(self) -> bool:
        return any(self._current(name) != self._start(name) for name in self.names)

    def action_save(self) -> None:
        values = self.values()
        bad = [name for name, value in values.items() if not self._check(name, value)]
        if bad:
            self.say(t("tui.intake.fix", fields=", ".join(t("field." + b) for b in bad)), error=True)
            self.query_one(f"#f-{bad[0]}").focus()
            return
        services = self.ctx.services
        if self.case_id is None:
            self.do(services.create_case, values, then=self._created, on_error=lambda exc: self._known(exc, values))
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
        """Esc: leave at once when nothing changed; otherwise ask (keep editing, discard, save)."""
        from wbtui.screens.pickers import leave_form

        leave_form(self, self.changed(), self.action_save)


def kldb_title(text: str) -> bool:
    """Whether ``text`` is an official occupation title (then a new pick may replace it)."""
    from wbtui.domain import kldb

    wanted = text.strip()
    return any(o.title == wanted for o in kldb._table().values())


def _code(vocabulary: str, value) -> str | None:
    if value is None or value == "":
        return None
    if vocabulary == "bool":
        return "ja" if value is True or value == "ja" else "nein"
    return str(value)


def _display(name: str, value) -> str:
    """A stored value as the form shows it, and reads back: dates as TT.MM.JJJJ (as typed at intake; the
    store and the case detail give them as ``date`` or ISO text), yes/no in the user's language."""
    if value is None:
        return ""
    if value is True:
        return t("tui.intake.yes")  # parse_field takes ja/nein and yes/no alike
    if value is False:
        return t("tui.intake.no")
    if FIELDS[name].kind == "date" or hasattr(value, "strftime"):
        return labels.date_text(value)
    return str(value)


def _plausible(name: str, value: str, today) -> None:
    """Checks the domain's field parser leaves to the front ends (README: a birth date cannot lie ahead)."""
    from wbtui.widgets.labels import check_plausible

    check_plausible(name, value, today)
