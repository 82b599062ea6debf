"""The report pauses Python's cyclic collector while it builds and renders, and only then."""

from __future__ import annotations

import gc

from tracker.report.gc_pause import gc_paused, without_gc


def test_collector_is_off_inside_and_back_on_after() -> None:
    assert gc.isenabled()
    with gc_paused():
        assert not gc.isenabled()
    assert gc.isenabled()


def test_collector_comes_back_on_after_an_error() -> None:
    try:
        with gc_paused():
            raise ValueError("boom")
    except ValueError:
        pass
    assert gc.isenabled()


def test_collector_already_off_stays_off() -> None:
    gc.disable()
    try:
        with gc_paused():
            pass
        assert not gc.isenabled()
    finally:
        gc.enable()


def test_decorated_function_runs_without_the_collector() -> None:
    @without_gc
    def collector_state() -> bool:
        return gc.isenabled()

    assert collector_state() is False
    assert gc.isenabled()
