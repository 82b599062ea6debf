"""The GitLab sandbox's data: users, projects (with members), issues and merge requests,
and the REST v4 JSON GitLab renders for them.

Kept apart from the HTTP layer so tests can act "as a person" (edit an issue in the
web UI, delete it) through plain methods, and so a state file round-trips.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from datetime import UTC, date, datetime
from typing import Any

SEED_USERS = ("tracker-bot", "alice", "bob", "carol", "mallory")
# Projects and who may be assigned in them (mallory exists but is nobody's member).
SEED_PROJECTS = {
    "acme/app": ("tracker-bot", "alice", "bob", "carol"),
    "acme/platform/api": ("tracker-bot", "alice", "bob"),
}
MAX_TITLE = 255
MAX_DESCRIPTION = 1_048_576  # GitLab's limit on an issue description (characters)


class GitLabError(Exception):
    """A refusal in GitLab's own shape: `{"message": ...}` or, for a missing or invalid
    parameter, Grape's `{"error": ...}`."""

    def __init__(self, status: int, message: Any, *, key: str = "message") -> None:
        super().__init__(str(message))
        self.status = status
        self.body = {key: message}


def not_found(what: str = "Not found") -> GitLabError:
    return GitLabError(404, f"404 {what}")


@dataclass
class User:
    id: int
    username: str
    name: str


@dataclass
class Project:
    id: int
    path_with_namespace: str
    members: list[int]
    issues_enabled: bool = True


@dataclass
class Note:
    id: int
    body: str
    author_id: int
    created_at: str
    system: bool = False  # GitLab's own notes ("moved to group/project#7")


@dataclass
class Issue:
    id: int  # global id
    iid: int  # per-project number: what people and URLs use
    project_id: int
    title: str
    description: str
    author_id: int
    created_at: str
    updated_at: str
    state: str = "opened"  # "opened" | "closed"
    labels: list[str] = field(default_factory=list)
    assignee_ids: list[int] = field(default_factory=list)
    due_date: str | None = None
    closed_at: str | None = None
    closed_by_id: int | None = None
    moved_to_id: int | None = None  # global id of the copy a move made
    notes: list[Note] = field(default_factory=list)


@dataclass
class MergeRequest:
    """A merge request between two branches of one project (no forks in the sandbox);
    the branches live in the project's git repository (`GitLabState.git_dirs`)."""

    id: int  # global id
    iid: int  # per-project number (`!3`), counted apart from issues
    project_id: int
    title: str
    description: str
    source_branch: str
    target_branch: str
    author_id: int
    created_at: str
    updated_at: str
    state: str = "opened"  # "opened" | "closed" | "merged"
    closed_at: str | None = None


def stamp(moment: datetime) -> str:
    """GitLab's timestamps: UTC, milliseconds, `Z`."""
    return (
        moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"
    )


def parse_stamp(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00")).astimezone(UTC)


class GitLabState:
    """Everything the sandbox knows; callers hold the service lock."""

    def __init__(self) -> None:
        self.users: dict[int, User] = {}
        self.projects: dict[int, Project] = {}
        self.issues: dict[int, Issue] = {}  # global id → issue
        self.next_issue_id = 1
        self.next_note_id = 1
        self.next_iid: dict[int, int] = {}
        self.merge_requests: dict[int, MergeRequest] = {}  # global id → merge request
        self.next_mr_id = 1
        self.next_mr_iid: dict[int, int] = {}
        self.git_dirs: dict[int, str] = {}  # project id → the git directory of its branches

    def reset(self) -> None:
        self.__init__()  # type: ignore[misc]
        for number, username in enumerate(SEED_USERS, start=1):
            self.users[number] = User(number, username, username.replace("-", " ").title())
        for number, (path, members) in enumerate(SEED_PROJECTS.items(), start=1):
            ids = [self.user_named(name).id for name in members]  # type: ignore[union-attr]
            self.projects[number] = Project(number, path, ids)
            self.next_iid[number] = 1

    # ----- lookups ----------------------------------------------------------------------

    def user_named(self, username: str) -> User | None:
        wanted = username.casefold()
        return next((u for u in self.users.values() if u.username.casefold() == wanted), None)

    def project(self, ref: str) -> Project:
        """By numeric id or by full path (`group/sub/project`, already URL-decoded)."""
        if ref.isdigit():
            found = self.projects.get(int(ref))
        else:
            wanted = ref.casefold()
            found = next(
                (p for p in self.projects.values() if p.path_with_namespace.casefold() == wanted),
                None,
            )
        if found is None:
            raise not_found("Project Not Found")
        return found

    def project_issues(self, project: Project) -> list[Issue]:
        return [i for i in self.issues.values() if i.project_id == project.id]

    def issue(self, project: Project, iid: int) -> Issue:
        for candidate in self.issues.values():
            if candidate.project_id == project.id and candidate.iid == iid:
                return candidate
        raise not_found("Issue Not Found")

    # ----- writes -----------------------------------------------------------------------

    def add_user(self, username: str, *, member_of: tuple[str, ...] = ()) -> User:
        user = self.user_named(username)
        if user is None:
            user = User(max(self.users) + 1, username, username.title())
            self.users[user.id] = user
        for path in member_of:
            project = self.project(path)
            if user.id not in project.members:
                project.members.append(user.id)
        return user

    def new_issue(self, project: Project, author: User, title: str, now: datetime) -> Issue:
        iid = self.next_iid[project.id]
        self.next_iid[project.id] = iid + 1
        issue = Issue(
            id=self.next_issue_id,
            iid=iid,
            project_id=project.id,
            title=title,
            description="",
            author_id=author.id,
            created_at=stamp(now),
            updated_at=stamp(now),
        )
        self.next_issue_id += 1
        self.issues[issue.id] = issue
        return issue

    def add_note(
        self, issue: Issue, author: User, body: str, now: datetime, *, system: bool = False
    ) -> Note:
        note = Note(self.next_note_id, body, author.id, stamp(now), system)
        self.next_note_id += 1
        issue.notes.append(note)
        issue.updated_at = stamp(now)
        return note

    # ----- state file -------------------------------------------------------------------

    def dump(self) -> dict[str, Any]:
        return {
            "users": [asdict(u) for u in self.users.values()],
            "projects": [asdict(p) for p in self.projects.values()],
            "issues": [asdict(i) for i in self.issues.values()],
            "next_issue_id": self.next_issue_id,
            "next_note_id": self.next_note_id,
            "next_iid": {str(k): v for k, v in self.next_iid.items()},
            "merge_requests": [asdict(m) for m in self.merge_requests.values()],
            "next_mr_id": self.next_mr_id,
            "next_mr_iid": {str(k): v for k, v in self.next_mr_iid.items()},
            "git_dirs": {str(k): v for k, v in self.git_dirs.items()},
        }

    def load(self, data: dict[str, Any]) -> None:
        self.users = {u["id"]: User(**u) for u in data["users"]}
        self.projects = {p["id"]: Project(**p) for p in data["projects"]}
        self.issues = {}
        for raw in data["issues"]:
            notes = [Note(**n) for n in raw.pop("notes", [])]
            self.issues[raw["id"]] = Issue(**raw, notes=notes)
        self.next_issue_id = int(data["next_issue_id"])
        self.next_note_id = int(data["next_note_id"])
        self.next_iid = {int(k): int(v) for k, v in data["next_iid"].items()}
        self.merge_requests = {m["id"]: MergeRequest(**m) for m in data.get("merge_requests", [])}
        self.next_mr_id = int(data.get("next_mr_id", 1))
        self.next_mr_iid = {int(k): int(v) for k, v in data.get("next_mr_iid", {}).items()}
        self.git_dirs = {int(k): str(v) for k, v in data.get("git_dirs", {}).items()}


class Renderer:
    """REST v4 JSON for one request: URLs are built on the address the client used."""

    def __init__(self, state: GitLabState, base_url: str) -> None:
        self.state = state
        self.base = base_url.rstrip("/")

    def user(self, user_id: int | None) -> dict[str, Any] | None:
        user = self.state.users.get(user_id) if user_id is not None else None
        if user is None:
            return None
        return {
            "id": user.id,
            "username": user.username,
            "name": user.name,
            "state": "active",
            "locked": False,
            "avatar_url": None,
            "web_url": f"{self.base}/{user.username}",
        }

    def project(self, project: Project) -> dict[str, Any]:
        namespace, _, name = project.path_with_namespace.rpartition("/")
        return {
            "id": project.id,
            "name": name,
            "path": name,
            "path_with_namespace": project.path_with_namespace,
            "name_with_namespace": project.path_with_namespace.replace("/", " / "),
            "namespace": {"full_path": namespace, "path": namespace.rpartition("/")[2]},
            "web_url": f"{self.base}/{project.path_with_namespace}",
            "issues_enabled": project.issues_enabled,
            "visibility": "private",
            "default_branch": "main",
        }

    def issue(self, issue: Issue) -> dict[str, Any]:
        project = self.state.projects[issue.project_id]
        assignees = [self.user(uid) for uid in issue.assignee_ids]
        api = f"{self.base}/api/v4/projects/{project.id}/issues/{issue.iid}"
        return {
            "id": issue.id,
            "iid": issue.iid,
            "project_id": issue.project_id,
            "title": issue.title,
            "description": issue.description,
            "state": issue.state,
            "created_at": issue.created_at,
            "updated_at": issue.updated_at,
            "closed_at": issue.closed_at,
            "closed_by": self.user(issue.closed_by_id),
            "labels": list(issue.labels),
            "milestone": None,
            "assignees": assignees,
            "assignee": assignees[0] if assignees else None,
            "author": self.user(issue.author_id),
            "type": "ISSUE",
            "issue_type": "issue",
            "user_notes_count": len(issue.notes),
            "merge_requests_count": 0,
            "upvotes": 0,
            "downvotes": 0,
            "due_date": issue.due_date,
            "confidential": False,
            "discussion_locked": None,
            "web_url": f"{self.base}/{project.path_with_namespace}/-/issues/{issue.iid}",
            "time_stats": {
                "time_estimate": 0,
                "total_time_spent": 0,
                "human_time_estimate": None,
                "human_total_time_spent": None,
            },
            "task_completion_status": {"count": 0, "completed_count": 0},
            "has_tasks": False,
            "references": {
                "short": f"#{issue.iid}",
                "relative": f"#{issue.iid}",
                "full": f"{project.path_with_namespace}#{issue.iid}",
            },
            "severity": "UNKNOWN",
            "moved_to_id": issue.moved_to_id,
            "service_desk_reply_to": None,
            "_links": {
                "self": api,
                "notes": f"{api}/notes",
                "award_emoji": f"{api}/award_emoji",
                "project": f"{self.base}/api/v4/projects/{project.id}",
                "closed_as_duplicate_of": None,
            },
        }

    def note(self, note: Note) -> dict[str, Any]:
        return {
            "id": note.id,
            "type": None,
            "body": note.body,
            "author": self.user(note.author_id),
            "created_at": note.created_at,
            "updated_at": note.created_at,
            "system": note.system,
            "noteable_type": "Issue",
            "resolvable": False,
            "confidential": False,
            "internal": False,
        }


def valid_date(text: str) -> date:
    return date.fromisoformat(text)
