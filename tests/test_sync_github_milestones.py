"""Due-date milestones survive faults: an unclear create is looked up, never doubled.

A fault on `POST /milestones` (5xx, timeout, dropped connection, or the milestone made
and its response lost) must not fail the items due that month, and must not leave two
milestones for one month: tracker lists the milestones again before re-sending. Each
issue's exact date is its `- Due:` body line, read back as the ticket's due date.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
import requests
from tracker_github.sandbox.server import GitHubSandbox

from tests.sync_support import ZH_DOC, SyncWorld

MILESTONE_CREATE = "POST /repos/{owner}/{repo}/milestones"
MONTH_TITLES = ["due 2026-06"]  # ZH_DOC's items are due 2026-06-01 and 2026-06-15
ISSUE_TITLES = ["due 2026-06", "due 2026-06"]
DUE_LINES = ["2026-06-01", "2026-06-15"]


@pytest.fixture
def world(tmp_path: Path, github_sandbox: GitHubSandbox) -> Iterator[SyncWorld]:
    github_sandbox.timeout_hold_seconds = 4
    created = SyncWorld(tmp_path, None, github_sandbox, timeout=2)
    yield created
    created.close()


def milestone_titles(sandbox: GitHubSandbox) -> list[str]:
    response = requests.get(
        f"{sandbox.base_url}/repos/acme/app/milestones",
        params={"state": "all"},
        headers={"Authorization": f"token {sandbox.token}"},
        timeout=5,
    )
    return sorted(m["title"] for m in response.json())


def issue_due_titles(sandbox: GitHubSandbox) -> list[str]:
    return sorted(i["milestone"]["title"] for i in sandbox.issues("acme/app") if i["milestone"])


def due_lines(sandbox: GitHubSandbox) -> list[str]:
    issues = sandbox.issues("acme/app")
    return sorted(
        line[len("- Due: ") :]
        for i in issues
        for line in i["body"].splitlines()
        if line.startswith("- Due: ")
    )


@pytest.mark.parametrize("kind", ["500", "502", "503", "timeout", "drop", "429"])
def test_a_failed_milestone_create_is_retried_and_the_items_are_created(
    world: SyncWorld, github_sandbox: GitHubSandbox, kind: str
) -> None:
    world.write("zh.md", ZH_DOC)
    github_sandbox.faults.add(kind, route=MILESTONE_CREATE)
    result = world.sync()
    assert result.exit_code == 0, result.failed
    assert milestone_titles(github_sandbox) == MONTH_TITLES
    assert issue_due_titles(github_sandbox) == ISSUE_TITLES
    assert due_lines(github_sandbox) == DUE_LINES
    assert github_sandbox.faults.pending() == []


@pytest.mark.parametrize("kind", ["drop-after", "timeout-after"])
def test_a_milestone_made_but_its_answer_lost_is_found_not_made_twice(
    world: SyncWorld, github_sandbox: GitHubSandbox, kind: str
) -> None:
    world.write("zh.md", ZH_DOC)
    github_sandbox.faults.add(kind, route=MILESTONE_CREATE)
    result = world.sync()
    assert result.exit_code == 0, result.failed
    assert milestone_titles(github_sandbox) == MONTH_TITLES  # one per month, no duplicate
    assert issue_due_titles(github_sandbox) == ISSUE_TITLES
    routes = github_sandbox.requests.snapshot()["by_route"]
    assert routes[MILESTONE_CREATE] == 1  # the lost one was looked up, not re-sent


def test_repeated_server_errors_on_milestones_still_end_in_one_milestone_per_date(
    world: SyncWorld, github_sandbox: GitHubSandbox
) -> None:
    world.write("zh.md", ZH_DOC)
    github_sandbox.faults.add("500", 3, route=MILESTONE_CREATE)
    result = world.sync()
    assert result.exit_code == 0, result.failed
    assert milestone_titles(github_sandbox) == MONTH_TITLES
    assert issue_due_titles(github_sandbox) == ISSUE_TITLES
    assert due_lines(github_sandbox) == DUE_LINES
