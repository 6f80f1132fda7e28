"""Display helpers: stored text only ever reaches the screen as ``rich.text.Text``.

Nothing here parses markup; control characters are stripped again at render
time (defence in depth after input, import and sync receipt).
"""

from __future__ import annotations

from rich.text import Text

from wbtui.domain.text import clean


def safe(value: object, style: str = "") -> Text:
    """Plain text from stored data: no markup, no control characters."""
    return Text(clean("" if value is None else str(value), multiline=False), style=style, no_wrap=False)


def safe_block(value: object, style: str = "") -> Text:
    return Text(clean("" if value is None else str(value), multiline=True), style=style)


def join(*parts: Text | str, sep: str = "") -> Text:
    out = Text()
    for i, part in enumerate(parts):
        if i and sep:
            out.append(sep)
        out.append(part if isinstance(part, Text) else Text(part))
    return out


def fmt_date(value: str | None) -> str:
    """ISO date/time text → German short date (display only)."""
    if not value:
        return ""
    text = str(value)
    if len(text) >= 10 and text[4] == "-" and text[7] == "-":
        return f"{text[8:10]}.{text[5:7]}.{text[0:4]}"
    return text


def cursor_key(table) -> str | None:
    """Row key under a DataTable's cursor (None for an empty table)."""
    if table.row_count == 0:
        return None
    return table.coordinate_to_cell_key(table.cursor_coordinate).row_key.value
