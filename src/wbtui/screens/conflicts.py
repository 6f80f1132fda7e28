"""Conflict review: free-text edits that crossed offline, and writes the server refused.

Nothing is lost silently: each conflict shows the value kept and the value that lost;
the caseworker keeps the current value or takes the other one (an ordinary new write)."""

from __future__ import annotations

import json

from rich.text import Text
from textual import work
from textual.binding import Binding
from textual.widgets import DataTable, Label

from wbtui.domain.fields import FIELDS
from wbtui.i18n import describe, lazy_t, t, tn
from wbtui.screens.table_screen import TableScreen
from wbtui.widgets.safe import cursor_key, safe
from wbtui.widgets.tables import cursor_state


class ConflictScreen(TableScreen):
    LOADS = True  # keys typed ahead wait for the first fill (screens/typeahead.py)
    HELP = lazy_t("tui.help.conflicts")
    BINDINGS = [
        Binding("k", "keep", lazy_t("tui.key.keep"), id="conflicts.keep"),
        Binding("l", "take_lost", lazy_t("tui.key.take_lost"), id="conflicts.take"),
        Binding("escape", "back", lazy_t("tui.key.back"), id="conflicts.back"),
    ]
    TITLE_KEY = "tui.conflicts.title"
    TABLE_ID = "conflicts"
    DETAIL = True
    FLEX = 3  # the value that lost takes what is left; both values whole in the detail line

    def __init__(self) -> None:
        super().__init__()
        self.rows: dict = {}
        self.shown: dict[str, tuple[str, str, str]] = {}
        self.data = None

    def on_screen_resume(self) -> None:
        self.query_one(DataTable).focus()
        self.reload()

    @work(thread=True, exclusive=True, group="conflicts", exit_on_error=False)
    def reload(self) -> None:
        from wbtui.domain.errors import WbtuiError
        from wbtui.services.sync import conflicts

        try:
            rows = [row[:8] for row in conflicts(self.ctx.services)]
        except WbtuiError as exc:
            self.app.call_from_thread(self.load_failed, describe(exc))
            return
        self.show_loaded(self._fill, rows)

    def redraw(self) -> None:
        if self.data is not None:
            self._fill(self.data)

    def describe_row(self, key: str) -> Text:
        label, kept, lost = self.shown.get(key, ("", "", ""))
        out = Text()
        out.append(safe(label, "bold"))
        out.append(f" · {t('tui.conflicts.kept')}: ")
        out.append(safe(kept))
        out.append("\n" + t("tui.conflicts.lost") + ": ")
        out.append(safe(lost))
        return out

    def _fill(self, rows) -> None:
        self.loaded()
        self.data = rows
        self.rows = {}
        self.shown = {}
        table_rows = []
        for conflict_id, entity, row_id, field, kind, kept, lost, detail in rows:
            self.rows[conflict_id] = (entity, row_id, field, kind, lost)
            label = t("field." + field) if field and f"field.{field}" in FIELDS_KEYS else (field or entity or "")
            lost_text = _show(lost) if kind != "rejected_write" else f"{detail}: {_show(lost)}"
            self.shown[conflict_id] = (label, _show(kept), lost_text)
            table_rows.append(
                (
                    (
                        Text(t("tui.conflicts.kind." + kind)) if kind in KINDS else safe(kind),
                        safe(label),
                        safe(_show(kept)),
                        safe(_show(lost) if kind != "rejected_write" else f"{detail}: {_show(lost)}"),
                    ),
                    conflict_id,
                )
            )
        self.fill(
            [t("tui.conflicts.kind"), t("tui.conflicts.field"), t("tui.conflicts.kept"), t("tui.conflicts.lost")],
            table_rows,
            keep=cursor_state(self.query_one(DataTable)),
            caps={1: 20, 2: 20},
        )
        self.query_one("#conflicts-status", Label).update(Text(tn("tui.conflicts.count", len(rows))))

    def _selected(self) -> str | None:
        return cursor_key(self.query_one(DataTable))

    def action_keep(self) -> None:
        from wbtui.services.sync import keep

        conflict_id = self._selected()
        if conflict_id:
            self.do(keep, self.ctx.services, conflict_id, then=self.then_say("tui.saved", self.reload))

    def action_take_lost(self) -> None:
        from wbtui.services.sync import take_lost

        conflict_id = self._selected()
        if conflict_id:  # the service refuses what cannot be taken (err.conflict_only_keep)
            self.do(take_lost, self.ctx.services, conflict_id, then=self.then_say("tui.saved", self.reload))

    def action_back(self) -> None:
        self.app.pop_screen()


def _show(value: str | None) -> str:
    if value is None:
        return "–"
    try:
        decoded = json.loads(value)
    except ValueError:
        return value
    return "–" if decoded is None else str(decoded)


KINDS = ("concurrent_edit", "rejected_write", "access_lost")
FIELDS_KEYS = {f"field.{name}" for name in FIELDS}
