"""The person's vocational qualifications and work history (``q`` in the case detail): list, add, correct, remove.

The Jobcenter records them (README "Permission table"); they sync as rows of the person and are printed on
the Übergabebogen where the consent or the statute covers the data group ``qualifikation`` (README
"Documents"). The occupation is picked from the KldB 2010 list by words of its title, the recognition of a
foreign qualification from its pick list; the rules are the services' (:mod:`wbtui.services.history`).
Stored text is shown as text, never as markup."""

from __future__ import annotations

import uuid
from collections.abc import Callable

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.widgets import DataTable, Label

from wbtui.domain.countries import COUNTRIES, OTHER
from wbtui.i18n import lazy_t, t
from wbtui.screens.fields_form import FieldsForm
from wbtui.screens.table_screen import TableScreen
from wbtui.widgets import labels
from wbtui.widgets.choice import ChoiceField, pick
from wbtui.widgets.errors import user_text
from wbtui.widgets.history_text import qualification_line, work_line
from wbtui.widgets.inputs import SafeInput
from wbtui.widgets.safe import cursor_key, safe
from wbtui.widgets.tables import cursor_state

# the form's fields per kind: (input id, label key, hint, or "pick:<vocabulary>" / "pick:kldb")
FORMS: dict[str, tuple[tuple[str, str, str], ...]] = {
    "qualification": (
        ("title", "ux.history.title", ""),
        ("kldb", "ux.history.kldb", "pick:kldb"),
        ("year", "ux.history.year", "ux.history.year_hint"),
        ("country", "ux.history.country", "pick:country"),
        ("country_name", "ux.history.country_name", ""),
        ("recognition", "ux.history.recognition", "pick:recognition"),
    ),
    "work": (
        ("title", "ux.history.work_title", ""),
        ("kldb", "ux.history.kldb", "pick:kldb"),
        ("from", "ux.history.from", "tui.hint.date"),
        ("until", "ux.history.until", "tui.hint.date"),
    ),
}
TITLES = {"qualification": "ux.history.new_qualification", "work": "ux.history.new_work"}
EDIT_TITLES = {"qualification": "ux.history.edit_qualification", "work": "ux.history.edit_work"}


def form_values(kind: str, row: dict) -> dict[str, str | None]:
    """A stored row as the form's values (by input id): dates as typed, a country by its code or its name."""
    if kind == "work":
        return {"title": row["title"], "kldb": row.get("kldb_code"), "from": labels.date_text(row.get("date_from")),
                "until": labels.date_text(row.get("date_to"))}  # fmt: skip
    country = row.get("country") or None
    known = country is None or country in COUNTRIES
    return {"title": row["title"], "kldb": row.get("kldb_code"), "year": str(row["year"]) if row.get("year") else "",
            "country": country if known else OTHER, "country_name": "" if known else country,
            "recognition": row.get("recognition_status") or "n/a"}  # fmt: skip


class HistoryForm(FieldsForm):
    """One qualification or one period of work, new or to correct (``values`` by input id); Enter moves on,
    Enter in the last field (or F10) saves. The country is picked; "anderes Land" opens a field for its name."""

    BINDINGS = [
        Binding("escape", "cancel", lazy_t("tui.key.cancel"), id="history.cancel"),
        Binding("ctrl+s,f10", "save", lazy_t("tui.key.save"), id="history.save"),
    ]

    def __init__(self, kind: str, values: dict[str, str | None] | None = None) -> None:
        super().__init__()
        self.kind = kind
        self.values = values or {}

    def compose(self) -> ComposeResult:
        from wbtui.screens.intake import kldb_options

        title = EDIT_TITLES[self.kind] if self.values else TITLES[self.kind]
        with Vertical(classes="dialog"):
            yield Label(t(title), classes="title")
            for key, label, hint in FORMS[self.kind]:
                yield Label(t(label), id=f"label-{key}")
                value = self.values.get(key)
                if hint == "pick:kldb":
                    options, words = kldb_options()
                    yield ChoiceField(options, value, words=words, title=t("ux.kldb.pick_history"), id=f"in-{key}")
                elif hint.startswith("pick:"):
                    vocabulary = hint[5:]
                    first = labels.codes(vocabulary)[0] if vocabulary == "recognition" else None
                    yield pick(vocabulary, value or first, title=t(label), id=f"in-{key}")
                else:
                    yield SafeInput(value or "", placeholder=t(hint) if hint else "", id=f"in-{key}")
            yield Label(t("ux.form.save_hint"), classes="hint")

    def on_mount(self) -> None:
        self._other_country(self.values.get("country"))

    @on(ChoiceField.Changed, "#in-country")
    def _country(self, event: ChoiceField.Changed) -> None:
        self._other_country(event.value)

    def _other_country(self, code: str | None) -> None:
        """The name field only for "anderes Land" (a hidden field takes no focus and gives no value)."""
        for widget in self.query("#label-country_name, #in-country_name"):
            widget.display = code == OTHER


class HistoryScreen(TableScreen):
    """Qualifications first (by year), then the periods of work (by start)."""

    HELP = lazy_t("ux.help.history")
    BINDINGS = [
        Binding("a", "add('qualification')", lazy_t("ux.key.history_qualification"), id="history.qualification"),
        Binding("n", "add('work')", lazy_t("ux.key.history_work"), id="history.work"),
        Binding("e", "edit", lazy_t("ux.key.history_edit"), id="history.edit"),
        Binding("x,delete", "remove", lazy_t("ux.key.history_remove"), id="history.remove"),
        Binding("escape", "back", lazy_t("tui.key.back"), id="history.back"),
    ]
    TITLE_KEY = "ux.history.screen"
    TABLE_ID = "history"
    DETAIL = True
    FLEX, OPTIONAL = 1, (3,)

    def __init__(self, case_id: str) -> None:
        super().__init__()
        self.case_id = case_id
        self.rows: dict[str, str] = {}
        self.data: dict | None = None

    def on_mount(self) -> None:
        self.query_one(DataTable).focus()
        self.reload()

    @work(thread=True, exclusive=True, group="history", exit_on_error=False)
    def reload(self) -> None:
        from wbtui.domain.errors import WbtuiError

        ctx = self.ctx
        try:
            detail = ctx.services.read_case(uuid.UUID(self.case_id), ctx.engine)
        except WbtuiError as exc:
            self.app.call_from_thread(self.say, user_text(exc), error=True)
            return
        self.show_loaded(self._fill, detail)

    def redraw(self) -> None:
        if self.data is not None:
            self._fill(self.data)

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """Adding, correcting and removing only for an office that may write these rows in the case's stage
        (the Jobcenter's: domain/permissions.py); the Agentur reads them, its key bar offers no form whose
        saving would be refused."""
        if action not in ("add", "edit", "remove") or self.data is None:
            return True
        from wbtui.domain.permissions import write_refusal
        from wbtui.domain.process import Stage

        stage = Stage(self.data["stage"])
        return write_refusal("qualification", "title", role=self.config.user_role, new_row=action == "add",
                             stage_before=stage, stage_after=stage) is None  # fmt: skip

    def _fill(self, detail: dict) -> None:
        self.data = detail
        self.refresh_bindings()  # the keys follow the office and the stage (check_action)
        quals, work_rows = detail.get("qualifications") or [], detail.get("work_history") or []
        self.rows = {q["id"]: qualification_line(q) for q in quals} | {w["id"]: work_line(w) for w in work_rows}
        rows = [((Text(t("ux.history.kind_qualification")), safe(q["title"]), Text(q.get("kldb_code") or ""),
                  Text(str(q.get("year") or ""))), q["id"]) for q in quals]  # fmt: skip
        rows += [((Text(t("ux.history.kind_work")), safe(w["title"]), Text(w.get("kldb_code") or ""),
                   Text("–".join(labels.date_text(v) for v in (w.get("date_from"), w.get("date_to")) if v))), w["id"])
                 for w in work_rows]  # fmt: skip
        # the cursor stays on the row it was on (an edited row keeps its key): the next x or e means that row
        keep = cursor_state(self.query_one(DataTable))
        self.fill([t("ux.history.kind"), t("ux.history.title"), "KldB", t("ux.history.when")], rows, keep=keep)
        self.query_one("#history-status", Label).update(Text(t("ux.history.none")) if not rows else Text(""))

    def describe_row(self, key: str) -> Text:
        return safe(self.rows.get(key, ""))

    def action_add(self, kind: str) -> None:
        self._form(kind)

    @on(DataTable.RowSelected)
    def _selected(self, _event: DataTable.RowSelected) -> None:
        if self.check_action("edit", ()):
            self.action_edit()  # Enter on a row corrects it, as e does (where the office may)

    def action_edit(self) -> None:
        """Correct the highlighted row (the same form, its values filled in; the same rules as adding)."""
        row = self._highlighted()
        if row is not None:
            self._form(*row)

    def action_remove(self) -> None:
        """Remove the highlighted row, asked once, naming it (what was entered by mistake; the same rule as
        adding: the Jobcenter's)."""
        found = self._highlighted()
        if found is None:
            return
        kind, row = found
        from wbtui.screens.pickers import confirm

        def answered(answer: str | None) -> None:
            if answer != "yes":
                return
            services, case_id = self.ctx.services, uuid.UUID(self.case_id)
            fn = services.remove_qualification if kind == "qualification" else services.remove_work_episode
            self.do(fn, case_id, uuid.UUID(row["id"]), then=self.then_say("ux.history.removed", self.reload))

        body = safe(self.rows.get(row["id"], row["title"]), "bold")
        self.app.push_screen(confirm(t("ux.history.remove_title"), body, t("ux.history.remove_yes")), answered)

    def _highlighted(self) -> tuple[str, dict] | None:
        key = cursor_key(self.query_one(DataTable))
        for kind, rows in (("qualification", "qualifications"), ("work", "work_history")):
            for row in (self.data or {}).get(rows) or ():
                if row["id"] == key:
                    return kind, row
        return None

    def _form(self, kind: str, row: dict | None = None) -> None:
        form = HistoryForm(kind, form_values(kind, row) if row else None)

        def save(values: dict) -> None:
            args = self._args(kind, values)  # a wrong year or date: said, the form stays open
            services, case_id = self.ctx.services, uuid.UUID(self.case_id)
            then = self.then_say("ux.history.saved", self.reload)
            if row is None:
                fn: Callable[..., object] = (
                    services.add_qualification if kind == "qualification" else services.add_work_episode
                )
                form.run(fn, case_id, values.get("title") or "", **args, then=then)
                return
            fn = services.update_qualification if kind == "qualification" else services.update_work_episode
            form.run(fn, case_id, uuid.UUID(row["id"]), values.get("title") or "", **args, then=then)

        self.app.push_screen(form.acting(save))

    @staticmethod
    def _args(kind: str, values: dict) -> dict:
        """The form's values as the services take them (a wrong year or date: WbtuiError)."""
        from wbtui.domain.errors import WbtuiError
        from wbtui.domain.fields import parse_date

        if kind == "qualification":
            year = values.get("year")
            if year and not year.isdigit():
                raise WbtuiError("err.bad_int", field=t("ux.history.year"), value=year)
            country = values.get("country_name") if values.get("country") == OTHER else values.get("country")
            return {"kldb_code": values.get("kldb"), "country": country,
                    "recognition": values.get("recognition") or "n/a", "year": int(year) if year else None}  # fmt: skip
        return {"kldb_code": values.get("kldb"),
                "date_from": parse_date(values.get("from"), field=t("ux.history.from")),
                "date_to": parse_date(values.get("until"), field=t("ux.history.until"))}  # fmt: skip

    def action_back(self) -> None:
        self.app.pop_screen()
