"""What sync remembers per item (the baseline) and per read scope (high-water marks).

The baseline is vdirsyncer's status row: the fields each side had when the two last
agreed. It lives in the store's `sync_state` table as JSON under `sync.item:<id>`, next
to the store's `ticket_link` row that other commands (report, reminders) read. Both are
written in one transaction, per create batch right after the create returns, so a crash
never loses a ticket that was made.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import delete, select
from sqlmodel import Session

from tracker.model import URL_SYSTEM, Status, TicketRef
from tracker.store import Store
from tracker.store.models import ActionItemRow, StatusEvent, SyncState, TicketLink
from tracker.store.types import as_utc
from tracker.sync.fields import Fields

_STATE = SyncState.__table__  # type: ignore[attr-defined]
_ITEM = ActionItemRow.__table__  # type: ignore[attr-defined]
_LINK = TicketLink.__table__  # type: ignore[attr-defined]
ITEM_PREFIX = "sync.item:"
HWM_PREFIX = "sync.hwm:"
FULL_READ_PREFIX = "sync.full:"
INTENT_PREFIX = "sync.intent:"  # see tracker.sync.intents
_WRITE_LOCK = threading.Lock()  # SQLite allows one writer; apply threads take turns


@dataclass(frozen=True)
class Baseline:
    """The last agreed state of one item ↔ ticket link."""

    item_id: str
    system: str
    key: str
    url: str | None
    doc: Fields
    ticket: Fields
    seen: Fields | None = None  # the ticket as last read (differs from `ticket` while in conflict)
    retired: str | None = None  # "row deleted" / "ticket deleted": reported, no longer synced
    path: str | None = None
    created_by_tracker: bool = False
    remote_updated_at: datetime | None = None

    @property
    def ref(self) -> TicketRef:
        return TicketRef(self.system or URL_SYSTEM, self.key, self.url)

    @property
    def last_seen(self) -> Fields:
        """The ticket's fields as last read: what it still says if this run didn't see it change."""
        return self.seen or self.ticket

    def with_sides(self, doc: Fields, ticket: Fields, seen: Fields) -> Baseline:
        return replace(self, doc=doc, ticket=ticket, seen=seen)

    def retire(self, reason: str) -> Baseline:
        return replace(self, retired=reason)

    def to_json(self) -> str:
        data: dict[str, Any] = {
            "system": self.system,
            "key": self.key,
            "url": self.url,
            "doc": self.doc.to_json(),
            "ticket": self.ticket.to_json(),
            "seen": self.seen.to_json() if self.seen else None,
            "retired": self.retired,
            "created_by_tracker": self.created_by_tracker,
        }
        return json.dumps(data, sort_keys=True, ensure_ascii=False)

    @classmethod
    def from_json(cls, item_id: str, text: str) -> Baseline:
        data = json.loads(text)
        return cls(
            item_id=item_id,
            system=data["system"],
            key=data["key"],
            url=data.get("url"),
            doc=Fields.from_json(data["doc"]),
            ticket=Fields.from_json(data["ticket"]),
            seen=Fields.from_json(data["seen"]) if data.get("seen") else None,
            retired=data.get("retired"),
            created_by_tracker=bool(data.get("created_by_tracker")),
        )


def load_baselines(store: Store) -> dict[str, Baseline]:
    """Every item's baseline, with the path the store last saw the item at."""
    with store.session() as session:
        rows = session.execute(
            select(_STATE.c.key, _STATE.c.value).where(_STATE.c.key.startswith(ITEM_PREFIX))
        ).all()
        paths: dict[str, str] = {
            row.id: row.path for row in session.execute(select(_ITEM.c.id, _ITEM.c.path))
        }
    baselines = {}
    for key, value in rows:
        item_id = key[len(ITEM_PREFIX) :]
        baselines[item_id] = replace(Baseline.from_json(item_id, value), path=paths.get(item_id))
    return baselines


def save_baselines(
    store: Store,
    baselines: Iterable[Baseline],
    *,
    now: datetime | None = None,
    unlink: Iterable[str] = (),
    settled: Iterable[str] = (),
) -> None:
    """Store baselines and their ticket links in one transaction; the create intents of
    `settled` items are cleared in the same one (their ticket is recorded)."""
    moment = now or datetime.now(UTC)
    with _WRITE_LOCK, store.session() as session:
        for baseline in baselines:
            _put_state(session, ITEM_PREFIX + baseline.item_id, baseline.to_json(), moment)
            _put_link(session, baseline, moment)
        for item_id in unlink:
            session.execute(delete(_LINK).where(_LINK.c.item_id == item_id))
        for item_id in settled:
            session.execute(delete(_STATE).where(_STATE.c.key == INTENT_PREFIX + item_id))


def read_state(store: Store, prefix: str) -> dict[str, str]:
    """The `sync_state` values under `prefix`, keyed by the rest of their key."""
    with store.session() as session:
        rows = session.execute(
            select(_STATE.c.key, _STATE.c.value).where(_STATE.c.key.startswith(prefix))
        ).all()
    return {key[len(prefix) :]: value for key, value in rows}


def write_state(
    store: Store, prefix: str, values: Mapping[str, str], *, now: datetime | None = None
) -> None:
    """Insert or replace `prefix + name` → value, in one transaction."""
    moment = now or datetime.now(UTC)
    with _WRITE_LOCK, store.session() as session:
        for name, value in values.items():
            _put_state(session, prefix + name, value, moment)


def delete_state(store: Store, prefix: str, names: Iterable[str]) -> None:
    keys = [prefix + name for name in names]
    if keys:
        with _WRITE_LOCK, store.session() as session:
            session.execute(delete(_STATE).where(_STATE.c.key.in_(keys)))


def _put_state(session: Session, key: str, value: str, now: datetime) -> None:
    row = session.get(SyncState, key)
    if row is None:
        session.add(SyncState(key=key, value=value, updated_at=now))
    elif row.value != value:
        row.value = value
        row.updated_at = now


def _put_link(session: Session, baseline: Baseline, now: datetime) -> None:
    """One ticket_link row per ticket: found by (system, key) — possibly written by the
    document scan or under an item's earlier id — else by the item, else inserted."""
    if baseline.retired:
        return
    link = session.scalars(
        select(TicketLink).where(_LINK.c.system == baseline.system, _LINK.c.key == baseline.key)
    ).first()
    if link is None:
        link = session.scalars(
            select(TicketLink).where(
                _LINK.c.item_id == baseline.item_id, _LINK.c.system == baseline.system
            )
        ).first()
    if link is None:
        link = TicketLink(item_id=baseline.item_id, system=baseline.system, key=baseline.key)
        session.add(link)
    link.item_id = baseline.item_id
    link.system = baseline.system
    link.key = baseline.key
    link.url = baseline.url
    link.remote_status = baseline.last_seen.status
    link.last_seen_at = now
    if baseline.remote_updated_at is not None:
        link.remote_updated_at = as_utc(baseline.remote_updated_at)
    link.created_by_tracker = link.created_by_tracker or baseline.created_by_tracker


def record_status_events(
    store: Store, events: Iterable[tuple[str, str, str, str]], *, now: datetime | None = None
) -> None:
    """(item id, from, to, source) status changes the ticket brought into the document.

    The item's stored status moves with it (and `closed_at`, by the recording's rule),
    so the next document scan sees no change and records no second ("document") event
    for the same transition.
    """
    from tracker.store.recording import closed_at_after

    moment = now or datetime.now(UTC)
    with _WRITE_LOCK, store.session() as session:
        for item_id, old, new, source in events:
            item = session.get(ActionItemRow, item_id)
            if item is not None:
                item.closed_at = closed_at_after(
                    Status(item.status), item.closed_at, Status(new), moment
                )
                item.status = new
                item.updated_at = moment
            session.add(
                StatusEvent(
                    item_id=item_id, from_status=old, to_status=new, at=moment, source=source
                )
            )


def load_high_water_marks(store: Store, prefix: str = HWM_PREFIX) -> dict[str, datetime]:
    """Per read scope ("jira:ENG"), where the next incremental read starts (or, with
    `FULL_READ_PREFIX`, when the scope was last listed whole)."""
    return {
        scope: datetime.fromisoformat(value) for scope, value in read_state(store, prefix).items()
    }


def save_high_water_marks(
    store: Store,
    marks: dict[str, datetime],
    prefix: str = HWM_PREFIX,
    *,
    now: datetime | None = None,
) -> None:
    values = {scope: as_utc(moment).isoformat() for scope, moment in marks.items()}
    write_state(store, prefix, values, now=now)
