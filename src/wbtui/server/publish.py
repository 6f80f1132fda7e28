"""What a checked local transaction publishes (README "Consent projection"): a feed entry for every holder of
each case it wrote, cut to what that holder may receive (:mod:`wbtui.server.feed`), and its conflicts for
every holder that sees the field; a consent or legal basis it changed marks the person's cases for the
coverage to be settled (:mod:`wbtui.server.coverage`).
"""

from __future__ import annotations

from wbtui.domain.entities import OFFICE_SCOPE
from wbtui.server.feed import feed_row, project_append, project_set


def publish(push, unit) -> None:
    """Feed entries for every holder of each case, cut to what each may receive; the conflicts of the
    transaction for every holder that sees the field. ``push``: server.push.Push, ``unit``: its Unit."""
    batch = push.batch
    for (entity, row_id), fields in unit.won.items():
        meta = batch.rows.get((entity, row_id))
        if meta is None:
            continue  # the case was erased by a command of this transaction
        if meta.case_id.startswith(OFFICE_SCOPE):  # the office's own row: to its own devices only
            if "__append__" not in fields:
                batch.emit("feed", feed_row(push.who.org_id, "set", entity, row_id, meta.case_id, {"fields": fields}))
            continue
        if entity == "consent" or (entity == "case" and "legal_basis" in fields):
            from wbtui.server.identity import cases_of_person

            person_id = batch.field((entity, row_id), "person_id")
            push.coverage_dirty.update(
                cases_of_person(push, person_id) if isinstance(person_id, str) else [meta.case_id]
            )
        for org_id, grant in batch.grants.get(meta.case_id, {}).items():
            if "__append__" in fields:
                item = fields["__append__"]
                data = project_append(entity, item["data"], grant, meta, org_id)
                if data is not None:
                    batch.emit(
                        "feed",
                        feed_row(org_id, "append", entity, row_id, meta.case_id, {"data": data, "hlc": item["hlc"]}),
                    )
                continue
            cut = project_set(entity, fields, grant, meta, org_id)
            if cut:
                batch.emit("feed", feed_row(org_id, "set", entity, row_id, meta.case_id, {"fields": cut}))
    for conflict in unit.conflicts:
        meta = batch.rows.get((conflict["entity"], conflict["row_id"]))
        if meta is None:
            continue
        batch.emit("conflicts", conflict["row"])
        for org_id, grant in batch.grants.get(meta.case_id, {}).items():
            if project_set(conflict["entity"], {conflict["field"]: {}}, grant, meta, org_id) is not None:
                batch.emit(
                    "feed",
                    feed_row(
                        org_id, "conflict", conflict["entity"], conflict["row_id"], meta.case_id, conflict["entry"]
                    ),
                )
