"""Why the server refuses a change: a reason code (README "Server authority") and its details."""

from __future__ import annotations


class Rejected(Exception):
    def __init__(self, reason: str, **detail: object) -> None:
        super().__init__(reason)
        self.reason = reason
        self.detail = detail
