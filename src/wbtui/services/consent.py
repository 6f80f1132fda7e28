"""Consents (Einwilligungen) of the person: record and revoke (coverage rule: :mod:`wbtui.domain.consent`)."""

from __future__ import annotations

import uuid
from datetime import date

from wbtui.data.models import (
    Consent,
)
from wbtui.domain.errors import NotFound, WbtuiError
from wbtui.domain.text import clean, clean_opt
from wbtui.domain.vocab import (
    CONSENT_PURPOSES,
    CONSENT_RECIPIENTS,
    DATA_GROUPS,
)
from wbtui.services.base import ServiceBase


class ConsentCommands(ServiceBase):
    # -- consent ---------------------------------------------------------------
    def add_consent(
        self,
        case_id: uuid.UUID,
        *,
        purpose: str,
        recipients: list[str],
        data_groups: list[str],
        given_on: date | None = None,
        valid_until: date | None = None,
        form: str = "schriftlich",
        document_ref: str | None = None,
        persons: list[str] | None = None,
    ) -> uuid.UUID:
        """A consent; ``persons``: those it releases from confidentiality by name (a Fallkonferenz
        participant bound by professional secrecy, domain/conference.py)."""
        if purpose not in CONSENT_PURPOSES:
            raise WbtuiError("err.bad_choice", field="purpose", value=purpose, choices=", ".join(CONSENT_PURPOSES))
        for r in recipients:
            if r not in CONSENT_RECIPIENTS:
                raise WbtuiError("err.bad_choice", field="recipients", value=r, choices=", ".join(CONSENT_RECIPIENTS))
        for g in data_groups:
            if g not in DATA_GROUPS:
                raise WbtuiError("err.bad_choice", field="data_groups", value=g, choices=", ".join(DATA_GROUPS))
        if not recipients or not data_groups:
            raise WbtuiError("err.consent_scope")
        if form not in ("schriftlich", "elektronisch"):
            raise WbtuiError("err.bad_choice", field="form", value=form, choices="schriftlich, elektronisch")
        named = sorted({clean_opt(p) or "" for p in persons or ()} - {""})
        if len(named) > 20 or any(len(p) > 100 for p in named):
            raise WbtuiError("err.consent_persons")
        given = given_on or self.today()
        if given > self.today():
            raise WbtuiError("err.consent_future")
        if valid_until is not None and valid_until < given:
            raise WbtuiError("err.consent_validity")
        with self._tx() as s:
            case, person = self._load(s, case_id)
            self._check_write("consent", ["purpose", "recipients", "data_groups", "given_on"], case, new_row=True)
            consent = Consent(
                person_id=person.id,
                purpose=purpose,
                recipients=sorted(set(recipients)),
                data_groups=sorted(set(data_groups)),
                form=form,
                given_on=given,
                valid_until=valid_until,
                document_ref=clean_opt(document_ref),
                persons=named,
            )
            s.add(consent)
            s.flush()
            self._touch(case)
            self._event(
                s,
                case,
                "consent_recorded",
                consent=consent.id.hex[:8],
                purpose=purpose,
                recipients=consent.recipients,
                groups=consent.data_groups,
            )
            return consent.id

    def revoke_consent(self, case_id: uuid.UUID, consent_ref: str) -> None:
        from sqlmodel import select

        with self._tx() as s:
            case, person = self._load(s, case_id)
            self._check_write("consent", ["revoked_on"], case)
            consents = [
                c
                for c in s.exec(select(Consent).where(Consent.person_id == person.id)).all()
                if c.id.hex.startswith(consent_ref.lower().replace("-", ""))
            ]
            if len(consents) != 1:
                raise NotFound("err.consent_not_found", ref=clean(consent_ref))
            consent = consents[0]
            if consent.revoked_on is None:
                consent.revoked_on = self.today()
            self._touch(case)
            self._event(s, case, "consent_revoked", consent=consent.id.hex[:8])
