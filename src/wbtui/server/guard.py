"""Brute-force and overload protection for the sync server (README "Server hygiene").

* ``FailureLimiter``: after 5 failed authentications within 15 minutes, a key is locked for 15 minutes.
  The keys are a token id from one client address (during its lock even the correct secret from that
  address is refused with 429 and ``Retry-After``) and a client address (throttled: a request from it
  without a well-formed token is refused, a valid token still served; :mod:`wbtui.server.deps`). Kept in memory per server process (a restart clears it; with several
  workers each counts for itself, so the effective limit is workers × 5).
* ``InFlight``: more requests in flight than the server is sized for get 429 ``Retry-After: 1``
  instead of queueing until they time out — overload never turns into 500s or lost data
  (:class:`wbtui.server.app.Admission` counts them; ``/health`` is never counted).
"""

from __future__ import annotations

import threading
import time
from collections import deque
from collections.abc import Callable

MAX_FAILURES = 5
WINDOW_SECONDS = 15 * 60
LOCK_SECONDS = 15 * 60


class FailureLimiter:
    def __init__(
        self,
        max_failures: int = MAX_FAILURES,
        window: float = WINDOW_SECONDS,
        lock: float = LOCK_SECONDS,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.max_failures, self.window, self.lock_for, self.clock = max_failures, window, lock, clock
        self._failures: dict[str, deque[float]] = {}
        self._locked_until: dict[str, float] = {}
        self._mutex = threading.Lock()

    def retry_after(self, *keys: str) -> int:
        """Seconds until every given key is unlocked (0: none is locked)."""
        now = self.clock()
        with self._mutex:
            waits = [self._locked_until.get(key, 0) - now for key in keys if key]
        return max([0, *[int(w) + 1 for w in waits if w > 0]])

    def fail(self, *keys: str) -> list[str]:
        """Count a failure for each key; returns the keys that became locked by it."""
        now = self.clock()
        newly = []
        with self._mutex:
            for key in keys:
                if not key:
                    continue
                recent = self._failures.setdefault(key, deque())
                recent.append(now)
                while recent and recent[0] <= now - self.window:
                    recent.popleft()
                if len(recent) >= self.max_failures and self._locked_until.get(key, 0) <= now:
                    self._locked_until[key] = now + self.lock_for
                    recent.clear()
                    newly.append(key)
            if len(self._failures) > 100_000:  # bounded memory under a spray of addresses
                self._failures.clear()
        return newly

    def succeed(self, key: str) -> None:
        with self._mutex:
            self._failures.pop(key, None)


class InFlight:
    def __init__(self, limit: int) -> None:
        self.limit = limit
        self.count = 0
        self._mutex = threading.Lock()

    def enter(self) -> bool:
        with self._mutex:
            if self.count >= self.limit:
                return False
            self.count += 1
            return True

    def leave(self) -> None:
        with self._mutex:
            self.count -= 1


async def send_json(send, status: int, body: bytes, headers: tuple[tuple[bytes, bytes], ...] = ()) -> None:
    """A guard's answer (413, 415, 429, 500) sent on the raw ASGI channel, before any route runs."""
    start = [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode()), *headers]
    await send({"type": "http.response.start", "status": status, "headers": start})
    await send({"type": "http.response.body", "body": body})
