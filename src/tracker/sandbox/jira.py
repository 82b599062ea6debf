"""A Jira sandbox the real `jira` 3.10 client drives over HTTP as if it were Jira.

Cloud flavour by default (basic auth e-mail + API token, accountIds, `/search/jql`
with `nextPageToken`, legacy `/search` answers 410); `flavour="server"` gives
Server/Data Center behaviour (Bearer personal access token, usernames,
`/search` with `startAt`/`total`). Payload shapes, error bodies and messages follow
the recorded facts in ../shared/reference/jira-client.md and Atlassian's REST docs.
"""

from __future__ import annotations

import base64
import binascii
import json
import re
import secrets
from collections.abc import Awaitable, Callable
from contextvars import ContextVar
from datetime import date, timedelta
from pathlib import Path
from typing import Any, ClassVar, Literal

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route

from tracker.sandbox.core import SandboxError, SandboxService, control_body
from tracker.sandbox.jira_state import (
    ALL_FIELDS,
    FIELDS,
    ISSUE_TYPE_BY_ID,
    ISSUE_TYPE_BY_NAME,
    ISSUE_TYPES,
    NAVIGABLE_FIELDS,
    PRIORITIES,
    PRIORITY_BY_ID,
    PRIORITY_BY_NAME,
    RESOLUTION_BY_ID,
    RESOLUTION_BY_NAME,
    RESOLUTIONS,
    STATUS_BY_ID,
    STATUS_BY_NAME,
    STATUS_BY_TRANSITION,
    STATUS_CATEGORIES,
    STATUSES,
    Comment,
    History,
    Issue,
    JiraState,
    Project,
    User,
    jira_time,
)
from tracker.sandbox.jql import JqlContext, JqlError, compile_jql

Flavour = Literal["cloud", "server"]
Handler = Callable[[Request], Awaitable[Response]]

API_VERSIONS = ("2", "latest", "3")
# Set while a /rest/api/3 request is handled: v3 reads and writes rich text (description,
# comment bodies) as Atlassian Document Format instead of v2's plain strings.
_ADF: ContextVar[bool] = ContextVar("jira_sandbox_adf", default=False)
ADF_REQUIRED = "Operation value must be an Atlassian Document (see the Atlassian Document Format)"
BULK_LIMIT = 50
NOT_FOUND_ISSUE = "Issue does not exist or you do not have permission to see it."
NOT_AUTHENTICATED = "You are not authenticated. Authentication required to perform this operation."
SEARCH_REMOVED = (
    "The requested API has been removed. Please migrate to the /rest/api/3/search/jql API. "
    "A full migration guideline is available at "
    "https://developer.atlassian.com/changelog/#CHANGE-2046"
)
CANNOT_SET = "Field '{}' cannot be set. It is not on the appropriate screen, or unknown."
MAX_PROPERTY_BYTES = 32768
MAX_SNAPSHOTS = 256  # open search cursors kept (oldest dropped: "expired" token)
_LABEL_SPACE = re.compile(r"\s")


def jira_errors(
    errors: dict[str, str] | None = None, messages: list[str] | None = None
) -> dict[str, Any]:
    """Jira's error body: `{"errorMessages": [...], "errors": {field: message}}`."""
    return {"errorMessages": messages or [], "errors": errors or {}}


def bad_request(errors: dict[str, str] | None = None, *messages: str) -> SandboxError:
    return SandboxError(400, "bad request", body=jira_errors(errors, list(messages)))


class JiraSandbox(SandboxService):
    """Stateful Jira on loopback. Python control API: `set_status`, `set_assignee`,
    `edit_issue`, `delete_issue`, `move_issue`, `issues()`, `issue()`."""

    name = "jira"

    def __init__(
        self,
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        token: str | None = None,
        latency_ms: float = 0.0,
        state_file: Path | None = None,
        flavour: Flavour = "cloud",
        projects: tuple[str, ...] | list[str] = ("ENG", "OPS"),
    ) -> None:
        if flavour not in ("cloud", "server"):
            raise ValueError("flavour must be 'cloud' or 'server'")
        self.flavour: Flavour = flavour
        self.project_keys = tuple(p.upper() for p in projects)
        self.state = JiraState.seeded(self.project_keys)
        # Authorization headers already checked -> acting account id (saves a base64
        # decode and a user lookup per request).
        self._accepted: dict[str, str] = {}
        self._snapshots: dict[str, list[str]] = {}  # nextPageToken cursors -> issue ids
        # Cloud search index lag (0 = off): see _searchable().
        self.search_lag_seconds = 0.0
        super().__init__(
            host=host, port=port, token=token, latency_ms=latency_ms, state_file=state_file
        )

    @property
    def cloud(self) -> bool:
        return self.flavour == "cloud"

    # ----- SandboxService hooks --------------------------------------------------------

    def reset_state(self) -> None:
        self.state = JiraState.seeded(self.project_keys)
        self._accepted.clear()
        self._snapshots.clear()
        self.search_lag_seconds = 0.0

    def dump_state(self) -> dict[str, Any]:
        return self.state.to_dict()

    def load_state(self, data: dict[str, Any]) -> None:
        self.state = JiraState.from_dict(data)
        self._accepted.clear()
        self._snapshots.clear()
        for key in self.project_keys:  # projects asked for on the command line
            if key not in self.state.projects:
                self.state.projects[key] = JiraState.seeded((key,)).projects[key]
                self.state.projects[key].id = str(
                    max(int(p.id) for p in self.state.projects.values()) + 1
                )

    def error_response(self, status: int, message: str) -> Response:
        return JSONResponse(jira_errors(messages=[message]), status_code=status)

    def rate_limit_headers(self, retry_after: int) -> dict[str, str]:
        """Jira Cloud's 429 headers (Atlassian's rate-limiting docs; the client only
        logs them, Retry-After drives its backoff)."""
        reset = self.clock.now() + timedelta(seconds=retry_after)
        return {
            "X-RateLimit-Limit": "100",
            "X-RateLimit-Remaining": "0",
            "X-RateLimit-Reset": reset.strftime("%Y-%m-%dT%H:%MZ"),
            "RateLimit-Reason": "jira-burst-based",
        }

    def not_found_response(self, request: Request) -> Response:
        return self.error_response(404, f"null for uri: {request.url}")

    def authenticate(self, request: Request) -> Response | None:
        header = request.headers.get("authorization", "")
        known = self._accepted.get(header) if header else None
        if known is not None:
            request.scope["sandbox.actor"] = known
            return None
        scheme, _, credentials = header.partition(" ")
        actor: User | None = None
        if scheme.lower() == "basic":
            try:
                user, _, password = base64.b64decode(credentials).decode().partition(":")
            except (binascii.Error, UnicodeDecodeError):
                user, password = "", ""
            if secrets.compare_digest(password.encode(), self.token.encode()):
                actor = self.state.user_by_name(user) or self.state.users[0]
        elif scheme.lower() == "bearer" and not self.cloud:
            if secrets.compare_digest(credentials.encode(), self.token.encode()):
                actor = self.state.users[0]
        elif not header and request.url.path.endswith("/serverInfo"):
            actor = self.state.users[0]  # serverInfo is public, as on a real site
        if actor is None:
            return JSONResponse(
                jira_errors(messages=[NOT_AUTHENTICATED]),
                status_code=401,
                headers={
                    "WWW-Authenticate": 'Basic realm="protected-area"',
                    "X-Seraph-LoginReason": "AUTHENTICATED_FAILED",
                },
            )
        request.scope["sandbox.actor"] = actor.account_id
        if header:
            if len(self._accepted) > 256:
                self._accepted.clear()
            self._accepted[header] = actor.account_id
        return None

    # ----- routes ------------------------------------------------------------------------

    def routes(self) -> list[BaseRoute]:
        table: list[tuple[str, str, Handler]] = [
            ("GET", "/issue/{issueIdOrKey}", self.get_issue),
            ("POST", "/issue", self.create_issue),
            ("GET", "/search/jql", self.search_jql),
            ("POST", "/search/jql", self.search_jql),
            ("PUT", "/issue/{issueIdOrKey}", self.edit_issue_route),
            ("DELETE", "/issue/{issueIdOrKey}", self.delete_issue_route),
            ("POST", "/issue/bulk", self.bulk_create),
            ("GET", "/issue/{issueIdOrKey}/transitions", self.get_transitions),
            ("POST", "/issue/{issueIdOrKey}/transitions", self.do_transition),
            ("GET", "/issue/{issueIdOrKey}/comment", self.get_comments),
            ("POST", "/issue/{issueIdOrKey}/comment", self.add_comment),
            ("GET", "/issue/{issueIdOrKey}/comment/{id}", self.get_comment),
            ("PUT", "/issue/{issueIdOrKey}/assignee", self.assign),
            ("GET", "/issue/{issueIdOrKey}/changelog", self.get_changelog),
            ("GET", "/issue/{issueIdOrKey}/properties", self.list_properties),
            ("GET", "/issue/{issueIdOrKey}/properties/{propertyKey}", self.get_property),
            ("PUT", "/issue/{issueIdOrKey}/properties/{propertyKey}", self.put_property),
            ("DELETE", "/issue/{issueIdOrKey}/properties/{propertyKey}", self.delete_property),
            ("GET", "/search", self.search_legacy),
            ("POST", "/search", self.search_legacy),
            ("POST", "/search/approximate-count", self.approximate_count),
            ("GET", "/serverInfo", self.server_info),
            ("GET", "/myself", self.myself),
            ("GET", "/field", self.fields),
            ("GET", "/project", self.list_projects),
            ("GET", "/project/{projectIdOrKey}", self.get_project),
            ("GET", "/issuetype", self.issue_types),
            ("GET", "/priority", self.priorities),
            ("GET", "/status", self.statuses),
            ("GET", "/statuscategory", self.status_categories),
            ("GET", "/resolution", self.resolutions),
            ("GET", "/user", self.get_user),
            ("GET", "/user/search", self.search_users),
        ]
        return [
            Route(
                f"/rest/api/{version}{path}",
                _in_adf(handler) if version == "3" else handler,
                methods=[method],
            )
            for version in API_VERSIONS
            for method, path, handler in table
        ]

    def control_routes(self) -> list[BaseRoute]:
        base = "/_sandbox/jira/issues"
        return [
            *super().control_routes(),
            Route(base, self._ctl_issues, methods=["GET", "POST"]),
            Route(base + "/{key}", self._ctl_delete, methods=["DELETE"]),
            Route(base + "/{key}/transition", self._ctl_transition, methods=["POST"]),
            Route(base + "/{key}/assignee", self._ctl_assignee, methods=["POST"]),
            Route(base + "/{key}/edit", self._ctl_edit, methods=["POST"]),
            Route(base + "/{key}/move", self._ctl_move, methods=["POST"]),
            Route("/_sandbox/jira/search-lag", self._ctl_search_lag, methods=["GET", "POST"]),
        ]

    # ----- rendering -----------------------------------------------------------------------

    def _url(self, path: str) -> str:
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
                "self": self._url(f"user?accountId={user.account_id}"),
                "accountId": user.account_id,
                "emailAddress": user.email,
                "avatarUrls": avatars,
                "displayName": user.display_name,
                "active": user.active,
                "timeZone": user.time_zone,
                "accountType": "atlassian",
            }
        return {
            "self": self._url(f"user?username={user.name}"),
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
            "self": self._url(f"status/{status.id}"),
            "description": status.description,
            "iconUrl": f"{self.base_url}/images/icons/statuses/generic.png",
            "name": status.name,
            "id": status.id,
            "statusCategory": {
                "self": self._url(f"statuscategory/{cat_id}"),
                "id": cat_id,
                "key": key,
                "colorName": color,
                "name": cat_name,
            },
        }

    def priority_json(self, priority_id: str) -> dict[str, Any]:
        pid, name, _ = PRIORITY_BY_ID[priority_id]
        return {
            "self": self._url(f"priority/{pid}"),
            "iconUrl": f"{self.base_url}/images/icons/priorities/{name.lower()}.svg",
            "name": name,
            "id": pid,
        }

    def resolution_json(self, resolution_id: str | None) -> dict[str, Any] | None:
        if resolution_id is None:
            return None
        rid, name, description = RESOLUTION_BY_ID[resolution_id]
        return {
            "self": self._url(f"resolution/{rid}"),
            "id": rid,
            "description": description,
            "name": name,
        }

    def issue_type_json(self, type_id: str) -> dict[str, Any]:
        tid, name, description, subtask = ISSUE_TYPE_BY_ID[type_id]
        return {
            "self": self._url(f"issuetype/{tid}"),
            "id": tid,
            "description": description,
            "iconUrl": f"{self.base_url}/images/icons/issuetypes/{name.lower()}.svg",
            "name": name,
            "subtask": subtask,
            "hierarchyLevel": -1 if subtask else 0,
        }

    def project_json(self, project: Project, *, full: bool = False) -> dict[str, Any]:
        body: dict[str, Any] = {
            "self": self._url(f"project/{project.id}"),
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
            "self": self._url(f"issue/{issue.id}/comment/{comment.id}"),
            "id": comment.id,
            "author": author,
            "body": _rich(comment.body),
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
            "self": self._url(f"issue/{issue.id}/comment"),
            "maxResults": limit if issue.comments else 0,
            "total": len(issue.comments),
            "startAt": start,
        }

    def transitions_json(self, issue: Issue, *, with_fields: bool = False) -> list[dict[str, Any]]:
        result = []
        for status in STATUSES:
            if status.id == issue.status:
                continue
            transition: dict[str, Any] = {
                "id": status.transition_id,
                "name": status.name,
                "to": self.status_json(status.id),
                "hasScreen": False,
                "isGlobal": True,
                "isInitial": False,
                "isAvailable": True,
                "isConditional": False,
                "isLooped": False,
            }
            if with_fields:
                transition["fields"] = (
                    {
                        "resolution": {
                            "required": False,
                            "schema": {"type": "resolution", "system": "resolution"},
                            "name": "Resolution",
                            "key": "resolution",
                            "operations": ["set"],
                            "allowedValues": [self.resolution_json(r[0]) for r in RESOLUTIONS],
                        }
                    }
                    if status.category == "done"
                    else {}
                )
            result.append(transition)
        return result

    def issue_json(
        self, issue: Issue, wanted: tuple[str, ...] | None = None, expand: set[str] | None = None
    ) -> dict[str, Any]:
        """An issue as GET /issue returns it; `wanted` = field ids (None = all)."""
        renderers: dict[str, Callable[[], Any]] = {
            "summary": lambda: issue.summary,
            "description": lambda: _rich(issue.description),
            "labels": lambda: list(issue.labels),
            "duedate": lambda: issue.duedate,
            "priority": lambda: self.priority_json(issue.priority),
            "status": lambda: self.status_json(issue.status),
            "resolution": lambda: self.resolution_json(issue.resolution),
            "resolutiondate": lambda: issue.resolutiondate,
            "assignee": lambda: self.user_json(issue.assignee),
            "reporter": lambda: self.user_json(issue.reporter),
            "creator": lambda: self.user_json(issue.reporter),
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
            "self": self._url(f"issue/{issue.id}"),
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

    # ----- request helpers -------------------------------------------------------------------

    def _actor(self, request: Request) -> str:
        return str(request.scope.get("sandbox.actor") or self.state.users[0].account_id)

    def _issue_or_404(self, id_or_key: str) -> Issue:
        issue = self.state.issue(id_or_key)
        if issue is None:
            raise SandboxError(404, NOT_FOUND_ISSUE)
        return issue

    async def _json(self, request: Request) -> Any:
        raw = await request.body()
        try:
            return json.loads(raw) if raw.strip() else None
        except ValueError as error:
            raise bad_request(
                None,
                f"Unexpected character in JSON body: {error.args[0] if error.args else error}",
            ) from error

    async def _json_object(self, request: Request) -> dict[str, Any]:
        body = await self._json(request)
        if body is None:
            raise bad_request(None, "No content to map to Object due to end of input")
        if not isinstance(body, dict):
            raise bad_request(
                None,
                f"Can not deserialize instance of object out of {_json_token(body)} token",
            )
        return body

    def _now(self) -> str:
        return jira_time(self.clock.now())

    # ----- field validation (create, edit, transition screens) --------------------------------

    def validate_fields(
        self, fields: Any, *, creating: bool, errors: dict[str, str]
    ) -> dict[str, Any]:
        """Checked `fields` as stored values; problems go to `errors` as Jira words them."""
        if not isinstance(fields, dict):
            errors.setdefault("fields", "Operation value must be an object")
            return {}
        values: dict[str, Any] = {}
        if creating:
            values["project"] = self._check_project(fields.get("project"), errors)
            values["issuetype"] = self._check_issue_type(fields.get("issuetype"), errors)
            if "summary" not in fields:
                errors["summary"] = "You must specify a summary of the issue."
        for name, value in fields.items():
            if name in ("project", "issuetype") and creating:
                continue
            checker = self._FIELD_CHECKERS.get(name)
            if checker is None:
                errors[name] = CANNOT_SET.format(name)
                continue
            checked = checker(self, value, errors)
            if name not in errors and checked is not _IGNORED:
                values[name] = checked
        return values

    def _check_project(self, value: Any, errors: dict[str, str]) -> str | None:
        project = None
        if isinstance(value, dict):
            ident = value.get("id") if value.get("id") is not None else value.get("key")
            if isinstance(ident, str | int) and not isinstance(ident, bool):
                project = self.state.project(str(ident))
        elif isinstance(value, str):
            project = self.state.project(value)
        if project is None:
            errors["project"] = "Specify a valid project ID or key"
            return None
        return project.key

    def _check_issue_type(self, value: Any, errors: dict[str, str]) -> str | None:
        if value is None:
            errors["issuetype"] = "Specify an issue type"
            return None
        found = None
        if isinstance(value, dict):
            if value.get("id") is not None:
                found = ISSUE_TYPE_BY_ID.get(str(value["id"]))
            elif isinstance(value.get("name"), str):
                found = ISSUE_TYPE_BY_NAME.get(value["name"].lower())
        if found is None:
            errors["issuetype"] = "Specify a valid issue type"
            return None
        return found[0]

    def _check_summary(self, value: Any, errors: dict[str, str]) -> Any:
        if value is None or value == "":
            errors["summary"] = "You must specify a summary of the issue."
        elif not isinstance(value, str):
            errors["summary"] = "Operation value must be a string"
        elif not value.strip():
            errors["summary"] = "You must specify a summary of the issue."
        elif len(value) > 255:
            errors["summary"] = "Summary must be less than 255 characters."
        elif "\n" in value or "\r" in value:
            errors["summary"] = "The summary is invalid because it contains newline characters."
        return value

    def _check_description(self, value: Any, errors: dict[str, str]) -> Any:
        if value is None:
            return None
        if _ADF.get():
            text = adf_to_text(value)
            if text is None:
                errors["description"] = ADF_REQUIRED
            return text
        if not isinstance(value, str):
            errors["description"] = "Operation value must be a string"
        return value

    def _check_labels(self, value: Any, errors: dict[str, str]) -> Any:
        if value is None:
            return []
        if not isinstance(value, list):
            errors["labels"] = "data was not an array"
            return value
        for label in value:
            if not isinstance(label, str):
                errors["labels"] = "Operation value must be a string"
            elif _LABEL_SPACE.search(label) or not label:
                errors["labels"] = f"The label '{label}' contains spaces which is invalid."
            elif len(label) > 255:
                errors["labels"] = "The label must be less than 255 characters."
            if "labels" in errors:
                break
        return list(dict.fromkeys(value))

    def _check_duedate(self, value: Any, errors: dict[str, str]) -> Any:
        if value is None:
            return None
        if not isinstance(value, str):
            errors["duedate"] = "Operation value must be a string"
            return value
        try:
            if len(value) == 10:
                return date.fromisoformat(value).isoformat()
        except ValueError:
            pass
        errors["duedate"] = f"Error parsing date string: {value}"
        return value

    def _check_priority(self, value: Any, errors: dict[str, str]) -> Any:
        found = None
        if isinstance(value, dict):
            if value.get("id") is not None:
                found = PRIORITY_BY_ID.get(str(value["id"]))
            elif isinstance(value.get("name"), str):
                found = PRIORITY_BY_NAME.get(value["name"].lower())
            else:
                errors["priority"] = "Could not find valid 'id' or 'name' in priority object."
                return value
        else:
            errors["priority"] = "Could not find valid 'id' or 'name' in priority object."
            return value
        if found is None:
            errors["priority"] = "The priority selected is invalid."
            return value
        return found[0]

    def _check_user_field(self, name: str, value: Any, errors: dict[str, str]) -> Any:
        if value is None:
            return None
        if not isinstance(value, dict):
            errors[name] = f"expected Object containing a '{'accountId' if self.cloud else 'name'}'"
            return value
        if self.cloud:
            if "accountId" not in value:
                # Cloud ignores a username silently (pycontribs/jira#1781).
                return _IGNORED
            account_id = value["accountId"]
            if account_id is None or account_id == "-1":
                return None
            user = self.state.user_by_account(str(account_id))
        else:
            ident = value.get("name") if value.get("name") is not None else value.get("key")
            if ident is None and "name" in value:
                return None
            user = self.state.user_by_name(str(ident)) if ident is not None else None
            if ident == "-1":
                return None
        if user is None:
            errors[name] = "Specify a valid value for " + name
            return value
        return user.account_id

    def _check_assignee(self, value: Any, errors: dict[str, str]) -> Any:
        return self._check_user_field("assignee", value, errors)

    def _check_reporter(self, value: Any, errors: dict[str, str]) -> Any:
        checked = self._check_user_field("reporter", value, errors)
        if checked is None and "reporter" not in errors:
            errors["reporter"] = "Reporter is required."
        return checked

    _FIELD_CHECKERS: ClassVar[dict[str, Callable[[JiraSandbox, Any, dict[str, str]], Any]]] = {
        "summary": _check_summary,
        "description": _check_description,
        "labels": _check_labels,
        "duedate": _check_duedate,
        "priority": _check_priority,
        "assignee": _check_assignee,
        "reporter": _check_reporter,
    }

    def validate_update(
        self, update: Any, issue: Issue, values: dict[str, Any], errors: dict[str, str]
    ) -> list[str]:
        """Apply `update` verbs (set/add/remove) onto `values`; returns comments to add."""
        comments: list[str] = []
        if update is None:
            return comments
        if not isinstance(update, dict):
            errors["update"] = "Operation value must be an object"
            return comments
        for name, operations in update.items():
            if not isinstance(operations, list):
                errors[name] = "Operation value must be an array of operations"
                continue
            for operation in operations:
                if not isinstance(operation, dict) or len(operation) != 1:
                    errors[name] = "Operation must be an object with a single verb"
                    break
                verb, argument = next(iter(operation.items()))
                if name == "comment" and verb == "add":
                    text = _rich_text(argument.get("body") if isinstance(argument, dict) else None)
                    if not isinstance(text, str) or not text.strip():
                        errors["comment"] = "Comment body can not be empty!"
                    else:
                        comments.append(text)
                elif name == "labels" and verb in ("add", "remove"):
                    current = list(values.get("labels", issue.labels))
                    checked = self._check_labels([argument], errors)
                    if "labels" in errors:
                        break
                    if verb == "add" and checked[0] not in current:
                        current.append(checked[0])
                    elif verb == "remove" and checked[0] in current:
                        current.remove(checked[0])
                    values["labels"] = current
                elif verb == "set" and name in self._FIELD_CHECKERS:
                    checked = self._FIELD_CHECKERS[name](self, argument, errors)
                    if name not in errors and checked is not _IGNORED:
                        values[name] = checked
                elif name in self._FIELD_CHECKERS or name == "comment":
                    errors[name] = f"Operation '{verb}' is not supported for field '{name}'."
                else:
                    errors[name] = CANNOT_SET.format(name)
        return comments

    # ----- state changes (shared by the API and the control plane) -----------------------------

    def _apply(self, issue: Issue, values: dict[str, Any], actor: str) -> None:
        """Write checked values, recording a changelog entry and bumping `updated`."""
        items: list[dict[str, Any]] = []
        for name, new in values.items():
            old = getattr(issue, name)
            if old == new:
                continue
            items.append(self._change_item(name, old, new))
            setattr(issue, name, new)
        if items:
            self._record(issue, items, actor)

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
                user = self.state.user_by_account(value)
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

    def _record(self, issue: Issue, items: list[dict[str, Any]], actor: str) -> None:
        now = self._now()
        issue.histories.append(History(self.state.new_history_id(), actor, now, items))
        issue.updated = now

    def _create(self, values: dict[str, Any], actor: str) -> Issue:
        project = self.state.projects[values.pop("project")]
        now = self._now()
        issue = Issue(
            id=self.state.new_issue_id(),
            key=f"{project.key}-{project.next_number}",
            project=project.key,
            summary=values.pop("summary"),
            issuetype=values.pop("issuetype"),
            created=now,
            updated=now,
            reporter=values.pop("reporter", actor) or actor,
        )
        project.next_number += 1
        for name, value in values.items():
            setattr(issue, name, value)
        self.state.issues[issue.id] = issue
        self.state.keys[issue.key] = issue.id
        return issue

    def _transition(
        self, issue: Issue, status_id: str, resolution_id: str | None, actor: str
    ) -> None:
        status = STATUS_BY_ID[status_id]
        values: dict[str, Any] = {"status": status.id}
        if status.category == "done":
            values["resolution"] = resolution_id or RESOLUTION_BY_NAME["done"][0]
            if issue.resolution is None:
                values["resolutiondate"] = self._now()
        else:
            values["resolution"] = None
            values["resolutiondate"] = None
        self._apply(issue, values, actor)

    def _add_comment(self, issue: Issue, text: str, actor: str) -> Comment:
        now = self._now()
        comment = Comment(self.state.new_comment_id(), actor, text, now, now)
        issue.comments.append(comment)
        issue.updated = now
        return comment

    # ----- API handlers: metadata --------------------------------------------------------------

    async def server_info(self, request: Request) -> Response:
        if self.cloud:
            version, numbers, build, kind = "1001.0.0-SNAPSHOT", [1001, 0, 0], 100290, "Cloud"
        else:
            version, numbers, build, kind = "9.12.2", [9, 12, 2], 9120002, "Server"
        return JSONResponse(
            {
                "baseUrl": self.base_url,
                "version": version,
                "versionNumbers": numbers,
                "deploymentType": kind,
                "buildNumber": build,
                "buildDate": "2026-11-01T00:00:00.000+0000",
                "serverTime": self._now(),
                "scmInfo": "sandbox",
                "serverTitle": "Jira",
                "defaultLocale": {"locale": "en_US"},
                "serverTimeZone": "Etc/UTC",
            }
        )

    async def myself(self, request: Request) -> Response:
        user = self.user_json(self._actor(request)) or {}
        return JSONResponse({**user, "locale": "en_US", "groups": {"size": 1, "items": []}})

    async def fields(self, request: Request) -> Response:
        return JSONResponse(
            [
                {
                    "id": fid,
                    "key": fid,
                    "name": name,
                    "custom": False,
                    "orderable": fid not in ("issuekey", "created", "updated", "status"),
                    "navigable": True,
                    "searchable": True,
                    "clauseNames": list(clauses),
                    **({"schema": schema} if schema else {}),
                }
                for fid, name, clauses, schema in FIELDS
            ]
        )

    async def list_projects(self, request: Request) -> Response:
        with self.lock:
            return JSONResponse([self.project_json(p) for p in self.state.projects.values()])

    async def get_project(self, request: Request) -> Response:
        ident = request.path_params["projectIdOrKey"]
        with self.lock:
            project = self.state.project(ident)
            if project is None:
                raise SandboxError(
                    404,
                    "no project",
                    body=jira_errors(messages=[f"No project could be found with key '{ident}'."]),
                )
            return JSONResponse(self.project_json(project, full=True))

    async def issue_types(self, request: Request) -> Response:
        return JSONResponse([self.issue_type_json(t[0]) for t in ISSUE_TYPES])

    async def priorities(self, request: Request) -> Response:
        return JSONResponse(
            [
                {**self.priority_json(pid), "statusColor": color, "description": name}
                for pid, name, color in PRIORITIES
            ]
        )

    async def statuses(self, request: Request) -> Response:
        return JSONResponse([self.status_json(s.id) for s in STATUSES])

    async def status_categories(self, request: Request) -> Response:
        return JSONResponse(
            [
                {
                    "self": self._url(f"statuscategory/{cat_id}"),
                    "id": cat_id,
                    "key": key,
                    "colorName": color,
                    "name": name,
                }
                for cat_id, key, color, name in STATUS_CATEGORIES.values()
            ]
        )

    async def resolutions(self, request: Request) -> Response:
        return JSONResponse([self.resolution_json(r[0]) for r in RESOLUTIONS])

    # ----- API handlers: users -------------------------------------------------------------------

    async def get_user(self, request: Request) -> Response:
        params = request.query_params
        with self.lock:
            if self.cloud:
                if "username" in params or "key" in params:
                    raise bad_request(
                        None,
                        "The query parameter 'username' is not supported in GDPR strict mode.",
                    )
                ident = params.get("accountId", "")
                user = self.state.user_by_account(ident)
            else:
                ident = params.get("username") or params.get("key") or ""
                user = self.state.user_by_name(ident)
            if user is None:
                raise SandboxError(
                    404,
                    "no user",
                    body=jira_errors(
                        messages=[
                            f"Specified user does not exist or you do not have required "
                            f"permissions: {ident}"
                        ]
                    ),
                )
            return JSONResponse(self.user_json(user.account_id))

    async def search_users(self, request: Request) -> Response:
        params = request.query_params
        if self.cloud:
            if params.get("username"):
                raise bad_request(
                    None, "The query parameter 'username' is not supported in GDPR strict mode."
                )
            term = params.get("query") or params.get("accountId")
            if not term:
                raise bad_request(
                    None, "One of 'query' or 'accountId' query parameters must be provided."
                )
        else:
            term = params.get("username") or params.get("query")
            if not term:
                raise bad_request(None, "The username query parameter was not provided")
        start = _int_param(params.get("startAt"), 0, "startAt")
        limit = min(_int_param(params.get("maxResults"), 50, "maxResults"), 1000)
        include_active = params.get("includeActive", "true").lower() != "false"
        include_inactive = params.get("includeInactive", "false").lower() == "true"
        lowered = term.lower()
        with self.lock:
            found = [
                u
                for u in self.state.users
                if ((u.active and include_active) or (not u.active and include_inactive))
                and (
                    u.account_id == term
                    or u.email.lower().startswith(lowered)
                    or any(w.startswith(lowered) for w in u.display_name.lower().split())
                    or u.display_name.lower().startswith(lowered)
                    or (not self.cloud and u.name.lower().startswith(lowered))
                )
            ]
            return JSONResponse(
                [self.user_json(u.account_id) for u in found[start : start + limit]]
            )

    # ----- API handlers: issues ----------------------------------------------------------------

    async def get_issue(self, request: Request) -> Response:
        params = request.query_params
        wanted = _field_selection(params.getlist("fields"), default=None)
        expand = _expand_set(params.get("expand"))
        with self.lock:
            issue = self._issue_or_404(request.path_params["issueIdOrKey"])
            if "properties" in params:
                expand.add("properties")
            return JSONResponse(self.issue_json(issue, wanted, expand))

    async def create_issue(self, request: Request) -> Response:
        body = await self._json_object(request)
        errors: dict[str, str] = {}
        with self.lock:
            values = self.validate_fields(body.get("fields"), creating=True, errors=errors)
            if body.get("update"):
                errors.setdefault("update", "Operation 'update' is not supported on create here.")
            if errors:
                raise bad_request(errors)
            issue = self._create(values, self._actor(request))
            return JSONResponse(
                {"id": issue.id, "key": issue.key, "self": self._url(f"issue/{issue.id}")},
                status_code=201,
            )

    async def bulk_create(self, request: Request) -> Response:
        body = await self._json_object(request)
        updates = body.get("issueUpdates")
        if not isinstance(updates, list):
            raise bad_request(None, "Field 'issueUpdates' must be an array of issues to create.")
        if len(updates) > BULK_LIMIT:
            raise bad_request(
                None, f"Bulk create cannot contain more than {BULK_LIMIT} issues per request."
            )
        created: list[dict[str, Any]] = []
        failed: list[dict[str, Any]] = []
        with self.lock:
            actor = self._actor(request)
            for index, element in enumerate(updates):
                errors: dict[str, str] = {}
                fields = element.get("fields") if isinstance(element, dict) else None
                values = self.validate_fields(fields, creating=True, errors=errors)
                if errors:
                    failed.append(
                        {
                            "status": 400,
                            "elementErrors": jira_errors(errors),
                            "failedElementNumber": index,
                        }
                    )
                    continue
                issue = self._create(values, actor)
                created.append(
                    {"id": issue.id, "key": issue.key, "self": self._url(f"issue/{issue.id}")}
                )
        return JSONResponse(
            {"issues": created, "errors": failed}, status_code=201 if created or not failed else 400
        )

    async def edit_issue_route(self, request: Request) -> Response:
        body = await self._json_object(request)
        errors: dict[str, str] = {}
        with self.lock:
            issue = self._issue_or_404(request.path_params["issueIdOrKey"])
            values = self.validate_fields(body.get("fields", {}), creating=False, errors=errors)
            comments = self.validate_update(body.get("update"), issue, values, errors)
            for name in body:
                if name not in ("fields", "update", "properties", "historyMetadata"):
                    errors.setdefault(name, CANNOT_SET.format(name))
            if errors:
                raise bad_request(errors)
            actor = self._actor(request)
            self._apply(issue, values, actor)
            for text in comments:
                self._add_comment(issue, text, actor)
        return Response(status_code=204)

    async def delete_issue_route(self, request: Request) -> Response:
        with self.lock:
            issue = self._issue_or_404(request.path_params["issueIdOrKey"])
            self._delete(issue)
        return Response(status_code=204)

    async def get_transitions(self, request: Request) -> Response:
        expand = _expand_set(request.query_params.get("expand"))
        with self.lock:
            issue = self._issue_or_404(request.path_params["issueIdOrKey"])
            return JSONResponse(
                {
                    "expand": "transitions",
                    "transitions": self.transitions_json(
                        issue, with_fields="transitions.fields" in expand
                    ),
                }
            )

    async def do_transition(self, request: Request) -> Response:
        body = await self._json_object(request)
        transition = body.get("transition")
        ident = transition.get("id") if isinstance(transition, dict) else None
        if ident is None or isinstance(ident, bool) or not isinstance(ident, str | int):
            raise bad_request(None, "Missing 'transition' identifier")
        errors: dict[str, str] = {}
        with self.lock:
            issue = self._issue_or_404(request.path_params["issueIdOrKey"])
            target = STATUS_BY_TRANSITION.get(str(ident))
            if target is None or target.id == issue.status:
                raise bad_request(None, f"Transition id '{ident}' is not valid for this issue.")
            fields = dict(body.get("fields") or {})
            resolution_id = None
            if "resolution" in fields:
                value = fields.pop("resolution")
                if target.category != "done":
                    errors["resolution"] = CANNOT_SET.format("resolution")
                else:
                    resolution_id = self._check_resolution(value, errors)
            values = self.validate_fields(fields, creating=False, errors=errors)
            comments = self.validate_update(body.get("update"), issue, values, errors)
            if errors:
                raise bad_request(errors)
            actor = self._actor(request)
            self._apply(issue, values, actor)
            self._transition(issue, target.id, resolution_id, actor)
            for text in comments:
                self._add_comment(issue, text, actor)
        return Response(status_code=204)

    def _check_resolution(self, value: Any, errors: dict[str, str]) -> str | None:
        found = None
        if isinstance(value, dict):
            if value.get("id") is not None:
                found = RESOLUTION_BY_ID.get(str(value["id"]))
            elif isinstance(value.get("name"), str):
                found = RESOLUTION_BY_NAME.get(value["name"].lower())
        if found is None:
            errors["resolution"] = "Specify a valid resolution"
            return None
        return found[0]

    async def get_comments(self, request: Request) -> Response:
        params = request.query_params
        start = _int_param(params.get("startAt"), 0, "startAt")
        limit = _int_param(params.get("maxResults"), 5000, "maxResults")
        with self.lock:
            issue = self._issue_or_404(request.path_params["issueIdOrKey"])
            return JSONResponse(self.comments_page(issue, start, limit))

    async def get_comment(self, request: Request) -> Response:
        with self.lock:
            issue = self._issue_or_404(request.path_params["issueIdOrKey"])
            comment = next((c for c in issue.comments if c.id == request.path_params["id"]), None)
            if comment is None:
                raise SandboxError(
                    404, "Can not find a comment for the id: " + request.path_params["id"]
                )
            return JSONResponse(self.comment_json(issue, comment))

    async def add_comment(self, request: Request) -> Response:
        body = await self._json_object(request)
        text = _rich_text(body.get("body"))
        if not isinstance(text, str) or not text.strip():
            raise bad_request({"comment": "Comment body can not be empty!"})
        with self.lock:
            issue = self._issue_or_404(request.path_params["issueIdOrKey"])
            comment = self._add_comment(issue, text, self._actor(request))
            return JSONResponse(self.comment_json(issue, comment), status_code=201)

    async def assign(self, request: Request) -> Response:
        body = await self._json_object(request)
        errors: dict[str, str] = {}
        with self.lock:
            issue = self._issue_or_404(request.path_params["issueIdOrKey"])
            if self.cloud and "accountId" not in body:
                raise bad_request(None, "accountId must be provided")
            checked = self._check_user_field("assignee", body, errors)
            if errors:
                raise bad_request(errors)
            if checked is not _IGNORED:
                self._apply(issue, {"assignee": checked}, self._actor(request))
        return Response(status_code=204)

    async def get_changelog(self, request: Request) -> Response:
        params = request.query_params
        start = _int_param(params.get("startAt"), 0, "startAt")
        limit = _int_param(params.get("maxResults"), 100, "maxResults")
        with self.lock:
            issue = self._issue_or_404(request.path_params["issueIdOrKey"])
            page = issue.histories[start : start + limit]
            return JSONResponse(
                {
                    "self": str(request.url),
                    "maxResults": limit,
                    "startAt": start,
                    "total": len(issue.histories),
                    "isLast": start + limit >= len(issue.histories),
                    "values": [self.history_json(h) for h in page],
                }
            )

    # ----- entity properties ---------------------------------------------------------------------

    async def list_properties(self, request: Request) -> Response:
        with self.lock:
            issue = self._issue_or_404(request.path_params["issueIdOrKey"])
            return JSONResponse(
                {
                    "keys": [
                        {"self": self._url(f"issue/{issue.id}/properties/{key}"), "key": key}
                        for key in issue.properties
                    ]
                }
            )

    async def get_property(self, request: Request) -> Response:
        key = request.path_params["propertyKey"]
        with self.lock:
            issue = self._issue_or_404(request.path_params["issueIdOrKey"])
            if key not in issue.properties:
                raise SandboxError(404, f"The property with key '{key}' does not exist.")
            return JSONResponse(
                {
                    "self": self._url(f"issue/{issue.id}/properties/{key}"),
                    "key": key,
                    "value": issue.properties[key],
                }
            )

    async def put_property(self, request: Request) -> Response:
        key = request.path_params["propertyKey"]
        raw = await request.body()
        if len(raw) > MAX_PROPERTY_BYTES:
            raise bad_request(
                None, f"The property value exceeds the maximum size of {MAX_PROPERTY_BYTES} bytes."
            )
        if len(key) > 255:
            raise bad_request(None, "The property key cannot be longer than 255 characters.")
        value = await self._json(request)
        if value is None:
            raise bad_request(None, "The property value must be a valid, non-empty JSON value.")
        with self.lock:
            issue = self._issue_or_404(request.path_params["issueIdOrKey"])
            existed = key in issue.properties
            issue.properties[key] = value
        return Response(status_code=200 if existed else 201)

    async def delete_property(self, request: Request) -> Response:
        key = request.path_params["propertyKey"]
        with self.lock:
            issue = self._issue_or_404(request.path_params["issueIdOrKey"])
            if issue.properties.pop(key, None) is None:
                raise SandboxError(404, f"The property with key '{key}' does not exist.")
        return Response(status_code=204)

    # ----- search -----------------------------------------------------------------------------

    def _run_jql(
        self, jql: str, actor: str, reconcile: frozenset[str] = frozenset()
    ) -> list[Issue]:
        try:
            query = compile_jql(
                jql,
                JqlContext(self.state, self.clock.now(), actor, self.cloud),
            )
        except JqlError as error:
            raise bad_request(None, str(error)) from error
        if self.cloud and not query.bounded:  # Cloud refuses unrestricted searches
            raise bad_request(
                None,
                "Unbounded JQL queries are not allowed here. "
                "Please add a search restriction to your query.",
            )
        return query.sort([i for i in self._searchable(reconcile) if query.predicate(i)])

    def _searchable(self, reconcile: frozenset[str]) -> list[Issue]:
        """Issues the search index knows: with `search_lag_seconds` set (Cloud only),
        issues created less than that long ago are missing unless named in
        `reconcileIssues` — Jira Cloud's search is eventually consistent."""
        issues = list(self.state.issues.values())
        if not self.cloud or self.search_lag_seconds <= 0:
            return issues
        cutoff = jira_time(self.clock.now() - timedelta(seconds=self.search_lag_seconds))
        return [i for i in issues if i.created <= cutoff or i.id in reconcile]

    async def search_jql(self, request: Request) -> Response:
        if not self.cloud:
            return self.not_found_response(request)
        if request.method == "POST":
            body = await self._json_object(request)
            jql = body.get("jql")
            token = body.get("nextPageToken")
            limit = body.get("maxResults", 50)
            fields_list = body.get("fields") or []
            if isinstance(fields_list, str):
                fields_list = [fields_list]
            expand_text = body.get("expand")
            properties = body.get("properties") or []
            reconcile = body.get("reconcileIssues") or []
            if not isinstance(reconcile, list) or len(reconcile) > 50:
                raise bad_request(None, "reconcileIssues must be a list of at most 50 issue ids")
            if not isinstance(limit, int) or isinstance(limit, bool):
                raise bad_request(None, "maxResults must be an integer")
            if not isinstance(fields_list, list) or not all(
                isinstance(f, str) for f in fields_list
            ):
                raise bad_request(None, "fields must be an array of strings")
        else:
            params = request.query_params
            jql = params.get("jql")
            token = params.get("nextPageToken")
            limit = _int_param(params.get("maxResults"), 50, "maxResults")
            fields_list = params.getlist("fields")
            expand_text = params.get("expand")
            properties = params.getlist("properties")
            reconcile = params.getlist("reconcileIssues")
        if jql is not None and not isinstance(jql, str):
            raise bad_request(None, "jql must be a string")
        wanted = _field_selection(fields_list, default=())
        expand = _expand_set(expand_text if isinstance(expand_text, str) else None)
        if properties:
            expand.add("properties")
        snapshot_id, start = _decode_token(token)
        cap = 5000 if not wanted else 100
        limit = max(1, min(limit, cap)) if limit > 0 else 50
        with self.lock:
            if snapshot_id is None:
                found = self._run_jql(
                    jql or "", self._actor(request), frozenset(str(r) for r in reconcile)
                )
                ids = [i.id for i in found]
                if len(ids) > limit:  # only a search with further pages needs a cursor
                    snapshot_id = self._remember(ids)
            else:
                ids = self._snapshots.get(snapshot_id) or []
                if snapshot_id not in self._snapshots:
                    raise bad_request(None, "The provided next page token is invalid or expired.")
            page = [
                self.state.issues[i] for i in ids[start : start + limit] if i in self.state.issues
            ]
            result: dict[str, Any] = {
                "issues": [
                    self.issue_json(i, wanted, expand)
                    if wanted or expand
                    # no fields asked for: only id, key and self, without a `fields` object
                    else {"id": i.id, "key": i.key, "self": self._url(f"issue/{i.id}")}
                    for i in page
                ],
                "isLast": start + limit >= len(ids),
            }
            if not result["isLast"] and snapshot_id is not None:
                result["nextPageToken"] = _encode_token(snapshot_id, start + limit)
        return JSONResponse(result)

    def _remember(self, ids: list[str]) -> str:
        """Keep a search's result order for its next pages, like a server-side cursor:
        issues edited between pages (ORDER BY updated) are neither skipped nor repeated."""
        snapshot_id = secrets.token_hex(4)
        self._snapshots[snapshot_id] = ids
        while len(self._snapshots) > MAX_SNAPSHOTS:
            self._snapshots.pop(next(iter(self._snapshots)))
        return snapshot_id

    async def search_legacy(self, request: Request) -> Response:
        if self.cloud:
            raise SandboxError(410, SEARCH_REMOVED)
        if request.method == "POST":
            body = await self._json_object(request)
            jql = body.get("jql") or ""
            start = body.get("startAt", 0)
            limit = body.get("maxResults", 50)
            fields_list = body.get("fields") or ["*navigable"]
            expand_text = body.get("expand")
            if isinstance(expand_text, list):
                expand_text = ",".join(str(e) for e in expand_text)
            if not all(isinstance(v, int) and not isinstance(v, bool) for v in (start, limit)):
                raise bad_request(None, "startAt and maxResults must be integers")
        else:
            params = request.query_params
            jql = params.get("jql") or ""
            start = _int_param(params.get("startAt"), 0, "startAt")
            limit = _int_param(params.get("maxResults"), 50, "maxResults")
            fields_list = params.getlist("fields") or ["*navigable"]
            expand_text = params.get("expand")
        wanted = _field_selection(fields_list, default=NAVIGABLE_FIELDS)
        expand = _expand_set(expand_text if isinstance(expand_text, str) else None)
        limit = max(0, min(limit, 1000))
        start = max(0, start)
        with self.lock:
            matches = self._run_jql(jql, self._actor(request))
            page = matches[start : start + limit]
            return JSONResponse(
                {
                    "expand": "schema,names",
                    "startAt": start,
                    "maxResults": limit,
                    "total": len(matches),
                    "issues": [self.issue_json(i, wanted, expand) for i in page],
                }
            )

    async def approximate_count(self, request: Request) -> Response:
        if not self.cloud:
            return self.not_found_response(request)
        body = await self._json_object(request)
        jql = body.get("jql")
        if not isinstance(jql, str):
            raise bad_request(None, "jql must be provided")
        with self.lock:
            return JSONResponse({"count": len(self._run_jql(jql, self._actor(request)))})

    # ----- people working (Python control API) ----------------------------------------------------

    def _person(self, by: str | None) -> str:
        """The account id of the person acting in the control API (default: alice)."""
        if by is None:
            return self.state.users[1].account_id
        user = self.state.user_by_account(by) or self.state.user_by_name(by)
        if user is None:
            raise KeyError(f"no such user: {by}")
        return user.account_id

    def _control_issue(self, key: str) -> Issue:
        issue = self.state.issue(key)
        if issue is None:
            raise KeyError(f"no such issue: {key}")
        return issue

    def set_status(
        self, key: str, status: str, resolution: str | None = None, *, by: str | None = None
    ) -> None:
        """Move an issue to `status` ("To Do" / "In Progress" / "Done") as a person would."""
        target = STATUS_BY_NAME.get(status.lower())
        if target is None:
            raise ValueError(
                f"unknown status {status!r}; expected one of {[s.name for s in STATUSES]}"
            )
        resolution_id = None
        if resolution is not None:
            found = RESOLUTION_BY_NAME.get(resolution.lower())
            if found is None:
                raise ValueError(f"unknown resolution {resolution!r}")
            if target.category != "done":
                raise ValueError("a resolution only goes with a done status")
            resolution_id = found[0]
        with self.lock:
            issue = self._control_issue(key)
            if issue.status == target.id and (resolution_id in (None, issue.resolution)):
                return
            self._transition(issue, target.id, resolution_id, self._person(by))

    def set_assignee(self, key: str, user: str | None, *, by: str | None = None) -> None:
        """Assign to a user (accountId, username or e-mail; None = unassign)."""
        with self.lock:
            issue = self._control_issue(key)
            account = None
            if user is not None:
                found = self.state.user_by_account(user) or self.state.user_by_name(user)
                if found is None:
                    raise KeyError(f"no such user: {user}")
                account = found.account_id
            self._apply(issue, {"assignee": account}, self._person(by))

    def edit_issue(self, key: str, fields: dict[str, Any], *, by: str | None = None) -> None:
        """Edit fields with the same rules as PUT /issue (ValueError with Jira's messages)."""
        errors: dict[str, str] = {}
        with self.lock:
            issue = self._control_issue(key)
            values = self.validate_fields(fields, creating=False, errors=errors)
            if errors:
                raise ValueError(json.dumps(errors))
            self._apply(issue, values, self._person(by))

    def add_comment_as(self, key: str, body: str, *, by: str | None = None) -> None:
        with self.lock:
            self._add_comment(self._control_issue(key), body, self._person(by))

    def add_issue(
        self,
        project: str,
        summary: str,
        *,
        number: int | None = None,
        fields: dict[str, Any] | None = None,
        by: str | None = None,
    ) -> str:
        """A ticket someone filed by hand (optionally with a chosen key number, e.g. a
        ticket a postmortem already names as ENG-1234). Returns its key."""
        errors: dict[str, str] = {}
        with self.lock:
            body = {
                "project": {"key": project},
                "issuetype": {"name": "Task"},
                "summary": summary,
                **(fields or {}),
            }
            values = self.validate_fields(body, creating=True, errors=errors)
            if errors:
                raise ValueError(json.dumps(errors))
            target = self.state.projects[values["project"]]
            if number is not None:
                if f"{target.key}-{number}" in self.state.keys:
                    raise ValueError(f"{target.key}-{number} already exists")
                saved, target.next_number = target.next_number, number
            issue = self._create(values, self._person(by))
            if number is not None:
                target.next_number = max(saved, number + 1)
            return issue.key

    def delete_issue(self, key: str) -> None:
        """Someone deletes the ticket: every later request for it gets 404."""
        with self.lock:
            self._delete(self._control_issue(key))

    def _delete(self, issue: Issue) -> None:
        del self.state.issues[issue.id]
        for old_key in [k for k, v in self.state.keys.items() if v == issue.id]:
            del self.state.keys[old_key]

    def move_issue(self, key: str, project: str, *, by: str | None = None) -> str:
        """Move an issue to another project; it gets a new key and the old key keeps
        answering with the moved issue (as Jira does). Returns the new key."""
        with self.lock:
            issue = self._control_issue(key)
            target = self.state.project(project)
            if target is None:
                raise KeyError(f"no such project: {project}")
            if target.key == issue.project:
                return issue.key
            new_key = f"{target.key}-{target.next_number}"
            target.next_number += 1
            items: list[dict[str, Any]] = [
                {
                    "field": "Key",
                    "fieldtype": "jira",
                    "from": None,
                    "fromString": issue.key,
                    "to": None,
                    "toString": new_key,
                },
                {
                    "field": "project",
                    "fieldtype": "jira",
                    "fieldId": "project",
                    "from": self.state.projects[issue.project].id,
                    "fromString": self.state.projects[issue.project].name,
                    "to": target.id,
                    "toString": target.name,
                },
            ]
            issue.key = new_key
            issue.project = target.key
            self.state.keys[new_key] = issue.id
            self._record(issue, items, self._person(by))
            return new_key

    def issue(self, key: str) -> dict[str, Any]:
        """One issue as a plain dict, for assertions."""
        with self.lock:
            return self._plain(self._control_issue(key))

    def issues(self) -> list[dict[str, Any]]:
        """All issues as plain dicts (creation order), for assertions."""
        with self.lock:
            return [
                self._plain(i) for i in sorted(self.state.issues.values(), key=lambda i: int(i.id))
            ]

    def _plain(self, issue: Issue) -> dict[str, Any]:
        status = STATUS_BY_ID[issue.status]
        return {
            "id": issue.id,
            "key": issue.key,
            "project": issue.project,
            "summary": issue.summary,
            "description": issue.description,
            "issuetype": ISSUE_TYPE_BY_ID[issue.issuetype][1],
            "status": status.name,
            "status_category": status.category,
            "resolution": RESOLUTION_BY_ID[issue.resolution][1] if issue.resolution else None,
            "priority": PRIORITY_BY_ID[issue.priority][1],
            "labels": list(issue.labels),
            "duedate": issue.duedate,
            "assignee": issue.assignee,
            "reporter": issue.reporter,
            "created": issue.created,
            "updated": issue.updated,
            "comments": [c.body for c in issue.comments],
            "properties": dict(issue.properties),
        }

    def user_account(self, name: str) -> str:
        """The accountId of a seeded user by username or e-mail (alice, bob, chen, tracker)."""
        user = self.state.user_by_name(name)
        if user is None:
            raise KeyError(f"no such user: {name}")
        return user.account_id

    # ----- control plane (HTTP) ------------------------------------------------------------------

    async def _ctl_search_lag(self, request: Request) -> Response:
        if request.method == "POST":
            seconds = (await control_body(request)).get("seconds")
            if not isinstance(seconds, int | float) or isinstance(seconds, bool) or seconds < 0:
                raise SandboxError(400, "expected {'seconds': number >= 0}")
            self.search_lag_seconds = float(seconds)
        return JSONResponse({"seconds": self.search_lag_seconds})

    async def _ctl_issues(self, request: Request) -> Response:
        if request.method == "POST":
            body = await control_body(request)
            created: list[str] = []
            response = _control(
                lambda: created.append(
                    self.add_issue(
                        str(body.get("project", "")),
                        str(body.get("summary", "")),
                        number=body.get("number"),
                        fields=body.get("fields"),
                        by=body.get("by"),
                    )
                )
            )
            return JSONResponse({"key": created[0]}, status_code=201) if created else response
        return JSONResponse(self.issues())

    async def _ctl_delete(self, request: Request) -> Response:
        return _control(lambda: self.delete_issue(request.path_params["key"]), status=204)

    async def _ctl_transition(self, request: Request) -> Response:
        body = await control_body(request)
        return _control(
            lambda: self.set_status(
                request.path_params["key"],
                str(body.get("status", "")),
                body.get("resolution"),
                by=body.get("by"),
            )
        )

    async def _ctl_assignee(self, request: Request) -> Response:
        body = await control_body(request)
        user = body.get("accountId", body.get("name"))
        return _control(
            lambda: self.set_assignee(request.path_params["key"], user, by=body.get("by"))
        )

    async def _ctl_edit(self, request: Request) -> Response:
        body = await control_body(request)
        return _control(
            lambda: self.edit_issue(
                request.path_params["key"], body.get("fields") or {}, by=body.get("by")
            )
        )

    async def _ctl_move(self, request: Request) -> Response:
        body = await control_body(request)
        moved: list[str] = []
        response = _control(
            lambda: moved.append(
                self.move_issue(
                    request.path_params["key"], str(body.get("project", "")), by=body.get("by")
                )
            )
        )
        return JSONResponse({"key": moved[0]}) if moved else response


# --- helpers -----------------------------------------------------------------------------------


def _in_adf(handler: Handler) -> Handler:
    """The same handler, speaking Atlassian Document Format (API v3)."""

    async def v3(request: Request) -> Response:
        token = _ADF.set(True)
        try:
            return await handler(request)
        finally:
            _ADF.reset(token)

    return v3


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


def _rich(text: str | None) -> Any:
    """Stored plain text as this request's API version shows it."""
    return text_to_adf(text) if text is not None and _ADF.get() else text


def _rich_text(value: Any) -> Any:
    """A rich-text value as sent (string in v2, ADF in v3) -> stored plain text."""
    return adf_to_text(value) if _ADF.get() else value


_IGNORED = object()  # a value the real service silently drops


def _json_token(value: Any) -> str:
    if isinstance(value, list):
        return "START_ARRAY"
    if isinstance(value, str):
        return "VALUE_STRING"
    if isinstance(value, bool):
        return "VALUE_TRUE" if value else "VALUE_FALSE"
    return "VALUE_NUMBER_INT" if isinstance(value, int) else "VALUE_NUMBER_FLOAT"


def _int_param(text: str | None, default: int, name: str) -> int:
    if text is None or text == "":
        return default
    try:
        return int(text)
    except ValueError as error:
        raise bad_request(
            None, f"The value '{text}' for the parameter '{name}' is invalid."
        ) from error


def _expand_set(text: str | None) -> set[str]:
    return {part.strip().lower() for part in (text or "").split(",") if part.strip()}


_CLAUSE_TO_FIELD = {clause: fid for fid, _, clauses, _ in FIELDS for clause in clauses}


def _field_selection(
    values: list[str], *, default: tuple[str, ...] | None
) -> tuple[str, ...] | None:
    """The field ids a `fields` parameter asks for (None = all)."""
    parts = [p.strip() for value in values for p in value.split(",") if p.strip()]
    if not parts:
        return default
    chosen: list[str] = []
    excluded: set[str] = set()
    for part in parts:
        if part == "*all":
            chosen.extend(ALL_FIELDS)
        elif part == "*navigable":
            chosen.extend(NAVIGABLE_FIELDS)
        elif part.startswith("-"):
            excluded.add(_CLAUSE_TO_FIELD.get(part[1:], part[1:]))
        else:
            chosen.append(_CLAUSE_TO_FIELD.get(part, part))
    return tuple(f for f in dict.fromkeys(chosen) if f not in excluded)


def _encode_token(snapshot_id: str, offset: int) -> str:
    text = f"sandbox:{snapshot_id}:{offset}"
    return base64.urlsafe_b64encode(text.encode()).decode().rstrip("=")


def _decode_token(token: Any) -> tuple[str | None, int]:
    """(snapshot id, offset) from a nextPageToken; (None, 0) for the first page."""
    if token in (None, ""):
        return None, 0
    try:
        text = base64.urlsafe_b64decode(str(token) + "=" * (-len(str(token)) % 4)).decode()
        prefix, snapshot_id, number = text.split(":")
        if prefix != "sandbox":
            raise ValueError(text)
        return snapshot_id, int(number)
    except (ValueError, UnicodeDecodeError, binascii.Error) as error:
        raise bad_request(None, "The provided next page token is invalid or expired.") from error


def _control(action: Callable[[], object], *, status: int = 200) -> Response:
    try:
        action()
    except KeyError as error:
        return JSONResponse({"error": str(error.args[0])}, status_code=404)
    except ValueError as error:
        return JSONResponse({"error": str(error)}, status_code=400)
    if status == 204:
        return Response(status_code=204)
    return JSONResponse({"ok": True}, status_code=status)
