"""A rename or reword made before the links are written keeps each item's ticket.

Item ids hash the document key (its path) and the action text, so renaming a file or
rewording a row gives new ids. When the link is not in the row yet (no Ticket column
and none added, a crash between create and write-back, an edit before the nightly
run), the row can't say which ticket is its own: the run matches it to the vanished
item by the store's record of it, and the ticket is updated, never duplicated.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from tracker_github.sandbox.server import GitHubSandbox
from tracker_jira.sandbox.server import JiraSandbox

from tests.sync_support import SyncWorld
from tracker.store.recording import record_paths
from tracker.sync import SyncProgress

SEVEN_ROWS = """\
---
team: payments
---

# Postmortem: Queue backlog

## Action Items

| Action | Owner | Due | Priority | Status |
| ------ | ----- | --- | -------- | ------ |
| Cap the consumer batch size | @alice | 2026-12-01 | P1 | Open |
| Alert on queue depth | @bob | 2026-12-02 | P2 | Open |
| Add a dead-letter queue | @alice | 2026-12-03 | P2 | Open |
| Document the replay procedure | @bob | 2026-12-04 | P3 | Open |
| Load-test the consumers | @alice | 2026-12-05 | P2 | Open |
| Shard the hot partition | @bob | 2026-12-06 | P1 | Open |
| Review retention settings | @alice | 2026-12-07 | P3 | Open |
"""


@pytest.fixture
def world(
    tmp_path: Path, jira_sandbox: JiraSandbox, github_sandbox: GitHubSandbox
) -> Iterator[SyncWorld]:
    # No Ticket column and none added: the links are never written into the rows.
    created = SyncWorld(tmp_path, jira_sandbox, github_sandbox, sync={"add_missing_columns": False})
    created.write("queue.md", SEVEN_ROWS)
    yield created
    created.close()


def _summaries(jira: JiraSandbox) -> list[str]:
    return sorted(str(issue["summary"]) for issue in jira.issues())


def test_renamed_file_before_write_back_makes_no_new_tickets(
    world: SyncWorld, jira_sandbox: JiraSandbox
) -> None:
    assert world.sync().exit_code == 0
    assert len(jira_sandbox.issues()) == 7
    (world.docs / "queue.md").rename(world.docs / "2026-12-queue.md")
    result = world.sync()
    assert result.exit_code == 0, result.failed
    assert len(jira_sandbox.issues()) == 7
    assert result.counts.get("created", 0) == 0
    assert not [plan for plan in result.plans if plan.kind == "row-deleted"]
    assert "postmortems/queue.md renamed; 7 item(s) keep their tickets" in " ".join(result.warnings)


def test_renamed_file_keeps_syncing_its_tickets_afterwards(
    world: SyncWorld, jira_sandbox: JiraSandbox
) -> None:
    world.sync()
    (world.docs / "queue.md").rename(world.docs / "renamed.md")
    world.sync()
    key = next(i["key"] for i in jira_sandbox.issues() if i["summary"] == "Alert on queue depth")
    world.later()  # someone edits the ticket later: Cloud search has indexed it
    jira_sandbox.set_status(str(key), "Done")
    assert world.sync().exit_code == 0
    assert "| Alert on queue depth | @bob | 2026-12-02 | P2 | Done |" in world.read("renamed.md")
    assert len(jira_sandbox.issues()) == 7


def test_reworded_row_before_write_back_updates_its_ticket(
    world: SyncWorld, jira_sandbox: JiraSandbox
) -> None:
    world.sync()
    text = world.read("queue.md").replace("Alert on queue depth", "Page on queue depth")
    world.write("queue.md", text)
    result = world.sync()
    assert result.exit_code == 0, result.failed
    assert result.counts.get("created", 0) == 0
    assert len(jira_sandbox.issues()) == 7
    assert "Page on queue depth" in _summaries(jira_sandbox)
    assert "Alert on queue depth" not in _summaries(jira_sandbox)
    assert any("queue.md:12: keeps ENG-2 (reworded" in w for w in result.warnings)


def test_reword_plus_two_genuinely_new_rows_makes_exactly_two_tickets(
    world: SyncWorld, jira_sandbox: JiraSandbox
) -> None:
    world.sync()
    text = world.read("queue.md").replace("Alert on queue depth", "Page on queue depth")
    text += "| Add consumer lag dashboards | @bob | 2026-12-08 | P2 | Open |\n"
    text += "| Automate the replay | @alice | 2026-12-09 | P3 | Open |\n"
    world.write("queue.md", text)
    result = world.sync()
    assert result.exit_code == 0, result.failed
    assert result.counts["created"] == 2
    assert len(jira_sandbox.issues()) == 9
    assert "Page on queue depth" in _summaries(jira_sandbox)


def test_two_rows_that_could_be_the_reworded_one_are_not_guessed(
    world: SyncWorld, jira_sandbox: JiraSandbox
) -> None:
    world.sync()
    # Reworded, and a new row right below it says the same owner, due, priority, status.
    text = world.read("queue.md").replace(
        "| Alert on queue depth | @bob | 2026-12-02 | P2 | Open |\n",
        "| Page on queue depth | @bob | 2026-12-02 | P2 | Open |\n"
        "| Page on consumer lag | @bob | 2026-12-02 | P2 | Open |\n",
    )
    world.write("queue.md", text)
    result = world.sync()
    warning = next(w for w in result.warnings if "not guessed" in w)
    assert "queue.md:12" in warning and "queue.md:13" in warning
    assert result.counts["created"] == 2  # neither inherits the old ticket
    assert len(jira_sandbox.issues()) == 9


class _RenameAfterCreate(SyncProgress):
    """Renames the document once tickets exist but before the run writes it back."""

    def __init__(self, source: Path, target: Path) -> None:
        self.source, self.target = source, target

    def advance(self, steps: int, what: str) -> None:
        if what.startswith("created") and self.source.exists():
            self.source.rename(self.target)


def test_file_renamed_between_create_and_write_back_gets_its_links_next_run(
    tmp_path: Path, jira_sandbox: JiraSandbox, github_sandbox: GitHubSandbox
) -> None:
    world = SyncWorld(tmp_path, jira_sandbox, github_sandbox)
    try:
        source = world.write("queue.md", SEVEN_ROWS.replace("| Status |", "| Ticket | Status |"))
        source.write_text(
            source.read_text()
            .replace("| ------ |\n", "| ------ | ------ |\n", 1)
            .replace("| Open |", "| | Open |")
        )
        first = world.sync(progress=_RenameAfterCreate(source, world.docs / "moved.md"))
        assert len(jira_sandbox.issues()) == 7
        assert first.failed  # the write-back found the file gone
        again = world.sync()
        assert again.exit_code == 0, again.failed
        assert len(jira_sandbox.issues()) == 7
        assert world.read("moved.md").count("/browse/ENG-") == 7
    finally:
        world.close()


def test_renamed_file_with_a_reworded_row_keeps_every_ticket(
    world: SyncWorld, jira_sandbox: JiraSandbox
) -> None:
    world.sync()
    text = world.read("queue.md").replace("Shard the hot partition", "Split the hot partition")
    world.write("renamed.md", text)
    (world.docs / "queue.md").unlink()
    result = world.sync()
    assert result.exit_code == 0, result.failed
    assert len(jira_sandbox.issues()) == 7
    assert "Split the hot partition" in _summaries(jira_sandbox)


def test_deleted_file_and_an_unrelated_new_one_are_not_taken_for_a_rename(
    world: SyncWorld, jira_sandbox: JiraSandbox
) -> None:
    world.sync()
    (world.docs / "queue.md").unlink()
    world.write(
        "other.md",
        SEVEN_ROWS.split("| Cap")[0]
        + "| Cap the consumer batch size | @alice | 2026-12-01 | P1 | Open |\n"
        + "| Rebuild the search index | @bob | 2026-12-02 | P2 | Open |\n"
        + "| Add a canary region | @alice | 2026-12-03 | P2 | Open |\n",
    )
    result = world.sync()
    assert result.counts["created"] == 3
    assert len([plan for plan in result.plans if plan.kind == "row-deleted"]) == 7


def test_a_file_copied_twice_then_deleted_is_not_guessed(
    world: SyncWorld, jira_sandbox: JiraSandbox
) -> None:
    world.sync()
    world.write("copy-a.md", SEVEN_ROWS)
    world.write("copy-b.md", SEVEN_ROWS)
    (world.docs / "queue.md").unlink()
    result = world.sync()
    assert any("copy-a.md and" in w and "not guessed" in w for w in result.warnings)
    assert result.counts["created"] == 14


def _scan(world: SyncWorld) -> None:
    """`tracker sync` without connectors / `tracker scan` recording the edit first."""
    record_paths(world.store, world.config, [world.docs], now=datetime(2026, 12, 1, tzinfo=UTC))


def test_rename_recorded_by_a_scan_before_the_sync_still_keeps_the_tickets(
    world: SyncWorld, jira_sandbox: JiraSandbox
) -> None:
    world.sync(now=datetime(2026, 11, 30, tzinfo=UTC))
    (world.docs / "queue.md").rename(world.docs / "renamed.md")
    _scan(world)
    result = world.sync(now=datetime(2026, 12, 2, tzinfo=UTC))
    assert result.counts.get("created", 0) == 0, result.warnings
    assert len(jira_sandbox.issues()) == 7


def test_reword_recorded_by_a_scan_before_the_sync_still_keeps_the_ticket(
    world: SyncWorld, jira_sandbox: JiraSandbox
) -> None:
    world.sync(now=datetime(2026, 11, 30, tzinfo=UTC))
    text = world.read("queue.md").replace("Alert on queue depth", "Page on queue depth")
    world.write("queue.md", text)
    _scan(world)
    result = world.sync(now=datetime(2026, 12, 2, tzinfo=UTC))
    assert result.counts.get("created", 0) == 0, result.warnings
    assert "Page on queue depth" in _summaries(jira_sandbox)


def test_a_row_that_was_already_there_never_inherits_a_deleted_rows_ticket(
    world: SyncWorld, jira_sandbox: JiraSandbox
) -> None:
    done_row = "| Write the incident summary | @alice | 2026-12-01 | P1 | Done |\n"
    world.write("queue.md", SEVEN_ROWS.replace("| Open |\n", "| Open |\n" + done_row, 1))
    world.sync()  # the done row gets no ticket
    key = next(i["key"] for i in jira_sandbox.issues() if i["summary"].startswith("Cap the"))
    world.later()  # someone edits the ticket later: Cloud search has indexed it
    jira_sandbox.set_status(str(key), "Done")
    world.sync()  # "Cap the consumer batch size" now says Done, like the row below it
    cap = "| Cap the consumer batch size | @alice | 2026-12-01 | P1 | Done |\n"
    assert cap in world.read("queue.md")
    world.write("queue.md", world.read("queue.md").replace(cap, ""))  # the done row moves up
    result = world.sync()
    assert [plan.ref.key for plan in result.plans if plan.kind == "row-deleted" and plan.ref] == [
        key
    ]
    assert not [plan for plan in result.plans if plan.kind in ("update", "link")]


LIST_DOC = """\
---
team: payments
---

# Postmortem: Cache stampede

## Action Items

- [ ] Add request coalescing — owner: @alice, due: 2026-12-01
- [ ] Jitter the cache TTLs — owner: @bob, due: 2026-12-02
"""


class _RewordAfterCreate(SyncProgress):
    """The user rewords an item once its ticket exists, before the run writes the link."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def advance(self, steps: int, what: str) -> None:
        text = self.path.read_text(encoding="utf-8")
        if what.startswith("created") and "Jitter the cache TTLs" in text:
            self.path.write_text(text.replace("Jitter the cache TTLs", "Randomise cache TTLs"))


def test_list_item_reworded_while_its_ticket_was_created_keeps_it(
    tmp_path: Path, jira_sandbox: JiraSandbox, github_sandbox: GitHubSandbox
) -> None:
    world = SyncWorld(tmp_path, jira_sandbox, github_sandbox)
    try:
        path = world.write("cache.md", LIST_DOC)
        first = world.sync(progress=_RewordAfterCreate(path))
        assert first.failed  # the document changed under the write-back: retried
        again = world.sync()
        assert again.exit_code == 0, again.failed
        assert len(jira_sandbox.issues()) == 2
        assert "Randomise cache TTLs" in _summaries(jira_sandbox)
        assert world.read("cache.md").count("/browse/ENG-") == 2
    finally:
        world.close()


def test_renamed_file_whose_older_rows_name_their_tickets_relinks_the_new_row_too(
    tmp_path: Path, jira_sandbox: JiraSandbox, github_sandbox: GitHubSandbox
) -> None:
    world = SyncWorld(tmp_path, jira_sandbox, github_sandbox)
    try:
        source = world.write("queue.md", SEVEN_ROWS)
        world.sync()  # seven links written (a Ticket column is added)
        eighth = "| Add consumer lag dashboards | @bob | 2026-12-08 | P2 | | Open |\n"
        world.write("queue.md", world.read("queue.md") + eighth)
        world.sync(progress=_RenameAfterCreate(source, world.docs / "moved.md"))
        assert len(jira_sandbox.issues()) == 8
        again = world.sync()
        assert again.exit_code == 0, again.failed
        assert len(jira_sandbox.issues()) == 8
        assert world.read("moved.md").count("/browse/ENG-") == 8
    finally:
        world.close()


@pytest.mark.postgres
def test_rename_and_reword_recorded_by_a_scan_keep_their_tickets_on_postgresql(
    tmp_path: Path, postgres_url: str, jira_sandbox: JiraSandbox, github_sandbox: GitHubSandbox
) -> None:
    from tracker.store import upgrade_store

    upgrade_store(postgres_url)
    world = SyncWorld(
        tmp_path,
        jira_sandbox,
        github_sandbox,
        database_url=postgres_url,
        sync={"add_missing_columns": False},
    )
    try:
        world.write("queue.md", SEVEN_ROWS)
        world.sync(now=datetime(2026, 11, 30, tzinfo=UTC))
        text = world.read("queue.md").replace("Alert on queue depth", "Page on queue depth")
        world.write("renamed.md", text)
        (world.docs / "queue.md").unlink()
        _scan(world)
        result = world.sync(now=datetime(2026, 12, 2, tzinfo=UTC))
        assert result.counts.get("created", 0) == 0, result.warnings
        assert len(jira_sandbox.issues()) == 7
        assert "Page on queue depth" in _summaries(jira_sandbox)
    finally:
        world.close()
