"""The report's figures, computed by the database (SQLAlchemy Core), never by looping over items.

Everything is "as of" a date: an item's status at the end of that day (in the configured
time zone) is rebuilt from `status_event`, so items recorded and events that happened
later are ignored, and the 12-week trend uses exactly the same rule at each week's end.

How a status is rebuilt: every event starts a *status interval* that lasts until the
item's next event (a window `LEAD`). Before an item's first event it had that event's
`from_status` (when the first event is not the "first seen" one, whose `from_status` is
NULL); an item without any event has had its current status since it was first seen.
The status at an instant is the one whose interval contains it. Removed items count
until they were removed.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from typing import Any

from sqlalchemy import (
    Date,
    Integer,
    and_,
    case,
    exists,
    func,
    literal,
    null,
    or_,
    select,
    union_all,
)
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql import ColumnElement, FromClause
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.functions import FunctionElement
from sqlalchemy.types import Float

from tracker.errors import TrackerError
from tracker.report.model import (
    ItemRow,
    OwnerSummary,
    ReportData,
    TeamSummary,
    TicketLink,
    TrendPoint,
)
from tracker.store.models import ActionItemRow, ItemOwner, StatusEvent
from tracker.store.models import TicketLink as TicketLinkRow
from tracker.store.types import UTCDateTime

ITEM = ActionItemRow.__table__  # type: ignore[attr-defined]
EVENT = StatusEvent.__table__  # type: ignore[attr-defined]
OWNER = ItemOwner.__table__  # type: ignore[attr-defined]
TICKET = TicketLinkRow.__table__  # type: ignore[attr-defined]

OPEN_STATUSES = ("open", "in_progress")
CLOSED_STATUSES = ("done", "wont_do")
TOTAL_TEAM = "all teams"


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
    return f"(EXTRACT(EPOCH FROM ({end} - {start})) / 86400.0)"


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


def end_of_day(day: date, zone: tzinfo) -> datetime:
    """The instant a day ends in `zone` (aware): events before it count for that day."""
    return datetime.combine(day + timedelta(days=1), time(0), tzinfo=zone)


def _status_intervals() -> FromClause:
    """(item_id, status, prev_status, start, end): when each item had each status.

    `end` NULL means "still"; `prev_status` is the status the interval's event left
    (NULL when no change was observed), which tells observed closes from items that
    were already closed when first seen.
    """
    order = (EVENT.c.at, EVENT.c.id)
    ordered = select(
        EVENT.c.item_id,
        EVENT.c.from_status,
        EVENT.c.to_status,
        EVENT.c.at,
        func.lead(EVENT.c.at).over(partition_by=EVENT.c.item_id, order_by=order).label("until"),
        func.row_number().over(partition_by=EVENT.c.item_id, order_by=order).label("seq"),
    ).cte("ordered_event")
    after_event = select(
        ordered.c.item_id,
        ordered.c.to_status.label("status"),
        ordered.c.from_status.label("prev_status"),
        ordered.c.at.label("start"),
        ordered.c.until.label("end"),
    )
    before_first_event = (
        select(
            ordered.c.item_id,
            ordered.c.from_status.label("status"),
            null().label("prev_status"),
            ITEM.c.first_seen_at.label("start"),
            ordered.c.at.label("end"),
        )
        .join_from(ordered, ITEM, ITEM.c.id == ordered.c.item_id)
        .where(ordered.c.seq == 1, ordered.c.from_status.is_not(None))
    )
    without_events = select(
        ITEM.c.id.label("item_id"),
        ITEM.c.status.label("status"),
        null().label("prev_status"),
        ITEM.c.first_seen_at.label("start"),
        null().label("end"),
    ).where(~exists().where(EVENT.c.item_id == ITEM.c.id))
    return union_all(after_event, before_first_event, without_events).cte("status_interval")


def _present_at(intervals: FromClause, cutoff: ColumnElement[Any]) -> ColumnElement[bool]:
    """The interval holds at `cutoff` and the item existed then (seen, not yet removed)."""
    return and_(
        intervals.c.start < cutoff,
        or_(intervals.c.end.is_(None), intervals.c.end >= cutoff),
        ITEM.c.first_seen_at < cutoff,
        or_(ITEM.c.removed_at.is_(None), ITEM.c.removed_at >= cutoff),
    )


def _items_as_of(options: ReportOptions) -> FromClause:
    """Every item present at the end of `as_of`, with its status then."""
    intervals = _status_intervals()
    cutoff = literal(end_of_day(options.as_of, options.timezone), UTCDateTime())
    query = (
        select(
            ITEM.c.id,
            ITEM.c.team,
            ITEM.c.due,
            ITEM.c.first_seen_at,
            intervals.c.status,
            intervals.c.prev_status,
            intervals.c.start.label("since"),
        )
        .join_from(intervals, ITEM, ITEM.c.id == intervals.c.item_id)
        .where(_present_at(intervals, cutoff))
    )
    if options.team is not None:
        query = query.where(ITEM.c.team == options.team)
    return query.subquery("item_as_of")


def _count(condition: ColumnElement[bool]) -> ColumnElement[int]:
    return func.coalesce(func.sum(case((condition, 1), else_=0)), 0)


class _Conditions:
    """The report's definitions, as SQL over an `item_as_of` row."""

    def __init__(self, items: FromClause, options: ReportOptions):
        as_of = literal(options.as_of, Date())
        soon = literal(options.as_of + timedelta(days=options.due_soon_days), Date())
        self.is_open = items.c.status.in_(OPEN_STATUSES)
        self.overdue = and_(self.is_open, items.c.due < as_of)
        self.due_soon = and_(self.is_open, items.c.due >= as_of, items.c.due <= soon)
        self.unowned = and_(self.is_open, ~exists().where(OWNER.c.item_id == items.c.id))
        self.observed_close = and_(
            items.c.status.in_(CLOSED_STATUSES), items.c.prev_status.in_(OPEN_STATUSES)
        )


def _team_rows(connection: Connection, items: FromClause, cond: _Conditions) -> list[Any]:
    status = items.c.status
    query = (
        select(
            items.c.team,
            func.count().label("total"),
            _count(status == "open").label("open"),
            _count(status == "in_progress").label("in_progress"),
            _count(status == "done").label("done"),
            _count(status == "wont_do").label("wont_do"),
            _count(cond.overdue).label("overdue"),
            _count(cond.due_soon).label("due_soon"),
            _count(cond.unowned).label("unowned"),
            func.min(case((cond.overdue, items.c.due))).label("oldest_overdue"),
        )
        .group_by(items.c.team)
        .order_by(items.c.team)
    )
    return list(connection.execute(query))


def _medians(
    connection: Connection, items: FromClause, cond: _Conditions, *, per_team: bool
) -> dict[str | None, float]:
    """Median days from first seen to an observed close, per team (or overall: key None).

    Window functions rank the durations; the middle one or two are averaged in SQL.
    """
    duration = days_between(items.c.first_seen_at, items.c.since)
    partition = [items.c.team] if per_team else None
    ranked = (
        select(
            items.c.team,
            duration.label("days"),
            func.row_number().over(partition_by=partition, order_by=duration).label("rn"),
            func.count().over(partition_by=partition).label("n"),
        )
        .where(cond.observed_close)
        .subquery("close_duration")
    )
    middle = ranked.c.rn.in_(((ranked.c.n + 1) // 2, (ranked.c.n + 2) // 2))
    median = func.avg(ranked.c.days).label("median")
    if not per_team:
        value = connection.execute(select(median).where(middle)).scalar()
        return {} if value is None else {None: float(value)}
    query = select(ranked.c.team, median).where(middle).group_by(ranked.c.team)
    return {row.team: float(row.median) for row in connection.execute(query)}


def _owner_rows(connection: Connection, items: FromClause, cond: _Conditions) -> list[Any]:
    status = items.c.status
    query = (
        select(
            OWNER.c.person,
            func.count().label("total"),
            _count(status == "open").label("open"),
            _count(status == "in_progress").label("in_progress"),
            _count(status == "done").label("done"),
            _count(status == "wont_do").label("wont_do"),
            _count(cond.overdue).label("overdue"),
        )
        .join_from(items, OWNER, OWNER.c.item_id == items.c.id)
        .group_by(OWNER.c.person)
        .order_by(OWNER.c.person)
    )
    return list(connection.execute(query))


def _listed_items(
    connection: Connection, items: FromClause, cond: _Conditions, options: ReportOptions
) -> tuple[list[ItemRow], list[ItemRow]]:
    """The overdue and the unowned items, with their ticket links (one query)."""
    query = (
        select(
            ITEM.c.id,
            ITEM.c.team,
            ITEM.c.path,
            ITEM.c.line,
            ITEM.c.action,
            ITEM.c.owners,
            ITEM.c.priority,
            items.c.due,
            items.c.status,
            cond.overdue.label("is_overdue"),
            cond.unowned.label("is_unowned"),
            TICKET.c.system,
            TICKET.c.key,
            TICKET.c.url,
        )
        .join_from(items, ITEM, ITEM.c.id == items.c.id)
        .outerjoin(TICKET, TICKET.c.item_id == items.c.id)
        .where(or_(cond.overdue, cond.unowned))
        .order_by(ITEM.c.path, ITEM.c.line, ITEM.c.id, TICKET.c.id)
    )
    overdue: list[ItemRow] = []
    unowned: list[ItemRow] = []
    current: ItemRow | None = None
    flags = (False, False)
    for row in connection.execute(query):
        if current is None or current.id != row.id:
            _file(current, flags, overdue, unowned)
            current = _item_row(row, options)
            flags = (bool(row.is_overdue), bool(row.is_unowned))
        if row.key is not None:
            link = TicketLink(system=row.system, key=row.key, url=row.url)
            current = _with_ticket(current, link)
    _file(current, flags, overdue, unowned)
    overdue.sort(key=lambda i: (i.due or date.max, i.path, i.line))
    return overdue, unowned


def _item_row(row: Any, options: ReportOptions) -> ItemRow:
    due: date | None = row.due
    late = (options.as_of - due).days if due is not None and row.is_overdue else None
    return ItemRow(
        id=row.id,
        team=row.team,
        path=row.path,
        line=row.line,
        action=row.action,
        owners=tuple(row.owners or ()),
        status=row.status,
        priority=row.priority,
        due=due,
        days_overdue=late,
        doc_url=_doc_url(options.docs_base_url, row.path, row.line),
    )


def _with_ticket(item: ItemRow, link: TicketLink) -> ItemRow:
    return replace(item, tickets=(*item.tickets, link))


def _file(
    item: ItemRow | None, flags: tuple[bool, bool], overdue: list[ItemRow], unowned: list[ItemRow]
) -> None:
    if item is None:
        return
    if flags[0]:
        overdue.append(item)
    if flags[1]:
        unowned.append(item)


def _doc_url(base: str | None, path: str, line: int) -> str | None:
    """Link to the document line (GitHub/GitLab `#L<n>` anchors) when docs_base_url is set."""
    if not base:
        return None
    return f"{base.rstrip('/')}/{path.lstrip('./')}#L{line}"


def _trend(connection: Connection, options: ReportOptions) -> list[TrendPoint]:
    """Completion rate and open-overdue count at the end of each of the last N weeks.

    The week ends are joined to the status intervals in one query: each (week, item)
    pair whose interval holds at that week's end is counted by CASE sums per week.
    """
    days = [
        options.as_of - timedelta(weeks=options.trend_weeks - 1 - k)
        for k in range(options.trend_weeks)
    ]
    points = union_all(
        *(
            select(
                literal(k, Integer()).label("k"),
                literal(end_of_day(day, options.timezone), UTCDateTime()).label("cutoff"),
                literal(day, Date()).label("day"),
            )
            for k, day in enumerate(days)
        )
    ).cte("week_end")
    intervals = _status_intervals()
    status = intervals.c.status
    open_overdue = and_(status.in_(OPEN_STATUSES), ITEM.c.due < points.c.day)
    query = (
        select(
            points.c.k,
            func.count().label("total"),
            _count(status == "done").label("done"),
            _count(status == "wont_do").label("wont_do"),
            _count(open_overdue).label("open_overdue"),
        )
        .select_from(intervals)
        .join(ITEM, ITEM.c.id == intervals.c.item_id)
        .join(points, _present_at(intervals, points.c.cutoff))
        .group_by(points.c.k)
    )
    if options.team is not None:
        query = query.where(ITEM.c.team == options.team)
    found = {row.k: row for row in connection.execute(query)}
    return [
        TrendPoint(
            week_ending=day,
            total=found[k].total if k in found else 0,
            done=found[k].done if k in found else 0,
            wont_do=found[k].wont_do if k in found else 0,
            open_overdue=found[k].open_overdue if k in found else 0,
        )
        for k, day in enumerate(days)
    ]


def known_teams(connection: Connection, configured: Sequence[str]) -> list[str]:
    """Configured teams plus every team the store has items for (e.g. `unassigned`)."""
    stored = connection.execute(select(ITEM.c.team).distinct()).scalars()
    return sorted({*configured, *stored})


def _team_summary(row: Any, median: float | None) -> TeamSummary:
    return TeamSummary(
        team=row.team,
        total=int(row.total),
        open=int(row.open),
        in_progress=int(row.in_progress),
        done=int(row.done),
        wont_do=int(row.wont_do),
        overdue=int(row.overdue),
        due_soon=int(row.due_soon),
        unowned=int(row.unowned),
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


def build_report(engine: Engine, options: ReportOptions) -> ReportData:
    """Every figure of the report as of `options.as_of`, in a handful of SQL queries.

    Raises TrackerError (exit 2) when `options.team` is neither configured nor stored.
    """
    with engine.connect() as connection:
        if options.team is not None:
            teams_known = known_teams(connection, options.teams)
            if options.team not in teams_known:
                raise TrackerError(
                    f"unknown team {options.team!r}",
                    hint=f"known teams: {', '.join(teams_known) or 'none'}",
                )
        items = _items_as_of(options)
        cond = _Conditions(items, options)
        medians = _medians(connection, items, cond, per_team=True)
        found = {
            row.team: _team_summary(row, medians.get(row.team))
            for row in _team_rows(connection, items, cond)
        }
        wanted = [options.team] if options.team is not None else [*options.teams, *found]
        teams = [found.get(name) or _empty_team(name) for name in sorted(set(wanted))]
        overall = _medians(connection, items, cond, per_team=False).get(None)
        owners = [
            OwnerSummary(
                owner=row.person,
                total=int(row.total),
                open=int(row.open),
                in_progress=int(row.in_progress),
                done=int(row.done),
                wont_do=int(row.wont_do),
                overdue=int(row.overdue),
            )
            for row in _owner_rows(connection, items, cond)
        ]
        overdue, unowned = _listed_items(connection, items, cond, options)
        trend = _trend(connection, options)
    return ReportData(
        as_of=options.as_of,
        totals=_totals(teams, overall),
        teams=teams,
        owners=owners,
        overdue=overdue,
        unowned=unowned,
        trend=trend,
        team_filter=options.team,
        due_soon_days=options.due_soon_days,
        timezone=options.timezone_name,
    )
