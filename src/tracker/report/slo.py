"""SLO attainment: of the items whose SLO deadline has come (or that closed), how many
closed within it — per team and per quarter of the deadline — and how many are past it now.

The deadline (`action_item.slo_due`) is recorded with each item from `[policy]`. The
report's team query groups the per-item rows by team, quarter of the deadline and
outcome (a few hundred groups; see tracker.report.query) and the figures are folded
here: a team's are the sums of its quarters.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import Date, and_, case, literal
from sqlalchemy.sql import FromClause

from tracker.report.dialect import quarter_label, utc_day
from tracker.report.model import SloFigures

CLOSED = ("done", "wont_do")
TOTAL_TEAM = "all teams"


@dataclass
class _Tally:
    met: int = 0
    missed: int = 0
    pending: int = 0
    past_now: int = 0

    def figures(self, team: str, quarter: str | None) -> SloFigures:
        return SloFigures(team, quarter, self.met, self.missed, self.pending, self.past_now)


def quarter_of(day: date) -> str:
    """The quarter a deadline falls in, as the report labels it (`quarter_label` in SQL)."""
    return f"{day.year}-Q{(day.month - 1) // 3 + 1}"


def slo_columns(items: FromClause, as_of: date) -> tuple[Any, Any]:
    """(quarter of the deadline, outcome) of an item row, in SQL; both NULL without a
    deadline. Outcome: met, missed (closed late), past (open, deadline gone) or pending."""
    today = literal(as_of, Date())
    closed = items.c.status.in_(CLOSED)
    # Closed by the end of the deadline's day (UTC) counts as within the SLO.
    met = and_(closed, utc_day(items.c.closed) <= items.c.slo_due)
    has_deadline = items.c.slo_due.is_not(None)
    outcome = case(
        (~has_deadline, None),
        (met, "met"),
        (closed, "missed"),
        (items.c.slo_due < today, "past"),
        else_="pending",
    )
    return quarter_label(items.c.slo_due).label("quarter"), outcome.label("outcome")


def slo_attainment(
    groups: Iterable[tuple[str, str | None, str | None, int]],
) -> tuple[list[SloFigures], list[SloFigures]]:
    """(per team with an "all teams" total, per team and quarter of the deadline), from
    item counts grouped by (team, quarter, outcome) as `slo_columns` gives them."""
    teams: dict[str, _Tally] = defaultdict(_Tally)
    quarters: dict[tuple[str, str], _Tally] = defaultdict(_Tally)
    for team, quarter_name, result, count in groups:
        if quarter_name is None or result is None:  # no deadline
            continue
        for tally in (teams[team], teams[TOTAL_TEAM], quarters[(team, quarter_name)]):
            if result == "met":
                tally.met += count
            elif result == "pending":
                tally.pending += count
            else:  # closed late, or open and past its deadline now
                tally.missed += count
                tally.past_now += count if result == "past" else 0
    per_team = [teams[name].figures(name, None) for name in sorted(teams) if name != TOTAL_TEAM]
    if teams:
        per_team.append(teams[TOTAL_TEAM].figures(TOTAL_TEAM, None))
    per_quarter = [
        tally.figures(team, quarter) for (team, quarter), tally in sorted(quarters.items())
    ]
    return per_team, per_quarter
