"""Create intents: a create is never repeated until a trusted read says it didn't happen.

Before every create call the store records, per item, that a ticket is about to be
made: where (system and target), the status it must end in, and a connector `hint`
(`Connector.creation_hint`) that lets `Connector.find_created` find it later with
reads that don't lag (Jira: issues by key above a known number; GitHub: the issue
listing). The intent outlives a lost answer, a crash or a failed follow-up:

- it is cleared when the item's ticket is recorded and shows the intended status, or
  when the create certainly did not happen (refused, or `unprocessed`);
- while it is pending and the item has no ticket, the next run asks `find_created`:
  found → the ticket is adopted; absent → created again (with a new intent);
  unknown → the item is deferred (exit 1), never created blindly.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime

from tracker.connectors import Target
from tracker.store import Store
from tracker.store.types import as_utc
from tracker.sync.state import INTENT_PREFIX, read_state, write_state

DEFERRED_NOTE = "a create's outcome is unclear; resolved on the next run"


@dataclass(frozen=True)
class Intent:
    """One item's pending create."""

    item_id: str
    target: Target
    status: str | None  # the status the ticket must end in (None: whatever it starts in)
    hint: Mapping[str, object] = field(default_factory=dict)
    at: datetime | None = None

    def satisfied_by(self, ticket_status: str) -> bool:
        return self.status is None or self.status == ticket_status

    def to_json(self) -> str:
        data = {
            "system": self.target.system,
            "project": self.target.project,
            "issue_type": self.target.issue_type,
            "repo": self.target.repo,
            "status": self.status,
            "hint": dict(self.hint),
            "at": as_utc(self.at).isoformat() if self.at else None,
        }
        return json.dumps(data, sort_keys=True, ensure_ascii=False)

    @classmethod
    def from_json(cls, item_id: str, text: str) -> Intent:
        data = json.loads(text)
        target = Target(
            system=str(data["system"]),
            project=data.get("project"),
            issue_type=str(data.get("issue_type") or "Task"),
            repo=data.get("repo"),
        )
        at = data.get("at")
        hint = data.get("hint")
        return cls(
            item_id=item_id,
            target=target,
            status=data.get("status"),
            hint=hint if isinstance(hint, dict) else {},
            at=datetime.fromisoformat(at) if at else None,
        )


def record_intents(store: Store, intents: Iterable[Intent], *, now: datetime | None = None) -> None:
    """One transaction per batch, before its create call."""
    values = {intent.item_id: intent.to_json() for intent in intents}
    write_state(store, INTENT_PREFIX, values, now=now)


def load_intents(store: Store) -> dict[str, Intent]:
    """Every pending intent, by item id (a row that can't be read is skipped)."""
    intents: dict[str, Intent] = {}
    for item_id, value in read_state(store, INTENT_PREFIX).items():
        try:
            intents[item_id] = Intent.from_json(item_id, value)
        except (ValueError, KeyError, TypeError):
            continue
    return intents


def intents_by_scope(intents: Mapping[str, Intent]) -> dict[str, list[Intent]]:
    from tracker.sync.plan import target_scope

    grouped: dict[str, list[Intent]] = {}
    for intent in intents.values():
        grouped.setdefault(target_scope(intent.target), []).append(intent)
    return grouped
