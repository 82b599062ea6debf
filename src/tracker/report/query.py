"""The report's figures, computed by the database (SQLAlchemy Core), never by looping over items.

Everything is "as of" a date: an item's status at the end of that day (in the configured
time zone) is rebuilt from `status_event`, so items recorded and events that happened
later are ignored, and the 12-week trend uses exactly the same rule at each week's end.

How a status is rebuilt, cheaply: events form a chain (each `from_status` is the status
the previous event left; the recorder writes them that way), so an item's status at an
instant is the `from_status` of its first event after that instant, or its current
status when nothing happened since. For today that touches no event at all; for a past
date only the events after it. Removed items count until they were removed.

The trend applies the same rule in reverse, in one pass: each item is counted at the
week ends where it existed with its current status, and each event after a week's end
undoes its own change there (−1 for the status it entered, +1 for the one it left).
Items and events are first grouped by which week ends they affect and the statuses
involved (a few hundred groups, keyed by one packed integer), then those groups are
applied to the week ends in Python (`_TrendWeeks`). On SQLite, when a page's figures
read every stored item anyway, that read counts the present items' groups too.

Per-item rows as of the day are the stored items, read in place, when nothing happened
after the as-of day (a report as of today); otherwise they are built once per report
into a temporary table (gone with the report's read transaction) that every other figure
reads (`_item_rows`). The team table, the SLO figures, the medians and the per-owner and
unowned counts come from one integer per item packing status, due class, quarter of the
SLO deadline and SLO outcome: on PostgreSQL from server-side groupings (by team and that
integer; by owner list, the JSON text `item_owner` mirrors; the two middle durations per
team and overall), on SQLite from one plain read of every row counted in Python
(`_figures_from_one_read`: SQLite sorts every grouping); the postmortem closure sums
them per document (tracker.report.closure). The item lists and the open postmortems are
fetched only as far as the output format shows them.

The trend reads only the stored tables, and so do the postmortem closure, a page's item
lists and (SQLite) the teams' oldest overdue due dates when nothing happened after the
as-of day (the per-item rows are then the stored items: the usual report, as of today):
they run on a second connection, in a thread, in the report's snapshot, while this one
works out the other figures (`_Shares` says which; `_work_beside`,
tracker.report.beside: PostgreSQL imports the report's exported snapshot; a SQLite store
in WAL mode proves with `PRAGMA data_version` that nothing was committed between the two
read transactions' starts). Without a second connection, or when it fails, the report's
own connection reads them.
"""

from __future__ import annotations

import json
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Sequence
from contextlib import ExitStack
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from itertools import chain, repeat
from operator import mod
from typing import Any

from sqlalchemy import (
    ARRAY,
    Boolean,
    Column,
    Date,
    Float,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    and_,
    case,
    cast,
    func,
    insert,
    literal,
    or_,
    select,
    tuple_,
)
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql import ClauseElement, ColumnElement, Executable, FromClause, Select
from sqlalchemy.sql.compiler import SQLCompiler

from tracker.errors import TrackerError
from tracker.report.beside import (
    export_postgres_snapshot,
    join_sqlite,
    result_beside,
    start_beside,
    watch_sqlite,
)
from tracker.report.closure import postmortem_closure
from tracker.report.dialect import as_stored, days_between, driver_date, plain_rows
from tracker.report.gc_pause import without_gc
from tracker.report.model import (
    Closure,
    ItemRow,
    OwnerSummary,
    ReportData,
    TeamSummary,
    TicketLink,
    TrendPoint,
)
from tracker.report.slo import decode_slo, slo_attainment, slo_code
from tracker.store.models import ActionItemRow, StatusEvent
from tracker.store.models import TicketLink as TicketLinkRow
from tracker.store.types import UTCDateTime

ITEM = ActionItemRow.__table__  # type: ignore[attr-defined]
EVENT = StatusEvent.__table__  # type: ignore[attr-defined]
TICKET = TicketLinkRow.__table__  # type: ignore[attr-defined]

OPEN_STATUSES = ("open", "in_progress")
CLOSED_STATUSES = ("done", "wont_do")
TOTAL_TEAM = "all teams"


@dataclass(frozen=True, slots=True)
class ReportOptions:
    """What to report on. `teams` are the configured team names (shown even when empty)."""

    as_of: date
    timezone: tzinfo = UTC
    timezone_name: str = "UTC"
    due_soon_days: int = 7
    trend_weeks: int = 12
    team: str | None = None
    teams: Sequence[str] = ()
    docs_base_url: str | None = None
    slo: bool = False  # a [policy] is configured: report SLO attainment


def end_of_day(day: date, zone: tzinfo) -> datetime:
    """The instant a day ends in `zone` (aware): events before it count for that day."""
    return datetime.combine(day + timedelta(days=1), time(0), tzinfo=zone)


def _present(cutoff: ColumnElement[Any]) -> ColumnElement[bool]:
    """The item existed at `cutoff`: first seen before it and not removed by then."""
    removed = as_stored(ITEM.c.removed_at)
    return and_(as_stored(ITEM.c.first_seen_at) < cutoff, or_(removed.is_(None), removed >= cutoff))


def _first_event_after(cutoff: ColumnElement[Any]) -> FromClause:
    """Each item's first event at or after `cutoff` (none for most items when it is today)."""
    ranked = (
        select(
            EVENT.c.item_id,
            EVENT.c.from_status,
            func.row_number()
            .over(partition_by=EVENT.c.item_id, order_by=(EVENT.c.at, EVENT.c.id))
            .label("rn"),
        )
        .where(EVENT.c.at >= cutoff)
        .subquery("event_after")
    )
    return (
        select(ranked.c.item_id, ranked.c.from_status)
        .where(ranked.c.rn == 1)
        .subquery("first_event_after")
    )


def _anything_happened_after(connection: Connection, options: ReportOptions) -> bool:
    """Whether any status changed after the as-of day (never, for a report as of today)."""
    cutoff = literal(end_of_day(options.as_of, options.timezone), UTCDateTime())
    query = select(EVENT.c.id).where(EVENT.c.at >= cutoff).limit(1)
    return connection.execute(query).first() is not None


def _items_as_of(options: ReportOptions, *, events_after: bool = True) -> FromClause:
    """Every item present at the end of `as_of`, with its status then and when it closed.

    `closed` is when the item reached its closed status as of that day: its `closed_at`
    when nothing changed since, else the last open → closed event before the day ended.
    Without `events_after` (nothing changed since) the current status is the answer.
    """
    cutoff = literal(end_of_day(options.as_of, options.timezone), UTCDateTime())
    status: ColumnElement[Any] = ITEM.c.status
    closed: ColumnElement[Any] = ITEM.c.closed_at
    query = select(ITEM.c.id).select_from(ITEM)
    if events_after:
        later = _first_event_after(cutoff)
        last_close = (
            select(func.max(EVENT.c.at))
            .where(
                EVENT.c.item_id == ITEM.c.id,
                EVENT.c.at < cutoff,
                EVENT.c.to_status.in_(CLOSED_STATUSES),
                EVENT.c.from_status.in_(OPEN_STATUSES),
            )
            .scalar_subquery()
        )
        status = func.coalesce(later.c.from_status, ITEM.c.status)
        closed = case((later.c.item_id.is_(None), ITEM.c.closed_at), else_=last_close)
        query = query.outerjoin(later, later.c.item_id == ITEM.c.id)
    query = query.add_columns(
        ITEM.c.team,
        ITEM.c.due,
        ITEM.c.slo_due,
        ITEM.c.first_seen_at,
        status.label("status"),
        closed.label("closed"),
        ITEM.c.path,
        ITEM.c.line,
        ITEM.c.action,
        ITEM.c.postmortem_id,
        cast(ITEM.c.owners, Text).label("owners"),
        ITEM.c.priority,
        ITEM.c.due_derived,
    )
    return _present_subquery(query, cutoff, options, "item_as_of")


def _present_subquery(
    query: Select[Any], cutoff: ColumnElement[Any], options: ReportOptions, name: str
) -> FromClause:
    """`query` kept to the items present at `cutoff` (of the one team asked for)."""
    query = query.where(_present(cutoff))
    if options.team is not None:
        query = query.where(ITEM.c.team == options.team)
    return query.subquery(name)


# SQLite keeps a temporary table's days and times as the ISO text they are read as,
# with text affinity: a DATE or DATETIME column's numeric affinity would make it try to
# read each one as a number as it is written (see dialect.as_stored).
_DAY = Date().with_variant(Text(), "sqlite")
_MOMENT = UTCDateTime().with_variant(Text(), "sqlite")

# The per-item rows every figure reads, built once per report (a temporary table, gone
# with the report's transaction): status as of the day, and the days an observed close
# took (NULL when the item's close wasn't observed).
REPORT_ITEM = Table(
    "report_item_as_of",
    MetaData(),
    Column("id", String(200), nullable=False),
    Column("team", String(200), nullable=False),
    Column("status", String(16), nullable=False),
    Column("due", _DAY),
    Column("slo_due", _DAY),
    Column("close_days", Float),
    Column("path", String(1024), nullable=False),
    Column("line", Integer, nullable=False),
    Column("postmortem_id", Integer, nullable=False),
    Column("first_seen_at", _MOMENT, nullable=False),
    Column("closed", _MOMENT),
    Column("action", Text, nullable=False),
    # What the item lists show besides: JSON lists every overdue and unowned item
    # (17,000 at 100,000 items), and a join back to action_item for them cost more.
    Column("owners", Text, nullable=False),  # JSON text: decoded all at once
    Column("priority", String(16)),
    Column("due_derived", Boolean, nullable=False),
    prefixes=["TEMPORARY"],
    postgresql_on_commit="DROP",
)


class CreateTemporaryTableAs(Executable, ClauseElement):
    """PostgreSQL's `CREATE TEMPORARY TABLE name ON COMMIT DROP AS <select>`, for a
    temporary table declared as a `Table` (whose columns the select's labels match)."""

    inherit_cache = False

    def __init__(self, table: Table, query: Select[Any]):
        self.table = table
        self.query = query


@compiles(CreateTemporaryTableAs, "postgresql")
def _create_temporary_table_as(
    element: CreateTemporaryTableAs, compiler: SQLCompiler, **kw: Any
) -> str:
    names = [column.name for column in element.query.selected_columns]
    if names != list(element.table.c.keys()):
        raise ValueError(f"the select's columns {names} are not {element.table.name}'s")
    name = compiler.preparer.format_table(element.table)
    query = compiler.process(element.query, **kw)
    return f"CREATE TEMPORARY TABLE {name} ON COMMIT DROP AS {query}"


def _item_rows_query(options: ReportOptions, events_after: bool) -> Select[Any]:
    """Every item present at the end of `as_of`, as REPORT_ITEM's columns."""
    source = _items_as_of(options, events_after=events_after)
    s = source.c
    observed_close = and_(
        s.status.in_(CLOSED_STATUSES), as_stored(s.closed) > as_stored(s.first_seen_at)
    )
    close_days = case((observed_close, days_between(s.first_seen_at, s.closed)))
    return select(
        s.id, s.team, s.status, s.due, s.slo_due, close_days.label("close_days"), s.path,
        s.line, s.postmortem_id, s.first_seen_at, s.closed, s.action, s.owners, s.priority,
        s.due_derived,
    )  # fmt: skip


def _item_rows(connection: Connection, options: ReportOptions, events_after: bool) -> FromClause:
    """The per-item rows every figure reads: REPORT_ITEM, filled in one statement.

    When nothing happened after the as-of day (a report as of today), the rows are the
    stored items as they are, read in place (a subquery, no temporary table): writing
    100,000 rows cost more than every figure gains from reading them back. PostgreSQL's
    planner reads `action_item` with its indexes and statistics (the temporary table
    0.13 s + figures 0.22 s + item lists 0.06 s, against 0.28 + 0.02 s); SQLite, with
    its days and times compared as stored text (`as_stored`), re-evaluates the rows for
    less than it writes and reads them (at 100,000 items, the figures 17% fewer
    instructions, the figures and JSON's every listed item 8% fewer). After an as-of day
    that saw changes, each row's status then takes a window over its events: worked out
    once, into the temporary table.
    """
    rows = _item_rows_query(options, events_after)
    if connection.dialect.name == "postgresql":
        # The report sorts and groups ~100,000 rows a few times: with the default 4 MB
        # some of those sorts spill to disk. SET LOCAL ends with the read transaction.
        connection.exec_driver_sql("SET LOCAL work_mem = '64MB'")
    if not events_after:
        return rows.subquery("item_rows_in_place")
    if connection.dialect.name == "postgresql":
        # CREATE TABLE … AS writes the rows in bulk: 0.136 → 0.106 s at 100,000 items
        # against CREATE TABLE, then INSERT … SELECT. Its columns take the select's
        # types, the ones REPORT_ITEM declares.
        connection.execute(CreateTemporaryTableAs(REPORT_ITEM, rows))
        # No statistics otherwise: poor join plans. A small sample (3,000 rows, not
        # 30,000) is plenty for a join plan, at a tenth of the time.
        connection.exec_driver_sql("SET LOCAL default_statistics_target = 10")
        connection.exec_driver_sql(f"ANALYZE {REPORT_ITEM.name}")
    else:
        REPORT_ITEM.create(connection)
        connection.execute(insert(REPORT_ITEM).from_select(list(REPORT_ITEM.c.keys()), rows))
    return REPORT_ITEM


def _no_owner(items: FromClause) -> ColumnElement[bool]:
    """The row's owner list is empty (JSON null too, as the item lists read it)."""
    return items.c.owners.in_(("[]", "null"))


class _Conditions:
    """The report's definitions, as SQL over an `item_as_of` row.

    Unowned: an empty owner list, the list `item_owner` mirrors (the recorder writes
    both from one list of names), as the counts read it (`_owner_figures`), with no
    lookup per open item (the unowned list at 100,000 items: 0.058 → 0.041 s on SQLite,
    0.061 → 0.035 s on PostgreSQL).
    """

    def __init__(self, items: FromClause, options: ReportOptions):
        as_of = literal(options.as_of, Date())
        self.is_open = items.c.status.in_(OPEN_STATUSES)
        self.overdue = and_(self.is_open, as_stored(items.c.due) < as_of)
        self.unowned = and_(self.is_open, _no_owner(items))


@dataclass(slots=True)
class _TeamCounts:
    """One team's figures, summed over its groups of one status and one due class."""

    team: str
    total: int = 0
    open: int = 0
    in_progress: int = 0
    done: int = 0
    wont_do: int = 0
    overdue: int = 0
    due_soon: int = 0
    oldest_overdue: date | None = None

    def add(self, status: str, due_class: int, count: int, earliest_due: Any) -> None:
        self.total += count
        setattr(self, status, getattr(self, status) + count)
        if status not in OPEN_STATUSES:
            return
        if due_class == DUE_PAST:  # open and due before the as-of day: overdue
            self.overdue += count
            due = driver_date(earliest_due)
            oldest = self.oldest_overdue
            if due is not None and (oldest is None or due < oldest):
                self.oldest_overdue = due
        elif due_class == DUE_SOON:
            self.due_soon += count


STATUSES = ("open", "in_progress", "done", "wont_do")
# Where an item's due date lies against the as-of day (with `_Conditions.overdue` and
# `due_soon` for an open item): before it, within `due_soon_days`, or later or none.
DUE_PAST, DUE_SOON, DUE_LATER = 0, 1, 2
DUE_CLASSES = 3
STATUS_DUE = len(STATUSES) * DUE_CLASSES  # an item code modulo this: status and due class


def _status_due_code(items: FromClause, options: ReportOptions) -> ColumnElement[int]:
    """An item row's status (index in STATUSES) and due class as one small integer."""
    as_of = literal(options.as_of, Date())
    soon = literal(options.as_of + timedelta(days=options.due_soon_days), Date())
    due = as_stored(items.c.due)
    due_class = case((due < as_of, DUE_PAST), (due <= soon, DUE_SOON), else_=DUE_LATER)
    status = case(
        *((items.c.status == name, k) for k, name in enumerate(STATUSES[:-1])),
        else_=len(STATUSES) - 1,
    )
    return status * DUE_CLASSES + due_class


def _item_code(items: FromClause, options: ReportOptions) -> ColumnElement[int]:
    """An item row's status and due class (`_status_due_code`) and, with a [policy], its
    SLO quarter and outcome (`slo_code`) as one integer: slo_code × STATUS_DUE + status_due."""
    code = _status_due_code(items, options)
    if options.slo:
        code = slo_code(items, options.as_of) * STATUS_DUE + code
    return code


@dataclass(slots=True)
class _Figures:
    """What the per-item rows are summed into: team rows, SLO groups, medians, owners."""

    teams: list[_TeamCounts]
    slo_groups: list[tuple[str, str | None, str | None, int]]
    medians: dict[str, float]
    owners: list[OwnerSummary]
    unowned: dict[str, int]  # per team: open items with no owner
    # The trend's groups of the rows read (`_TrendWeeks.item_key`), when that read counted them.
    trend_items: Counter[int] | None = None


def _figures(
    connection: Connection,
    items: FromClause,
    cond: _Conditions,
    options: ReportOptions,
    shares: _Shares,
    weeks: _TrendWeeks,
) -> _Figures:
    """Team figures, SLO groups, medians and owner figures from the per-item rows (on
    SQLite, as `shares` says, also the trend's groups of those rows, and without the
    teams' oldest overdue due dates: `_figures_from_one_read`).

    Teams and SLO figures count the rows per team and item code (`_item_code`: a few
    thousand groups) and the sums are made here. PostgreSQL groups in the server (hash
    aggregation), in three queries (owners by owner list: `_owner_list_groups`, the
    people in the database's order of names). SQLite sorts every grouping, and each pass over
    100,000 rows costs it 0.1–0.15 s: there one plain read serves them all
    (`_figures_from_one_read`).
    """
    if connection.dialect.name != "postgresql":
        trend = weeks if shares.trend_items_in_figures else None
        return _figures_from_one_read(connection, items, cond, options, trend, shares.oldest_beside)
    code = _item_code(items, options).label("code")
    query = select(items.c.team, code, func.count(), func.min(items.c.due)).group_by(
        items.c.team, code
    )
    teams, slo_groups = _fold_team_groups(plain_rows(connection, query))
    owners, unowned = _owner_figures(
        plain_rows(connection, _owner_list_groups(items, options)),
        lambda names: _database_order(connection, names),
    )
    return _Figures(teams, slo_groups, _middle_medians(connection, items), owners, unowned)


def _owner_list_groups(items: FromClause, options: ReportOptions) -> Select[Any]:
    """(owner list as JSON text, status and due class, team if unowned, item count) groups
    (PostgreSQL): grouped by the owner list that `item_owner` mirrors, no join to it
    (about 20,000 groups at 100,000 items: 0.094 → 0.057 s)."""
    status_due = _status_due_code(items, options)
    nobody_team = case((_no_owner(items), items.c.team))
    return select(items.c.owners, status_due, nobody_team, func.count()).group_by(
        items.c.owners, status_due, nobody_team
    )


def _database_order(connection: Connection, names: list[str]) -> list[str]:
    """`names` sorted by the database (its collation: what ORDER BY person gives)."""
    name = func.unnest(literal(names, ARRAY(String()))).column_valued("name")
    return list(connection.execute(select(name).order_by(name)).scalars())


def _figures_from_one_read(
    connection: Connection,
    items: FromClause,
    cond: _Conditions,
    options: ReportOptions,
    trend: _TrendWeeks | None,
    oldest_later: bool,
) -> _Figures:
    """`_figures` on SQLite: every per-item row read once as (team, item code, owner
    list, team if unowned, days to close), counted by `collections.Counter` (C speed)
    per (team, code) and per (owner list, status and due class, team if unowned); the
    medians sorted here. Only each team's oldest overdue due date is grouped in SQL,
    over the overdue rows.

    Given `trend` (the rows are the stored items, present at the end of the as-of day),
    each row also carries its trend group, counted here too: the trend then groups only
    the items removed before that (`_TrendWeeks.item_groups`), not every item again
    (at 100,000 items a scan and a sort of 0.1 s saved). With `oldest_later` the teams'
    oldest overdue due dates are left to the caller (`_oldest_overdue`, on the second
    connection).

    Each row carries its owners as the JSON list that `item_owner` mirrors (the
    recorder writes both from one list of canonical names, each once): grouping by that
    text needs no join, and each of the ~15,000 owner lists at 100,000 items is decoded
    once. Owners come out in code point order, which is SQLite's (binary) order.
    """
    no_owner = _no_owner(items)
    query = select(
        items.c.team,
        _item_code(items, options),
        items.c.owners,
        case((no_owner, items.c.team)),
        items.c.close_days,
    )
    if trend is not None:
        query = query.add_columns(trend.item_key(items, present_at_as_of=True))
    rows = plain_rows(connection, query)
    oldest = {} if oldest_later else _oldest_overdue(connection, items, cond)
    trend_items: Counter[int] | None = None if trend is None else Counter()
    if not rows:
        return _Figures([], [], {}, [], {}, trend_items)
    teams, codes, owner_lists, nobody_teams, days, *trend_keys = zip(*rows, strict=True)
    if trend_items is not None:
        trend_items.update(trend_keys[0])
    teams_slo, slo_groups = _fold_team_groups(
        (team, code, count, oldest.get(team))
        for (team, code), count in Counter(zip(teams, codes, strict=True)).items()
    )
    medians = _sorted_medians(zip(teams, days, strict=True))
    status_dues = map(mod, codes, repeat(STATUS_DUE))
    by_owners = Counter(zip(owner_lists, status_dues, nobody_teams, strict=True))
    owners, unowned = _owner_figures(
        ((text, status_due, team, count) for (text, status_due, team), count in by_owners.items()),
        sorted,  # code point order: SQLite's (binary) order of names
    )
    return _Figures(teams_slo, slo_groups, medians, owners, unowned, trend_items)


def _oldest_overdue(connection: Connection, items: FromClause, cond: _Conditions) -> dict[str, Any]:
    """Per team, the earliest due date of its overdue rows (as the driver reads it)."""
    query = select(items.c.team, func.min(items.c.due)).where(cond.overdue)
    return dict(plain_rows(connection, query.group_by(items.c.team)))


def _owner_figures(
    groups: Iterable[tuple[str, int, str | None, int]],
    order: Callable[[list[str]], list[str]],
) -> tuple[list[OwnerSummary], dict[str, int]]:
    """Per owner figures (people in `order`), and per team the open items with no owner,
    from (owner list as JSON text, status and due class, team if unowned, item count)
    groups: each owner list decoded once and its count added to each of its people."""
    groups = list(groups)
    texts = dict.fromkeys(text for text, _, _, _ in groups)
    names_of = dict(zip(texts, json.loads(f"[{','.join(texts)}]"), strict=True))
    # Per person, items per status_due (an index into a list: no attribute work per group).
    per_person: dict[str, list[int]] = {}
    unowned: dict[str, int] = {}
    for text, status_due, team, count in groups:
        names = names_of[text]
        if not names:  # the team is there: SQL read the same list as empty
            if team is not None and STATUSES[status_due // DUE_CLASSES] in OPEN_STATUSES:
                unowned[team] = unowned.get(team, 0) + count
            continue
        for person in names if len(names) == 1 else dict.fromkeys(names):
            slots = per_person.get(person)
            if slots is None:
                per_person[person] = slots = [0] * STATUS_DUE
            slots[status_due] += count
    owners = []
    for person in order(list(per_person)):
        counts = _TeamCounts(person)
        for status_due, count in enumerate(per_person[person]):
            if count:
                status, due_class = divmod(status_due, DUE_CLASSES)
                counts.add(STATUSES[status], due_class, count, None)
        owners.append(
            OwnerSummary(
                person,
                counts.total,
                counts.open,
                counts.in_progress,
                counts.done,
                counts.wont_do,
                counts.overdue,
            )
        )
    return owners, unowned


def _fold_team_groups(
    groups: Iterable[tuple[str, int, int, Any]],
) -> tuple[list[_TeamCounts], list[tuple[str, str | None, str | None, int]]]:
    """Team figures and SLO groups from (team, code, item count, earliest due) groups
    (the earliest due counts only for overdue groups)."""
    teams: dict[str, _TeamCounts] = {}
    slo: dict[tuple[str, int], int] = {}
    for team, number, count, earliest_due in groups:
        counts = teams.get(team)
        if counts is None:
            teams[team] = counts = _TeamCounts(team)
        slo_number, status_due = divmod(number, STATUS_DUE)
        status, due_class = divmod(status_due, DUE_CLASSES)
        counts.add(STATUSES[status], due_class, count, earliest_due)
        if slo_number:
            slo[(team, slo_number)] = slo.get((team, slo_number), 0) + count
    slo_groups = [(team, *decode_slo(number), count) for (team, number), count in slo.items()]
    return [teams[name] for name in sorted(teams)], slo_groups


def _middle_medians(connection: Connection, items: FromClause) -> dict[str, float]:
    """Median days from first seen to an observed close, per team and overall (TOTAL_TEAM),
    on PostgreSQL: the server returns only the two middle durations of each list (an
    ordered-set aggregate), ~50 rows instead of every closed item."""
    return {
        team: _middle(sorted(values))
        for team, values in connection.execute(_middle_durations(items)).all()
    }


def _sorted_medians(rows: Iterable[tuple[str, float | None]]) -> dict[str, float]:
    """The same medians from (team, days to close or None) rows, sorted here (SQLite: in
    this process Python's sort costs less than an ORDER BY or a ranking in SQL)."""
    by_team: dict[str, list[float]] = defaultdict(list)
    for team, days in rows:
        if days is not None:
            by_team[team].append(days)
    medians = {}
    for team, durations in by_team.items():
        durations.sort()
        medians[team] = _middle(durations)
    if by_team:  # the sorted runs concatenated: Timsort merges them
        medians[TOTAL_TEAM] = _middle(sorted(chain.from_iterable(by_team.values())))
    return medians


# The two middle ranks of n sorted values: percentile_disc(p) is the value at rank
# ceil(p × n), so 0.5 gives (n + 1) // 2 and a hair above 0.5 gives (n + 2) // 2 (for any
# n below 10⁹). Both are exact stored values; `_middle` averages them as SQLite's path does.
MIDDLE_RANKS = (0.5, 0.5 + 1e-10)


def _middle_durations(items: FromClause) -> Any:
    """(team, [lower middle, upper middle]) of the durations per team, and overall.

    One ordered-set aggregate per group: the server sorts each team's durations once
    (ranking them with window functions sorted every duration twice). The teams and the
    total are grouping sets of one statement: one scan of the rows, not two (a UNION
    ALL of the two groupings: 0.069 → 0.061 s at 100,000 items).
    """
    days = items.c.close_days
    middle = func.percentile_disc(literal(list(MIDDLE_RANKS), ARRAY(Float()))).within_group(days)
    team = case((func.grouping(items.c.team) == 1, TOTAL_TEAM), else_=items.c.team)
    return (
        select(team.label("team"), middle.label("days"))
        .where(days.is_not(None))
        .group_by(func.grouping_sets(tuple_(items.c.team), tuple_()))
        .having(func.count() > 0)  # the total's group exists even with no rows
    )


def _middle(ordered: list[float]) -> float:
    """The median of a non-empty sorted list."""
    n = len(ordered)
    return (float(ordered[(n - 1) // 2]) + float(ordered[n // 2])) / 2


def _listed(
    connection: Connection,
    items: FromClause,
    which: ColumnElement[bool],
    order: Sequence[ColumnElement[Any]],
    cond: _Conditions,
    options: ReportOptions,
    limit: int | None,
) -> list[ItemRow]:
    """The items meeting `which`, in `order`, the first `limit` of them, with their tickets.

    The limit applies before tickets are joined, so a format that shows 50 items never
    looks up the tickets of the other 16,000. An item with several tickets comes back as
    adjacent rows, folded here.
    """
    if limit == 0:
        return []
    chosen = (
        select(
            items.c.id,
            items.c.team,
            items.c.path,
            items.c.line,
            items.c.action,
            items.c.owners,
            items.c.priority,
            items.c.due,
            items.c.status,
            items.c.due_derived,
            cond.overdue.label("is_overdue"),
        )
        .where(which)
        .order_by(*order, items.c.id)
        .limit(limit)
        .subquery("listed_item")
    )
    c = chosen.c
    query = (
        select(*c, TICKET.c.system, TICKET.c.key, TICKET.c.url)
        .outerjoin(TICKET, TICKET.c.item_id == c.id)  # tickets for the chosen items only
        .order_by(*(c[column.name] for column in order), c.id, TICKET.c.id)
    )
    rows = plain_rows(connection, query)
    # One json.loads for every row's owners: thousands of small decodes cost more.
    every_owners = json.loads(f"[{','.join(row[5] or 'null' for row in rows)}]")
    listed: list[ItemRow] = []
    previous: ItemRow | None = None
    as_of, base = options.as_of, options.docs_base_url
    # JSON lists every item (17,000 at 100,000): one unpacking and positional fields.
    for row, owners in zip(rows, every_owners, strict=True):
        item_id, team, path, line, action, _, priority, due, status, derived = row[:10]
        is_overdue, system, key, url = row[10:]
        if previous is not None and previous.id == item_id:  # another ticket of the same item
            previous.tickets += (TicketLink(system, key, url),)
            continue
        if due is not None:
            due = driver_date(due)
        previous = ItemRow(
            item_id,
            team,
            path,
            line,
            action,
            tuple(owners) if owners else (),
            status,
            priority,
            due,
            (as_of - due).days if is_overdue and due is not None else None,
            _doc_url(base, path, line) if base else None,
            (TicketLink(system, key, url),) if key is not None else (),
            bool(derived),
        )
        listed.append(previous)
    return listed


def _listed_items(
    connection: Connection,
    items: FromClause,
    cond: _Conditions,
    options: ReportOptions,
    limit: int | None,
) -> tuple[list[ItemRow], list[ItemRow]]:
    """The overdue items (oldest due first) and the unowned ones (by path and line)."""
    by_place = (items.c.path, items.c.line)
    overdue = _listed(
        connection, items, cond.overdue, (items.c.due, *by_place), cond, options, limit
    )
    unowned = _listed(connection, items, cond.unowned, by_place, cond, options, limit)
    return overdue, unowned


def _doc_url(base: str | None, path: str, line: int) -> str | None:
    """Link to the document line (GitHub/GitLab `#L<n>` anchors) when docs_base_url is set."""
    if not base:
        return None
    return f"{base.rstrip('/')}/{path.removeprefix('./').lstrip('/')}#L{line}"


def _week_index(column: ColumnElement[Any], bounds: Sequence[ColumnElement[Any]]) -> Any:
    """The first week end `k` with `column < bounds[k]`; len(bounds) when none or NULL.

    NULL is tested first: most items were never removed, and it spares them the chain.
    """
    never = len(bounds)
    column = as_stored(column)
    return case(
        (column.is_(None), never),
        *((column < bound, k) for k, bound in enumerate(bounds)),
        else_=never,
    )


# A status as the trend counts it: done, won't do, open (open or in progress), other.
_TREND_STATUSES = ("", "done", "wont_do", "open")


def _trend_status(status: ColumnElement[str]) -> ColumnElement[int]:
    """The index of `status` in _TREND_STATUSES (0 for NULL: an item's first event)."""
    return case(
        (status == "done", 1),
        (status == "wont_do", 2),
        (status.in_(OPEN_STATUSES), 3),
        else_=0,
    )


class _TrendWeeks:
    """The trend's week ends and how items and events are grouped against them.

    Items and events are counted per group of week indexes and statuses packed into one
    integer (one sort key: SQLite sorts every grouping, and each further key or
    conditional sum costs it more); `points` applies the few hundred groups to the week
    ends here.
    """

    def __init__(self, options: ReportOptions):
        self.options = options
        self.days = [
            options.as_of - timedelta(weeks=options.trend_weeks - 1 - k)
            for k in range(options.trend_weeks)
        ]
        self.cutoffs = [literal(end_of_day(d, options.timezone), UTCDateTime()) for d in self.days]
        self.due_bounds = [literal(d, Date()) for d in self.days]  # overdue from the day after
        self.weeks = len(self.days) + 1  # a week index is 0 … len(days)

    def _place(
        self, first_seen: ColumnElement[Any], gone: Any, due: ColumnElement[Any]
    ) -> ColumnElement[int]:
        """Week indexes packed: present from `first_seen`'s, until before `gone`, overdue
        from `due`'s."""
        weeks = self.weeks
        seen = _week_index(first_seen, self.cutoffs)
        late = _week_index(due, self.due_bounds)
        return (seen * weeks + gone) * weeks + late  # type: ignore[no-any-return]

    def item_key(self, items: FromClause, *, present_at_as_of: bool) -> ColumnElement[int]:
        """An item row's group: where it lies against the week ends, and its status.

        Rows of items present at the end of the as-of day (`present_at_as_of`) were
        removed after every week end, if at all: their `gone` is "never", with no
        removal column to read."""
        gone = len(self.days) if present_at_as_of else _week_index(items.c.removed_at, self.cutoffs)
        place = self._place(items.c.first_seen_at, gone, items.c.due)
        return place * len(_TREND_STATUSES) + _trend_status(items.c.status)

    def item_groups(
        self, connection: Connection, *, removed_by_as_of: bool = False
    ) -> list[tuple[int, int]]:
        """(group, item count) of every stored item; with `removed_by_as_of`, only of
        those removed within the trend's weeks (the ones present at the end of the as-of
        day are counted by the figures' read; those removed before the first week end
        count nowhere)."""
        key = self.item_key(ITEM, present_at_as_of=False).label("key")
        query = select(key, func.count()).group_by(key)
        if removed_by_as_of:
            removed = as_stored(ITEM.c.removed_at)
            query = query.where(removed >= self.cutoffs[0], removed < self.cutoffs[-1])
        if self.options.team is not None:
            query = query.where(ITEM.c.team == self.options.team)
        return plain_rows(connection, query)

    def undo_groups(self, connection: Connection) -> list[tuple[int, int]]:
        """(group, event count) of the events after the first week end that change a count."""
        was, to = EVENT.c.from_status, EVENT.c.to_status
        kinds = len(_TREND_STATUSES)
        place = self._place(
            ITEM.c.first_seen_at, _week_index(ITEM.c.removed_at, self.cutoffs), ITEM.c.due
        )
        after = _week_index(EVENT.c.at, self.cutoffs)  # undone at week ends before it
        event_key = (
            ((place * self.weeks + after) * kinds + _trend_status(was)) * kinds + _trend_status(to)
        ).label("key")
        query = (
            select(event_key, func.count())
            .select_from(EVENT)
            .join(ITEM, ITEM.c.id == EVENT.c.item_id)
            .where(
                EVENT.c.at >= self.cutoffs[0],
                # Changes that move no count are skipped: "first seen" events (the item
                # is not counted before it), open ↔ in progress, and no-op events.
                was.is_not(None),
                ~and_(was.in_(OPEN_STATUSES), to.in_(OPEN_STATUSES)),
                was != to,
            )
            .group_by(event_key)
        )
        if self.options.team is not None:
            query = query.where(ITEM.c.team == self.options.team)
        return plain_rows(connection, query)

    def points(
        self, item_groups: Iterable[tuple[int, int]], undo_groups: Iterable[tuple[int, int]]
    ) -> list[TrendPoint]:
        """Completion rate and open-overdue count at each week end, from the groups."""
        weeks, kinds, n = self.weeks, len(_TREND_STATUSES), len(self.days)
        # Per week end: total, done, won't do, open overdue.
        counts = [[0, 0, 0, 0] for _ in self.days]

        def apply(place: int, after: int, changes: Sequence[tuple[int, int]], present: int) -> None:
            """Count a group at the week ends where its items existed and no later event
            had yet changed them (week index `after`)."""
            rest, late = divmod(place, weeks)
            seen, gone = divmod(rest, weeks)
            for k in range(seen, min(gone, after, n)):
                week = counts[k]
                week[0] += present
                for kind, sign in changes:
                    if kind == 1 or kind == 2:
                        week[kind] += sign
                    elif kind == 3 and late <= k:
                        week[3] += sign

        for key, count in item_groups:
            place_key, kind = divmod(key, kinds)
            apply(place_key, n, ((kind, count),), count)
        for key, count in undo_groups:
            rest, to_kind = divmod(key, kinds)
            rest, was_kind = divmod(rest, kinds)
            place_key, after_week = divmod(rest, weeks)
            apply(place_key, after_week, ((was_kind, count), (to_kind, -count)), 0)
        return [
            TrendPoint(week_ending=day, total=total, done=done, wont_do=wont_do, open_overdue=late)
            for day, (total, done, wont_do, late) in zip(self.days, counts, strict=True)
        ]


@dataclass(frozen=True, slots=True)
class _TrendGroups:
    """The trend's groups, read from the stored tables: items (all of them, or only
    those removed by the as-of day when the figures' read counts the others) and events."""

    items: list[tuple[int, int]]
    undo: list[tuple[int, int]]


def _trend_groups(
    connection: Connection, options: ReportOptions, *, items_in_figures: bool
) -> _TrendGroups:
    """The trend's groups from the stored tables (`items_in_figures`: the present items'
    are counted by the figures' read, so only the removed items' are read here)."""
    weeks = _TrendWeeks(options)
    items = weeks.item_groups(connection, removed_by_as_of=items_in_figures)
    return _TrendGroups(items, weeks.undo_groups(connection))


def known_teams(connection: Connection, configured: Sequence[str]) -> list[str]:
    """Configured teams plus every team the store has items for (e.g. `unassigned`)."""
    stored = connection.execute(select(ITEM.c.team).distinct()).scalars()
    return sorted({*configured, *stored})


def _team_summary(row: Any, median: float | None, unowned: int) -> TeamSummary:
    return TeamSummary(
        team=row.team,
        total=int(row.total),
        open=int(row.open),
        in_progress=int(row.in_progress),
        done=int(row.done),
        wont_do=int(row.wont_do),
        overdue=int(row.overdue),
        due_soon=int(row.due_soon),
        unowned=unowned,
        median_days_to_close=median,
        oldest_overdue_due=row.oldest_overdue,
    )


def _empty_team(team: str) -> TeamSummary:
    return TeamSummary(team, 0, 0, 0, 0, 0, 0, 0, 0, None, None)


def _totals(teams: list[TeamSummary], median: float | None) -> TeamSummary:
    """All teams together: sums of the (few) team rows SQL returned."""
    oldest = [t.oldest_overdue_due for t in teams if t.oldest_overdue_due is not None]
    return TeamSummary(
        team=TOTAL_TEAM,
        total=sum(t.total for t in teams),
        open=sum(t.open for t in teams),
        in_progress=sum(t.in_progress for t in teams),
        done=sum(t.done for t in teams),
        wont_do=sum(t.wont_do for t in teams),
        overdue=sum(t.overdue for t in teams),
        due_soon=sum(t.due_soon for t in teams),
        unowned=sum(t.unowned for t in teams),
        median_days_to_close=median,
        oldest_overdue_due=min(oldest) if oldest else None,
    )


def _stored_items_as_of(options: ReportOptions) -> FromClause:
    """The per-item rows' columns the postmortem closure reads, straight from the stored
    items: when nothing happened after the as-of day they are those rows (status, close
    time), so a second connection, which can't see the report's temporary table, can
    work the closure out beside it.

    Grouped by document, SQLite reads the index that leads with postmortem_id and holds
    every other column the grouping reads (`ix_action_item_postmortem_closure`), in
    order: no sort and no row lookups (0.14 → 0.06 s at 100,000 items against a scan
    of the table and a sort).
    """
    cutoff = literal(end_of_day(options.as_of, options.timezone), UTCDateTime())
    query = select(
        ITEM.c.postmortem_id,
        ITEM.c.status,
        ITEM.c.first_seen_at,
        ITEM.c.closed_at.label("closed"),
        ITEM.c.line,
        ITEM.c.path,
        ITEM.c.action,
    )
    return _present_subquery(query, cutoff, options, "stored_item_as_of")


@dataclass(frozen=True, slots=True)
class _Shares:
    """Which connection reads what, besides what each always does (the report's: every
    figure of the per-item rows; the second: the trend's groups).

    When nothing happened after the as-of day the per-item rows are the stored items
    (`stored_rows`), which the second connection can read too: it works out the
    closure, a page's item lists and, on SQLite, each team's oldest overdue due date
    (`oldest_beside`). On SQLite with a page's item lists beside, the report's read of
    every row counts the present items' trend groups (`trend_items_in_figures`).
    """

    stored_rows: bool
    lists_beside: bool
    oldest_beside: bool
    trend_items_in_figures: bool

    @classmethod
    def of(cls, dialect: str, events_after: bool, item_limit: int | None) -> _Shares:
        stored = not events_after
        sqlite_stored = stored and dialect != "postgresql"
        lists_beside = stored and item_limit is not None
        # JSON builds every listed item on the report's connection while the other has
        # only the closure and the trend: counting the trend groups there too would end
        # the two further apart.
        return cls(stored, lists_beside, sqlite_stored, sqlite_stored and lists_beside)


@dataclass(frozen=True, slots=True)
class _Beside:
    """What the second connection works out (`_Shares`; None: the report's connection
    reads it from its own rows)."""

    trend: _TrendGroups
    closure: Closure | None = None
    lists: tuple[list[ItemRow], list[ItemRow]] | None = None
    oldest_overdue: dict[str, Any] | None = None


def _work_beside(
    options: ReportOptions,
    shares: _Shares,
    item_limit: int | None,
    postmortem_limit: int | None,
) -> Callable[[Connection], _Beside]:
    """The figures that can read the stored tables, for the second connection: the
    trend's groups (on SQLite, when the figures' read counts the present items', the
    removed items' and the events': 0.12 s at 100,000 items; all of them on PostgreSQL,
    0.15 s) and, when the stored items are the per-item rows, the closure (SQLite 0.06
    s, PostgreSQL 0.09 s) and the item lists when a page shows a few of them (table,
    HTML: 0.03–0.04 s either way). JSON's every listed item (17,000 at 100,000 items)
    stays with the report's connection: building them is Python's work, which a second
    thread would only take turns at. On SQLite each team's oldest overdue due date (a
    grouping of the overdue rows, 0.03–0.04 s) is read there too.
    """

    def work(beside: Connection) -> _Beside:
        closure = lists = oldest = None
        if shares.stored_rows:
            stored = _stored_items_as_of(options)
            closure = postmortem_closure(beside, stored, options.as_of, limit=postmortem_limit)
            rows = _item_rows_query(options, events_after=False).subquery("stored_rows")
            cond = _Conditions(rows, options)
            if shares.lists_beside:
                lists = _listed_items(beside, rows, cond, options, item_limit)
            if shares.oldest_beside:
                oldest = _oldest_overdue(beside, rows, cond)
        items_in_figures = shares.trend_items_in_figures
        trend = _trend_groups(beside, options, items_in_figures=items_in_figures)
        return _Beside(trend, closure, lists, oldest)

    return work


@without_gc
def build_report(
    engine: Engine,
    options: ReportOptions,
    *,
    item_limit: int | None = None,
    postmortem_limit: int | None = None,
) -> ReportData:
    """Every figure of the report as of `options.as_of`, in a handful of SQL queries.

    `item_limit` caps each item list (overdue, unowned) at what a format shows, and
    `postmortem_limit` the open postmortems; the counts always cover everything
    (`ReportData.more_overdue`, `Closure.more_open` tell what was left out).

    Raises TrackerError (exit 2) when `options.team` is neither configured nor stored.
    All queries read one snapshot (PostgreSQL: REPEATABLE READ; SQLite: one read
    transaction), so a sync committing meanwhile can't make the lists disagree with the
    counts.
    """
    with engine.connect() as connection, ExitStack() as cleanup:
        watch = watch_sqlite(engine)  # SQLite: before this connection's snapshot starts
        if watch is not None:
            cleanup.callback(watch.close)
        if engine.dialect.name == "postgresql":
            connection.execution_options(isolation_level="REPEATABLE READ")
        else:  # pysqlite opens no transaction for reads by itself; rolled back on close
            connection.exec_driver_sql("BEGIN")
        if options.team is not None:
            teams_known = known_teams(connection, options.teams)
            if options.team not in teams_known:
                raise TrackerError(
                    f"unknown team {options.team!r}",
                    hint=f"known teams: {', '.join(teams_known) or 'none'}",
                )
        snapshot = export_postgres_snapshot(connection)
        # (Its first read on SQLite, if the team check didn't read: the snapshot starts.)
        events_after = _anything_happened_after(connection, options)
        shares = _Shares.of(engine.dialect.name, events_after, item_limit)
        joined = join_sqlite(watch) if watch is not None else None  # after that read
        beside = start_beside(
            engine, joined, snapshot, _work_beside(options, shares, item_limit, postmortem_limit)
        )
        items = _item_rows(connection, options, events_after)
        cond = _Conditions(items, options)
        weeks = _TrendWeeks(options)
        figures = _figures(connection, items, cond, options, shares, weeks)
        slo_teams = slo_quarters = None
        if options.slo:
            slo_teams, slo_quarters = slo_attainment(figures.slo_groups)
        worked_out = result_beside(beside) or _Beside(
            _trend_groups(connection, options, items_in_figures=shares.trend_items_in_figures)
        )
        if shares.oldest_beside:
            oldest = worked_out.oldest_overdue
            if oldest is None:
                oldest = _oldest_overdue(connection, items, cond)
            for counts in figures.teams:
                counts.oldest_overdue = driver_date(oldest.get(counts.team))
        medians, owners, unowned_by_team = figures.medians, figures.owners, figures.unowned
        found = {
            row.team: _team_summary(row, medians.get(row.team), unowned_by_team.get(row.team, 0))
            for row in figures.teams
        }
        wanted = [options.team] if options.team is not None else [*options.teams, *found]
        teams = [found.get(name) or _empty_team(name) for name in sorted(set(wanted))]
        closure, lists = worked_out.closure, worked_out.lists
        trend_items = worked_out.trend.items
        if figures.trend_items is not None:  # the present items' groups, counted in the read
            trend_items = [*trend_items, *figures.trend_items.items()]
        trend = weeks.points(trend_items, worked_out.trend.undo)
        if lists is None:
            lists = _listed_items(connection, items, cond, options, item_limit)
        overdue, unowned = lists
        if closure is None:
            closure = postmortem_closure(connection, items, options.as_of, limit=postmortem_limit)
    return ReportData(
        as_of=options.as_of,
        totals=_totals(teams, medians.get(TOTAL_TEAM)),
        teams=teams,
        owners=owners,
        overdue=overdue,
        unowned=unowned,
        trend=trend,
        team_filter=options.team,
        due_soon_days=options.due_soon_days,
        timezone=options.timezone_name,
        closure=closure,
        slo_teams=slo_teams,
        slo_quarters=slo_quarters,
    )
