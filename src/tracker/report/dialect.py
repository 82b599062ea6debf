"""The few date expressions the report needs that SQLite and PostgreSQL spell differently.

Each is cheap per row on purpose: the report evaluates them over every item, and on
SQLite a date function (`date()`, `julianday()`) costs several times a string slice.
SQLite keeps timestamps as UTC text, `YYYY-MM-DD HH:MM:SS[.ffffff]`, and dates as
`YYYY-MM-DD` (see tracker.store.types), so a UTC day and a quarter are slices of it.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import Date, Float, Integer
from sqlalchemy.engine import Connection
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql import ColumnElement, Executable
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.functions import FunctionElement


class days_between(FunctionElement[float]):
    """Fractional days from `start` to `end` (timestamps), in each dialect's own words."""

    type = Float()
    inherit_cache = True


@compiles(days_between, "sqlite")
def _days_sqlite(element: days_between, compiler: SQLCompiler, **kw: Any) -> str:
    start, end = (compiler.process(arg, **kw) for arg in element.clauses)
    return f"(julianday({end}) - julianday({start}))"


@compiles(days_between, "postgresql")
def _days_postgresql(element: days_between, compiler: SQLCompiler, **kw: Any) -> str:
    start, end = (compiler.process(arg, **kw) for arg in element.clauses)
    # date_part gives double precision; EXTRACT gives numeric, and numeric division over
    # 100,000 rows cost the report's temporary table 0.03 s. The two can differ in the
    # last bit for times with fractions of a second (the report rounds to 0.01 day).
    return f"(date_part('epoch', {end} - {start}) / 86400.0)"


class whole_days(FunctionElement[int]):
    """Whole days from the day `start` to the day `end` (dates, or SQLite's date text)."""

    type = Integer()
    inherit_cache = True


@compiles(whole_days, "sqlite")
def _whole_days_sqlite(element: whole_days, compiler: SQLCompiler, **kw: Any) -> str:
    start, end = (compiler.process(arg, **kw) for arg in element.clauses)
    return f"CAST(julianday({end}) - julianday({start}) AS INTEGER)"


@compiles(whole_days, "postgresql")
def _whole_days_postgresql(element: whole_days, compiler: SQLCompiler, **kw: Any) -> str:
    start, end = (compiler.process(arg, **kw) for arg in element.clauses)
    return f"(({end}) - ({start}))"


class utc_day(FunctionElement[Any]):
    """The UTC calendar day of a timestamp, comparable with a date column."""

    type = Date()
    inherit_cache = True


@compiles(utc_day, "sqlite")
def _utc_day_sqlite(element: utc_day, compiler: SQLCompiler, **kw: Any) -> str:
    (moment,) = (compiler.process(arg, **kw) for arg in element.clauses)
    return f"substr({moment}, 1, 10)"


@compiles(utc_day, "postgresql")
def _utc_day_postgresql(element: utc_day, compiler: SQLCompiler, **kw: Any) -> str:
    (moment,) = (compiler.process(arg, **kw) for arg in element.clauses)
    return f"CAST(({moment}) AT TIME ZONE 'UTC' AS DATE)"


class quarter_number(FunctionElement[int]):
    """A date's quarter as one integer, year × 4 + quarter − 1 (2026-Q1 is 8104): grouped
    on as a number, it sorts cheaper than a label (tracker.report.slo.quarter_name)."""

    type = Integer()
    inherit_cache = True


@compiles(quarter_number, "sqlite")
def _quarter_sqlite(element: quarter_number, compiler: SQLCompiler, **kw: Any) -> str:
    (day,) = (compiler.process(arg, **kw) for arg in element.clauses)
    return (
        f"(CAST(substr({day}, 1, 4) AS INTEGER) * 4"
        f" + (CAST(substr({day}, 6, 2) AS INTEGER) - 1) / 3)"
    )


@compiles(quarter_number, "postgresql")
def _quarter_postgresql(element: quarter_number, compiler: SQLCompiler, **kw: Any) -> str:
    (day,) = (compiler.process(arg, **kw) for arg in element.clauses)
    # A date passed as it is would be widened to timestamptz (a time zone conversion per
    # row); a plain timestamp at midnight is in the same quarter.
    # date_part gives double precision; EXTRACT's numeric cost the team/SLO grouping
    # 0.02 s at 100,000 items (0.08 → 0.06 s).
    moment = f"CAST({day} AS TIMESTAMP)"
    return f"CAST(date_part('year', {moment}) * 4 + date_part('quarter', {moment}) - 1 AS INTEGER)"


class as_stored(FunctionElement[Any]):
    """A date or time column compared as the ISO text it is stored as, on SQLite.

    SQLite gives DATE and DATETIME columns numeric affinity, so each comparison with a
    text value first tries to read that text as a number (`sqlite3AtoF`, about 7% of a
    report's instructions at 100,000 items). Under the unary `+` (a no-op on any value)
    the column has no affinity and text meets text: the same answer for ISO dates, which
    are never numbers. The `+` also keeps SQLite from looking the value up through an
    index: only where none is wanted (a CASE, a filter of a whole-table read). The column
    itself elsewhere.
    """

    inherit_cache = True

    def __init__(self, column: ColumnElement[Any]):
        super().__init__(column)
        self.type = column.type


@compiles(as_stored, "sqlite")
def _as_stored_sqlite(element: as_stored, compiler: SQLCompiler, **kw: Any) -> str:
    (column,) = (compiler.process(arg, **kw) for arg in element.clauses)
    return f"+{column}"


@compiles(as_stored)
def _as_stored_elsewhere(element: as_stored, compiler: SQLCompiler, **kw: Any) -> str:
    (column,) = (compiler.process(arg, **kw) for arg in element.clauses)
    return column


def plain_rows(connection: Connection, query: Executable) -> list[Any]:
    """The rows as the database driver returns them: plain tuples.

    For the report's large reads (every closed item's duration, every listed item):
    SQLAlchemy's Row objects and result processing cost about 0.6 µs a row (78,000
    durations: 0.11 → 0.07 s). Values stay as the driver gives them, so SQLite's dates
    are `YYYY-MM-DD` text (`driver_date` reads either).
    """
    result = connection.execute(query)
    try:
        return list(result.cursor.fetchall())
    finally:
        result.close()


def driver_date(value: date | str | None) -> date | None:
    """A date column's value from `plain_rows`: SQLite's text, PostgreSQL's date."""
    return date.fromisoformat(value) if isinstance(value, str) else value
