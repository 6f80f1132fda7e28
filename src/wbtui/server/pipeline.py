"""A device's pushes in order while it sends the next one early (issue 16, the first upload).

A client that has one push at the server may send the next before the answer comes, naming the last change
of the push in flight (``after``). The server applies such a push only once that change is committed (it
is in ``srv_applied``, as every change of a checked transaction is, refused or not): the two may be parsed
side by side, but they are applied in the order the device made them, so a case whose person came in the
push before finds the person. A predecessor that never arrives, or arrives for another organisation,
leaves the push unapplied: answered 409 (:data:`NOT_YET`), and the client sends it again on its own.

A waiting push holds a request thread and a database connection, so waiting is bounded twice (an attacker
held all eight threads of a worker with pushes naming changes that never came, and every office and
``/health`` waited a minute: tests/server/test_attack3_pipeline.py): at most :data:`WAITERS` pushes of a
worker wait at a time — another is answered 409 at once, which costs an honest device only its head start —
and none waits longer than :data:`WAIT` seconds. The token is read again after the wait (routes.push): a
token revoked meanwhile applies nothing.
"""

from __future__ import annotations

import threading
import time

from sqlalchemy import text

WAIT = 5.0  # seconds a push waits for its predecessor before it is answered 409 (the client resends it)
WAITERS = 2  # pushes of one worker process that may wait at a time (of its 8 request threads: deps.py)
_slots = threading.BoundedSemaphore(WAITERS)
POLL = (0.005, 0.05)  # first and longest pause between looks: a waiting push costs a worker thread, little CPU
NOT_YET = {"detail": "predecessor_pending"}


def predecessor_applied(conn, org_id: str, change_id: str) -> bool:
    """Whether ``change_id`` has been applied for ``org_id`` — waited for up to :data:`WAIT` seconds if a
    waiting slot is free, else only looked up once. ``conn``: the request's connection; each look ends its
    read, so the next one sees what committed meanwhile."""
    query = text("SELECT 1 FROM srv_applied WHERE change_id = :c AND org_id = :o")
    if not _slots.acquire(blocking=False):
        found = conn.execute(query, {"c": change_id, "o": org_id}).first() is not None
        conn.rollback()
        return found
    try:
        return _wait(conn, query, org_id, change_id)
    finally:
        _slots.release()


def _wait(conn, query, org_id: str, change_id: str) -> bool:
    deadline = time.monotonic() + WAIT
    pause = POLL[0]
    while True:
        found = conn.execute(query, {"c": change_id, "o": org_id}).first() is not None
        conn.rollback()  # a no-op in autocommit (PostgreSQL); SQLite's read snapshot ends here
        if found:
            return True
        if time.monotonic() + pause > deadline:
            return False
        time.sleep(pause)
        pause = min(pause * 2, POLL[1])
