"""Consent manager (Einwilligungen): what the person agreed to, for whom and which data groups;
record a new consent, revoke one, and see at once what it allows or blocks (handover, conferences)."""

from __future__ import annotations

import uuid

from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, VerticalScroll
from textual.widgets import DataTable, Footer, Label, Select, SelectionList, Static

from wbtui.domain.errors import WbtuiError
from wbtui.domain.fields import parse_date
from wbtui.i18n import describe, lazy_t, render_reason, t
from wbtui.screens.base import WbtuiScreen
from wbtui.screens.handover import NO_BASIS
from wbtui.services import CONSENT_PURPOSES, CONSENT_RECIPIENTS, DATA_GROUPS
from wbtui.widgets.inputs import SafeInput
from wbtui.widgets.safe import cursor_key, fmt_date, safe
from wbtui.widgets.tables import fill_table


class ConsentScreen(WbtuiScreen):
    HELP = lazy_t("tui.help.consent")
    BINDINGS = [
        Binding("ctrl+s,f10", "save", lazy_t("tui.key.save"), id="consent.save"),
        Binding("ctrl+r", "revoke", lazy_t("tui.key.revoke"), id="consent.revoke"),
        Binding("escape", "back", lazy_t("tui.key.back"), id="consent.back"),
    ]

    def __init__(self, case_id: str) -> None:
        super().__init__()
        self.case_id = case_id

    def compose(self) -> ComposeResult:
        yield Label(t("tui.consent.title"), classes="title")
        yield Static("", id="effects")
        yield DataTable(id="consents", cursor_type="row", zebra_stripes=True)
        with VerticalScroll(id="cbody"):
            yield Label(t("tui.consent.new"), classes="section")
            yield Select(
                [(t("tui.consent.purpose." + p), p) for p in CONSENT_PURPOSES],
                value="fbw_uebergabe",
                allow_blank=False,
                id="purpose",
            )
            with Horizontal():
                yield SelectionList(
                    *[(t("tui.consent.recipient." + r), r, r == "agentur") for r in CONSENT_RECIPIENTS], id="recipients"
                )
                yield SelectionList(
                    *[(t("tui.consent.group." + g), g, g != "gesundheit") for g in DATA_GROUPS], id="groups"
                )
            yield Select(
                [(t("tui.consent.form." + f), f) for f in ("schriftlich", "elektronisch")],
                value="schriftlich",
                allow_blank=False,
                id="form",
            )
            yield Label(t("tui.consent.given_on"))
            yield SafeInput(placeholder=t("tui.hint.date"), id="given")
            yield Label(t("tui.consent.valid_until"))
            yield SafeInput(placeholder=t("tui.hint.date"), id="until")
            yield Label(t("tui.consent.document"))
            yield SafeInput(id="docref")
        yield Footer()

    def on_mount(self) -> None:
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
            self.app.call_from_thread(self.say, describe(exc), error=True)
            return
        self.app.call_from_thread(self._fill, detail, handover, conference)

    def _fill(self, detail: dict, handover: list, conference: list) -> None:
        today = self.ctx.today.isoformat()
        rows = []
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
        fill_table(self.query_one(DataTable), self._columns(), rows)
        self.query_one("#effects", Static).update(self._effects(handover, conference))

    @staticmethod
    def _effects(handover: list, conference: list) -> Text:
        out = Text()
        consent_reasons = [(k, p) for k, p in handover if k == NO_BASIS]  # the one that consent can lift
        if consent_reasons:
            out.append(
                "✗ "
                + t("tui.consent.effect.handover")
                + ": "
                + "; ".join(render_reason(k, p) for k, p in consent_reasons)
                + "\n",
                "red",
            )
        else:
            out.append("✓ " + t("tui.consent.effect.handover_ok") + "\n", "green")
        if conference:
            out.append(
                "✗ "
                + t("tui.consent.effect.conference")
                + ": "
                + "; ".join(render_reason(k, p) for k, p in conference)
                + "\n",
                "red",
            )
        else:
            out.append("✓ " + t("tui.consent.effect.conference_ok") + "\n", "green")
        return out

    def action_save(self) -> None:
        try:
            given = parse_date(self.query_one("#given", SafeInput).value, field=t("tui.consent.given_on"))
            until = parse_date(self.query_one("#until", SafeInput).value, field=t("tui.consent.valid_until"))
        except WbtuiError as exc:
            self.say(describe(exc), error=True)
            return
        values = {
            "purpose": str(self.query_one("#purpose", Select).value),
            "recipients": list(self.query_one("#recipients", SelectionList).selected),
            "data_groups": list(self.query_one("#groups", SelectionList).selected),
            "form": str(self.query_one("#form", Select).value),
            "given_on": given,
            "valid_until": until,
            "document_ref": self.query_one("#docref", SafeInput).value or None,
        }
        self.do(
            self.ctx.services.add_consent,
            uuid.UUID(self.case_id),
            **values,
            then=lambda _id: (self.say(t("tui.consent.saved")), self.reload()),
        )

    def action_revoke(self) -> None:
        key = cursor_key(self.query_one(DataTable))
        if not key:
            return
        self.do(
            self.ctx.services.revoke_consent,
            uuid.UUID(self.case_id),
            key,
            then=lambda _r: (self.say(t("tui.consent.revoked_now")), self.reload()),
        )

    def action_back(self) -> None:
        self.app.pop_screen()
