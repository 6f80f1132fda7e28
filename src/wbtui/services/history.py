"""Qualifications and work history of the person of a case (the Jobcenter's data, README "Documents"):
recorded once, printed on the Übergabebogen where the consent or the statute covers ``qualifikation``."""

from __future__ import annotations

import uuid
from datetime import date

from wbtui.data.models import VocationalQualification, WorkEpisode
from wbtui.domain.errors import WbtuiError
from wbtui.domain.text import clean, clean_opt
from wbtui.domain.vocab import QUALIFICATION_RECOGNITION as RECOGNITION
from wbtui.services.base import ServiceBase


class HistoryCommands(ServiceBase):
    def add_qualification(
        self,
        case_id: uuid.UUID,
        title: str,
        *,
        kldb_code: str | None = None,
        country: str | None = None,
        recognition: str = "n/a",
        year: int | None = None,
    ) -> uuid.UUID:
        """A vocational qualification (Berufsabschluss) of the case's person."""
        title = clean(title)
        if not title:
            raise WbtuiError("err.field_required", field="title")
        if recognition not in RECOGNITION:
            raise WbtuiError("err.bad_choice", field="--recognition", value=recognition, choices=", ".join(RECOGNITION))
        if year is not None and not 1950 <= year <= self.today().year:
            raise WbtuiError("err.bad_int", field="--year", value=str(year))
        code = self._kldb(kldb_code)
        with self._tx() as s:
            case, person = self._load(s, case_id)
            # the Jobcenter's (README "Permission table"), synced as a row of the person (schema 5)
            self._check_write("qualification", ["title", "kldb_code", "country", "recognition_status", "year"], case,
                              new_row=True)  # fmt: skip
            row = VocationalQualification(person_id=person.id, title=title, kldb_code=code,
                                          country=clean_opt(country), recognition_status=recognition, year=year)  # fmt: skip
            s.add(row)
            self._touch(case)
            self._event(s, case, "intake_updated", fields=["qualification"])
            return row.id

    def add_work_episode(
        self,
        case_id: uuid.UUID,
        title: str,
        *,
        kldb_code: str | None = None,
        date_from: date | None = None,
        date_to: date | None = None,
    ) -> uuid.UUID:
        """A period of work (Berufserfahrung) of the case's person."""
        title = clean(title)
        if not title:
            raise WbtuiError("err.field_required", field="title")
        if date_from and date_to and date_to < date_from:
            raise WbtuiError("err.absence_order")
        code = self._kldb(kldb_code)
        with self._tx() as s:
            case, person = self._load(s, case_id)
            self._check_write("work_episode", ["title", "kldb_code", "date_from", "date_to"], case, new_row=True)
            row = WorkEpisode(person_id=person.id, title=title, kldb_code=code, date_from=date_from, date_to=date_to)
            s.add(row)
            self._touch(case)
            self._event(s, case, "intake_updated", fields=["work_history"])
            return row.id

    @staticmethod
    def _kldb(code: str | None) -> str | None:
        from wbtui.domain.fields import parse_field

        return parse_field("target_kldb", code) if code else None  # type: ignore[return-value]
