"""The report's second connection (tracker.report.beside): the trend, and the postmortem
closure and a page's item lists when nothing happened after the as-of day, are read on
it, in a thread, in the report's snapshot; when it can't be had or fails, the report's
own connection reads them.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date
from typing import Any

import pytest
from sqlalchemy import Engine, create_engine, event

from tests.report_seed import CONFIGURED_TEAMS, SEEN, add_item, add_postmortem, seed_example
from tracker.report import ReportData, ReportOptions, beside, build_report
from tracker.store import Store, open_store, upgrade_store

AS_OF_PAST = date(2026, 3, 31)  # the seed's as-of day: items changed after it
LATER = date(2026, 4, 30)  # after every change in the seed: nothing happened after it
TREND_EVENTS = "FROM status_event JOIN action_item"  # the trend's read of the events
LATE_DOCUMENT = "pm/late-arrival.md"


@pytest.fixture(autouse=True)
def two_cpus(monkeypatch: pytest.MonkeyPatch) -> None:
    """Whatever machine runs the suite: SQLite overlaps its connections from two CPUs."""
    monkeypatch.setattr(beside, "usable_cpus", lambda: 2)


@pytest.fixture
def seeded(store: Store) -> Store:
    seed_example(store)
    return store


def report_with(engine: Engine, as_of: date = LATER, item_limit: int | None = None) -> ReportData:
    options = ReportOptions(as_of=as_of, teams=CONFIGURED_TEAMS)
    return build_report(engine, options, item_limit=item_limit, postmortem_limit=item_limit)


@contextmanager
def statements_by_thread(engine: Engine) -> Iterator[list[tuple[str, str]]]:
    """(thread name, statement) of every statement the engine runs meanwhile."""
    seen: list[tuple[str, str]] = []

    def note(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        seen.append((threading.current_thread().name, statement))

    event.listen(engine, "before_cursor_execute", note)
    try:
        yield seen
    finally:
        event.remove(engine, "before_cursor_execute", note)


def read_beside(seen: list[tuple[str, str]], part: str) -> list[bool]:
    """For each statement naming `part`: whether the second connection's thread ran it."""
    return [name.startswith("report-beside") for name, statement in seen if part in statement]


def test_the_trend_and_the_closure_are_read_on_a_second_connection(seeded: Store) -> None:
    with statements_by_thread(seeded.engine) as seen:
        report_with(seeded.engine)
    assert set(read_beside(seen, TREND_EVENTS)) == {True}
    assert set(read_beside(seen, "report_postmortem_as_of")) == {True}  # the closure's
    assert set(read_beside(seen, "ticket_link")) == {False}  # every item: the report's rows


def test_a_pages_item_lists_are_read_on_the_second_connection(seeded: Store) -> None:
    with statements_by_thread(seeded.engine) as seen:
        report_with(seeded.engine, item_limit=2)
    assert set(read_beside(seen, "ticket_link")) == {True}  # the overdue and unowned lists


def test_as_of_a_day_with_later_changes_the_closure_is_read_from_the_reports_own_rows(
    seeded: Store,
) -> None:
    """The per-item rows then differ from the stored items: only the report's own
    connection has them (a temporary table)."""
    with statements_by_thread(seeded.engine) as seen:
        report_with(seeded.engine, AS_OF_PAST)
    assert set(read_beside(seen, "report_postmortem_as_of")) == {False}
    assert set(read_beside(seen, TREND_EVENTS)) == {True}


@pytest.mark.parametrize("as_of", [LATER, AS_OF_PAST])
@pytest.mark.parametrize("item_limit", [None, 2])
def test_with_no_second_connection_to_spare_the_report_is_the_same(
    seeded: Store, as_of: date, item_limit: int | None
) -> None:
    # pool_timeout=0: the second checkout fails at once (no timed wait)
    one_connection = create_engine(seeded.engine.url, pool_size=1, max_overflow=0, pool_timeout=0)
    try:
        alone = report_with(one_connection, as_of, item_limit)
    finally:
        one_connection.dispose()
    assert alone == report_with(seeded.engine, as_of, item_limit)


def add_late_item(store: Store) -> None:
    """An open, overdue item in a postmortem of its own (another process's sync)."""
    pm = add_postmortem(store, LATE_DOCUMENT, "payments")
    add_item(
        store, "LATE", postmortem_id=pm, team="payments", line=1, status="open",
        due=date(2026, 1, 2), events=[(None, "open", SEEN)],
    )  # fmt: skip


def open_documents(report: ReportData) -> list[str]:
    return [pm.path for pm in report.closure.open_postmortems]


def test_a_commit_as_the_second_connection_starts_reading_is_in_no_figure(seeded: Store) -> None:
    """An item recorded just before the second connection's read transaction starts, after
    the report's own started, is in none of the counts, lists, trend or closure:
    on PostgreSQL the second connection imports the report's snapshot; on SQLite it sees
    the data version move and leaves its work to the report's own connection."""
    engine = seeded.engine
    postgres = engine.dialect.name == "postgresql"
    second_read = "SET TRANSACTION SNAPSHOT" if postgres else "PRAGMA data_version"
    pragmas: list[str] = []

    def commit_before_the_second_read(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        if not statement.startswith(second_read):
            return
        pragmas.append(statement)
        # SQLite: the first data_version is read before the report's transaction starts
        if postgres or len(pragmas) == 2:
            add_late_item(seeded)

    event.listen(engine, "before_cursor_execute", commit_before_the_second_read)
    try:
        report = report_with(engine, item_limit=50)  # a page: its lists are read beside too
    finally:
        event.remove(engine, "before_cursor_execute", commit_before_the_second_read)
    later = report_with(engine, item_limit=50)
    assert len(report.overdue) == report.totals.overdue == later.totals.overdue - 1
    assert "LATE" not in [item.id for item in report.overdue]
    assert LATE_DOCUMENT not in open_documents(report)
    assert LATE_DOCUMENT in open_documents(later)
    assert report.trend[-1].total == report.totals.total == later.totals.total - 1
    assert later.trend[-1].total == later.totals.total


def test_on_sqlite_a_commit_just_before_the_report_begins_is_in_every_figure(
    sqlite_url: str,
) -> None:
    """Committed just before the second connection reads its first data version, which
    comes before the report's own read transaction starts: both connections see it."""
    upgrade_store(sqlite_url)
    store = open_store(sqlite_url)
    pragmas: list[str] = []

    def commit_before_the_report_reads(conn: Any, cursor: Any, statement: str, *a: Any) -> None:
        if statement.startswith("PRAGMA data_version"):
            pragmas.append(statement)
            if len(pragmas) == 1:
                add_late_item(store)

    try:
        seed_example(store)
        event.listen(store.engine, "before_cursor_execute", commit_before_the_report_reads)
        try:
            report = report_with(store.engine)
        finally:
            event.remove(store.engine, "before_cursor_execute", commit_before_the_report_reads)
        later = report_with(store.engine)
    finally:
        store.close()
    assert LATE_DOCUMENT in open_documents(report)
    assert report.trend[-1].total == report.totals.total == later.totals.total


@pytest.mark.parametrize("item_limit", [None, 2])
def test_a_second_connection_that_fails_leaves_its_work_to_the_reports_own(
    seeded: Store, caplog: pytest.LogCaptureFixture, item_limit: int | None
) -> None:
    engine = seeded.engine
    expected = report_with(engine, item_limit=item_limit)

    def fail_beside(
        conn: Any, cursor: Any, statement: str, parameters: Any, *args: Any
    ) -> tuple[str, Any]:
        if threading.current_thread().name.startswith("report-beside"):
            statement = "SELECT * FROM no_such_table"  # the trend's or the closure's read fails
        return statement, parameters

    event.listen(engine, "before_cursor_execute", fail_beside, retval=True)
    try:
        with caplog.at_level(logging.WARNING, logger="tracker.report.beside"):
            failed = report_with(engine, item_limit=item_limit)
    finally:
        event.remove(engine, "before_cursor_execute", fail_beside)
    assert failed == expected
    assert "read in line instead" in caplog.text


@pytest.mark.postgres
def test_a_server_that_exports_no_snapshot_still_gets_the_whole_report(postgres_url: str) -> None:
    upgrade_store(postgres_url)
    store = open_store(postgres_url)

    def refused_export(
        conn: Any, cursor: Any, statement: str, parameters: Any, *args: Any
    ) -> tuple[str, Any]:
        if "pg_export_snapshot" in statement:  # as a server without it answers: an error
            statement = statement.replace("pg_export_snapshot", "no_such_snapshot_export")
        return statement, parameters

    try:
        seed_example(store)
        expected = report_with(store.engine)
        event.listen(store.engine, "before_cursor_execute", refused_export, retval=True)
        try:
            refused = report_with(store.engine)
        finally:
            event.remove(store.engine, "before_cursor_execute", refused_export)
    finally:
        store.close()
    assert refused == expected


def test_on_sqlite_with_one_cpu_the_report_reads_everything_on_its_own_connection(
    sqlite_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """SQLite runs in this process: on one CPU two threads would only take turns."""
    upgrade_store(sqlite_url)
    store = open_store(sqlite_url)
    try:
        seed_example(store)
        both = report_with(store.engine, item_limit=2)
        monkeypatch.setattr(beside, "usable_cpus", lambda: 1)
        with statements_by_thread(store.engine) as seen:
            alone = report_with(store.engine, item_limit=2)
    finally:
        store.close()
    assert set(read_beside(seen, TREND_EVENTS)) == {False}
    assert alone == both
