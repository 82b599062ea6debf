"""The store's tables: what tracker remembers between runs.

Rows are never deleted when something disappears from a document: they get
`removed_at`, so history (status events, ticket links, report trends) stays intact.
Every timestamp is an aware UTC datetime (see `UTCDateTime`). Status values are the
strings of `tracker.model.Status`.

Schema changes go through a new Alembic revision in `tracker/store/migrations/versions`;
`tests/test_store_migrations.py` fails when these classes and the migrations disagree.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import (
    JSON,
    Column,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    false,
)
from sqlmodel import Field, SQLModel

from tracker.store.types import UTCDateTime

# One place for the metadata Alembic compares against.
metadata = SQLModel.metadata


def _utc(*, nullable: bool, index: bool = False) -> Any:
    return Field(sa_column=Column(UTCDateTime(), nullable=nullable, index=index))


class PostmortemRow(SQLModel, table=True):
    """One postmortem document, keyed by its path as the scanner reports it."""

    __tablename__ = "postmortem"

    id: int | None = Field(default=None, primary_key=True)
    path: str = Field(sa_column=Column(String(1024), nullable=False, unique=True))
    title: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    date: dt.date | None = None
    severity: str | None = Field(default=None, max_length=64)
    team: str = Field(max_length=200, index=True)
    language: str = Field(default="en", max_length=16)
    sha256: str | None = Field(default=None, max_length=64)
    last_scanned_at: dt.datetime = _utc(nullable=False)
    removed_at: dt.datetime | None = _utc(nullable=True)


class ActionItemRow(SQLModel, table=True):
    """One action item: the document's current view of it plus tracker's timestamps.

    `id` is the parser's stable item id. `owners` holds canonical person names (after
    alias resolution; an owner not in [[people]] is kept as written; each once) — the same
    names are in `item_owner`, which is what SQL aggregation should use (the report on
    SQLite counts the lists themselves, grouped: tracker.report.query). `doc_hash` fingerprints the
    document-owned fields so sync can tell what the document changed since the last run.
    """

    __tablename__ = "action_item"
    __table_args__ = (
        Index("ix_action_item_team_status", "team", "status"),
        Index("ix_action_item_status_due", "status", "due"),
        # A postmortem's items, and what the report's postmortem closure sums of them:
        # grouped by document, SQLite reads this index in order (no sort, no row
        # lookups). Replaced the plain postmortem_id index (migration 0005).
        Index(
            "ix_action_item_postmortem_closure",
            "postmortem_id",
            "status",
            "first_seen_at",
            "closed_at",
            "removed_at",
            "team",
        ),
    )

    id: str = Field(sa_column=Column(String(200), primary_key=True))
    postmortem_id: int = Field(
        sa_column=Column(Integer, ForeignKey("postmortem.id", ondelete="CASCADE"), nullable=False)
    )
    path: str = Field(sa_column=Column(String(1024), nullable=False))
    line: int
    action: str = Field(sa_column=Column(Text, nullable=False))
    owners: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    team: str = Field(max_length=200)
    due: dt.date | None = Field(default=None, index=True)
    # True when `due` is not written in the document but derived from the [policy] SLO.
    due_derived: bool = Field(default=False, sa_column_kwargs={"server_default": false()})
    slo_due: dt.date | None = Field(default=None)  # start + the item's SLO ([policy])
    priority: str | None = Field(default=None, max_length=16)
    status: str = Field(max_length=16)
    type: str | None = Field(default=None, max_length=100)
    first_seen_at: dt.datetime = _utc(nullable=False)
    updated_at: dt.datetime = _utc(nullable=False)
    closed_at: dt.datetime | None = _utc(nullable=True)
    removed_at: dt.datetime | None = _utc(nullable=True, index=True)
    doc_hash: str = Field(max_length=64)


class ItemOwner(SQLModel, table=True):
    """Item ↔ canonical owner name, so "per owner" and "unowned" are plain SQL."""

    __tablename__ = "item_owner"

    item_id: str = Field(
        sa_column=Column(
            String(200), ForeignKey("action_item.id", ondelete="CASCADE"), primary_key=True
        )
    )
    person: str = Field(sa_column=Column(String(200), primary_key=True, index=True))


class TicketLink(SQLModel, table=True):
    """A ticket an item is linked to; (system, key) identifies the ticket everywhere."""

    __tablename__ = "ticket_link"
    __table_args__ = (UniqueConstraint("system", "key", name="uq_ticket_link_system_key"),)

    id: int | None = Field(default=None, primary_key=True)
    item_id: str = Field(
        sa_column=Column(
            String(200),
            ForeignKey("action_item.id", ondelete="CASCADE"),
            nullable=False,
            index=True,
        )
    )
    system: str = Field(max_length=32)
    key: str = Field(max_length=512)
    url: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    remote_status: str | None = Field(default=None, max_length=16)
    remote_updated_at: dt.datetime | None = _utc(nullable=True)
    last_seen_at: dt.datetime | None = _utc(nullable=True)
    created_by_tracker: bool = False


class StatusEvent(SQLModel, table=True):
    """An item changed status (`from_status` is None when it was first seen)."""

    __tablename__ = "status_event"
    __table_args__ = (Index("ix_status_event_item_at", "item_id", "at"),)

    id: int | None = Field(default=None, primary_key=True)
    item_id: str = Field(
        sa_column=Column(
            String(200), ForeignKey("action_item.id", ondelete="CASCADE"), nullable=False
        )
    )
    from_status: str | None = Field(default=None, max_length=16)
    to_status: str = Field(max_length=16)
    at: dt.datetime = _utc(nullable=False, index=True)
    # "document" or a connector's name ("jira", …): as wide as Ticket.system
    source: str = Field(max_length=32)


class SyncRun(SQLModel, table=True):
    """One run of sync, report or digest: what `tracker status` shows."""

    __tablename__ = "sync_run"

    id: int | None = Field(default=None, primary_key=True)
    kind: str = Field(max_length=16, index=True)  # "sync" | "report" | "digest"
    started_at: dt.datetime = _utc(nullable=False, index=True)
    finished_at: dt.datetime | None = _utc(nullable=True)
    outcome: str = Field(max_length=16)  # running | ok | partial | failed | interrupted
    counts: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    host: str = Field(max_length=255)
    pid: int
    message: str | None = Field(default=None, sa_column=Column(Text, nullable=True))


class Reminder(SQLModel, table=True):
    """When an item was last nudged, so a restart never repeats a reminder."""

    __tablename__ = "reminder"

    item_id: str = Field(
        sa_column=Column(
            String(200), ForeignKey("action_item.id", ondelete="CASCADE"), primary_key=True
        )
    )
    kind: str = Field(sa_column=Column(String(32), primary_key=True))
    last_sent_at: dt.datetime = _utc(nullable=False)


class SyncState(SQLModel, table=True):
    """Small named values that must survive runs (e.g. per-project high-water marks)."""

    __tablename__ = "sync_state"

    key: str = Field(sa_column=Column(String(255), primary_key=True))
    value: str = Field(sa_column=Column(Text, nullable=False))
    updated_at: dt.datetime = _utc(nullable=False)


class DocumentCache(SQLModel, table=True):
    """A document a sync found settled: same bytes and settings next time → not re-read.

    `fingerprint` covers everything besides the bytes that decides an item's outcome
    (the configuration, tracker's code, the schema); `scopes` are the read scopes its
    linked items live in, so their tickets are still read while the document is skipped.
    """

    __tablename__ = "document_cache"

    path: str = Field(sa_column=Column(String(1024), primary_key=True))
    sha256: str = Field(max_length=64)
    fingerprint: str = Field(max_length=64)
    item_count: int = 0
    scopes: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    updated_at: dt.datetime = _utc(nullable=False)
