"""The report's figures, on SQLite and PostgreSQL, against a hand-checked store.

The expected numbers are worked out by hand in tests/report_seed.py's docstring.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import event

from tests.report_seed import (
    AS_OF,
    CONFIGURED_TEAMS,
    SEEN,
    add_item,
    add_postmortem,
    at,
    seed_example,
)
from tracker.errors import TrackerError
from tracker.report import ReportData, ReportOptions, build_report
from tracker.report.model import TeamSummary
from tracker.store import Store


@pytest.fixture
def seeded(store: Store) -> Store:
    seed_example(store)
    return store


def report_of(store: Store, **overrides: object) -> ReportData:
    options = {"as_of": AS_OF, "teams": CONFIGURED_TEAMS} | overrides
    return build_report(store.engine, ReportOptions(**options))  # type: ignore[arg-type]


def team(report: ReportData, name: str) -> TeamSummary:
    return next(t for t in report.teams if t.team == name)


def test_team_counts_by_status_exclude_removed_and_later_items(seeded: Store) -> None:
    payments = team(report_of(seeded), "payments")
    assert (payments.total, payments.open, payments.in_progress) == (7, 3, 1)
    assert (payments.done, payments.wont_do) == (2, 1)


def test_completion_rate_is_done_over_total_minus_wont_do(seeded: Store) -> None:
    report = report_of(seeded)
    assert team(report, "payments").completion_rate == pytest.approx(2 / 6)
    assert team(report, "search").completion_rate == pytest.approx(2 / 3)
    assert report.totals.completion_rate == pytest.approx(4 / 9)


def test_completion_rate_is_none_for_a_team_without_items(seeded: Store) -> None:
    infra = team(report_of(seeded), "infra")
    assert infra.total == 0
    assert infra.completion_rate is None
    assert infra.median_days_to_close is None


def test_overdue_counts_open_items_due_before_the_as_of_date(seeded: Store) -> None:
    report = report_of(seeded)
    assert team(report, "payments").overdue == 3
    assert team(report, "search").overdue == 0  # S3 is due on the day itself
    assert team(report, "payments").oldest_overdue_due == date(2026, 3, 10)


def test_due_soon_counts_open_items_due_within_the_window(seeded: Store) -> None:
    report = report_of(seeded)
    assert team(report, "payments").due_soon == 1
    assert team(report, "search").due_soon == 1
    assert team(report_of(seeded, due_soon_days=4), "payments").due_soon == 0  # P6 due 04-05


def test_unowned_counts_open_items_without_an_owner(seeded: Store) -> None:
    report = report_of(seeded)
    assert team(report, "payments").unowned == 2
    assert [i.id for i in report.unowned] == ["P4", "P6"]


def test_median_days_to_close_uses_observed_closes(seeded: Store) -> None:
    report = report_of(seeded)
    assert team(report, "payments").median_days_to_close == pytest.approx(20.0)
    assert team(report, "search").median_days_to_close == pytest.approx(55.0)
    assert report.totals.median_days_to_close == pytest.approx(25.5)  # (20 + 31) / 2


def test_overall_median_with_an_odd_number_of_closes_is_the_middle_one(seeded: Store) -> None:
    assert report_of(seeded, team="payments").totals.median_days_to_close == pytest.approx(20.0)
    assert report_of(seeded, team="search").totals.median_days_to_close == pytest.approx(55.0)


def test_overdue_list_is_oldest_due_first_with_path_line_and_tickets(seeded: Store) -> None:
    overdue = report_of(seeded).overdue
    assert [(i.id, i.days_overdue) for i in overdue] == [("P4", 21), ("P3", 11), ("P9", 1)]
    p3 = overdue[1]
    assert p3.location == "postmortems/payments/2026-01-04-outage.md:12"
    assert [(t.system, t.key, t.url) for t in p3.tickets] == [
        ("jira", "PAY-1", "https://jira.example.com/browse/PAY-1")
    ]
    assert p3.owners == ("alice",)


def test_doc_url_points_at_the_line_when_docs_base_url_is_set(seeded: Store) -> None:
    report = report_of(seeded, docs_base_url="https://git.example.com/org/pm/blob/main/")
    assert report.overdue[0].doc_url == (
        "https://git.example.com/org/pm/blob/main/postmortems/payments/2026-01-04-outage.md#L13"
    )


def test_owners_are_counted_per_person(seeded: Store) -> None:
    owners = {o.owner: o for o in report_of(seeded).owners}
    assert sorted(owners) == ["alice", "bob", "carol", "dave", "erin"]
    alice = owners["alice"]  # P7 (removed) and P8 (later) are not hers to count
    assert (alice.total, alice.open, alice.done, alice.overdue) == (2, 1, 1, 1)
    assert (owners["bob"].done, owners["bob"].wont_do) == (1, 1)
    assert owners["carol"].overdue == 1


def test_trend_has_one_point_per_week_ending_on_the_as_of_date(seeded: Store) -> None:
    trend = report_of(seeded).trend
    assert len(trend) == 12
    assert trend[-1].week_ending == AS_OF
    assert trend[0].week_ending == date(2026, 1, 13)


def test_trend_rebuilds_completion_and_open_overdue_from_events(seeded: Store) -> None:
    points = {p.week_ending: p for p in report_of(seeded).trend}
    first = points[date(2026, 1, 13)]  # 11 items; only S1 done; P7 (due 01-01) overdue
    assert (first.total, first.done, first.open_overdue) == (11, 1, 1)
    assert first.completion_rate == pytest.approx(1 / 11)
    late_feb = points[date(2026, 2, 24)]  # P7 not removed yet; P5 won't do since 02-05
    assert (late_feb.total, late_feb.done, late_feb.wont_do) == (11, 3, 1)
    assert late_feb.open_overdue == 2  # P7 and S2 (due 02-01, done 03-01)
    assert [points[date(2026, 3, d)].open_overdue for d in (3, 10, 17, 24, 31)] == [0, 0, 1, 2, 3]
    assert points[AS_OF].completion_rate == pytest.approx(4 / 9)


def test_as_of_an_earlier_date_ignores_later_events(seeded: Store) -> None:
    report = report_of(seeded, as_of=date(2026, 1, 20))
    payments = team(report, "payments")
    assert (payments.total, payments.done, payments.in_progress, payments.open) == (8, 1, 1, 6)
    assert payments.overdue == 1  # P7, due 01-01, not removed until 03-01
    assert payments.median_days_to_close == pytest.approx(10.0)  # only P1 had closed


def test_as_of_after_a_late_close_counts_it_done(seeded: Store) -> None:
    payments = team(report_of(seeded, as_of=date(2026, 4, 6)), "payments")
    assert payments.done == 3  # P9 closed 04-03
    assert payments.total == 8  # P8 first seen 04-02


def test_as_of_day_ends_in_the_configured_time_zone(store: Store) -> None:
    pm = add_postmortem(store, "pm/tz.md", "ops")
    late_close = ("open", "done", at(3, 31, hour=23))  # 2026-04-01 08:00 in Tokyo
    add_item(
        store,
        "T1",
        postmortem_id=pm,
        team="ops",
        line=3,
        status="done",
        due=None,
        owners=["zed"],
        events=[(None, "open", SEEN), late_close],
    )
    utc = team(report_of(store, teams=()), "ops")
    tokyo = team(report_of(store, teams=(), timezone=ZoneInfo("Asia/Tokyo")), "ops")
    assert (utc.done, tokyo.done) == (1, 0)


def test_status_before_the_first_recorded_change_is_its_from_status(store: Store) -> None:
    pm = add_postmortem(store, "pm/legacy.md", "ops")
    add_item(
        store,
        "L1",
        postmortem_id=pm,
        team="ops",
        line=5,
        status="done",
        due=date(2026, 2, 1),
        owners=["zed"],
        events=[("open", "done", at(3, 15))],
    )
    trend = {p.week_ending: p for p in report_of(store, teams=()).trend}
    assert (trend[date(2026, 3, 10)].done, trend[date(2026, 3, 10)].open_overdue) == (0, 1)
    assert (trend[date(2026, 3, 17)].done, trend[date(2026, 3, 17)].open_overdue) == (1, 0)


def test_team_filter_reports_only_that_team(seeded: Store) -> None:
    report = report_of(seeded, team="search")
    assert [t.team for t in report.teams] == ["search"]
    assert report.totals.total == 3
    assert report.overdue == []
    assert report.trend[-1].total == 3
    assert {o.owner for o in report.owners} == {"dave", "erin"}


def test_team_filter_accepts_a_stored_team_that_is_not_configured(seeded: Store) -> None:
    report = report_of(seeded, team="search", teams=())
    assert report.teams[0].total == 3


def test_unknown_team_is_a_usage_error_naming_the_known_teams(seeded: Store) -> None:
    with pytest.raises(TrackerError) as raised:
        report_of(seeded, team="nope")
    assert raised.value.exit_code == 2
    assert "unknown team 'nope'" in str(raised.value)
    assert "payments" in str(raised.value)


def test_empty_store_reports_zeros(store: Store) -> None:
    report = report_of(store)
    assert [t.total for t in report.teams] == [0, 0, 0]
    assert report.totals.completion_rate is None
    assert [p.total for p in report.trend] == [0] * 12


def test_a_sync_committing_mid_report_does_not_change_what_it_reads(seeded: Store) -> None:
    """All queries read one snapshot: counts and lists agree even if a write lands between."""
    pm = add_postmortem(seeded, "pm/late-arrival.md", "payments")
    written: list[bool] = []

    def write_before_the_lists(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        if "ticket_link" in statement and not written:
            written.append(True)  # another process records a new overdue item right now
            add_item(
                seeded,
                "LATE",
                postmortem_id=pm,
                team="payments",
                line=1,
                status="open",
                due=date(2026, 1, 2),
                owners=["zed"],
                events=[(None, "open", SEEN)],
            )

    event.listen(seeded.engine, "before_cursor_execute", write_before_the_lists)
    try:
        report = report_of(seeded)
    finally:
        event.remove(seeded.engine, "before_cursor_execute", write_before_the_lists)
    assert written == [True]
    assert team(report, "payments").overdue == len(report.overdue) == 3
    assert "LATE" not in {i.id for i in report.overdue}
    assert team(report_of(seeded), "payments").overdue == 4  # the next report sees it


def _closed_after(store: Store, team_name: str, days: list[int]) -> None:
    """One done item per duration: first seen at SEEN, closed `days` later."""
    doc = add_postmortem(store, f"postmortems/{team_name}.md", team_name)
    for n, took in enumerate(days):
        closed = SEEN + timedelta(days=took)
        add_item(
            store, f"{team_name}-{n}", postmortem_id=doc, team=team_name, line=n + 1,
            status="done", due=None, events=[(None, "open", SEEN), ("open", "done", closed)],
        )  # fmt: skip


def test_median_of_an_even_number_of_closes_averages_the_two_middle_ones(store: Store) -> None:
    _closed_after(store, "payments", [30, 1, 10, 2])
    _closed_after(store, "search", [7])
    report = report_of(store)
    assert team(report, "payments").median_days_to_close == pytest.approx(6.0)  # (2 + 10) / 2
    assert team(report, "search").median_days_to_close == pytest.approx(7.0)
    assert report.totals.median_days_to_close == pytest.approx(7.0)  # 1 2 7 10 30


def test_median_of_an_odd_number_of_closes_is_the_middle_one(store: Store) -> None:
    _closed_after(store, "payments", [30, 1, 10, 2, 4])
    assert team(report_of(store), "payments").median_days_to_close == pytest.approx(4.0)


def _statements_of_report(store: Store, **overrides: object) -> list[str]:
    statements: list[str] = []

    def record(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        statements.append(statement)

    event.listen(store.engine, "before_cursor_execute", record)
    try:
        report_of(store, **overrides)
    finally:
        event.remove(store.engine, "before_cursor_execute", record)
    return statements


def test_rows_are_read_in_place_as_of_a_day_nothing_happened_after(seeded: Store) -> None:
    """A report as of today reads the stored items as they are: no temporary table."""
    statements = _statements_of_report(seeded, as_of=AS_OF + timedelta(days=365))
    assert not [s for s in statements if "report_item_as_of" in s]


def test_rows_go_once_into_a_temporary_table_as_of_a_day_that_saw_changes(
    seeded: Store,
) -> None:
    """As of a day with changes after it, each row's status then is worked out once."""
    statements = _statements_of_report(seeded)
    created = [
        s for s in statements if s.lstrip().startswith("CREATE") and "report_item_as_of" in s
    ]
    assert len(created) == 1
