"""The data-protection officer's read-only view of the audit trail, with the hash chain checked."""

from __future__ import annotations

from rich.text import Text
from textual import work
from textual.binding import Binding
from textual.widgets import DataTable, Label

from wbtui.i18n import describe, lazy_t, t
from wbtui.screens.table_screen import TableScreen
from wbtui.widgets import labels
from wbtui.widgets.safe import safe
from wbtui.widgets.tables import cursor_state, fill_table

SHOWN = 500
COLUMNS = ("at", "actor", "action", "object", "groups", "reason")


class AuditScreen(TableScreen):
    LOADS = True  # keys typed ahead wait for the first fill (screens/typeahead.py)
    HELP = lazy_t("tui.help.audit")
    BINDINGS = [
        Binding("r", "reload", lazy_t("tui.key.reload"), id="audit.reload"),
        Binding("escape", "back", lazy_t("tui.key.back"), id="audit.back"),
    ]
    TITLE_KEY = "tui.audit.title"
    TABLE_ID = "audit"
    STATUS_KEY = "tui.loading"
    DETAIL = True
    # at 80 columns: time, who, what and about what; the data groups and the reason are in the detail line
    FLEX, OPTIONAL = 3, (4, 5)

    def __init__(self) -> None:
        super().__init__()
        self.items: dict[str, dict] = {}
        self.data: tuple | None = None

    def on_mount(self) -> None:
        table = self.query_one(DataTable)
        fill_table(table, self._columns(), [], width=self.app.size.width, flex=self.FLEX)  # headers while loading
        table.focus()
        self.reload()

    @staticmethod
    def _columns() -> list[tuple[str, str]]:
        return [(t("hdr.audit." + key), key) for key in COLUMNS]

    def action_reload(self) -> None:
        self.reload()

    def action_back(self) -> None:
        self.app.pop_screen()

    @work(thread=True, exclusive=True, group="audit", exit_on_error=False)
    def reload(self) -> None:
        from wbtui.domain.errors import WbtuiError
        from wbtui.services.privacy import review_trail

        try:
            result, items = review_trail(self.ctx.services, limit=SHOWN)
        except WbtuiError as exc:
            self.app.call_from_thread(self._refused, describe(exc))
            return
        self.show_loaded(self._fill, result, items)

    def _refused(self, message: str) -> None:
        self.loaded()
        self.say(message, error=True)
        self.app.pop_screen()

    def redraw(self) -> None:
        if self.data is not None:
            self._fill(*self.data)

    def describe_row(self, key: str) -> Text:
        item = self.items.get(key)
        if item is None:
            return Text("")
        out = safe(
            f"{labels.datetime_text(item['at'])} · {labels.audit_actor(item)} · "
            f"{labels.audit_action(item['action'])} · {labels.audit_object(item)}"
        )
        out.append("\n")
        out.append(safe(" · ".join(part for part in (labels.audit_groups(item), labels.audit_detail(item)) if part)))
        return out

    def _fill(self, result, items: list[dict]) -> None:
        self.loaded()
        from wbtui.services.privacy import verification_text

        self.data = (result, items)
        self.items = {str(item["seq"]): item for item in items}
        status = self.query_one("#audit-status", Label)
        status.update(Text(verification_text(result), style="green" if result.ok else "bold red"))
        rows = [
            (
                (
                    Text(labels.datetime_text(item["at"])),
                    safe(labels.audit_actor(item)),
                    safe(labels.audit_action(item["action"])),
                    safe(labels.audit_object(item)),
                    safe(labels.audit_groups(item)),
                    safe(labels.audit_detail(item)),
                ),
                str(item["seq"]),
            )
            for item in items
        ]
        self.fill(self._columns(), rows, keep=cursor_state(self.query_one(DataTable)), caps={1: 22})
