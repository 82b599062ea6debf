"""Upgrading the parser keeps what the previous release synced: links, history, rows.

The cleaner action text (tracker.parse.text) changes item ids. tests/data/upgrade_aec71f8
holds what a team had after syncing real postmortems with the release before it (commit
aec71f8; see build.py there): the documents with their links written back, the SQLite
store and the Jira sandbox's state. One sync with the current parser must keep every
item's row, ticket link and status history under its new id: no new ticket, no
removed/new pair.
"""

from __future__ import annotations

import json
import re
import shutil
import sqlite3
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import pytest
from tracker_jira.sandbox.server import JiraSandbox

from tracker.config import load_config
from tracker.parse import parse_file
from tracker.store import open_store
from tracker.sync import SyncResult, run_sync

FIXTURE = Path(__file__).parent / "data" / "upgrade_aec71f8"
LATER = datetime(2026, 3, 16, 9, 0, tzinfo=UTC)


@dataclass
class Upgrade:
    folder: Path
    jira: JiraSandbox
    before: dict[str, list[tuple[object, ...]]]  # what the old store held, by place
    issues_before: int
    result: SyncResult | None = None

    def table(self, query: str) -> list[tuple[object, ...]]:
        with sqlite3.connect(self.folder / "tracker.db") as connection:
            return list(connection.execute(query))

    def sync(self, *, dry_run: bool = False) -> SyncResult:
        env = {"TEST_JIRA_TOKEN": self.jira.token}
        config = load_config(self.folder / "tracker.toml", env=env)
        store = open_store(str(config.database_url))
        try:
            self.jira.clock.set(LATER)
            docs = [self.folder / "postmortems"]
            return run_sync(config, store, docs, env=env, now=LATER, dry_run=dry_run)
        finally:
            store.close()


def _by_place(upgrade: Upgrade, query: str) -> list[tuple[object, ...]]:
    """Rows of `query` (its first column an item id) keyed by the item's path and line."""
    places = {
        item_id: (path, line)
        for item_id, path, line in upgrade.table("SELECT id, path, line FROM action_item")
    }
    return sorted(((*places[str(row[0])], *row[1:]) for row in upgrade.table(query)), key=repr)


LINKS = "SELECT item_id, system, key FROM ticket_link"
EVENTS = "SELECT item_id, from_status, to_status, at, source FROM status_event"


_WRITTEN_LINK = re.compile(r" \(\[ENG-\d+\]\([^)]*\)\)")


@pytest.fixture(params=["links written back", "links not written"])
def team(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Upgrade]:
    """The fixture, not synced yet; in the second variant the rows do not name their
    tickets (a crash before write-back, or links kept out of the documents): only the
    store can say which ticket each cleaned row has."""
    folder = tmp_path / "team"
    shutil.copytree(FIXTURE / "postmortems", folder / "postmortems")
    if request.param == "links not written":
        for path in (folder / "postmortems").glob("*.md"):
            path.write_text(_WRITTEN_LINK.sub("", path.read_text(encoding="utf-8")))
    shutil.copy(FIXTURE / "tracker.db", folder / "tracker.db")
    state = tmp_path / "sandbox.json"  # the --state file: the sandbox starts from it
    state.write_text(json.dumps({"jira": json.loads((FIXTURE / "jira.json").read_text())}))
    with JiraSandbox(flavour="cloud", state_file=state) as jira:
        config = (FIXTURE / "tracker.toml.in").read_text(encoding="utf-8")
        (folder / "tracker.toml").write_text(config.replace("{jira_url}", jira.base_url))
        created = Upgrade(folder, jira, {}, len(jira.issues()))
        created.before = {
            "links": _by_place(created, LINKS),
            "events": _by_place(created, EVENTS),
            "rows": sorted(created.table("SELECT path, line FROM action_item")),
        }
        yield created


@pytest.fixture
def upgrade(team: Upgrade) -> Upgrade:
    """The fixture synced once more with the current parser."""
    team.result = team.sync()
    return team


def test_the_fixture_has_items_whose_ids_the_cleaning_changes() -> None:
    earlier = [
        item
        for path in sorted((FIXTURE / "postmortems").glob("*.md"))
        for item in parse_file(path).items
        if item.earlier_id is not None
    ]
    assert len(earlier) >= 10


def test_upgrade_creates_no_ticket(upgrade: Upgrade) -> None:
    assert upgrade.result is not None
    kinds = {plan.kind for plan in upgrade.result.plans}
    assert "create" not in kinds
    assert len(upgrade.jira.issues()) == upgrade.issues_before


def test_a_dry_run_of_the_upgrade_plans_no_ticket_and_no_deleted_row(team: Upgrade) -> None:
    kinds = {plan.kind for plan in team.sync(dry_run=True).plans}
    assert {"create", "row-deleted", "ticket-gone"}.isdisjoint(kinds)


def test_upgrade_reports_no_removed_or_new_rows(upgrade: Upgrade) -> None:
    assert upgrade.result is not None
    assert {"row-deleted", "ticket-gone"}.isdisjoint(p.kind for p in upgrade.result.plans)
    rows = upgrade.table("SELECT path, line, removed_at FROM action_item")
    assert [row[2] for row in rows] == [None] * len(rows)
    assert sorted((path, line) for path, line, _ in rows) == upgrade.before["rows"]


def test_upgrade_keeps_every_ticket_link_on_its_item(upgrade: Upgrade) -> None:
    assert _by_place(upgrade, LINKS) == upgrade.before["links"]


def test_upgrade_keeps_every_status_event_and_adds_those_the_text_states(
    upgrade: Upgrade,
) -> None:
    after = _by_place(upgrade, EVENTS)
    assert [event for event in upgrade.before["events"] if event not in after] == []
    added = [event for event in after if event not in upgrade.before["events"]]
    # "(done)" and "(Done during this incident)" are read as statuses now.
    assert {(event[2], event[3]) for event in added} == {("open", "done")}
    assert {Path(str(event[0])).name for event in added} >= {
        "dfds__PM2023-001-total-node-failure.md",
        "univaf__2021-06-03--database-full.md",
    }


def test_the_schema_upgrade_keeps_ticket_links_and_status_history(tmp_path: Path) -> None:
    """Opening the release's store migrates it (SQLite rebuilds `action_item` for a new
    column); with foreign keys on, that rebuild cascade-deleted every link and event."""
    database = tmp_path / "tracker.db"
    shutil.copy(FIXTURE / "tracker.db", database)

    def counts() -> list[int]:
        with sqlite3.connect(database) as connection:
            return [
                connection.execute(f"SELECT count(*) FROM {table}").fetchone()[0]
                for table in ("action_item", "ticket_link", "status_event")
            ]

    before = counts()
    open_store(f"sqlite:///{database}").close()
    assert counts() == before
