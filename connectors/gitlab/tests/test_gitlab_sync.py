"""Documents sync both ways with GitLab: the real engine, the GitLab connector and
python-gitlab over real HTTP against the GitLab sandbox.

English rows, checkbox lists and a Chinese table; issues named in a row are adopted;
a create whose answer is lost, or a process killed right after a create, never makes
a second issue.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest
from gitlab_sync_support import GitLabWorld
from tracker_gitlab.sandbox import GitLabSandbox

from tests.sync_support import EN_DOC, ZH_DOC
from tracker.model import Status

APP = "acme/app"
API = "acme/platform/api"
CREATE = "POST /api/v4/projects/{project}/issues"

LIST_DOC = """\
---
team: payments
---
# Postmortem: Disk full

## Follow-ups

- [ ] Add a disk-usage alert — owner: @alice, due: 2026-03-14
- [ ] Rotate logs hourly (@bob)
- [x] Clean up the volume
"""


@pytest.fixture
def world(tmp_path: Path, gitlab_sandbox: GitLabSandbox) -> Iterator[GitLabWorld]:
    gitlab_sandbox.add_user("chen", member_of=(API,))
    gitlab_sandbox.timeout_hold_seconds = 4
    created = GitLabWorld(tmp_path, gitlab_sandbox)
    yield created
    created.close()


# ----- document → GitLab ------------------------------------------------------------------


def test_rows_become_gitlab_issues_with_their_fields_and_links_in_the_rows(
    world: GitLabWorld,
) -> None:
    world.write("en.md", EN_DOC)
    result = world.sync()
    assert result.exit_code == 0, result.failed
    issues = world.sandbox.issues(APP)
    assert len(issues) == 3  # the done row gets none
    pool = world.issue(APP, "Restore the connection-pool size to 50")
    assert pool["due_date"] == "2026-03-20"
    assert pool["assignee"]["username"] == "alice"
    assert {"tracker", "priority::P1", "postmortem"} <= set(pool["labels"])
    url = f"{world.sandbox.base_url}/{APP}/-/issues/{pool['iid']}"
    # In its own project an issue is written `#7`, as GitLab writes it there.
    assert f"[#{pool['iid']}]({url})" in world.row("en.md", "connection-pool")


def test_an_in_progress_row_opens_its_issue_with_the_in_progress_label(
    world: GitLabWorld,
) -> None:
    world.write("en.md", EN_DOC)
    world.sync()
    assert "in-progress" in world.issue(APP, "Alert on pool saturation")["labels"]


def test_an_owner_without_a_gitlab_account_leaves_the_issue_unassigned(world: GitLabWorld) -> None:
    world.write("en.md", EN_DOC)
    world.sync()
    assert world.issue(APP, "Add an SDK upgrade checklist")["assignees"] == []


def test_a_second_sync_with_nothing_changed_does_nothing(world: GitLabWorld) -> None:
    world.write("en.md", EN_DOC)
    world.sync()
    again = world.sync()
    assert (again.actions, again.changed_paths) == ([], [])
    assert len(world.sandbox.issues(APP)) == 3


def test_a_due_date_edited_in_the_document_moves_the_gitlab_due_date(world: GitLabWorld) -> None:
    world.write("en.md", EN_DOC)
    world.sync()
    world.write("en.md", world.read("en.md").replace("2026-03-20", "2026-04-30"))
    assert world.sync().exit_code == 0
    assert world.issue(APP, "Restore the connection-pool size to 50")["due_date"] == "2026-04-30"


def test_a_row_marked_done_closes_its_issue_when_configured(
    tmp_path: Path, gitlab_sandbox: GitLabSandbox
) -> None:
    world = GitLabWorld(tmp_path, gitlab_sandbox, sync={"close_ticket_when_done": True})
    world.write("en.md", EN_DOC)
    world.sync()
    lines = [
        line.replace("| Open |", "| Done |") if "connection-pool" in line else line
        for line in world.read("en.md").splitlines()
    ]
    world.write("en.md", "\n".join(lines) + "\n")
    result = world.sync()
    world.close()
    assert result.exit_code == 0, result.failed
    issue = world.issue(APP, "Restore the connection-pool size to 50")
    assert issue["state"] == "closed"


# ----- GitLab → document ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("labels", "expected"),
    [(["wont-do"], Status.WONT_DO), ([], Status.DONE)],
)
def test_an_issue_closed_in_gitlab_is_read_back_into_the_row(
    world: GitLabWorld, labels: list[str], expected: Status
) -> None:
    world.write("en.md", EN_DOC)
    world.sync()
    iid = world.issue(APP, "Restore the connection-pool size to 50")["iid"]
    current = world.sandbox.issue(APP, iid)["labels"]
    world.sandbox.edit_issue(APP, iid, state_event="close", labels=[*current, *labels])
    assert world.sync().exit_code == 0
    assert world.statuses("en.md")["Restore the connection-pool size to 50"] is expected
    assert world.sync().actions == []


def test_an_issue_moved_to_in_progress_in_gitlab_is_read_back_into_the_row(
    world: GitLabWorld,
) -> None:
    world.write("en.md", EN_DOC)
    world.sync()
    iid = world.issue(APP, "Restore the connection-pool size to 50")["iid"]
    world.sandbox.edit_issue(APP, iid, add_labels=["workflow::in progress"])
    world.sync()
    assert world.statuses("en.md")["Restore the connection-pool size to 50"] is Status.IN_PROGRESS


def test_a_chinese_table_syncs_both_ways_with_a_project_in_a_subgroup(world: GitLabWorld) -> None:
    world.write("zh.md", ZH_DOC)
    assert world.sync().exit_code == 0
    issues = world.sandbox.issues(API)
    assert sorted(i["title"] for i in issues) == ["为回调接口增加幂等校验", "增加对账告警"]
    idem = world.issue(API, "为回调接口增加幂等校验")
    assert "in-progress" in idem["labels"] and idem["assignee"]["username"] == "chen"
    assert f"/{API}/-/issues/{idem['iid']})" in world.row("zh.md", "幂等校验")
    alert = world.issue(API, "增加对账告警")
    world.sandbox.edit_issue(API, alert["iid"], state_event="close")
    assert world.sync().exit_code == 0
    assert world.statuses("zh.md")["增加对账告警"] is Status.DONE
    assert "已完成" in world.row("zh.md", "增加对账告警")


def test_checkbox_list_items_get_issues_and_are_ticked_when_closed(world: GitLabWorld) -> None:
    world.write("list.md", LIST_DOC)
    world.sync()
    assert sorted(i["title"] for i in world.sandbox.issues(APP)) == [
        "Add a disk-usage alert",
        "Rotate logs hourly",
    ]
    alert = world.issue(APP, "Add a disk-usage alert")
    assert alert["due_date"] == date(2026, 3, 14).isoformat()
    assert f"[#{alert['iid']}](" in world.row("list.md", "disk-usage")
    world.sandbox.edit_issue(APP, alert["iid"], state_event="close", add_labels=["wont-do"])
    world.sync()
    assert world.row("list.md", "disk-usage").startswith("- [x] ❌ Add a disk-usage alert")
    assert world.sync().actions == []


# ----- adoption ---------------------------------------------------------------------------


@pytest.mark.parametrize("style", ["key", "url"])
def test_an_issue_named_in_a_row_is_adopted_not_created_again(
    world: GitLabWorld, style: str
) -> None:
    iid = world.sandbox.file_issue(APP, "Pool alert (filed by hand)", author="alice")
    named = f"{APP}#{iid}" if style == "key" else f"{world.sandbox.base_url}/{APP}/-/issues/{iid}"
    world.write(
        "en.md", EN_DOC.replace("| P2 | | In Progress |", f"| P2 | {named} | In Progress |")
    )
    result = world.sync()
    assert result.exit_code == 0, result.failed
    titles = [i["title"] for i in world.sandbox.issues(APP)]
    assert titles.count("Pool alert (filed by hand)") == 1
    assert "Alert on pool saturation" not in titles  # linked to the named issue instead
    assert len(titles) == 3


# ----- no duplicates ----------------------------------------------------------------------


@pytest.mark.parametrize("kind", ["timeout-after", "drop-after"])
def test_a_lost_create_response_makes_no_duplicate(world: GitLabWorld, kind: str) -> None:
    world.write("en.md", EN_DOC)
    world.write("zh.md", ZH_DOC)
    world.sandbox.faults.add(kind, route=CREATE)
    first = world.sync()
    assert first.exit_code == 0, (first.failed, first.deferred)
    assert first.counts["adopted"] + first.counts["created"] == 5
    again = world.sync()
    assert again.exit_code == 0 and again.counts["created"] == 0
    for project, count in ((APP, 3), (API, 2)):
        identities = world.identities(project)
        assert len(identities) == len(set(identities)) == count
    assert world.read("en.md").count(f"/{APP}/-/issues/") == 3


def test_a_process_killed_right_after_a_create_makes_no_duplicate_on_rerun(
    world: GitLabWorld,
) -> None:
    world.write("en.md", EN_DOC)
    killed = world.cli(extra_env={"TRACKER_TEST_CRASH_AFTER": "create"})
    assert killed.returncode == -9, killed.stderr
    assert world.sandbox.issues(APP)  # the first create went through, then the kill
    rerun = world.cli()
    assert rerun.returncode == 0, rerun.stdout + rerun.stderr
    identities = world.identities(APP)
    assert len(identities) == len(set(identities)) == 3
    assert world.read("en.md").count(f"/{APP}/-/issues/") == 3
    assert world.statuses("en.md")["Alert on pool saturation"] is Status.IN_PROGRESS


def test_a_link_follows_an_issue_moved_to_another_project(world: GitLabWorld) -> None:
    world.write("en.md", EN_DOC)
    world.sync()
    iid = world.issue(APP, "Restore the connection-pool size to 50")["iid"]
    new_iid = world.sandbox.move_issue(APP, iid, API)
    result = world.sync()
    assert result.exit_code == 0, result.failed
    row = world.row("en.md", "connection-pool")
    assert f"/{API}/-/issues/{new_iid})" in row and f"/{APP}/-/issues/{iid})" not in row
    assert world.statuses("en.md")["Restore the connection-pool size to 50"] is Status.OPEN
    assert world.sync().actions == []
