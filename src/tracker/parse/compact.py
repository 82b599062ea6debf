"""Parsed items held compactly: a sync at 100,000 items keeps every one alive at once.

Most cells repeat across rows (an owner, a date, `P2`, `Open`, an empty cell), yet each
row's parse makes its own string and date objects for them: about a fifth of a parsed
item's memory. `compact_item` makes equal short values one shared object (interned
strings, one `date` per day), and the cleaned action the same object as its cell
when they are equal; the cells go into a read-only `Cells` mapping and the lists are
copied to their exact size. Values are unchanged; only their identity is shared.
"""

from __future__ import annotations

import sys
from datetime import date

from tracker.model import ActionItem, Cells

SHORT = 40  # cells up to this length are interned (owners, dates, priorities, statuses)
_DATES: dict[date, date] = {}
_MAX_DATES = 20_000  # distinct days kept shared; more than any corpus spans


_NO_CELLS = Cells({})  # read only: every item without extra columns shares it


def compact_item(item: ActionItem) -> None:
    """Share `item`'s repeated values with every other item's (in place)."""
    raw = {
        column: sys.intern(text) if column != "action" and len(text) <= SHORT else text
        for column, text in item.raw.items()  # actions are mostly unique
    }
    written = raw.get("action")
    if written is not None and written == item.action:
        item.action = written
    item.raw = Cells(raw)
    item.extras = Cells(item.extras) if item.extras else _NO_CELLS
    # Exact-size copies: lists grown by append keep room for more (one owner or ticket:
    # 88 bytes instead of 64); nothing else holds these lists yet.
    item.owners = [_short(owner) for owner in item.owners][:]
    item.tickets = item.tickets[:]
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
