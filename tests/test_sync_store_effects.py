"""What a sync leaves in the store for the other commands (report, status, reminders):
close times, the run's own clock, and rows that are not action items."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import text
from tracker_github.sandbox.server import GitHubSandbox
from tracker_jira.sandbox.server import JiraSandbox

from tests.sync_support import EN_DOC, SyncWorld
from tracker.report import ReportOptions, build_report
from tracker.store.types import as_utc

BLANK_ROWS_DOC = EN_DOC.replace(
    "| Write the customer apology |",
    "|  | @bob | 2026-03-02 | | | Open |\n| | | | | | |\n| Write the customer apology |",
)


@pytest.fixture
def world(
    tmp_path: Path, jira_sandbox: JiraSandbox, github_sandbox: GitHubSandbox
) -> Iterator[SyncWorld]:
    created = SyncWorld(tmp_path, jira_sandbox, github_sandbox)
    yield created
    created.close()


def _item(world: SyncWorld, action: str) -> dict[str, object]:
    with world.store.engine.connect() as connection:
        row = connection.execute(
            text("SELECT status, closed_at, updated_at FROM action_item WHERE action = :a"),
            {"a": action},
        ).one()
    return dict(row._mapping)


def _at(value: object) -> datetime:
    assert value is not None
    moment = value if isinstance(value, datetime) else datetime.fromisoformat(str(value))
    return as_utc(moment)


def _key(jira: JiraSandbox, summary: str) -> str:
    return str(next(i for i in jira.issues() if i["summary"] == summary)["key"])


# ----- closed_at -----------------------------------------------------------------------


def test_item_closed_by_its_ticket_gets_closed_at_and_a_median_days_to_close(
    world: SyncWorld, jira_sandbox: JiraSandbox
) -> None:
    start = jira_sandbox.clock.now()
    world.write("en.md", EN_DOC)
    world.sync(now=start)
    world.later()  # someone edits the ticket later: Cloud search has indexed it
    jira_sandbox.set_status(_key(jira_sandbox, "Alert on pool saturation"), "Done")
    closed = start + timedelta(days=7)
    world.sync(now=closed)

    item = _item(world, "Alert on pool saturation")
    assert item["status"] == "done"
    assert _at(item["closed_at"]) == closed
    report = build_report(
        world.store.engine, ReportOptions(as_of=closed.date() + timedelta(days=1))
    )
    payments = next(team for team in report.teams if team.team == "payments")
    assert payments.median_days_to_close == pytest.approx(7.0)


def test_ticket_reopened_clears_closed_at(world: SyncWorld, jira_sandbox: JiraSandbox) -> None:
    world.write("en.md", EN_DOC)
    world.sync()
    key = _key(jira_sandbox, "Alert on pool saturation")
    world.later()  # someone edits the ticket later: Cloud search has indexed it
    jira_sandbox.set_status(key, "Done", "Won't Do")
    world.sync()
    assert _item(world, "Alert on pool saturation")["closed_at"] is not None
    world.later()  # someone edits the ticket later: Cloud search has indexed it
    jira_sandbox.set_status(key, "To Do")
    world.sync()
    item = _item(world, "Alert on pool saturation")
    assert (item["status"], item["closed_at"]) == ("open", None)


# ----- the run's clock -----------------------------------------------------------------


def test_run_started_at_a_given_now_records_that_time_everywhere(
    world: SyncWorld, jira_sandbox: JiraSandbox
) -> None:
    world.write("en.md", EN_DOC)
    world.sync()
    jira_sandbox.set_status(_key(jira_sandbox, "Alert on pool saturation"), "Done")
    later = jira_sandbox.clock.now() + timedelta(days=7)
    world.sync(now=later)

    with world.store.engine.connect() as connection:
        started, finished = connection.execute(
            text("SELECT started_at, finished_at FROM sync_run ORDER BY id DESC LIMIT 1")
        ).one()
        event_at = connection.execute(
            text("SELECT at FROM status_event WHERE source = 'jira'")
        ).scalar_one()
        link_seen = connection.execute(text("SELECT max(last_seen_at) FROM ticket_link")).scalar()
    assert _at(started) == later
    assert later <= _at(finished) < later + timedelta(minutes=5)
    assert _at(event_at) == later
    assert _at(link_seen) == later
    assert _at(_item(world, "Alert on pool saturation")["updated_at"]) == later


# ----- rows without action text --------------------------------------------------------


def test_rows_without_action_text_get_no_ticket_and_fail_no_run(
    world: SyncWorld, jira_sandbox: JiraSandbox
) -> None:
    world.write("en.md", BLANK_ROWS_DOC)
    for _ in range(2):
        result = world.sync()
        assert result.exit_code == 0 and result.failed == {}
    assert sorted(str(i["summary"]) for i in jira_sandbox.issues()) == [
        "Add an SDK upgrade checklist",
        "Alert on pool saturation",
        "Restore the connection-pool size to 50",
    ]
    skipped = [p for p in result.plans if p.kind == "skip" and "empty-action" in " ".join(p.notes)]
    assert len(skipped) == 2
    assert sum("no action text" in warning for warning in result.warnings) == 2
    assert "| | | | | | |" in world.read("en.md")  # blank rows left exactly as they were


def test_rows_without_action_text_are_not_recorded_or_reported_overdue(
    world: SyncWorld, jira_sandbox: JiraSandbox
) -> None:
    world.write("en.md", BLANK_ROWS_DOC)
    world.sync()
    with world.store.engine.connect() as connection:
        actions = connection.execute(text("SELECT action FROM action_item")).scalars().all()
    assert "" not in actions and len(actions) == 4
    report = build_report(world.store.engine, ReportOptions(as_of=jira_sandbox.clock.now().date()))
    assert all(item.action.strip() for item in report.overdue)
    assert "Restore the connection-pool size to 50" in [item.action for item in report.overdue]
