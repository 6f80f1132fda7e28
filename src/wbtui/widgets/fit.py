"""Fitting columns into a width: the rule the TUI's tables and the CLI's human output share (pure: no
Textual, no Rich). Essential columns come first and stay; one flexible column takes the room left, never
less than ``MIN_FLEX``; optional columns are left out, the first listed first, when even that does not fit.
"""

from __future__ import annotations

from collections.abc import Sequence

MIN_FLEX = 16


def fit(
    widths: list[int],
    width: int,
    *,
    flex: int | None,
    optional: Sequence[int] = (),
    padding: int = 2,
    min_flex: int = MIN_FLEX,
) -> tuple[list[int], list[int]]:
    """The columns to show and their widths within ``width`` cells (``padding`` per column for the
    cell padding); ``optional`` lists columns that may be left out, the first one first."""
    shown = list(range(len(widths)))
    widths = list(widths)
    natural = widths[flex] if flex is not None else 0
    dropping = list(optional)
    while True:
        total = sum(widths[i] + padding for i in shown)
        if total <= width or flex is None:
            return shown, widths
        floor = min(natural, min_flex)
        if total - (widths[flex] - floor) <= width:
            widths[flex] = max(floor, widths[flex] - (total - width))
            return shown, widths
        if not dropping:  # nothing left to leave out: the flexible column takes what remains
            widths[flex] = max(4, widths[flex] - (total - width))
            return shown, widths
        shown.remove(dropping.pop(0))  # even the narrowest flexible column would not fit: one column less
        widths[flex] = natural
