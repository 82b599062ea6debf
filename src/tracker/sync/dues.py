"""`[policy] write_derived_due = true`: the SLO's due date written into the documents.

An item with no written due date takes its SLO deadline as a *derived* due date
(tracker.policy; recorded as `slo_due`, the start being the postmortem's date, else the
day tracker first saw the item). With `write_derived_due` the sync's write-back writes
that date into the item's due cell, through the same cell-only editor as ticket links
(tracker.sync.writeback), so from the next run on it is a written due date like any
other. Only open items are given one (a closed item keeps its document as it was), a
due cell holding text tracker cannot read as a date ("after the launch") is left as
the person wrote it, and an item whose linked ticket has a due date of its own is left
too (the written date would replace the ticket's on the next sync). Where it goes: a table's Due column (added only with
`add_missing_columns`), a list item's `due:` field (appended in the document's style).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date

from sqlalchemy import select

from tracker.config import Config
from tracker.model import Postmortem
from tracker.store.db import Store
from tracker.store.models import ActionItemRow
from tracker.sync.plan import ItemPlan

PLACEHOLDERS = frozenset({"", "-", "—", "n/a", "na", "none", "tbd", "todo", "?", "待定", "无"})
_ITEM = ActionItemRow.__table__  # type: ignore[attr-defined]
_CHUNK = 500


def derived_dues(store: Store, documents: Iterable[Postmortem], config: Config) -> dict[str, date]:
    """Item id → the derived due date to write, for the open items of `documents` whose
    due cell is empty (or a placeholder); {} unless `write_derived_due` is on.

    Read from the store after this run recorded the documents, so the date is the one
    reports and reminders show (first-seen days included)."""
    policy = config.policy
    if policy is None or not policy.write_derived_due:
        return {}
    wanted = [
        item.id
        for doc in documents
        for item in doc.items
        if item.due is None
        and not item.status.is_closed
        and item.action.strip()
        and (item.raw.get("due") or "").strip().casefold() in PLACEHOLDERS
    ]
    found: dict[str, date] = {}
    with store.engine.connect() as connection:
        for start in range(0, len(wanted), _CHUNK):
            query = select(_ITEM.c.id, _ITEM.c.slo_due).where(
                _ITEM.c.id.in_(wanted[start : start + _CHUNK]),
                _ITEM.c.due_derived.is_(True),
                _ITEM.c.slo_due.is_not(None),
            )
            found.update({row.id: row.slo_due for row in connection.execute(query)})
    return found


def without_ticket_dates(dues: Mapping[str, date], plans: Iterable[ItemPlan]) -> dict[str, date]:
    """`dues` less the items whose ticket, as read this run, has a due date."""
    dated = {plan.item_id for plan in plans if plan.seen is not None and plan.seen.due}
    return {item_id: due for item_id, due in dues.items() if item_id not in dated}


def due_text(due: date) -> str:
    """How a derived due date is written: ISO 8601, which every reader parses."""
    return due.isoformat()
