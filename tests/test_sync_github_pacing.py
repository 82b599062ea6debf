"""A big first sync to GitHub stays under GitHub's secondary limits at the default pace.

The sandbox enforces the documented limits (80 content creations a minute, 500 an hour,
900 points a minute per endpoint) on its clock; the engine's sleeps advance that clock,
so the minutes of pacing take no real time.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest

from tests.sync_support import SyncWorld
from tracker.sandbox.github import GitHubSandbox

ITEMS = 200
DAYS = 100  # two items due on each day, 2026-08-01 to 2026-11-08
MONTHS = 4  # one due-date milestone per month, not per day


def big_document() -> str:
    first = date(2026, 8, 1)
    rows = [
        f"| Harden dependency {n} | @chen | {first + timedelta(days=n % DAYS)} | Open |"
        for n in range(ITEMS)
    ]
    return "\n".join(
        [
            "---",
            "team: search",
            "---",
            "",
            "# Postmortem: Index rebuild storm",
            "",
            "**Date**: 2026-07-20",
            "",
            "## Action Items",
            "",
            "| Action | Owner | Due | Status |",
            "| ------ | ----- | --- | ------ |",
            *rows,
            "",
        ]
    )


@pytest.fixture
def world(tmp_path: Path, github_sandbox: GitHubSandbox) -> Iterator[SyncWorld]:
    github_sandbox.clock.set(datetime(2026, 7, 21, 9, 0, tzinfo=UTC))
    created = SyncWorld(tmp_path, None, github_sandbox, github_pacing=70)
    yield created
    created.close()


def test_a_200_item_first_sync_with_due_dates_gets_no_secondary_limit_refusal(
    world: SyncWorld, github_sandbox: GitHubSandbox
) -> None:
    world.write("2026-07-20-index.md", big_document())
    result = world.sync(now=datetime(2026, 7, 21, 9, 0, tzinfo=UTC))
    assert result.failed == {}
    assert len(github_sandbox.issues("acme/app")) >= ITEMS
    routes = github_sandbox.requests.snapshot()["by_route"]
    assert routes["POST /repos/{owner}/{repo}/milestones"] == MONTHS
    assert routes["POST /repos/{owner}/{repo}/issues"] == ITEMS
    assert github_sandbox.limits.secondary_refusals == 0
    assert sum(world.waits) >= (ITEMS + MONTHS - 1) * 60 / 70 - 1  # paced, on the fake clock
