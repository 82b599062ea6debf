"""How the Jira sandbox shows its data: the JSON bodies of users, statuses, issues,
comments, transitions and changelogs, in the shapes recorded from real Jira
(../shared/reference/jira-client.md §4), and Atlassian Document Format for API v3."""

from __future__ import annotations

from collections.abc import Callable
from contextvars import ContextVar
from typing import TYPE_CHECKING, Any

from tracker_jira.sandbox.state import (
    ALL_FIELDS,
    FIELDS,
    ISSUE_TYPE_BY_ID,
    ISSUE_TYPES,
    PRIORITY_BY_ID,
    RESOLUTION_BY_ID,
    RESOLUTIONS,
    STATUS_BY_ID,
    STATUS_CATEGORIES,
    STATUSES,
    WONT_DO_STATUS,
    Comment,
    History,
    Issue,
    JiraState,
    Project,
    Status,
)

if TYPE_CHECKING:
    from tracker_jira.sandbox.server import JiraSandbox

# Set while a /rest/api/3 request is handled: v3 reads and writes rich text (description,
# comment bodies) as Atlassian Document Format instead of v2's plain strings.
ADF: ContextVar[bool] = ContextVar("jira_sandbox_adf", default=False)


class JiraPayloads:
    """Renders the sandbox's current state (read through the sandbox on every call, since
    a reset replaces the state object)."""

    def __init__(self, sandbox: JiraSandbox) -> None:
        self.sandbox = sandbox

    @property
    def state(self) -> JiraState:
        return self.sandbox.state

    @property
    def cloud(self) -> bool:
        return self.sandbox.cloud

    @property
    def base_url(self) -> str:
        return self.sandbox.base_url

    def url(self, path: str) -> str:
        return f"{self.base_url}/rest/api/2/{path}"

    def user_json(self, account_id: str | None) -> dict[str, Any] | None:
        if account_id is None:
            return None
        user = self.state.user_by_account(account_id)
        if user is None:
            return None
        avatars = {
            size: f"https://avatar.example.invalid/{user.name}/{size}"
            for size in ("48x48", "24x24", "16x16", "32x32")
        }
        if self.cloud:
            return {
                "self": self.url(f"user?accountId={user.account_id}"),
                "accountId": user.account_id,
                "emailAddress": user.email,
                "avatarUrls": avatars,
                "displayName": user.display_name,
                "active": user.active,
                "timeZone": user.time_zone,
                "accountType": "atlassian",
            }
        return {
            "self": self.url(f"user?username={user.name}"),
            "name": user.name,
            "key": user.key,
            "emailAddress": user.email,
            "avatarUrls": avatars,
            "displayName": user.display_name,
            "active": user.active,
            "timeZone": user.time_zone,
        }

    def status_json(self, status_id: str) -> dict[str, Any]:
        status = STATUS_BY_ID[status_id]
        cat_id, key, color, cat_name = STATUS_CATEGORIES[status.category]
        return {
            "self": self.url(f"status/{status.id}"),
            "description": status.description,
            "iconUrl": f"{self.base_url}/images/icons/statuses/generic.png",
            "name": status.name,
            "id": status.id,
            "statusCategory": {
                "self": self.url(f"statuscategory/{cat_id}"),
                "id": cat_id,
                "key": key,
                "colorName": color,
                "name": cat_name,
            },
        }

    def priority_json(self, priority_id: str) -> dict[str, Any]:
        pid, name, _ = PRIORITY_BY_ID[priority_id]
        return {
            "self": self.url(f"priority/{pid}"),
            "iconUrl": f"{self.base_url}/images/icons/priorities/{name.lower()}.svg",
            "name": name,
            "id": pid,
        }

    def resolution_json(self, resolution_id: str | None) -> dict[str, Any] | None:
        if resolution_id is None:
            return None
        rid, name, description = RESOLUTION_BY_ID[resolution_id]
        return {
            "self": self.url(f"resolution/{rid}"),
            "id": rid,
            "description": description,
            "name": name,
        }

    def issue_type_json(self, type_id: str) -> dict[str, Any]:
        tid, name, description, subtask = ISSUE_TYPE_BY_ID[type_id]
        return {
            "self": self.url(f"issuetype/{tid}"),
            "id": tid,
            "description": description,
            "iconUrl": f"{self.base_url}/images/icons/issuetypes/{name.lower()}.svg",
            "name": name,
            "subtask": subtask,
            "hierarchyLevel": -1 if subtask else 0,
        }

    def project_json(self, project: Project, *, full: bool = False) -> dict[str, Any]:
        body: dict[str, Any] = {
            "self": self.url(f"project/{project.id}"),
            "id": project.id,
            "key": project.key,
            "name": project.name,
            "projectTypeKey": "software",
            "simplified": False,
            "avatarUrls": {"48x48": f"https://avatar.example.invalid/project/{project.key}"},
        }
        if full:
            body = {
                "expand": "description,lead,issueTypes,url,projectKeys,permissions,insight",
                **body,
                "description": "",
                "lead": self.user_json(project.lead),
                "issueTypes": [self.issue_type_json(t[0]) for t in ISSUE_TYPES],
                "assigneeType": "UNASSIGNED",
                "style": "classic",
                "isPrivate": False,
                "properties": {},
            }
        return body

    def comment_json(self, issue: Issue, comment: Comment) -> dict[str, Any]:
        author = self.user_json(comment.author)
        body: dict[str, Any] = {
            "self": self.url(f"issue/{issue.id}/comment/{comment.id}"),
            "id": comment.id,
            "author": author,
            "body": rich(comment.body),
            "updateAuthor": author,
            "created": comment.created,
            "updated": comment.updated,
        }
        if self.cloud:
            body["jsdPublic"] = True
        return body

    def comments_page(self, issue: Issue, start: int = 0, limit: int = 5000) -> dict[str, Any]:
        comments = issue.comments[start : start + limit]
        return {
            "comments": [self.comment_json(issue, c) for c in comments],
            "self": self.url(f"issue/{issue.id}/comment"),
            "maxResults": limit if issue.comments else 0,
            "total": len(issue.comments),
            "startAt": start,
        }

    def transitions_json(self, issue: Issue, *, with_fields: bool = False) -> list[dict[str, Any]]:
        workflow = self.sandbox.workflow
        offered = [*STATUSES, WONT_DO_STATUS] if workflow.wont_do_status else list(STATUSES)
        result = []
        for status in offered:
            if status.id == issue.status:
                continue
            transition: dict[str, Any] = {
                "id": status.transition_id,
                "name": status.name,
                "to": self.status_json(status.id),
                "hasScreen": self.screen_has_resolution(status),
                "isGlobal": True,
                "isInitial": False,
                "isAvailable": True,
                "isConditional": False,
                "isLooped": False,
            }
            if with_fields:
                transition["fields"] = (
                    {"resolution": self._resolution_field()}
                    if self.screen_has_resolution(status)
                    else {}
                )
            result.append(transition)
        return result

    def screen_has_resolution(self, status: Status) -> bool:
        """Whether the transition into `status` has a screen with the Resolution field."""
        return (
            status.category == "done"
            and status is not WONT_DO_STATUS  # its post-function sets Won't Do
            and self.sandbox.workflow.done_screen_resolution
        )

    def _resolution_field(self) -> dict[str, Any]:
        return {
            "required": False,
            "schema": {"type": "resolution", "system": "resolution"},
            "name": "Resolution",
            "key": "resolution",
            "operations": ["set"],
            "allowedValues": [self.resolution_json(r[0]) for r in RESOLUTIONS],
        }

    def editmeta_fields(self) -> dict[str, Any]:
        """GET /issue/{key}/editmeta `fields`: what the edit screen lets PUT /issue set."""

        def plain(name: str, kind: str, system: str, operations: list[str]) -> dict[str, Any]:
            return {
                "required": name == "Summary",
                "schema": {"type": kind, "system": system},
                "name": name,
                "key": system,
                "operations": operations,
            }

        fields = {
            "summary": plain("Summary", "string", "summary", ["set"]),
            "description": plain("Description", "string", "description", ["set"]),
            "labels": plain("Labels", "array", "labels", ["add", "set", "remove"]),
            "duedate": plain("Due date", "date", "duedate", ["set"]),
            "priority": plain("Priority", "priority", "priority", ["set"]),
            "assignee": plain("Assignee", "user", "assignee", ["set"]),
        }
        if self.sandbox.workflow.resolution_on_edit:
            fields["resolution"] = self._resolution_field()
        return fields

    def issue_json(
        self, issue: Issue, wanted: tuple[str, ...] | None = None, expand: set[str] | None = None
    ) -> dict[str, Any]:
        """An issue as GET /issue returns it; `wanted` = field ids (None = all)."""
        renderers: dict[str, Callable[[], Any]] = {
            "summary": lambda: issue.summary,
            "description": lambda: rich(issue.description),
            "labels": lambda: list(issue.labels),
            "duedate": lambda: issue.duedate,
            "priority": lambda: self.priority_json(issue.priority),
            "status": lambda: self.status_json(issue.status),
            "resolution": lambda: self.resolution_json(issue.resolution),
            "resolutiondate": lambda: issue.resolutiondate,
            "assignee": lambda: self.user_json(issue.assignee),
            "reporter": lambda: self.user_json(issue.reporter),
            "creator": lambda: self.user_json(issue.creator or issue.reporter),
            "issuetype": lambda: self.issue_type_json(issue.issuetype),
            "project": lambda: self.project_json(self.state.projects[issue.project]),
            "created": lambda: issue.created,
            "updated": lambda: issue.updated,
            "comment": lambda: self.comments_page(issue),
        }
        names = ALL_FIELDS if wanted is None else wanted
        body: dict[str, Any] = {
            "expand": "renderedFields,names,schema,operations,editmeta,changelog,versionedRepresentations",
            "id": issue.id,
            "self": self.url(f"issue/{issue.id}"),
            "key": issue.key,
            "fields": {name: renderers[name]() for name in names if name in renderers},
        }
        expand = expand or set()
        if "changelog" in expand:
            body["changelog"] = {
                "startAt": 0,
                "maxResults": len(issue.histories),
                "total": len(issue.histories),
                "histories": [self.history_json(h) for h in issue.histories],
            }
        if "transitions" in expand:
            body["transitions"] = self.transitions_json(issue)
        if "names" in expand:
            body["names"] = {f[0]: f[1] for f in FIELDS if f[0] in names}
        if "renderedfields" in expand:
            body["renderedFields"] = {
                name: body["fields"][name] for name in ("summary", "description") if name in names
            }
        if wanted is not None and issue.properties and "properties" in expand:
            body["properties"] = dict(issue.properties)
        return body

    def history_json(self, history: History) -> dict[str, Any]:
        return {
            "id": history.id,
            "author": self.user_json(history.author),
            "created": history.created,
            "items": history.items,
        }


def text_to_adf(text: str) -> dict[str, Any]:
    """Plain text as an ADF document: one paragraph per line."""
    return {
        "type": "doc",
        "version": 1,
        "content": [
            {"type": "paragraph", "content": [{"type": "text", "text": line}] if line else []}
            for line in text.split("\n")
        ],
    }


def adf_to_text(document: Any) -> str | None:
    """The text of an ADF document (paragraphs joined by newlines); None if it isn't one."""
    if not isinstance(document, dict) or document.get("type") != "doc":
        return None

    def text_of(node: Any) -> str:
        if not isinstance(node, dict):
            return ""
        if node.get("type") == "text":
            return str(node.get("text", ""))
        if node.get("type") == "hardBreak":
            return "\n"
        return "".join(text_of(child) for child in node.get("content") or [])

    return "\n".join(text_of(block) for block in document.get("content") or [])


def rich(text: str | None) -> Any:
    """Stored plain text as this request's API version shows it."""
    return text_to_adf(text) if text is not None and ADF.get() else text


def rich_text(value: Any) -> Any:
    """A rich-text value as sent (string in v2, ADF in v3) -> stored plain text."""
    return adf_to_text(value) if ADF.get() else value
