"""Due dates on GitHub live in a `- Due:` body line, grouped by a monthly milestone.

A changed due date rewrites that line and moves the issue to its month's milestone in
the one edit the sync sends anyway; the next run reads the same date back (no phantom
change). `due_milestones = "none"` leaves milestones alone.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from tracker_github.sandbox.server import GitHubSandbox

from tests.sync_support import ZH_DOC, SyncWorld


@pytest.fixture
def world(tmp_path: Path, github_sandbox: GitHubSandbox) -> Iterator[SyncWorld]:
    created = SyncWorld(tmp_path, None, github_sandbox)
    yield created
    created.close()


def by_due_line(sandbox: GitHubSandbox) -> dict[str, dict]:
    issues = {}
    for issue in sandbox.issues("acme/app"):
        for line in issue["body"].splitlines():
            if line.startswith("- Due: "):
                issues[line[len("- Due: ") :]] = issue
    return issues


def test_a_first_sync_writes_each_exact_date_and_one_milestone_per_month(
    world: SyncWorld, github_sandbox: GitHubSandbox
) -> None:
    world.write("zh.md", ZH_DOC)
    assert world.sync().exit_code == 0
    issues = by_due_line(github_sandbox)
    assert sorted(issues) == ["2026-06-01", "2026-06-15"]
    assert {issue["milestone"]["title"] for issue in issues.values()} == {"due 2026-06"}
    routes = github_sandbox.requests.snapshot()["by_route"]
    assert routes["POST /repos/{owner}/{repo}/milestones"] == 1


def test_a_changed_due_date_moves_the_line_and_the_milestone_and_reads_back_unchanged(
    world: SyncWorld, github_sandbox: GitHubSandbox
) -> None:
    world.write("zh.md", ZH_DOC)
    assert world.sync().exit_code == 0
    world.write("zh.md", ZH_DOC.replace("2026-06-15", "2026-07-02"))
    world.later()
    assert world.sync().exit_code == 0
    moved = by_due_line(github_sandbox)["2026-07-02"]
    assert moved["milestone"]["title"] == "due 2026-07"
    assert "<!-- tracker:item=" in moved["body"]  # the identity marker is kept
    world.later()
    again = world.sync()
    assert [plan.kind for plan in again.plans if not plan.is_noop] == []


def test_with_due_milestones_none_no_milestone_is_made(
    tmp_path: Path, github_sandbox: GitHubSandbox
) -> None:
    world = SyncWorld(tmp_path, None, github_sandbox, github_settings={"due_milestones": "none"})
    try:
        world.write("zh.md", ZH_DOC)
        assert world.sync().exit_code == 0
        issues = by_due_line(github_sandbox)
        assert sorted(issues) == ["2026-06-01", "2026-06-15"]
        assert all(issue["milestone"] is None for issue in issues.values())
        routes = github_sandbox.requests.snapshot()["by_route"]
        assert "POST /repos/{owner}/{repo}/milestones" not in routes
    finally:
        world.close()
