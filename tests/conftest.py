"""Fixtures and conventions shared by every test module.

A test that needs something outside the project (PostgreSQL, chromium) calls
`unavailable(reason)`: it skips on a developer's machine and fails in CI (CI=true),
where everything must be present.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import NoReturn

import pytest

REPO_ROOT = Path(__file__).resolve().parent.parent
CORPUS_DIR = REPO_ROOT / "tests" / "corpus"  # vendored public postmortems, see its SOURCES.md
IN_CI = os.environ.get("CI", "").lower() == "true"


def unavailable(reason: str) -> NoReturn:
    """Skip locally, fail in CI: CI promises every service and file is there."""
    if IN_CI:
        pytest.fail(f"required in CI: {reason}")
    pytest.skip(reason)


pytest_plugins = ["tests.store_fixtures"]


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--clock",
        metavar="YYYY-MM-DD",
        default=os.environ.get("TRACKER_TEST_CLOCK"),
        help="Run the whole suite with the wall clock moved to this day (proves no test "
        "depends on today's date). Also read from TRACKER_TEST_CLOCK.",
    )


@pytest.fixture(scope="session", autouse=True)
def _suite_clock(request: pytest.FixtureRequest) -> Iterator[object]:
    """Move every clock (tests, sandboxes, tracker) to --clock, ticking from there."""
    day = request.config.getoption("--clock")
    if not day:
        yield None
        return
    import time_machine

    with time_machine.travel(f"{day}T08:00:00Z", tick=True) as traveller:
        yield traveller
