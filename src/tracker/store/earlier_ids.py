"""Stored items keep their rows when a parser upgrade changes their ids.

An item id hashes the action text, and a newer parser cleans that text (link words,
bare URLs, `(Done)` notes, CJK line breaks: `tracker.parse.text`), so an item synced by
the previous release comes back under a new id. The parser says which id the previous
release gave it (`ActionItem.earlier_id`); this module renames the stored row to the new
id — with its owners, ticket links, status history, reminders and sync state — so the
upgrade shows no removed/new pair, no second ticket and no lost history.

A row is renamed only when it is certain: the store has a row under the earlier id at
the same document path, nothing is stored under the new id yet, and no item read now
has the earlier id as its own id.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from sqlalchemy import Connection, insert, select, update

from tracker.model import ActionItem
from tracker.store.models import (
    ActionItemRow,
    ItemOwner,
    Reminder,
    StatusEvent,
    SyncState,
    TicketLink,
)

_ITEM = ActionItemRow.__table__  # type: ignore[attr-defined]
_CHILDREN = (  # every table whose rows hang off an item id
    ItemOwner.__table__,  # type: ignore[attr-defined]
    TicketLink.__table__,  # type: ignore[attr-defined]
    StatusEvent.__table__,  # type: ignore[attr-defined]
    Reminder.__table__,  # type: ignore[attr-defined]
)
_STATE = SyncState.__table__  # type: ignore[attr-defined]
# sync_state keys that end in an item id (tracker.sync.state: baselines and create intents).
STATE_PREFIXES = ("sync.item:", "sync.intent:")


def earlier_renames(
    items: Iterable[tuple[ActionItem, str]], stored: Mapping[str, str | None]
) -> dict[str, str]:
    """earlier id → id for items stored under the id the previous release gave them.

    `items` are the items read now with their documents' canonical paths; `stored` maps
    each stored id to its document path (canonical, as recorded).
    """
    items = list(items)
    current = {item.id for item, _ in items}
    renames: dict[str, str] = {}
    for item, path in items:
        earlier = item.earlier_id
        if (
            earlier is not None
            and earlier in stored
            and stored[earlier] == path
            and item.id not in stored
            and earlier not in current
            and earlier not in renames
        ):
            renames[earlier] = item.id
    return renames


def rekey_items(connection: Connection, items: Iterable[tuple[ActionItem, str]]) -> int:
    """Rename stored items to the ids the parser gives them now; how many were renamed.

    `items` as for `earlier_renames`; the caller's transaction holds every rename."""
    items = [(item, path) for item, path in items if item.earlier_id is not None]
    if not items:
        return 0
    stored = {row.id: row.path for row in connection.execute(select(_ITEM.c.id, _ITEM.c.path))}
    renames = earlier_renames(items, stored)
    for old, new in renames.items():
        row = connection.execute(select(_ITEM).where(_ITEM.c.id == old)).mappings().one()
        connection.execute(insert(_ITEM).values({**row, "id": new}))
        for table in _CHILDREN:
            connection.execute(update(table).where(table.c.item_id == old).values(item_id=new))
        for prefix in STATE_PREFIXES:
            connection.execute(
                update(_STATE).where(_STATE.c.key == prefix + old).values(key=prefix + new)
            )
        connection.execute(_ITEM.delete().where(_ITEM.c.id == old))
    return len(renames)
