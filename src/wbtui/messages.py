"""The TUI's own messages: screens post them, the app handles them (and the app tells screens news the same way).

One module below the screens and above the services, so screens never import ``wbtui.app``.
"""

from __future__ import annotations

from textual.message import Message


class StoreReady(Message):
    """The store is open (or a sync brought changes): screens showing data load it (again)."""

    bubble = False  # news for each screen, posted to each one


class SyncLineChanged(Message):
    """The background sync's status line changed; screens that show it repaint it."""

    bubble = False

    def __init__(self, line: str) -> None:
        super().__init__()
        self.line = line


class OpenCase(Message):
    """Show one case's detail screen; posted to the app by any screen."""

    def __init__(self, case_id: str) -> None:
        super().__init__()
        self.case_id = case_id
