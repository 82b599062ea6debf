"""The GitHub sandbox's data: repositories, issues, labels, milestones, comments, people.

Kept apart from HTTP so the REST handlers and the control plane (tests acting "as a person")
change one model under one lock, and so the whole state dumps to JSON and loads back across
restarts. Rules that GitHub enforces on the data (unknown labels are created, assignees must be
collaborators, milestones must exist, issue numbers are shared with pull requests) live here.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable
from dataclasses import asdict, dataclass, field
from datetime import datetime
from typing import Any

from dateutil.parser import isoparse

DEFAULT_USERS = ("tracker-bot", "alice", "bob", "chen")
AUTO_LABEL_COLOR = "ededed"
STATE_REASONS = ("completed", "not_planned", "duplicate", "reopened")
CLOSED_REASONS = ("completed", "not_planned", "duplicate")


class GitHubError(Exception):
    """An answer GitHub gives instead of data; the HTTP layer renders it in GitHub's shape."""

    def __init__(
        self,
        status: int,
        message: str,
        errors: list[dict[str, Any]] | None = None,
        *,
        headers: dict[str, str] | None = None,
        extra: dict[str, Any] | None = None,
    ) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.errors = errors
        self.headers = headers or {}
        self.extra = extra or {}


def not_found() -> GitHubError:
    return GitHubError(404, "Not Found")


def validation_failed(*errors: dict[str, Any]) -> GitHubError:
    return GitHubError(422, "Validation Failed", list(errors))


@dataclass
class UserRecord:
    login: str
    id: int
    type: str = "User"
    site_admin: bool = False


@dataclass
class LabelRecord:
    id: int
    name: str
    color: str
    description: str | None = None
    default: bool = False


@dataclass
class MilestoneRecord:
    id: int
    number: int
    title: str
    creator: str
    created_at: datetime
    updated_at: datetime
    description: str | None = None
    state: str = "open"
    due_on: datetime | None = None
    closed_at: datetime | None = None


@dataclass
class CommentRecord:
    id: int
    body: str
    user: str
    created_at: datetime
    updated_at: datetime


@dataclass
class IssueRecord:
    id: int
    number: int
    title: str
    user: str
    created_at: datetime
    updated_at: datetime
    body: str | None = None
    labels: list[str] = field(default_factory=list)  # label keys (lower-cased names)
    assignees: list[str] = field(default_factory=list)
    milestone: int | None = None
    state: str = "open"
    state_reason: str | None = None
    locked: bool = False
    comments: list[CommentRecord] = field(default_factory=list)
    closed_at: datetime | None = None
    closed_by: str | None = None
    pull_request: bool = False


@dataclass
class RepoRecord:
    id: int
    owner: str
    name: str
    created_at: datetime
    collaborators: list[str]
    issues: dict[int, IssueRecord] = field(default_factory=dict)
    labels: dict[str, LabelRecord] = field(default_factory=dict)
    milestones: dict[int, MilestoneRecord] = field(default_factory=dict)
    moved: dict[int, str] = field(default_factory=dict)  # number -> "owner/name#number"
    deleted: list[int] = field(default_factory=list)
    next_number: int = 1
    next_milestone: int = 1

    @property
    def full_name(self) -> str:
        return f"{self.owner}/{self.name}"


# GitHub refuses label names over 50 characters: creating or renaming a label answers
# 422 code "custom", "name is too long (maximum is 50 characters)"; an issue create or
# edit naming such a label answers 422 {"resource": "Label", "field": "name", "code":
# "invalid", "value": name} (github/docs#32156, semantic-release/github#518).
MAX_LABEL_NAME = 50


def _check_label_name(name: str) -> None:
    if len(name.strip()) > MAX_LABEL_NAME:
        raise validation_failed(
            {
                "resource": "Label",
                "code": "custom",
                "field": "name",
                "message": f"name is too long (maximum is {MAX_LABEL_NAME} characters)",
            }
        )


def _label_key(name: str) -> str:
    return name.strip().lower()


class GitHubState:
    """Every repository the sandbox serves, with GitHub's rules for changing them.

    `lock` guards all access: REST handlers run on the server thread, control calls on the
    caller's. Methods take and return records; rendering JSON is the payload module's job.
    """

    def __init__(
        self, repos: Iterable[str], users: Iterable[str], *, seed_pull_request: bool
    ) -> None:
        self.lock = threading.RLock()
        self._repo_names = list(repos)
        self._user_logins = list(users)
        self._seed_pull_request = seed_pull_request
        self.users: dict[str, UserRecord] = {}
        self.repos: dict[str, RepoRecord] = {}
        self._next_id = 1000

    # -- setup -----------------------------------------------------------------------------

    def reset(self, now: datetime) -> None:
        """Back to the seeded state: the configured repositories and people, no issues."""
        with self.lock:
            self._next_id = 1000
            self.users = {
                login.lower(): UserRecord(login=login, id=index)
                for index, login in enumerate(self._user_logins, start=1)
            }
            self.repos = {}
            for full_name in self._repo_names:
                owner, _, name = full_name.partition("/")
                repo = RepoRecord(
                    id=self.new_id(),
                    owner=owner,
                    name=name,
                    created_at=now,
                    collaborators=[u.login for u in self.users.values()],
                )
                for label, color, description in (
                    ("bug", "d73a4a", "Something isn't working"),
                    ("enhancement", "a2eeef", "New feature or request"),
                    ("documentation", "0075ca", "Improvements or additions to documentation"),
                ):
                    repo.labels[label] = LabelRecord(self.new_id(), label, color, description, True)
                self.repos[full_name.lower()] = repo
            if self._seed_pull_request and self.repos:
                first = next(iter(self.repos.values()))
                pr = self.create_issue(
                    first,
                    self.bot_login,
                    now,
                    title="Add CI workflow",
                    body="Runs the tests on push.",
                )
                pr.pull_request = True

    @property
    def bot_login(self) -> str:
        """The login the sandbox token belongs to (the first configured user)."""
        return next(iter(self.users.values())).login

    def new_id(self) -> int:
        self._next_id += 1
        return self._next_id

    # -- lookups ---------------------------------------------------------------------------

    def repo(self, owner: str, name: str) -> RepoRecord:
        repo = self.repos.get(f"{owner}/{name}".lower())
        if repo is None:
            raise not_found()
        return repo

    def repo_by_id(self, repo_id: int) -> RepoRecord:
        for repo in self.repos.values():
            if repo.id == repo_id:
                return repo
        raise not_found()

    def issue(self, repo: RepoRecord, number: int) -> IssueRecord:
        """The issue, or GitHub's answer for one that moved (301) or was deleted (410)."""
        found = repo.issues.get(number)
        if found is not None:
            return found
        if number in repo.moved:
            target = repo.moved[number]
            raise GitHubError(301, "Moved Permanently", extra={"moved_to": target})
        if number in repo.deleted:
            raise GitHubError(410, "This issue was deleted")
        raise not_found()

    def user(self, login: str) -> UserRecord:
        found = self.users.get(login.lower())
        if found is None:
            raise not_found()
        return found

    def is_assignable(self, repo: RepoRecord, login: str) -> bool:
        return login.lower() in {c.lower() for c in repo.collaborators}

    def label(self, repo: RepoRecord, name: str) -> LabelRecord:
        found = repo.labels.get(_label_key(name))
        if found is None:
            raise not_found()
        return found

    def milestone(self, repo: RepoRecord, number: int) -> MilestoneRecord:
        found = repo.milestones.get(number)
        if found is None:
            raise not_found()
        return found

    # -- validation shared by create and edit ------------------------------------------------

    def _checked_assignees(self, repo: RepoRecord, logins: list[str], field_name: str) -> list[str]:
        """Canonical logins; one unassignable login fails the whole request, as on GitHub."""
        result: list[str] = []
        for login in logins:
            if not self.is_assignable(repo, login):
                raise validation_failed(
                    {"value": login, "resource": "Issue", "field": field_name, "code": "invalid"}
                )
            canonical = self.users[login.lower()].login
            if canonical not in result:
                result.append(canonical)
        return result[:10]

    def _checked_milestone(self, repo: RepoRecord, number: int | None) -> int | None:
        if number is not None and number not in repo.milestones:
            raise validation_failed(
                {"value": number, "resource": "Issue", "field": "milestone", "code": "invalid"}
            )
        return number

    def _ensure_labels(self, repo: RepoRecord, names: list[str]) -> list[str]:
        """Label keys for `names`, creating unknown ones (grey, as GitHub does). A name
        over 50 characters fails the whole request with GitHub's 422, nothing applied."""
        for name in names:
            if len(name.strip()) > MAX_LABEL_NAME:
                raise validation_failed(
                    {"value": name, "resource": "Label", "field": "name", "code": "invalid"}
                )
        keys: list[str] = []
        for name in names:
            key = _label_key(name)
            if not key:
                continue
            if key not in repo.labels:
                repo.labels[key] = LabelRecord(self.new_id(), name.strip(), AUTO_LABEL_COLOR)
            if key not in keys:
                keys.append(key)
        return keys

    # -- issues ----------------------------------------------------------------------------

    def create_issue(
        self,
        repo: RepoRecord,
        actor: str,
        now: datetime,
        *,
        title: str,
        body: str | None = None,
        labels: list[str] | None = None,
        assignees: list[str] | None = None,
        assignees_field: str = "assignees",
        milestone: int | None = None,
    ) -> IssueRecord:
        with self.lock:
            checked_assignees = self._checked_assignees(repo, assignees or [], assignees_field)
            checked_milestone = self._checked_milestone(repo, milestone)
            issue = IssueRecord(
                id=self.new_id(),
                number=repo.next_number,
                title=title,
                body=body,
                user=actor,
                created_at=now,
                updated_at=now,
                labels=self._ensure_labels(repo, labels or []),
                assignees=checked_assignees,
                milestone=checked_milestone,
            )
            repo.next_number += 1
            repo.issues[issue.number] = issue
            return issue

    def edit_issue(
        self, repo: RepoRecord, number: int, actor: str, now: datetime, changes: dict[str, Any]
    ) -> IssueRecord:
        """Apply validated `changes` (keys as in PATCH /issues/{n}); all or nothing."""
        with self.lock:
            issue = self.issue(repo, number)
            assignees = issue.assignees
            if "assignees" in changes:
                assignees = self._checked_assignees(repo, changes["assignees"], "assignees")
            elif "assignee" in changes:
                login = changes["assignee"]
                assignees = self._checked_assignees(repo, [login] if login else [], "assignee")
            milestone = issue.milestone
            if "milestone" in changes:
                milestone = self._checked_milestone(repo, changes["milestone"])
            # Validation done: from here on nothing can fail.
            if "title" in changes:
                issue.title = changes["title"]
            if "body" in changes:
                issue.body = changes["body"]
            if "labels" in changes:
                issue.labels = self._ensure_labels(repo, changes["labels"])
            issue.assignees = assignees
            issue.milestone = milestone
            if "state" in changes or "state_reason" in changes:
                self._apply_state(
                    issue,
                    changes.get("state", issue.state),
                    changes.get("state_reason"),
                    actor,
                    now,
                )
            issue.updated_at = now
            return issue

    def _apply_state(
        self, issue: IssueRecord, state: str, reason: str | None, actor: str, now: datetime
    ) -> None:
        if state == "closed":
            if issue.state != "closed":
                issue.closed_at = now
                issue.closed_by = actor
            issue.state = "closed"
            issue.state_reason = reason if reason in CLOSED_REASONS else "completed"
        else:
            if issue.state == "closed" or reason == "reopened":
                issue.state_reason = "reopened"
            issue.state = "open"
            issue.closed_at = None

    def list_issues(self, repo: RepoRecord) -> list[IssueRecord]:
        return list(repo.issues.values())

    def add_comment(
        self, repo: RepoRecord, number: int, actor: str, now: datetime, body: str
    ) -> CommentRecord:
        with self.lock:
            issue = self.issue(repo, number)
            comment = CommentRecord(self.new_id(), body, actor, now, now)
            issue.comments.append(comment)
            issue.updated_at = now
            return comment

    def delete_issue(self, repo: RepoRecord, number: int) -> None:
        with self.lock:
            self.issue(repo, number)
            del repo.issues[number]
            repo.deleted.append(number)

    def transfer_issue(
        self, repo: RepoRecord, number: int, target: RepoRecord, now: datetime
    ) -> IssueRecord:
        """Move an issue to `target` under a new number; the old number answers 301."""
        with self.lock:
            issue = self.issue(repo, number)
            if target is repo:
                raise validation_failed(
                    {"resource": "Issue", "field": "repository", "code": "invalid"}
                )
            del repo.issues[number]
            issue.number = target.next_number
            target.next_number += 1
            issue.labels = self._ensure_labels(
                target, [repo.labels[key].name for key in issue.labels if key in repo.labels]
            )
            issue.milestone = None
            issue.assignees = [a for a in issue.assignees if self.is_assignable(target, a)]
            issue.updated_at = now
            target.issues[issue.number] = issue
            repo.moved[number] = f"{target.full_name}#{issue.number}"
            return issue

    # -- labels and milestones -----------------------------------------------------------------

    def create_label(
        self, repo: RepoRecord, name: str, color: str, description: str | None
    ) -> LabelRecord:
        with self.lock:
            _check_label_name(name)
            key = _label_key(name)
            if key in repo.labels:
                raise validation_failed(
                    {"resource": "Label", "code": "already_exists", "field": "name"}
                )
            label = LabelRecord(self.new_id(), name.strip(), color.lower(), description)
            repo.labels[key] = label
            return label

    def create_milestone(
        self,
        repo: RepoRecord,
        actor: str,
        now: datetime,
        *,
        title: str,
        state: str,
        description: str | None,
        due_on: datetime | None,
    ) -> MilestoneRecord:
        with self.lock:
            if any(m.title == title for m in repo.milestones.values()):
                raise validation_failed(
                    {"resource": "Milestone", "code": "already_exists", "field": "title"}
                )
            milestone = MilestoneRecord(
                id=self.new_id(),
                number=repo.next_milestone,
                title=title,
                creator=actor,
                created_at=now,
                updated_at=now,
                description=description,
                state=state,
                due_on=due_on,
                closed_at=now if state == "closed" else None,
            )
            repo.next_milestone += 1
            repo.milestones[milestone.number] = milestone
            return milestone

    def edit_label(
        self,
        repo: RepoRecord,
        name: str,
        new_name: str | None,
        color: str | None,
        description: str | None,
        describe: bool,
    ) -> LabelRecord:
        """Rename / recolour a label; issues follow the rename (they hold the label, not its name)."""
        with self.lock:
            label = self.label(repo, name)
            if new_name is not None:
                _check_label_name(new_name)
            old_key = _label_key(label.name)
            if new_name is not None and _label_key(new_name) != old_key:
                new_key = _label_key(new_name)
                if new_key in repo.labels:
                    raise validation_failed(
                        {"resource": "Label", "code": "already_exists", "field": "name"}
                    )
                del repo.labels[old_key]
                repo.labels[new_key] = label
                for issue in repo.issues.values():
                    issue.labels = [new_key if k == old_key else k for k in issue.labels]
            if new_name is not None:
                label.name = new_name.strip()
            if color is not None:
                label.color = color.lower()
            if describe:
                label.description = description
            return label

    def delete_label(self, repo: RepoRecord, name: str) -> None:
        with self.lock:
            key = _label_key(self.label(repo, name).name)
            del repo.labels[key]
            for issue in repo.issues.values():
                if key in issue.labels:
                    issue.labels = [k for k in issue.labels if k != key]

    def edit_milestone(
        self, repo: RepoRecord, number: int, now: datetime, changes: dict[str, Any]
    ) -> MilestoneRecord:
        with self.lock:
            milestone = self.milestone(repo, number)
            if "title" in changes:
                milestone.title = changes["title"]
            if "description" in changes:
                milestone.description = changes["description"]
            if "due_on" in changes:
                milestone.due_on = changes["due_on"]
            if "state" in changes and changes["state"] != milestone.state:
                milestone.state = changes["state"]
                milestone.closed_at = now if milestone.state == "closed" else None
            milestone.updated_at = now
            return milestone

    def delete_milestone(self, repo: RepoRecord, number: int) -> None:
        with self.lock:
            self.milestone(repo, number)
            del repo.milestones[number]
            for issue in repo.issues.values():
                if issue.milestone == number:
                    issue.milestone = None

    def milestone_counts(self, repo: RepoRecord, number: int) -> tuple[int, int]:
        """(open, closed) issues in a milestone."""
        opened = closed = 0
        for issue in repo.issues.values():
            if issue.milestone == number:
                if issue.state == "open":
                    opened += 1
                else:
                    closed += 1
        return opened, closed

    # -- persistence ---------------------------------------------------------------------------

    def dump(self) -> dict[str, Any]:
        with self.lock:
            return {
                "next_id": self._next_id,
                "users": [asdict(u) for u in self.users.values()],
                "repos": [_dump_repo(r) for r in self.repos.values()],
            }

    def load(self, data: dict[str, Any]) -> None:
        with self.lock:
            self._next_id = int(data["next_id"])
            self.users = {u["login"].lower(): UserRecord(**u) for u in data["users"]}
            self.repos = {}
            for raw in data["repos"]:
                repo = _load_repo(raw)
                self.repos[repo.full_name.lower()] = repo


_DATETIME_FIELDS = ("created_at", "updated_at", "closed_at", "due_on")


def _encode(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, dict):
        return {str(k): _encode(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_encode(v) for v in value]
    return value


def _decode_times(raw: dict[str, Any]) -> dict[str, Any]:
    return {
        k: (isoparse(v) if k in _DATETIME_FIELDS and isinstance(v, str) else v)
        for k, v in raw.items()
    }


def _dump_repo(repo: RepoRecord) -> dict[str, Any]:
    data: dict[str, Any] = _encode(asdict(repo))
    return data


def _load_repo(raw: dict[str, Any]) -> RepoRecord:
    fields = _decode_times(raw)
    issues = {}
    for number, issue_raw in raw["issues"].items():
        issue_fields = _decode_times(issue_raw)
        issue_fields["comments"] = [
            CommentRecord(**_decode_times(c)) for c in issue_raw["comments"]
        ]
        issues[int(number)] = IssueRecord(**issue_fields)
    fields["issues"] = issues
    fields["labels"] = {k: LabelRecord(**v) for k, v in raw["labels"].items()}
    fields["milestones"] = {
        int(k): MilestoneRecord(**_decode_times(v)) for k, v in raw["milestones"].items()
    }
    fields["moved"] = {int(k): v for k, v in raw["moved"].items()}
    return RepoRecord(**fields)
