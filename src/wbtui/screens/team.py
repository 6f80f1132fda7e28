"""The team lead's view: where cases pile up and how long each step takes, as charts."""

from __future__ import annotations

from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.widgets import Label, Static

from wbtui.domain.process import STAGES, Stage
from wbtui.domain.text import clean
from wbtui.i18n import lazy_t, t
from wbtui.screens.base import WbtuiScreen
from wbtui.services.report import FUNNEL, STEPS, amount
from wbtui.services.report_format import who_label
from wbtui.widgets.charts import bar_chart
from wbtui.widgets.glyphs import glyph
from wbtui.widgets.keybar import KeyBar

MONTHS_SHOWN = 12
NAME_WIDTH = 20  # a caseworker's or team's name in the steering charts


class TeamScreen(WbtuiScreen):
    """Steering figures from the timeline: stages, funnel, durations, dropouts, timers, months."""

    LOADS = True  # keys typed ahead wait for the first fill (screens/typeahead.py)
    HELP = lazy_t("tui.help.team")
    BINDINGS = [
        Binding("r", "reload", lazy_t("tui.key.reload"), id="team.reload"),
        Binding("x", "export", lazy_t("ux.key.export"), id="team.export"),
        Binding("escape", "back", lazy_t("tui.key.back"), id="team.back"),
    ]

    def compose(self) -> ComposeResult:
        yield Label(t("tui.team.title"), classes="title")
        yield Label(t("tui.loading"), id="team-status", classes="status")
        with VerticalScroll(id="team-body"):
            yield Static("", id="team-charts")
        yield KeyBar()

    def on_mount(self) -> None:
        self.query_one("#team-body").focus()
        if self.store_ready:
            self.reload()

    def on_store_ready(self, _message) -> None:
        self.reload()

    def action_reload(self) -> None:
        self.query_one("#team-status", Label).update(t("tui.loading"))
        self.reload()

    def action_back(self) -> None:
        self.app.pop_screen()

    def action_export(self) -> None:
        """Write the steering figures (protected as every export is, services/report.py) to a file: CSV with
        German column names, a text table (.txt) or JSON (.json), chosen by the name's ending."""
        from datetime import date
        from pathlib import Path

        from wbtui.paths import documents_dir
        from wbtui.screens.pickers import Prompt

        default = documents_dir() / f"Steuerung-{date.today():%Y%m%d}.csv"

        def write(target: Path, overwrite: bool) -> str:
            from wbtui.services import report
            from wbtui.services.exchange import write_text
            from wbtui.services.reads import Reader

            fmt = {".txt": "text", ".json": "json"}.get(target.suffix.lower(), "csv")
            ctx = self.ctx
            figures = Reader(ctx.store, ctx.config, channel="tui").steering(ctx.engine, channel_detail=fmt)
            return str(write_text(report.render(figures, fmt), target, overwrite=overwrite))

        def written(path: str) -> None:
            self.say(t("cli.report_written", path=path))

        def got(value: str | None) -> None:
            if not value or not value.strip():
                return
            target = Path(value.strip()).expanduser()
            if not target.exists() or target.is_symlink():
                self.do(write, target, False, then=written)
                return
            from wbtui.screens.pickers import confirm

            def answered(answer: str | None) -> None:
                if answer == "yes":
                    self.do(write, target, True, then=written)

            self.app.push_screen(confirm(t("ux.print.exists"), Text(str(target), style="bold"), t("ux.print.replace")),
                                 answered)  # fmt: skip

        self.app.push_screen(Prompt(t("ux.team.export_prompt"), value=str(default)), got)

    @work(thread=True, exclusive=True, group="team", exit_on_error=False)
    def reload(self) -> None:  # the figures come protected (small cells <3, rounded to 5) as in every export
        from wbtui.domain.errors import WbtuiError
        from wbtui.i18n import describe
        from wbtui.services.reads import Reader

        ctx = self.ctx  # the office's own cases, counts only (services/reads.py); audited
        try:
            figures = Reader(ctx.store, ctx.config, channel="tui").steering(ctx.engine, channel_detail="tui")
        except WbtuiError as exc:  # refused: said, and keys typed ahead are not held for ever
            self.app.call_from_thread(self.load_failed, describe(exc))
            return
        self.show_loaded(self._show, figures)

    def _show(self, f: dict) -> None:
        self.loaded()
        totals = f["totals"]  # protected like every figure (services/reads.py: Reader.steering)
        self.query_one("#team-status", Label).update(
            t("tui.team.status_protected", total=str(totals["cases"]), overdue=totals["overdue"])
        )
        self.figures = f
        self._draw_charts()

    def on_resize(self, _event) -> None:
        if getattr(self, "figures", None) is not None:
            self._draw_charts()

    def _draw_charts(self) -> None:
        width = max(40, self.query_one("#team-body").size.width - 2)
        self.query_one("#team-charts", Static).update(render_figures(self.figures, width))


def _section(key: str, **params) -> Text:
    return Text("\n" + t(key, **params) + "\n", style="bold")


def render_figures(f: dict, width: int = 78) -> Text:
    """All charts as one Text (pure: the figures in, lines out), so tests can read it."""
    from functools import partial

    chart = partial(bar_chart, total=width)  # labels whole as long as the bars keep room (widgets/charts.py)
    out = Text()
    out.append(_section("tui.team.stages"))
    out.append(
        chart(
            [
                (
                    f"{STAGES[stage].code} {t('stage.' + stage.value)}",
                    f["stages"].get(stage.value, 0),
                    str(f["stages"].get(stage.value, 0)),
                )
                for stage in Stage
                if f["stages"].get(stage.value)
            ]
        )
    )
    out.append(_section("tui.team.funnel"))
    first = f["funnel"].get(FUNNEL[0]) or 0
    out.append(
        chart(
            [
                (t("stage." + stage), n, f"{n}  ({round(n / first * 100)} %)" if _exact(first, n) else str(n))
                for stage, n in ((s, f["funnel"].get(s, 0)) for s in FUNNEL)
            ],
            style="green",
        )
    )
    out.append(_section("ux.team.durations_workdays"))
    rows = []
    durations = f.get("durations_workdays") or f["durations_days"]
    for src, dst in STEPS:
        d = durations[f"{src}->{dst}"]
        # short stage names: both ends of a step readable next to its bar at 80 columns
        label = f"{t('ux.team.stage_short.' + src)} {glyph('arrow')} {t('ux.team.stage_short.' + dst)}"
        shown = t("tui.team.median_p90", median=_num(d["median"]), p90=_num(d["p90"]), n=d["n"])
        rows.append((label, d["median"], shown))
    out.append(chart(rows, style="yellow"))
    drop = f["dropout"]
    out.append(_section("tui.team.dropout"))
    share = "–" if drop["share"] is None else _percent(drop["share"])
    out.append(
        chart(
            [
                (
                    t("tui.team.dropout_share"),
                    drop["share"] or 0,
                    t("tui.team.dropout_line", share=share, dropped=drop["dropped_out"], started=drop["started"]),
                )
            ],
            style="red",
            maximum=1,
        )
    )
    out.append(_section("ux.team.reasons"))
    reason_rows = [
        (f"{t('report.reason.' + kind)}: {_reason_label(kind, code)}", n, str(n))
        for kind, counts in f.get("reasons", {}).items()
        for code, n in sorted(counts.items(), key=lambda kv: -amount(kv[1]))
    ]
    out.append(chart(reason_rows, style="magenta") if reason_rows else Text("  –\n"))
    for key, section in (("by_team", "ux.team.by_team"), ("by_caseworker", "ux.team.by_caseworker")):
        rows_by = [
            (who_label(name, key, short=True), c["open"],
             t("ux.team.by_line", open=c["open"], overdue=c["overdue"], closed=c["closed"]))
            for name, c in f.get(key, {}).items()
        ]  # fmt: skip
        if rows_by:
            out.append(_section(section))
            # names whole up to NAME_WIDTH (a login, "nicht eingerichtet"): the bars give way
            natural = max(len(label) for label, _, _ in rows_by)
            out.append(chart(rows_by, style="blue", label_width=max(8, min(natural, NAME_WIDTH))))
    out.append(_section("tui.team.overdue"))
    if f["overdue_by_rule"]:
        out.append(
            chart(
                [
                    (t("rule." + rule), n, str(n))
                    for rule, n in sorted(f["overdue_by_rule"].items(), key=lambda kv: -amount(kv[1]))
                ],
                style="red",
            )
        )
    else:
        out.append("  –\n")
    months = list(f["by_month"].items())[-MONTHS_SHOWN:]
    out.append(_section("tui.team.months", n=len(months)))
    out.append(
        chart(
            [(f"{month} {t('tui.team.new')}", m["need_identified"], str(m["need_identified"])) for month, m in months],
            style="cyan",
        )
    )
    out.append(
        chart(
            [(f"{month} {t('tui.team.started')}", m["in_training"], str(m["in_training"])) for month, m in months],
            style="green",
        )
    )
    out.append(_section("tui.team.offices"))
    out.append(
        chart(
            [
                (clean(str(name), multiline=False), n, str(n))
                for name, n in sorted(f["cases_by_office"].items(), key=lambda kv: -amount(kv[1]))
            ]
        )
    )
    return out


def _exact(first, n) -> bool:
    """A share is shown only between two published counts (a ``<3`` cell has no share)."""
    return isinstance(first, int) and isinstance(n, int) and first > 0


def _reason_label(kind: str, code: str) -> str:
    from wbtui.i18n import has
    from wbtui.services.report_format import REASON_PREFIX

    key = REASON_PREFIX[kind] + code
    return t(key) if has(key) else clean(code)


def _percent(share: float) -> str:
    from wbtui.i18n import get_language

    text = f"{share * 100:.1f}"
    return f"{text.replace('.', ',')} %" if get_language() == "de" else f"{text}%"


def _num(value) -> str:
    return "–" if value is None else str(value)
