"""Qualifications and work history of the person of a case (the Jobcenter's data, README "Documents"):
recorded, corrected and removed by the Jobcenter, printed on the Übergabebogen where the consent or the
statute covers ``qualifikation``."""

from __future__ import annotations

import uuid
from datetime import date

from wbtui.data.models import VocationalQualification, WorkEpisode
from wbtui.domain.errors import NotFound, WbtuiError
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
        values = self._qualification(title, kldb_code, country, recognition, year)
        with self._tx() as s:
            case, person = self._load(s, case_id)
            # the Jobcenter's (README "Permission table"), synced as a row of the person (schema 5)
            self._check_write("qualification", list(values), case, new_row=True)
            row = VocationalQualification(person_id=person.id, **values)
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
        values = self._work(title, kldb_code, date_from, date_to)
        with self._tx() as s:
            case, person = self._load(s, case_id)
            self._check_write("work_episode", list(values), case, new_row=True)
            row = WorkEpisode(person_id=person.id, **values)
            s.add(row)
            self._touch(case)
            self._event(s, case, "intake_updated", fields=["work_history"])
            return row.id

    def update_qualification(
        self,
        case_id: uuid.UUID,
        row_id: uuid.UUID,
        title: str,
        *,
        kldb_code: str | None = None,
        country: str | None = None,
        recognition: str = "n/a",
        year: int | None = None,
    ) -> list[str]:
        """Correct a qualification of the case's person (every value as it is to be); returns the fields
        that changed (none changed: nothing written)."""
        values = self._qualification(title, kldb_code, country, recognition, year)
        return self._update(VocationalQualification, "qualification", case_id, row_id, values)

    def update_work_episode(
        self,
        case_id: uuid.UUID,
        row_id: uuid.UUID,
        title: str,
        *,
        kldb_code: str | None = None,
        date_from: date | None = None,
        date_to: date | None = None,
    ) -> list[str]:
        """Correct a period of work of the case's person; returns the fields that changed."""
        values = self._work(title, kldb_code, date_from, date_to)
        return self._update(WorkEpisode, "work_episode", case_id, row_id, values)

    def remove_qualification(self, case_id: uuid.UUID, row_id: uuid.UUID) -> None:
        """Remove a qualification entered by mistake: marked removed today (synced; the protocol deletes no
        rows), in no view or document from then on (:mod:`wbtui.data.detail`, the Übergabebogen)."""
        self._update(VocationalQualification, "qualification", case_id, row_id, {"removed_on": self.today()})

    def remove_work_episode(self, case_id: uuid.UUID, row_id: uuid.UUID) -> None:
        """Remove a period of work entered by mistake (as :meth:`remove_qualification`)."""
        self._update(WorkEpisode, "work_episode", case_id, row_id, {"removed_on": self.today()})

    def _update(self, model, entity: str, case_id: uuid.UUID, row_id: uuid.UUID, values: dict) -> list[str]:
        with self._tx() as s:
            case, person = self._load(s, case_id)
            row = s.get(model, row_id)
            if row is None or row.person_id != person.id or row.removed_on is not None:  # this person's, not removed
                raise NotFound("err.history_not_found", ref=row_id.hex[:8])
            changed = [name for name, value in values.items() if getattr(row, name) != value]
            if not changed:
                return []
            # the same rule as adding (the Jobcenter's data), for the fields written: the server checks it again
            self._check_write(entity, changed, case)
            for name in changed:
                setattr(row, name, values[name])
            self._touch(case)
            self._event(s, case, "intake_updated", fields=[HISTORY_FIELD[entity]])
            return changed

    def _qualification(self, title, kldb_code, country, recognition, year) -> dict:
        title = clean(title)
        if not title:
            raise WbtuiError("err.field_required", field="title")
        if recognition not in RECOGNITION:
            raise WbtuiError("err.bad_choice", field="--recognition", value=recognition, choices=", ".join(RECOGNITION))
        if year is not None and not 1950 <= year <= self.today().year:
            raise WbtuiError("err.bad_int", field="--year", value=str(year))
        return {"title": title, "kldb_code": self._kldb(kldb_code), "country": clean_opt(country),
                "recognition_status": recognition, "year": year}  # fmt: skip

    def _work(self, title, kldb_code, date_from, date_to) -> dict:
        title = clean(title)
        if not title:
            raise WbtuiError("err.field_required", field="title")
        if date_from and date_to and date_to < date_from:
            raise WbtuiError("err.work_order")
        return {"title": title, "kldb_code": self._kldb(kldb_code), "date_from": date_from, "date_to": date_to}

    @staticmethod
    def _kldb(code: str | None) -> str | None:
        from wbtui.domain.fields import parse_field

        return parse_field("target_kldb", code) if code else None  # type: ignore[return-value]


# what the timeline entry of a change names (as when the row was added)
HISTORY_FIELD = {"qualification": "qualification", "work_episode": "work_history"}
