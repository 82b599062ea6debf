"""Jira's vocabulary ↔ tracker's: statuses, priorities, identity labels, field payloads.

Pure functions over the REST v2 JSON, so the mapping rules are tested without a server.
Status is read from `statusCategory.key` (fixed across languages and workflows), never
from the localised status name.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from datetime import UTC, date, datetime
from typing import Any

from tracker.connectors import RemoteTicket, TicketChanges, TicketDraft
from tracker.model import PRIORITIES, Status, TicketRef

IDENTITY_PREFIX = "tracker-"
DEFAULT_PRIORITIES: dict[str, str] = {
    "P0": "Highest",
    "P1": "High",
    "P2": "Medium",
    "P3": "Low",
    "P4": "Lowest",
}
DEFAULT_WONT_DO_RESOLUTIONS: tuple[str, ...] = (
    "Won't Do",
    "Won't Fix",
    "Duplicate",
    "Cannot Reproduce",
)
WONT_DO_RESOLUTION = "Won't Do"
CATEGORY_OF_STATUS: dict[Status, str] = {
    Status.OPEN: "new",
    Status.IN_PROGRESS: "indeterminate",
    Status.DONE: "done",
    Status.WONT_DO: "done",
}
# Workflow words that mark a "closed without doing it" status or transition.
_WONT_DO_WORDS = re.compile(r"won'?t|wont|reject|declin|cancel|duplicate|invalid|obsolete")

SEARCH_FIELDS: tuple[str, ...] = (
    "summary",
    "status",
    "resolution",
    "priority",
    "assignee",
    "duedate",
    "labels",
    "updated",
    "creator",
    "reporter",
)


def _fold(text: str) -> str:
    return text.replace("’", "'").strip().casefold()


def identity_label(identity: str) -> str:
    """The label that carries an item's identity; Jira labels can't contain spaces."""
    if not identity or any(char.isspace() for char in identity):
        raise ValueError(f"item identity must be non-empty without spaces: {identity!r}")
    return IDENTITY_PREFIX + identity


def identity_from_labels(labels: Iterable[str]) -> str | None:
    for label in labels:
        if label.startswith(IDENTITY_PREFIX) and len(label) > len(IDENTITY_PREFIX):
            return label[len(IDENTITY_PREFIX) :]
    return None


def clean_label(label: str) -> str:
    """Labels from config/documents (e.g. a team "Data Platform") made valid for Jira."""
    return re.sub(r"\s+", "-", label.strip())


def status_of(
    status: Mapping[str, Any] | None,
    resolution: Mapping[str, Any] | None,
    wont_do_resolutions: Iterable[str] = DEFAULT_WONT_DO_RESOLUTIONS,
) -> tuple[Status, str]:
    """(mapped status, Jira's status name) from the `status` and `resolution` fields."""
    status = status or {}
    name = str(status.get("name") or "")
    category = str((status.get("statusCategory") or {}).get("key") or "new")
    if category == "done":
        resolution_name = _fold(str((resolution or {}).get("name") or ""))
        if resolution_name and resolution_name in {_fold(r) for r in wont_do_resolutions}:
            return Status.WONT_DO, name
        if _WONT_DO_WORDS.search(_fold(name)):  # a dedicated "Won't Do"/"Cancelled" status
            return Status.WONT_DO, name
        return Status.DONE, name
    if category == "indeterminate":
        return Status.IN_PROGRESS, name
    return Status.OPEN, name


def priority_name(priority: str | None, priorities: Mapping[str, str]) -> str | None:
    """Jira's priority name for P0..P4 (None when unmapped: Jira keeps its default)."""
    return priorities.get(priority) if priority else None


def priority_level(name: str | None, priorities: Mapping[str, str]) -> str | None:
    """P0..P4 for a Jira priority name, case-insensitively."""
    if not name:
        return None
    wanted = _fold(name)
    for level, jira_name in priorities.items():
        if _fold(jira_name) == wanted and level in PRIORITIES:
            return level
    return None


def parse_datetime(text: str | None) -> datetime:
    """Jira's `2025-01-01T10:00:00.000+0000` as an aware UTC datetime."""
    if not text:
        return datetime(1970, 1, 1, tzinfo=UTC)
    value = re.sub(r"([+-]\d{2})(\d{2})$", r"\1:\2", text.replace("Z", "+00:00"))
    moment = datetime.fromisoformat(value)
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC)


def parse_date(text: str | None) -> date | None:
    return date.fromisoformat(text[:10]) if text else None


def user_id(user: Mapping[str, Any] | None, *, cloud: bool) -> str | None:
    """accountId on Cloud, username (`name`) on Server/DC."""
    if not user:
        return None
    value = user.get("accountId") if cloud else (user.get("name") or user.get("key"))
    return str(value) if value else None


def user_field(user: str | None, *, cloud: bool) -> dict[str, str] | None:
    if user is None:
        return None
    return {"accountId": user} if cloud else {"name": user}


def browse_url(server: str, key: str) -> str:
    return f"{server.rstrip('/')}/browse/{key}"


def ticket_from_issue(
    raw: Mapping[str, Any],
    *,
    server: str,
    cloud: bool,
    priorities: Mapping[str, str],
    wont_do_resolutions: Iterable[str] = DEFAULT_WONT_DO_RESOLUTIONS,
) -> RemoteTicket:
    """A RemoteTicket from one issue of a search or GET response."""
    fields: Mapping[str, Any] = raw.get("fields") or {}
    key = str(raw["key"])
    status, status_name = status_of(
        fields.get("status"), fields.get("resolution"), wont_do_resolutions
    )
    labels = tuple(str(label) for label in fields.get("labels") or ())
    return RemoteTicket(
        ref=TicketRef("jira", key, browse_url(server, key)),
        identity=identity_from_labels(labels),
        status=status,
        remote_status=status_name,
        summary=str(fields.get("summary") or ""),
        assignee=user_id(fields.get("assignee"), cloud=cloud),
        due=parse_date(fields.get("duedate")),
        priority=priority_level((fields.get("priority") or {}).get("name"), priorities),
        labels=labels,
        updated_at=parse_datetime(fields.get("updated")),
        creator=user_id(fields.get("creator") or fields.get("reporter"), cloud=cloud),
    )


def create_fields(
    draft: TicketDraft, *, cloud: bool, priorities: Mapping[str, str]
) -> dict[str, Any]:
    """The `fields` of one bulk-create element. Project and issue type are dicts so the
    client sends no lookup requests of its own."""
    if not draft.target.project:
        raise ValueError("a Jira target needs a project key")
    labels = [identity_label(draft.identity)]
    labels += [clean_label(label) for label in draft.labels if label.strip()]
    fields: dict[str, Any] = {
        "project": {"key": draft.target.project},
        "issuetype": {"name": draft.target.issue_type},
        "summary": one_line(draft.summary),
        "description": long_text(draft.description),
        "labels": list(dict.fromkeys(labels)),
    }
    priority = priority_name(draft.priority, priorities)
    if priority:
        fields["priority"] = {"name": priority}
    if draft.due:
        fields["duedate"] = draft.due.isoformat()
    if draft.assignee:
        fields["assignee"] = user_field(draft.assignee, cloud=cloud)
    return fields


def edit_fields(
    changes: TicketChanges, *, cloud: bool, priorities: Mapping[str, str]
) -> dict[str, Any]:
    """The `fields` of a PUT for the document-owned changes (status is a transition)."""
    fields: dict[str, Any] = {}
    if changes.summary is not None:
        fields["summary"] = one_line(changes.summary)
    if changes.description is not None:
        fields["description"] = long_text(changes.description)
    if changes.priority is not None:
        name = priority_name(changes.priority, priorities)
        if name:
            fields["priority"] = {"name": name}
    if changes.clear_due:
        fields["duedate"] = None
    elif changes.due is not None:
        fields["duedate"] = changes.due.isoformat()
    if changes.clear_assignee:
        fields["assignee"] = None
    elif changes.assignee is not None:
        fields["assignee"] = user_field(changes.assignee, cloud=cloud)
    return fields


def long_text(text: str) -> str:
    """Jira text fields hold at most 32,767 characters."""
    return text if len(text) <= 32_767 else text[:32_766] + "…"


def one_line(text: str) -> str:
    """Jira summaries are single-line and at most 255 characters."""
    flat = " ".join(text.split())
    return flat if len(flat) <= 255 else flat[:254] + "…"


def choose_transition(
    transitions: Sequence[Mapping[str, Any]], target: Status
) -> Mapping[str, Any] | None:
    """The available transition that leads to `target`'s status category.

    For wont_do a transition whose name/target reads like "Won't Do" wins; for done one
    that doesn't; otherwise the first transition into the right category.
    """
    category = CATEGORY_OF_STATUS[target]
    candidates = [
        t
        for t in transitions
        if ((t.get("to") or {}).get("statusCategory") or {}).get("key") == category
    ]
    if not candidates:
        return None
    if category != "done":
        return candidates[0]

    preferred = [t for t in candidates if reads_wont_do(t) == (target is Status.WONT_DO)]
    return (preferred or candidates)[0]


def reads_wont_do(transition: Mapping[str, Any]) -> bool:
    """A transition whose name or target status says "closed without doing it"."""
    words = f"{transition.get('name', '')} {(transition.get('to') or {}).get('name', '')}"
    return bool(_WONT_DO_WORDS.search(_fold(words)))


def status_reads_wont_do(transition: Mapping[str, Any]) -> bool:
    """The transition leads to a status of its own for "closed without doing it"
    (a transition merely *named* so may still land in Done with resolution Done)."""
    return bool(_WONT_DO_WORDS.search(_fold(str((transition.get("to") or {}).get("name", "")))))


def wont_do_resolution(field: Any, wanted: Sequence[str]) -> str | None:
    """The resolution name to send in a Resolution field (a transition screen's or the
    edit screen's, from `fields` / editmeta) to mean won't do: the first of `wanted`
    the field allows. None if there is no such field or it allows none of them."""
    if not isinstance(field, Mapping):
        return None
    allowed = field.get("allowedValues")
    if not isinstance(allowed, list) or not allowed:
        return wanted[0] if wanted else None
    names = {
        _fold(str(v.get("name") or "")): str(v.get("name"))
        for v in allowed
        if isinstance(v, Mapping)
    }
    return next((names[_fold(w)] for w in wanted if _fold(w) in names), None)


def transition_takes_resolution(transition: Mapping[str, Any]) -> bool:
    """Whether the transition screen has a resolution field (when Jira told us)."""
    fields = transition.get("fields")
    if isinstance(fields, Mapping):
        return "resolution" in fields
    return True  # unknown: offer it; Jira ignores nothing silently, we retry without it
