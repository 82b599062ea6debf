"""The report as plain data: what every renderer (table, Markdown, JSON, CSV, HTML) reads.

Kept free of SQL and of formatting so the figures are computed once, in `query.py`,
and every output format shows exactly the same numbers.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date


def completion_rate(done: int, total: int, wont_do: int) -> float | None:
    """done ÷ (total − won't do); None when nothing is left to complete."""
    denominator = total - wont_do
    return done / denominator if denominator else None


@dataclass(frozen=True, slots=True)
class TeamSummary:
    """One team's figures as of the report date (removed items excluded)."""

    team: str
    total: int
    open: int
    in_progress: int
    done: int
    wont_do: int
    overdue: int
    due_soon: int
    unowned: int
    median_days_to_close: float | None
    oldest_overdue_due: date | None

    @property
    def completion_rate(self) -> float | None:
        return completion_rate(self.done, self.total, self.wont_do)


@dataclass(frozen=True, slots=True)
class OwnerSummary:
    """One person's items (an item with two owners counts once for each)."""

    owner: str
    total: int
    open: int
    in_progress: int
    done: int
    wont_do: int
    overdue: int

    @property
    def completion_rate(self) -> float | None:
        return completion_rate(self.done, self.total, self.wont_do)


@dataclass(frozen=True, slots=True)
class TicketLink:
    system: str
    key: str
    url: str | None


@dataclass(slots=True)
class ItemRow:
    """An item in the overdue or unowned list, pointing back at its document line.

    Not frozen: reports list tens of thousands of these, and frozen dataclasses are
    several times slower to build.
    """

    id: str
    team: str
    path: str
    line: int
    action: str
    owners: tuple[str, ...]
    status: str
    priority: str | None
    due: date | None
    days_overdue: int | None
    doc_url: str | None
    tickets: tuple[TicketLink, ...] = ()
    due_derived: bool = False  # `due` comes from the [policy] SLO, not the document

    @property
    def location(self) -> str:
        return f"{self.path}:{self.line}"


@dataclass(frozen=True, slots=True)
class SloFigures:
    """SLO attainment for a team (and a quarter of the deadline, or None for all time).

    met: closed by the deadline; missed: closed after it, or open past it (`past_now` of
    them); pending: open, deadline not reached — not counted in the attainment.
    """

    team: str
    quarter: str | None
    met: int
    missed: int
    pending: int
    past_now: int

    @property
    def attainment(self) -> float | None:
        judged = self.met + self.missed
        return self.met / judged if judged else None


@dataclass(slots=True)
class OpenPostmortem:
    """A postmortem with open items: how old it is and which open item is oldest.

    Not frozen, like ItemRow: JSON lists every open postmortem (9,000 at 100,000 items).
    """

    path: str
    title: str | None
    team: str
    start: date  # its date, else when its first item was seen
    age_days: int
    open_items: int
    oldest_open: str
    oldest_open_location: str


@dataclass(frozen=True, slots=True)
class Closure:
    """Postmortems closed (every item done or won't do) and open, and time to close.

    `open_postmortems` may hold only the oldest ones (as far as the format shows them);
    `more_open` counts the rest, `open_count` all of them.
    """

    open_postmortems: list[OpenPostmortem]
    closed: int
    buckets: dict[str, int]  # aging bucket of the open ones → count
    median_days_to_close: float | None
    p90_days_to_close: float | None
    more_open: int = 0

    @property
    def open_count(self) -> int:
        return len(self.open_postmortems) + self.more_open


@dataclass(frozen=True, slots=True)
class TrendPoint:
    """The state at the end of one week's last day, rebuilt from the status events."""

    week_ending: date
    total: int
    done: int
    wont_do: int
    open_overdue: int

    @property
    def completion_rate(self) -> float | None:
        return completion_rate(self.done, self.total, self.wont_do)


@dataclass(frozen=True, slots=True)
class ReportData:
    """Everything a report shows; `totals` sums all teams (its team is "all teams").

    `overdue` and `unowned` may hold only the first items of each list (as far as the
    output format shows them); `totals` always counts them all.
    """

    as_of: date
    totals: TeamSummary
    teams: list[TeamSummary]
    owners: list[OwnerSummary]
    overdue: list[ItemRow]
    unowned: list[ItemRow]
    trend: list[TrendPoint]
    team_filter: str | None = None
    due_soon_days: int = 7
    timezone: str = "UTC"
    closure: Closure | None = None
    slo_teams: list[SloFigures] | None = None  # None: no [policy]
    slo_quarters: list[SloFigures] | None = None

    @property
    def more_overdue(self) -> int:
        """Overdue items counted but not listed (left out by the format's item limit)."""
        return self.totals.overdue - len(self.overdue)

    @property
    def more_unowned(self) -> int:
        """Unowned items counted but not listed."""
        return self.totals.unowned - len(self.unowned)
