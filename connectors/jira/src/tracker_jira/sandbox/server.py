"""A Jira sandbox the real `jira` 3.10 client drives over HTTP as if it were Jira.

Cloud flavour by default (basic auth e-mail + API token, accountIds, `/search/jql`
with `nextPageToken`, legacy `/search` answers 410); `flavour="server"` gives
Server/Data Center behaviour (Bearer personal access token, usernames,
`/search` with `startAt`/`total`). Payload shapes, error bodies and messages follow
the recorded facts in ../shared/reference/jira-client.md and Atlassian's REST docs.

This module is the HTTP face (routes, authentication, handlers); the data and its
changes are in `jira_state`, JSON bodies in `jira_payloads`, field checks in
`jira_fields`, JQL in `jql`, and the people/control plane in `jira_control`.
"""

from __future__ import annotations

import base64
import binascii
import json
import secrets
import uuid
from collections.abc import Awaitable, Callable
from datetime import UTC, timedelta
from pathlib import Path
from typing import Any, Literal
from zoneinfo import ZoneInfo

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route
from tracker_sandbox.core import SandboxError, SandboxService

from tracker_jira.sandbox.control import JiraControl
from tracker_jira.sandbox.fields import CANNOT_SET, IGNORED, JiraFieldRules
from tracker_jira.sandbox.jql import JqlContext, JqlError, compile_jql
from tracker_jira.sandbox.payloads import ADF, JiraPayloads, rich_text
from tracker_jira.sandbox.state import (
    ALL_FIELDS,
    FIELDS,
    ISSUE_TYPES,
    NAVIGABLE_FIELDS,
    PRIORITIES,
    RESOLUTIONS,
    STATUS_BY_TRANSITION,
    STATUS_CATEGORIES,
    STATUSES,
    WONT_DO_STATUS,
    Issue,
    JiraState,
    User,
    Workflow,
    jira_time,
)

Flavour = Literal["cloud", "server"]
Handler = Callable[[Request], Awaitable[Response]]

API_VERSIONS = ("2", "latest", "3")
BULK_LIMIT = 50
NOT_FOUND_ISSUE = "Issue does not exist or you do not have permission to see it."
NOT_AUTHENTICATED = "You are not authenticated. Authentication required to perform this operation."
SEARCH_REMOVED = (
    "The requested API has been removed. Please migrate to the /rest/api/3/search/jql API. "
    "A full migration guideline is available at "
    "https://developer.atlassian.com/changelog/#CHANGE-2046"
)
MAX_PROPERTY_BYTES = 32768
TENANT_INFO = "/_edge/tenant_info"
MAX_SNAPSHOTS = 256  # open search cursors kept (oldest dropped: "expired" token)
# Data Center's search platform serves results up to this far into a result set
# (`jira.search.platform.max.result.window`, OpenSearch's default): a `/search` page
# asking past it is a 500 (Atlassian KB "Handling JQL REST API searching exceeding
# max_result_window in Jira"), so offset paging can't list a bigger project whole.
SEARCH_WINDOW = 10_000


def jira_errors(
    errors: dict[str, str] | None = None, messages: list[str] | None = None
) -> dict[str, Any]:
    """Jira's error body: `{"errorMessages": [...], "errors": {field: message}}`."""
    return {"errorMessages": messages or [], "errors": errors or {}}


def bad_request(errors: dict[str, str] | None = None, *messages: str) -> SandboxError:
    return SandboxError(400, "bad request", body=jira_errors(errors, list(messages)))


class JiraSandbox(JiraControl, SandboxService):
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
        self.search_window = SEARCH_WINDOW  # Server/DC: see search_legacy()
        self.workflow = Workflow()
        # The Cloud site's id (`/_edge/tenant_info`): one per sandbox, kept by reset()
        # and the --state file, so a second sandbox is another site.
        self.cloud_id = str(uuid.uuid4())
        self.payloads = JiraPayloads(self)
        self.rules = JiraFieldRules(self)
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
        self.search_window = SEARCH_WINDOW
        self.workflow = Workflow()

    def dump_state(self) -> dict[str, Any]:
        return {**self.state.to_dict(), "cloud_id": self.cloud_id}

    def load_state(self, data: dict[str, Any]) -> None:
        self.state = JiraState.from_dict(data)
        self.cloud_id = str(data.get("cloud_id") or self.cloud_id)
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
        elif not header and request.url.path.endswith(("/serverInfo", TENANT_INFO)):
            actor = self.state.users[0]  # public, as on a real site
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
            ("GET", "/issue/{issueIdOrKey}/editmeta", self.get_editmeta),
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
        routes: list[BaseRoute] = [
            Route(
                f"/rest/api/{version}{path}",
                _in_adf(handler) if version == "3" else handler,
                methods=[method],
            )
            for version in API_VERSIONS
            for method, path, handler in table
        ]
        routes.append(Route("/rest/auth/1/session", self.auth_session, methods=["GET"]))
        if self.cloud:  # Cloud only: Data Center answers 404 here
            routes.append(Route(TENANT_INFO, self.tenant_info, methods=["GET"]))
        return routes

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
            Route("/_sandbox/jira/profile", self._ctl_profile, methods=["POST"]),
            Route("/_sandbox/jira/workflow", self._ctl_workflow, methods=["GET", "POST"]),
        ]

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

    async def tenant_info(self, request: Request) -> Response:
        """Cloud's site id, as `https://SITE.atlassian.net/_edge/tenant_info` answers."""
        return JSONResponse({"cloudId": self.cloud_id})

    async def myself(self, request: Request) -> Response:
        user = self.payloads.user_json(self._actor(request)) or {}
        account = self.state.user_by_account(self._actor(request))
        locale = account.locale if account else "en_US"
        return JSONResponse({**user, "locale": locale, "groups": {"size": 1, "items": []}})

    async def auth_session(self, request: Request) -> Response:
        """What `JIRA(..., validate=True)` reads to check the credentials first."""
        user = self.state.user_by_account(self._actor(request)) or self.state.users[0]
        return JSONResponse(
            {
                "self": self.payloads.url(f"user?username={user.name}").replace("/2/", "/latest/"),
                "name": user.name,
                "loginInfo": {"loginCount": 1, "previousLoginTime": self._now()},
            }
        )

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
            return JSONResponse(
                [self.payloads.project_json(p) for p in self.state.projects.values()]
            )

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
            return JSONResponse(self.payloads.project_json(project, full=True))

    async def issue_types(self, request: Request) -> Response:
        return JSONResponse([self.payloads.issue_type_json(t[0]) for t in ISSUE_TYPES])

    async def priorities(self, request: Request) -> Response:
        return JSONResponse(
            [
                {**self.payloads.priority_json(pid), "statusColor": color, "description": name}
                for pid, name, color in PRIORITIES
            ]
        )

    async def statuses(self, request: Request) -> Response:
        shown = [*STATUSES, WONT_DO_STATUS] if self.workflow.wont_do_status else STATUSES
        return JSONResponse([self.payloads.status_json(s.id) for s in shown])

    async def status_categories(self, request: Request) -> Response:
        return JSONResponse(
            [
                {
                    "self": self.payloads.url(f"statuscategory/{cat_id}"),
                    "id": cat_id,
                    "key": key,
                    "colorName": color,
                    "name": name,
                }
                for cat_id, key, color, name in STATUS_CATEGORIES.values()
            ]
        )

    async def resolutions(self, request: Request) -> Response:
        return JSONResponse([self.payloads.resolution_json(r[0]) for r in RESOLUTIONS])

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
            return JSONResponse(self.payloads.user_json(user.account_id))

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
                [self.payloads.user_json(u.account_id) for u in found[start : start + limit]]
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
            return JSONResponse(self.payloads.issue_json(issue, wanted, expand))

    async def create_issue(self, request: Request) -> Response:
        body = await self._json_object(request)
        errors: dict[str, str] = {}
        with self.lock:
            values = self.rules.validate_fields(body.get("fields"), creating=True, errors=errors)
            if body.get("update"):
                errors.setdefault("update", "Operation 'update' is not supported on create here.")
            if errors:
                raise bad_request(errors)
            issue = self.state.create(self._now(), values, self._actor(request))
            return JSONResponse(
                {"id": issue.id, "key": issue.key, "self": self.payloads.url(f"issue/{issue.id}")},
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
                values = self.rules.validate_fields(fields, creating=True, errors=errors)
                if errors:
                    failed.append(
                        {
                            "status": 400,
                            "elementErrors": jira_errors(errors),
                            "failedElementNumber": index,
                        }
                    )
                    continue
                issue = self.state.create(self._now(), values, actor)
                created.append(
                    {
                        "id": issue.id,
                        "key": issue.key,
                        "self": self.payloads.url(f"issue/{issue.id}"),
                    }
                )
        return JSONResponse(
            {"issues": created, "errors": failed}, status_code=201 if created or not failed else 400
        )

    async def edit_issue_route(self, request: Request) -> Response:
        body = await self._json_object(request)
        errors: dict[str, str] = {}
        with self.lock:
            issue = self._issue_or_404(request.path_params["issueIdOrKey"])
            fields = body.get("fields", {})
            resolution: str | None = None
            if (
                isinstance(fields, dict)
                and "resolution" in fields
                and self.workflow.resolution_on_edit
            ):
                fields = dict(fields)
                resolution = self.rules.check_resolution(fields.pop("resolution"), errors)
            values = self.rules.validate_fields(fields, creating=False, errors=errors)
            if resolution is not None:
                values["resolution"] = resolution
                if issue.resolution is None:
                    values["resolutiondate"] = self._now()
            comments = self.rules.validate_update(body.get("update"), issue, values, errors)
            for name in body:
                if name not in ("fields", "update", "properties", "historyMetadata"):
                    errors.setdefault(name, CANNOT_SET.format(name))
            if errors:
                raise bad_request(errors)
            actor = self._actor(request)
            self.state.apply(self._now(), issue, values, actor)
            for text in comments:
                self.state.add_comment(self._now(), issue, text, actor)
        return Response(status_code=204)

    async def delete_issue_route(self, request: Request) -> Response:
        with self.lock:
            issue = self._issue_or_404(request.path_params["issueIdOrKey"])
            self.state.delete(issue)
        return Response(status_code=204)

    async def get_transitions(self, request: Request) -> Response:
        expand = _expand_set(request.query_params.get("expand"))
        with self.lock:
            issue = self._issue_or_404(request.path_params["issueIdOrKey"])
            return JSONResponse(
                {
                    "expand": "transitions",
                    "transitions": self.payloads.transitions_json(
                        issue, with_fields="transitions.fields" in expand
                    ),
                }
            )

    async def get_editmeta(self, request: Request) -> Response:
        """The fields on the edit screen (what PUT /issue may set) with their values."""
        with self.lock:
            self._issue_or_404(request.path_params["issueIdOrKey"])
            return JSONResponse({"fields": self.payloads.editmeta_fields()})

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
            if target is WONT_DO_STATUS and not self.workflow.wont_do_status:
                target = None
            if target is None or target.id == issue.status:
                raise bad_request(None, f"Transition id '{ident}' is not valid for this issue.")
            fields = dict(body.get("fields") or {})
            resolution_id = None
            if "resolution" in fields:
                value = fields.pop("resolution")
                if not self.payloads.screen_has_resolution(target):
                    errors["resolution"] = CANNOT_SET.format("resolution")
                else:
                    resolution_id = self.rules.check_resolution(value, errors)
            values = self.rules.validate_fields(fields, creating=False, errors=errors)
            comments = self.rules.validate_update(body.get("update"), issue, values, errors)
            if errors:
                raise bad_request(errors)
            actor = self._actor(request)
            self.state.apply(self._now(), issue, values, actor)
            self.state.transition(self._now(), issue, target.id, resolution_id, actor)
            for text in comments:
                self.state.add_comment(self._now(), issue, text, actor)
        return Response(status_code=204)

    async def get_comments(self, request: Request) -> Response:
        params = request.query_params
        start = _int_param(params.get("startAt"), 0, "startAt")
        limit = _int_param(params.get("maxResults"), 5000, "maxResults")
        with self.lock:
            issue = self._issue_or_404(request.path_params["issueIdOrKey"])
            return JSONResponse(self.payloads.comments_page(issue, start, limit))

    async def get_comment(self, request: Request) -> Response:
        with self.lock:
            issue = self._issue_or_404(request.path_params["issueIdOrKey"])
            comment = next((c for c in issue.comments if c.id == request.path_params["id"]), None)
            if comment is None:
                raise SandboxError(
                    404, "Can not find a comment for the id: " + request.path_params["id"]
                )
            return JSONResponse(self.payloads.comment_json(issue, comment))

    async def add_comment(self, request: Request) -> Response:
        body = await self._json_object(request)
        text = rich_text(body.get("body"))
        if not isinstance(text, str) or not text.strip():
            raise bad_request({"comment": "Comment body can not be empty!"})
        with self.lock:
            issue = self._issue_or_404(request.path_params["issueIdOrKey"])
            comment = self.state.add_comment(self._now(), issue, text, self._actor(request))
            return JSONResponse(self.payloads.comment_json(issue, comment), status_code=201)

    async def assign(self, request: Request) -> Response:
        body = await self._json_object(request)
        errors: dict[str, str] = {}
        with self.lock:
            issue = self._issue_or_404(request.path_params["issueIdOrKey"])
            if self.cloud and "accountId" not in body:
                raise bad_request(None, "accountId must be provided")
            checked = self.rules.check_user_field("assignee", body, errors)
            if errors:
                raise bad_request(errors)
            if checked is not IGNORED:
                self.state.apply(self._now(), issue, {"assignee": checked}, self._actor(request))
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
                    "values": [self.payloads.history_json(h) for h in page],
                }
            )

    # ----- entity properties ---------------------------------------------------------------------

    async def list_properties(self, request: Request) -> Response:
        with self.lock:
            issue = self._issue_or_404(request.path_params["issueIdOrKey"])
            return JSONResponse(
                {
                    "keys": [
                        {
                            "self": self.payloads.url(f"issue/{issue.id}/properties/{key}"),
                            "key": key,
                        }
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
                    "self": self.payloads.url(f"issue/{issue.id}/properties/{key}"),
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

    def _jql_context(self, actor: str) -> JqlContext:
        """Dates and messages as the searching account's profile says (zone, language)."""
        user = self.state.user_by_account(actor)
        zone = ZoneInfo(user.time_zone) if user else UTC
        locale = user.locale if user else "en_US"
        return JqlContext(self.state, self.clock.now(), actor, self.cloud, zone, locale)

    def _run_jql(
        self, jql: str, actor: str, reconcile: frozenset[str] = frozenset()
    ) -> list[Issue]:
        try:
            query = compile_jql(
                jql,
                self._jql_context(actor),
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
                    self.payloads.issue_json(i, wanted, expand)
                    if wanted or expand
                    # no fields asked for: only id, key and self, without a `fields` object
                    else {"id": i.id, "key": i.key, "self": self.payloads.url(f"issue/{i.id}")}
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
        if start + limit > self.search_window:
            raise _past_search_window(start + limit, self.search_window)
        with self.lock:
            matches = self._run_jql(jql, self._actor(request))
            page = matches[start : start + limit]
            return JSONResponse(
                {
                    "expand": "schema,names",
                    "startAt": start,
                    "maxResults": limit,
                    "total": len(matches),
                    "issues": [self.payloads.issue_json(i, wanted, expand) for i in page],
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


# --- helpers -----------------------------------------------------------------------------------


def _past_search_window(requested: int, window: int) -> SandboxError:
    """Data Center's answer to a page past the search platform's result window: a 500
    with Jira's status entity (`message`, `status-code`, `stack-trace`)."""
    message = (
        f"Search limit exceeded. We couldn't complete your search because it requests "
        f"{requested:,} results which exceeded the search platform limit of {window:,}. "
        "Try refining your query or contact your Jira administrator. Repeating the same "
        "search may not work."
    )
    referral = "Please contact your admin passing attached Log's referral number: "
    body = {"message": message, "status-code": 500, "stack-trace": referral + str(uuid.uuid4())}
    return SandboxError(500, message, body=body)


def _in_adf(handler: Handler) -> Handler:
    """The same handler, speaking Atlassian Document Format (API v3)."""

    async def v3(request: Request) -> Response:
        token = ADF.set(True)
        try:
            return await handler(request)
        finally:
            ADF.reset(token)

    return v3


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
