"""A terminal that goes away never leaves wbtui behind (README "Data protection": one session per store).

When the terminal is hung up (an SSH connection drops, a terminal window or tmux pane is closed) the
process gets SIGHUP and its terminal becomes unusable: reads return end-of-file, writes fail. Textual's
normal way out restores the terminal by writing to it, and its writer thread dies on the first failed
write, after which the app's own writes block; thread workers still running a query keep the interpreter
from ending. So a hang-up is handled by a guard thread of its own, independent of the event loop:

- the signal reaches the thread through ``signal.set_wakeup_fd`` (written by the interpreter's C-level
  handler the moment the signal arrives, whatever the main thread is doing), and the thread also checks
  every quarter second whether the terminal still answers (``tcgetattr``), for a loss without a signal;
- it asks the app to exit the normal way (``on_hangup``) and, if the process is still there after
  ``grace`` seconds, ends it with ``os._exit``; before the app has set ``on_hangup`` (the guard is installed
  by :func:`wbtui.tui_session.run_locked` before the app is even imported) it ends the process at once. Nothing is lost by that: every write is one SQLite
  transaction (an interrupted one is rolled back at the next open) and the store's session lock is an
  ``flock`` the kernel releases with the process.
"""

from __future__ import annotations

import logging
import os
import signal
import sys
import threading
import time
from collections.abc import Callable

EXIT_HANGUP = 128 + signal.SIGHUP  # 129, as a shell reports a process ended by SIGHUP
POLL = 0.25

log = logging.getLogger(__name__)


def terminal_gone(fd: int | None = None) -> bool:
    """True when our terminal no longer answers (hung up, closed) or we were orphaned."""
    import termios

    try:
        fd = sys.stdin.fileno() if fd is None else fd
        termios.tcgetattr(fd)
    except (ValueError, OSError, termios.error):
        return True
    return os.getppid() == 1


class HangupGuard:
    """Watches for SIGHUP/SIGTERM and a lost terminal; see the module docstring."""

    def __init__(
        self, on_hangup: Callable[[], None] | None = None, *, grace: float = 0.35, watch_tty: bool = True
    ) -> None:
        # set by the app once it runs (wbtui.app.run); None while starting: nothing to end the normal way
        self.on_hangup = on_hangup
        self.grace = grace
        self.watch_tty = watch_tty
        self.triggered = threading.Event()
        self._read_fd: int | None = None
        self._previous: dict[int, object] = {}
        self._previous_wakeup = -1
        self._terminal: list | None = None  # the terminal's settings before the app changed them
        # run just before os._exit: the session lock's file is emptied, so the next start does not report a
        # session that "ended without cleaning up" after a plain hang-up (issue 14)
        self.before_exit: Callable[[], None] | None = None

    def install(self) -> HangupGuard:
        """Call from the main thread before the app starts."""
        try:
            import termios

            self._terminal = termios.tcgetattr(sys.stdin.fileno())
        except (ValueError, OSError, ImportError, Exception):
            self._terminal = None
        read_fd, write_fd = os.pipe()
        os.set_blocking(write_fd, False)
        self._read_fd = read_fd
        # the C-level handler writes each signal's number here at once; a Python handler must exist for it
        self._previous_wakeup = signal.set_wakeup_fd(write_fd, warn_on_full_buffer=False)
        for signum in (signal.SIGHUP, signal.SIGTERM):
            self._previous[signum] = signal.signal(signum, _note_signal)
        threading.Thread(target=self._watch, name="wbtui-hangup", daemon=True).start()
        return self

    def _watch(self) -> None:
        import select

        assert self._read_fd is not None
        tty = sys.stdin.fileno() if self.watch_tty else None
        while not self.triggered.is_set():
            ready, _, _ = select.select([self._read_fd], [], [], POLL)
            if ready:
                data = os.read(self._read_fd, 512)
                if any(byte in (signal.SIGHUP, signal.SIGTERM) for byte in data):
                    self.trigger("signal")
                    return
            if tty is not None and terminal_gone(tty):
                self.trigger("terminal lost")
                return

    def trigger(self, why: str) -> None:
        """Ask the app to end, then end the process if it has not ended within ``grace`` seconds."""
        if self.triggered.is_set():
            return
        self.triggered.set()
        log.info("terminal gone (%s): ending the session", why)
        on_hangup = self.on_hangup
        if on_hangup is not None:
            try:
                on_hangup()
            except Exception:  # the event loop may already be gone: the deadline below still holds
                pass
            deadline = time.monotonic() + self.grace
            while time.monotonic() < deadline:
                time.sleep(0.05)
        self._restore_terminal()
        if self.before_exit is not None:
            try:
                self.before_exit()
            except Exception:  # the process ends anyway; the kernel frees the flock with it
                pass
        os._exit(EXIT_HANGUP)

    def _restore_terminal(self) -> None:
        """If the terminal is still there (SIGHUP or SIGTERM from elsewhere), leave it usable: normal
        screen, cursor shown, its settings as before. A hung-up terminal refuses all of it: no matter."""
        try:
            import termios

            fd = sys.stdout.fileno()
            os.set_blocking(fd, False)
            os.write(fd, b"\x1b[?1049l\x1b[?25h\x1b[?1000l\x1b[?1003l\x1b[?1006l\x1b[?2004l")
            if self._terminal is not None:
                termios.tcsetattr(sys.stdin.fileno(), termios.TCSANOW, self._terminal)
        except Exception:
            pass

    def uninstall(self) -> None:
        """Back to the previous handlers (the app has ended normally); the guard thread stays idle."""
        if self.triggered.is_set():
            return
        for signum, handler in self._previous.items():
            signal.signal(signum, handler)  # type: ignore[arg-type]
        signal.set_wakeup_fd(self._previous_wakeup)


def _note_signal(_signum: int, _frame: object) -> None:
    """The Python-level handler: nothing to do, the guard thread acts on the wakeup byte."""
