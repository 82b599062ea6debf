"""What sync remembers per item (the baseline) and per read scope (high-water marks).

The baseline is vdirsyncer's status row: the fields each side had when the two last
agreed. It lives in the store's `sync_state` table as JSON under `sync.item:<id>`, next
to the store's `ticket_link` row that other commands (report, reminders) read. Both are
written in one transaction, per create batch right after the create returns, so a crash
never loses a ticket that was made.
"""

from __future__ import annotations

import json
import sys
import threading
from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import bindparam, delete, func, or_, select, update
from sqlmodel import Session

from tracker.model import URL_SYSTEM, ActionItem, Status, TicketRef
from tracker.store import Store
from tracker.store.chunks import IN_CHUNK, chunks
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


@dataclass(frozen=True, slots=True)
class Baseline:
    """The last agreed state of one item ↔ ticket link (slots: a run at 100k items
    holds a baseline per item)."""

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
        return self.ref_of(self.system, self.key, self.url)

    @staticmethod
    def ref_of(system: str | None, key: str, url: str | None) -> TicketRef:
        """A stored link as a TicketRef (no system: a plain URL)."""
        return TicketRef(system or URL_SYSTEM, key, url)

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
    def from_json(
        cls, item_id: str, text: str, *, path: str | None = None, row: ActionItem | None = None
    ) -> Baseline:
        """`row`: the item as parsed this run, whose equal strings (id, action, ticket
        key and URL) the baseline shares instead of holding copies decoded from JSON."""
        data = json.loads(text)
        key: str = data["key"]
        url: str | None = data.get("url")
        summary = None
        if row is not None:
            item_id, summary = row.id, row.action
            key, url = _row_strings(row, key, url)
        doc = Fields.from_json(data["doc"], summary=summary)
        ticket = _shared(Fields.from_json(data["ticket"], summary=doc.summary), doc)
        seen = (
            _shared(Fields.from_json(data["seen"], summary=ticket.summary), ticket)
            if data.get("seen")
            else None
        )
        return cls(
            item_id=item_id,
            system=sys.intern(data["system"]),  # a handful of names, 100,000 baselines
            key=key,
            url=url,
            doc=doc,
            ticket=ticket,
            seen=seen,
            retired=data.get("retired"),
            created_by_tracker=bool(data.get("created_by_tracker")),
            path=path,
        )


def _row_strings(row: ActionItem, key: str, url: str | None) -> tuple[str, str | None]:
    """The row's own key and URL strings where they equal the stored link's (most rows
    name their linked ticket: one string each instead of two at 100,000 items)."""
    for ref in row.tickets:
        if ref.key == key:
            key = ref.key
        if url is not None and ref.url == url:
            url = ref.url
    return key, url


def _shared(fields: Fields, same: Fields) -> Fields:
    """`same` when equal (Fields are frozen): sides that agree share one object, which
    at 100k baselines is most of their memory."""
    return same if fields == same else fields


def load_baselines(
    store: Store,
    *,
    item_ids: Iterable[str] | None = None,
    paths: Iterable[str] | None = None,
    tickets: Iterable[tuple[str, str]] = (),
    loaded: Collection[str] = (),
    rows: Mapping[str, ActionItem] | None = None,
) -> dict[str, Baseline]:
    """Baselines, with the path the store last saw each item at: every one when no
    selection is given, else those of `item_ids`, of the items recorded at `paths`, and
    of the items linked to `tickets` ((system, key or URL) pairs) — what an incremental
    run needs, without reading the rest. Items in `loaded` (the caller has them
    already) are left out of a selection rather than decoded a second time. `rows`: this
    run's parsed items by id, whose equal strings the baselines share (Baseline.from_json)."""
    baselines: dict[str, Baseline] = {}
    parsed = rows or {}
    shared: dict[str, str] = {}  # one string per document path, not one per item
    with store.session() as session:
        if item_ids is None and paths is None and not tickets:
            found: dict[str, str] = {
                row.id: shared.setdefault(row.path, row.path)
                for row in session.execute(select(_ITEM.c.id, _ITEM.c.path))
            }
            stored = session.execute(
                select(_STATE.c.key, _STATE.c.value).where(_STATE.c.key.startswith(ITEM_PREFIX))
            )
            _decode(stored, found, baselines, parsed)
        else:
            wanted = set(item_ids or ())
            for chunk in chunks(sorted(set(paths or ()))):
                wanted.update(session.scalars(select(_ITEM.c.id).where(_ITEM.c.path.in_(chunk))))
            wanted.update(_linked_items(session, tickets, skip=loaded))
            wanted.difference_update(loaded)
            for chunk in chunks(sorted(wanted)):
                found = {
                    row.id: shared.setdefault(row.path, row.path)
                    for row in session.execute(
                        select(_ITEM.c.id, _ITEM.c.path).where(_ITEM.c.id.in_(chunk))
                    )
                }
                stored = session.execute(
                    select(_STATE.c.key, _STATE.c.value).where(
                        _STATE.c.key.in_([ITEM_PREFIX + item_id for item_id in chunk])
                    )
                )
                _decode(stored, found, baselines, parsed)
    return baselines


def _decode(
    stored: Iterable[tuple[str, str]],
    paths: Mapping[str, str],
    into: dict[str, Baseline],
    rows: Mapping[str, ActionItem],
) -> None:
    """Decode stored baselines as they arrive (not after a list of all their JSON)."""
    for key, value in stored:
        item_id = key[len(ITEM_PREFIX) :]
        row = rows.get(item_id)
        if row is not None:
            item_id = row.id  # the row's string, not a copy per baseline
        into[item_id] = Baseline.from_json(item_id, value, path=paths.get(item_id), row=row)


def _linked_items(
    session: Session, tickets: Iterable[tuple[str, str]], *, skip: Collection[str] = ()
) -> set[str]:
    """Item ids the store links to these tickets (by key or by URL), less those in `skip`.

    Keys are looked up by the (system, key) index a chunk at a time. URLs have no index,
    so each chunk's `url IN (...)` scanned every link: with more names than one chunk
    (a `--full` night names every linked ticket), one pass over the system's links
    matches them instead (100,000 links: 400 scans → 1)."""
    by_system: dict[str, set[str]] = {}
    for system, name in tickets:
        by_system.setdefault(system, set()).add(name)
    items: set[str] = set()
    for system, names in by_system.items():
        if len(names) <= IN_CHUNK:
            ordered = sorted(names)
            query = select(_LINK.c.item_id).where(
                _LINK.c.system == system, or_(_LINK.c.key.in_(ordered), _LINK.c.url.in_(ordered))
            )
            items.update(item for item in session.scalars(query) if item not in skip)
            continue
        for chunk in chunks(sorted(names)):
            query = select(_LINK.c.item_id).where(_LINK.c.system == system, _LINK.c.key.in_(chunk))
            items.update(item for item in session.scalars(query) if item not in skip)
        urls = select(_LINK.c.item_id, _LINK.c.url).where(
            _LINK.c.system == system, _LINK.c.url.is_not(None)
        )
        items.update(
            item for item, url in session.execute(urls) if url in names and item not in skip
        )
    return items


def tickets_linked(
    baselines: Mapping[str, Baseline], tickets: Collection[tuple[str, str]]
) -> set[tuple[str, str]]:
    """Those of `tickets` ((system, key) pairs) a loaded baseline links: a set as small as
    `tickets`, not a pair per baseline (100,000 at a night's end; usually none asked)."""
    if not tickets:
        return set()
    return {pair for b in baselines.values() if (pair := (b.system, b.key)) in tickets}


def count_live_baselines(store: Store) -> int:
    """Items linked and still synced (not retired): the mass-closing guard's measure."""
    with store.session() as session:
        return int(
            session.scalar(
                select(func.count()).where(
                    _STATE.c.key.startswith(ITEM_PREFIX),
                    _STATE.c.value.contains('"retired": null'),
                )
            )
            or 0
        )


def recorded_writes(
    store: Store, system: str, keys: Iterable[str]
) -> dict[str, tuple[datetime | None, str | None]]:
    """Per ticket key, when tracker last saw it (`remote_updated_at`, after its own
    write or a read it planned from) and the status it saw then."""
    found: dict[str, tuple[datetime | None, str | None]] = {}
    with store.engine.connect() as connection:
        for chunk in chunks(sorted(set(keys))):
            for row in connection.execute(
                select(_LINK.c.key, _LINK.c.remote_updated_at, _LINK.c.remote_status).where(
                    _LINK.c.system == system, _LINK.c.key.in_(chunk)
                )
            ):
                moment = as_utc(row.remote_updated_at) if row.remote_updated_at else None
                found[row.key] = (moment, row.remote_status)
    return found


def note_tickets_seen(store: Store, seen: Mapping[tuple[str, str], tuple[datetime, str]]) -> None:
    """(system, key) → (updated_at, status) of tickets read this run that changed
    nothing: the next listing that shows them unchanged since can skip them."""
    if not seen:
        return
    rows = [
        {"b_system": system, "b_key": key, "remote_updated_at": as_utc(at), "remote_status": status}
        for (system, key), (at, status) in seen.items()
    ]
    with _WRITE_LOCK, store.engine.begin() as connection:
        connection.execute(
            update(_LINK).where(
                _LINK.c.system == bindparam("b_system"), _LINK.c.key == bindparam("b_key")
            ),
            rows,
        )


def items_linked_at(store: Store, tickets: Iterable[tuple[str, str]]) -> dict[tuple[str, str], str]:
    """(system, key) → the path of the live item linked to that ticket."""
    by_system: dict[str, set[str]] = {}
    for system, key in tickets:
        by_system.setdefault(system, set()).add(key)
    found: dict[tuple[str, str], str] = {}
    with store.engine.connect() as connection:
        for system, keys in by_system.items():
            for chunk in chunks(sorted(keys)):
                query = (
                    select(_LINK.c.key, _ITEM.c.path)
                    .join(_ITEM, _ITEM.c.id == _LINK.c.item_id)
                    .where(_LINK.c.system == system, _LINK.c.key.in_(chunk))
                )
                found.update(((system, row.key), row.path) for row in connection.execute(query))
    return found


def links_at(store: Store, paths: Iterable[str]) -> list[tuple[str, str, str | None]]:
    """(system, key, url) of the tickets linked to live items recorded at `paths`."""
    links: list[tuple[str, str, str | None]] = []
    with store.engine.connect() as connection:
        for chunk in chunks(sorted(set(paths))):
            query = (
                select(_LINK.c.system, _LINK.c.key, _LINK.c.url)
                .join(_ITEM, _ITEM.c.id == _LINK.c.item_id)
                .where(_ITEM.c.path.in_(chunk), _ITEM.c.removed_at.is_(None))
            )
            links += [(row.system, row.key, row.url) for row in connection.execute(query)]
    return links


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
        for count, baseline in enumerate(baselines, 1):
            _put_state(session, ITEM_PREFIX + baseline.item_id, baseline.to_json(), moment)
            _put_link(session, baseline, moment)
            if count % IN_CHUNK == 0:  # still one transaction; the session need not hold 100k rows
                session.flush()
                session.expunge_all()
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
