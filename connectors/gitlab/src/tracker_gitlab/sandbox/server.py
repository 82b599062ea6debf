"""A GitLab REST v4 server on loopback that python-gitlab drives unchanged.

What it serves is what tracker's connector (and a person poking with python-gitlab)
uses: the signed-in user, user lookup by username, projects by id or URL-encoded path
(`acme%2Fapp`), project membership, issues (list with GitLab's filters and offset
pagination headers, create, read, edit with `state_event`, delete) and their notes, and
merge requests between branches of a real git repository (sandbox/merges.py).
Errors come in GitLab's shapes (`{"message": ...}`, Grape's `{"error": ...}` for a
missing or invalid parameter), and the limits GitLab documents are enforced on the
sandbox clock: issue creation per user and project (300 a minute by default, the
application limit's 429 body) and authenticated API requests per user (2,000 a minute,
Rack::Attack's plain-text 429), with the `RateLimit-*` headers GitLab.com sends.

The control plane (request log, latency, faults including lost responses, clock) is
the one every tracker sandbox shares.

    with GitLabSandbox() as sandbox:
        gl = gitlab.Gitlab(sandbox.base_url, private_token=sandbox.token)
        gl.projects.get("acme/app", lazy=True).issues.create({"title": "Fix it"})
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from email.utils import format_datetime
from typing import Any
from urllib.parse import unquote, urlencode

from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response
from starlette.routing import BaseRoute, Route
from starlette.types import Receive, Scope, Send
from tracker_sandbox.core import SandboxService

from tracker_gitlab.sandbox.merges import SandboxMergeRequests
from tracker_gitlab.sandbox.state import (
    MAX_DESCRIPTION,
    MAX_TITLE,
    GitLabError,
    GitLabState,
    Issue,
    Project,
    Renderer,
    User,
    not_found,
    parse_stamp,
    stamp,
)

API = "/api/v4"
VERSION = {"version": "17.6.0-ee", "revision": "sandbox", "enterprise": True}
ISSUE_LIMIT_PER_MINUTE = 300  # Issues Rate Limits (admin setting; GitLab's own example)
API_LIMIT_PER_MINUTE = 2000  # GitLab.com: authenticated API traffic per user
TOO_MANY = "This endpoint has been requested too many times. Try again later."
_STATE_EVENTS = ("close", "reopen")
_EDITABLE = (
    "title",
    "description",
    "labels",
    "add_labels",
    "remove_labels",
    "assignee_id",
    "assignee_ids",
    "due_date",
    "state_event",
    "confidential",
    "milestone_id",
    "discussion_locked",
)


@dataclass
class Reply:
    payload: Any
    status: int = 200
    headers: dict[str, str] = field(default_factory=dict)


@dataclass
class Call:
    request: Request
    body: dict[str, Any]
    render: Renderer

    def project(self, state: GitLabState) -> Project:
        # The path arrives still URL-encoded (see GitLabSandbox._asgi): decode it here.
        return state.project(unquote(str(self.request.path_params["project"])))

    def iid(self) -> int:
        raw = str(self.request.path_params["iid"])
        if not raw.isdigit():
            raise not_found()
        return int(raw)

    def query(self, name: str) -> str | None:
        return self.request.query_params.get(name)


Handler = Callable[[Call], Reply]


class Window:
    """Requests counted per key in fixed one-minute windows of the sandbox clock."""

    def __init__(self) -> None:
        self.counts: dict[tuple[str, int], int] = {}

    def take(self, key: str, now: datetime, limit: int) -> tuple[bool, int, int]:
        """(allowed, used, window end as a Unix time) after counting one more request."""
        minute = int(now.timestamp() // 60)
        used = self.counts.get((key, minute), 0) + 1
        self.counts = {k: v for k, v in self.counts.items() if k[1] >= minute}
        if limit > 0 and used > limit:
            return False, used - 1, (minute + 1) * 60
        self.counts[(key, minute)] = used
        return True, used, (minute + 1) * 60


class GitLabSandbox(SandboxService):
    """GitLab (self-managed layout: the API under `{base_url}/api/v4`)."""

    name = "gitlab"

    def __init__(self, **options: Any) -> None:
        super().__init__(**options)
        self.state = GitLabState()
        self.issue_limit_per_minute = ISSUE_LIMIT_PER_MINUTE
        self.api_limit_per_minute = API_LIMIT_PER_MINUTE
        self._issue_window = Window()
        self._api_window = Window()
        self.merges = SandboxMergeRequests(self)

    # ----- core hooks -------------------------------------------------------------------

    async def _asgi(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Route on the path as sent, `%2F` kept encoded: GitLab addresses a project as
        `group%2Fproject` in one path segment (an unencoded slash is another path)."""
        if scope["type"] == "http" and scope.get("raw_path"):
            raw = scope["raw_path"].decode("latin-1").split("?", 1)[0]
            kept = raw.replace("%2F", "%252F").replace("%2f", "%252F")
            scope = dict(scope, path=unquote(kept))
        await super()._asgi(scope, receive, send)

    def reset_state(self) -> None:
        self.state.reset()
        self.issue_limit_per_minute = ISSUE_LIMIT_PER_MINUTE
        self.api_limit_per_minute = API_LIMIT_PER_MINUTE
        self._issue_window = Window()
        self._api_window = Window()

    def dump_state(self) -> dict[str, Any]:
        return self.state.dump()

    def load_state(self, data: dict[str, Any]) -> None:
        self.state.load(data)

    def error_response(self, status: int, message: str) -> Response:
        return JSONResponse({"message": f"{status} {message}"}, status_code=status)

    def not_found_response(self, request: Request) -> Response:
        return JSONResponse({"error": "404 Not Found"}, status_code=404)

    def rate_limit_headers(self, retry_after: int) -> dict[str, str]:
        reset = int(self.clock.now().timestamp()) + retry_after
        return self._limit_headers(self.api_limit_per_minute, self.api_limit_per_minute, reset)

    def authenticate(self, request: Request) -> Response | None:
        token = request.headers.get("private-token", "")
        scheme, _, bearer = request.headers.get("authorization", "").partition(" ")
        if scheme.lower() == "bearer":
            token = token or bearer
        if token.strip() != self.token:
            return JSONResponse({"message": "401 Unauthorized"}, status_code=401)
        return None

    # ----- the signed-in user -----------------------------------------------------------

    @property
    def bot(self) -> User:
        user = self.state.user_named("tracker-bot")
        assert user is not None
        return user

    # ----- routes -----------------------------------------------------------------------

    def routes(self) -> list[BaseRoute]:
        def route(path: str, method: str, handler: Handler) -> Route:
            return Route(API + path, self._endpoint(handler), methods=[method])

        issue = "/projects/{project}/issues/{iid}"
        return [
            route("/user", "GET", lambda call: Reply(call.render.user(self.bot.id))),
            route("/version", "GET", lambda call: Reply(VERSION)),
            route("/metadata", "GET", lambda call: Reply(VERSION)),
            route("/users", "GET", self._users),
            route("/projects/{project}", "GET", self._project),
            route("/projects/{project}/members/all/{user_id}", "GET", self._member),
            route("/projects/{project}/issues", "GET", self._list_issues),
            route("/projects/{project}/issues", "POST", self._create_issue),
            route(issue, "GET", self._get_issue),
            route(issue, "PUT", self._edit_issue),
            route(issue, "DELETE", self._delete_issue),
            route(issue + "/notes", "GET", self._list_notes),
            route(issue + "/notes", "POST", self._create_note),
            route(issue + "/move", "POST", self._move_issue),
            *self.merges.routes(route),
        ]

    def control_routes(self) -> list[BaseRoute]:
        return [*super().control_routes(), *self.merges.control_routes()]

    def _endpoint(self, handler: Handler) -> Callable[[Request], Any]:
        async def endpoint(request: Request) -> Response:
            raw = await request.body()
            now = self.clock.now()
            allowed, used, reset = self._api_window.take(
                str(self.bot.id), now, self.api_limit_per_minute
            )
            limits = self._limit_headers(self.api_limit_per_minute, used, reset)
            if not allowed:
                wait = max(1, reset - int(now.timestamp()))
                return PlainTextResponse(
                    "Retry later\n", 429, headers={**limits, "Retry-After": str(wait)}
                )
            try:
                body = _body(request, raw)
                base = str(request.base_url).rstrip("/")
                with self.lock:
                    reply = handler(Call(request, body, Renderer(self.state, base)))
            except GitLabError as error:
                return JSONResponse(error.body, error.status, headers=limits)
            if reply.status == 204:
                return Response(status_code=204, headers={**limits, **reply.headers})
            return JSONResponse(reply.payload, reply.status, headers={**limits, **reply.headers})

        return endpoint

    def _limit_headers(self, limit: int, used: int, reset: int) -> dict[str, str]:
        when = datetime.fromtimestamp(reset, UTC)
        return {
            "RateLimit-Limit": str(limit),
            "RateLimit-Observed": str(used),
            "RateLimit-Remaining": str(max(0, limit - used)),
            "RateLimit-Reset": str(reset),
            "RateLimit-ResetTime": format_datetime(when, usegmt=True),
        }

    # ----- users and projects -----------------------------------------------------------

    def _users(self, call: Call) -> Reply:
        username = call.query("username")
        users = list(self.state.users.values())
        if username is not None:
            users = [u for u in users if u.username.casefold() == username.casefold()]
        return self.page(call, users, lambda u: call.render.user(u.id))

    def _project(self, call: Call) -> Reply:
        return Reply(call.render.project(call.project(self.state)))

    def _member(self, call: Call) -> Reply:
        project = call.project(self.state)
        raw = str(call.request.path_params["user_id"])
        if not raw.isdigit() or int(raw) not in project.members:
            raise not_found()
        member = call.render.user(int(raw)) or {}
        return Reply({**member, "access_level": 30, "expires_at": None})

    # ----- issues -----------------------------------------------------------------------

    def _list_issues(self, call: Call) -> Reply:
        project = call.project(self.state)
        if call.query("pagination") == "keyset":
            # GitLab's answer for resources without keyset support (issues have none).
            raise GitLabError(
                405, "Keyset pagination is not yet available for this type of request", key="error"
            )
        issues = [i for i in self.state.project_issues(project) if self._matches(call, i)]
        order = call.query("order_by") or "created_at"
        if order not in ("created_at", "updated_at", "title", "due_date", "priority"):
            raise GitLabError(400, "order_by does not have a valid value", key="error")
        descending = (call.query("sort") or "desc") == "desc"
        issues.sort(key=lambda i: (str(getattr(i, order, "") or ""), i.id), reverse=descending)
        return self.page(call, issues, call.render.issue)

    def _matches(self, call: Call, issue: Issue) -> bool:
        request = call.request
        state = call.query("state") or "all"
        if state not in ("opened", "closed", "all"):
            raise GitLabError(400, "state does not have a valid value", key="error")
        if state != "all" and issue.state != state:
            return False
        labels = call.query("labels")
        if labels:
            wanted = [name.strip() for name in labels.split(",") if name.strip()]
            if wanted == ["None"]:
                if issue.labels:
                    return False
            elif wanted == ["Any"]:
                if not issue.labels:
                    return False
            elif not all(name in issue.labels for name in wanted):
                return False
        iids = request.query_params.getlist("iids[]")
        if iids and str(issue.iid) not in iids:
            return False
        for name, newer in (
            ("updated_after", True),
            ("updated_before", False),
            ("created_after", True),
            ("created_before", False),
        ):
            value = call.query(name)
            if value is None:
                continue
            try:
                bound = parse_stamp(value)
            except ValueError:
                raise GitLabError(400, f"{name} is invalid", key="error") from None
            moment = parse_stamp(
                issue.updated_at if name.startswith("updated") else issue.created_at
            )
            if (moment < bound) if newer else (moment > bound):
                return False
        search = call.query("search")
        if search and search.casefold() not in (issue.title + "\n" + issue.description).casefold():
            return False
        assignee = call.query("assignee_username")
        if assignee is not None:
            names = {self.state.users[uid].username for uid in issue.assignee_ids}
            if assignee not in names:
                return False
        return True

    def page(self, call: Call, items: list[Any], render: Callable[[Any], Any]) -> Reply:
        """GitLab's offset pagination: `page`/`per_page` (20, at most 100) and the
        x-page, x-per-page, x-next-page, x-prev-page, x-total, x-total-pages and Link
        headers (the totals are left out past 10,000 items, as GitLab does)."""
        try:
            page = max(1, int(call.query("page") or 1))
            per_page = min(100, max(1, int(call.query("per_page") or 20)))
        except ValueError:
            raise GitLabError(400, "page is invalid", key="error") from None
        total = len(items)
        pages = max(1, math.ceil(total / per_page))
        chunk = items[(page - 1) * per_page : page * per_page]
        headers = {
            "x-page": str(page),
            "x-per-page": str(per_page),
            "x-next-page": str(page + 1) if page < pages else "",
            "x-prev-page": str(page - 1) if page > 1 else "",
        }
        if total <= 10_000:
            headers["x-total"] = str(total)
            headers["x-total-pages"] = str(pages)
        url = str(call.request.url.replace(query=""))
        params = [(k, v) for k, v in call.request.query_params.multi_items() if k != "page"]

        def link(number: int, rel: str) -> str:
            query = urlencode([*params, ("page", str(number)), ("per_page", str(per_page))])
            return f'<{url}?{query}>; rel="{rel}"'

        links = []
        if page > 1:
            links.append(link(page - 1, "prev"))
        if page < pages:
            links.append(link(page + 1, "next"))
        links.append(link(1, "first"))
        links.append(link(pages, "last"))
        headers["link"] = ", ".join(links)
        return Reply([render(item) for item in chunk], headers=headers)

    def _create_issue(self, call: Call) -> Reply:
        project = call.project(self.state)
        if not project.issues_enabled:
            raise GitLabError(403, "403 Forbidden")
        if "title" not in call.body:
            raise GitLabError(400, "title is missing", key="error")
        now = self.clock.now()
        allowed, _, reset = self._issue_window.take(
            f"{self.bot.id}:{project.id}", now, self.issue_limit_per_minute
        )
        if not allowed:
            wait = max(1, reset - int(now.timestamp()))
            return Reply({"message": {"error": TOO_MANY}}, 429, {"Retry-After": str(wait)})
        fields = self._validated(call.body, project)
        issue = self.state.new_issue(project, self.bot, "", now)
        self._apply(issue, fields, now)
        return Reply(call.render.issue(issue), 201)

    def _get_issue(self, call: Call) -> Reply:
        project = call.project(self.state)
        return Reply(call.render.issue(self.state.issue(project, call.iid())))

    def _edit_issue(self, call: Call) -> Reply:
        project = call.project(self.state)
        issue = self.state.issue(project, call.iid())
        if not any(key in call.body for key in _EDITABLE):
            raise GitLabError(
                400,
                ", ".join(_EDITABLE) + " are missing, at least one parameter must be provided",
                key="error",
            )
        fields = self._validated(call.body, project)
        self._apply(issue, fields, self.clock.now())
        return Reply(call.render.issue(issue))

    def _delete_issue(self, call: Call) -> Reply:
        project = call.project(self.state)
        issue = self.state.issue(project, call.iid())
        del self.state.issues[issue.id]
        return Reply(None, 204)

    def _list_notes(self, call: Call) -> Reply:
        issue = self.state.issue(call.project(self.state), call.iid())
        return self.page(call, issue.notes, call.render.note)

    def _create_note(self, call: Call) -> Reply:
        issue = self.state.issue(call.project(self.state), call.iid())
        body = call.body.get("body")
        if not isinstance(body, str) or not body.strip():
            raise GitLabError(400, "body is missing", key="error")
        note = self.state.add_note(issue, self.bot, body, self.clock.now())
        return Reply(call.render.note(note), 201)

    def _move_issue(self, call: Call) -> Reply:
        project = call.project(self.state)
        issue = self.state.issue(project, call.iid())
        target = call.body.get("to_project_id")
        if target is None:
            raise GitLabError(400, "to_project_id is missing", key="error")
        moved = self._move(issue, self.state.project(str(target)))
        return Reply(call.render.issue(moved), 201)

    def _move(self, issue: Issue, target: Project) -> Issue:
        """GitLab's move: a copy in `target` (new iid, same author, text, labels, due
        date, assignees who are members there); the original is closed, points at the
        copy (`moved_to_id`) and gets the system note "moved to group/project#N"."""
        source = self.state.projects[issue.project_id]
        if target.id == source.id:
            raise GitLabError(400, "Cannot move issue to project it originates from")
        now = self.clock.now()
        author = self.state.users[issue.author_id]
        copy = self.state.new_issue(target, author, issue.title, now)
        copy.description, copy.labels, copy.due_date = (
            issue.description,
            list(issue.labels),
            issue.due_date,
        )
        copy.assignee_ids = [uid for uid in issue.assignee_ids if uid in target.members]
        target_key = f"{target.path_with_namespace}#{copy.iid}"
        self.state.add_note(copy, self.bot, f"moved from {source.path_with_namespace}#{issue.iid}",
                            now, system=True)  # fmt: skip
        self.state.add_note(issue, self.bot, f"moved to {target_key}", now, system=True)
        issue.state, issue.closed_at, issue.closed_by_id = "closed", stamp(now), self.bot.id
        issue.moved_to_id = copy.id
        return copy

    # ----- field rules ------------------------------------------------------------------

    def _validated(self, body: dict[str, Any], project: Project) -> dict[str, Any]:
        """The fields of a create or edit, checked as GitLab checks them."""
        fields: dict[str, Any] = {}
        if "title" in body:
            title = str(body["title"] or "")
            if not title.strip():
                raise GitLabError(400, {"title": ["can't be blank"]})
            if len(title) > MAX_TITLE:
                raise GitLabError(
                    400, {"title": [f"is too long (maximum is {MAX_TITLE} characters)"]}
                )
            fields["title"] = title
        if "description" in body:
            text = str(body["description"] or "")
            if len(text) > MAX_DESCRIPTION:
                raise GitLabError(
                    400, {"description": [f"is too long (maximum is {MAX_DESCRIPTION} characters)"]}
                )
            fields["description"] = text
        for key in ("labels", "add_labels", "remove_labels"):
            if key in body:
                fields[key] = _label_list(body[key])
        if "assignee_ids" in body or "assignee_id" in body:
            raw = body.get("assignee_ids", body.get("assignee_id"))
            ids = raw if isinstance(raw, list) else ([] if raw in (None, "") else [raw])
            try:
                wanted = [int(x) for x in ids]
            except (TypeError, ValueError):
                raise GitLabError(400, "assignee_ids is invalid", key="error") from None
            # GitLab drops assignees who can't be assigned in the project, silently.
            fields["assignee_ids"] = [uid for uid in wanted if uid in project.members][:1]
        if "due_date" in body:
            due = body["due_date"]
            if due in (None, ""):
                fields["due_date"] = None
            else:
                try:
                    fields["due_date"] = date.fromisoformat(str(due)).isoformat()
                except ValueError:
                    raise GitLabError(400, "due_date is invalid", key="error") from None
        if "state_event" in body:
            event = body["state_event"]
            if event not in _STATE_EVENTS:
                raise GitLabError(400, "state_event does not have a valid value", key="error")
            fields["state_event"] = event
        return fields

    def _apply(self, issue: Issue, fields: dict[str, Any], now: datetime) -> None:
        """Write the fields; `updated_at` moves only when something changed."""
        before = json.dumps(issue.__dict__, default=str, sort_keys=True)
        for key in ("title", "description", "due_date", "assignee_ids"):
            if key in fields:
                setattr(issue, key, fields[key])
        if "labels" in fields:
            issue.labels = list(fields["labels"])
        issue.labels += [n for n in fields.get("add_labels", ()) if n not in issue.labels]
        removed = set(fields.get("remove_labels", ()))
        issue.labels = sorted(n for n in issue.labels if n not in removed)
        event = fields.get("state_event")
        if event == "close" and issue.state == "opened":
            issue.state, issue.closed_at, issue.closed_by_id = "closed", stamp(now), self.bot.id
        elif event == "reopen" and issue.state == "closed":
            issue.state, issue.closed_at, issue.closed_by_id = "opened", None, None
        if json.dumps(issue.__dict__, default=str, sort_keys=True) != before:
            issue.updated_at = stamp(now)

    # ----- acting as a person (tests, the demo) -----------------------------------------

    def issues(self, project: str) -> list[dict[str, Any]]:
        """Every issue of a project as the API renders it, oldest first."""
        with self.lock:
            found = self.state.project(project)
            render = Renderer(self.state, self.base_url)
            return [
                render.issue(i)
                for i in sorted(self.state.project_issues(found), key=lambda i: i.iid)
            ]

    def issue(self, project: str, iid: int) -> dict[str, Any]:
        with self.lock:
            found = self.state.issue(self.state.project(project), iid)
            return Renderer(self.state, self.base_url).issue(found)

    def edit_issue(self, project: str, iid: int, **changes: Any) -> dict[str, Any]:
        """Edit as someone in the web UI would (same rules as the API, any field of
        `_EDITABLE`; `state_event="close"` closes)."""
        with self.lock:
            found = self.state.project(project)
            issue = self.state.issue(found, iid)
            self._apply(issue, self._validated(changes, found), self.clock.now())
            return Renderer(self.state, self.base_url).issue(issue)

    def file_issue(self, project: str, title: str, *, author: str = "alice", **fields: Any) -> int:
        """An issue someone else filed (not tracker's account); returns its iid."""
        with self.lock:
            found = self.state.project(project)
            user = self.state.user_named(author) or self.state.add_user(author)
            issue = self.state.new_issue(found, user, title, self.clock.now())
            self._apply(issue, self._validated(fields, found), self.clock.now())
            issue.updated_at = issue.created_at
            return issue.iid

    def move_issue(self, project: str, iid: int, to_project: str) -> int:
        """Move an issue as someone in the web UI would; returns the copy's iid."""
        with self.lock:
            issue = self.state.issue(self.state.project(project), iid)
            return self._move(issue, self.state.project(to_project)).iid

    def delete_issue(self, project: str, iid: int) -> None:
        with self.lock:
            issue = self.state.issue(self.state.project(project), iid)
            del self.state.issues[issue.id]

    def set_git_remote(self, project: str, path: Any) -> None:
        """The git repository (a path) whose branches stand for `project`'s: where
        merge requests' branches are looked up (a test's bare remote)."""
        self.merges.set_git_remote(project, path)

    def merge_requests(self, project: str, *, state: str = "all") -> list[dict[str, Any]]:
        """Every merge request of a project as the API renders it, oldest first."""
        return self.merges.merge_requests(project, state=state)

    def add_user(self, username: str, *, member_of: tuple[str, ...] = ()) -> None:
        with self.lock:
            self.state.add_user(username, member_of=member_of)


def _body(request: Request, raw: bytes) -> dict[str, Any]:
    """A JSON or form body; query parameters too for writes (python-gitlab sends JSON)."""
    if request.method in ("GET", "DELETE") or not raw:
        return dict(request.query_params) if request.method not in ("GET", "DELETE") else {}
    if "json" in request.headers.get("content-type", ""):
        try:
            data = json.loads(raw)
        except ValueError:
            raise GitLabError(400, "400 Bad request - malformed JSON") from None
        if not isinstance(data, dict):
            raise GitLabError(400, "400 Bad request - expected a JSON object")
        return data
    from urllib.parse import parse_qs

    return {k: v[-1] for k, v in parse_qs(raw.decode("utf-8", "replace")).items()}


def _label_list(value: Any) -> list[str]:
    """Labels as GitLab reads them: a comma-separated string or an array, trimmed,
    empty names dropped, each once."""
    items = value if isinstance(value, list) else str(value or "").split(",")
    names = [str(item).strip() for item in items]
    return list(dict.fromkeys(name[:255] for name in names if name))
