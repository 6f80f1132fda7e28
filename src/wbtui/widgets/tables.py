"""Filling a DataTable in one step, with its column widths known before the first frame.

Textual's DataTable measures auto-width columns later, in its Idle handler, and caches rendered
cells without their width. When a frame is painted between ``add_row`` and that Idle (a loaded
thin-client host, or the snapshot tests on a busy CI machine), the cells stay cut to the width
of the column headers until the table changes again. So the list screens measure their cells
here and give every column its width up front: the first frame is already the right one.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from rich.cells import cell_len
from rich.text import Text
from textual.widgets import DataTable

Column = str | tuple[str, str]  # a header label, or (label, column key)
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


def fill_table(table: DataTable, columns: Sequence[Column], rows: Iterable[Row]) -> None:
    """Replace all columns and rows of ``table``; the cursor goes back to the top (callers restore it)."""
    rows = list(rows)
    widths = column_widths(columns, rows)
    table.clear(columns=True)
    for column, width in zip(columns, widths):
        label, key = (column, None) if isinstance(column, str) else column
        table.add_column(label, key=key, width=width)
    for cells, key in rows:
        table.add_row(*cells, key=key)
