"""What tracker remembers between runs: documents, items, tickets, status history, runs.

`open_store(url)` is the way in; the tables are in `tracker.store.models`.
"""

from __future__ import annotations

from tracker.store.db import Store, current_schema, open_store, upgrade_store
from tracker.store.revisions import head_revision

__all__ = ["Store", "current_schema", "head_revision", "open_store", "upgrade_store"]
