"""A Status column added by write-back is filled for every row, and stays in step."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from tracker_github.sandbox.server import GitHubSandbox
from tracker_jira.sandbox.server import JiraSandbox

from tests.sync_support import SyncWorld

NO_STATUS_DOC = """\
---
team: payments
---

# Postmortem: Disk full

## Action Items

| Action | Owner | Due |
| ------ | ----- | --- |
| Alert at 85% disk | @alice | 2026-12-01 |
| Rotate logs hourly | @bob | 2026-12-05 |
| Move backups off the data volume | @alice | 2026-12-09 |
"""


@pytest.fixture
def world(
    tmp_path: Path, jira_sandbox: JiraSandbox, github_sandbox: GitHubSandbox
) -> Iterator[SyncWorld]:
    created = SyncWorld(tmp_path, jira_sandbox, github_sandbox)
    created.write("disk.md", NO_STATUS_DOC)
    yield created
    created.close()


def test_every_row_gets_a_status_when_the_column_is_added(world: SyncWorld) -> None:
    assert not world.sync().failed
    assert world.jira is not None
    key = next(i["key"] for i in world.jira.issues() if i["summary"] == "Rotate logs hourly")
    world.later()  # someone edits the ticket later: Cloud search has indexed it
    world.jira.set_status(str(key), "Done")
    assert not world.sync().failed
    rows = [line for line in world.read("disk.md").splitlines() if line.startswith("| ")]
    assert rows[0].rstrip().endswith("| Status |")
    cells = [row.rstrip(" |").rsplit("|", 1)[1].strip() for row in rows[2:]]
    assert cells == ["Open", "Done", "Open"]


def test_filled_status_column_plans_nothing_on_the_next_sync(world: SyncWorld) -> None:
    world.sync()
    assert world.jira is not None
    key = next(i["key"] for i in world.jira.issues() if i["summary"] == "Rotate logs hourly")
    world.jira.set_status(str(key), "Done")
    world.sync()
    before = world.read("disk.md")
    again = world.sync()
    assert again.actions == []
    assert again.changed_paths == []
    assert world.read("disk.md") == before
