"""Recording a scan into the store: items, their status history, what disappeared.

One scan is recorded in one transaction with bulk statements (SQLAlchemy Core), so a
10,000-item document set records in seconds and a failure leaves nothing half-written.
Items are compared with their stored rows a batch of documents at a time (`RECORD_BATCH`),
so memory does not grow with the rows already stored.
Recording is idempotent: an unchanged document set writes nothing at all — not even
timestamps — so `updated_at` means "the document changed this item".
Rows that disappear get `removed_at` (never deleted) and lose it if they come back.
Items without action text (a template's empty row; the parser warns `empty-action`)
are not recorded: nobody can act on, remind about or report an item that says nothing.
Documents are stored under `canonical_path` (relative to the config file's folder), so
`tracker sync postmortems/` and `tracker sync /abs/path/postmortems` name the same rows.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta
from functools import lru_cache
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, bindparam, delete, insert, select, update

from tracker.config import Config
from tracker.model import ActionItem, Postmortem, Status
from tracker.store.chunks import chunks
from tracker.store.db import Store
from tracker.store.earlier_ids import rekey_items
from tracker.store.models import ActionItemRow, ItemOwner, PostmortemRow, StatusEvent, TicketLink
from tracker.store.routing import Router
from tracker.store.types import as_utc

RECORD_BATCH = 200  # documents whose items are compared with the store at once
_POSTMORTEM = PostmortemRow.__table__  # type: ignore[attr-defined]
_ITEM = ActionItemRow.__table__  # type: ignore[attr-defined]
_OWNER = ItemOwner.__table__  # type: ignore[attr-defined]
_EVENT = StatusEvent.__table__  # type: ignore[attr-defined]
_LINK = TicketLink.__table__  # type: ignore[attr-defined]

# Columns compared to decide whether a document or an item changed.
_DOC_FIELDS = ("title", "date", "severity", "team", "language", "sha256")
_ITEM_FIELDS = (
    "postmortem_id",
    "path",
    "line",
    "action",
    "owners",
    "team",
    "due",
    "due_derived",
    "slo_due",
    "priority",
    "status",
    "type",
    "doc_hash",
)


@dataclass(slots=True)
class RecordResult:
    """What one recording changed (counts of items, except `documents`)."""

    new: int = 0
    changed: int = 0
    status_changes: int = 0
    removed: int = 0
    unchanged: int = 0
    restored: int = 0  # also counted in `changed`
    renamed: int = 0  # stored under the id an earlier parser gave them (store.earlier_ids)
    documents: int = 0
    warnings: list[str] = field(default_factory=list)

    def counts(self) -> dict[str, int]:
        """The figures a sync_run row keeps."""
        return {
            "documents": self.documents,
            "new": self.new,
            "changed": self.changed,
            "status_changes": self.status_changes,
            "removed": self.removed,
            "restored": self.restored,
            "unchanged": self.unchanged,
        }

    @property
    def wrote_anything(self) -> bool:
        return bool(self.new or self.changed or self.removed)


def item_doc_hash(item: ActionItem, owners: Sequence[str]) -> str:
    """Fingerprint of the fields the document owns, so sync can see document edits."""
    payload = [
        item.action,
        sorted(owners),
        item.due.isoformat() if item.due else None,
        item.priority,
        str(item.status),
        item.type,
        sorted(f"{ticket.system}:{ticket.key}" for ticket in item.tickets),
    ]
    encoded = json.dumps(payload, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(encoded.encode("utf-8")).hexdigest()


def canonical_path(path: str | Path, base_dir: Path) -> str:
    """How the store names a document: relative to the config's folder when inside it
    (POSIX form), else absolute — the same file gets one name however it was given."""
    absolute = Path(os.path.abspath(path))
    base = _resolved(base_dir)
    try:
        return absolute.relative_to(base).as_posix()
    except ValueError:
        pass
    try:
        return absolute.resolve().relative_to(base).as_posix()
    except ValueError:
        return absolute.as_posix()


@lru_cache(maxsize=16)
def _resolved(base_dir: Path) -> Path:
    """The config folder with symlinks resolved, once per process (a night names
    thousands of documents against it)."""
    return base_dir.resolve()


def closed_at_after(
    before: Status, closed_at: datetime | None, after: Status, now: datetime
) -> datetime | None:
    """An item's `closed_at` once its status moves from `before` to `after`: set when it
    becomes done / won't do, kept while it stays closed, cleared when it reopens. Sync
    follows the same rule when a ticket changes the status."""
    if not after.is_closed:
        return None
    return closed_at if before.is_closed and closed_at is not None else as_utc(now)


def _in_scope(path: str, scope: Sequence[str] | None) -> bool:
    if scope is None:
        return False
    for root in scope:
        root = root.rstrip("/")
        if path == root or path.startswith(root + "/") or root in ("", "."):
            return True
    return False


@dataclass(slots=True)
class _ScannedItem:
    item: ActionItem
    values: dict[str, Any]
    slo_days: int | None = None  # [policy]: the SLO for its priority / document severity
    start: date | None = None  # the postmortem's date: where the SLO counts from


def _with_slo(values: dict[str, Any], entry: _ScannedItem, first_seen: datetime) -> None:
    """Fill slo_due (start + SLO; start is the postmortem's date, else the first-seen day)
    and, when the document gives no due date, the derived one."""
    slo_due = None
    if entry.slo_days is not None:
        slo_due = (entry.start or as_utc(first_seen).date()) + timedelta(days=entry.slo_days)
    values["slo_due"] = slo_due
    values["due_derived"] = entry.item.due is None and slo_due is not None
    values["due"] = entry.item.due or slo_due


class _Recorder:
    """One recording pass; holds the scan and the store's current rows while comparing."""

    def __init__(self, connection: Connection, config: Config, now: datetime, source: str):
        self.connection = connection
        self.router = Router(config)
        self.now = as_utc(now)
        self.source = source
        self.result = RecordResult()
        self._unread: set[str] = set()  # canonical paths of documents not read whole
        self._unread_doc_ids: set[int] = set()

    def record(
        self,
        postmortems: Iterable[Postmortem],
        scope: Sequence[str] | None,
        unchanged: Collection[str] = (),
    ) -> None:
        base_dir = self.router.config.base_dir
        self._unchanged = set(unchanged)
        documents = [replace(doc, path=canonical_path(doc.path, base_dir)) for doc in postmortems]
        if scope is not None:
            scope = [canonical_path(root, base_dir) for root in scope]
        self.result.documents = len(documents)
        pairs = ((item, doc.path) for doc in documents for item in doc.items)
        self.result.renamed = rekey_items(self.connection, pairs)
        teams = {doc.path: self._route(doc) for doc in documents}
        # A document not read whole this time keeps what was recorded of it: its row and
        # items stay as they were (a too-large or unreadable file is no deleted file).
        self._unread = {doc.path for doc in documents if doc.unread}
        doc_ids = self._record_postmortems(documents, teams, scope)
        self._unread_doc_ids = {doc_ids[path] for path in self._unread}
        read_ids = {doc_id for path, doc_id in doc_ids.items() if path not in self._unread}
        # Items are compared a batch of documents at a time, each batch with the stored
        # rows of its own items only: at 100,000 items holding every stored row and every
        # scanned item's values at once cost hundreds of MB. Removals wait for the last
        # batch (an item may have moved to a document of a later batch).
        seen: dict[str, ActionItem] = {}  # item id → the item first read under it
        for batch in chunks(documents, RECORD_BATCH):
            self._record_items(self._scanned_items(batch, teams, doc_ids, seen))
        self._record_removals(seen, read_ids, scope)

    def _route(self, doc: Postmortem) -> str:
        owners = [
            owner for item in doc.items for owner in self.router.canonical_owners(item.owners)
        ]
        return self.router.team_for(doc, owners)

    # -- documents -----------------------------------------------------------------

    def _record_postmortems(
        self, documents: list[Postmortem], teams: dict[str, str], scope: Sequence[str] | None
    ) -> dict[str, int]:
        """Insert new documents, update changed ones, mark vanished ones; path → id."""
        existing = {
            row.path: row
            for row in self.connection.execute(
                select(
                    _POSTMORTEM.c.id,
                    _POSTMORTEM.c.path,
                    _POSTMORTEM.c.removed_at,
                    *(_POSTMORTEM.c[name] for name in _DOC_FIELDS),
                )
            )
        }
        inserts, updates = [], []
        for doc in documents:
            values = {
                "title": doc.title,
                "date": doc.date,
                "severity": doc.severity,
                "team": teams[doc.path],
                "language": doc.language,
                "sha256": doc.sha256,
            }
            row = existing.get(doc.path)
            if row is not None and doc.path in self._unread:
                continue
            if row is None:
                inserts.append({"path": doc.path, "last_scanned_at": self.now, **values})
            elif row.removed_at is not None or any(
                getattr(row, name) != value for name, value in values.items()
            ):
                updates.append(
                    {"b_id": row.id, "last_scanned_at": self.now, "removed_at": None, **values}
                )
        if inserts:
            self.connection.execute(insert(_POSTMORTEM), inserts)
        if updates:
            self.connection.execute(
                update(_POSTMORTEM).where(_POSTMORTEM.c.id == bindparam("b_id")), updates
            )
        seen = {doc.path for doc in documents}
        vanished = [
            {"b_id": row.id, "removed_at": self.now}
            for path, row in existing.items()
            if path not in seen
            and path not in self._unchanged
            and row.removed_at is None
            and _in_scope(path, scope)
        ]
        if vanished:
            self.connection.execute(
                update(_POSTMORTEM).where(_POSTMORTEM.c.id == bindparam("b_id")), vanished
            )
        ids = {row.path: row.id for row in existing.values()}
        if inserts:
            for chunk in chunks([value["path"] for value in inserts]):
                ids.update(
                    (row.path, row.id)
                    for row in self.connection.execute(
                        select(_POSTMORTEM.c.id, _POSTMORTEM.c.path).where(
                            _POSTMORTEM.c.path.in_(chunk)
                        )
                    )
                )
        self._vanished_doc_ids = {value["b_id"] for value in vanished}
        return {path: ids[path] for path in seen}

    # -- items ---------------------------------------------------------------------

    def _scanned_items(
        self,
        documents: Sequence[Postmortem],
        teams: dict[str, str],
        doc_ids: dict[str, int],
        seen: dict[str, ActionItem],
    ) -> dict[str, _ScannedItem]:
        """One batch's items; `seen` (every batch's, so far) keeps an id used twice once."""
        scanned: dict[str, _ScannedItem] = {}
        for doc in documents:
            for item in doc.items:
                if not item.action.strip():
                    continue  # no action text (the parser warns empty-action): not tracked
                other = seen.get(item.id)
                if other is not None:
                    self.result.warnings.append(
                        f"{item.path}:{item.line}: item id {item.id} also used at "
                        f"{other.path}:{other.line}; recorded once"
                    )
                    continue
                seen[item.id] = item  # the item itself: no (path, line) pair per item
                owners = self.router.canonical_owners(item.owners)
                policy = self.router.config.policy
                scanned[item.id] = _ScannedItem(
                    item,
                    {
                        "postmortem_id": doc_ids[doc.path],
                        "path": doc.path,
                        "line": item.line,
                        "action": item.action,
                        "owners": owners,
                        "team": teams[doc.path],
                        "due": item.due,
                        "priority": item.priority,
                        "status": str(item.status),
                        "type": item.type,
                        "doc_hash": item_doc_hash(item, owners),
                    },
                    slo_days=policy.slo_days(item.priority, doc.severity) if policy else None,
                    start=doc.date,
                )
        return scanned

    def _record_items(self, scanned: dict[str, _ScannedItem]) -> None:
        """Insert or update one batch's items, compared with their stored rows."""
        columns = [
            _ITEM.c.id,
            _ITEM.c.closed_at,
            _ITEM.c.removed_at,
            _ITEM.c.first_seen_at,
            *(_ITEM.c[name] for name in _ITEM_FIELDS),
        ]
        existing: dict[str, Any] = {}
        for chunk in chunks(list(scanned)):
            existing.update(
                (row.id, row)
                for row in self.connection.execute(select(*columns).where(_ITEM.c.id.in_(chunk)))
            )
        inserts: list[dict[str, Any]] = []
        updates: list[dict[str, Any]] = []
        events: list[dict[str, Any]] = []
        owners_changed: list[str] = []
        for item_id, entry in scanned.items():
            values = entry.values
            row = existing.get(item_id)
            _with_slo(values, entry, row.first_seen_at if row is not None else self.now)
            status = Status(values["status"])
            if row is None:
                inserts.append(
                    {
                        "id": item_id,
                        **values,
                        "first_seen_at": self.now,
                        "updated_at": self.now,
                        "closed_at": self.now if status.is_closed else None,
                        "removed_at": None,
                    }
                )
                events.append(self._event(item_id, None, status))
                owners_changed.append(item_id)
                self.result.new += 1
                continue
            if row.removed_at is None and all(
                getattr(row, name) == values[name] for name in _ITEM_FIELDS
            ):
                self.result.unchanged += 1
                continue
            closed_at = row.closed_at
            if row.status != values["status"]:
                events.append(self._event(item_id, Status(row.status), status))
                self.result.status_changes += 1
                closed_at = closed_at_after(Status(row.status), closed_at, status, self.now)
            if row.owners != values["owners"]:
                owners_changed.append(item_id)
            if row.removed_at is not None:
                self.result.restored += 1
            updates.append(
                {
                    "b_id": item_id,
                    **values,
                    "updated_at": self.now,
                    "closed_at": closed_at,
                    "removed_at": None,
                }
            )
            self.result.changed += 1
        self._write_items(inserts, updates, [], events)
        self._write_owners(owners_changed, scanned, replace=bool(updates))
        changed_ids = [value["id"] for value in inserts] + [value["b_id"] for value in updates]
        self._write_ticket_links(changed_ids, scanned)

    def _record_removals(
        self, scanned: Collection[str], read_ids: set[int], scope: Sequence[str] | None
    ) -> None:
        """Mark removed the live items no batch read: those of the documents read or
        vanished, and any still live in a removed document under the scope. Only their
        ids, documents and paths are read, a chunk of documents at a time."""
        columns = (_ITEM.c.id, _ITEM.c.postmortem_id, _ITEM.c.path)
        live = _ITEM.c.removed_at.is_(None)
        queries = [
            select(*columns).where(_ITEM.c.postmortem_id.in_(chunk), live)
            for chunk in chunks(sorted(read_ids | self._vanished_doc_ids))
        ]
        queries.append(
            select(*columns)
            .join(_POSTMORTEM, _POSTMORTEM.c.id == _ITEM.c.postmortem_id)
            .where(_POSTMORTEM.c.removed_at.is_not(None), live)
        )
        removals: dict[str, dict[str, Any]] = {}
        for query in queries:
            for row in self.connection.execute(query).all():
                if (
                    row.id not in scanned
                    and row.postmortem_id not in self._unread_doc_ids
                    and (
                        row.postmortem_id in read_ids
                        or row.postmortem_id in self._vanished_doc_ids
                        or _in_scope(row.path, scope)
                    )
                ):
                    removals[row.id] = {
                        "b_id": row.id,
                        "removed_at": self.now,
                        "updated_at": self.now,
                    }
        self.result.removed = len(removals)
        self._write_items([], [], list(removals.values()), [])

    def _event(self, item_id: str, before: Status | None, after: Status) -> dict[str, Any]:
        return {
            "item_id": item_id,
            "from_status": str(before) if before else None,
            "to_status": str(after),
            "at": self.now,
            "source": self.source,
        }

    def _write_items(
        self,
        inserts: list[dict[str, Any]],
        updates: list[dict[str, Any]],
        removals: list[dict[str, Any]],
        events: list[dict[str, Any]],
    ) -> None:
        by_id = _ITEM.c.id == bindparam("b_id")
        if inserts:
            self.connection.execute(insert(_ITEM), inserts)
        if updates:
            self.connection.execute(update(_ITEM).where(by_id), updates)
        if removals:
            self.connection.execute(update(_ITEM).where(by_id), removals)
        if events:
            self.connection.execute(insert(_EVENT), events)

    def _write_owners(
        self, item_ids: list[str], scanned: dict[str, _ScannedItem], *, replace: bool
    ) -> None:
        if not item_ids:
            return
        if replace:
            for chunk in chunks(item_ids):
                self.connection.execute(delete(_OWNER).where(_OWNER.c.item_id.in_(chunk)))
        rows = [
            {"item_id": item_id, "person": person}
            for item_id in item_ids
            for person in scanned[item_id].values["owners"]
        ]
        if rows:
            self.connection.execute(insert(_OWNER), rows)

    def _write_ticket_links(self, item_ids: list[str], scanned: dict[str, _ScannedItem]) -> None:
        """Tickets a document names are linked to their item, unless already linked."""
        wanted = {
            (str(ticket.system), ticket.key): (item_id, ticket.url)
            for item_id in item_ids
            for ticket in scanned[item_id].item.tickets
        }
        if not wanted:
            return
        known: set[tuple[str, str]] = set()
        for chunk in chunks(sorted({key for _, key in wanted})):
            known.update(
                (row.system, row.key)
                for row in self.connection.execute(
                    select(_LINK.c.system, _LINK.c.key).where(_LINK.c.key.in_(chunk))
                )
            )
        rows = [
            {
                "item_id": item_id,
                "system": system,
                "key": key,
                "url": url,
                "created_by_tracker": False,
            }
            for (system, key), (item_id, url) in wanted.items()
            if (system, key) not in known
        ]
        if rows:
            self.connection.execute(insert(_LINK), rows)


def record_documents(
    store: Store,
    postmortems: Iterable[Postmortem],
    config: Config,
    *,
    now: datetime,
    source: str = "document",
    scope: Sequence[str] | None = None,
    unchanged: Collection[str] = (),
) -> RecordResult:
    """Record scanned documents: new items, changes, status events, removals.

    Items missing from a scanned document are marked removed. `scope` lists the paths
    (files or folders, as the scanner reports paths) that were scanned completely:
    documents recorded under them but absent from `postmortems` are marked removed too.
    Without a scope, documents that weren't scanned are left alone. `unchanged` names
    (in canonical form) documents left unread because they are as recorded: they and
    their items stay as they are.
    """
    with store.engine.begin() as connection:
        recorder = _Recorder(connection, config, now, source)
        recorder.record(postmortems, scope, unchanged)
    return recorder.result


def record_paths(
    store: Store, config: Config, paths: Sequence[Path], *, now: datetime
) -> RecordResult:
    """`tracker sync` without a ticket system: scan `paths`, record them, log the run."""
    from tracker.documents import configured_documents  # late: keeps `tracker.store` parser-free

    run_id = store.start_run("sync", now=now)
    try:
        documents = configured_documents(config, paths)
        result = record_documents(
            store, documents, config, now=now, scope=[str(path) for path in paths]
        )
    except BaseException as error:
        outcome = "interrupted" if isinstance(error, KeyboardInterrupt) else "failed"
        store.finish_run(run_id, outcome, {}, message=type(error).__name__)
        raise
    store.finish_run(run_id, "ok", result.counts())
    return result
