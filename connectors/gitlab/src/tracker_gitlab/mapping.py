"""GitLab's vocabulary ↔ tracker's, as pure functions over the REST v4 issue JSON.

Choices (documented in the connector README):
- status: opened → open, or in_progress with an `in-progress` label (also read:
  `in progress`, `doing`, a scoped `…::in progress` / `…::doing`); closed → done, or
  wont_do with a `wont-do` label (also read: `won't do`, `wontfix`, `duplicate`, scoped
  forms) — GitLab's free tiers have no close reason;
- priority: a scoped label `priority::P0`..`priority::P4` (also read: `priority:P1`);
- due date: GitLab's own `due_date`;
- identity: the hidden description marker plus the `tracker` label (one listing finds
  every tracker issue).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from datetime import UTC, date, datetime
from typing import Any
from urllib.parse import urlsplit

from tracker.connectors import RemoteTicket, TicketDraft
from tracker.model import PRIORITIES, Status, TicketRef
from tracker_gitlab.marker import identity_in

TRACKER_LABEL = "tracker"
MAX_TITLE = 255
MAX_LABEL = 255
IN_PROGRESS_LABEL = "in-progress"
WONT_DO_LABEL = "wont-do"
PRIORITY_PREFIX = "priority::"
_IN_PROGRESS = {"in-progress", "in progress", "doing"}
_WONT_DO = {"wont-do", "won't do", "wont do", "wontfix", "won't fix", "duplicate"}
_SEGMENT = r"[A-Za-z0-9_][A-Za-z0-9_.-]*"
PROJECT_PATH = re.compile(rf"^{_SEGMENT}(?:/{_SEGMENT})+$")
_KEY = re.compile(rf"^(?P<path>{_SEGMENT}(?:/{_SEGMENT})+)#(?P<iid>[1-9][0-9]*)$")
_ISSUE_PATH = re.compile(
    rf"^/(?P<path>{_SEGMENT}(?:/{_SEGMENT})+?)/(?:-/)?(?:issues|work_items)/(?P<iid>[1-9][0-9]*)/?$"
)


def issue_title(text: str) -> str:
    """One line, at most the 255 characters GitLab accepts."""
    flat = " ".join(text.split())
    return flat if len(flat) <= MAX_TITLE else flat[: MAX_TITLE - 1] + "…"


def issue_key(path: str, iid: int) -> str:
    return f"{path}#{iid}"


def parse_key(key: str) -> tuple[str, int] | None:
    """(project path, iid) from `group/project#7`; None for anything else."""
    match = _KEY.match(key)
    return (match["path"], int(match["iid"])) if match else None


_MOVED_TO = re.compile(rf"^moved to (?P<path>{_SEGMENT}(?:/{_SEGMENT})+)#(?P<iid>[1-9][0-9]*)$")


def moved_to_key(note: str) -> tuple[str, int] | None:
    """(project path, iid) from GitLab's system note "moved to group/project#7"."""
    match = _MOVED_TO.match(note.strip())
    return (match["path"], int(match["iid"])) if match else None


def parse_issue_url(url: str, base_path: str = "") -> tuple[str, int] | None:
    """(project path, iid) from `https://HOST[/relative-root]/group/project/-/issues/7`
    (also `/-/work_items/7` and the older `/issues/7`); None if it isn't one."""
    path = urlsplit(url).path
    if base_path and path.startswith(base_path.rstrip("/") + "/"):
        path = path[len(base_path.rstrip("/")) :]
    match = _ISSUE_PATH.match(path)
    return (match["path"], int(match["iid"])) if match else None


def label_names(raw: Iterable[Any]) -> tuple[str, ...]:
    """Label titles from an issue JSON (plain names, or objects with `with_labels_details`)."""
    names = []
    for label in raw or ():
        name = label.get("name") if isinstance(label, Mapping) else label
        if name:
            names.append(str(name))
    return tuple(names)


def _value(label: str) -> str:
    """A label's value: `workflow::in progress` → `in progress`, casefolded."""
    return label.rpartition("::")[2].strip().casefold()


def is_in_progress_label(name: str) -> bool:
    return _value(name) in _IN_PROGRESS


def is_wont_do_label(name: str) -> bool:
    return _value(name) in _WONT_DO


def status_of(state: str, labels: Iterable[str]) -> tuple[Status, str]:
    """(mapped status, the raw status such as `closed:wont-do`)."""
    names = list(labels)
    if state == "closed":
        if any(is_wont_do_label(n) for n in names):
            return Status.WONT_DO, "closed:wont-do"
        return Status.DONE, "closed"
    if any(is_in_progress_label(n) for n in names):
        return Status.IN_PROGRESS, "opened:in-progress"
    return Status.OPEN, "opened"


def state_event(current_state: str, status: Status) -> str | None:
    """The `state_event` that puts an issue into `status` (None: its state is right)."""
    if status.is_closed:
        return "close" if current_state != "closed" else None
    return "reopen" if current_state == "closed" else None


def priority_label(priority: str | None) -> str | None:
    return f"{PRIORITY_PREFIX}{priority}" if priority in PRIORITIES else None


def priority_of(labels: Iterable[str]) -> str | None:
    for name in labels:
        folded = name.casefold()
        for prefix in (PRIORITY_PREFIX, "priority:"):
            if folded.startswith(prefix):
                level = name[len(prefix) :].strip().upper()
                if level in PRIORITIES:
                    return level
    return None


def fit_label(name: str) -> str:
    """A label GitLab accepts: no commas (the API's list separator), at most 255 chars."""
    return " ".join(name.replace(",", " ").split())[:MAX_LABEL]


def create_labels(draft: TicketDraft) -> list[str]:
    """The `tracker` label (finds every tracker issue in one listing), the priority and
    the engine's labels (postmortem, team, severity)."""
    names = [TRACKER_LABEL]
    level = priority_label(draft.priority)
    if level:
        names.append(level)
    names += [fit_label(label) for label in draft.labels if fit_label(label)]
    return list(dict.fromkeys(names))


def relabel(
    current: Iterable[str], *, priority: str | None = None, status: Status | None = None
) -> list[str]:
    """The label set after a priority and/or status change; other labels untouched."""
    names = list(current)
    if priority is not None:
        names = [n for n in names if priority_of([n]) is None]
        level = priority_label(priority)
        if level:
            names.append(level)
    if status is not None:
        names = [n for n in names if not (is_in_progress_label(n) or is_wont_do_label(n))]
        if status is Status.IN_PROGRESS:
            names.append(IN_PROGRESS_LABEL)
        elif status is Status.WONT_DO:
            names.append(WONT_DO_LABEL)
    return list(dict.fromkeys(names))


def parse_time(text: str | None) -> datetime:
    if not text:
        return datetime(1970, 1, 1, tzinfo=UTC)
    return datetime.fromisoformat(text.replace("Z", "+00:00")).astimezone(UTC)


def project_path_of(raw: Mapping[str, Any], fallback: str) -> str:
    """The project path an issue JSON belongs to (`references.full` minus `#iid`)."""
    full = str((raw.get("references") or {}).get("full") or "")
    path, sep, _ = full.rpartition("#")
    return path if sep and PROJECT_PATH.match(path) else fallback


def username_of(user: Any) -> str | None:
    name = user.get("username") if isinstance(user, Mapping) else None
    return str(name) if name else None


def ticket_from_issue(raw: Mapping[str, Any], path: str) -> RemoteTicket:
    """A RemoteTicket from one issue JSON (GET, PUT, POST or a listing item)."""
    project = project_path_of(raw, path)
    labels = label_names(raw.get("labels") or ())
    status, remote_status = status_of(str(raw.get("state") or "opened"), labels)
    assignees = raw.get("assignees") or ([raw["assignee"]] if raw.get("assignee") else [])
    due = raw.get("due_date")
    return RemoteTicket(
        ref=TicketRef("gitlab", issue_key(project, int(raw["iid"])), raw.get("web_url")),
        identity=identity_in(raw.get("description")),
        status=status,
        remote_status=remote_status,
        summary=str(raw.get("title") or ""),
        assignee=username_of(assignees[0]) if assignees else None,
        due=date.fromisoformat(str(due)) if due else None,
        priority=priority_of(labels),
        labels=labels,
        updated_at=parse_time(raw.get("updated_at")),
        creator=username_of(raw.get("author")),
    )
