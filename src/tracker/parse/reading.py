"""How an item reads, field by field: what an edit of another item must leave alone.

The editor re-parses the document after every edit and compares readings: an edit of
one cell may change only that item's fields that the cell feeds, and nothing of any
other item (a column added to a table gives the other rows an empty cell, nothing more).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from tracker.model import ActionItem

# The fields a cell (or list field) feeds: an edit of it may change these and no others.
TABLE_FEEDS: dict[str, frozenset[str]] = {
    "ticket": frozenset({"tickets", "status"}),  # `**TODO**` in a ticket cell is a status
    "status": frozenset({"status", "tickets"}),  # links in a status cell are tickets
    "owner": frozenset({"owners"}),
    "due": frozenset({"due"}),
    "priority": frozenset({"priority"}),
    "action": frozenset({"id", "action"}),
    "type": frozenset({"type"}),
}
LIST_FEEDS: dict[str, frozenset[str]] = {
    "ticket": frozenset({"tickets", "raw"}),
    "status": frozenset({"status", "raw"}),
    "owner": frozenset({"owners", "raw"}),
    "due": frozenset({"due", "raw"}),
    "priority": frozenset({"priority", "raw"}),
    "type": frozenset({"raw"}),
}
FIELDS = (
    "id",
    "kind",
    "action",
    "owners",
    "due",
    "priority",
    "status",
    "tickets",
    "type",
    "raw",
    "extras",
    "table_index",
    "row_index",
)


def reading(item: ActionItem) -> dict[str, object]:
    """Every field a reader of the item sees (not its line: an edit may move it)."""
    return {
        "id": item.id,
        "kind": item.kind,
        "action": item.action,
        "owners": list(item.owners),
        "due": item.due,
        "priority": item.priority,
        "status": item.status,
        "tickets": [(ref.system, ref.key, ref.url) for ref in item.tickets],
        "type": item.type,
        "raw": dict(item.raw),
        "extras": dict(item.extras),
        "table_index": item.table_index,
        "row_index": item.row_index,
    }


def differences(
    before: dict[str, object],
    after: dict[str, object],
    *,
    allowed: Iterable[str] = (),
    edited_raw: str | None = None,
) -> list[str]:
    """Fields that read differently, except `allowed` ones.

    A cell that is new and empty (a column added to the item's table, or a short row
    padded to reach the written cell) is no change; `edited_raw` is the one raw cell the
    edit writes.
    """
    skip = set(allowed)
    changed = [
        name
        for name in FIELDS
        if name not in skip and name not in ("raw", "extras") and before[name] != after[name]
    ]
    for name in ("raw", "extras"):
        if name in skip:
            continue
        old, new = before[name], after[name]
        assert isinstance(old, dict) and isinstance(new, dict)
        for key in sorted((set(old) | set(new)) - ({edited_raw} if name == "raw" else set())):
            if key not in old and new.get(key) == "":
                continue
            if old.get(key) != new.get(key):
                changed.append(f"{name} {key}")
    return changed


def describe_change(
    before: Sequence[dict[str, object]],
    after: Sequence[ActionItem],
    *,
    edited: int | None,
) -> tuple[int, str] | None:
    """(index, what) of the first item other than `edited` that reads differently."""
    if len(after) != len(before):
        return (edited or 0, f"the document would hold {len(after)} items instead of {len(before)}")
    for index, (old, item) in enumerate(zip(before, after, strict=True)):
        if index == edited:
            continue
        changed = differences(old, reading(item))
        if changed:
            return index, ", ".join(changed)
    return None
