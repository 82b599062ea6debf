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
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import select

from tracker.config import Config
from tracker.model import ActionItem, Postmortem
from tracker.store.chunks import chunks
from tracker.store.db import Store
from tracker.store.models import ActionItemRow
from tracker.store.types import as_utc
from tracker.sync.plan import ItemPlan

PLACEHOLDERS = frozenset({"", "-", "—", "n/a", "na", "none", "tbd", "todo", "?", "待定", "无"})
_ITEM = ActionItemRow.__table__  # type: ignore[attr-defined]


def derived_dues(store: Store, documents: Iterable[Postmortem], config: Config) -> dict[str, date]:
    """Item id → the derived due date to write, for the open items of `documents` whose
    due cell is empty (or a placeholder); {} unless `write_derived_due` is on.

    Read from the store after this run recorded the documents, so the date is the one
    reports and reminders show (first-seen days included)."""
    policy = config.policy
    if policy is None or not policy.write_derived_due:
        return {}
    wanted = [item.id for doc in documents for item in doc.items if _wants_due(item)]
    return _column_by_id(
        store, wanted, _ITEM.c.slo_due, _ITEM.c.due_derived.is_(True), _ITEM.c.slo_due.is_not(None)
    )


def _wants_due(item: ActionItem) -> bool:
    """Open, with an action, and a due cell that is empty or a placeholder."""
    return (
        item.due is None
        and not item.status.is_closed
        and bool(item.action.strip())
        and (item.raw.get("due") or "").strip().casefold() in PLACEHOLDERS
    )


@dataclass(frozen=True)
class PlannedDue:
    """A derived due date `--dry-run` shows: where it would go, or why it would not."""

    path: str
    line: int
    item_id: str
    due: date
    skipped: str | None = None  # why the write-back would leave the cell empty


def planned_dues(
    store: Store,
    documents: Iterable[Postmortem],
    config: Config,
    *,
    now: datetime,
    add_missing_columns: bool,
) -> list[PlannedDue]:
    """What `derived_dues` would find once this run recorded `documents`, read without
    writing the store (`--dry-run`): the SLO counts from the postmortem's date, else from
    the day the store first saw the item (today for one it does not know yet)."""
    from tracker.policy import slo_deadline

    policy = config.policy
    if policy is None or not policy.write_derived_due:
        return []
    wanted = [(doc, item) for doc in documents for item in doc.items if _wants_due(item)]
    undated = [item.id for doc, item in wanted if doc.date is None]
    seen: dict[str, datetime] = _column_by_id(store, undated, _ITEM.c.first_seen_at)
    planned = []
    for doc, item in wanted:
        start = doc.date or as_utc(seen.get(item.id, now)).date()
        due = slo_deadline(policy, item.priority, doc.severity, start)
        if due is None:
            continue
        no_column = item.kind == "table" and "due" not in item.raw and not add_missing_columns
        why = "no Due column and add_missing_columns is off" if no_column else None
        planned.append(PlannedDue(doc.path, item.line, item.id, due, why))
    return planned


def _column_by_id(
    store: Store, item_ids: list[str], column: Any, *conditions: Any
) -> dict[str, Any]:
    """Item id → `column` for the stored items among `item_ids` that meet `conditions`,
    read in chunks (SQLite's bound-parameter limit)."""
    found: dict[str, Any] = {}
    with store.engine.connect() as connection:
        for chunk in chunks(item_ids):
            query = select(_ITEM.c.id, column).where(_ITEM.c.id.in_(chunk), *conditions)
            found.update({row[0]: row[1] for row in connection.execute(query)})
    return found


def without_ticket_dates(dues: Mapping[str, date], plans: Iterable[ItemPlan]) -> dict[str, date]:
    """`dues` less the items whose ticket, as read this run, has a due date."""
    if not dues:  # (most runs: `plans` is then not looked at)
        return {}
    dated = {plan.item_id for plan in plans if plan.seen is not None and plan.seen.due}
    return {item_id: due for item_id, due in dues.items() if item_id not in dated}


def due_text(due: date) -> str:
    """How a derived due date is written: ISO 8601, which every reader parses."""
    return due.isoformat()
