"""The report's figures computed in SQL equal their documented definitions in Python.

SLO quarters, "closed within the SLO", postmortem aging buckets and medians are worked
out by the database (tracker.report.dialect, slo, closure, query) so a large store never
comes into Python; these tests pin each one to its plain definition on small stores,
on SQLite and on PostgreSQL.
"""

from __future__ import annotations

import random
import statistics
from collections import Counter
from datetime import UTC, date, datetime, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy import Column, Date, MetaData, Table, insert, literal, select, text
from sqlalchemy.dialects import postgresql

from tracker.report import ReportData, ReportOptions, build_report
from tracker.report.closure import bucket_of
from tracker.report.dialect import as_stored, days_between, quarter_number, utc_day
from tracker.report.query import REPORT_ITEM, CreateTemporaryTableAs, _item_rows
from tracker.report.slo import quarter_name, quarter_of
from tracker.store import Store, open_store, upgrade_store
from tracker.store.models import ActionItemRow, PostmortemRow
from tracker.store.types import UTCDateTime

AS_OF = date(2026, 6, 30)
SEEN = datetime(2026, 1, 5, 10, 0, tzinfo=UTC)
ITEM = ActionItemRow.__table__  # type: ignore[attr-defined]
POSTMORTEM = PostmortemRow.__table__  # type: ignore[attr-defined]


def add_postmortem(store: Store, number: int, team: str, day: date | None) -> int:
    with store.engine.begin() as connection:
        row = {
            "path": f"postmortems/{team}/pm-{number:03d}.md",
            "title": f"Incident {number}",
            "team": team,
            "date": day,
            "language": "en",
            "last_scanned_at": SEEN,
        }
        return int(connection.execute(insert(POSTMORTEM).values(row)).inserted_primary_key[0])


def add_item(
    store: Store,
    item_id: str,
    postmortem_id: int,
    *,
    team: str = "payments",
    status: str = "open",
    first_seen: datetime = SEEN,
    closed_at: datetime | None = None,
    slo_due: date | None = None,
) -> None:
    with store.engine.begin() as connection:
        connection.execute(
            insert(ITEM).values(
                id=item_id,
                postmortem_id=postmortem_id,
                path=f"pm-{postmortem_id}.md",
                line=10,
                action=f"Action {item_id}",
                owners=[],
                team=team,
                due=slo_due,
                due_derived=slo_due is not None,
                slo_due=slo_due,
                priority="P1",
                status=status,
                first_seen_at=first_seen,
                updated_at=first_seen,
                closed_at=closed_at,
                doc_hash="x" * 64,
            )
        )


def report(store: Store, **limits: int | None) -> ReportData:
    return build_report(store.engine, ReportOptions(as_of=AS_OF, slo=True), **limits)


def test_the_sql_quarter_of_a_deadline_is_quarter_of(store: Store) -> None:
    days = [date(2025, 12, 31) + timedelta(days=n) for n in range(0, 400, 3)]
    with store.engine.connect() as connection:
        found = [
            connection.execute(select(quarter_number(literal(day, Date())))).scalar_one()
            for day in days
        ]
    assert [quarter_name(number) for number in found] == [quarter_of(day) for day in days]


def test_slo_figures_per_quarter_follow_each_items_deadline_and_outcome(store: Store) -> None:
    pm = add_postmortem(store, 1, "payments", date(2025, 12, 1))
    closed = datetime(2026, 2, 1, 12, 0, tzinfo=UTC)
    cases = {  # item id: (status, closed at, deadline) → outcome as slo.py defines it
        "met": ("done", closed, date(2026, 2, 1)),
        "missed": ("wont_do", closed, date(2026, 1, 31)),
        "past": ("in_progress", None, date(2026, 6, 29)),
        "pending": ("open", None, date(2026, 7, 1)),
        "none": ("open", None, None),
    }
    for item_id, (status, closed_at, deadline) in cases.items():
        add_item(store, item_id, pm, status=status, closed_at=closed_at, slo_due=deadline)
    quarters = report(store).slo_quarters
    assert quarters is not None
    found = {(f.quarter, f.met, f.missed, f.pending, f.past_now) for f in quarters}
    assert found == {("2026-Q1", 1, 1, 0, 0), ("2026-Q2", 0, 1, 0, 1), ("2026-Q3", 0, 0, 1, 0)}


def test_overdue_and_due_soon_counted_in_sql_follow_the_due_date_and_status(
    store: Store,
) -> None:
    pm = add_postmortem(store, 1, "payments", date(2026, 1, 1))
    days = [-30, -1, 0, 1, 7, 8, 40]
    for status in ("open", "in_progress", "done", "wont_do"):
        for offset in days:
            add_item(
                store, f"{status}-{offset}", pm, status=status, slo_due=AS_OF + timedelta(offset)
            )
    (team,) = report(store).teams
    is_open = 2  # open and in progress
    assert team.overdue == is_open * sum(1 for d in days if d < 0)
    assert team.due_soon == is_open * sum(1 for d in days if 0 <= d <= 7)
    assert team.oldest_overdue_due == AS_OF - timedelta(days=30)
    assert (team.open, team.in_progress, team.done, team.wont_do) == (7, 7, 7, 7)


def test_the_sql_utc_day_of_a_timestamp_is_its_utc_calendar_day(store: Store) -> None:
    moments = [
        datetime(2026, 3, 31, 23, 59, 59, 999999, tzinfo=UTC),
        datetime(2026, 4, 1, 0, 0, tzinfo=UTC),
        datetime(2026, 12, 31, 23, 0, tzinfo=UTC),
    ]
    with store.engine.connect() as connection:
        found = [
            connection.execute(select(utc_day(literal(moment, UTCDateTime())))).scalar_one()
            for moment in moments
        ]
    assert [str(day) for day in found] == ["2026-03-31", "2026-04-01", "2026-12-31"]


def test_closed_by_the_end_of_the_deadlines_utc_day_is_within_the_slo(store: Store) -> None:
    pm = add_postmortem(store, 1, "payments", date(2026, 1, 1))
    deadline = date(2026, 3, 31)
    closes = {
        "on-the-day": datetime(2026, 3, 31, 23, 59, 59, tzinfo=UTC),
        "a-day-early": datetime(2026, 3, 30, 9, 0, tzinfo=UTC),
        "just-after": datetime(2026, 4, 1, 0, 0, tzinfo=UTC),
        "a-week-late": datetime(2026, 4, 7, 12, 0, tzinfo=UTC),
    }
    for item_id, closed in closes.items():
        add_item(store, item_id, pm, status="done", closed_at=closed, slo_due=deadline)
    met = sum(1 for closed in closes.values() if closed.date() <= deadline)
    figures = report(store).slo_teams
    assert figures is not None
    assert (figures[0].team, figures[0].met, figures[0].missed) == ("payments", met, 2)


def test_aging_buckets_counted_in_sql_are_bucket_of_each_age(store: Store) -> None:
    ages = [-1, 0, 30, 31, 90, 91, 400]
    for number, age in enumerate(ages):
        pm = add_postmortem(store, number, "payments", AS_OF - timedelta(days=age))
        add_item(store, f"item-{number}", pm)
    closure = report(store).closure
    assert closure is not None
    assert closure.buckets == dict(Counter(bucket_of(age) for age in ages))
    assert [pm.age_days for pm in closure.open_postmortems] == sorted(ages, reverse=True)


def test_an_undated_postmortem_starts_on_the_utc_day_its_first_item_was_seen(
    store: Store,
) -> None:
    pm = add_postmortem(store, 1, "payments", None)
    add_item(store, "late-evening", pm, first_seen=datetime(2026, 6, 1, 23, 30, tzinfo=UTC))
    add_item(store, "next-day", pm, first_seen=datetime(2026, 6, 2, 8, 0, tzinfo=UTC))
    closure = report(store).closure
    assert closure is not None
    assert (closure.open_postmortems[0].start, closure.open_postmortems[0].age_days) == (
        date(2026, 6, 1),
        29,
    )


def test_medians_worked_out_in_sql_are_the_statistics_median(store: Store) -> None:
    rng = random.Random(7)
    durations: dict[str, list[float]] = {"odd": [], "even": []}
    for team, count in (("odd", 7), ("even", 8)):
        pm = add_postmortem(store, len(durations[team]) + count, team, None)
        for n in range(count):
            days = rng.uniform(0.5, 90)
            durations[team].append(days)
            closed = SEEN + timedelta(days=days)
            add_item(store, f"{team}-{n}", pm, team=team, status="done", closed_at=closed)
    found = {t.team: t.median_days_to_close for t in report(store).teams}
    every = [d for team in durations.values() for d in team]
    expected = {team: statistics.median(days) for team, days in durations.items()}
    assert found == pytest.approx(expected, abs=1e-6)
    assert report(store).totals.median_days_to_close == pytest.approx(
        statistics.median(every), abs=1e-6
    )


def test_a_postmortem_limit_lists_the_oldest_and_counts_the_rest(store: Store) -> None:
    for number in range(5):
        pm = add_postmortem(store, number, "payments", AS_OF - timedelta(days=10 * number))
        add_item(store, f"item-{number}", pm)
    full, first = report(store), report(store, postmortem_limit=2)
    assert full.closure is not None and first.closure is not None
    assert first.closure.open_postmortems == full.closure.open_postmortems[:2]
    assert (first.closure.open_count, first.closure.more_open) == (5, 3)
    assert first.closure.buckets == full.closure.buckets


def test_the_sql_days_between_two_moments_are_their_difference_in_days(store: Store) -> None:
    start = datetime(2026, 1, 5, 10, 0, 0, 123456, tzinfo=UTC)
    ends = [start + timedelta(days=d, seconds=s) for d, s in ((0, 1), (1, 0.5), (45, 7.25))]
    ends.append(datetime(2026, 12, 31, 23, 59, 59, 999999, tzinfo=UTC))
    with store.engine.connect() as connection:
        found = [
            connection.execute(
                select(days_between(literal(start, UTCDateTime()), literal(end, UTCDateTime())))
            ).scalar_one()
            for end in ends
        ]
    expected = [(end - start) / timedelta(days=1) for end in ends]
    assert found == pytest.approx(expected, abs=1e-6)  # SQLite's julianday: about 40 µs


@pytest.mark.postgres
def test_the_temporary_item_table_made_by_create_table_as_has_the_declared_types(
    postgres_url: str,
) -> None:
    """On PostgreSQL the per-item rows are written by CREATE TABLE … AS (in bulk), whose
    columns take the select's types: they must be the ones REPORT_ITEM declares."""
    upgrade_store(postgres_url)
    store = open_store(postgres_url)
    declared = Table(
        "declared_item_rows",
        MetaData(),
        *(Column(c.name, c.type, nullable=c.nullable) for c in REPORT_ITEM.c),
        prefixes=["TEMPORARY"],
    )
    types = text(
        "SELECT column_name, data_type FROM information_schema.columns"
        " WHERE table_name = :name ORDER BY ordinal_position"
    )
    try:
        with store.engine.connect() as connection:
            options = ReportOptions(as_of=AS_OF, slo=True)
            built = _item_rows(connection, options, events_after=True)
            declared.create(connection)
            made = connection.execute(types, {"name": built.name}).all()
            wanted = connection.execute(types, {"name": declared.name}).all()
    finally:
        store.close()
    assert [name for name, _ in made] == list(REPORT_ITEM.c.keys())
    assert made == wanted


def test_create_table_as_refuses_a_select_whose_columns_are_not_the_tables() -> None:
    query = select(ITEM.c.id, ITEM.c.team)
    with pytest.raises(ValueError, match="not report_item_as_of's"):
        CreateTemporaryTableAs(REPORT_ITEM, query).compile(dialect=postgresql.dialect())


def test_no_observed_close_gives_no_median_for_a_team_or_in_total(store: Store) -> None:
    pm = add_postmortem(store, 1, "payments", date(2026, 1, 1))
    add_item(store, "open", pm)
    add_item(store, "closed-unobserved", pm, status="done", closed_at=SEEN)  # at first sight
    data = report(store)
    assert [t.median_days_to_close for t in data.teams] == [None]
    assert data.totals.median_days_to_close is None


def test_a_date_compared_as_stored_has_no_numeric_affinity_on_sqlite(sqlite_url: str) -> None:
    """SQLite reads text as a number before comparing it with a DATE column (numeric
    affinity); `as_stored` compares the stored value as it is. Seen with a value that
    is a number: 10 (stored as an integer) against '9'."""
    days = Table("days", MetaData(), Column("day", Date))
    store = open_store(sqlite_url)
    try:
        with store.engine.begin() as connection:
            days.create(connection)
            connection.exec_driver_sql("INSERT INTO days (day) VALUES ('10')")
            nine = literal("9")
            as_number, as_it_is = connection.execute(
                select(days.c.day < nine, as_stored(days.c.day) < nine)
            ).one()
    finally:
        store.close()
    assert (as_number, as_it_is) == (False, True)


def test_sqlite_keeps_the_report_rows_days_and_times_as_text(sqlite_url: str) -> None:
    """The per-item rows' temporary table declares its days and times with text
    affinity on SQLite: written and compared as the ISO text they are read as."""
    upgrade_store(sqlite_url)
    store = open_store(sqlite_url)
    try:
        with store.engine.connect() as connection:
            connection.exec_driver_sql("BEGIN")
            _item_rows(connection, ReportOptions(as_of=AS_OF), events_after=True)
            declared = dict(
                connection.exec_driver_sql(
                    f"SELECT name, type FROM pragma_table_info('{REPORT_ITEM.name}')"
                ).all()
            )
    finally:
        store.close()
    days_and_times = ("due", "slo_due", "first_seen_at", "closed")
    assert {name: declared[name] for name in days_and_times} == dict.fromkeys(
        days_and_times, "TEXT"
    )


@settings(max_examples=60, deadline=None)
@given(
    stored=st.datetimes(min_value=datetime(1970, 1, 1), max_value=datetime(2199, 12, 31)),
    bound=st.datetimes(min_value=datetime(1970, 1, 1), max_value=datetime(2199, 12, 31)),
)
def test_days_and_times_compared_as_stored_order_as_the_columns_do(
    stored: datetime, bound: datetime
) -> None:
    """For the ISO days and times the store holds, `as_stored` gives every comparison
    the same answer as the column itself (here on an in-memory SQLite store)."""
    store = open_store("sqlite://")
    table = Table("moments", MetaData(), Column("day", Date), Column("moment", UTCDateTime()))
    try:
        with store.engine.begin() as connection:
            table.create(connection)
            connection.execute(
                insert(table).values(day=stored.date(), moment=stored.replace(tzinfo=UTC))
            )
            day, moment = (
                literal(bound.date(), Date()),
                literal(bound.replace(tzinfo=UTC), UTCDateTime()),
            )
            comparisons = [
                (table.c.day < day, as_stored(table.c.day) < day),
                (table.c.day >= day, as_stored(table.c.day) >= day),
                (table.c.moment < moment, as_stored(table.c.moment) < moment),
                (table.c.moment >= moment, as_stored(table.c.moment) >= moment),
            ]
            answers = connection.execute(
                select(*(side for pair in comparisons for side in pair))
            ).one()
    finally:
        store.close()
    assert answers[0::2] == answers[1::2]
    assert answers[0::2] == (
        stored.date() < bound.date(), stored.date() >= bound.date(), stored < bound,
        stored >= bound,
    )  # fmt: skip
