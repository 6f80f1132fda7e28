"""The collector held off while a large batch is handled (sync.protocol.gc_paused) always runs again."""

from __future__ import annotations

import gc

import pytest

from wbtui.sync import protocol


def test_the_collector_runs_again_after_nested_batches_and_after_a_failed_one():
    assert gc.isenabled()
    with protocol.gc_paused():
        assert not gc.isenabled()
        with protocol.gc_paused():  # a second thread's push meanwhile
            assert not gc.isenabled()
        assert not gc.isenabled()  # the first one still runs
    assert gc.isenabled()
    with pytest.raises(ValueError), protocol.gc_paused():
        raise ValueError("a refused batch")
    assert gc.isenabled()


def test_a_server_that_is_never_idle_still_collects(monkeypatch):
    monkeypatch.setattr(protocol, "GC_AT_MOST_OFF", 0.0)
    collected = []
    monkeypatch.setattr(protocol.gc, "collect", lambda: collected.append(1) or 0)
    with protocol.gc_paused():
        with protocol.gc_paused():
            pass
        assert collected == [1]  # the inner batch ended while the outer one kept the collector off
    assert gc.isenabled()


def test_a_process_that_had_the_collector_off_keeps_it_off():
    gc.disable()
    try:
        with protocol.gc_paused():
            pass
        assert not gc.isenabled()
    finally:
        gc.enable()
