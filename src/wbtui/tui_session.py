"""The steps of a TUI session, shared by the usual start (:mod:`wbtui.launch`) and the command line's own
(an encrypted store, :mod:`wbtui.cli`): the store's session lock (README: one interactive session per
store), the run, and the exit on a hang-up."""

from __future__ import annotations

import logging
import os

log = logging.getLogger("wbtui.cli")


def acquire(db: str | None, unlock=None):
    """The store's session lock (README: one interactive session per store); ``unlock`` then derives an
    encrypted store's key before the screen takes over the terminal. Raises WbtuiError (exit 4)."""
    from wbtui import paths
    from wbtui.data.store import SessionLock

    lock = SessionLock(paths.db_path(db)).acquire()
    if unlock is not None:
        unlock()
    return lock


def run_locked(config, db: str | None, lock) -> int:
    """Run the TUI holding ``lock`` and release it; the exit code. A hang-up ends the process right here.

    The hang-up guard (wbtui.hangup) is the one mechanism for the whole session: it is installed here,
    before the app is imported, so a hang-up while starting ends the process and empties the lock too;
    the app only tells it how to leave the normal way once it runs (``on_hangup``)."""
    from wbtui.hangup import EXIT_HANGUP, HangupGuard

    guard: HangupGuard | None
    try:
        guard = HangupGuard()
        guard.before_exit = lock.release  # the lock file is emptied: no "stale session" note at the next start
        guard.install()
    except (ValueError, OSError, AttributeError):  # not the main thread / not POSIX: no guard
        guard = None
    try:
        from wbtui.app import run
        from wbtui.i18n import t

        notice = ""
        if lock.taken_over_from is not None:  # the last session ended without cleaning up (killed, hung up)
            notice = t("ux.lock_taken_over", pid=lock.taken_over_from)
            log.info("session lock taken over from process %s", lock.taken_over_from)
        code = run(config=config, db=db, notice=notice, guard=guard)
    finally:
        if guard is not None:
            guard.uninstall()
        lock.release()
    if code == EXIT_HANGUP:  # the terminal is gone: no waiting for a worker's query to finish (wbtui.hangup)
        from wbtui import logs

        logs.shutdown()
        os._exit(code)
    return code or 0
