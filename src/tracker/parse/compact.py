"""Parsed items held compactly: a sync at 100,000 items keeps every one alive at once.

Most cells repeat across rows (an owner, a date, `P2`, `Open`, an empty cell), yet each
row's parse makes its own string and date objects for them: about a fifth of a parsed
item's memory. `compact_item` makes equal short values one shared object (interned
strings, one `date` per day), and the cleaned action the same object as its cell
when they are equal. Values and types are unchanged; only their identity is shared.
"""

from __future__ import annotations

import sys
from datetime import date

from tracker.model import ActionItem

SHORT = 40  # cells up to this length are interned (owners, dates, priorities, statuses)
_DATES: dict[date, date] = {}
_MAX_DATES = 20_000  # distinct days kept shared; more than any corpus spans


def compact_item(item: ActionItem) -> None:
    """Share `item`'s repeated values with every other item's (in place)."""
    raw = item.raw
    for column, text in raw.items():
        if column != "action" and len(text) <= SHORT:  # actions are mostly unique
            raw[column] = sys.intern(text)
    written = raw.get("action")
    if written is not None and written == item.action:
        item.action = written
    owners = item.owners
    for index, owner in enumerate(owners):
        owners[index] = _short(owner)
    if item.priority is not None:
        item.priority = _short(item.priority)
    if item.type is not None:
        item.type = _short(item.type)
    item.due = shared_date(item.due)


def shared_date(value: date | None) -> date | None:
    """One `date` object per day (dates are immutable)."""
    if value is None or type(value) is not date:
        return value
    kept = _DATES.get(value)
    if kept is not None:
        return kept
    if len(_DATES) < _MAX_DATES:
        _DATES[value] = value
    return value


def _short(text: str) -> str:
    return sys.intern(text) if len(text) <= SHORT else text
