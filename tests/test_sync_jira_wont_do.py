"""A row marked won't do, synced to a Jira workflow that can't say won't do, never
closes its ticket as done: the item fails with an error naming the ticket."""

from __future__ import annotations

from pathlib import Path

import pytest
from tracker_jira.sandbox.server import JiraSandbox

from tests.sync_support import EN_DOC, SyncWorld


def move_row_to_wont_do(world: SyncWorld) -> None:
    text = world.read("en.md").replace("| Open |\n| Alert", "| Won't do |\n| Alert", 1)
    world.write("en.md", text)


def restore_pool_issue(sandbox: JiraSandbox) -> dict[str, object]:
    return next(i for i in sandbox.issues() if "connection-pool" in str(i["summary"]))


@pytest.mark.parametrize(
    ("workflow", "status", "resolution"),
    [
        ({"done_screen_resolution": False, "wont_do_status": True}, "Won't Do", "Won't Do"),
        ({"done_screen_resolution": False, "resolution_on_edit": True}, "Done", "Won't Do"),
    ],
)
def test_a_wont_do_row_closes_its_ticket_as_wont_do_in_any_workflow_that_can_say_it(
    tmp_path: Path,
    jira_sandbox: JiraSandbox,
    workflow: dict[str, bool],
    status: str,
    resolution: str,
) -> None:
    jira_sandbox.set_workflow(**workflow)
    world = SyncWorld(tmp_path, jira_sandbox, None, sync={"status_owner": "document"})
    world.write("en.md", EN_DOC)
    world.sync()
    move_row_to_wont_do(world)
    result = world.sync()
    world.close()
    assert result.exit_code == 0, result.failed
    issue = restore_pool_issue(jira_sandbox)
    assert (issue["status"], issue["resolution"]) == (status, resolution)


def test_a_wont_do_row_leaves_its_ticket_open_when_the_workflow_cannot_say_it(
    tmp_path: Path, jira_sandbox: JiraSandbox
) -> None:
    jira_sandbox.set_workflow(done_screen_resolution=False)
    world = SyncWorld(tmp_path, jira_sandbox, None, sync={"status_owner": "document"})
    world.write("en.md", EN_DOC)
    world.sync()
    move_row_to_wont_do(world)
    result = world.sync()
    world.close()
    issue = restore_pool_issue(jira_sandbox)
    assert (issue["status"], issue["resolution"]) == ("To Do", None)
    assert result.exit_code != 0
    [why] = result.failed.values()
    assert str(issue["key"]) in why and "won't do" in why
