"""Bar charts for the terminal, as rich Text: eighth-block resolution, readable without colour."""

from __future__ import annotations

from rich.text import Text

_EIGHTHS = " ▏▎▍▌▋▊▉"
MIN_BAR = 16  # the narrowest bar area when the labels take their natural width


def bar(value: float, maximum: float, width: int) -> str:
    """A horizontal bar of ``width`` cells at most, in eighths of a cell."""
    if maximum <= 0 or value <= 0:
        return ""
    eighths = max(1, round(value / maximum * width * 8))
    full, rest = divmod(eighths, 8)
    return "█" * full + (_EIGHTHS[rest] if rest else "")


def _number(value: float | str | None) -> float | None:
    if value is None or (isinstance(value, (int, float)) and not isinstance(value, bool)):
        return value
    return 1 if value else 0


def bar_chart(
    rows: list[tuple[str, float | str | None, str]],
    *,
    total: int = 78,
    label_width: int | None = None,
    style: str = "cyan",
    maximum: float | None = None,
) -> Text:
    """One line per row: label, bar, shown value, fitted into ``total`` cells.

    Bars scale to the largest value (or ``maximum``); ``None`` values print without a bar; a protected
    count (``<3``, services/report.py) draws the bar of 1. Without ``label_width`` the labels keep their
    whole width as long as the bars keep ``MIN_BAR`` cells (a stage's name matters more than a long bar)."""
    numeric = [(label, _number(value), shown) for label, value, shown in rows]
    out = Text()
    shown_width = max((len(shown) for _, _, shown in numeric), default=0)
    if label_width is None:
        natural = max((len(label) for label, _, _ in numeric), default=0)
        label_width = max(8, min(natural, total - 4 - shown_width - MIN_BAR))
    width = max(8, total - 2 - label_width - 2 - shown_width)
    if maximum is None:
        maximum = max((value for _, value, _ in numeric if value is not None), default=0)
    for label, value, shown in numeric:
        name = label if len(label) <= label_width else label[: label_width - 1] + "…"
        out.append(f"  {name:<{label_width}} ")
        drawn = bar(value or 0, maximum, width)
        out.append(drawn, style)
        out.append(" " * (width - len(drawn) + 1))
        out.append(f"{shown}\n")
    return out
