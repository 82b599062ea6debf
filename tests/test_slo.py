"""SLOs ([policy]): derived due dates for undated items, and SLO attainment in the report."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
import time_machine

from tests.cli_helpers import Outcome, invoke_tracker
from tracker.store import upgrade_store

# Recorded on 2026-01-20. Deadlines: payments' P1 rows 2026-02-02 (doc date + 28 days),
# its P2 row 2026-03-02 (+ 56); search's undated document counts from first seen:
# 2026-01-20 + 28 = 2026-02-17.
PAYMENTS = """\
---
team: payments
---

# Postmortem: Checkout errors

**Date**: 2026-01-05

## Action items

| Action | Owner | Due | Priority | Status |
|--------|-------|-----|----------|--------|
| Add a circuit breaker to the tax service | @kim | | P1 | Open |
| Load-test the checkout path | @lee | 2026-06-01 | P2 | Open |
| Roll back the bad config | @kim | | P1 | Done |
| Tidy the runbook wording | @lee | | P3 | Open |
"""

SEARCH = """\
---
team: search
---

# Postmortem: Index lag

## Action items

| Action | Owner | Due | Priority |
|--------|-------|-----|----------|
| Alert on indexer lag | @ana | | P0 |
"""

POLICY = "[policy]\nslo_days_by_priority = { P0 = 28, P1 = 28, P2 = 56 }\n"
RECORDED = datetime(2026, 1, 20, 9, 0, tzinfo=UTC)


@pytest.fixture
def folder(tmp_path: Path, store_url: str) -> Path:
    """The documents and a tracker.toml, on SQLite and on PostgreSQL (`store_url`)."""
    upgrade_store(store_url)
    (tmp_path / "postmortems").mkdir()
    (tmp_path / "postmortems" / "checkout.md").write_text(PAYMENTS, encoding="utf-8")
    (tmp_path / "postmortems" / "index.md").write_text(SEARCH, encoding="utf-8")
    (tmp_path / ".store_url").write_text(store_url, encoding="utf-8")
    write_config(tmp_path, POLICY)
    return tmp_path


def write_config(folder: Path, extra: str = "") -> None:
    """tracker.toml for the folder's store, with `extra` TOML after the documents table."""
    url = (folder / ".store_url").read_text(encoding="utf-8")
    (folder / "tracker.toml").write_text(
        f'database_url = "{url}"\n\n[documents]\npaths = ["postmortems"]\n\n{extra}',
        encoding="utf-8",
    )


@pytest.fixture
def tracker(
    folder: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> Iterator[object]:
    def run(*args: str, at: datetime = RECORDED) -> Outcome:
        with time_machine.travel(at, tick=False):
            return invoke_tracker(
                *args, "--config", str(folder / "tracker.toml"),
                capsys=capsys, monkeypatch=monkeypatch, cwd=folder,
            )  # fmt: skip

    yield run


def report_json(tracker: object, as_of: str) -> dict[str, object]:
    outcome = tracker("report", "--format", "json", "--as-of", as_of)  # type: ignore[operator]
    assert outcome.returncode == 0, outcome.stderr
    return json.loads(outcome.stdout)  # type: ignore[no-any-return]


def test_an_undated_item_is_overdue_on_its_derived_due_date(tracker: object) -> None:
    assert tracker("sync").returncode == 0  # type: ignore[operator]
    overdue = report_json(tracker, "2026-03-01")["overdue"]
    found = [(i["action"], i["due"], i["due_derived"]) for i in overdue]  # type: ignore[index]
    assert found == [
        ("Add a circuit breaker to the tax service", "2026-02-02", True),
        ("Alert on indexer lag", "2026-02-17", True),
    ]


def test_a_written_due_date_wins_over_the_slo(tracker: object) -> None:
    tracker("sync")  # type: ignore[operator]
    overdue = report_json(tracker, "2026-06-02")["overdue"]
    load_test = [i for i in overdue if i["action"] == "Load-test the checkout path"]  # type: ignore[index]
    assert [(i["due"], i["due_derived"]) for i in load_test] == [("2026-06-01", False)]


def test_an_item_without_an_slo_gets_no_due_date(tracker: object) -> None:
    tracker("sync")  # type: ignore[operator]
    listed = report_json(tracker, "2027-01-01")["overdue"]
    assert "Tidy the runbook wording" not in [i["action"] for i in listed]  # type: ignore[index]


def test_slo_attainment_per_team(tracker: object) -> None:
    tracker("sync")  # type: ignore[operator]
    slo = report_json(tracker, "2026-03-01")["slo"]
    assert slo["teams"] == [  # type: ignore[index]
        {"team": "payments", "met": 1, "missed": 1, "past_slo_now": 1, "pending": 1,
         "attainment": 0.5},
        {"team": "search", "met": 0, "missed": 1, "past_slo_now": 1, "pending": 0,
         "attainment": 0.0},
        {"team": "all teams", "met": 1, "missed": 2, "past_slo_now": 2, "pending": 1,
         "attainment": 0.3333},
    ]  # fmt: skip


def test_slo_attainment_per_quarter_of_the_deadline(tracker: object) -> None:
    tracker("sync")  # type: ignore[operator]
    quarters = report_json(tracker, "2026-03-01")["slo"]["quarters"]  # type: ignore[index]
    assert [(q["team"], q["quarter"], q["met"], q["missed"]) for q in quarters] == [
        ("payments", "2026-Q1", 1, 1),
        ("search", "2026-Q1", 0, 1),
    ]


def test_closing_after_the_deadline_is_missed_not_past(tracker: object, folder: Path) -> None:
    tracker("sync")  # type: ignore[operator]
    doc = folder / "postmortems" / "checkout.md"
    doc.write_text(
        PAYMENTS.replace("tax service | @kim | | P1 | Open", "tax service | @kim | | P1 | Done"),
        encoding="utf-8",
    )
    tracker("sync", at=datetime(2026, 2, 20, 9, 0, tzinfo=UTC))  # type: ignore[operator]
    payments = report_json(tracker, "2026-03-01")["slo"]["teams"][0]  # type: ignore[index]
    assert (payments["met"], payments["missed"], payments["past_slo_now"]) == (1, 1, 0)


def test_fail_on_slo_trips_on_an_item_past_its_slo(tracker: object) -> None:
    tracker("sync")  # type: ignore[operator]
    early = tracker("report", "--as-of", "2026-01-25", "--fail-on", "slo")  # type: ignore[operator]
    late = tracker("report", "--as-of", "2026-03-01", "--fail-on", "slo")  # type: ignore[operator]
    assert early.returncode == 0
    assert late.returncode == 1
    assert "report gate tripped: 2 past-SLO item(s)" in late.stderr


def test_fail_on_slo_without_a_policy_is_an_error(tracker: object, folder: Path) -> None:
    tracker("sync")  # type: ignore[operator]
    write_config(folder)
    outcome = tracker("report", "--fail-on", "slo")  # type: ignore[operator]
    assert outcome.returncode == 2
    assert "needs SLOs: add a [policy]" in outcome.stderr


def test_without_a_policy_the_report_has_no_slo_and_no_derived_dates(
    tracker: object, folder: Path
) -> None:
    write_config(folder)
    tracker("sync")  # type: ignore[operator]
    data = report_json(tracker, "2026-03-01")
    assert "slo" not in data
    assert data["overdue"] == []


def test_a_policy_change_recomputes_the_deadlines_on_the_next_sync(
    tracker: object, folder: Path
) -> None:
    tracker("sync")  # type: ignore[operator]
    write_config(folder, "[policy]\nslo_days_by_priority = { P1 = 7 }\n")
    tracker("sync")  # type: ignore[operator]
    overdue = report_json(tracker, "2026-01-25")["overdue"]
    assert [(i["action"], i["due"]) for i in overdue] == [  # type: ignore[index]
        ("Add a circuit breaker to the tax service", "2026-01-12")
    ]


def test_the_csv_and_markdown_carry_the_slo_figures(tracker: object) -> None:
    tracker("sync")  # type: ignore[operator]
    table = tracker("report", "--format", "csv", "--as-of", "2026-03-01")  # type: ignore[operator]
    rows = list(csv.DictReader(io.StringIO(table.stdout)))
    assert [(r["team"], r["slo_met"], r["slo_past_now"], r["slo_attainment"]) for r in rows] == [
        ("payments", "1", "1", "0.5"),
        ("search", "0", "1", "0.0"),
    ]
    markdown = tracker("report", "--format", "markdown", "--as-of", "2026-03-01")  # type: ignore[operator]
    assert "## SLO attainment" in markdown.stdout
    assert "2026-02-02 (SLO)" in markdown.stdout


def test_scan_shows_the_derived_due_date_from_the_postmortems_date(tracker: object) -> None:
    outcome = tracker("scan", "postmortems/checkout.md", "--format", "json")  # type: ignore[operator]
    items = json.loads(outcome.stdout)["documents"][0]["items"]
    assert [(i["due"], i["derived_due"]) for i in items] == [
        (None, "2026-02-02"),
        ("2026-06-01", None),
        (None, "2026-02-02"),
        (None, None),
    ]
