"""The person's vocational qualifications and work history (``q`` in the case detail): list and add.

The Jobcenter records them (README "Permission table"); they sync as rows of the person and are printed on
the Übergabebogen where the consent or the statute covers the data group ``qualifikation`` (README
"Documents"). The occupation is picked from the KldB 2010 list by words of its title, the recognition of a
foreign qualification from its pick list; the rules are the services' (:mod:`wbtui.services.history`).
Stored text is shown as text, never as markup."""

from __future__ import annotations

import uuid
from collections.abc import Callable

from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.widgets import DataTable, Label

from wbtui.i18n import lazy_t, t
from wbtui.screens.fields_form import FieldsForm
from wbtui.screens.table_screen import TableScreen
from wbtui.widgets import labels
from wbtui.widgets.choice import ChoiceField, pick
from wbtui.widgets.errors import user_text
from wbtui.widgets.history_text import qualification_line, work_line
from wbtui.widgets.inputs import SafeInput
from wbtui.widgets.safe import safe

# the form's fields per kind: (input id, label key, hint, or "pick:<vocabulary>" / "pick:kldb")
FORMS: dict[str, tuple[tuple[str, str, str], ...]] = {
    "qualification": (
        ("title", "ux.history.title", ""),
        ("kldb", "ux.history.kldb", "pick:kldb"),
        ("year", "ux.history.year", "ux.history.year_hint"),
        ("country", "ux.history.country", ""),
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


class HistoryForm(FieldsForm):
    """One qualification or one period of work; Enter moves on, Enter in the last field (or F10) saves."""

    BINDINGS = [
        Binding("escape", "cancel", lazy_t("tui.key.cancel"), id="history.cancel"),
        Binding("ctrl+s,f10", "save", lazy_t("tui.key.save"), id="history.save"),
    ]

    def __init__(self, kind: str) -> None:
        super().__init__()
        self.kind = kind

    def compose(self) -> ComposeResult:
        from wbtui.screens.intake import kldb_options

        with Vertical(classes="dialog"):
            yield Label(t(TITLES[self.kind]), classes="title")
            for key, label, hint in FORMS[self.kind]:
                yield Label(t(label))
                if hint == "pick:kldb":
                    options, words = kldb_options()
                    yield ChoiceField(options, None, words=words, title=t("ux.kldb.pick_history"), id=f"in-{key}")
                elif hint.startswith("pick:"):
                    vocabulary = hint[5:]
                    yield pick(vocabulary, labels.codes(vocabulary)[0], title=t(label), id=f"in-{key}")
                else:
                    yield SafeInput(placeholder=t(hint) if hint else "", id=f"in-{key}")
            yield Label(t("ux.form.save_hint"), classes="hint")


class HistoryScreen(TableScreen):
    """Qualifications first (by year), then the periods of work (by start)."""

    HELP = lazy_t("ux.help.history")
    BINDINGS = [
        Binding("a", "add('qualification')", lazy_t("ux.key.history_qualification"), id="history.qualification"),
        Binding("n", "add('work')", lazy_t("ux.key.history_work"), id="history.work"),
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

    def _fill(self, detail: dict) -> None:
        self.data = detail
        quals, work_rows = detail.get("qualifications") or [], detail.get("work_history") or []
        self.rows = {q["id"]: qualification_line(q) for q in quals} | {w["id"]: work_line(w) for w in work_rows}
        rows = [((Text(t("ux.history.kind_qualification")), safe(q["title"]), Text(q.get("kldb_code") or ""),
                  Text(str(q.get("year") or ""))), q["id"]) for q in quals]  # fmt: skip
        rows += [((Text(t("ux.history.kind_work")), safe(w["title"]), Text(w.get("kldb_code") or ""),
                   Text("–".join(labels.date_text(v) for v in (w.get("date_from"), w.get("date_to")) if v))), w["id"])
                 for w in work_rows]  # fmt: skip
        self.fill([t("ux.history.kind"), t("ux.history.title"), "KldB", t("ux.history.when")], rows)
        self.query_one("#history-status", Label).update(Text(t("ux.history.none")) if not rows else Text(""))

    def describe_row(self, key: str) -> Text:
        return safe(self.rows.get(key, ""))

    def action_add(self, kind: str) -> None:
        def got(values: dict | None) -> None:
            if not values:
                return
            from wbtui.domain.errors import WbtuiError
            from wbtui.domain.fields import parse_date

            try:
                if kind == "qualification":
                    year = values.get("year")
                    if year and not year.isdigit():
                        raise WbtuiError("err.bad_int", field=t("ux.history.year"), value=year)
                    args: dict = {"kldb_code": values.get("kldb"), "country": values.get("country"),
                                  "recognition": values.get("recognition") or "n/a",
                                  "year": int(year) if year else None}  # fmt: skip
                    fn: Callable[..., object] = self.ctx.services.add_qualification
                else:
                    args = {"kldb_code": values.get("kldb"),
                            "date_from": parse_date(values.get("from"), field=t("ux.history.from")),
                            "date_to": parse_date(values.get("until"), field=t("ux.history.until"))}  # fmt: skip
                    fn = self.ctx.services.add_work_episode
            except WbtuiError as exc:
                self.say(user_text(exc), error=True)
                return
            self.do(fn, uuid.UUID(self.case_id), values.get("title") or "", **args,
                    then=self.then_say("ux.history.saved", self.reload))  # fmt: skip

        self.app.push_screen(HistoryForm(kind), got)

    def action_back(self) -> None:
        self.app.pop_screen()
