"""GitHub's vocabulary ↔ tracker's, as pure functions over the REST issue JSON.

Choices (documented in the connector README):
- status: open → open, or in_progress when the issue has an `in progress`/`in-progress`
  label; closed + completed → done; closed + not_planned/duplicate → wont_do;
- priority: a `priority:P0`..`priority:P4` label;
- due date: a `- Due: YYYY-MM-DD` body line, grouped under a monthly milestone
  (`tracker_github.due`);
- identity: the hidden body marker plus the `tracker` label (so one listing finds all).
"""

from __future__ import annotations

import functools
import hashlib
import logging
import re
from collections.abc import Iterable, Mapping
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlsplit

from tracker.connectors import RemoteTicket, TicketDraft
from tracker.model import PRIORITIES, Status, TicketRef
from tracker_github.due import issue_due
from tracker_github.marker import identity_in

log = logging.getLogger(__name__)

TRACKER_LABEL = "tracker"
MAX_LABEL = 50  # characters in a GitHub label name
IN_PROGRESS_LABEL = "in-progress"
_IN_PROGRESS_NAMES = {"in progress", "in-progress"}
PRIORITY_PREFIX = "priority:"
_KEY = re.compile(r"^(?P<repo>[A-Za-z0-9_.-]+/[A-Za-z0-9_.-]+)#(?P<number>[1-9][0-9]*)$")
_ISSUE_PATH = re.compile(r"^/(?P<repo>[^/]+/[^/]+)/(?:issues|pull)/(?P<number>[1-9][0-9]*)/?$")


def issue_title(text: str) -> str:
    """One line, at most the 256 characters GitHub accepts."""
    flat = " ".join(text.split())
    return flat if len(flat) <= 256 else flat[:255] + "…"


def issue_key(repo: str, number: int) -> str:
    return f"{repo}#{number}"


def parse_ref(ref: TicketRef) -> tuple[str, int] | None:
    """(owner/name, number) from `owner/repo#12` or an issue URL; None if neither."""
    match = _KEY.match(ref.key)
    if match:
        return match["repo"], int(match["number"])
    for text in (ref.url, ref.key):
        if text and "://" in text:
            path = _ISSUE_PATH.match(urlsplit(text).path)
            if path:
                return path["repo"], int(path["number"])
    return None


def label_names(raw_labels: Iterable[Any]) -> tuple[str, ...]:
    names = []
    for label in raw_labels or ():
        name = label.get("name") if isinstance(label, Mapping) else label
        if name:
            names.append(str(name))
    return tuple(names)


def is_in_progress_label(name: str) -> bool:
    return name.strip().casefold() in _IN_PROGRESS_NAMES


def status_of(state: str, state_reason: str | None, labels: Iterable[str]) -> tuple[Status, str]:
    """(mapped status, raw status such as `closed:not_planned`)."""
    if state == "closed":
        reason = state_reason or "completed"
        mapped = Status.WONT_DO if reason in ("not_planned", "duplicate") else Status.DONE
        return mapped, f"closed:{reason}"
    if any(is_in_progress_label(name) for name in labels):
        return Status.IN_PROGRESS, "open:in-progress"
    return Status.OPEN, "open"


def state_payload(status: Status) -> dict[str, str]:
    """The PATCH fields that put an issue into `status` (labels handled separately)."""
    if status is Status.DONE:
        return {"state": "closed", "state_reason": "completed"}
    if status is Status.WONT_DO:
        return {"state": "closed", "state_reason": "not_planned"}
    return {"state": "open"}


def priority_label(priority: str | None) -> str | None:
    return f"{PRIORITY_PREFIX}{priority}" if priority in PRIORITIES else None


def priority_of(labels: Iterable[str]) -> str | None:
    for name in labels:
        if name.casefold().startswith(PRIORITY_PREFIX):
            level = name[len(PRIORITY_PREFIX) :].strip().upper()
            if level in PRIORITIES:
                return level
    return None


def parse_time(text: str | None) -> datetime:
    if not text:
        return datetime(1970, 1, 1, tzinfo=UTC)
    return datetime.fromisoformat(text.replace("Z", "+00:00")).astimezone(UTC)


def is_pull_request(raw: Mapping[str, Any]) -> bool:
    return "pull_request" in raw or "/pull/" in str(raw.get("html_url") or "")


def repo_of(raw: Mapping[str, Any]) -> str | None:
    """owner/name of the repository an issue JSON belongs to."""
    url = str(raw.get("repository_url") or "")
    parts = urlsplit(url).path.rstrip("/").split("/")
    if len(parts) >= 3 and parts[-3] == "repos":
        return f"{parts[-2]}/{parts[-1]}"
    path = _ISSUE_PATH.match(urlsplit(str(raw.get("html_url") or "")).path)
    return path["repo"] if path else None


def ticket_from_issue(raw: Mapping[str, Any], repo: str | None = None) -> RemoteTicket:
    """A RemoteTicket from one issue JSON (GET, PATCH, POST or a listing item)."""
    full_name = repo_of(raw) or repo or ""
    labels = label_names(raw.get("labels") or ())
    status, remote_status = status_of(
        str(raw.get("state") or "open"), raw.get("state_reason"), labels
    )
    assignees = raw.get("assignees") or ([raw["assignee"]] if raw.get("assignee") else [])
    number = int(raw["number"])
    return RemoteTicket(
        ref=TicketRef("github", issue_key(full_name, number), raw.get("html_url")),
        identity=identity_in(raw.get("body")),
        status=status,
        remote_status=remote_status,
        summary=str(raw.get("title") or ""),
        assignee=str(assignees[0]["login"]) if assignees else None,
        due=issue_due(raw),
        priority=priority_of(labels),
        labels=labels,
        updated_at=parse_time(raw.get("updated_at")),
        creator=login_of(raw.get("user")),
        pull_request=is_pull_request(raw),
    )


def login_of(user: Any) -> str | None:
    """A user object's login (who filed an issue, who `GET /user` is)."""
    login = user.get("login") if isinstance(user, Mapping) else None
    return str(login) if login else None


def fit_label(name: str) -> str:
    """A label name GitHub accepts: at most 50 characters (longer ones are refused with
    422 "name is too long (maximum is 50 characters)", github/docs#32156). A longer name
    is cut to 41 characters + `~` + 8 hex digits of its SHA-256: the same name always
    gives the same label (no churn between runs) and two long names sharing a prefix
    stay apart. Identity never depends on it (body marker + the short `tracker` label)."""
    name = name.strip()
    if len(name) <= MAX_LABEL:
        return name
    digest = hashlib.sha256(name.encode("utf-8")).hexdigest()[:8]
    short = f"{name[: MAX_LABEL - 9].rstrip()}~{digest}"
    _warn_shortened(name, short)
    return short


@functools.cache
def _warn_shortened(name: str, short: str) -> None:
    """Once per label and process: every ticket of a team would repeat it otherwise."""
    log.warning("GitHub label %r is over %d characters; sent as %r", name, MAX_LABEL, short)


def create_labels(draft: TicketDraft) -> list[str]:
    """The `tracker` label (finds every tracker issue in one listing), the priority and
    the engine's labels (postmortem, team, severity); commas are not allowed in names
    because GitHub's label filter is comma-separated, and long names are shortened
    (`fit_label`) so one long team name can't fail every create."""
    names = [TRACKER_LABEL]
    level = priority_label(draft.priority)
    if level:
        names.append(level)
    names += [fit_label(label.replace(",", " ")) for label in draft.labels if label.strip()]
    return list(dict.fromkeys(names))


def relabel(
    current: Iterable[str], *, priority: str | None = None, status: Status | None = None
) -> list[str]:
    """The label set after a priority and/or status change; other labels untouched
    (but each within GitHub's 50-character limit, like every label tracker sends)."""
    names = list(current)
    if priority is not None:
        names = [n for n in names if not n.casefold().startswith(PRIORITY_PREFIX)]
        level = priority_label(priority)
        if level:
            names.append(level)
    if status is not None:
        names = [n for n in names if not is_in_progress_label(n)]
        if status is Status.IN_PROGRESS:
            names.append(IN_PROGRESS_LABEL)
    return list(dict.fromkeys(fit_label(n) for n in names))
