"""What every wbtui screen stands on: the app's context (typed), the few things a screen asks of the app,
and binding labels in the current language.

Screens never import ``wbtui.app`` (client layer contract in pyproject.toml). They reach the app through
:class:`Host`, the protocol :class:`wbtui.app.WbtuiApp` implements, and the open store through the typed
:attr:`WbtuiScreen.ctx`; they ask for a case to be opened with the :class:`~wbtui.messages.OpenCase` message.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING, Any, Protocol, TypeVar, cast

from textual.binding import ActiveBinding
from textual.screen import ModalScreen, Screen

from wbtui.i18n import LazyText, has, t
from wbtui.messages import OpenCase

if TYPE_CHECKING:  # types only: the store and the ORM load in workers, after the first frame
    import sqlite3

    from wbtui.config import Config
    from wbtui.data.store import Store
    from wbtui.domain.timers import TimerEngine
    from wbtui.services import Services


@dataclass
class Context:
    """What every screen needs once the store is open.

    ``services`` is created on first use, in a worker thread: it reads a case on the raw path and makes the
    ORM write side (SQLModel) only at the first write (services/lazy.py), so the board and every case opened
    only to be read run without it.
    """

    store: Store
    config: Config
    today: date
    fixed_today: date | None
    engine: TimerEngine
    _services: Services | None = None

    @property
    def services(self) -> Services:
        if self._services is None:
            from wbtui.services.lazy import LazyServices

            # Services' interface (the rest of its names go to the ORM side, made at the first write)
            self._services = cast("Services", LazyServices(self.store, self.config, today=self.fixed_today))
        return self._services

    def connect(self) -> sqlite3.Connection:
        return self.store.raw()


class Host(Protocol):
    """What a screen may use of the app (implemented by ``wbtui.app.WbtuiApp``)."""

    config: Config
    ctx: Context | None
    fixed_today: date | None
    sync_line: str
    clock: Callable[[], float]
    last_input: float

    def do(
        self,
        fn: Callable[..., Any],
        *args: Any,
        then: Callable[[Any], Any] | None = None,
        on_error: Callable[[Exception], Any] | None = None,
        group: str = "action",
        **kwargs: Any,
    ) -> None: ...

    def say(self, message: str, *, error: bool = False) -> None: ...

    def release_keys(self, screen: object = None) -> None: ...


def textual_label(text: str) -> str:
    """Textual's own English binding labels ("Scroll Left", "Cursor down" …) in the current language: the
    key panel (F1) and the palette list them next to wbtui's (catalog keys ``ux.tx.*``)."""
    import re

    key = "ux.tx." + re.sub(r"[^a-z]+", "_", text.lower()).strip("_")
    return t(key) if has(key) else text


def in_current_language(bindings: dict[str, ActiveBinding]) -> dict[str, ActiveBinding]:
    """The active bindings with their lazy labels turned into text of the current language.

    The footer, the key panel of the help (F1) and the command palette all read ``Screen.active_bindings``.
    The key panel parses a description as Rich markup, which takes only a real ``str``; resolving here, when
    the bindings are read for drawing, gives every one of them the language of this moment."""
    out = {}
    for key, active in bindings.items():
        binding = active.binding
        if isinstance(binding.description, LazyText) or isinstance(binding.tooltip, LazyText):
            binding = dataclasses.replace(binding, description=str(binding.description), tooltip=str(binding.tooltip))
            active = active._replace(binding=binding)
        elif binding.description and not str(binding.description).isspace():
            shown = textual_label(str(binding.description))
            if shown != binding.description:
                binding = dataclasses.replace(binding, description=shown, tooltip=textual_label(binding.tooltip or ""))
                active = active._replace(binding=binding)
        if isinstance(active.tooltip, LazyText):
            active = active._replace(tooltip=str(active.tooltip))
        out[key] = active
    return out


ResultT = TypeVar("ResultT")


class WbtuiScreen(Screen[ResultT]):
    """Base of every wbtui screen.

    Keys typed while a screen opens are held by the app (screens/typeahead.py) until the screen is ready:
    once its own ``on_mount`` (which puts the focus on its first field) has run — this base class's
    ``on_mount`` runs after the subclass's (Textual calls the handlers of the whole MRO, most derived first) —
    or, for a screen that fills itself from the store in a worker (``LOADS = True``), once it calls
    :meth:`loaded` (its first fill is shown, or the load failed: :meth:`load_failed`).
    """

    LOADS = False
    _keys_ready = False

    @property
    def keys_ready(self) -> bool:
        return self._keys_ready

    def loaded(self) -> None:
        """The screen shows what it loaded: keys typed ahead may reach it now."""
        if not self._keys_ready:
            self._keys_ready = True
            self.host.release_keys(self)

    def load_failed(self, message: str) -> None:
        """The load was refused or failed: say why, and take keys again (Esc leaves)."""
        self.say(message, error=True)
        self.loaded()

    def on_mount(self) -> None:
        if not self.LOADS:
            self.loaded()

    def on_unmount(self) -> None:
        self.host.release_keys(self)  # never leave keys held for a screen that is gone

    @property
    def active_bindings(self) -> dict[str, ActiveBinding]:
        return in_current_language(super().active_bindings)

    @property
    def host(self) -> Host:
        return cast("Host", self.app)

    @property
    def config(self) -> Config:
        return self.host.config

    @property
    def store_ready(self) -> bool:
        return self.host.ctx is not None

    @property
    def ctx(self) -> Context:
        """The open store and what goes with it; screens that can show before :class:`StoreReady` check
        :attr:`store_ready` first."""
        ctx = self.host.ctx
        if ctx is None:
            raise RuntimeError("the store is not open yet")
        return ctx

    def do(
        self,
        fn: Callable[..., Any],
        *args: Any,
        then: Callable[[Any], Any] | None = None,
        on_error: Callable[[Exception], Any] | None = None,
        **kwargs: Any,
    ) -> None:
        """Run ``fn`` in a worker thread of the app; errors become notifications, ``then`` gets the result."""
        self.host.do(fn, *args, then=then, on_error=on_error, **kwargs)

    def say(self, message: str, *, error: bool = False) -> None:
        self.host.say(message, error=error)

    def warn(self, message: str) -> None:
        """Done, but look: a warning that stays as long as an error (one message at a time, as ``say``)."""
        self.app.clear_notifications()
        self.app.notify(message, severity="warning", markup=False, timeout=10)

    def show_loaded(self, fill: Callable[..., object], *args: Any) -> None:
        """From a reload worker: ``fill(*args)`` on the event loop, unless a newer reload replaced this one
        by then. An exclusive thread worker runs on after it is cancelled, so an older read (started as the
        screen came back, before a write was committed) could otherwise paint over the newer one."""
        from textual.worker import get_current_worker

        worker = get_current_worker()

        def fill_if_current() -> None:
            if not worker.is_cancelled:
                fill(*args)

        self.app.call_from_thread(fill_if_current)

    def then_say(self, key: str, reload: Callable[[], object]) -> Callable[[object], None]:
        """A ``then`` for :meth:`do`: once the action is done, say the catalog text ``key`` and ``reload``."""

        def then(_result: object) -> None:
            self.say(t(key))
            reload()

        return then

    def open_case(self, case_id: str) -> None:
        # posted to the app itself: the screen asking may be on its way off the stack
        self.app.post_message(OpenCase(case_id))


class WbtuiModal(ModalScreen[ResultT], WbtuiScreen[ResultT]):
    """Base of wbtui's dialogs: a :class:`ModalScreen` with what every wbtui screen has.

    ModalScreen comes first: Textual takes a screen's CSS type names (``ModalScreen { … }``) and default
    CSS from the first base class only.

    A dialog whose input can be refused stays open until it is taken (README: "Bad input gets a clear message
    and loses nothing"): the caller gives an ``act`` (:meth:`acting`) that checks the input (a
    :class:`~wbtui.domain.errors.WbtuiError` is said and the dialog stays, everything typed kept) and hands
    the write to :meth:`run`, which closes the dialog only once the write is done."""

    _act: Callable[[Any], object] | None = None
    _busy = False

    def acting(self, act: Callable[[Any], object]) -> WbtuiModal[ResultT]:
        """Enter (or the save key) gives the dialog's result to ``act`` in place of closing with it."""
        self._act = act
        return self

    def submit(self, result: ResultT) -> None:
        """The dialog's input is complete: close with it, or (see :meth:`acting`) let the caller's act take it."""
        if self._act is None:
            self.dismiss(result)
            return
        if self._busy:
            return  # a write from this dialog is under way: a second Enter sends nothing twice
        from wbtui.domain.errors import WbtuiError
        from wbtui.widgets.errors import user_text

        try:
            self._act(result)
        except WbtuiError as exc:
            self.say(user_text(exc), error=True)

    def run(self, fn: Callable[..., Any], *args: Any, then: Callable[[Any], Any] | None = None, **kwargs: Any) -> None:
        """From an act: ``fn`` in a worker while the dialog stays open; done, the dialog closes and ``then``
        gets the result; refused, the reason is said (:meth:`do`) and the dialog stays with its input."""
        self._busy = True

        def done(result: Any) -> None:
            self._busy = False
            self.close()
            if then is not None:
                then(result)

        def failed(_exc: Exception) -> None:
            self._busy = False

        self.do(fn, *args, then=done, on_error=failed, **kwargs)

    def close(self) -> None:
        """Close the dialog if it is still the screen on top (Esc may have closed it while a write ran)."""
        if self.is_active:
            self.dismiss()
