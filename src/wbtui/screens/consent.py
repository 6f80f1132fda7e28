"""Consent manager (Einwilligungen): what the person agreed to, for whom and which data groups;
record a new consent, revoke one, and see at once what it allows or blocks (handover, conferences)."""

from __future__ import annotations

import uuid
from typing import Any

from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, VerticalScroll
from textual.widgets import DataTable, Label, Static

from wbtui.domain.errors import WbtuiError
from wbtui.domain.fields import parse_date
from wbtui.domain.text import clean
from wbtui.i18n import lazy_t, render_reasons, t
from wbtui.screens.base import WbtuiScreen
from wbtui.screens.handover import NO_BASIS
from wbtui.services import CONSENT_RECIPIENTS, DATA_GROUPS
from wbtui.widgets import labels
from wbtui.widgets.choice import CheckList, ChoiceField, choice_row
from wbtui.widgets.errors import user_text
from wbtui.widgets.glyphs import glyph
from wbtui.widgets.inputs import SafeInput
from wbtui.widgets.keybar import KeyBar
from wbtui.widgets.safe import cursor_key, fmt_date, safe
from wbtui.widgets.tables import cursor_state, fill_table


class ConsentScreen(WbtuiScreen):
    LOADS = True  # keys typed ahead wait for the first fill (screens/typeahead.py)
    HELP = lazy_t("tui.help.consent")
    BINDINGS = [
        Binding("ctrl+s,f10", "save", lazy_t("tui.key.save"), id="consent.save"),
        Binding("ctrl+r", "revoke", lazy_t("tui.key.revoke"), id="consent.revoke"),
        Binding("escape", "back", lazy_t("tui.key.back"), id="consent.back"),
    ]

    def __init__(self, case_id: str) -> None:
        super().__init__()
        self.case_id = case_id
        self.consents: dict[str, dict] = {}
        self.data: tuple | None = None  # the last load, for a refit on resize

    def compose(self) -> ComposeResult:
        yield Label(t("tui.consent.title"), classes="title")
        yield Static("", id="effects")
        yield DataTable(id="consents", cursor_type="row", zebra_stripes=True)
        with VerticalScroll(id="cbody"):
            yield Label(t("tui.consent.new"), classes="section")
            yield from choice_row(
                t("tui.consent.purpose"), "consent_purpose", "fbw_uebergabe", allow_blank=False, id="purpose"
            )
            with Horizontal(classes="checks"):
                yield CheckList(
                    *[(t("tui.consent.recipient." + r), r, r == "agentur") for r in CONSENT_RECIPIENTS], id="recipients"
                )
                yield CheckList(
                    *[(t("tui.consent.group." + g), g, g != "gesundheit") for g in DATA_GROUPS], id="groups"
                )
            yield from choice_row(t("ux.consent.form"), "consent_form", "schriftlich", allow_blank=False, id="form")
            for key, widget_id, hint in (
                ("tui.consent.given_on", "given", t("tui.hint.date")),
                ("tui.consent.valid_until", "until", t("tui.hint.date")),
                ("tui.consent.document", "docref", ""),
                ("ux.consent.persons", "persons", t("ux.consent.persons_hint")),
            ):
                with Horizontal(classes="form-row"):
                    yield Label(t(key), classes="form-label")
                    yield SafeInput(placeholder=hint, id=widget_id)
        yield KeyBar()

    def on_mount(self) -> None:
        self.initial_form = self._form_state()
        table = self.query_one(DataTable)
        fill_table(table, self._columns(), [])
        table.focus()
        self.reload()

    def on_screen_resume(self) -> None:
        self.reload()

    @staticmethod
    def _columns() -> list[tuple[str, str]]:
        return [
            ("ID", "id"),
            (t("tui.consent.state"), "state"),
            (t("tui.consent.purpose"), "purpose"),
            (t("tui.consent.recipients"), "to"),
            (t("tui.consent.groups"), "groups"),
        ]

    @work(thread=True, exclusive=True, group="consents", exit_on_error=False)
    def reload(self) -> None:
        ctx = self.ctx
        case_id = uuid.UUID(self.case_id)
        try:
            detail = ctx.services.read_case(case_id, ctx.engine, purpose="einwilligung")
            handover = ctx.services.handover_check(case_id)
            conference = ctx.services.conference_gate(case_id, "ohne_person")
        except WbtuiError as exc:
            self.app.call_from_thread(self.load_failed, user_text(exc))
            return
        self.show_loaded(self._fill, detail, handover, conference)

    def on_resize(self) -> None:
        if self.data is not None:  # the table refits to the new width (widgets/tables.py)
            self._fill(*self.data)

    def _fill(self, detail: dict, handover: list, conference: list) -> None:
        self.loaded()
        self.data = (detail, handover, conference)
        today = self.ctx.today.isoformat()
        rows = []
        table = self.query_one(DataTable)
        keep = cursor_state(table)
        self.consents = {c["id"]: c for c in detail["consents"]}
        person = detail.get("person") or {}
        self.person_name = clean(
            f"{person.get('family_name', '')}, {person.get('given_names', '')} ({person.get('kundennummer', '')})"
        )
        for c in detail["consents"]:
            if c["revoked_on"]:
                state = Text(t("tui.consent.revoked", date=fmt_date(c["revoked_on"])), style="dim")
            elif c["valid_until"] and c["valid_until"] < today:
                state = Text(t("tui.consent.expired"), style="yellow")
            else:
                state = Text(t("tui.consent.given", date=fmt_date(c["given_on"])), style="green")
            rows.append(
                (
                    (
                        safe(c["id"][:8]),
                        state,
                        Text(t("tui.consent.purpose_short." + c["purpose"])),
                        safe(", ".join(t("tui.consent.recipient_short." + r) for r in c["recipients"])),
                        safe(", ".join(t("tui.consent.group_short." + g) for g in c["data_groups"])),
                    ),
                    c["id"],
                )
            )
        fill_table(table, self._columns(), rows, width=self.app.size.width, flex=4, keep=keep)
        self.query_one("#effects", Static).update(self._effects(handover, conference))

    @staticmethod
    def _effects(handover: list, conference: list) -> Text:
        """What the consents allow: the handover (only the refusal a consent can lift) and the case
        conference, each a red line with its reasons or a green one."""
        out = Text()
        consent_reasons = [(k, p) for k, p in handover if k == NO_BASIS]  # the one that consent can lift
        for reasons, blocked, allowed in (
            (consent_reasons, "tui.consent.effect.handover", "tui.consent.effect.handover_ok"),
            (conference, "tui.consent.effect.conference", "tui.consent.effect.conference_ok"),
        ):
            if reasons:
                why = render_reasons(reasons)
                out.append(f"{glyph('no')} {t(blocked)}: {why}\n", "red")
            else:
                out.append(f"{glyph('ok')} {t(allowed)}\n", "green")
        return out

    def action_save(self) -> None:
        try:
            given = parse_date(self.query_one("#given", SafeInput).value, field=t("tui.consent.given_on"))
            until = parse_date(self.query_one("#until", SafeInput).value, field=t("tui.consent.valid_until"))
        except WbtuiError as exc:
            self.say(user_text(exc), error=True)
            return
        values: dict[str, Any] = {
            "purpose": str(self.query_one("#purpose", ChoiceField).value),
            "recipients": list(self.query_one("#recipients", CheckList).selected),
            "data_groups": list(self.query_one("#groups", CheckList).selected),
            "form": str(self.query_one("#form", ChoiceField).value),
            "given_on": given,
            "valid_until": until,
            "document_ref": self.query_one("#docref", SafeInput).value or None,
            # released from confidentiality by name (a Fallkonferenz participant bound by professional secrecy)
            "persons": [p.strip() for p in self.query_one("#persons", SafeInput).value.split(";") if p.strip()],
        }
        saved = self._form_state()
        said = self.then_say("tui.consent.saved", self.reload)

        def then(result: object) -> None:
            # what is on the form now is recorded: it counts as unchanged, so Esc does not offer to record it twice
            self.initial_form = saved
            said(result)

        self.do(self.ctx.services.add_consent, uuid.UUID(self.case_id), **values, then=then)

    def action_revoke(self) -> None:
        """Revoke the highlighted consent, after asking (it cannot be taken back)."""
        key = cursor_key(self.query_one(DataTable))
        if not key:
            return
        from wbtui.screens.pickers import confirm

        row = self.consents.get(key, {})
        body = Text(getattr(self, "person_name", ""), style="bold")  # whose consent: the person first
        body.append("\n")
        body.append(
            ", ".join(
                [
                    labels.label("consent_purpose", row.get("purpose")),
                    ", ".join(labels.label("consent_recipient", r) for r in row.get("recipients", [])),
                ]
            ),
            style="bold",
        )
        body.append("\n" + t("ux.confirm.revoke.body"))

        def answered(answer: str | None) -> None:
            if answer == "yes":
                self.do(
                    self.ctx.services.revoke_consent,
                    uuid.UUID(self.case_id),
                    key,
                    then=self.then_say("tui.consent.revoked_now", self.reload),
                )

        self.app.push_screen(confirm(t("ux.confirm.revoke.title"), body, t("ux.confirm.revoke.yes")), answered)

    def _form_state(self) -> tuple:
        return (
            self.query_one("#purpose", ChoiceField).value,
            tuple(sorted(self.query_one("#recipients", CheckList).selected)),
            tuple(sorted(self.query_one("#groups", CheckList).selected)),
            self.query_one("#form", ChoiceField).value,
            *(self.query_one(f"#{name}", SafeInput).value for name in ("given", "until", "docref", "persons")),
        )

    def action_back(self) -> None:
        """Esc: leave at once when the new-consent form is untouched; otherwise ask (keep, discard, save)."""
        from wbtui.screens.pickers import leave_form

        leave_form(self, self._form_state() != self.initial_form, self.action_save)
