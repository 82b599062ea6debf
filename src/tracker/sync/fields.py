"""The five fields tracker keeps in step between a row and its ticket.

Both sides are reduced to the same normalised `Fields` so "did it change since the
last sync?" is a plain comparison, whatever formatting churn happened on either side
(vdirsyncer's normalised-hash idea: a bumped `updated` with equal fields is no change).
"""

from __future__ import annotations

import sys
from dataclasses import asdict, dataclass, replace
from datetime import date
from typing import Any

from tracker.connectors import RemoteTicket, summary_limit
from tracker.model import Status

FIELD_NAMES: tuple[str, ...] = ("summary", "assignee", "due", "priority", "status")


@dataclass(frozen=True, slots=True)
class Fields:
    """One side's view of the synced fields, normalised (dates as ISO text)."""

    summary: str
    assignee: str | None
    due: str | None
    priority: str | None
    status: str

    def get(self, name: str) -> str | None:
        value: str | None = getattr(self, name)
        return value

    def with_value(self, name: str, value: str | None) -> Fields:
        if name not in FIELD_NAMES:
            raise KeyError(name)
        return replace(self, **{name: value})  # type: ignore[arg-type]

    def to_json(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_json(cls, data: dict[str, Any], *, summary: str | None = None) -> Fields:
        """`summary`: an equal string already held (the row's action) to share."""
        text = str(data.get("summary", ""))
        return cls(
            summary=summary if summary is not None and summary == text else text,
            assignee=_shared(data.get("assignee")),
            due=_shared(data.get("due")),
            priority=_shared(data.get("priority")),
            status=sys.intern(str(data.get("status", Status.OPEN.value))),
        )


def _shared(value: str | None) -> str | None:
    """Short values repeated across thousands of stored baselines, held once."""
    return sys.intern(value) if isinstance(value, str) else value


def summary_text(action: str, system: str) -> str:
    """A ticket summary from an action cell: one line, trimmed, within the longest
    summary `system` takes (its connector's `summary_limit`), so a document's action
    and the ticket that system shortened compare equal."""
    limit = summary_limit(system)
    text = " ".join(action.split())
    if len(text) > limit:
        text = text[: limit - 1].rstrip() + "…"
    return action if text == action else text  # the action's own string when unchanged


def iso(value: date | None) -> str | None:
    return value.isoformat() if value else None


def ticket_fields(ticket: RemoteTicket) -> Fields:
    """The ticket's side of the comparison."""
    return Fields(
        summary=summary_text(ticket.summary, ticket.ref.system),
        assignee=ticket.assignee or None,
        due=iso(ticket.due),
        priority=ticket.priority,
        status=Status(ticket.status).value,
    )
