"""Injected faults: every kind recovers with nothing lost and nothing duplicated.

The sandboxes fail the next request(s) on a route; connector waits go through the
engine's `sleep`, which here moves the sandboxes' clocks instead of sleeping.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from tracker_github.sandbox.server import GitHubSandbox
from tracker_jira.sandbox.server import JiraSandbox

from tests.sync_support import EN_DOC, ZH_DOC, SyncWorld
from tracker.model import Status
from tracker.parse import parse_file
from tracker.sync import SyncProgress

JIRA_CREATE = "POST /rest/api/2/issue/bulk"
JIRA_SEARCH = "GET /rest/api/2/search/jql"
GITHUB_CREATE = "POST /repos/{owner}/{repo}/issues"
GITHUB_LIST = "GET /repos/{owner}/{repo}/issues"
KINDS = ["500", "502", "timeout", "drop", "429"]


@pytest.fixture
def world(
    tmp_path: Path, jira_sandbox: JiraSandbox, github_sandbox: GitHubSandbox
) -> Iterator[SyncWorld]:
    jira_sandbox.timeout_hold_seconds = 4
    github_sandbox.timeout_hold_seconds = 4
    created = SyncWorld(tmp_path, jira_sandbox, github_sandbox, timeout=2)
    yield created
    created.close()


def linked_rows(world: SyncWorld, name: str, marker: str) -> int:
    return world.read(name).count(marker)


@pytest.mark.parametrize("kind", KINDS)
def test_jira_bulk_create_fault_recovers_without_duplicates(
    world: SyncWorld, jira_sandbox: JiraSandbox, kind: str
) -> None:
    world.write("en.md", EN_DOC)
    jira_sandbox.faults.add(kind, route=JIRA_CREATE)
    result = world.sync()
    assert result.exit_code == 0, result.failed
    assert len(jira_sandbox.issues()) == 3
    assert linked_rows(world, "en.md", "/browse/ENG-") == 3
    assert jira_sandbox.faults.pending() == []


@pytest.mark.parametrize("kind", KINDS)
def test_jira_search_fault_recovers(world: SyncWorld, jira_sandbox: JiraSandbox, kind: str) -> None:
    world.write("en.md", EN_DOC)
    world.sync()
    key = next(i["key"] for i in jira_sandbox.issues() if "pool saturation" in i["summary"])
    world.later()  # someone edits the ticket later: Cloud search has indexed it
    jira_sandbox.set_status(str(key), "Done")
    jira_sandbox.faults.add(kind, route=JIRA_SEARCH)
    result = world.sync()
    assert result.exit_code == 0, result.failed
    doc = parse_file(world.docs / "en.md", root=world.docs)
    assert {i.action: i.status for i in doc.items}["Alert on pool saturation"] is Status.DONE
    assert len(jira_sandbox.issues()) == 3


@pytest.mark.parametrize("kind", KINDS)
def test_github_create_fault_recovers_without_duplicates(
    world: SyncWorld, github_sandbox: GitHubSandbox, kind: str
) -> None:
    world.write("zh.md", ZH_DOC)
    github_sandbox.faults.add(kind, route=GITHUB_CREATE)
    result = world.sync()
    assert result.exit_code == 0, result.failed
    assert len(github_sandbox.issues("acme/app")) == 2
    assert linked_rows(world, "zh.md", "/acme/app/issues/") == 2


@pytest.mark.parametrize("kind", KINDS)
def test_github_listing_fault_recovers(
    world: SyncWorld, github_sandbox: GitHubSandbox, kind: str
) -> None:
    world.write("zh.md", ZH_DOC)
    github_sandbox.faults.add(kind, route=GITHUB_LIST)
    result = world.sync()
    assert result.exit_code == 0, result.failed
    assert len(github_sandbox.issues("acme/app")) == 2


def test_retry_after_of_a_429_is_honoured(world: SyncWorld, jira_sandbox: JiraSandbox) -> None:
    world.write("en.md", EN_DOC)
    jira_sandbox.faults.add("429", retry_after=7, route=JIRA_CREATE)
    world.sync()
    assert 7 in world.waits
    assert len(jira_sandbox.issues()) == 3


class _Recorder(SyncProgress):
    def __init__(self) -> None:
        self.waiting_for: list[float] = []

    def waiting(self, seconds: float) -> None:
        self.waiting_for.append(seconds)


def test_github_secondary_limit_makes_the_run_wait_not_fail(
    world: SyncWorld, github_sandbox: GitHubSandbox
) -> None:
    github_sandbox.set_rate_limits(creation_per_minute=1)
    world.write("zh.md", ZH_DOC)
    progress = _Recorder()
    result = world.sync(progress=progress)
    assert result.exit_code == 0, result.failed
    assert len(github_sandbox.issues("acme/app")) == 2
    assert progress.waiting_for and max(progress.waiting_for) >= 1


def test_github_creations_are_paced_and_the_wait_shows_in_progress(
    tmp_path: Path, github_sandbox: GitHubSandbox
) -> None:
    world = SyncWorld(tmp_path, None, github_sandbox, github_pacing=2)
    world.write("zh.md", ZH_DOC)
    progress = _Recorder()
    result = world.sync(progress=progress)
    world.close()
    assert result.exit_code == 0
    assert any(wait >= 25 for wait in progress.waiting_for)  # 2 a minute: ~30 s apart


def test_persistent_failure_is_named_and_the_item_is_retried_next_run(
    world: SyncWorld, jira_sandbox: JiraSandbox
) -> None:
    world.write("en.md", EN_DOC)
    jira_sandbox.faults.add("500", count=40, route=JIRA_CREATE)
    first = world.sync()
    assert first.exit_code == 1
    assert len(first.failed) == 3
    assert all("en.md:" in where for where in first.failed)
    jira_sandbox.faults.clear()
    second = world.sync()
    assert second.exit_code == 0
    assert len(jira_sandbox.issues()) == 3
    assert linked_rows(world, "en.md", "/browse/ENG-") == 3


def test_one_failing_project_does_not_stop_the_other_system(
    world: SyncWorld, jira_sandbox: JiraSandbox, github_sandbox: GitHubSandbox
) -> None:
    world.write("en.md", EN_DOC)
    world.write("zh.md", ZH_DOC)
    jira_sandbox.faults.add("500", count=40, route=JIRA_CREATE)
    result = world.sync()
    assert result.exit_code == 1
    assert len(github_sandbox.issues("acme/app")) == 2
    assert linked_rows(world, "zh.md", "/acme/app/issues/") == 2
