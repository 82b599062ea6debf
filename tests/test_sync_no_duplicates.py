"""A create is never repeated until a read that can be trusted says it didn't happen.

Sync-level regressions against the sandboxes (real clients, real HTTP), for Jira Cloud,
Jira Server/DC and GitHub, with the search index lagging far behind (Cloud: 120 s on
the sandbox clock, so no test waits for it): a create's answer is lost, the identity
lookup fails, the process is killed right after a create, a follow-up transition
fails — and an immediate re-run ends with exactly one ticket per item and in-progress
statuses intact on both sides.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from tracker_github.marker import identity_in
from tracker_github.sandbox.server import GitHubSandbox
from tracker_jira.sandbox.server import JiraSandbox

from tests.sync_support import EN_DOC, ZH_DOC, SyncWorld
from tracker.model import ActionItem, Status
from tracker.parse import parse_file
from tracker.sync import SyncProgress

LAG_SECONDS = 120  # far longer than any test takes: only trusted reads can see new tickets

SINGLE_EN = """\
---
team: payments
---

# Postmortem: Queue backlog

## Action Items

| Action | Owner | Due | Priority | Ticket | Status |
| ------ | ----- | --- | -------- | ------ | ------ |
| Alert on pool saturation | @bob | 2026-04-01 | P2 | | In Progress |
"""

SINGLE_ZH = """\
---
team: search
---

# 事后分析：队列积压

## 行动项

| 行动项 | 负责人 | 截止日期 | 状态 |
| ------ | ------ | -------- | ---- |
| 为回调接口增加幂等校验 | @chen | 2026-06-01 | 进行中 |
"""


@dataclass
class System:
    """One ticket system under test: its sandbox, its documents and its routes."""

    name: str
    world: SyncWorld
    sandbox: JiraSandbox | GitHubSandbox
    bulk_doc: str
    single_doc: str
    in_progress_action: str
    create_route: str
    lookup_routes: tuple[str, ...]  # what a trusted lookup reads
    status_route: str  # what a follow-up status change writes
    actions: list[str] = field(default_factory=list)  # the rows that need a ticket

    def write(self, size: str) -> None:
        path = self.world.write("pm.md", self.bulk_doc if size == "bulk" else self.single_doc)
        doc = parse_file(path, root=self.world.docs)
        self.actions = [item.action for item in doc.items if not item.status.is_closed]

    def items(self) -> list[ActionItem]:
        doc = parse_file(self.world.docs / "pm.md", root=self.world.docs)
        return [item for item in doc.items if not item.status.is_closed]

    def tickets(self) -> list[dict[str, Any]]:
        if isinstance(self.sandbox, JiraSandbox):
            return self.sandbox.issues()
        return self.sandbox.issues("acme/app")

    def identity(self, ticket: dict[str, Any]) -> str | None:
        if isinstance(self.sandbox, JiraSandbox):
            labels = [label for label in ticket["labels"] if label.startswith("tracker-")]
            return labels[0].removeprefix("tracker-") if labels else None
        return identity_in(ticket.get("body"))

    def in_progress(self, ticket: dict[str, Any]) -> bool:
        if isinstance(self.sandbox, JiraSandbox):
            return bool(ticket["status"] == "In Progress")
        return "in-progress" in [label["name"] for label in ticket["labels"]]

    def assert_one_ticket_per_item_and_statuses_intact(self) -> None:
        doc = parse_file(self.world.docs / "pm.md", root=self.world.docs)
        rows = {item.action: item for item in doc.items if not item.status.is_closed}
        assert sorted(rows) == sorted(self.actions)
        tickets = self.tickets()
        assert len(tickets) == len(rows)
        assert len({self.identity(ticket) for ticket in tickets} - {None}) == len(rows)
        for action, item in rows.items():
            (ticket,) = [t for t in tickets if action in str(t.get("summary") or t.get("title"))]
            assert item.tickets, f"{action}: no ticket link in the row"
            expect = action == self.in_progress_action
            assert (item.status is Status.IN_PROGRESS) is expect, action
            assert self.in_progress(ticket) is expect, action


@pytest.fixture(params=["jira", "jira-server", "github"])
def system(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[System]:
    if request.param == "github":
        github: GitHubSandbox = request.getfixturevalue("github_sandbox")
        github.set_search_lag(LAG_SECONDS)
        github.timeout_hold_seconds = 4
        world = SyncWorld(tmp_path, None, github, timeout=2)
        yield System(
            "github",
            world,
            github,
            ZH_DOC,
            SINGLE_ZH,
            "为回调接口增加幂等校验",
            "POST /repos/{owner}/{repo}/issues",
            ("GET /repos/{owner}/{repo}/issues",),
            "PATCH /repos/{owner}/{repo}/issues/{number}",
        )
    else:
        fixture = "jira_sandbox" if request.param == "jira" else "jira_server_sandbox"
        jira: JiraSandbox = request.getfixturevalue(fixture)
        jira.search_lag_seconds = LAG_SECONDS  # only Cloud lags; Server ignores it
        jira.timeout_hold_seconds = 4
        search = "GET /rest/api/2/search/jql" if jira.cloud else "GET /rest/api/2/search"
        world = SyncWorld(tmp_path, jira, None, timeout=2)
        yield System(
            request.param,
            world,
            jira,
            EN_DOC,
            SINGLE_EN,
            "Alert on pool saturation",
            "POST /rest/api/2/issue/bulk",
            (search, "GET /rest/api/2/issue/{issueIdOrKey}"),
            "POST /rest/api/2/issue/{issueIdOrKey}/transitions",
        )
    world.close()


def when_requested(
    sandbox: JiraSandbox | GitHubSandbox, route: str, action: Callable[[], None]
) -> threading.Thread:
    """Run `action` as soon as the sandbox receives a request on `route` (the client
    is then waiting for an answer that a "timeout-after" fault will never give)."""
    before = sandbox.requests.snapshot()["by_route"].get(route, 0)

    def watch() -> None:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if sandbox.requests.snapshot()["by_route"].get(route, 0) > before:
                action()
                return
            time.sleep(0.005)

    thread = threading.Thread(target=watch, daemon=True)
    thread.start()
    return thread


@pytest.mark.parametrize("size", ["single", "bulk"])
@pytest.mark.parametrize("kind", ["timeout-after", "drop-after"])
def test_lost_create_response_makes_no_duplicate_under_search_lag(
    system: System, kind: str, size: str
) -> None:
    system.write(size)
    system.sandbox.faults.add(kind, route=system.create_route)
    first = system.world.sync()
    assert first.exit_code == 0, (first.failed, first.deferred)
    # Found by a trusted read (adopted), or certainly not made and sent again (created;
    # e.g. Server refused the lost POST's assignee, so it made nothing).
    assert first.counts["adopted"] + first.counts["created"] == len(system.actions)
    again = system.world.sync()
    assert again.exit_code == 0, (again.failed, again.deferred)
    assert again.counts["created"] == 0
    system.assert_one_ticket_per_item_and_statuses_intact()


def test_lost_create_with_failing_lookup_is_deferred_then_adopted_by_an_immediate_rerun(
    system: System,
) -> None:
    system.write("bulk")
    system.sandbox.faults.add("timeout-after", route=system.create_route)

    def lookups_fail() -> None:
        for route in system.lookup_routes:
            system.sandbox.faults.add("500", count=50, route=route)

    watcher = when_requested(system.sandbox, system.create_route, lookups_fail)
    first = system.world.sync()
    watcher.join()
    assert first.exit_code == 1
    assert first.deferred and not first.failed
    linked = [item for item in system.items() if item.tickets]
    assert len(linked) == len(system.actions) - len(first.deferred)  # deferred: no link yet
    system.sandbox.faults.clear()
    again = system.world.sync()
    assert again.exit_code == 0, (again.failed, again.deferred)
    assert again.counts["link"] >= 1  # what the lost create made is adopted, not sent again
    system.assert_one_ticket_per_item_and_statuses_intact()


def test_deferred_items_are_named_in_the_summary(system: System) -> None:
    from tracker.sync.render import render_summary

    system.write("single")
    system.sandbox.faults.add("timeout-after", route=system.create_route)

    def lookups_fail() -> None:
        for route in system.lookup_routes:
            system.sandbox.faults.add("500", count=50, route=route)

    watcher = when_requested(system.sandbox, system.create_route, lookups_fail)
    result = system.world.sync()
    watcher.join()
    text = "\n".join(render_summary(result))
    assert "1 deferred: a create's outcome is unclear; resolved on the next run" in text
    assert "pm.md:" in text


def test_kill_right_after_a_create_then_an_immediate_rerun_makes_no_duplicate(
    system: System,
) -> None:
    system.write("bulk")
    killed = system.world.cli(extra_env={"TRACKER_TEST_CRASH_AFTER": "create"})
    assert killed.returncode == -9, killed.stderr
    assert system.tickets()  # the first create call went through, then the kill
    rerun = system.world.cli()
    assert rerun.returncode == 0, rerun.stdout + rerun.stderr
    system.assert_one_ticket_per_item_and_statuses_intact()


def test_failed_follow_up_status_is_reapplied_by_the_next_run(system: System) -> None:
    system.write("single")
    system.sandbox.faults.add("500", count=50, route=system.status_route)
    first = system.world.sync()
    assert first.exit_code == 0
    assert any("retried next run" in warning for warning in first.warnings)
    assert not system.in_progress(system.tickets()[0])
    system.sandbox.faults.clear()
    system.world.sync()
    system.assert_one_ticket_per_item_and_statuses_intact()


def test_adopting_our_own_ticket_pushes_the_rows_in_progress_instead_of_writing_open(
    system: System,
) -> None:
    system.write("single")
    killed = system.world.cli(extra_env={"TRACKER_TEST_CRASH_AFTER": "create"})
    assert killed.returncode == -9, killed.stderr
    # The store is lost too: the ticket is found by its identity alone (search caught up).
    system.world.close()
    (system.world.folder / ".tracker" / "tracker.db").unlink()
    system.sandbox.clock.advance(LAG_SECONDS + 60)
    result = system.world.sync()
    assert result.exit_code == 0, result.failed
    assert [plan.link_reason for plan in result.plans] == ["found by identity"]
    system.assert_one_ticket_per_item_and_statuses_intact()


def test_a_lost_answer_to_a_big_bulk_create_makes_no_duplicate_under_a_long_lag(
    tmp_path: Path, jira_sandbox: JiraSandbox
) -> None:
    """The fault sweep's case: 30 rows in one bulk POST whose answer is lost while
    Cloud's search shows none of them (it made 22 duplicates before intents)."""
    jira_sandbox.search_lag_seconds = 600
    jira_sandbox.timeout_hold_seconds = 4
    rows = "".join(f"| Follow-up number {n} | @alice | | P2 | | Open |\n" for n in range(30))
    world = SyncWorld(tmp_path, jira_sandbox, None, timeout=2)
    world.write("pm.md", SINGLE_EN.replace("| Alert on pool saturation", rows + "| Alert"))
    jira_sandbox.faults.add("timeout-after", route="POST /rest/api/2/issue/bulk")
    first = world.sync()
    again = world.sync()
    world.close()
    assert first.exit_code == 0 and again.exit_code == 0
    assert first.counts["adopted"] == 31
    labels = [label for issue in jira_sandbox.issues() for label in issue["labels"]]
    identities = [label for label in labels if label.startswith("tracker-")]
    assert len(identities) == len(set(identities)) == 31
    assert world.read("pm.md").count("/browse/ENG-") == 31


class _BeforeWrites(SyncProgress):
    """Runs `action` when the run starts writing (its reads are done)."""

    def __init__(self, action: Callable[[], None]) -> None:
        self.action = action

    def start(self, total: int, label: str) -> None:
        self.action()


def test_no_create_is_sent_when_its_issue_number_floor_cannot_be_read(
    tmp_path: Path, jira_sandbox: JiraSandbox
) -> None:
    """Without the floor a lost answer could never be settled: fail now, create next run."""
    world = SyncWorld(tmp_path, jira_sandbox, None, timeout=2)
    world.write("pm.md", SINGLE_EN)
    search = "GET /rest/api/2/search/jql"
    first = world.sync(
        progress=_BeforeWrites(lambda: jira_sandbox.faults.add("500", 50, route=search))
    )
    assert first.exit_code == 1 and len(first.failed) == 1
    assert jira_sandbox.issues() == []
    jira_sandbox.faults.clear()
    assert world.sync().exit_code == 0
    world.close()
    assert len(jira_sandbox.issues()) == 1


def test_a_create_found_never_made_is_settled_when_its_row_is_done_meanwhile(
    system: System,
) -> None:
    from tracker.sync.intents import load_intents

    system.write("single")
    system.sandbox.faults.add("timeout", route=system.create_route)  # never reaches the server

    def lookups_fail() -> None:
        for route in system.lookup_routes:
            system.sandbox.faults.add("500", count=50, route=route)

    watcher = when_requested(system.sandbox, system.create_route, lookups_fail)
    assert system.world.sync().exit_code == 1  # deferred: nobody can tell yet
    watcher.join()
    assert len(load_intents(system.world.store)) == 1
    system.sandbox.faults.clear()
    done = (
        system.world.read("pm.md")
        .replace("| In Progress |", "| Done |")
        .replace("进行中", "已完成")
    )
    system.world.write("pm.md", done)
    assert system.world.sync().exit_code == 0
    assert system.tickets() == []  # it was never made, and a done row gets none
    assert load_intents(system.world.store) == {}
