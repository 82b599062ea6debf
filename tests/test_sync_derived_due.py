"""`[policy] write_derived_due = true`: the SLO's due date written into the documents.

`tracker sync` runs as a separate process against the GitHub sandbox (PyGithub over
real HTTP), on SQLite and on PostgreSQL. The postmortems are dated, so every derived
date is the postmortem's date + the SLO, whatever day the suite runs on.
"""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Iterator
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from tracker_github.sandbox.server import GitHubSandbox

from tests.sync_support import SyncWorld
from tracker.parse import parse_file
from tracker.store import upgrade_store

POLICY = """
[policy]
slo_days_by_priority = { P1 = 28, P2 = 56 }
write_derived_due = true
"""

TABLE_DOC = """\
---
team: search
---

# Postmortem: Indexer lag

**Date**: 2026-05-20

## Action Items

| Action | Owner | Due | Priority | Ticket | Status |
| ------ | ----- | --- | -------- | ------ | ------ |
| Alert on indexer lag | @chen | | P1 | | Open |
| Shard the index | @chen | 2026-09-01 | P2 | | Open |
| Write the status page note | @chen | | P1 | | Done |
| Re-index nightly | @chen | after the launch | P2 | | Open |
"""

LIST_DOC = """\
---
team: search
---

# Postmortem: Cache stampede

**Date**: 2026-05-20

## Action Items

- [ ] Add jitter to cache expiry — owner: @chen, priority: P2
"""

NO_DUE_COLUMN_DOC = """\
---
team: search
---

# Postmortem: Slow queries

**Date**: 2026-05-20

## Action Items

| Action | Owner | Priority | Ticket | Status |
| ------ | ----- | -------- | ------ | ------ |
| Add a query timeout | @chen | P1 | | Open |
"""


@pytest.fixture
def world(tmp_path: Path, store_url: str, github_sandbox: GitHubSandbox) -> Iterator[SyncWorld]:
    upgrade_store(store_url)
    created = SyncWorld(tmp_path, None, github_sandbox, database_url=store_url)
    yield created
    created.close()


def with_policy(world: SyncWorld, policy: str = POLICY, sync: str = "") -> None:
    text = world.config_path.read_text(encoding="utf-8")
    world.config_path.write_text(text + sync + policy, encoding="utf-8")


def sync(world: SyncWorld) -> subprocess.CompletedProcess[str]:
    done = world.cli()
    assert done.returncode == 0, done.stdout + done.stderr
    world.later(120)
    return done


def dues(world: SyncWorld, name: str) -> dict[str, str | None]:
    """Action → due date as the document now reads."""
    parsed = parse_file(world.docs / name)
    return {item.action: item.due.isoformat() if item.due else None for item in parsed.items}


def scanned(world: SyncWorld, name: str) -> list[tuple[str | None, str | None]]:
    """(written due, derived due) per item, as `tracker scan --format json` shows them."""
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "tracker",
            "scan",
            str(world.docs / name),
            "--config",
            str(world.config_path),
            "--format",
            "json",
        ],
        cwd=world.folder,
        capture_output=True,
        text=True,
        check=True,
    )
    items = json.loads(done.stdout)["documents"][0]["items"]
    return [(item["due"], item["derived_due"]) for item in items]


def test_an_open_row_without_a_due_date_gets_the_derived_one_written(world: SyncWorld) -> None:
    world.write("indexer.md", TABLE_DOC)
    with_policy(world)
    done = sync(world)
    assert dues(world, "indexer.md")["Alert on indexer lag"] == "2026-06-17"  # 05-20 + 28 days
    assert "1 derived due date(s) written ([policy] write_derived_due)." in done.stdout


def test_only_the_due_cell_of_that_row_changes(world: SyncWorld) -> None:
    world.write("indexer.md", TABLE_DOC)
    with_policy(world)
    sync(world)
    [row] = [line for line in world.read("indexer.md").splitlines() if "indexer lag" in line]
    assert row.startswith("| Alert on indexer lag | @chen | 2026-06-17 | P1 | ")
    assert world.read("indexer.md").count("\n") == TABLE_DOC.count("\n")


def test_written_closed_and_unreadable_due_cells_are_left_alone(world: SyncWorld) -> None:
    world.write("indexer.md", TABLE_DOC)
    with_policy(world)
    sync(world)
    found = dues(world, "indexer.md")
    assert found["Shard the index"] == "2026-09-01"
    assert found["Write the status page note"] is None  # done: its document stays as it was
    assert found["Re-index nightly"] is None
    assert "| after the launch |" in world.read("indexer.md")


def test_a_list_item_gets_a_due_field(world: SyncWorld) -> None:
    world.write("cache.md", LIST_DOC)
    with_policy(world)
    sync(world)
    assert dues(world, "cache.md") == {"Add jitter to cache expiry": "2026-07-15"}  # + 56 days
    assert "due: 2026-07-15" in world.read("cache.md")


def test_a_list_item_closing_with_a_link_word_gets_its_due_field(world: SyncWorld) -> None:
    # As the public mybinder postmortems write them: `- Keep our own apt mirror [Issue](…)`
    world.write(
        "cache.md",
        LIST_DOC.replace(
            "- [ ] Add jitter to cache expiry — owner: @chen, priority: P2",
            "- [ ] **P2** Add jitter to cache expiry [link](https://wiki.example.com/cache)",
        ),
    )
    with_policy(world)
    done = sync(world)
    assert dues(world, "cache.md") == {"Add jitter to cache expiry": "2026-07-15"}
    assert world.read("cache.md").endswith(")) — due: 2026-07-15\n")  # after its ticket
    assert "not written" not in done.stdout + done.stderr


def test_once_written_the_due_date_is_no_longer_derived(world: SyncWorld) -> None:
    world.write("indexer.md", TABLE_DOC)
    with_policy(world)
    assert scanned(world, "indexer.md")[0] == (None, "2026-06-17")
    sync(world)
    assert scanned(world, "indexer.md")[0] == ("2026-06-17", None)


def test_a_second_run_writes_nothing_more(world: SyncWorld) -> None:
    world.write("indexer.md", TABLE_DOC)
    with_policy(world)
    sync(world)
    after_first = world.read("indexer.md")
    done = sync(world)
    assert world.read("indexer.md") == after_first
    assert "derived due date" not in done.stdout


def test_by_default_no_derived_due_date_is_written(world: SyncWorld) -> None:
    world.write("indexer.md", TABLE_DOC)
    with_policy(world, POLICY.replace("write_derived_due = true", ""))
    sync(world)
    assert dues(world, "indexer.md")["Alert on indexer lag"] is None
    assert scanned(world, "indexer.md")[0] == (None, "2026-06-17")


def test_a_table_without_a_due_column_gets_one_when_columns_are_added(world: SyncWorld) -> None:
    world.write("queries.md", NO_DUE_COLUMN_DOC)
    with_policy(world)
    sync(world)
    assert dues(world, "queries.md") == {"Add a query timeout": "2026-06-17"}


def test_a_table_without_a_due_column_is_left_with_a_warning_when_columns_are_not_added(
    world: SyncWorld,
) -> None:
    world.write("queries.md", NO_DUE_COLUMN_DOC)
    with_policy(world, sync="")
    text = world.config_path.read_text(encoding="utf-8")
    world.config_path.write_text(
        text.replace("[policy]", "[sync]\nadd_missing_columns = false\n\n[policy]"),
        encoding="utf-8",
    )
    done = sync(world)
    assert dues(world, "queries.md") == {"Add a query timeout": None}
    assert "derived due date not written: no Due column" in done.stdout


def test_an_item_whose_ticket_has_a_due_date_is_left_alone(
    world: SyncWorld, github_sandbox: GitHubSandbox
) -> None:
    world.write("indexer.md", TABLE_DOC)
    sync(world)  # no [policy] yet: the issues are filed without due dates
    [issue] = [i for i in github_sandbox.issues("acme/app") if i["title"] == "Alert on indexer lag"]
    body = str(issue["body"]).replace("- Due: not set", "- Due: 2026-08-01")
    assert "- Due: 2026-08-01" in body
    github_sandbox.edit_issue("acme/app", int(str(issue["number"])), body=body)
    world.later(120)
    with_policy(world)
    sync(world)
    assert dues(world, "indexer.md")["Alert on indexer lag"] is None
    [again] = [i for i in github_sandbox.issues("acme/app") if i["title"] == "Alert on indexer lag"]
    assert "- Due: 2026-08-01" in str(again["body"])


def test_the_next_sync_sends_the_written_date_to_the_ticket(
    world: SyncWorld, github_sandbox: GitHubSandbox
) -> None:
    world.write("indexer.md", TABLE_DOC)
    with_policy(world)
    sync(world)
    sync(world)
    [issue] = [i for i in github_sandbox.issues("acme/app") if i["title"] == "Alert on indexer lag"]
    assert "- Due: 2026-06-17" in str(issue["body"])


UNDATED_DOC = TABLE_DOC.replace("**Date**: 2026-05-20\n\n", "")


def test_dry_run_lists_the_derived_due_dates_it_would_write_and_writes_none(
    world: SyncWorld,
) -> None:
    world.write("indexer.md", TABLE_DOC)
    world.write("cache.md", LIST_DOC)
    with_policy(world)
    done = world.cli("--dry-run")
    assert done.returncode == 0, done.stdout + done.stderr
    assert "would write 2 derived due date(s) ([policy] write_derived_due):" in done.stdout
    assert "indexer.md:13 (" in done.stdout and "): due ← 2026-06-17 (derived)" in done.stdout
    assert "cache.md:11 (" in done.stdout and "): due ← 2026-07-15 (derived)" in done.stdout
    assert (world.read("indexer.md"), world.read("cache.md")) == (TABLE_DOC, LIST_DOC)


def test_dry_run_warns_of_a_derived_due_date_with_no_column_to_go_to(world: SyncWorld) -> None:
    world.write("queries.md", NO_DUE_COLUMN_DOC)
    with_policy(world, sync="\n[sync]\nadd_missing_columns = false\n")
    done = world.cli("--dry-run")
    assert done.returncode == 0, done.stdout + done.stderr
    assert "would write" not in done.stdout
    assert "derived due date 2026-06-17 would not be written: no Due column" in done.stdout


def test_dry_run_counts_an_undated_postmortems_slo_from_the_day_it_was_first_seen(
    world: SyncWorld,
) -> None:
    world.write("indexer.md", UNDATED_DOC)
    with_policy(world, POLICY.replace("write_derived_due = true", ""))
    world.sync(now=datetime(2026, 7, 1, 2, 0, tzinfo=UTC))  # recorded: first seen 07-01
    with_policy(world, "write_derived_due = true\n")  # the [policy] table's last key
    before = world.read("indexer.md")
    result = world.sync(dry_run=True, now=datetime(2026, 8, 1, 2, 0, tzinfo=UTC))
    assert [(due.line, due.due) for due in result.dues_planned] == [(11, date(2026, 7, 29))]
    assert world.read("indexer.md") == before
