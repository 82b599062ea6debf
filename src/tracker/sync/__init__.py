"""Two-way sync between postmortem action items and tickets (plan, then apply).

`run_sync` is the public entry point; `tracker.sync.plan` holds the decision table.
Data flow: scan → read tickets (incremental) → plan → apply (ticket writes) → write
back into documents → record baselines, status events and high-water marks.
"""

from __future__ import annotations

from tracker.sync.engine import SyncProgress, SyncResult, run_sync

__all__ = ["SyncProgress", "SyncResult", "run_sync"]
