"""Hybrid logical clock (Kulkarni et al. 2014) with its guards (drift window, monotonic counter).

Stamps are strings ``"%016d-%04x-%s" % (ms, counter, node)`` whose string order is
their total order ``(ms, counter, node)``. The clock state is persisted by the caller in
the same transaction as the change it stamped.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

MAX_DRIFT_MS = 60_000
MAX_COUNTER = 0xFFFF


class ClockDriftError(Exception):
    """A remote stamp lies further ahead than we trust, or our counter overflowed."""


def encode(ms: int, counter: int, node: str) -> str:
    return f"{ms:016d}-{counter:04x}-{node}"


def decode(stamp: str) -> tuple[int, int, str]:
    ms, counter, node = stamp.split("-", 2)
    return int(ms), int(counter, 16), node


def wall_ms() -> int:
    return int(time.time() * 1000)


@dataclass
class Clock:
    node: str
    l: int = 0  # noqa: E741 - the paper's name
    c: int = 0

    def now(self, pt: int | None = None) -> str:
        """Stamp a local event."""
        pt = wall_ms() if pt is None else pt
        l_old = self.l
        self.l = max(l_old, pt)
        self.c = self.c + 1 if self.l == l_old else 0
        if self.c > MAX_COUNTER:  # never refuse a local write: move on to the next millisecond
            self.l, self.c = self.l + 1, 0
        return encode(self.l, self.c, self.node)

    def observe(self, stamp: str, pt: int | None = None) -> None:
        """Merge a received stamp; raises (and leaves the clock as it was) on excessive drift."""
        pt = wall_ms() if pt is None else pt
        m_l, m_c, _ = decode(stamp)
        if m_l - pt > MAX_DRIFT_MS:
            raise ClockDriftError(f"remote clock {m_l - pt} ms ahead")
        l_old, c_old = self.l, self.c
        self.l = max(l_old, m_l, pt)
        if self.l == l_old == m_l:
            self.c = max(self.c, m_c) + 1
        elif self.l == l_old:
            self.c += 1
        elif self.l == m_l:
            self.c = m_c + 1
        else:
            self.c = 0
        if self.c > MAX_COUNTER:
            self.l, self.c = l_old, c_old
            raise ClockDriftError("HLC counter overflow")

    def state(self) -> tuple[int, int]:
        return self.l, self.c
