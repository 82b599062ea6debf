"""Incremental nights: a settled document whose bytes and settings haven't changed is
not read again, and everything that can change its items' outcome still gets through.

Runs `tracker sync` as a process (what cron runs) against the sandboxes; what a run
read is observed in the store: the run's counts (`documents_unchanged`) and the
`document_cache` rows, never by timing.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from tracker_github.sandbox.server import GitHubSandbox
from tracker_jira.sandbox.server import JiraSandbox

from tests.sync_support import EN_DOC, ZH_DOC, SyncWorld


@pytest.fixture
def world(
    tmp_path: Path, jira_sandbox: JiraSandbox, github_sandbox: GitHubSandbox
) -> Iterator[SyncWorld]:
    created = SyncWorld(tmp_path, jira_sandbox, github_sandbox)
    yield created
    created.close()


def _query(world: SyncWorld, sql: str) -> list[tuple[object, ...]]:
    with sqlite3.connect(world.folder / ".tracker" / "tracker.db") as connection:
        return list(connection.execute(sql).fetchall())


def last_run_counts(world: SyncWorld) -> dict[str, int]:
    rows = _query(world, "SELECT counts FROM sync_run WHERE kind = 'sync' ORDER BY id DESC")
    return dict(json.loads(str(rows[0][0])))


def cached_paths(world: SyncWorld) -> list[str]:
    return sorted(str(row[0]) for row in _query(world, "SELECT path FROM document_cache"))


def run(world: SyncWorld, *args: str) -> dict[str, int]:
    done = world.cli(*args)
    assert done.returncode == 0, done.stdout + done.stderr
    return last_run_counts(world)


def settled(world: SyncWorld) -> None:
    """First sync (creates, writes the links), then a night that finds all in step."""
    world.write("en.md", EN_DOC)
    world.write("zh.md", ZH_DOC)
    run(world)
    world.later()
    counts = run(world)
    # zh.md was written only with links to tickets the first sync created: remembered as
    # settled then (issue 13). en.md is read once more: its @nobody row carries a note.
    assert counts.get("documents_unchanged", 0) == 1


def sha256_of(world: SyncWorld, name: str) -> str:
    import hashlib

    return hashlib.sha256((world.docs / name).read_bytes()).hexdigest()


def cache_rows(world: SyncWorld) -> dict[str, tuple[str, list[str]]]:
    rows = _query(world, "SELECT path, sha256, scopes FROM document_cache")
    return {str(p): (str(h), list(json.loads(str(s or "[]")))) for p, h, s in rows}


def test_a_document_written_only_with_links_to_created_tickets_is_settled_at_once(
    world: SyncWorld,
) -> None:
    """The first sync writes the links of the tickets it created; the document as written
    is remembered (with the created tickets' scope), so the next night leaves it unread.
    Without that, the first night after a first sync parses every document again."""
    world.write("en.md", EN_DOC)
    world.write("zh.md", ZH_DOC)
    first = run(world)
    assert first["created"] == 5 and first["documents_written"] == 2
    # en.md's @nobody row is created with a note (owner not mapped): read again.
    assert cache_rows(world) == {
        "postmortems/zh.md": (sha256_of(world, "zh.md"), ["github:acme/app"])
    }
    world.later()
    counts = run(world)
    assert counts["documents_unchanged"] == 1
    assert counts.get("created", 0) == 0 and counts.get("documents_written", 0) == 0


def test_a_ticket_created_then_changed_remotely_reaches_its_settled_document(
    world: SyncWorld, github_sandbox: GitHubSandbox
) -> None:
    """The scope of a ticket the first sync created is read the next night, so a change
    made to it after that sync reaches its (settled, unread) document."""
    world.write("zh.md", ZH_DOC)
    run(world)
    assert cached_paths(world) == ["postmortems/zh.md"]
    world.later()
    issue = next(i for i in github_sandbox.issues("acme/app") if "对账" in str(i["title"]))
    github_sandbox.set_state("acme/app", int(issue["number"]), "closed", state_reason="completed")
    world.later()
    counts = run(world)
    assert counts.get("documents_unchanged", 0) == 0  # read for its changed ticket
    assert counts["documents_written"] == 1
    row = next(line for line in world.read("zh.md").splitlines() if "对账" in line)
    assert "完成" in row or "Done" in row, row


def test_a_document_whose_link_write_failed_is_not_settled(
    world: SyncWorld, jira_sandbox: JiraSandbox
) -> None:
    """Edited between the read and the write-back, the document keeps its old bytes:
    its links are written next run, so it is not remembered as settled."""
    from tracker.sync import SyncProgress

    world.write("zh.md", ZH_DOC)

    class EditMidway(SyncProgress):
        def start(self, total: int, label: str) -> None:
            world.write("zh.md", world.read("zh.md") + "\nEdited while syncing.\n")

    result = world.sync(progress=EditMidway())
    assert result.exit_code == 1 and result.failed
    assert cached_paths(world) == []
    world.later()
    counts = run(world)
    assert counts["documents_written"] == 1 and counts.get("created", 0) == 0
    world.later()  # (links to tickets found, not created, settle a run later)
    run(world)
    assert cached_paths(world) == ["postmortems/zh.md"]


def test_a_first_sync_killed_before_remembering_its_writes_resumes_without_duplicates(
    world: SyncWorld, github_sandbox: GitHubSandbox, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Killed after the tickets were created and the links written, before the settled
    documents were remembered: the next run reads the document again (nothing cached),
    creates nothing twice, and remembers it then."""
    import tracker.sync.engine as engine

    world.write("zh.md", ZH_DOC)

    def killed(*args: object, **kwargs: object) -> None:
        raise KeyboardInterrupt

    with monkeypatch.context() as patched:
        patched.setattr(engine, "remember", killed)
        with pytest.raises(KeyboardInterrupt):
            world.sync()
    assert len(github_sandbox.issues("acme/app")) == 2 and cached_paths(world) == []
    world.later()
    counts = run(world)
    assert counts.get("documents_unchanged", 0) == 0 and counts.get("created", 0) == 0
    assert len(github_sandbox.issues("acme/app")) == 2
    assert cached_paths(world) == ["postmortems/zh.md"]


def jira_key(jira: JiraSandbox, summary: str) -> str:
    return str(next(i["key"] for i in jira.issues() if i["summary"] == summary))


def test_a_settled_unchanged_document_is_not_read_again(world: SyncWorld) -> None:
    settled(world)
    assert cached_paths(world) == ["postmortems/en.md", "postmortems/zh.md"]
    world.later()
    counts = run(world)
    assert counts["documents_unchanged"] == 2
    assert counts.get("nothing", 0) == 0  # no item of them was planned


def test_an_edited_document_is_read_and_its_edit_reaches_the_ticket(
    world: SyncWorld, jira_sandbox: JiraSandbox
) -> None:
    settled(world)
    world.write("en.md", world.read("en.md").replace("| P1 |", "| P0 |"))
    world.later()
    counts = run(world)
    assert counts["documents_unchanged"] == 1  # zh.md only
    assert counts["tickets_updated"] == 1
    issue = next(i for i in jira_sandbox.issues() if "pool size" in str(i["summary"]))
    assert issue["priority"] == "Highest"


def test_a_changed_setting_reads_every_document_again(world: SyncWorld) -> None:
    settled(world)
    config = world.config_path.read_text(encoding="utf-8")
    world.config_path.write_text(config + '\n[sync]\non_row_deleted = "close-ticket"\n', "utf-8")
    world.later()
    counts = run(world)
    assert counts.get("documents_unchanged", 0) == 0
    assert counts["nothing"] > 0


def test_a_ticket_changed_remotely_still_reaches_an_unchanged_document(
    world: SyncWorld, jira_sandbox: JiraSandbox
) -> None:
    settled(world)
    world.later()
    jira_sandbox.set_status(
        jira_key(jira_sandbox, "Restore the connection-pool size to 50"), "Done"
    )
    world.later()
    counts = run(world)
    assert counts["documents_unchanged"] == 1  # zh.md; en.md was read for its ticket
    assert counts["documents_written"] == 1
    row = next(line for line in world.read("en.md").splitlines() if "pool size" in line)
    assert "Done" in row


def full_listing_marks(world: SyncWorld) -> dict[str, str]:
    rows = _query(world, "SELECT key, value FROM sync_state WHERE key LIKE 'sync.full:%'")
    return {str(key): str(value) for key, value in rows}


def test_the_weekly_full_listing_skips_tickets_last_written_by_tracker(
    world: SyncWorld, jira_sandbox: JiraSandbox
) -> None:
    settled(world)
    # Eight days on, every scope is listed whole: the listing shows every ticket, all
    # last written by tracker and unchanged since, so no document needs reading.
    later = jira_sandbox.clock.now() + timedelta(days=8)
    result = world.sync(now=later)
    assert result.unchanged_documents == 2
    assert set(full_listing_marks(world).values()) == {later.isoformat()}  # listed whole


def test_the_weekly_full_listing_still_notices_a_deleted_ticket(
    world: SyncWorld, jira_sandbox: JiraSandbox
) -> None:
    settled(world)
    key = jira_key(jira_sandbox, "Alert on pool saturation")
    jira_sandbox.delete_issue(key)
    result = world.sync(now=jira_sandbox.clock.now() + timedelta(days=8))
    assert [p.ref.key for p in result.plans if p.kind == "ticket-gone" and p.ref] == [key]
    assert result.unchanged_documents == 1  # zh.md


def test_sync_full_reads_every_document_again(world: SyncWorld) -> None:
    settled(world)
    world.later()
    counts = run(world, "--full")
    assert counts.get("documents_unchanged", 0) == 0
    assert counts["nothing"] == 5  # every open item planned again, all in step


def test_a_full_sync_in_step_still_plans_and_remembers_every_item(world: SyncWorld) -> None:
    """Items with nothing to do keep no plan object (issue 13), yet the run's plans, its
    counts and the documents it remembers as settled are what they were."""
    settled(world)
    world.later()
    run(world)  # en.md settled too once its note's night has passed
    remembered = cache_rows(world)
    world.later()
    result = world.sync(full=True)
    kinds = [plan.kind for plan in result.plans]
    assert kinds.count("nothing") == result.counts["nothing"] == len(result.quiet) > 0
    assert len(kinds) == result.items
    assert cache_rows(world) == remembered


def test_a_renamed_document_keeps_its_tickets(world: SyncWorld, jira_sandbox: JiraSandbox) -> None:
    settled(world)
    (world.docs / "en.md").rename(world.docs / "2026-03-04-checkout.md")
    world.later()
    counts = run(world)
    assert counts.get("created", 0) == 0
    assert len(jira_sandbox.issues()) == 3
    assert counts["documents_unchanged"] == 1  # zh.md
    world.later()
    assert run(world)["documents_unchanged"] == 2


def test_a_document_that_vanished_and_came_back_is_read_again(world: SyncWorld) -> None:
    settled(world)
    text = world.read("zh.md")
    (world.docs / "zh.md").unlink()
    world.later()
    run(world)
    assert cached_paths(world) == ["postmortems/en.md"]
    world.write("zh.md", text)  # the same bytes as when it was settled
    world.later()
    counts = run(world)
    assert counts["documents_unchanged"] == 1  # en.md only
    live = _query(world, "SELECT count(*) FROM action_item WHERE removed_at IS NULL")
    assert live[0][0] == 6  # zh.md's two items recorded again


def test_a_document_gaining_a_tracker_marker_is_read_again(world: SyncWorld) -> None:
    settled(world)
    text = world.read("en.md").replace(
        "## Action Items", "## Action Items\n\n<!-- tracker:ignore -->"
    )
    world.write("en.md", text)
    world.later()
    counts = run(world)
    assert counts["documents_unchanged"] == 1  # zh.md only: en.md's bytes changed


def test_a_run_stopped_midway_leaves_no_stale_entry(
    world: SyncWorld, jira_sandbox: JiraSandbox
) -> None:
    from tracker.sync import SyncProgress

    class Stop(SyncProgress):
        def start(self, total: int, label: str) -> None:
            raise KeyboardInterrupt  # after planning and recording, before any write

    settled(world)
    world.later()
    jira_sandbox.set_status(jira_key(jira_sandbox, "Alert on pool saturation"), "Done")
    world.later()
    with pytest.raises(KeyboardInterrupt):
        world.sync(progress=Stop())
    assert cached_paths(world) == ["postmortems/zh.md"]  # en.md's entry dropped first
    world.later()
    counts = run(world)
    assert counts["documents_written"] == 1
    row = next(line for line in world.read("en.md").splitlines() if "pool saturation" in line)
    assert "Done" in row


def test_an_item_failing_keeps_its_document_read_every_run(
    world: SyncWorld, jira_sandbox: JiraSandbox
) -> None:
    settled(world)
    world.write("en.md", world.read("en.md").replace("| P1 |", "| P0 |"))
    world.later()
    jira_sandbox.faults.add("500", 50, route="PUT /rest/api/2/issue/{issueIdOrKey}")
    failed = world.cli()
    assert failed.returncode == 1
    assert cached_paths(world) == ["postmortems/zh.md"]
    jira_sandbox.faults.clear()
    world.later()
    counts = run(world)
    assert counts["tickets_updated"] == 1


@pytest.mark.postgres
def test_an_unchanged_document_is_skipped_on_postgresql(
    tmp_path: Path, postgres_url: str, jira_sandbox: JiraSandbox, github_sandbox: GitHubSandbox
) -> None:
    from tracker.store import upgrade_store

    upgrade_store(postgres_url)
    world = SyncWorld(tmp_path, jira_sandbox, github_sandbox, database_url=postgres_url)
    try:
        world.write("en.md", EN_DOC)
        world.write("zh.md", ZH_DOC)
        world.sync()
        world.later()
        assert world.sync().unchanged_documents == 1  # zh.md: settled as its links were written
        world.later()
        jira_sandbox.set_status(jira_key(jira_sandbox, "Alert on pool saturation"), "Done")
        world.later()
        third = world.sync()
        assert third.unchanged_documents == 1
        assert third.counts["documents_written"] == 1
        world.later()
        assert world.sync().unchanged_documents == 1  # en.md once more: tracker wrote it
        assert world.sync(now=jira_sandbox.clock.now() + timedelta(days=8)).unchanged_documents == 2
    finally:
        world.close()
