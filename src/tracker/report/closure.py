"""Postmortem closure: a postmortem is closed when every item in it is done or won't do.

Managers ask "which incidents still have open follow-ups, and for how long?" rather than
"how many items". This lists the open postmortems with their oldest open item and sorts
them into aging buckets (0–30, 31–90, over 90 days since the postmortem's date, else since
its first item was seen), and measures how long closed ones took: median and p90 days from
that start to the close of their last item.
"""

from __future__ import annotations

import statistics
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import case, func, select
from sqlalchemy.engine import Connection
from sqlalchemy.sql import FromClause

from tracker.report.model import Closure, OpenPostmortem
from tracker.store.models import PostmortemRow
from tracker.store.types import as_utc

POSTMORTEM = PostmortemRow.__table__  # type: ignore[attr-defined]
OPEN = ("open", "in_progress")
BUCKETS = ((0, 30, "0–30 days"), (31, 90, "31–90 days"), (91, None, "over 90 days"))


@dataclass
class _Document:
    path: str
    title: str | None
    team: str
    start: date
    open_items: int = 0
    last_close: datetime | None = None


def _day(value: Any) -> date:
    if isinstance(value, datetime):
        return as_utc(value).date()
    day: date = value
    return day


def percentile(sorted_values: list[int], share: float) -> float | None:
    """The nearest-rank percentile of already sorted values (None when there are none)."""
    if not sorted_values:
        return None
    rank = max(1, -(-len(sorted_values) * share // 1))  # ceil(n × share), at least 1
    return float(sorted_values[int(rank) - 1])


def median(values: list[int]) -> float | None:
    return float(statistics.median(values)) if values else None


def postmortem_closure(connection: Connection, items: FromClause, as_of: date) -> Closure:
    """Open postmortems (oldest first) with their oldest open item; buckets; time to close."""
    is_open = items.c.status.in_(OPEN)
    per_document = (
        select(
            items.c.postmortem_id,
            func.sum(case((is_open, 1), else_=0)).label("open_items"),
            func.min(items.c.first_seen_at).label("first_seen"),
            func.max(items.c.closed).label("last_close"),
        )
        .group_by(items.c.postmortem_id)
        .subquery("per_document")
    )
    query = select(
        POSTMORTEM.c.id,
        POSTMORTEM.c.path,
        POSTMORTEM.c.title,
        POSTMORTEM.c.team,
        POSTMORTEM.c.date,
        per_document.c.open_items,
        per_document.c.first_seen,
        per_document.c.last_close,
    ).join(per_document, per_document.c.postmortem_id == POSTMORTEM.c.id)
    documents: dict[int, _Document] = {}
    for row in connection.execute(query):
        start = row.date or _day(row.first_seen)
        documents[row.id] = _Document(
            row.path, row.title, row.team, start, int(row.open_items or 0), row.last_close
        )
    oldest = _oldest_open_items(connection, items)
    open_list = [
        OpenPostmortem(
            path=doc.path,
            title=doc.title,
            team=doc.team,
            start=doc.start,
            age_days=(as_of - doc.start).days,
            open_items=doc.open_items,
            oldest_open=oldest[doc_id][2] if doc_id in oldest else "",
            oldest_open_location=f"{oldest[doc_id][0]}:{oldest[doc_id][1]}"
            if doc_id in oldest
            else "",
        )
        for doc_id, doc in documents.items()
        if doc.open_items
    ]
    open_list.sort(key=lambda pm: (-pm.age_days, pm.path))
    buckets = {label: 0 for _, _, label in BUCKETS}
    for pm in open_list:
        buckets[bucket_of(pm.age_days)] += 1
    took = sorted(
        max(0, (_day(doc.last_close) - doc.start).days)
        for doc in documents.values()
        if not doc.open_items and doc.last_close is not None
    )
    return Closure(
        open_postmortems=open_list,
        closed=sum(1 for doc in documents.values() if not doc.open_items),
        buckets=buckets,
        median_days_to_close=median(took),
        p90_days_to_close=percentile(took, 0.9),
    )


def bucket_of(age_days: int) -> str:
    for low, high, label in BUCKETS:
        if age_days >= low and (high is None or age_days <= high):
            return label
    return BUCKETS[0][2]  # a postmortem dated after the as-of day


def _oldest_open_items(
    connection: Connection, items: FromClause
) -> dict[int, tuple[str, int, str]]:
    """postmortem id → (path, line, action) of its open item seen first."""
    query = (
        select(items.c.postmortem_id, items.c.path, items.c.line, items.c.action)
        .where(items.c.status.in_(OPEN))
        .order_by(items.c.postmortem_id, items.c.first_seen_at, items.c.line)
    )
    oldest: dict[int, tuple[str, int, str]] = {}
    for doc_id, path, line, action in connection.execute(query):
        oldest.setdefault(doc_id, (path, line, action))
    return oldest
