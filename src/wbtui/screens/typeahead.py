"""Keys typed ahead: held by the app and handed on one at a time, each once the screen is ready for it.

README ("Keys typed while a screen opens reach its first field"): a caseworker types ``Enter k`` on the board
or ``n 123A…`` without waiting for the screen to appear. Textual hands every key at once to whatever has the
focus at that moment, so a key that arrives while the case is still opening (a message on its way, a worker
still reading the case) reaches the board, or an action that finds nothing loaded yet, and is lost.

The gate serialises typing instead: a key is handed on only when

* everything the previous key set off has run — every message pump of the app and of the current screen has
  drained its queue (the key travelled to its widget and back up to the bindings, the ``OpenCase`` it posted
  was handled, the new screen was mounted and focused its first field), checked with a barrier of
  ``call_later`` markers, never with a clock; and
* the current screen is ready (:attr:`wbtui.screens.base.WbtuiScreen.keys_ready`): a screen that fills itself
  from the store in a worker is ready once its first fill is shown (or its load failed).

So nothing depends on timing: keys wait exactly as long as the screen needs, and arrive in the order typed.
Quitting (a priority binding to ``quit``) is never held, so a screen that cannot load never locks a user in.
"""

from __future__ import annotations

from textual import events
from textual.app import App
from textual.message_pump import MessagePump


def _queued(pump: MessagePump) -> bool:
    return not pump._message_queue.empty()


class TypeAheadMixin(App):
    """The app side of the gate (mixed into :class:`wbtui.app.WbtuiApp`)."""

    _typed: list[events.Event]
    _barrier_open: bool
    _barrier: int

    def _init_typeahead(self) -> None:
        self._typed = []
        self._barrier_open = False  # a barrier is on its way: its end hands on the next key
        self._barrier = 0  # the current barrier's number

    def _passes_gate(self, event: events.Event) -> bool:
        """Ctrl+Q (quit) is never held: a screen stuck loading must not keep anybody in."""
        if not isinstance(event, events.Key):
            return False
        return any(
            b.action in ("quit", "app.quit") and b.priority for b in self._bindings.key_to_bindings.get(event.key, [])
        )

    async def gate_key(self, event: events.Event) -> bool:
        """Called for every key and paste the terminal sends; True if the gate took it (held or handed on)."""
        if self._passes_gate(event):
            self._typed.clear()
            return False
        self._typed.append(event)
        if len(self._typed) == 1 and self._ready_now():  # typing at human speed: straight on, as before
            await self._hand_on()
        else:
            self._await_quiet()
        return True

    def release_keys(self, screen: object = None) -> None:
        """A screen became ready (or went away): held keys may flow again."""
        if self._typed:
            self._await_quiet()

    # -- the gate ------------------------------------------------------------------------------
    def _screen_ready(self) -> bool:
        try:
            screen = self.screen
        except Exception:  # no screen yet (start-up) or none any more (shutting down)
            return False
        return bool(getattr(screen, "keys_ready", True))

    def _screen_pumps(self) -> list[MessagePump]:
        try:
            screen = self.screen
        except Exception:
            return []
        return list(screen.walk_children(with_self=True))

    def _ready_now(self) -> bool:
        """Nothing queued anywhere, and the screen is ready (seen from inside the app's own message)."""
        return self._message_queue.empty() and self._screen_ready() and not any(map(_queued, self._screen_pumps()))

    def _await_quiet(self) -> None:
        """One round of the barrier: a marker at the end of the queue of the app, of the widgets a key travels
        through and of every widget that has work queued. A marker runs only once its widget has finished what
        it had (also a message it was still in the middle of), so a round in which no queue held anything, and
        after which none does, proves that nothing the last key set off is still on its way.

        A widget removed before its marker ran would hold the round for ever: a slow check (every 0.1 s,
        only while keys wait) looks again anyway. Neither decides by time: a key goes on only when the
        condition holds."""
        if self._barrier_open or not self._typed:
            return
        self._barrier += 1
        barrier = self._barrier
        everyone = self._screen_pumps()
        queued = [n for n in everyone if _queued(n)]
        clean: bool = self._message_queue.empty() and not queued
        # where a key travels (the focused widget up to the screen) and whatever has work: a marker on each of
        # a hundred idle widgets would only slow typing down
        focused = self.focused
        path = list(focused.ancestors_with_self) if focused is not None else everyone[:1]
        pumps = list({id(n): n for n in [*path, *queued] if n is not self}.values())
        waiting = {"count": len(pumps) + 1}
        self._barrier_open = True

        def passed() -> None:
            waiting["count"] -= 1
            if waiting["count"] == 0 and barrier == self._barrier:
                self._look_again(clean)

        for node in [self, *pumps]:
            if not node.call_later(passed):
                passed()
        self.set_timer(0.1, lambda: self._look_again(False) if barrier == self._barrier else None)

    def _look_again(self, clean: bool) -> None:
        self._barrier += 1  # a round's late markers and its slow check count no more
        self._barrier_open = False
        self.call_later(self._after_barrier, clean)

    async def _after_barrier(self, clean: bool) -> None:
        if not self._typed or self._barrier_open:
            return
        if not self._screen_ready():
            return  # the screen calls release_keys once it is ready (or gone)
        if clean and self._ready_now():
            await self._hand_on()
        else:
            self._await_quiet()  # something was still on its way: one more round

    async def _hand_on(self) -> None:
        """Hand the oldest held key to Textual as if it had just been typed; the next waits for its effects."""
        event = self._typed.pop(0)
        await App.on_event(self, event)
        self._await_quiet()
