"""Keys typed while a screen opens are held and handed on, in order, once the screen is ready (issue 14,
screens/typeahead.py). The loading worker is held on an Event, so the keys are certainly typed before the
case is read: nothing in these tests depends on timing."""

from __future__ import annotations

import asyncio
import threading

import pytest
from textual import events

from tui_helpers import build_store, make_app, settle, typed_out


def burst(app, keys: list[str]) -> None:
    """Keys posted all at once, before any is handled (a fast typist, a terminal delivering a buffer)."""
    for key in keys:
        app.post_message(events.Key(key, key if len(key) == 1 else None))


@pytest.fixture
def held_read(monkeypatch):
    """Reading a case waits until the test lets it go (the read path of every front end: services/reads.py)."""
    from wbtui.services.reads import Reader

    gate = threading.Event()
    original = Reader.read_case

    def read_case(self, *args, **kwargs):
        assert gate.wait(30), "the test never let the read go"
        return original(self, *args, **kwargs)

    monkeypatch.setattr(Reader, "read_case", read_case)
    yield gate
    gate.set()


@pytest.mark.parametrize(
    ("key", "opens"),
    [("k", "ConferenceScreen"), ("h", "ObstacleScreen"), ("u", "HandoverScreen"), ("p", "Prompt")],
)
def test_key_typed_with_enter_on_the_board_is_not_lost_while_the_case_loads(tmp_path, held_read, key, opens):
    db = build_store(tmp_path, cases=5)

    async def run() -> None:
        app = make_app(tmp_path, db)
        async with app.run_test(size=(80, 24)) as pilot:
            await settle(pilot)
            burst(app, ["enter", key])
            for _ in range(3):
                await pilot.pause()
            assert type(app.screen).__name__ == "CaseDetailScreen"  # still reading the case: the key waits
            held_read.set()
            await typed_out(pilot)
            assert type(app.screen).__name__ == opens

    asyncio.run(run())


def test_keys_typed_before_the_edit_form_opens_land_in_its_first_field_after_the_case_loaded(tmp_path, held_read):
    """The tester's cold start: `e` and text typed while the case was still loading went astray."""
    db = build_store(tmp_path, cases=5)

    async def run() -> None:
        app = make_app(tmp_path, db)
        async with app.run_test(size=(80, 24)) as pilot:
            await settle(pilot)
            burst(app, ["enter", "e", "end", "X"])
            for _ in range(3):
                await pilot.pause()
            held_read.set()
            await typed_out(pilot)
            screen = app.screen
            assert type(screen).__name__ == "IntakeScreen"
            kundennummer = screen.query_one("#f-kundennummer").value
            assert kundennummer.endswith("X") and len(kundennummer) > 1  # the case's value, then the typed key

    asyncio.run(run())


def test_quitting_is_never_held_behind_a_screen_that_cannot_load(tmp_path, held_read):
    db = build_store(tmp_path, cases=5)

    async def run() -> None:
        app = make_app(tmp_path, db)
        async with app.run_test(size=(80, 24)) as pilot:
            await settle(pilot)
            burst(app, ["enter", "k", "ctrl+q"])
            for _ in range(5):
                await pilot.pause()
            assert app._exit  # ctrl+q got through although the case never loaded
            held_read.set()

    asyncio.run(run())


def test_burst_after_n_fills_every_field_of_the_intake_in_order(tmp_path):
    """1 of ~13 bursts lost everything after "12" in the BG-Nummer field: each key now waits for the last."""
    db = build_store(tmp_path, cases=5)

    async def run() -> None:
        app = make_app(tmp_path, db)
        async with app.run_test(size=(80, 24)) as pilot:
            await settle(pilot)
            burst(app, ["n", *"123A456789", "tab", *"12345BG1234567", "tab", *"Muster"])
            await typed_out(pilot)
            screen = app.screen
            assert screen.query_one("#f-kundennummer").value == "123A456789"
            assert screen.query_one("#f-bg_nummer").value == "12345BG1234567"
            assert screen.query_one("#f-family_name").value == "Muster"

    asyncio.run(run())
