"""Where an issue's due date lives on GitHub: a `- Due: YYYY-MM-DD` body line, grouped
under one milestone per month (or week) — never a milestone per date.

GitHub issues have no due field. A milestone per date cost one content creation per
distinct date (GitHub allows 500 an hour), so a first sync made nearly as many
milestones as issues, and a milestone list nobody could use. So:

- the exact date is a visible body line (`- Due: 2026-06-01`, the line tracker's
  description already carries; `- Due: not set` when there is none): free to write
  (it rides on the create or edit that happens anyway), read back exactly, and what
  GitHub tools that add due dates to issues parse from the body;
- `due_milestones` groups issues for GitHub's own views: `month` (default: `due
  2026-06`, due on the month's last day — at most 12 milestones a year per repository),
  `week` (`due 2026-W23`, ISO week, due on its Sunday), `none`, or `day` (`due
  2026-06-01`, the old one-per-date behaviour).

Reading back, an exact `due YYYY-MM-DD` milestone title wins (issues made before the
body line was kept current), then the body line, then a foreign milestone's `due_on`
(a release milestone a person set). A grouping milestone is never read as a date.
"""

from __future__ import annotations

import calendar
import re
from collections.abc import Mapping
from datetime import UTC, date, datetime, timedelta
from typing import Any, Literal

Grouping = Literal["month", "week", "day", "none"]
GROUPINGS: tuple[Grouping, ...] = ("month", "week", "day", "none")
MILESTONE_PREFIX = "due "
NOT_SET = "not set"
_LINE = re.compile(
    r"^(?P<lead>[ \t]*(?:[-*+][ \t]+)?)\**Due\**[ \t]*:[ \t]*\**[ \t]*(?P<value>[^\n]*?)[ \t]*$",
    re.IGNORECASE | re.MULTILINE,
)
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}")


def due_line(due: date | None) -> str:
    return f"- Due: {due.isoformat() if due else NOT_SET}"


def due_in_body(body: str | None) -> tuple[bool, date | None]:
    """(is there a due line, its date): the last `Due:` line; `not set` or anything
    that isn't a date reads as no date."""
    found = list(_LINE.finditer(body or ""))
    if not found:
        return False, None
    value = found[-1]["value"].strip("*` ")
    if _DATE.match(value):
        try:
            return True, date.fromisoformat(value[:10])
        except ValueError:
            pass
    return True, None


def with_due(text: str, due: date | None) -> str:
    """`text` with its last due line saying `due` (its bullet kept), or one appended
    (none for no date: a body without a line already reads as no date)."""
    found = list(_LINE.finditer(text))
    if not found:
        if due is None:
            return text
        line = due_line(due)
        return f"{text.rstrip()}\n\n{line}" if text.strip() else line
    last = found[-1]
    lead = last["lead"] or ""
    value = due.isoformat() if due else NOT_SET
    return f"{text[: last.start()]}{lead}Due: {value}{text[last.end() :]}"


def milestone_for(due: date, grouping: Grouping) -> tuple[str, date] | None:
    """(title, last day) of the milestone `due` is grouped under; None for `none`."""
    if grouping == "none":
        return None
    if grouping == "day":
        return f"{MILESTONE_PREFIX}{due.isoformat()}", due
    if grouping == "week":
        year, week, weekday = due.isocalendar()
        return f"{MILESTONE_PREFIX}{year}-W{week:02d}", due + timedelta(days=7 - weekday)
    last = calendar.monthrange(due.year, due.month)[1]
    return f"{MILESTONE_PREFIX}{due.year}-{due.month:02d}", date(due.year, due.month, last)


def milestone_due_on(day: date) -> datetime:
    """Noon UTC, so GitHub's Pacific-midnight normalisation keeps the same date."""
    return datetime(day.year, day.month, day.day, 12, tzinfo=UTC)


def exact_milestone_date(milestone: Mapping[str, Any] | None) -> date | None:
    """The date a `due YYYY-MM-DD` milestone stands for."""
    title = str((milestone or {}).get("title") or "")
    if title.startswith(MILESTONE_PREFIX):
        rest = title[len(MILESTONE_PREFIX) :].strip()
        if len(rest) == 10:
            try:
                return date.fromisoformat(rest)
            except ValueError:
                return None
    return None


def is_grouping(milestone: Mapping[str, Any] | None) -> bool:
    """A tracker milestone that groups dates (`due 2026-06`, `due 2026-W23`)."""
    title = str((milestone or {}).get("title") or "")
    return title.startswith(MILESTONE_PREFIX) and exact_milestone_date(milestone) is None


def issue_due(raw: Mapping[str, Any]) -> date | None:
    """An issue's due date (see the module docs for the order)."""
    milestone = raw.get("milestone")
    exact = exact_milestone_date(milestone)
    if exact is not None:
        return exact
    found, due = due_in_body(raw.get("body"))
    if found:
        return due
    if not milestone or is_grouping(milestone) or not milestone.get("due_on"):
        return None
    # GitHub stores Pacific midnight (07:00/08:00 UTC) of the date: the UTC date is right.
    text = str(milestone["due_on"]).replace("Z", "+00:00")
    return datetime.fromisoformat(text).astimezone(UTC).date()
