"""Postmortem closure: open postmortems with their oldest open item, aging, time to close."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
import time_machine

from tests.cli_helpers import invoke_tracker
from tracker.store import upgrade_store

FIRST_SYNC = datetime(2026, 1, 20, 9, 0, tzinfo=UTC)


def doc(title: str, day: str, rows: list[tuple[str, str]]) -> str:
    table = "\n".join(f"| {action} | @kim | {status} |" for action, status in rows)
    return (
        f"---\nteam: payments\n---\n\n# Postmortem: {title}\n\n**Date**: {day}\n\n"
        f"## Action items\n\n| Action | Owner | Status |\n|---|---|---|\n{table}\n"
    )


@pytest.fixture
def run(
    tmp_path: Path,
    store_url: str,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> Any:
    """`tracker` in a folder of three postmortems, on SQLite and on PostgreSQL."""
    upgrade_store(store_url)
    docs = tmp_path / "postmortems"
    docs.mkdir()
    (docs / "a.md").write_text(
        doc("Old outage", "2025-09-01", [("Fix A1", "Open"), ("Fix A2", "Done")])
    )
    (docs / "b.md").write_text(doc("Recent outage", "2026-01-10", [("Fix B1", "In progress")]))
    (docs / "c.md").write_text(doc("Closed outage", "2026-01-01", [("Fix C1", "Done")]))
    (tmp_path / "tracker.toml").write_text(
        f'database_url = "{store_url}"\n\n[documents]\npaths = ["postmortems"]\n'
    )

    def tracker(*args: str, at: datetime = FIRST_SYNC) -> Any:
        with time_machine.travel(at, tick=False):
            return invoke_tracker(
                *args, "--config", str(tmp_path / "tracker.toml"),
                capsys=capsys, monkeypatch=monkeypatch, cwd=tmp_path,
            )  # fmt: skip

    tracker.docs = docs  # type: ignore[attr-defined]
    return tracker


def closure(run: Any, as_of: str) -> dict[str, Any]:
    outcome = run("report", "--format", "json", "--as-of", as_of)
    assert outcome.returncode == 0, outcome.stderr
    return json.loads(outcome.stdout)["postmortems"]  # type: ignore[no-any-return]


def test_open_postmortems_are_listed_oldest_first_with_their_oldest_open_item(run: Any) -> None:
    run("sync")
    found = closure(run, "2026-01-25")
    assert [
        (pm["title"], pm["age_days"], pm["open_items"], pm["oldest_open"]) for pm in found["open"]
    ] == [
        ("Old outage", 146, 1, "Fix A1"),
        ("Recent outage", 15, 1, "Fix B1"),
    ]
    assert found["open"][0]["oldest_open_location"] == "postmortems/a.md:13"


def test_of_open_items_seen_together_the_oldest_open_is_the_first_line(run: Any) -> None:
    (run.docs / "a.md").write_text(
        doc("Old outage", "2025-09-01", [("Fix A1", "Open"), ("Fix A3", "In progress")])
    )
    run("sync")
    assert closure(run, "2026-01-25")["open"][0]["oldest_open"] == "Fix A1"


def test_the_oldest_open_item_is_the_one_seen_first_not_the_first_line(run: Any) -> None:
    run("sync")
    (run.docs / "b.md").write_text(
        doc("Recent outage", "2026-01-10", [("Fix B0", "Open"), ("Fix B1", "In progress")])
    )
    run("sync", at=datetime(2026, 1, 22, 9, 0, tzinfo=UTC))  # Fix B0 added above Fix B1
    assert closure(run, "2026-01-25")["open"][1]["oldest_open"] == "Fix B1"


def test_open_postmortems_fall_into_aging_buckets(run: Any) -> None:
    run("sync")
    assert closure(run, "2026-01-25")["aging"] == {
        "0–30 days": 1,
        "31–90 days": 0,
        "over 90 days": 1,
    }


def test_a_postmortem_whose_items_are_all_closed_is_closed(run: Any) -> None:
    run("sync")
    assert closure(run, "2026-01-25")["closed"] == 1


def test_days_to_close_run_from_the_postmortems_date_to_its_last_close(run: Any) -> None:
    run("sync")  # c.md was already closed when first seen on 2026-01-20: 19 days
    (run.docs / "b.md").write_text(doc("Recent outage", "2026-01-10", [("Fix B1", "Done")]))
    run("sync", at=datetime(2026, 2, 9, 9, 0, tzinfo=UTC))  # b.md closes: 30 days
    found = closure(run, "2026-02-10")
    assert (found["closed"], found["median_days_to_close"], found["p90_days_to_close"]) == (
        2, 24.5, 30.0,
    )  # fmt: skip


def test_a_postmortem_closed_after_the_as_of_day_is_open_as_of_that_day(run: Any) -> None:
    run("sync")
    (run.docs / "b.md").write_text(doc("Recent outage", "2026-01-10", [("Fix B1", "Done")]))
    run("sync", at=datetime(2026, 2, 9, 9, 0, tzinfo=UTC))  # b.md closes after 2026-01-25
    found = closure(run, "2026-01-25")
    assert [(pm["title"], pm["open_items"]) for pm in found["open"]] == [
        ("Old outage", 1),
        ("Recent outage", 1),
    ]
    assert (found["closed"], found["median_days_to_close"]) == (1, 19.0)


def test_the_table_report_shows_the_open_postmortems(run: Any) -> None:
    run("sync")
    outcome = run("report", "--as-of", "2026-01-25")
    assert "Open postmortems (2)" in outcome.stdout
    assert "Old outage" in outcome.stdout
