"""A push, checked by the server with the same rules the devices use (README "The server is the authority").

Changes arrive grouped by the local transaction they were made in (one user action: a transition and
the fields and rows it sets). The server accepts or refuses a transaction as a whole, and only it:

1. each change: known entity and fields, values as :mod:`wbtui.domain.entities` defines them (JSON keys
   and values cleaned at any depth), its clocks bound to the change's clock and within the drift window,
   the row bound to one case, the caller's organisation holding that case;
2. the transaction: every field written is allowed to the caller's side and role in the case's stage
   (:mod:`wbtui.domain.permissions`); a stage changes only by a transition the process allows
   (:func:`wbtui.domain.process.check_transition`, on the server's own view of the case); a new row
   carries its required fields; one obstacle per code per case; one person per Kundennummer and office;
3. last writer wins per field by (HLC, node) on the value the database holds (the case is locked);
   a free-text field overwritten without its writer having seen the value becomes a conflict every
   holder of the case reviews.

A refused transaction leaves nothing: no register, no feed entry. Its changes are answered
``rejected`` with a reason code; the answer is kept, so a retry after a lost response gets the same one.

The server's view of a case for the transition rules is :mod:`wbtui.server.case_view`; what a checked
transaction publishes to the feeds is :mod:`wbtui.server.publish`.

Size: over ~400 lines because every check of one local transaction (field permission, transition, row
validity, clocks, appointments, uniqueness) runs in one pass over the batch.
"""

from __future__ import annotations

import json
import re
import uuid
from dataclasses import dataclass, field
from datetime import UTC
from functools import cache

from wbtui.domain import process
from wbtui.domain.access import ART9_WRITE, CASE_ROLES, CASE_WRITE, has
from wbtui.domain.entities import ENTITIES, HEX32, OFFICE_SCOPE, PERSON_CHILDREN, check_row, check_value
from wbtui.domain.permissions import office_refusal, rule_for, side_of, write_refusal
from wbtui.domain.process import Stage
from wbtui.domain.upload import upload_write_refusal
from wbtui.server.auth import Principal
from wbtui.server.batch import Batch, as_datetime, is_art9, to_json
from wbtui.server.case_view import CaseView
from wbtui.server.feed import OWNER, RowMeta
from wbtui.server.models import now
from wbtui.server.office_time import OFFICE_TZ
from wbtui.server.publish import publish
from wbtui.server.rejection import Rejected
from wbtui.sync import protocol
from wbtui.sync.hlc import Clock, ClockDriftError, decode

HLC_TEXT = re.compile(r"^\d{16}-[0-9a-f]{4}-[A-Za-z0-9_-]{1,40}$")


@dataclass
class Unit:
    """What one local transaction did, gathered for the checks at its end."""

    who: Principal
    stage_before: dict[str, Stage | None] = field(default_factory=dict)  # case -> stage when the unit began
    new_rows: set[tuple[str, str]] = field(default_factory=set)
    writes: list[tuple[str, str, str, str, bool]] = field(default_factory=list)  # entity, row, field, case, upload
    won: dict[tuple[str, str], dict] = field(default_factory=dict)  # row -> {field: {"v", "hlc"}} that won
    events: list[tuple[str, dict]] = field(default_factory=list)  # case, event data
    appended: list[tuple[str, dict, bool]] = field(default_factory=list)  # case, event data, marked upload
    commands: list[tuple[str, str, dict]] = field(default_factory=list)  # name, case, args
    conflicts: list[dict] = field(default_factory=list)
    max_hlc: str = ""
    appointments: dict[str, str | None] = field(default_factory=dict)  # appointment row -> status before the unit
    written_rows: dict[tuple[str, str], set[str]] | None = None  # row -> fields, once writing is over (write_checks)
    windowed: set[str] = field(default_factory=set)  # cases whose upload an open upload window let through


class Push(CaseView):
    """One push request: a transaction on the server database, committed by the caller."""

    def __init__(self, s, who: Principal, version: int, clock: Clock, clock_lock) -> None:
        self.s, self.who, self.version = s, who, version
        self.batch = Batch(s, s.get_bind().dialect.name)
        self.clock, self.clock_lock = clock, clock_lock
        from wbtui.server import commands, coverage

        self.commands, self.coverage = commands, coverage
        self.entity_order, self.register_entities = protocol.ENTITY_ORDER, protocol.REGISTER_TABLES
        self.coverage_dirty: set[str] = set()  # cases whose legal basis or consents changed
        self.agencies: dict | None = None  # Agenturen by name, read once per push (server.commands)
        self.window: bool | None = None  # an upload window open for the token's login (read when needed)

    def run(self, changes: list[dict]) -> list[dict]:
        from wbtui.server import identity

        self.batch.load(changes)
        identity.prefetch(self, changes)
        results: list[dict] = []
        for group in _groups(changes):
            results += self._unit(group)
        self.coverage.settle(self)
        self.batch.write()
        return results

    # -- one local transaction ------------------------------------------------------------------------
    def _unit(self, changes: list[dict]) -> list[dict]:
        batch = self.batch
        answers: dict[int, dict] = {}
        fresh = []
        for i, change in enumerate(changes):
            change_id = change.get("change_id")
            if not isinstance(change_id, str) or not HEX32.match(change_id):
                answers[i] = {"change_id": change_id, "status": "rejected", "reason": "validation"}
                continue
            done = batch.applied.get(change_id)
            if done is not None:  # a retry: the original answer, whatever it was
                answers[i] = (
                    {**done["result"], "duplicate": True}
                    if done["org_id"] == self.who.org_id
                    else {"change_id": change_id, "status": "rejected", "reason": "forbidden"}
                )
                continue
            fresh.append((i, change))
        # one change id twice in a transaction (F7): the transaction is refused at once, answered and kept once
        # per id (its second record would collide in srv_applied and fail the push on every retry)
        first: dict[str, int] = {}
        repeats = {i: first.setdefault(change["change_id"], i) for i, change in fresh}
        fresh = [(i, change) for i, change in fresh if repeats[i] == i]
        if fresh:
            mark = batch.mark()
            unit = Unit(self.who)
            try:
                if len(fresh) < len(repeats):
                    raise Rejected("validation", field="change_id", problem="repeated")
                for i, change in fresh:
                    answers[i] = self._change(unit, change)
                self._check_unit(unit)
                self.commands.run(self, unit)
                publish(self, unit)
            except Rejected as exc:
                batch.rollback(mark)
                detail = {k: v for k, v in exc.detail.items() if isinstance(v, str | int | list)}
                for i, change in fresh:
                    answers[i] = {"change_id": change["change_id"], "status": "rejected", "reason": exc.reason}
                    if detail:
                        answers[i]["detail"] = detail
                batch.emit("audit", {"org_id": self.who.org_id, "user_id": self.who.user_id, "kind": "forbidden_write" if exc.reason in ("forbidden", "permission") else "rejected_write", "at": now(),
                                     "detail": json.dumps({"reason": exc.reason, "changes": len(fresh), **{k: v for k, v in detail.items() if k in ("field", "entity", "guard")}})})  # fmt: skip
            for i, change in fresh:
                batch.applied[change["change_id"]] = {"org_id": self.who.org_id, "result": answers[i]}
                batch.out["applied"].append(
                    {
                        "change_id": change["change_id"],
                        "org_id": self.who.org_id,
                        "result": json.dumps(answers[i]),
                        "received_at": now(),
                    }
                )
        for i, original in repeats.items():
            answers.setdefault(i, answers[original])
        return [answers[i] for i in range(len(changes))]

    def _change(self, unit: Unit, change: dict) -> dict:
        who, batch = self.who, self.batch
        op, entity, stamp = change.get("op"), change.get("entity"), change.get("hlc")
        if not isinstance(stamp, str) or not HLC_TEXT.match(stamp):
            raise Rejected("validation", field="hlc")
        try:
            decode(stamp)
            with self.clock_lock:
                self.clock.observe(stamp)
        except ClockDriftError:
            raise Rejected("clock_drift") from None
        except (ValueError, TypeError):
            raise Rejected("validation", field="hlc") from None
        unit.max_hlc = max(unit.max_hlc, stamp)
        if "push" not in who.scopes:
            raise Rejected("forbidden")
        if op == "command":
            name, args = _command_of(change)
            case_id = args.get("case_id")
            if not isinstance(case_id, str) or not HEX32.match(case_id):
                raise Rejected("validation", field="case_id")
            batch.load_cases([case_id])
            self._begin_case(unit, case_id)
            unit.commands.append((name, case_id, args))
            return {"change_id": change["change_id"], "status": "applied"}
        if who.role not in CASE_ROLES:
            raise Rejected("forbidden", reason_detail="role")
        if op not in ("set", "append") or entity not in ENTITIES:
            raise Rejected("schema")
        if ENTITIES[entity].office:
            return self._office_change(unit, change, entity, stamp)
        case_id, row_id = change.get("case_id"), change.get("row_id")
        if not (isinstance(case_id, str) and HEX32.match(case_id) and isinstance(row_id, str) and HEX32.match(row_id)):
            raise Rejected("validation", field="row_id")
        row = (entity, row_id)
        bound = batch.rows.get(row)
        if bound is not None and (entity == "person" or entity in PERSON_CHILDREN):
            case_id = (
                bound.case_id
            )  # a person (and the person's consents, qualifications …) stays filed under its first case
        elif bound is not None and bound.case_id != case_id:
            raise Rejected("forbidden", field="case_id")
        batch.load_cases([case_id])
        if case_id in batch.purged:
            raise Rejected("forbidden", detail="purged")  # erased: a late write must not bring it back
        holders = batch.grants.setdefault(case_id, {})
        if not holders:
            batch.set_grant(case_id, who.org_id, _owner())  # a new case belongs to the office creating it
        elif who.org_id not in holders:
            raise Rejected("forbidden")
        self._begin_case(unit, case_id)
        if bound is None:
            batch.bind(row, RowMeta(case_id, who.org_id, False))
            unit.new_rows.add(row)
        if op == "append":
            return self._append(unit, change, entity, row_id, case_id, stamp)
        return self._set(unit, change, entity, row_id, case_id, stamp)

    def _office_change(self, unit: Unit, change: dict, entity: str, stamp: str) -> dict:
        """A row of the office itself (an absence): filed under the writer's organisation, never a case's, so
        it reaches that organisation's devices only (README "Vertretung and reassignment")."""
        row_id, batch = change.get("row_id"), self.batch
        if not (isinstance(row_id, str) and HEX32.match(row_id)) or change.get("op") != "set":
            raise Rejected("validation", field="row_id")
        scope = OFFICE_SCOPE + self.who.org_id
        batch.load_cases([scope])  # the office's rows and their registers (no grant, no stage)
        row = (entity, row_id)
        bound = batch.rows.get(row)
        if bound is None:
            batch.bind(row, RowMeta(scope, self.who.org_id, False))
            unit.new_rows.add(row)
        elif bound.case_id != scope:
            raise Rejected("forbidden", field="row_id")  # another office's row
        return self._set(unit, change, entity, row_id, scope, stamp)

    def _begin_case(self, unit: Unit, case_id: str) -> None:
        if case_id not in unit.stage_before:
            stage = self.batch.field(("case", case_id), "stage")
            unit.stage_before[case_id] = Stage(stage) if stage in Stage.__members__.values() else None

    def _set(self, unit: Unit, change: dict, entity: str, row_id: str, case_id: str, stamp: str) -> dict:
        if ENTITIES[entity].append_only:
            raise Rejected("schema")
        fields = change.get("fields") or change.get("payload")
        allowed = _allowed(entity, self.version)
        if not isinstance(fields, dict) or not fields:
            raise Rejected("schema")
        unknown = set(fields) - allowed
        if unknown:
            raise Rejected("schema", field=sorted(unknown)[0])
        batch, row = self.batch, (entity, row_id)
        per_field = {}
        for name, spec in fields.items():
            if not isinstance(spec, dict) or "v" not in spec:
                raise Rejected("schema", field=name)
            if spec.get("hlc", stamp) != stamp:
                raise Rejected("clock", field=name)  # a field's clock is the clock of its change
            reason = check_value(entity, name, spec["v"])
            if reason is not None:
                raise Rejected("invalid", field=f"{entity}.{name}", problem=reason)
            unit.writes.append((entity, row_id, name, case_id, change.get("origin") == "upload"))
            value = to_json(spec["v"])
            current = batch.register((entity, row_id, name))
            if entity == "appointment":
                before = json.loads(current.value) if current is not None and current.value else None
                unit.appointments.setdefault(row_id, before if name == "status" else batch.field(row, "status"))
            review = name in ENTITIES[entity].review
            unseen = current is not None and spec.get("base") != current.hlc and current.value != value
            if current is None or stamp > current.hlc:
                if review and unseen and current is not None:
                    unit.conflicts.append(
                        _conflict(case_id, entity, row_id, name, kept=(value, stamp), lost=(current.value, current.hlc))
                    )
                batch.set_register((entity, row_id, name), value, stamp, change["change_id"], decoded=spec["v"])
                unit.won.setdefault(row, {})[name] = {"v": spec["v"], "hlc": stamp}
                per_field[name] = "applied"
            elif review and spec.get("base") != current.hlc and current.value != value:
                unit.conflicts.append(
                    _conflict(case_id, entity, row_id, name, kept=(current.value, current.hlc), lost=(value, stamp))
                )
                per_field[name] = "conflict"
            else:
                per_field[name] = "superseded"
        status = (
            "conflict"
            if "conflict" in per_field.values()
            else "applied"
            if "applied" in per_field.values()
            else "superseded"
        )
        return {"change_id": change["change_id"], "status": status, "fields": per_field}

    def _append(self, unit: Unit, change: dict, entity: str, row_id: str, case_id: str, stamp: str) -> dict:
        if not ENTITIES[entity].append_only:
            raise Rejected("schema")
        data = change.get("data") or (change.get("payload") or {}).get("data")
        allowed = _allowed(entity, self.version)
        if not isinstance(data, dict) or set(data) - allowed:
            raise Rejected("schema")
        problems = check_row(entity, data, new=True)
        if problems:
            name, problem = sorted(problems.items())[0]
            raise Rejected("invalid", field=f"{entity}.{name}", problem=problem)
        if data.get("case_id") != case_id:
            raise Rejected("invalid", field="event.case_id", problem="parent")
        row = (entity, row_id)
        if row not in self.batch.appends:
            # who wrote it is the login the token names, whatever the device says (F3); a first upload
            # keeps the history of its own store as it was recorded
            data = {**data, "actor": data.get("actor") if change.get("origin") == "upload" else self.who.login}
            unit.appended.append((case_id, data, change.get("origin") == "upload"))
            self.batch.add_append(row, {"case_id": case_id, "data": data, "hlc": stamp})
            unit.events.append((case_id, data))
            unit.won.setdefault(row, {})["__append__"] = {"data": data, "hlc": stamp}
        return {"change_id": change["change_id"], "status": "applied"}

    def upload_honoured(self, unit: Unit, case_id: str, marked: bool) -> bool:
        """The first upload of a store that worked without sync (README "The server is the authority"): taken
        as the office's own record only for a case this very transaction brings to the server, by a Jobcenter
        role that writes cases. Decided from the server's state; on any case it holds, the mark changes nothing."""
        return (
            marked
            and ("case", case_id) in unit.new_rows
            and side_of(self.who.role) == process.JC
            and has(self.who.role, CASE_WRITE)
        )

    def upload_window(self) -> bool:
        """Whether the administrator has opened an upload window for the token's login (server.admin), read
        once per push and only when an upload carries the other office's acts."""
        if self.window is None:
            from wbtui.server.models import SrvUploadWindow, window_open

            found = self.s.get(SrvUploadWindow, self.who.user_id)
            self.window = found is not None and window_open(found.closes_at)
        return self.window

    def window_taken(self, unit: Unit, case_id: str) -> bool:
        """An honoured upload's act of the other office, taken because a window is open: audited once per case
        (rolled back with a refused transaction)."""
        if not self.upload_window():
            return False
        if case_id not in unit.windowed:
            unit.windowed.add(case_id)
            self.batch.emit("audit", {"org_id": self.who.org_id, "user_id": self.who.user_id, "kind": "upload_window_used",
                                      "at": now(), "detail": json.dumps({"case": case_id})})  # fmt: skip
        return True

    # -- the checks at the end of a transaction ---------------------------------------------------------
    def _check_unit(self, unit: Unit) -> None:
        from wbtui.server import write_checks

        batch, role = self.batch, self.who.role
        write_checks.check_cases(self, unit)
        # per case, not per field: the stages and whether an upload is honoured do not change in this loop
        per_case: dict[str, tuple[Stage | None, Stage | None, bool]] = {}
        for entity, row_id, name, case_id, marked in unit.writes:
            known = per_case.get(case_id)
            if known is None:
                if case_id.startswith(OFFICE_SCOPE):
                    self._check_office_write(unit, entity, row_id, name)
                    continue
                before = unit.stage_before.get(case_id)
                after = _stage(batch.field(("case", case_id), "stage")) or before
                known = per_case[case_id] = (before, after, self.upload_honoured(unit, case_id, True))
            before, after, honoured = known
            row = (entity, row_id)
            art9_row = entity == "obstacle" and is_art9(entity, {"code": batch.field(row, "code"), "art9": batch.field(row, "art9")})  # fmt: skip
            if marked and honoured:
                # an existing store's first upload of a case new to the server: its own record, in any stage;
                # health data still needs art9.write (domain/permissions.py)
                if (rule_for(entity, name).art9 or art9_row) and not has(role, ART9_WRITE):
                    raise Rejected("permission", field=f"{entity}.{name}", problem="art9")
                value = batch.field(row, name)  # never the other office's data (attack 2 F3, domain/upload.py)
                refusal = None if value is None else upload_write_refusal(entity, name, value, side=side_of(role))
                if refusal and not self.window_taken(unit, case_id):
                    raise Rejected("permission", field=f"{entity}.{name}", problem=refusal)
                continue
            if row in unit.new_rows and batch.field(row, name) is None:
                continue  # a new row's empty field writes nothing
            meta = batch.rows.get(row)
            refusal = write_refusal(
                entity, name, role=role, new_row=row in unit.new_rows, stage_before=before, stage_after=after,
                art9_row=art9_row, own_row=bool(meta and meta.org_id == self.who.org_id),
                appointment_kind=batch.field(row, "kind") if entity == "appointment" else None,
            )  # fmt: skip
            if refusal:
                raise Rejected("permission", field=f"{entity}.{name}", problem=refusal)
        for row in sorted(unit.new_rows, key=lambda r: protocol.ENTITY_ORDER.index(r[0])):
            entity = row[0]
            if ENTITIES[entity].append_only:
                continue
            values = batch.values(row)
            # every value of a new row came with this transaction and passed check_value in _set
            problems = check_row(entity, values, new=True, values_checked=True)
            if problems:
                name, problem = sorted(problems.items())[0]
                raise Rejected("invalid", field=f"{entity}.{name}", problem=problem)
            self._unique(unit, row, values)
        # a Kundennummer changed on a person the server holds is unique as a new one's is (an attacker gave a
        # second person another's number: tests/server/test_attack2_values.py)
        renumbered = {r for e, r, name, _c, _m in unit.writes if e == "person" and name == "kundennummer"}
        for row_id in sorted(renumbered):
            if ("person", row_id) not in unit.new_rows:
                self._unique(
                    unit, ("person", row_id), {"kundennummer": batch.field(("person", row_id), "kundennummer")}
                )
        write_checks.check_rows(self, unit)
        self._check_appointments(unit)
        for case_id, before in unit.stage_before.items():
            after = _stage(batch.field(("case", case_id), "stage"))
            if before is None or after is None or after == before or ("case", case_id) in unit.new_rows:
                continue
            reasons = process.check_transition(self.facts(case_id, unit, stage=before), after, self.transition_input(case_id, unit, after),
                                               side=side_of(self.who.role))  # fmt: skip
            if reasons:
                raise Rejected("transition", guard=reasons[0][0], stage=after.value)

    def _check_office_write(self, unit: Unit, entity: str, row_id: str, name: str) -> None:
        """The permission table's rule for the office's own rows (domain/permissions.py office_refusal)."""
        row = (entity, row_id)
        before = self.batch.loaded.get((entity, row_id, "login"))
        logins = {self.batch.field(row, "login")} | ({json.loads(before[0])} if before and before[0] else set())
        refusal = office_refusal(
            entity, name, role=self.who.role, org_kind=self.who.org_kind, new_row=row in unit.new_rows,
            own=logins == {self.who.login},
        )  # fmt: skip
        if refusal:
            raise Rejected("permission", field=f"{entity}.{name}", problem=refusal)

    def _check_appointments(self, unit: Unit) -> None:
        """The rules of appointments (domain/appointments.py) on every appointment the unit wrote: who keeps
        the kind, in which stages, which status may follow which, a result only once the day has come."""
        from wbtui.domain.appointments import appointment_refusals

        for row_id, before in unit.appointments.items():
            values = self.batch.values(("appointment", row_id))
            case_id = self.batch.rows[("appointment", row_id)].case_id
            if self.upload_honoured(unit, case_id, True) and all(
                w[4] for w in unit.writes if w[0] == "appointment" and w[1] == row_id
            ):
                continue  # an uploaded store's appointments as they were kept (the case is new to the server)
            starts = as_datetime(values.get("starts_at"))
            if starts is not None and starts.tzinfo is None:
                starts = starts.replace(tzinfo=UTC)
            reasons = appointment_refusals(
                kind=values.get("kind"), side=side_of(self.who.role),
                stage=_stage(self.batch.field(("case", case_id), "stage")), status_before=before,
                status_after=values.get("status"), starts_at=starts.replace(tzinfo=UTC).astimezone(OFFICE_TZ).date() if starts else None,
                today=self.today(unit), reason=values.get("status_reason"),
            )  # fmt: skip
            if reasons:
                raise Rejected("transition", guard=reasons[0][0], field="appointment.status")

    def _unique(self, unit: Unit, row: tuple[str, str], values: dict) -> None:
        batch = self.batch
        entity, row_id = row
        case_id = batch.rows[row].case_id
        if entity == "obstacle":
            for other in batch.case_rows.get(case_id, ()):
                if other[0] == "obstacle" and other != row and batch.field(other, "code") == values.get("code"):
                    raise Rejected("duplicate", field="obstacle.code", existing=other[1])
        elif entity == "person":
            from wbtui.server import identity

            existing = identity.person_with_kundennummer(self, values.get("kundennummer"), exclude=row_id)
            if existing is not None:
                raise Rejected("duplicate_person", field="person.kundennummer", existing=existing)
        elif entity == "case":
            from wbtui.server import identity

            identity.flag_second_open_case(self, unit, row_id, values)


@cache
def _allowed(entity: str, version: int) -> frozenset[str]:
    """The fields a change of ``entity`` may name at sync schema ``version`` (asked once per change)."""
    return frozenset(protocol.fields_of(entity, version))


def _owner():
    from wbtui.server.feed import Grant

    return Grant(OWNER, frozenset())


def _stage(value) -> Stage | None:
    return Stage(value) if isinstance(value, str) and value in Stage.__members__.values() else None


def _command_of(change: dict) -> tuple[str, dict]:
    payload = change.get("payload") or {}
    name = change.get("name") or payload.get("name")
    args = change.get("args") or payload.get("args") or {}
    if not isinstance(name, str) or not isinstance(args, dict):
        raise Rejected("schema")
    return name, args


def _conflict(case_id: str, entity: str, row_id: str, name: str, kept, lost) -> dict:
    conflict_id = uuid.uuid4().hex
    return {
        "entity": entity, "row_id": row_id, "field": name,
        "row": {"conflict_id": conflict_id, "case_id": case_id, "entity": entity, "row_id": row_id, "field": name,
                "kept_value": kept[0], "kept_hlc": kept[1], "lost_value": lost[0], "lost_hlc": lost[1], "status": "open"},
        "entry": {"conflict_id": conflict_id, "field": name, "conflict_kind": "concurrent_edit",
                  "kept": {"v": json.loads(kept[0]) if kept[0] else None, "hlc": kept[1]},
                  "lost": {"v": json.loads(lost[0]) if lost[0] else None, "hlc": lost[1]}},
    }  # fmt: skip


def _groups(changes: list[dict]) -> list[list[dict]]:
    """Consecutive changes of one local transaction (``tx``) form a unit; older clients send none."""
    groups: list[list[dict]] = []
    last = object()
    for change in changes:
        tx = change.get("tx") if isinstance(change, dict) else None
        if tx is not None and tx == last and groups:
            groups[-1].append(change)
        else:
            groups.append([change] if isinstance(change, dict) else [{}])
        last = tx
    return groups
