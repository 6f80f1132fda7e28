"""The use cases for a long-lived front end (the TUI): reading a case on the raw SQLite path, the ORM write
side created at the first write (issue #16).

:class:`wbtui.services.Services` stands on SQLModel: importing it costs ~30 MB resident and its actor is looked
up through an ORM session. A caseworker who only opens cases and their read-only screens needs none of it, so
:class:`LazyServices` answers the reads itself — the case (:meth:`Reader.read_case
<wbtui.services.reads.Reader.read_case>`), its next steps, the handover check and the conference gate
(:mod:`wbtui.services.case_checks`), audit entries — and hands every other name to one :class:`Services`
made on first use. Both sides decide with the same functions, so a read answers the same either way.

No SQLModel here (tests/services/test_raw_case_reads.py).
"""

from __future__ import annotations

import threading
import uuid
from datetime import date, datetime
from typing import TYPE_CHECKING, Any

from wbtui.services import case_checks

if TYPE_CHECKING:
    from wbtui.services import Services
    from wbtui.services.reads import Reader


class LazyServices:
    """:class:`~wbtui.services.Services`' interface; the reads raw, everything else by the ORM write side."""

    def __init__(self, store, config, *, today: date | None = None, channel: str = "tui") -> None:
        from wbtui.services.reads import Reader

        self.store = store
        self.channel = channel
        self.catalog = config.catalog()
        self._config = config  # as given: Services applies what the server pinned itself, as the reader does
        self._today = today
        self._reader = Reader(store, config, channel=channel, today=today)
        self.config = self._reader.config
        self._services: Services | None = None
        self._making = threading.Lock()  # workers of several screens may write at once

    @property
    def reads(self) -> Reader:
        """The list use cases (:mod:`wbtui.services.reads`) for this store and user."""
        from wbtui.services.reads import Reader

        return Reader(self.store, self._config, channel=self.channel, today=self._today)

    @property
    def write_side(self) -> Services:
        """The ORM use cases, made once (SQLModel is imported here, in the worker that first writes)."""
        with self._making:
            if self._services is None:
                from wbtui.services import Services

                self._services = Services(self.store, self._config, today=self._today, channel=self.channel)
            return self._services

    def __getattr__(self, name: str) -> Any:
        # only names this class does not define: every write use case, the actor, the helpers of the ORM side
        if name.startswith("__"):
            raise AttributeError(name)
        return getattr(self.write_side, name)

    # -- the reads of a case, raw ----------------------------------------------------------------
    def today(self) -> date:
        return self._today or date.today()

    def read_case(self, case_id: uuid.UUID, engine, *, show_art9: bool = False, purpose: str | None = None) -> dict:
        return self._reader.read_case(case_id, engine, show_art9=show_art9, purpose=purpose)

    def next_steps(self, case_id: uuid.UUID) -> list:
        return case_checks.next_steps(self._reader, case_id, self.config.side)

    def handover_check(self, case_id: uuid.UUID) -> list:
        return case_checks.handover_check(self._reader, case_id)

    def conference_gate(self, case_id: uuid.UUID, variant: str, participants=()) -> list:
        return case_checks.conference_gate(self._reader, case_id, variant, participants)

    def open_break_glass(self, case_id: uuid.UUID, reason: str) -> datetime:
        return self._reader.open_break_glass(case_id, reason)

    def resolve(self, ref: str) -> uuid.UUID:
        return self._reader.resolve(ref)

    def check_read(self, case_id: uuid.UUID) -> None:
        from wbtui.data import access
        from wbtui.domain.access import CASE_READ

        con = self.store.raw()
        try:
            with self._reader._refusals_audited():
                access.check(con, self._reader.subject, case_id.hex, CASE_READ)
        finally:
            con.close()

    @property
    def who(self):
        return self._reader.who

    def audit(self, action: str, object_type: str, **kwargs) -> None:
        """Record a read-type action (list, search, export, print, copy, report) before it happens."""
        from wbtui.data import audit

        audit.record(self.store, self.who, action, object_type, **kwargs)

    def audit_list(self, what: str, count: int, *, search: str | None = None) -> None:
        from wbtui.data.audit import record_list

        record_list(self.store, self.who, what, count, search=search)

    def record_refusal(self, exc) -> None:
        from wbtui.data.audit import record_refusal

        record_refusal(self.store, self.who, exc)
