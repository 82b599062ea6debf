"""The store's run history as the scheduler and `tracker status` read it."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from tracker.store import Store
    from tracker.store.models import SyncRun


def last_started(store: Store, kind: str) -> datetime | None:
    """When the latest run of `kind` started (any outcome: a failed run is not 'missed')."""
    from sqlmodel import col, select

    from tracker.store.models import SyncRun

    with store.session() as session:
        return session.exec(
            select(SyncRun.started_at)
            .where(SyncRun.kind == kind)
            .order_by(col(SyncRun.started_at).desc())
            .limit(1)
        ).first()


def recent_runs(database_url: str, limit: int) -> list[SyncRun]:
    """The latest runs, newest first; none (and nothing created) where no store exists yet."""
    from sqlmodel import col, select

    from tracker.store import open_store
    from tracker.store.db import store_exists
    from tracker.store.models import SyncRun

    if not store_exists(database_url):
        return []
    store = open_store(database_url, create=False)
    try:
        with store.session() as session:
            return list(
                session.exec(
                    select(SyncRun).order_by(col(SyncRun.started_at).desc()).limit(limit)
                ).all()
            )
    finally:
        store.close()
