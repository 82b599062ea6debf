"""tracker.connectors.RunMemo: what a connector's per-thread instances ask once per run."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

import pytest

from tracker.connectors import RunMemo


def test_concurrent_callers_wait_for_the_first_answer_instead_of_asking_again() -> None:
    memo = RunMemo()
    asked: list[int] = []
    release = threading.Event()

    def lookup() -> str:
        asked.append(1)
        release.wait(5)
        return "Europe/Berlin"

    with ThreadPoolExecutor(4) as pool:
        answers = [pool.submit(memo.get, "myself", lookup) for _ in range(4)]
        release.set()
        assert {future.result() for future in answers} == {"Europe/Berlin"}
    assert len(asked) == 1


def test_a_lookup_that_fails_is_asked_again_by_the_next_caller() -> None:
    memo = RunMemo()

    def failing() -> str:
        raise ConnectionError("refused")

    with pytest.raises(ConnectionError):
        memo.get("myself", failing)
    assert memo.get("myself", lambda: "UTC") == "UTC"


def test_different_keys_are_different_answers() -> None:
    memo = RunMemo()
    assert memo.get("myself", lambda: "a") == "a"
    assert memo.get("fields", lambda: "b") == "b"
    assert memo.get("myself", lambda: "changed") == "a"
