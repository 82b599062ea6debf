"""The Jira sandbox's data: seeded catalogues (statuses, priorities, …), users,
projects and issues, and how they serialise for `--state FILE`.

Kept free of HTTP so the JQL evaluator and the route handlers share one model.
Ids and names follow a fresh Jira Cloud site's defaults (simplified workflow,
default priority scheme) so payloads look like recorded ones.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from typing import Any

# --- catalogues ----------------------------------------------------------------------

# statusCategory: (id, key, colorName, name) as Jira Cloud returns them.
STATUS_CATEGORIES: dict[str, tuple[int, str, str, str]] = {
    "new": (2, "new", "blue-gray", "To Do"),
    "indeterminate": (4, "indeterminate", "yellow", "In Progress"),
    "done": (3, "done", "green", "Done"),
}


@dataclass(frozen=True)
class Status:
    id: str
    name: str
    category: str  # key into STATUS_CATEGORIES
    transition_id: str  # the global transition that leads here
    description: str


STATUSES: tuple[Status, ...] = (
    Status("10000", "To Do", "new", "11", "Work that has not been started."),
    Status("3", "In Progress", "indeterminate", "21", "This issue is being actively worked on."),
    Status("10001", "Done", "done", "31", "Work has been completed on this issue."),
)
# A dedicated "closed, not done" status some teams add (category done, its transition's
# post-function sets resolution Won't Do); offered only with `Workflow.wont_do_status`.
WONT_DO_STATUS = Status("10002", "Won't Do", "done", "41", "This issue won't be actioned.")
STATUS_BY_ID = {s.id: s for s in (*STATUSES, WONT_DO_STATUS)}
STATUS_BY_NAME = {s.name.lower(): s for s in (*STATUSES, WONT_DO_STATUS)}
STATUS_BY_TRANSITION = {s.transition_id: s for s in (*STATUSES, WONT_DO_STATUS)}
INITIAL_STATUS = STATUSES[0]

# (id, name, description)
RESOLUTIONS: tuple[tuple[str, str, str], ...] = (
    ("10000", "Done", "Work has been completed on this issue."),
    ("10001", "Won't Do", "This issue won't be actioned."),
    ("10002", "Duplicate", "The problem is a duplicate of an existing issue."),
    ("10003", "Cannot Reproduce", "This issue couldn't be reproduced."),
)
RESOLUTION_BY_ID = {r[0]: r for r in RESOLUTIONS}
RESOLUTION_BY_NAME = {r[1].lower(): r for r in RESOLUTIONS}

# (id, name, statusColor)
PRIORITIES: tuple[tuple[str, str, str], ...] = (
    ("1", "Highest", "#d04437"),
    ("2", "High", "#f15C75"),
    ("3", "Medium", "#f79232"),
    ("4", "Low", "#707070"),
    ("5", "Lowest", "#999999"),
)
PRIORITY_BY_ID = {p[0]: p for p in PRIORITIES}
PRIORITY_BY_NAME = {p[1].lower(): p for p in PRIORITIES}
DEFAULT_PRIORITY = "3"

# (id, name, description, subtask)
ISSUE_TYPES: tuple[tuple[str, str, str, bool], ...] = (
    ("10001", "Task", "A small, distinct piece of work.", False),
    ("10002", "Bug", "A problem or error.", False),
    ("10003", "Story", "A user story.", False),
    ("10004", "Epic", "A big user story that needs to be broken down.", False),
    ("10005", "Sub-task", "A small piece of work that's part of a larger task.", True),
)
ISSUE_TYPE_BY_ID = {t[0]: t for t in ISSUE_TYPES}
ISSUE_TYPE_BY_NAME = {t[1].lower(): t for t in ISSUE_TYPES}

# Field catalogue for GET /field: (id, name, clauseNames, schema type, orderable, navigable)
FIELDS: tuple[tuple[str, str, tuple[str, ...], dict[str, Any]], ...] = (
    ("issuekey", "Key", ("id", "issue", "issuekey", "key"), {}),
    ("summary", "Summary", ("summary",), {"type": "string", "system": "summary"}),
    ("description", "Description", ("description",), {"type": "string", "system": "description"}),
    (
        "labels",
        "Labels",
        ("labels",),
        {"type": "array", "items": "string", "system": "labels"},
    ),
    ("duedate", "Due date", ("due", "duedate"), {"type": "date", "system": "duedate"}),
    ("priority", "Priority", ("priority",), {"type": "priority", "system": "priority"}),
    ("status", "Status", ("status",), {"type": "status", "system": "status"}),
    (
        "resolution",
        "Resolution",
        ("resolution",),
        {"type": "resolution", "system": "resolution"},
    ),
    (
        "resolutiondate",
        "Resolved",
        ("resolutiondate", "resolved"),
        {"type": "datetime", "system": "resolutiondate"},
    ),
    ("assignee", "Assignee", ("assignee",), {"type": "user", "system": "assignee"}),
    ("reporter", "Reporter", ("reporter",), {"type": "user", "system": "reporter"}),
    ("creator", "Creator", ("creator",), {"type": "user", "system": "creator"}),
    (
        "issuetype",
        "Issue Type",
        ("issuetype", "type"),
        {"type": "issuetype", "system": "issuetype"},
    ),
    ("project", "Project", ("project",), {"type": "project", "system": "project"}),
    ("created", "Created", ("created", "createdDate"), {"type": "datetime", "system": "created"}),
    ("updated", "Updated", ("updated", "updatedDate"), {"type": "datetime", "system": "updated"}),
    (
        "comment",
        "Comment",
        ("comment",),
        {"type": "comments-page", "system": "comment"},
    ),
    (
        "statusCategory",
        "Status Category",
        ("statusCategory",),
        {"type": "statusCategory", "system": "statusCategory"},
    ),
)
NAVIGABLE_FIELDS = tuple(f[0] for f in FIELDS if f[0] not in {"issuekey", "comment"})
ALL_FIELDS = (*NAVIGABLE_FIELDS, "comment")


@dataclass
class Workflow:
    """How the sandbox project's workflow and screens are set up (real Jira admins vary
    these; "Won't Do" handling depends on them):

    - `done_screen_resolution`: the Done transition has a screen with the Resolution
      field (else it takes none and its post-function sets resolution Done);
    - `resolution_on_edit`: Resolution is on the edit screen (settable by PUT /issue,
      listed in GET /issue/{key}/editmeta);
    - `wont_do_status`: a separate "Won't Do" status (category done) and transition.
    """

    done_screen_resolution: bool = True
    resolution_on_edit: bool = False
    wont_do_status: bool = False


# --- people and projects --------------------------------------------------------------


@dataclass
class User:
    account_id: str  # Cloud identity
    name: str  # Server/DC username
    key: str  # Server/DC user key
    display_name: str
    email: str
    time_zone: str = "UTC"  # profile zone: JQL date literals are read in it
    active: bool = True
    locale: str = "en_US"  # profile language: error messages come back in it


SEED_USERS: tuple[User, ...] = (
    User(
        "712020:5b10ac8d-82e0-4b22-8c7d-4ef5a1c0b001",
        "tracker",
        "JIRAUSER10000",
        "Tracker Bot",
        "tracker@example.com",
    ),
    User(
        "5b10ac8d82e05b22cc7d4ef5",
        "alice",
        "JIRAUSER10001",
        "Alice Anderson",
        "alice@example.com",
    ),
    User("5b10a2844c20165700ede21g", "bob", "JIRAUSER10002", "Bob Brown", "bob@example.com"),
    User("5b109f2e9729b51b54dc274d", "chen", "JIRAUSER10003", "Chen Wei", "chen@example.com"),
)


PROJECT_NAMES = {"ENG": "Engineering", "OPS": "Operations"}


@dataclass
class Project:
    id: str
    key: str
    name: str
    lead: str  # account id
    next_number: int = 1


# --- issues -----------------------------------------------------------------------------


@dataclass
class Comment:
    id: str
    author: str  # account id
    body: str
    created: str
    updated: str


@dataclass
class History:
    """One changelog entry: who changed which fields when."""

    id: str
    author: str
    created: str
    items: list[dict[str, Any]]


@dataclass
class Issue:
    id: str
    key: str
    project: str  # project key
    summary: str
    issuetype: str  # issue type id
    created: str
    updated: str
    reporter: str  # account id
    description: str | None = None
    priority: str = DEFAULT_PRIORITY
    status: str = INITIAL_STATUS.id
    resolution: str | None = None
    resolutiondate: str | None = None
    labels: list[str] = field(default_factory=list)
    duedate: str | None = None
    assignee: str | None = None  # account id
    comments: list[Comment] = field(default_factory=list)
    properties: dict[str, Any] = field(default_factory=dict)
    histories: list[History] = field(default_factory=list)
    creator: str | None = None  # account id of who created it (fixed; reporter can change)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Issue:
        data = dict(data)
        data["comments"] = [Comment(**c) for c in data.get("comments", [])]
        data["histories"] = [History(**h) for h in data.get("histories", [])]
        return cls(**data)


def jira_time(when: datetime) -> str:
    """Jira's timestamp format: 2025-01-01T10:00:00.000+0000."""
    when = when.astimezone(UTC)
    return when.strftime("%Y-%m-%dT%H:%M:%S.") + f"{when.microsecond // 1000:03d}+0000"


def parse_jira_time(text: str) -> datetime:
    return datetime.strptime(text, "%Y-%m-%dT%H:%M:%S.%f%z")


@dataclass
class JiraState:
    """Everything a Jira site holds; `issues` keyed by numeric id (as a string)."""

    users: list[User]
    projects: dict[str, Project]  # by key
    issues: dict[str, Issue] = field(default_factory=dict)
    keys: dict[str, str] = field(default_factory=dict)  # every key ever used (moves) -> id
    next_issue_id: int = 10000
    next_comment_id: int = 10100
    next_history_id: int = 10200

    @classmethod
    def seeded(cls, project_keys: tuple[str, ...]) -> JiraState:
        projects = {
            key: Project(
                str(10000 + n), key, PROJECT_NAMES.get(key, key.title()), SEED_USERS[0].account_id
            )
            for n, key in enumerate(project_keys)
        }
        return cls(users=[User(**asdict(u)) for u in SEED_USERS], projects=projects)

    def to_dict(self) -> dict[str, Any]:
        return {
            "users": [asdict(u) for u in self.users],
            "projects": [asdict(p) for p in self.projects.values()],
            "issues": [asdict(i) for i in self.issues.values()],
            "keys": self.keys,
            "next_issue_id": self.next_issue_id,
            "next_comment_id": self.next_comment_id,
            "next_history_id": self.next_history_id,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> JiraState:
        projects = {p["key"]: Project(**p) for p in data["projects"]}
        issues = {i["id"]: Issue.from_dict(i) for i in data["issues"]}
        return cls(
            users=[User(**u) for u in data["users"]],
            projects=projects,
            issues=issues,
            keys=dict(data["keys"]),
            next_issue_id=data["next_issue_id"],
            next_comment_id=data["next_comment_id"],
            next_history_id=data["next_history_id"],
        )

    # --- lookups ----------------------------------------------------------------------

    def issue(self, id_or_key: str) -> Issue | None:
        """By numeric id, current key, or a key the issue had before a move."""
        if id_or_key.isdigit():
            return self.issues.get(id_or_key)
        issue_id = self.keys.get(id_or_key.upper())
        return self.issues.get(issue_id) if issue_id else None

    def project(self, id_or_key: str) -> Project | None:
        project = self.projects.get(id_or_key.upper())
        if project is None:
            project = next((p for p in self.projects.values() if p.id == id_or_key), None)
        return project

    def user_by_account(self, account_id: str) -> User | None:
        return next((u for u in self.users if u.account_id == account_id), None)

    def user_by_name(self, name: str) -> User | None:
        lowered = name.lower()
        return next(
            (u for u in self.users if lowered in (u.name.lower(), u.key.lower(), u.email.lower())),
            None,
        )

    def new_issue_id(self) -> str:
        self.next_issue_id += 1
        return str(self.next_issue_id - 1)

    def new_comment_id(self) -> str:
        self.next_comment_id += 1
        return str(self.next_comment_id - 1)

    def new_history_id(self) -> str:
        self.next_history_id += 1
        return str(self.next_history_id - 1)

    # --- changes (shared by the API and the people in the control plane) ---------------

    def apply(self, now: str, issue: Issue, values: dict[str, Any], actor: str) -> None:
        """Write checked values, recording a changelog entry and bumping `updated`."""
        items: list[dict[str, Any]] = []
        for name, new in values.items():
            old = getattr(issue, name)
            if old == new:
                continue
            items.append(self._change_item(name, old, new))
            setattr(issue, name, new)
        if items:
            self.record(now, issue, items, actor)

    def _change_item(self, name: str, old: Any, new: Any) -> dict[str, Any]:
        def text(value: Any) -> str | None:
            if value is None:
                return None
            if name == "priority":
                return PRIORITY_BY_ID[value][1]
            if name == "status":
                return STATUS_BY_ID[value].name
            if name == "resolution":
                return RESOLUTION_BY_ID[value][1]
            if name in ("assignee", "reporter"):
                user = self.user_by_account(value)
                return user.display_name if user else value
            if name == "labels":
                return " ".join(value)
            return str(value)

        ids = name in ("priority", "status", "resolution", "assignee", "reporter")
        return {
            "field": name,
            "fieldtype": "jira",
            "fieldId": name,
            "from": old if ids else None,
            "fromString": text(old),
            "to": new if ids else None,
            "toString": text(new),
        }

    def record(self, now: str, issue: Issue, items: list[dict[str, Any]], actor: str) -> None:
        issue.histories.append(History(self.new_history_id(), actor, now, items))
        issue.updated = now

    def create(self, now: str, values: dict[str, Any], actor: str) -> Issue:
        """A new issue from checked values (project, issuetype and summary required)."""
        values = dict(values)
        project = self.projects[values.pop("project")]
        issue = Issue(
            id=self.new_issue_id(),
            key=f"{project.key}-{project.next_number}",
            project=project.key,
            summary=values.pop("summary"),
            issuetype=values.pop("issuetype"),
            created=now,
            updated=now,
            reporter=values.pop("reporter", actor) or actor,
            creator=actor,
        )
        project.next_number += 1
        for name, value in values.items():
            setattr(issue, name, value)
        self.issues[issue.id] = issue
        self.keys[issue.key] = issue.id
        return issue

    def transition(
        self, now: str, issue: Issue, status_id: str, resolution_id: str | None, actor: str
    ) -> None:
        """Move to a status; done sets a resolution (Done unless given), leaving done clears it."""
        status = STATUS_BY_ID[status_id]
        values: dict[str, Any] = {"status": status.id}
        if status.category == "done":
            default = "won't do" if status is WONT_DO_STATUS else "done"
            values["resolution"] = resolution_id or RESOLUTION_BY_NAME[default][0]
            if issue.resolution is None:
                values["resolutiondate"] = now
        else:
            values["resolution"] = None
            values["resolutiondate"] = None
        self.apply(now, issue, values, actor)

    def add_comment(self, now: str, issue: Issue, text: str, actor: str) -> Comment:
        comment = Comment(self.new_comment_id(), actor, text, now, now)
        issue.comments.append(comment)
        issue.updated = now
        return comment

    def delete(self, issue: Issue) -> None:
        del self.issues[issue.id]
        for old_key in [k for k, v in self.keys.items() if v == issue.id]:
            del self.keys[old_key]
