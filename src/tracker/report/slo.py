"""SLO attainment: of the items whose SLO deadline has come (or that closed), how many
closed within it — per team and per quarter of the deadline — and how many are past it now.

The deadline (`action_item.slo_due`) is recorded with each item from `[policy]`. The
report's team query groups the per-item rows by team and one integer that codes the
quarter of the deadline and the outcome (`slo_code`; a few thousand groups with the
status and due class, see tracker.report.query) and the figures are folded
here: a team's are the sums of its quarters.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

from sqlalchemy import Date, case, func, literal
from sqlalchemy.sql import ColumnElement, FromClause

from tracker.report.dialect import as_stored, quarter_number, utc_day
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
    """The quarter a deadline falls in, as the report labels it."""
    return f"{day.year}-Q{(day.month - 1) // 3 + 1}"


def quarter_name(number: int) -> str:
    """The label of a quarter given as `quarter_number` computes it in SQL."""
    return f"{number // 4}-Q{number % 4 + 1}"


# An item's SLO outcome as a code: none (no deadline), met, missed (closed late), past
# (open, deadline gone) or pending.
OUTCOMES: tuple[str | None, ...] = (None, "met", "missed", "past", "pending")


def slo_code(items: FromClause, as_of: date) -> ColumnElement[int]:
    """(quarter of the deadline, outcome) of an item row as one integer, in SQL:
    quarter_number × len(OUTCOMES) + outcome's index in OUTCOMES (0 without a deadline).
    One small integer to group on costs SQLite's sort less than a label and a word
    (`decode_slo` reads it back)."""
    today = literal(as_of, Date())
    closed = items.c.status.in_(CLOSED)
    # Closed by the end of the deadline's day (UTC) counts as within the SLO.
    slo_due = as_stored(items.c.slo_due)
    met = utc_day(items.c.closed) <= slo_due
    outcome = case(
        (slo_due.is_(None), 0),
        (closed, case((met, 1), else_=2)),
        (slo_due < today, 3),
        else_=4,
    )
    quarter = func.coalesce(quarter_number(items.c.slo_due), 0)
    return quarter * len(OUTCOMES) + outcome


def decode_slo(code: int) -> tuple[str | None, str | None]:
    """(quarter label, outcome) from `slo_code`; (None, None) without a deadline."""
    quarter, outcome = divmod(code, len(OUTCOMES))
    if outcome == 0:
        return None, None
    return quarter_name(quarter), OUTCOMES[outcome]


def slo_attainment(
    groups: Iterable[tuple[str, str | None, str | None, int]],
) -> tuple[list[SloFigures], list[SloFigures]]:
    """(per team with an "all teams" total, per team and quarter of the deadline), from
    item counts grouped by (team, quarter, outcome) as `decode_slo` gives them."""
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
