"""Owner figures, unowned counts and medians agree with their plain definitions.

On SQLite the report reads every per-item row once and counts owner lists in Python
(tracker.report.query._figures_from_one_read); on PostgreSQL the server groups items by
owner list and the people come out in the database's order. Both must give what
`item_owner` says, on both stores.
"""

from __future__ import annotations

import random
import statistics
from collections import Counter
from datetime import UTC, date, datetime, timedelta

from sqlalchemy import select

from tests.report_seed import add_item, add_postmortem
from tracker.report import ReportData, ReportOptions, build_report
from tracker.store import Store
from tracker.store.models import ItemOwner

AS_OF = date(2026, 3, 31)
SEEN = datetime(2026, 1, 5, 10, 0, tzinfo=UTC)
OPEN = ("open", "in_progress")
OWNER = ItemOwner.__table__  # type: ignore[attr-defined]


def report(store: Store) -> ReportData:
    return build_report(store.engine, ReportOptions(as_of=AS_OF, slo=True))


def test_owner_figures_are_item_owner_rows_counted_per_person(store: Store) -> None:
    rng = random.Random(7)
    people = ["ann", "ben", "cat", "dan", "eve"]
    pm = add_postmortem(store, "postmortems/a.md", "alpha")
    expected: dict[str, Counter[str]] = {}
    for n in range(120):
        status = rng.choice(("open", "in_progress", "done", "wont_do"))
        due = AS_OF + timedelta(days=rng.randint(-20, 20))
        owners = rng.sample(people, rng.choice((0, 1, 1, 2, 3)))  # in any order
        add_item(
            store, f"X{n:03d}", postmortem_id=pm, team="alpha", line=n + 1, status=status,
            due=due, owners=owners, events=[(None, status, SEEN)],
        )  # fmt: skip
        for person in owners:
            counts = expected.setdefault(person, Counter())
            counts["total"] += 1
            counts[status] += 1
            counts["overdue"] += status in OPEN and due < AS_OF
    fields = ("total", "open", "in_progress", "done", "wont_do", "overdue")
    found = {
        o.owner: +Counter({name: getattr(o, name) for name in fields}) for o in report(store).owners
    }
    assert found == expected


def test_owners_are_listed_in_the_databases_order_of_names(store: Store) -> None:
    pm = add_postmortem(store, "postmortems/a.md", "alpha")
    names = ["zed", "Zoe", "émile", "Emil", "al-b", "al_b", "alb"]
    for n, name in enumerate(names):
        add_item(
            store, f"X{n}", postmortem_id=pm, team="alpha", line=n + 1, status="open",
            due=None, owners=[name],
        )  # fmt: skip
    with store.engine.connect() as connection:
        ordered = connection.execute(select(OWNER.c.person).order_by(OWNER.c.person)).scalars()
        expected = list(ordered)
    assert [o.owner for o in report(store).owners] == expected


def test_unowned_counts_open_items_with_no_owner_row_per_team(store: Store) -> None:
    pm = {team: add_postmortem(store, f"postmortems/{team}.md", team) for team in ("a", "b")}
    cases = [  # team, status, owners
        ("a", "open", []), ("a", "in_progress", []), ("a", "done", []), ("a", "open", ["x"]),
        ("b", "wont_do", []), ("b", "in_progress", ["x", "y"]),
    ]  # fmt: skip
    for n, (team, status, owners) in enumerate(cases):
        add_item(
            store, f"X{n}", postmortem_id=pm[team], team=team, line=n + 1, status=status,
            due=None, owners=owners,
        )  # fmt: skip
    found = {t.team: t.unowned for t in report(store).teams}
    assert found == {"a": 2, "b": 0}


def test_unowned_list_is_the_open_items_with_no_owner_row(store: Store) -> None:
    rng = random.Random(5)
    pm = add_postmortem(store, "postmortems/a.md", "alpha")
    statuses = {}
    for n in range(60):
        item_id = f"X{n:03d}"
        statuses[item_id] = rng.choice(("open", "in_progress", "done", "wont_do"))
        add_item(
            store, item_id, postmortem_id=pm, team="alpha", line=n + 1,
            status=statuses[item_id], due=None,
            owners=rng.sample(["ann", "ben"], rng.choice((0, 0, 1, 2))),
        )  # fmt: skip
    with store.engine.connect() as connection:
        owned = set(connection.execute(select(OWNER.c.item_id)).scalars())
    expected = sorted(i for i, status in statuses.items() if status in OPEN and i not in owned)
    found = report(store)
    assert expected  # the lines follow the ids: listed by place, they are in id order
    assert [item.id for item in found.unowned] == expected
    assert found.totals.unowned == len(expected)


def test_medians_per_team_and_overall_are_the_medians_of_the_observed_closes(
    store: Store,
) -> None:
    rng = random.Random(11)
    took: dict[str, list[float]] = {}
    for team in ("a", "b", "c", "d"):
        pm = add_postmortem(store, f"postmortems/{team}.md", team)
        for n in range(rng.randint(1, 9)):
            hours = rng.randint(1, 2000)
            closed = SEEN + timedelta(hours=hours)
            add_item(
                store, f"{team}{n}", postmortem_id=pm, team=team, line=n + 1, status="done",
                due=None, events=[(None, "open", SEEN), ("open", "done", closed)],
            )  # fmt: skip
            took.setdefault(team, []).append(hours / 24)
        add_item(
            store, f"{team}-open", postmortem_id=pm, team=team, line=99, status="open",
            due=None, events=[(None, "open", SEEN)],
        )  # fmt: skip
    result = report(store)
    for team in result.teams:
        assert team.median_days_to_close is not None
        assert abs(team.median_days_to_close - statistics.median(took[team.team])) < 1e-6
    every = [days for values in took.values() for days in values]
    assert result.totals.median_days_to_close is not None
    assert abs(result.totals.median_days_to_close - statistics.median(every)) < 1e-6
