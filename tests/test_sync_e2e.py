"""`run_sync` end to end: real documents, SQLite store, the real Jira and GitHub
clients over HTTP against the loopback sandboxes."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import select, text
from tracker_github.sandbox.server import GitHubSandbox
from tracker_jira.sandbox.server import JiraSandbox

from tests.sync_support import EN_DOC, ZH_DOC, SyncWorld
from tracker.model import Status
from tracker.parse import parse_file
from tracker.store.models import StatusEvent
from tracker.sync import SyncProgress
from tracker.sync.render import render_plan, render_summary


@pytest.fixture
def world(
    tmp_path: Path, jira_sandbox: JiraSandbox, github_sandbox: GitHubSandbox
) -> Iterator[SyncWorld]:
    created = SyncWorld(tmp_path, jira_sandbox, github_sandbox)
    yield created
    created.close()


def statuses(world: SyncWorld, name: str) -> dict[str, Status]:
    doc = parse_file(world.docs / name, root=world.docs)
    return {item.action: item.status for item in doc.items}


def row(world: SyncWorld, name: str, action: str) -> str:
    return next(line for line in world.read(name).splitlines() if action in line)


def jira_issue(jira: JiraSandbox, summary: str) -> dict[str, object]:
    return next(issue for issue in jira.issues() if issue["summary"] == summary)


def events(world: SyncWorld) -> list[tuple[str | None, str, str]]:
    with world.store.session() as session:
        rows = session.execute(select(StatusEvent)).scalars().all()  # type: ignore[call-overload]
        return [(e.from_status, e.to_status, e.source) for e in rows]


# ----- create ------------------------------------------------------------------------------


def test_first_sync_creates_one_jira_ticket_per_open_item_and_links_it_in_the_row(
    world: SyncWorld, jira_sandbox: JiraSandbox
) -> None:
    world.write("en.md", EN_DOC)
    result = world.sync()
    assert result.exit_code == 0
    summaries = sorted(issue["summary"] for issue in jira_sandbox.issues())
    assert summaries == [
        "Add an SDK upgrade checklist",
        "Alert on pool saturation",
        "Restore the connection-pool size to 50",
    ]
    issue = jira_issue(jira_sandbox, "Restore the connection-pool size to 50")
    assert f"[{issue['key']}]({jira_sandbox.base_url}/browse/{issue['key']})" in row(
        world, "en.md", "Restore the connection-pool"
    )


def test_item_already_done_in_the_document_gets_no_ticket(
    world: SyncWorld, jira_sandbox: JiraSandbox
) -> None:
    world.write("en.md", EN_DOC)
    world.sync()
    assert all(issue["summary"] != "Write the customer apology" for issue in jira_sandbox.issues())
    assert "| ✅ Done |" in row(world, "en.md", "customer apology")


def test_chinese_document_gets_github_issues_and_a_ticket_column_in_its_language(
    world: SyncWorld, github_sandbox: GitHubSandbox
) -> None:
    world.write("zh.md", ZH_DOC)
    world.sync()
    titles = sorted(issue["title"] for issue in github_sandbox.issues("acme/app"))
    assert titles == ["为回调接口增加幂等校验", "增加对账告警"]
    assert "| 工单 |" in row(world, "zh.md", "行动项 |")
    issue = next(i for i in github_sandbox.issues("acme/app") if i["title"] == "增加对账告警")
    assert f"[#{issue['number']}]({issue['html_url']})" in row(world, "zh.md", "增加对账告警")


def test_ticket_says_where_it_came_from_and_carries_labels_and_identity(
    world: SyncWorld, jira_sandbox: JiraSandbox
) -> None:
    world.write("en.md", EN_DOC)
    world.sync()
    issue = jira_issue(jira_sandbox, "Alert on pool saturation")
    description = str(issue["description"])
    assert "Checkout latency spike" in description
    assert "2026-03-04" in description and "SEV2" in description
    assert "en.md:15" in description
    labels = set(issue["labels"])  # type: ignore[call-overload]
    assert {"postmortem", "payments", "sev2"} <= labels
    assert any(label.startswith("tracker-") for label in labels)
    assert issue["duedate"] == "2026-04-01"
    assert issue["priority"] == "Medium"


def test_owner_is_assigned_through_the_people_map(
    world: SyncWorld, jira_sandbox: JiraSandbox, github_sandbox: GitHubSandbox
) -> None:
    world.write("en.md", EN_DOC)
    world.write("zh.md", ZH_DOC)
    world.sync()
    issue = jira_issue(jira_sandbox, "Restore the connection-pool size to 50")
    assert issue["assignee"] == jira_sandbox.user_account("alice")
    gh = next(
        i for i in github_sandbox.issues("acme/app") if i["title"] == "为回调接口增加幂等校验"
    )
    assert [a["login"] for a in gh["assignees"]] == ["chen"]


def test_owner_missing_from_people_map_leaves_ticket_unassigned_with_a_warning(
    world: SyncWorld, jira_sandbox: JiraSandbox
) -> None:
    world.write("en.md", EN_DOC)
    result = world.sync()
    assert result.exit_code == 0
    assert jira_issue(jira_sandbox, "Add an SDK upgrade checklist")["assignee"] is None
    assert any("en.md:16" in w and "@nobody" in w and "unassigned" in w for w in result.warnings)
    assert any("@nobody" in line for line in render_summary(result))


def test_item_in_progress_gets_a_ticket_in_progress(
    world: SyncWorld, jira_sandbox: JiraSandbox
) -> None:
    world.write("en.md", EN_DOC)
    world.sync()
    assert jira_issue(jira_sandbox, "Alert on pool saturation")["status"] == "In Progress"


# ----- idempotence and dry run -------------------------------------------------------------


def test_second_sync_without_changes_plans_nothing_writes_no_file_and_only_reads(
    world: SyncWorld, jira_sandbox: JiraSandbox, github_sandbox: GitHubSandbox
) -> None:
    en = world.write("en.md", EN_DOC)
    zh = world.write("zh.md", ZH_DOC)
    world.sync()
    before = {p: (p.read_bytes(), p.stat().st_mtime_ns) for p in (en, zh)}
    jira_sandbox.requests.reset()
    github_sandbox.requests.reset()
    result = world.sync()
    assert result.actions == []
    assert result.changed_paths == []
    assert {p: (p.read_bytes(), p.stat().st_mtime_ns) for p in (en, zh)} == before
    routes = {
        **jira_sandbox.requests.snapshot()["by_route"],
        **github_sandbox.requests.snapshot()["by_route"],
    }
    assert all(route.startswith("GET ") for route in routes)
    # one incremental read per project / repository, plus the Jira account's time zone
    # (GET /myself, once per run: JQL times are read in it) and one server-identity
    # check per connector
    assert routes.pop("GET /rest/api/2/myself") == 1
    assert routes.pop("GET /_edge/tenant_info") == 1
    assert routes.pop("GET /user") == 1
    assert sum(routes.values()) == 2


def test_every_jira_project_read_in_parallel_shares_one_account_lookup_per_run(
    world: SyncWorld, jira_sandbox: JiraSandbox
) -> None:
    config = world.config_path.read_text(encoding="utf-8")
    ops_team = '[[teams]]\nname = "ops"\nmembers = ["alice"]\n'
    ops_team += 'target = { system = "jira", project = "OPS", issue_type = "Task" }\n\n'
    world.config_path.write_text(config.replace("[[teams]]", ops_team + "[[teams]]", 1))
    world.write("en.md", EN_DOC)
    world.write("ops.md", EN_DOC.replace("team: payments", "team: ops"))
    world.sync()
    assert {issue["key"].split("-")[0] for issue in jira_sandbox.issues()} == {"ENG", "OPS"}
    jira_sandbox.requests.reset()
    world.sync()
    routes = jira_sandbox.requests.snapshot()["by_route"]
    # each project's lane builds its own connector, but the account's time zone is one
    # answer for the whole run
    assert routes["GET /rest/api/2/search/jql"] >= 2
    assert routes["GET /rest/api/2/myself"] == 1


def _store_dump(world: SyncWorld) -> list[tuple[object, ...]]:
    tables = ["action_item", "ticket_link", "status_event", "sync_state", "sync_run", "postmortem"]
    with world.store.engine.connect() as connection:
        return [
            tuple(row)
            for table in tables
            for row in connection.execute(text(f"SELECT * FROM {table}"))
        ]


def test_dry_run_prints_the_plan_and_touches_nothing(
    world: SyncWorld, jira_sandbox: JiraSandbox, github_sandbox: GitHubSandbox
) -> None:
    world.write("en.md", EN_DOC)
    world.sync()
    world.write("zh.md", ZH_DOC)
    key = str(jira_issue(jira_sandbox, "Restore the connection-pool size to 50")["key"])
    world.later()  # someone edits the ticket later: Cloud search has indexed it
    jira_sandbox.set_status(key, "Done")
    en_before, store_before = world.read("en.md"), _store_dump(world)
    issues_before = (jira_sandbox.issues(), github_sandbox.issues("acme/app"))
    jira_sandbox.requests.reset()
    github_sandbox.requests.reset()

    result = world.sync(dry_run=True)

    assert {p.kind for p in result.actions} == {"create", "update"}
    assert world.read("en.md") == en_before
    assert "工单" not in world.read("zh.md")
    assert _store_dump(world) == store_before
    assert (jira_sandbox.issues(), github_sandbox.issues("acme/app")) == issues_before
    for sandbox in (jira_sandbox, github_sandbox):
        assert all(route.startswith("GET ") for route in sandbox.requests.snapshot()["by_route"])


# ----- ticket → document -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("status", "resolution", "expected", "cell"),
    [
        ("In Progress", None, Status.IN_PROGRESS, "In Progress"),
        ("Done", None, Status.DONE, "Done"),
        ("Done", "Won't Do", Status.WONT_DO, None),
    ],
)
def test_jira_status_change_is_written_into_the_english_row(
    world: SyncWorld,
    jira_sandbox: JiraSandbox,
    status: str,
    resolution: str | None,
    expected: Status,
    cell: str | None,
) -> None:
    world.write("en.md", EN_DOC)
    world.sync()
    key = str(jira_issue(jira_sandbox, "Restore the connection-pool size to 50")["key"])
    world.later()  # someone edits the ticket later: Cloud search has indexed it
    jira_sandbox.set_status(key, status, resolution)
    result = world.sync()
    assert result.exit_code == 0
    assert statuses(world, "en.md")["Restore the connection-pool size to 50"] is expected
    if cell:
        assert row(world, "en.md", "Restore the connection-pool").rstrip().endswith(f"| {cell} |")
    assert ("open", expected.value, "jira") in events(world)


def test_jira_ticket_reopened_sets_the_row_back_to_open(
    world: SyncWorld, jira_sandbox: JiraSandbox
) -> None:
    world.write("en.md", EN_DOC)
    world.sync()
    key = str(jira_issue(jira_sandbox, "Alert on pool saturation")["key"])
    world.later()  # someone edits the ticket later: Cloud search has indexed it
    jira_sandbox.set_status(key, "Done")
    world.sync()
    world.later()  # someone edits the ticket later: Cloud search has indexed it
    jira_sandbox.set_status(key, "To Do")
    world.sync()
    assert statuses(world, "en.md")["Alert on pool saturation"] is Status.OPEN
    assert ("done", "open", "jira") in events(world)


@pytest.mark.parametrize(
    ("state", "reason", "expected", "cell"),
    [
        ("closed", "completed", Status.DONE, "已完成"),
        ("closed", "not_planned", Status.WONT_DO, None),
    ],
)
def test_github_state_change_is_written_into_the_chinese_row_in_chinese(
    world: SyncWorld,
    github_sandbox: GitHubSandbox,
    state: str,
    reason: str,
    expected: Status,
    cell: str | None,
) -> None:
    world.write("zh.md", ZH_DOC)
    world.sync()
    issue = next(i for i in github_sandbox.issues("acme/app") if i["title"] == "增加对账告警")
    github_sandbox.set_state("acme/app", issue["number"], state, state_reason=reason)
    world.sync()
    assert statuses(world, "zh.md")["增加对账告警"] is expected
    if cell:
        assert f"| {cell}" in row(world, "zh.md", "增加对账告警")
    assert ("open", expected.value, "github") in events(world)


def test_github_issue_reopened_sets_the_row_back_to_open(
    world: SyncWorld, github_sandbox: GitHubSandbox
) -> None:
    world.write("zh.md", ZH_DOC)
    world.sync()
    number = next(i for i in github_sandbox.issues("acme/app") if i["title"] == "增加对账告警")[
        "number"
    ]
    github_sandbox.set_state("acme/app", number, "closed", state_reason="completed")
    world.sync()
    github_sandbox.set_state("acme/app", number, "open", state_reason="reopened")
    world.sync()
    assert statuses(world, "zh.md")["增加对账告警"] is Status.OPEN


def test_emoji_status_style_is_kept_when_the_ticket_closes(
    world: SyncWorld, jira_sandbox: JiraSandbox
) -> None:
    world.write("en.md", EN_DOC.replace("| Open |", "| 📋 Planned |"))
    world.sync()
    key = str(jira_issue(jira_sandbox, "Restore the connection-pool size to 50")["key"])
    world.later()  # someone edits the ticket later: Cloud search has indexed it
    jira_sandbox.set_status(key, "Done")
    world.sync()
    assert "| ✅ Done" in row(world, "en.md", "Restore the connection-pool")


# ----- document → ticket -------------------------------------------------------------------


def test_edits_to_action_owner_due_and_priority_update_the_ticket(
    world: SyncWorld, jira_sandbox: JiraSandbox
) -> None:
    world.write("en.md", EN_DOC)
    world.sync()
    key = str(jira_issue(jira_sandbox, "Restore the connection-pool size to 50")["key"])
    edited = world.read("en.md").replace(
        "| Restore the connection-pool size to 50 | @alice | 2026-03-20 | P1 |",
        "| Restore the pool size to 50 and pin it | @bob | 2026-03-27 | P0 |",
    )
    world.write("en.md", edited)
    result = world.sync()
    assert result.exit_code == 0
    issue = jira_sandbox.issue(key)
    assert issue["summary"] == "Restore the pool size to 50 and pin it"
    assert issue["assignee"] == jira_sandbox.user_account("bob")
    assert issue["duedate"] == "2026-03-27"
    assert issue["priority"] == "Highest"
    assert len(jira_sandbox.issues()) == 3  # an edited action is the same item, not a new one


def test_github_issue_follows_a_due_date_and_owner_edit(
    world: SyncWorld, github_sandbox: GitHubSandbox
) -> None:
    world.write("zh.md", ZH_DOC)
    world.sync()
    world.write(
        "zh.md", world.read("zh.md").replace("| @bob | 2026-06-15 |", "| @alice | 2026-06-30 |")
    )
    world.sync()
    issue = next(i for i in github_sandbox.issues("acme/app") if i["title"] == "增加对账告警")
    assert [a["login"] for a in issue["assignees"]] == ["alice"]
    milestone = issue.get("milestone") or {}
    assert "2026-06-30" in (str(milestone.get("title", "")) + str(issue.get("body", "")))


def test_row_marked_done_leaves_the_ticket_open_by_default(
    world: SyncWorld, jira_sandbox: JiraSandbox
) -> None:
    world.write("en.md", EN_DOC)
    world.sync()
    world.write(
        "en.md",
        world.read("en.md")
        .replace("| P1 |", "| P1 |", 1)
        .replace("| Open |\n| Alert", "| Done |\n| Alert", 1),
    )
    result = world.sync()
    assert jira_issue(jira_sandbox, "Restore the connection-pool size to 50")["status"] == "To Do"
    assert result.exit_code == 0


def test_row_marked_done_closes_the_ticket_when_configured(
    tmp_path: Path, jira_sandbox: JiraSandbox
) -> None:
    world = SyncWorld(tmp_path, jira_sandbox, None, sync={"close_ticket_when_done": True})
    world.write("en.md", EN_DOC)
    world.sync()
    world.write("en.md", world.read("en.md").replace("| Open |\n| Alert", "| Done |\n| Alert", 1))
    world.sync()
    assert jira_issue(jira_sandbox, "Restore the connection-pool size to 50")["status"] == "Done"
    world.close()


# ----- conflicts, deletions, adoption ------------------------------------------------------


def test_both_sides_changing_the_due_date_is_reported_and_neither_is_overwritten(
    world: SyncWorld, jira_sandbox: JiraSandbox
) -> None:
    world.write("en.md", EN_DOC)
    world.sync()
    key = str(jira_issue(jira_sandbox, "Restore the connection-pool size to 50")["key"])
    world.later()  # someone edits the ticket later: Cloud search has indexed it
    jira_sandbox.edit_issue(key, {"duedate": "2026-05-05"})
    world.write("en.md", world.read("en.md").replace("2026-03-20", "2026-04-04"))
    result = world.sync()
    conflict = next(p for p in result.plans if p.kind == "conflict")
    assert [(c.field, c.document, c.ticket) for c in conflict.conflicts] == [
        ("due", "2026-04-04", "2026-05-05")
    ]
    assert jira_sandbox.issue(key)["duedate"] == "2026-05-05"
    assert "2026-04-04" in row(world, "en.md", "Restore the connection-pool")
    assert any("conflict" in line for line in render_summary(result))
    assert next(p for p in world.sync().plans if p.item_id == conflict.item_id).kind == "conflict"


def test_deleted_row_is_reported_once_and_its_ticket_left_alone(
    world: SyncWorld, jira_sandbox: JiraSandbox
) -> None:
    world.write("en.md", EN_DOC)
    world.sync()
    world.write(
        "en.md",
        "\n".join(x for x in world.read("en.md").splitlines() if "pool saturation" not in x) + "\n",
    )
    result = world.sync()
    assert [p.kind for p in result.plans if p.kind == "row-deleted"] == ["row-deleted"]
    assert jira_issue(jira_sandbox, "Alert on pool saturation")["status"] == "In Progress"
    assert [p for p in world.sync().plans if p.kind == "row-deleted"] == []
    assert len(jira_sandbox.issues()) == 3


def test_deleted_ticket_is_reported_and_never_silently_recreated(
    world: SyncWorld, jira_sandbox: JiraSandbox
) -> None:
    world.write("en.md", EN_DOC)
    world.sync()
    key = str(jira_issue(jira_sandbox, "Restore the connection-pool size to 50")["key"])
    jira_sandbox.delete_issue(key)
    world.write("en.md", world.read("en.md").replace("2026-03-20", "2026-03-21"))
    result = world.sync()
    gone = [p for p in result.plans if p.kind == "ticket-gone"]
    assert [p.ref.key for p in gone if p.ref] == [key]  # the update's 404, reported
    assert result.exit_code == 0 and result.failed == {}
    assert any(key in line and "deleted" in line for line in render_summary(result))
    assert len(jira_sandbox.issues()) == 2
    assert all(
        issue["summary"] != "Restore the connection-pool size to 50"
        for issue in jira_sandbox.issues()
    )


def test_row_edited_after_its_ticket_was_deleted_fails_no_later_run(
    world: SyncWorld, jira_sandbox: JiraSandbox, github_sandbox: GitHubSandbox
) -> None:
    world.write("en.md", EN_DOC)
    world.write("zh.md", ZH_DOC)
    world.sync()
    key = str(jira_issue(jira_sandbox, "Restore the connection-pool size to 50")["key"])
    jira_sandbox.delete_issue(key)
    number = next(i for i in github_sandbox.issues("acme/app") if i["title"] == "增加对账告警")[
        "number"
    ]
    github_sandbox.delete_issue("acme/app", number)
    world.write("en.md", world.read("en.md").replace("2026-03-20", "2026-03-21"))
    world.write("zh.md", world.read("zh.md").replace("2026-06-15", "2026-06-16"))
    first = world.sync()
    gone = sorted(p.ref.key for p in first.plans if p.kind == "ticket-gone" and p.ref)
    assert gone == sorted([key, f"acme/app#{number}"])
    jira_sandbox.requests.reset()
    github_sandbox.requests.reset()
    for _ in range(2):
        later = world.sync()
        assert (later.exit_code, later.actions) == (0, [])
    writes = [
        route
        for sandbox in (jira_sandbox, github_sandbox)
        for route in sandbox.requests.snapshot()["by_route"]
        if not route.startswith("GET")
    ]
    assert writes == []  # never re-created, never updated again
    assert len(jira_sandbox.issues()) == 2 and len(github_sandbox.issues("acme/app")) == 1


def test_dry_run_a_week_after_a_ticket_was_deleted_reports_it(
    world: SyncWorld, jira_sandbox: JiraSandbox
) -> None:
    from datetime import timedelta

    world.write("en.md", EN_DOC)
    world.sync()
    key = str(jira_issue(jira_sandbox, "Alert on pool saturation")["key"])
    jira_sandbox.delete_issue(key)
    week_later = jira_sandbox.clock.now() + timedelta(days=8)
    planned = world.sync(dry_run=True, now=week_later)
    assert [p.ref.key for p in planned.plans if p.kind == "ticket-gone" and p.ref] == [key]
    printed = render_plan(planned)
    assert "Nothing to do" not in "\n".join(printed)
    assert any(key in line and "was deleted" in line for line in printed)


def test_ticket_named_in_a_row_is_adopted_not_created_again(
    world: SyncWorld, jira_sandbox: JiraSandbox
) -> None:
    key = jira_sandbox.add_issue("ENG", "Existing ticket")  # filed by a person
    jira_sandbox.set_status(key, "In Progress")
    world.write("en.md", EN_DOC.replace("| P3 | |", f"| P3 | {key} |"))
    result = world.sync()
    assert len(jira_sandbox.issues()) == 3  # the existing one + two new, none for the SDK row
    plan = next(p for p in result.plans if p.kind == "link")
    assert plan.ref is not None and plan.ref.key == key
    assert statuses(world, "en.md")["Add an SDK upgrade checklist"] is Status.IN_PROGRESS


class _EditDuringRun(SyncProgress):
    """Someone saves the document after the run read it and before it writes back."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def start(self, total: int, label: str) -> None:
        self.path.write_text(
            self.path.read_text(encoding="utf-8") + "\nA late note.\n", encoding="utf-8"
        )


def test_document_edited_during_the_run_is_skipped_and_written_next_run(
    world: SyncWorld, jira_sandbox: JiraSandbox
) -> None:
    path = world.write("en.md", EN_DOC)
    result = world.sync(progress=_EditDuringRun(path))
    assert result.exit_code == 1
    assert "browse/ENG" not in world.read("en.md")
    assert world.read("en.md").endswith("A late note.\n")
    assert len(jira_sandbox.issues()) == 3
    assert world.sync().exit_code == 0
    assert world.read("en.md").count("browse/ENG") == 3
    assert len(jira_sandbox.issues()) == 3


# ----- document-owned status and deletion policies ----------------------------------------


@pytest.mark.parametrize(
    ("cell", "jira_status", "resolution"),
    [
        ("In Progress", "In Progress", None),
        ("Done", "Done", "Done"),
        ("Won't do", "Done", "Won't Do"),
    ],
)
def test_document_owned_status_moves_the_jira_ticket(
    tmp_path: Path, jira_sandbox: JiraSandbox, cell: str, jira_status: str, resolution: str | None
) -> None:
    world = SyncWorld(tmp_path, jira_sandbox, None, sync={"status_owner": "document"})
    world.write("en.md", EN_DOC)
    world.sync()
    world.write(
        "en.md", world.read("en.md").replace("| Open |\n| Alert", f"| {cell} |\n| Alert", 1)
    )
    result = world.sync()
    world.close()
    assert result.exit_code == 0, result.failed
    issue = jira_issue(jira_sandbox, "Restore the connection-pool size to 50")
    assert (issue["status"], issue["resolution"]) == (jira_status, resolution)


@pytest.mark.parametrize(("cell", "reason"), [("已完成", "completed"), ("不做", "not_planned")])
def test_document_owned_status_closes_the_github_issue_with_the_right_reason(
    tmp_path: Path, github_sandbox: GitHubSandbox, cell: str, reason: str
) -> None:
    world = SyncWorld(tmp_path, None, github_sandbox, sync={"status_owner": "document"})
    world.write("zh.md", ZH_DOC)
    world.sync()
    world.write("zh.md", world.read("zh.md").replace("计划中", cell))
    result = world.sync()
    world.close()
    assert result.exit_code == 0, result.failed
    issue = next(i for i in github_sandbox.issues("acme/app") if i["title"] == "增加对账告警")
    assert (issue["state"], issue["state_reason"]) == ("closed", reason)


def test_deleted_row_closes_its_ticket_as_wont_do_when_configured(
    tmp_path: Path, jira_sandbox: JiraSandbox
) -> None:
    world = SyncWorld(tmp_path, jira_sandbox, None, sync={"on_row_deleted": "close-ticket"})
    world.write("en.md", EN_DOC)
    world.sync()
    kept = [x for x in world.read("en.md").splitlines() if "SDK upgrade" not in x]
    world.write("en.md", "\n".join(kept) + "\n")
    result = world.sync()
    world.close()
    assert [p.kind for p in result.plans if p.kind == "row-deleted"] == ["row-deleted"]
    issue = jira_issue(jira_sandbox, "Add an SDK upgrade checklist")
    assert (issue["status"], issue["resolution"]) == ("Done", "Won't Do")


def test_key_link_style_writes_bare_keys(tmp_path: Path, jira_sandbox: JiraSandbox) -> None:
    world = SyncWorld(tmp_path, jira_sandbox, None, sync={"ticket_link_style": "key"})
    world.write("en.md", EN_DOC)
    world.sync()
    world.close()
    assert "| P1 | ENG-1 |" in row(world, "en.md", "Restore the connection-pool")


def test_missing_ticket_column_is_not_added_when_configured_off(
    tmp_path: Path, github_sandbox: GitHubSandbox
) -> None:
    world = SyncWorld(tmp_path, None, github_sandbox, sync={"add_missing_columns": False})
    world.write("zh.md", ZH_DOC)
    result = world.sync()
    second = world.sync()
    world.close()
    assert "工单" not in world.read("zh.md")
    assert len(github_sandbox.issues("acme/app")) == 2
    assert result.exit_code == 0 and second.actions == []


def test_front_matter_overrides_the_team_target(
    world: SyncWorld, jira_sandbox: JiraSandbox
) -> None:
    world.write("en.md", EN_DOC.replace("team: payments", "team: payments\njira_project: OPS"))
    world.sync()
    assert {issue["project"] for issue in jira_sandbox.issues()} == {"OPS"}


def test_asked_to_stop_leaves_unstarted_work_for_the_next_run(
    world: SyncWorld, jira_sandbox: JiraSandbox
) -> None:
    from tracker.sync import run_sync

    world.write("en.md", EN_DOC)
    stopped = run_sync(
        world.config, world.store, [world.docs], env=world.env, should_stop=lambda: True
    )
    assert stopped.interrupted == 3 and stopped.exit_code == 0
    assert jira_sandbox.issues() == []
    assert world.sync().counts["created"] == 3


def test_items_whose_ids_change_keep_the_tickets_their_rows_name(
    world: SyncWorld, jira_sandbox: JiraSandbox, github_sandbox: GitHubSandbox
) -> None:
    world.write("en.md", EN_DOC)
    world.write("zh.md", ZH_DOC)
    world.sync()
    world.write("en.md", world.read("en.md").replace("team: payments", "team: payments\nid: pm-42"))
    (world.docs / "zh.md").rename(world.docs / "zh-renamed.md")
    result = world.sync()
    assert result.actions == []
    assert len(jira_sandbox.issues()) == 3 and len(github_sandbox.issues("acme/app")) == 2


def test_moved_jira_ticket_and_transferred_github_issue_are_followed_on_update(
    tmp_path: Path, jira_sandbox: JiraSandbox
) -> None:
    with GitHubSandbox(repos=("acme/app", "acme/other")) as github:
        world = SyncWorld(tmp_path, jira_sandbox, github)
        world.write("en.md", EN_DOC)
        world.write("zh.md", ZH_DOC)
        world.sync()
        number = next(i for i in github.issues("acme/app") if i["title"] == "增加对账告警")[
            "number"
        ]
        moved_to = github.transfer_issue("acme/app", number, "acme/other")
        key = str(jira_issue(jira_sandbox, "Alert on pool saturation")["key"])
        new_key = jira_sandbox.move_issue(key, "OPS")
        world.write("zh.md", world.read("zh.md").replace("2026-06-15", "2026-06-16"))
        world.write("en.md", world.read("en.md").replace("2026-04-01", "2026-04-02"))
        result = world.sync()
        second = world.sync()
        world.close()
    assert result.exit_code == 0 and second.actions == []
    assert f"[{new_key}](" in row(world, "en.md", "pool saturation")
    assert f"/{key})" not in row(world, "en.md", "pool saturation")
    assert f"[acme/other#{moved_to}](" in row(world, "zh.md", "增加对账告警")
    assert jira_sandbox.issue(new_key)["duedate"] == "2026-04-02"


def test_a_transferred_issue_with_nothing_else_to_write_replaces_its_link_in_the_row(
    tmp_path: Path,
) -> None:
    with GitHubSandbox(repos=("acme/app", "acme/other")) as github:
        world = SyncWorld(tmp_path, None, github)
        world.write("zh.md", ZH_DOC)
        world.sync()
        number = next(i for i in github.issues("acme/app") if i["title"] == "增加对账告警")[
            "number"
        ]
        moved_to = github.transfer_issue("acme/app", number, "acme/other")
        result = world.sync(full=True)
        world.close()
    assert result.exit_code == 0, result.failed
    cell = row(world, "zh.md", "增加对账告警")
    assert f"[acme/other#{moved_to}](" in cell
    assert f"/acme/app/issues/{number})" not in cell


def test_status_without_a_status_column_is_not_forced_into_the_table(
    tmp_path: Path, jira_sandbox: JiraSandbox
) -> None:
    world = SyncWorld(tmp_path, jira_sandbox, None, sync={"add_missing_columns": False})
    doc = "\n".join(
        [
            "---",
            "team: payments",
            "---",
            "# Postmortem: Cache outage",
            "",
            "## Action Items",
            "",
            "| Action | Owner | Due | Ticket |",
            "| ------ | ----- | --- | ------ |",
            "| Restore the connection-pool size to 50 | @alice | 2026-03-20 | |",
        ]
    )
    world.write("en.md", doc + "\n")
    world.sync()
    key = str(jira_issue(jira_sandbox, "Restore the connection-pool size to 50")["key"])
    jira_sandbox.set_status(key, "Done")
    first = world.sync()
    second = world.sync()
    world.close()
    assert "Status" not in world.read("en.md") and "Done" not in world.read("en.md")
    assert first.exit_code == 0 and second.actions == []


def test_jira_server_flavour_syncs_both_ways(
    tmp_path: Path, jira_server_sandbox: JiraSandbox
) -> None:
    world = SyncWorld(tmp_path, jira_server_sandbox, None)
    world.write("en.md", EN_DOC)
    first = world.sync()
    key = str(jira_issue(jira_server_sandbox, "Alert on pool saturation")["key"])
    jira_server_sandbox.set_status(key, "Done")
    second = world.sync()
    third = world.sync()
    world.close()
    assert first.exit_code == 0 and len(jira_server_sandbox.issues()) == 3
    assert statuses(world, "en.md")["Alert on pool saturation"] is Status.DONE
    assert second.exit_code == 0 and third.actions == []


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


def test_checkbox_list_items_get_tickets_and_are_ticked_when_done(
    world: SyncWorld, jira_sandbox: JiraSandbox
) -> None:
    world.write("list.md", LIST_DOC)
    world.sync()
    assert len(jira_sandbox.issues()) == 2
    key = str(jira_issue(jira_sandbox, "Add a disk-usage alert")["key"])
    assert f"([{key}](" in row(world, "list.md", "disk-usage")
    world.later()  # someone edits the ticket later: Cloud search has indexed it
    jira_sandbox.set_status(key, "Done")
    world.sync()
    assert row(world, "list.md", "disk-usage").startswith("- [x] Add a disk-usage alert")
    assert world.sync().actions == []


def _close_or_move(
    world: SyncWorld, system: str, summary: str, change: tuple[str, str | None]
) -> None:
    """The ticket of `summary` changes remotely: Jira (status, resolution) or GitHub
    (state, state_reason)."""
    if system == "jira":
        assert world.jira is not None
        world.later()  # someone edits the ticket later: Cloud search has indexed it
        world.jira.set_status(str(jira_issue(world.jira, summary)["key"]), *change)
        return
    assert world.github is not None
    number = next(i for i in world.github.issues("acme/app") if i["title"] == summary)["number"]
    world.github.set_state("acme/app", number, change[0], state_reason=change[1])


@pytest.mark.parametrize(
    ("system", "change", "expected", "line_start"),
    [
        ("jira", ("In Progress", None), Status.IN_PROGRESS, "- [ ] 🔄 Add a disk-usage alert"),
        ("jira", ("Done", "Won't Do"), Status.WONT_DO, "- [x] ❌ Add a disk-usage alert"),
        ("jira", ("Done", None), Status.DONE, "- [x] Add a disk-usage alert"),
        ("github", ("closed", "not_planned"), Status.WONT_DO, "- [x] ❌ Add a disk-usage alert"),
        ("github", ("closed", "completed"), Status.DONE, "- [x] Add a disk-usage alert"),
    ],
)
def test_list_item_holds_the_ticket_status_and_the_next_sync_keeps_it(
    world: SyncWorld,
    system: str,
    change: tuple[str, str | None],
    expected: Status,
    line_start: str,
) -> None:
    team = "payments" if system == "jira" else "search"
    world.write("list.md", LIST_DOC.replace("team: payments", f"team: {team}"))
    world.sync()
    _close_or_move(world, system, "Add a disk-usage alert", change)
    world.sync()
    assert row(world, "list.md", "disk-usage").startswith(line_start)
    assert statuses(world, "list.md")["Add a disk-usage alert"] is expected

    planned = world.sync(dry_run=True)
    assert planned.actions == []
    assert not any("edited in the document" in note for p in planned.plans for note in p.notes)
    again = world.sync()
    assert (again.actions, again.changed_paths) == ([], [])
    assert statuses(world, "list.md")["Add a disk-usage alert"] is expected
    assert ("open", expected.value, system) in events(world)
    assert [e for e in events(world) if e[0] is not None and e[2] == "document"] == []
    with world.store.engine.connect() as connection:
        stored = connection.execute(
            text("SELECT status FROM action_item WHERE action = 'Add a disk-usage alert'")
        ).scalar_one()
    assert stored == expected.value


def test_ticket_source_link_is_relative_to_the_config_folder(
    world: SyncWorld, jira_sandbox: JiraSandbox
) -> None:
    config = world.config_path.read_text(encoding="utf-8")
    world.config_path.write_text(
        'docs_base_url = "https://git.example.com/pm/blob/main/"\n' + config, encoding="utf-8"
    )
    world.write("en.md", EN_DOC)
    world.sync()  # given the documents' absolute folder, as cron does
    description = str(jira_issue(jira_sandbox, "Alert on pool saturation")["description"])
    assert "- Source: https://git.example.com/pm/blob/main/postmortems/en.md#L15" in description
    assert str(world.folder) not in description


@pytest.mark.parametrize("style", ["bare", "url"])
def test_github_issue_named_in_a_row_is_adopted(
    world: SyncWorld, github_sandbox: GitHubSandbox, style: str
) -> None:
    number = github_sandbox.add_issue("acme/app", "Existing")  # filed by a person
    url = str(github_sandbox.issue("acme/app", number)["html_url"])
    named = f"#{number}" if style == "bare" else url
    doc = ZH_DOC.replace(
        "| 状态 |\n| ------ | ------ | -------- | ---- |",
        "| 状态 | 工单 |\n| ------ | ------ | -------- | ---- | ---- |",
    )
    doc = doc.replace("| 计划中 |", f"| 计划中 | {named} |").replace("| 进行中 |", "| 进行中 | |")
    world.write("zh.md", doc)
    result = world.sync()
    assert result.exit_code == 0
    assert len(github_sandbox.issues("acme/app")) == 2  # the existing one + one new
    link = next(p for p in result.plans if p.kind == "link")
    assert link.ref is not None and link.ref.key == f"acme/app#{number}"


def test_full_read_notices_a_deleted_ticket_nobody_writes_to(
    world: SyncWorld, jira_sandbox: JiraSandbox, github_sandbox: GitHubSandbox
) -> None:
    world.write("en.md", EN_DOC)
    world.write("zh.md", ZH_DOC)
    world.sync()
    key = str(jira_issue(jira_sandbox, "Alert on pool saturation")["key"])
    jira_sandbox.delete_issue(key)
    number = next(i for i in github_sandbox.issues("acme/app") if i["title"] == "增加对账告警")[
        "number"
    ]
    github_sandbox.delete_issue("acme/app", number)
    assert [p.kind for p in world.sync().plans if p.kind == "ticket-gone"] == []  # incremental
    result = world.sync(full=True)
    gone = sorted(p.ref.key for p in result.plans if p.kind == "ticket-gone" and p.ref)
    assert gone == sorted([key, f"acme/app#{number}"])
    assert len(jira_sandbox.issues()) == 2 and len(github_sandbox.issues("acme/app")) == 1
    assert [p for p in world.sync(full=True).plans if p.kind == "ticket-gone"] == []  # once


def test_every_scope_is_listed_whole_once_a_week(
    world: SyncWorld, jira_sandbox: JiraSandbox
) -> None:
    from datetime import timedelta

    world.write("en.md", EN_DOC)
    world.sync()
    key = str(jira_issue(jira_sandbox, "Alert on pool saturation")["key"])
    jira_sandbox.delete_issue(key)
    later = jira_sandbox.clock.now() + timedelta(days=8)
    result = world.sync(now=later)
    assert [p.ref.key for p in result.plans if p.kind == "ticket-gone" and p.ref] == [key]
