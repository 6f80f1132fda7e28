"""Filling a DataTable in one step, with its column widths known before the first frame, fitted to the
width the table has.

Textual's DataTable measures auto-width columns later, in its Idle handler, and caches rendered
cells without their width. When a frame is painted between ``add_row`` and that Idle (a loaded
thin-client host, or the snapshot tests on a busy CI machine), the cells stay cut to the width
of the column headers until the table changes again. So the list screens measure their cells
here and give every column its width up front: the first frame is already the right one.

At 80 or 60 columns a table never needs sideways scrolling (README: nothing essential cut off at
80x24): the essential columns come first, one flexible column (a name, a label, a text) takes what
is left and its cells end in "…", and optional columns are left out, least essential first, when
even that would not fit. The screens show the whole row in a detail line under the table.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from rich.cells import cell_len
from rich.text import Text
from textual.widgets import DataTable

from wbtui.widgets.fit import MIN_FLEX, fit
from wbtui.widgets.glyphs import glyph

Column = str | tuple[str, str]  # a header label, or (label, column key)
MIN_CAPPED = 10  # the narrowest a capped column gets (a name's start, a kind's first word)
Row = tuple[Sequence[Text], str]  # the cells and the row key


def text_width(text: Text | str) -> int:
    """Terminal cells the widest line of ``text`` takes."""
    plain = text.plain if isinstance(text, Text) else text
    return max((cell_len(line) for line in plain.split("\n")), default=0)


def column_widths(columns: Sequence[Column], rows: Sequence[Row]) -> list[int]:
    widths = [text_width(c if isinstance(c, str) else c[0]) for c in columns]
    for cells, _key in rows:
        for index, cell in enumerate(cells):
            widths[index] = max(widths[index], text_width(cell))
    return widths


def cut(text: Text, width: int) -> Text:
    """``text`` shortened to ``width`` cells, ending in "…" when something was cut."""
    if text_width(text) <= width:
        return text
    out = text.copy()
    out.truncate(max(1, width - 1))
    out.append(glyph("ellipsis")[: max(0, width - text_width(out))])
    return out


def fill_table(
    table: DataTable,
    columns: Sequence[Column],
    rows: Iterable[Row],
    *,
    width: int | None = None,
    flex: int | None = None,
    optional: Sequence[int] = (),
    caps: dict[int, int] | None = None,
    keep: tuple[str | None, int] | None = None,
    min_flex: int = MIN_FLEX,
) -> list[int]:
    """Replace all columns and rows of ``table``; returns the indices of the columns shown.

    ``width``: the cells the table may use (its vertical scrollbar is taken off); without it every
    column is as wide as its content. ``caps``: the widest a column may be (longer cells end in "…"). ``keep``: (row key, row index) to put the cursor back on that row,
    or on the row that took its place when it is gone."""
    rows = list(rows)
    widths = column_widths(columns, rows)
    caps = caps or {}
    shown = list(range(len(columns)))
    if width is not None:
        room = width - table.styles.scrollbar_size_vertical - 1
        padding = 2 * table.cell_padding
        if sum(w + padding for w in widths) > room:  # caps only when the natural widths do not fit
            for index, cap in caps.items():
                widths[index] = min(widths[index], max(cap, text_width(_label(columns[index]))))
        else:
            caps = {}
        shown, widths = fit(widths, room, flex=flex, optional=optional, padding=padding, min_flex=min_flex)
        _narrow_capped(widths, shown, caps, room - sum(widths[i] + padding for i in shown))
    else:
        caps = {}
    table.clear(columns=True)
    for index in shown:
        column = columns[index]
        label, key = (column, None) if isinstance(column, str) else column
        table.add_column(label, key=key, width=widths[index])
    for cells, key in rows:
        table.add_row(*[cut(cells[i], widths[i]) if i == flex or i in caps else cells[i] for i in shown], key=key)
    if keep is not None:
        restore_cursor(table, *keep)
    return shown


def _narrow_capped(widths: list[int], shown: list[int], caps: dict[int, int], room_left: int) -> None:
    """When even the fitted columns are too wide (60 cells), the capped ones give up more, down to
    ``MIN_CAPPED`` each: they end in "…" anyway, and the row is whole in the detail line."""
    for index in caps:
        if room_left >= 0:
            return
        if index in shown:
            give = min(-room_left, max(0, widths[index] - MIN_CAPPED))
            widths[index] -= give
            room_left += give


def _label(column: Column) -> str:
    return column if isinstance(column, str) else column[0]


def restore_cursor(table: DataTable, key: str | None, index: int) -> None:
    """The cursor back on the row with ``key``; if that row is gone, on the row now at ``index``
    (the next one), so a second keypress never lands on a row far away."""
    if table.row_count == 0:
        return
    row = index
    if key is not None:
        try:
            row = table.get_row_index(key)
        except Exception:  # RowDoesNotExist: the row left the list (acknowledged, done)
            row = index
    table.move_cursor(row=max(0, min(row, table.row_count - 1)), animate=False, scroll=True)


def cursor_state(table: DataTable) -> tuple[str | None, int]:
    """(row key, row index) under the cursor, for :func:`fill_table`'s ``keep``."""
    if table.row_count == 0:
        return None, 0
    key = table.coordinate_to_cell_key(table.cursor_coordinate).row_key.value
    return key, table.cursor_row
