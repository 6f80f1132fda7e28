"""HLC properties."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from wbtui.sync.hlc import MAX_DRIFT_MS, Clock, ClockDriftError, decode, encode

readings = st.lists(st.integers(min_value=1_700_000_000_000, max_value=1_700_000_100_000), min_size=1, max_size=60)


@given(readings)
@settings(max_examples=200, deadline=None)
def test_monotonic_even_with_backward_steps_and_restore(pts):
    clock = Clock("a")
    last = ""
    for i, pt in enumerate(pts):
        if i % 7 == 3:  # persist -> crash -> restore
            clock = Clock("a", *clock.state())
        stamp = clock.now(pt)
        assert stamp > last
        last = stamp


@given(readings, st.integers(min_value=0, max_value=MAX_DRIFT_MS), st.integers(min_value=0, max_value=500))
@settings(max_examples=200, deadline=None)
def test_causality_after_observe(pts, ahead, counter):
    clock = Clock("b")
    for pt in pts:
        clock.now(pt)
    remote = encode(pts[-1] + ahead, counter, "z")
    clock.observe(remote, pts[-1])
    assert clock.now(pts[-1]) > remote


def test_drift_rejected_and_clock_unchanged():
    clock = Clock("c")
    clock.now(1_000_000)
    before = clock.state()
    with pytest.raises(ClockDriftError):
        clock.observe(encode(1_000_000 + MAX_DRIFT_MS + 1, 0, "evil"), 1_000_000)
    assert clock.state() == before


@given(
    st.integers(min_value=0, max_value=10**15),
    st.integers(min_value=0, max_value=0xFFFF),
    st.text("abcdef0123456789", min_size=1, max_size=12),
    st.integers(min_value=0, max_value=10**15),
    st.integers(min_value=0, max_value=0xFFFF),
    st.text("abcdef0123456789", min_size=1, max_size=12),
)
def test_encoding_roundtrip_and_order(ms1, c1, n1, ms2, c2, n2):
    a, b = encode(ms1, c1, n1), encode(ms2, c2, n2)
    assert decode(a) == (ms1, c1, n1)
    if (ms1, c1) != (ms2, c2):
        assert (a < b) == ((ms1, c1) < (ms2, c2))
