"""A small, hand-checked store for the report tests (used by tests/test_report*.py).

As of 2026-03-31 (UTC) the expected figures, worked out by hand, are:

payments: 7 items (P1 P2 done, P3 P6 P9 open, P4 in progress, P5 won't do; P7 removed
and P8 first seen after the date don't count); completion 2/6; overdue P4 (due 03-10),
P3 (03-20), P9 (03-30; done only on 04-03) = 3; due soon P6 = 1; unowned P4 P6 = 2;
observed closes 10, 20 and 31 days after first seen → median 20.
search: 3 items (S1 done with no events, S2 done after 55 days, S3 open due on the day);
completion 2/3; overdue 0; due soon S3 = 1; unowned 0; median 55.
infra: configured, no items.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, date, datetime

from tracker.store import Store
from tracker.store.models import (
    ActionItemRow,
    ItemOwner,
    PostmortemRow,
    StatusEvent,
    TicketLink,
)

AS_OF = date(2026, 3, 31)
CONFIGURED_TEAMS = ("infra", "payments", "search")
SCRIPT_ACTION = "Escape <script>alert(1)</script> | pipes & *stars*"
SEEN = datetime(2026, 1, 5, 10, 0, tzinfo=UTC)
CLOSED = ("done", "wont_do")


def at(month: int, day: int, hour: int = 10) -> datetime:
    return datetime(2026, month, day, hour, 0, tzinfo=UTC)


def add_item(
    store: Store,
    item_id: str,
    *,
    postmortem_id: int,
    team: str,
    line: int,
    status: str,
    due: date | None,
    owners: Sequence[str] = (),
    events: Sequence[tuple[str | None, str, datetime]] = (),
    first_seen: datetime = SEEN,
    removed: datetime | None = None,
    action: str | None = None,
    tickets: Sequence[tuple[str, str, str | None]] = (),
) -> None:
    """One item with its owners, status events (from, to, at) and ticket links.

    `closed_at` follows the recorder's rule: when the item last went from open or in
    progress to done or won't do (first seen, if it was closed from the start).
    """
    closed_at = first_seen if status in CLOSED else None
    for from_status, to_status, when in events:
        if to_status in CLOSED and from_status not in CLOSED:
            closed_at = when if from_status is not None else first_seen
    with store.session() as session:
        path = session.get(PostmortemRow, postmortem_id).path  # type: ignore[union-attr]
        session.add(
            ActionItemRow(
                id=item_id,
                postmortem_id=postmortem_id,
                path=path,
                line=line,
                action=action or f"Action {item_id}",
                owners=list(owners),
                team=team,
                due=due,
                priority="P2",
                status=status,
                first_seen_at=first_seen,
                updated_at=first_seen,
                closed_at=closed_at if status in CLOSED else None,
                removed_at=removed,
                doc_hash="x" * 64,
            )
        )
        session.flush()
        for person in owners:
            session.add(ItemOwner(item_id=item_id, person=person))
        for from_status, to_status, when in events:
            session.add(
                StatusEvent(
                    item_id=item_id,
                    from_status=from_status,
                    to_status=to_status,
                    at=when,
                    source="document",
                )
            )
        for system, key, url in tickets:
            session.add(TicketLink(item_id=item_id, system=system, key=key, url=url))


def add_postmortem(store: Store, path: str, team: str) -> int:
    with store.session() as session:
        row = PostmortemRow(path=path, team=team, last_scanned_at=SEEN, title=path)
        session.add(row)
        session.flush()
        assert row.id is not None
        return row.id


def seed_example(store: Store) -> None:
    pay = add_postmortem(store, "postmortems/payments/2026-01-04-outage.md", "payments")
    search = add_postmortem(store, "postmortems/search/2026-01-03-latency.md", "search")
    seen = (None, "open", SEEN)

    def item(item_id: str, **kw: object) -> None:
        add_item(store, item_id, **kw)  # type: ignore[arg-type]

    item(
        "P1",
        postmortem_id=pay,
        team="payments",
        line=10,
        status="done",
        due=date(2026, 2, 1),
        owners=["alice"],
        events=[seen, ("open", "done", at(1, 15))],
    )
    item(
        "P2",
        postmortem_id=pay,
        team="payments",
        line=11,
        status="done",
        due=date(2026, 3, 1),
        owners=["bob"],
        events=[seen, ("open", "in_progress", at(1, 10)), ("in_progress", "done", at(1, 25))],
    )
    item(
        "P3",
        postmortem_id=pay,
        team="payments",
        line=12,
        status="open",
        due=date(2026, 3, 20),
        owners=["alice"],
        events=[seen],
        tickets=[("jira", "PAY-1", "https://jira.example.com/browse/PAY-1")],
    )
    item(
        "P4",
        postmortem_id=pay,
        team="payments",
        line=13,
        status="in_progress",
        due=date(2026, 3, 10),
        events=[seen, ("open", "in_progress", at(2, 1))],
        tickets=[("github", "acme/app#4", "javascript:alert(2)")],
    )
    item(
        "P5",
        postmortem_id=pay,
        team="payments",
        line=14,
        status="wont_do",
        due=date(2026, 1, 20),
        owners=["bob"],
        events=[seen, ("open", "wont_do", at(2, 5))],
    )
    item(
        "P6",
        postmortem_id=pay,
        team="payments",
        line=15,
        status="open",
        due=date(2026, 4, 5),
        events=[seen],
        action=SCRIPT_ACTION,
    )
    item(
        "P7",
        postmortem_id=pay,
        team="payments",
        line=16,
        status="open",
        due=date(2026, 1, 1),
        owners=["alice"],
        events=[seen],
        removed=at(3, 1),
    )
    item(
        "P8",
        postmortem_id=pay,
        team="payments",
        line=17,
        status="open",
        due=date(2026, 3, 1),
        owners=["alice"],
        first_seen=at(4, 2),
        events=[(None, "open", at(4, 2))],
    )
    item(
        "P9",
        postmortem_id=pay,
        team="payments",
        line=18,
        status="done",
        due=date(2026, 3, 30),
        owners=["carol"],
        events=[seen, ("open", "done", at(4, 3))],
    )
    item(
        "S1", postmortem_id=search, team="search", line=20, status="done", due=None, owners=["dave"]
    )
    item(
        "S2",
        postmortem_id=search,
        team="search",
        line=21,
        status="done",
        due=date(2026, 2, 1),
        owners=["erin"],
        events=[seen, ("open", "done", at(3, 1))],
    )
    item(
        "S3",
        postmortem_id=search,
        team="search",
        line=22,
        status="open",
        due=date(2026, 3, 31),
        owners=["dave"],
        events=[seen],
    )
