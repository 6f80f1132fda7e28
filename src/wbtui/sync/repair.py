"""Bringing cases back to the server's version (:mod:`wbtui.sync.client`): after a refused change (the local
values live on in the conflict records, ``wbtui sync conflicts``) and for ``wbtui sync verify`` (a digest
per case; the server's snapshot of each case that differs is merged)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from wbtui.sync import protocol
from wbtui.sync.merge import Merger, local_digests
from wbtui.sync.orphans import commit_page
from wbtui.sync.transport import Summary, Transport


class Repair(Transport):
    """The repair half of :class:`wbtui.sync.client.SyncClient` (catching up through the client's ``_sync``)."""

    _sync: Callable[[Summary, Any], None]

    def verify(self) -> dict:
        """Divergence check (``sync verify``): send a digest per case, merge the server's snapshot of each
        case that differs. Cases with unsent changes are skipped (they differ by design). Counts as
        repaired only what the snapshot actually changed here."""
        report = {"checked": 0, "mismatched": 0, "repaired": 0, "not_held": 0}

        def work():
            self._sync(Summary(), None)  # first catch up: a digest compares settled states
            con = self.store.raw()
            try:
                digests = local_digests(con, self.schema_version)
            finally:
                con.close()
            ids = sorted(digests)
            for start in range(0, len(ids), 500):
                chunk = {c: digests[c] for c in ids[start : start + 500]}
                answer = self._post("/sync/v1/verify", {"schema_version": self.schema_version, "cases": chunk})
                report["checked"] += answer.get("checked", 0)
                report["not_held"] += len(answer.get("not_held", []))
                report["mismatched"] += len(answer.get("mismatched", []))
                report["repaired"] += self._apply_snapshots(answer.get("snapshots") or [], Summary())

        self._guard(work)
        return report

    def _repair(self, summary: Summary, refused: list[dict]) -> None:
        """Bring every case a refused change touched back to the server's version (the local values live
        on in the conflict records), and file a case taken in twice under the person already known."""
        from wbtui.sync.identity import relink_duplicate_person

        relinked = set()
        for change in refused:
            if change.get("reason") == "duplicate_person" and change.get("entity") == "person":
                existing = (change.get("detail") or {}).get("existing")
                if isinstance(existing, str) and relink_duplicate_person(self.store, change["row_id"], existing):
                    relinked.add(change.get("tx"))
                    summary.relinked += 1
        cases = sorted(
            {c["case_id"] for c in refused if c.get("case_id") and (c.get("tx") is None or c.get("tx") not in relinked)}
        )
        rows = frozenset((c["entity"], c["row_id"]) for c in refused if c.get("op") == "set")
        for start in range(0, len(cases), 500):
            chunk = dict.fromkeys(cases[start : start + 500], "repair")
            answer = self._post("/sync/v1/verify", {"schema_version": self.schema_version, "cases": chunk})
            summary.repaired += self._apply_snapshots(
                answer.get("snapshots") or [], summary, force=rows, refused=refused
            )

    def _apply_snapshots(self, snapshots: list[dict], summary: Summary, *, force=frozenset(), refused=()) -> int:
        """Merge snapshots of whole cases; rows a refused change created and the server does not hold go.
        Returns how many cases changed here."""
        changed = 0
        with self.store.transaction() as con:
            con.execute("PRAGMA defer_foreign_keys = ON")
            merger = Merger(con, self.schema_version, summary)
            for snap in snapshots:
                before = local_digests(con, self.schema_version, [snap["case_id"]]).get(snap["case_id"])
                held = {(r["entity"], r["row_id"]): r["fields"] for r in snap.get("rows", [])}
                mine = [c for c in refused if c.get("case_id") == snap["case_id"] and c.get("op") == "set"]
                for change in mine:  # first: a refused local row may block the server's (one obstacle per code)
                    if (change.get("entity"), change.get("row_id")) not in held:
                        _drop_unheld_row(con, change.get("entity"), change.get("row_id"))
                merger.apply({**snap, "kind": "grant"}, force=force)
                summary.grants -= 1  # a repair is not a new grant
                for change in mine:  # fields the refused change set and the server never held go back to empty
                    row = (change.get("entity"), change.get("row_id"))
                    if row in held:
                        _clear_fields(con, *row, [f for f in change.get("fields") or {} if f not in held[row]])
                after = local_digests(con, self.schema_version, [snap["case_id"]]).get(snap["case_id"])
                changed += before != after
            merger.finish()
            commit_page(con, summary)  # a row whose parent never came is quarantined (sync/orphans.py)
        return changed


def twice_taken(change: dict, refused: list[dict]) -> bool:
    """A change of a local transaction the server refused because its person is known already."""
    txs = {c.get("tx") for c in refused if c.get("reason") == "duplicate_person" and c.get("tx") is not None}
    return change.get("reason") == "duplicate_person" or (change.get("tx") is not None and change.get("tx") in txs)


def _drop_unheld_row(con, entity: str, row_id: str) -> None:
    """A row this device created and the server refused: it goes here too (its content is in the conflict record)."""
    from wbtui.data.erase import delete_case, delete_row

    if entity == "case":
        delete_case(con, row_id, keep_conflicts=True)
        return
    table = protocol.REGISTER_TABLES.get(entity)
    if table is not None and entity != "person":
        delete_row(con, table, row_id, keep_conflicts=True)


def _clear_fields(con, entity: str, row_id: str, names: list[str]) -> None:
    from wbtui.domain.entities import ENTITIES

    table = protocol.REGISTER_TABLES.get(entity)
    for name in names:
        col = ENTITIES[entity].cols.get(name)
        if table is None or col is None or col.required:
            continue
        con.execute(f"UPDATE {table} SET {name} = NULL WHERE id = ?", (row_id,))
        con.execute("DELETE FROM field_clock WHERE entity = ? AND row_id = ? AND field = ?", (entity, row_id, name))
