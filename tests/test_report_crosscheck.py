"""The SQL figures agree with a plain Python reading of the same history (SQLite and PostgreSQL).

Random but seeded stores: items first seen before and after the as-of day, status chains
with reopenings and won't-dos, some events after the as-of day, removed items. The
reference below rebuilds each item's status at an instant straight from its events, the
obvious (slow) way, and every figure the report shows is compared with it.
"""

from __future__ import annotations

import random
import statistics
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from tests.report_seed import add_item, add_postmortem
from tracker.report import ReportOptions, build_report
from tracker.report.query import end_of_day
from tracker.store import Store

AS_OF = date(2026, 3, 31)
STATUSES = ("open", "in_progress", "done", "wont_do")
OPEN = ("open", "in_progress")
CLOSED = ("done", "wont_do")
TEAMS = ("alpha", "beta", "gamma")
PEOPLE = ("ann", "ben", "cat", "dan")


@dataclass
class Item:
    id: str
    team: str
    first_seen: datetime
    due: date | None
    owners: list[str]
    events: list[tuple[str | None, str, datetime]] = field(default_factory=list)
    removed: datetime | None = None

    def status_at(self, instant: datetime) -> str | None:
        before = [to for _, to, at in self.events if at < instant]
        return before[-1] if before else None

    def present_at(self, instant: datetime) -> bool:
        return self.first_seen < instant and (self.removed is None or self.removed >= instant)

    def close_days(self, instant: datetime) -> float | None:
        closes = [
            at
            for was, to, at in self.events
            if at < instant and to in CLOSED and was in OPEN and at > self.first_seen
        ]
        if self.status_at(instant) not in CLOSED or not closes:
            return None
        return (closes[-1] - self.first_seen).total_seconds() / 86400


def generate(seed: int) -> list[Item]:
    rng = random.Random(seed)
    start = datetime(2025, 12, 1, tzinfo=UTC)
    items = []
    for n in range(60):
        seen = start + timedelta(minutes=rng.randrange(0, 140 * 24 * 60))
        due = (seen + timedelta(days=rng.randint(-5, 60))).date() if rng.random() < 0.85 else None
        if n % 12 == 0:
            due = AS_OF  # due on the day itself: not overdue yet
        owners = sorted(rng.sample(PEOPLE, rng.choice((0, 1, 1, 2))))
        item = Item(f"X{n:03d}", rng.choice(TEAMS), seen, due, owners)
        status = rng.choice(("open", "open", "in_progress", "done"))
        item.events.append((None, status, seen))
        moment = seen
        for _ in range(rng.choice((0, 1, 1, 2, 3))):
            moment += timedelta(minutes=rng.randrange(60, 30 * 24 * 60))
            new = rng.choice([s for s in STATUSES if s != status])
            item.events.append((status, new, moment))
            status = new
        if rng.random() < 0.1:
            item.removed = moment + timedelta(days=rng.randint(1, 20))
        items.append(item)
    return items


def store_items(store: Store, items: list[Item]) -> None:
    postmortems = {team: add_postmortem(store, f"pm/{team}.md", team) for team in TEAMS}
    for line, item in enumerate(items, start=10):
        add_item(
            store,
            item.id,
            postmortem_id=postmortems[item.team],
            team=item.team,
            line=line,
            status=item.events[-1][1],
            due=item.due,
            owners=item.owners,
            events=item.events,
            first_seen=item.first_seen,
            removed=item.removed,
        )


# After every generated event and removal: the report reads the stored items as they are
# (nothing happened after its day), and its trend's 12 weeks still see changes and removals.
QUIET_AS_OF = date(2026, 6, 30)
PAGE = 500  # a format's item limit that still lists all 60 items (a page: table, HTML)
CASES = [
    (1, "UTC", AS_OF, None, None),
    (2, "Asia/Tokyo", AS_OF, PAGE, None),
    (3, "America/New_York", AS_OF, None, None),
    (4, "UTC", QUIET_AS_OF, PAGE, None),
    (5, "America/New_York", QUIET_AS_OF, PAGE, None),
    (6, "Asia/Tokyo", QUIET_AS_OF, None, None),
    (11, "UTC", QUIET_AS_OF, PAGE, "beta"),
    (8, "Asia/Tokyo", AS_OF, PAGE, "gamma"),
]


@pytest.mark.parametrize(
    ("seed", "zone", "as_of", "item_limit", "team_filter"),
    CASES,
    ids=[f"seed{s}-{z}-{d}-{'page' if n else 'all'}-{t or 'teams'}" for s, z, d, n, t in CASES],
)
def test_sql_figures_match_a_python_reading_of_the_events(
    store: Store, seed: int, zone: str, as_of: date, item_limit: int | None, team_filter: str | None
) -> None:
    items = generate(seed)
    store_items(store, items)
    tz = ZoneInfo(zone)
    options = ReportOptions(as_of=as_of, timezone=tz, teams=TEAMS, team=team_filter)
    report = build_report(store.engine, options, item_limit=item_limit)
    if team_filter is not None:  # what the report should see of the store
        items = [i for i in items if i.team == team_filter]
        assert [team.team for team in report.teams] == [team_filter]
    cutoff = end_of_day(as_of, tz)
    if as_of == QUIET_AS_OF:  # what the case is for: nothing after, removals in the trend
        assert all(at < cutoff for i in items for _, _, at in i.events)
        assert all(i.removed is None or i.removed < cutoff for i in items)
        assert any(i.removed and i.removed > cutoff - timedelta(weeks=11) for i in items)
    now = {i.id: i.status_at(cutoff) for i in items if i.present_at(cutoff)}
    by_id = {i.id: i for i in items}

    for team in report.teams:
        mine = [by_id[i] for i in now if by_id[i].team == team.team]
        statuses = [now[i.id] for i in mine]
        assert (team.total, team.open, team.in_progress, team.done, team.wont_do) == (
            len(mine), *(statuses.count(s) for s in STATUSES),
        ), team.team  # fmt: skip
        overdue = [i for i in mine if now[i.id] in OPEN and i.due and i.due < as_of]
        assert team.overdue == len(overdue), team.team
        oldest = min((i.due for i in overdue if i.due), default=None)
        assert team.oldest_overdue_due == oldest, team.team
        assert team.unowned == sum(1 for i in mine if now[i.id] in OPEN and not i.owners)
        closes = [d for i in mine if (d := i.close_days(cutoff)) is not None]
        expected = statistics.median(closes) if closes else None
        assert team.median_days_to_close == pytest.approx(expected, abs=1e-3), team.team

    every_close = [d for i in now if (d := by_id[i].close_days(cutoff)) is not None]
    expected_total = statistics.median(every_close) if every_close else None
    assert report.totals.median_days_to_close == pytest.approx(expected_total, abs=1e-3)

    owners = sorted({person for i in now for person in by_id[i].owners})
    assert [o.owner for o in report.owners] == owners
    for summary in report.owners:
        held = [i for i in now if summary.owner in by_id[i].owners]
        statuses = [now[i] for i in held]
        late = [i for i in held if now[i] in OPEN and by_id[i].due and by_id[i].due < as_of]
        assert (summary.total, summary.open, summary.in_progress, summary.done) == (
            len(held), *(statuses.count(s) for s in STATUSES[:3]),
        ), summary.owner  # fmt: skip
        assert (summary.wont_do, summary.overdue) == (statuses.count("wont_do"), len(late))

    overdue_ids = {i for i in now if now[i] in OPEN and by_id[i].due and by_id[i].due < as_of}
    assert {i.id for i in report.overdue} == overdue_ids
    assert {i.id for i in report.unowned} == {
        i for i in now if now[i] in OPEN and not by_id[i].owners
    }

    for point in report.trend:
        instant = end_of_day(point.week_ending, tz)
        present = [i for i in items if i.present_at(instant)]
        status = {i.id: i.status_at(instant) for i in present}
        assert point.total == len(present), point.week_ending
        assert point.done == sum(1 for s in status.values() if s == "done"), point.week_ending
        assert point.wont_do == sum(1 for s in status.values() if s == "wont_do")
        assert point.open_overdue == sum(
            1 for i in present if status[i.id] in OPEN and i.due and i.due < point.week_ending
        ), point.week_ending
