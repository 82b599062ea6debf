"""A GitHub REST server on loopback that PyGithub 2.x can't tell from api.github.com.

Serves github.com-style (`base_url` is the API root) and Enterprise-style (`{base}/api/v3`)
clients from one server. Every response carries `x-ratelimit-*` headers; every GET an ETag
that `If-None-Match` turns into a free 304; the primary, search and secondary (content
creation) limits refuse requests as GitHub does. Tests act "as a person" through the Python
methods below or `/_sandbox/github/...`.

    with GitHubSandbox() as gh:
        g = Github(base_url=gh.base_url, auth=Auth.Token(gh.token))
        g.get_repo("acme/app").create_issue("Fix it")
"""

from __future__ import annotations

import base64
import hashlib
import re
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from html import escape
from pathlib import Path
from typing import Any, TypeVar
from urllib.parse import urlencode

from dateutil import tz
from starlette.requests import Request
from starlette.responses import HTMLResponse, Response
from starlette.routing import BaseRoute, Route
from starlette.types import Receive, Scope, Send
from tracker_sandbox.core import SandboxService

from tracker_github.sandbox.control import GitHubControl
from tracker_github.sandbox.input import (
    MAX_BODY,
    choice,
    issue_changes,
    milestone_field,
    optional_str,
    page_numbers,
    parse_json,
    parse_json_object,
    query_choice,
    string_list,
    timestamp,
    title_field,
    too_long,
)
from tracker_github.sandbox.limits import RATE_DOCS, RateLimiter
from tracker_github.sandbox.payloads import JSON_TYPE, PayloadBuilder, Roots, dumps, iso
from tracker_github.sandbox.pulls import SandboxPulls
from tracker_github.sandbox.search import matches, parse_query
from tracker_github.sandbox.state import (
    DEFAULT_USERS,
    GitHubError,
    GitHubState,
    IssueRecord,
    RepoRecord,
    not_found,
    validation_failed,
)

ENTERPRISE_PREFIX = "/api/v3"
DOCS = "https://docs.github.com/rest"
PACIFIC = tz.gettz("America/Los_Angeles")
# Sent by api.github.com on every API response; PyGithub reads the scopes (`g.oauth_scopes`).
STANDARD_HEADERS = {
    "x-oauth-scopes": "repo",
    "x-accepted-oauth-scopes": "repo",
    "x-github-media-type": "github.v3; format=json",
    "x-github-api-version-selected": "2022-11-28",
}

T = TypeVar("T")
WEB_PAGE = re.compile(r"^/[^/]+/[^/]+/(issues|pull)/\d+$")
WEB_TEMPLATE = """<!doctype html>
<html><head><meta charset="utf-8"><title>{title} · #{number} · {repo}</title></head>
<body style="font-family: sans-serif; max-width: 50em; margin: 2em auto">
<p>{repo} (GitHub sandbox)</p>
<h1>{title} <span style="color: #666">#{number}</span></h1>
<p><b>State:</b> {state} · <b>Labels:</b> {labels} · <b>Assignees:</b> {assignees}
· <b>Updated:</b> {updated}</p>
<pre style="white-space: pre-wrap">{body}</pre>
</body></html>
"""


@dataclass
class Reply:
    """What a handler answers: status, JSON payload (None for an empty body), extra headers."""

    payload: Any
    status: int = 200
    headers: dict[str, str] = field(default_factory=dict)


@dataclass
class Call:
    """One API request as handlers see it: path params, query, parsed body, URL builder."""

    request: Request
    body: bytes
    build: PayloadBuilder

    def param(self, name: str) -> Any:
        return self.request.path_params[name]

    def number(self, name: str = "number") -> int:
        """An integer path parameter; anything else is GitHub's 404."""
        raw = str(self.request.path_params[name])
        if not raw.isdigit():
            raise not_found()
        return int(raw)

    def query(self, name: str) -> str | None:
        return self.request.query_params.get(name)


Handler = Callable[[Call], Reply]


class GitHubSandbox(GitHubControl, SandboxService):
    """The GitHub sandbox: repositories (default `acme/app`), people `alice`, `bob`, `chen`.

    The token belongs to `tracker-bot` (user ID 1). `seed_pull_request` puts one open pull
    request (#1) in the first repository, so issue lists show GitHub's `pull_request` key.
    """

    name = "github"

    def __init__(
        self,
        *,
        repos: Sequence[str] = ("acme/app",),
        users: Sequence[str] = DEFAULT_USERS,
        seed_pull_request: bool = True,
        host: str = "127.0.0.1",
        port: int = 0,
        token: str | None = None,
        latency_ms: float = 0.0,
        state_file: Path | None = None,
    ) -> None:
        super().__init__(
            host=host, port=port, token=token, latency_ms=latency_ms, state_file=state_file
        )
        if not users:
            raise ValueError("at least one user is needed: the first one owns the token")
        for full_name in repos:
            if full_name.count("/") != 1 or not all(full_name.split("/")):
                raise ValueError(f"repository must be OWNER/NAME, got {full_name!r}")
        self.state = GitHubState(repos, users, seed_pull_request=seed_pull_request)
        self.limits = RateLimiter(self.clock, user_id=1)
        self.search_lag_seconds = 0.0
        self.pulls = SandboxPulls(self.state, self._now)  # pull requests: github_pulls.py

    # ----- core hooks -------------------------------------------------------------------

    async def _asgi(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Serve `/api/v3/...` (GitHub Enterprise's layout) by the same routes."""
        if scope["type"] == "http":
            path: str = scope["path"]
            if path == ENTERPRISE_PREFIX or path.startswith(ENTERPRISE_PREFIX + "/"):
                scope = dict(scope, root_path=ENTERPRISE_PREFIX)
        await super()._asgi(scope, receive, send)

    def reset_state(self) -> None:
        # Real time, not the clock: the core's reset() puts the clock back to real time
        # right after this, and seeded data must not be dated in a test's moved future.
        self.state.reset(datetime.now(UTC).replace(microsecond=0))
        self.limits.reset()
        self.search_lag_seconds = 0.0
        self.pulls.reset()

    def dump_state(self) -> dict[str, Any]:
        return {**self.state.dump(), "pulls": self.pulls.dump()}

    def load_state(self, data: dict[str, Any]) -> None:
        self.state.load(data)
        self.pulls.load(data.get("pulls") or {})

    def error_response(self, status: int, message: str) -> Response:
        return self._error(status, message, f"{DOCS}")

    def authenticate(self, request: Request) -> Response | None:
        is_web_page = request.method == "GET" and not request.scope.get("root_path")
        if is_web_page and WEB_PAGE.match(request.url.path):
            return None  # a browser following an html_url, like github.com's web pages
        header = request.headers.get("authorization", "")
        scheme, _, credential = header.partition(" ")
        scheme = scheme.lower()
        if scheme == "basic":
            try:
                credential = base64.b64decode(credential).decode().partition(":")[2]
            except ValueError:
                credential = ""
        if scheme in ("token", "bearer", "basic") and credential.strip() == self.token:
            return None
        message = "Bad credentials" if header else "Requires authentication"
        response = self._error(401, message, DOCS)
        response.headers.update(
            {
                "x-ratelimit-limit": "60",
                "x-ratelimit-remaining": "59",
                "x-ratelimit-reset": str(int(self.clock.now().timestamp()) + 3600),
                "x-ratelimit-used": "1",
                "x-ratelimit-resource": "core",
            }
        )
        return response

    def _error(
        self,
        status: int,
        message: str,
        docs: str,
        errors: list[dict[str, Any]] | None = None,
        extra: dict[str, Any] | None = None,
    ) -> Response:
        body: dict[str, Any] = {"message": message}
        if errors is not None:
            body["errors"] = errors
        body["documentation_url"] = docs
        body.update(extra or {})
        body["status"] = str(status)
        return Response(dumps(body), status_code=status, media_type=JSON_TYPE)

    def _now(self) -> datetime:
        """The sandbox clock at GitHub's one-second resolution."""
        return self.clock.now().replace(microsecond=0)

    # ----- the request pipeline: limits, errors, ETag ------------------------------------

    def _api(
        self,
        handler: Handler,
        docs: str,
        *,
        resource: str = "core",
        creates: bool = False,
        route_key: str = "",
    ) -> Callable[[Request], Awaitable[Response]]:
        async def endpoint(request: Request) -> Response:
            body = (
                await request.body()
                if request.method in ("POST", "PATCH", "PUT", "DELETE")
                else b""
            )
            try:
                if resource != "free":
                    self.limits.admit(resource)
                    self.limits.admit_secondary(
                        route_key or request.url.path, request.method, creates=creates
                    )
                with self.lock, self.state.lock:
                    reply = handler(Call(request, body, self._builder(request)))
            except GitHubError as error:
                return self._refusal(request, error, docs, resource)
            return self._respond(request, reply, resource)

        return endpoint

    def _respond(self, request: Request, reply: Reply, resource: str) -> Response:
        headers = {**STANDARD_HEADERS, **reply.headers}
        content = b"" if reply.payload is None else dumps(reply.payload)
        status = reply.status
        if request.method == "GET" and reply.payload is not None:
            etag = f'W/"{hashlib.md5(content, usedforsecurity=False).hexdigest()}"'
            headers["etag"] = etag
            headers.setdefault("cache-control", "private, max-age=60, s-maxage=60")
            if etag in _etags(request.headers.get("if-none-match")):
                content, status = b"", 304  # a conditional hit costs nothing
        if resource != "free" and status != 304:
            self.limits.charge(resource)
        headers.update(self.limits.headers(_rate_resource(resource)))
        if content:
            headers["content-type"] = JSON_TYPE
        return Response(content, status_code=status, headers=headers)

    def _refusal(self, request: Request, error: GitHubError, docs: str, resource: str) -> Response:
        extra = dict(error.extra)
        headers = {**STANDARD_HEADERS, **error.headers}
        if error.status == 301:
            owner_name, _, number = str(extra.pop("moved_to")).partition("#")
            url = f"{self._builder(request).api}/repos/{owner_name}/issues/{number}"
            extra["url"] = url
            headers["location"] = url
        docs = str(
            extra.pop("documentation_url", RATE_DOCS if error.status in (403, 429) else docs)
        )
        response = self._error(error.status, error.message, docs, error.errors, extra)
        rate_limited = "x-ratelimit-remaining" in headers
        if resource != "free" and not rate_limited and "retry-after" not in headers:
            self.limits.charge(resource)
        if not rate_limited:
            headers.update(self.limits.headers(_rate_resource(resource)))
        response.headers.update(headers)
        return response

    def _builder(self, request: Request) -> PayloadBuilder:
        host = request.headers.get("host") or f"{self.host}:{self.port}"
        web = f"http://{host}"
        return PayloadBuilder(
            self.state, Roots(api=web + request.scope.get("root_path", ""), web=web)
        )

    # ----- routes ----------------------------------------------------------------------

    def routes(self) -> list[BaseRoute]:
        repo = "/repos/{owner}/{repo}"
        issue = repo + "/issues/{number}"
        issues_docs = f"{DOCS}/issues/issues"
        label_docs = f"{DOCS}/issues/labels"
        ms_docs = f"{DOCS}/issues/milestones"
        comment_docs = f"{DOCS}/issues/comments"
        assignee_docs = f"{DOCS}/issues/assignees"

        def route(path: str, method: str, handler: Handler, docs: str, **kw: Any) -> Route:
            key = f"{method} {path}"
            return Route(path, self._api(handler, docs, route_key=key, **kw), methods=[method])

        return [
            route("/user", "GET", self._get_user, f"{DOCS}/users/users#get-the-authenticated-user"),
            route("/users/{login}", "GET", self._get_any_user, f"{DOCS}/users/users#get-a-user"),
            route("/rate_limit", "GET", self._get_rate_limit, f"{DOCS}/rate-limit", resource="free"),
            route("/search/issues", "GET", self._search_issues, f"{DOCS}/search/search#search-issues-and-pull-requests", resource="search"),
            route(repo, "GET", self._get_repo, f"{DOCS}/repos/repos#get-a-repository"),
            route("/repositories/{repo_id}", "GET", self._get_repo, f"{DOCS}/repos/repos#get-a-repository"),
            route(repo + "/issues", "GET", self._list_issues, f"{issues_docs}#list-repository-issues"),
            route("/repositories/{repo_id}/issues", "GET", self._list_issues, f"{issues_docs}#list-repository-issues"),
            route(repo + "/issues", "POST", self._create_issue, f"{issues_docs}#create-an-issue", creates=True),
            route(issue, "GET", self._get_issue, f"{issues_docs}#get-an-issue"),
            route(issue, "PATCH", self._edit_issue, f"{issues_docs}#update-an-issue"),
            route(issue + "/labels", "GET", self._list_issue_labels, f"{label_docs}#list-labels-for-an-issue"),
            route(issue + "/labels", "POST", self._add_issue_labels, f"{label_docs}#add-labels-to-an-issue"),
            route(issue + "/labels", "PUT", self._set_issue_labels, f"{label_docs}#set-labels-for-an-issue"),
            route(issue + "/labels", "DELETE", self._clear_issue_labels, f"{label_docs}#remove-all-labels-from-an-issue"),
            route(issue + "/labels/{name}", "DELETE", self._remove_issue_label, f"{label_docs}#remove-a-label-from-an-issue"),
            route(issue + "/assignees", "POST", self._add_issue_assignees, f"{assignee_docs}#add-assignees-to-an-issue"),
            route(issue + "/assignees", "DELETE", self._remove_issue_assignees, f"{assignee_docs}#remove-assignees-from-an-issue"),
            route(issue + "/comments", "GET", self._list_comments, f"{comment_docs}#list-issue-comments"),
            route(issue + "/comments", "POST", self._create_comment, f"{comment_docs}#create-an-issue-comment", creates=True),
            route(repo + "/labels", "GET", self._list_labels, f"{label_docs}#list-labels-for-a-repository"),
            route(repo + "/labels", "POST", self._create_label, f"{label_docs}#create-a-label", creates=True),
            route(repo + "/labels/{name}", "GET", self._get_label, f"{label_docs}#get-a-label"),
            route(repo + "/labels/{name}", "PATCH", self._edit_label, f"{label_docs}#update-a-label"),
            route(repo + "/labels/{name}", "DELETE", self._delete_label, f"{label_docs}#delete-a-label"),
            route(repo + "/milestones", "GET", self._list_milestones, f"{ms_docs}#list-milestones"),
            route(repo + "/milestones", "POST", self._create_milestone, f"{ms_docs}#create-a-milestone", creates=True),
            route(repo + "/milestones/{number}", "GET", self._get_milestone, f"{ms_docs}#get-a-milestone"),
            route(repo + "/milestones/{number}", "PATCH", self._edit_milestone, f"{ms_docs}#update-a-milestone"),
            route(repo + "/milestones/{number}", "DELETE", self._delete_milestone, f"{ms_docs}#delete-a-milestone"),
            route(repo + "/assignees", "GET", self._list_assignees, f"{assignee_docs}#list-assignees"),
            route(repo + "/assignees/{login}", "GET", self._check_assignee, f"{assignee_docs}#check-if-a-user-can-be-assigned"),
            *self.pulls.routes(route, self._repo),
            # The `html_url` of issues and pull requests, so links written into documents open.
            Route("/{owner}/{repo}/{kind}/{number}", self._web_page, methods=["GET"]),
        ]  # fmt: skip

    async def _web_page(self, request: Request) -> Response:
        """A plain page for an issue's `html_url` (title, state, labels, people, body)."""
        params = request.path_params
        with self.lock, self.state.lock:
            try:
                repo = self.state.repo(params["owner"], params["repo"])
                issue = self.state.issue(repo, int(params["number"]))
            except (GitHubError, ValueError):
                return HTMLResponse("<h1>404 Not Found</h1>", status_code=404)
            labels = ", ".join(repo.labels[k].name for k in issue.labels if k in repo.labels)
            page = WEB_TEMPLATE.format(
                repo=escape(repo.full_name),
                number=issue.number,
                title=escape(issue.title),
                state=escape(
                    issue.state + (f" ({issue.state_reason})" if issue.state_reason else "")
                ),
                labels=escape(labels or "none"),
                assignees=escape(", ".join(issue.assignees) or "nobody"),
                updated=iso(issue.updated_at),
                body=escape(issue.body or ""),
            )
        return HTMLResponse(page)

    def _repo(self, call: Call) -> RepoRecord:
        params = call.request.path_params
        if "repo_id" in params:
            return self.state.repo_by_id(call.number("repo_id"))
        return self.state.repo(params["owner"], params["repo"])

    def _issue(self, call: Call) -> tuple[RepoRecord, IssueRecord]:
        repo = self._repo(call)
        return repo, self.state.issue(repo, call.number())

    # users, rate limit, repository

    def _get_user(self, call: Call) -> Reply:
        return Reply(call.build.authenticated_user(self.state.bot_login))

    def _get_any_user(self, call: Call) -> Reply:
        return Reply(call.build.user(self.state.user(call.param("login")).login))

    def _get_rate_limit(self, call: Call) -> Reply:
        return Reply(self.limits.overview())

    def _get_repo(self, call: Call) -> Reply:
        return Reply(call.build.repository(self._repo(call)))

    # issues

    def _list_issues(self, call: Call) -> Reply:
        repo = self._repo(call)
        state = query_choice(call.query("state"), ("open", "closed", "all"), "open", "state")
        sort = query_choice(
            call.query("sort"), ("created", "updated", "comments"), "created", "sort"
        )
        direction = query_choice(call.query("direction"), ("asc", "desc"), "desc", "direction")
        since = timestamp(call.query("since"), "since", "Issue")
        wanted_labels = [
            n.strip().lower() for n in (call.query("labels") or "").split(",") if n.strip()
        ]
        selected = [
            issue
            for issue in repo.issues.values()
            if (state == "all" or issue.state == state)
            and (since is None or issue.updated_at >= since)
            and all(name in issue.labels for name in wanted_labels)
            and _matches_people(call, issue)
        ]
        key: Callable[[IssueRecord], Any] = {
            "created": lambda i: (i.created_at, i.number),
            "updated": lambda i: (i.updated_at, i.number),
            "comments": lambda i: (len(i.comments), i.number),
        }[sort]
        selected.sort(key=key, reverse=direction == "desc")
        link_path = f"{call.build.api}/repositories/{repo.id}/issues"
        page, link = _paginate(call, selected, link_path)
        return Reply([call.build.issue(repo, issue) for issue in page], headers=link)

    def _create_issue(self, call: Call) -> Reply:
        repo = self._repo(call)
        body = parse_json_object(call.body)
        title = title_field(body)
        text = optional_str(body, "body")
        too_long(text, "Issue", "body", MAX_BODY)
        labels = string_list(body, "labels")
        assignees = string_list(body, "assignees")
        assignees_field = "assignees"
        if not assignees and body.get("assignee") is not None:
            assignees = [optional_str(body, "assignee") or ""]
            assignees_field = "assignee"
        issue = self.state.create_issue(
            repo,
            self.state.bot_login,
            self._now(),
            title=title,
            body=text,
            labels=labels,
            assignees=[a for a in assignees if a],
            assignees_field=assignees_field,
            milestone=milestone_field(body),
        )
        url = f"{call.build.repo_url(repo)}/issues/{issue.number}"
        return Reply(call.build.issue(repo, issue, single=True), 201, {"location": url})

    def _get_issue(self, call: Call) -> Reply:
        repo, issue = self._issue(call)
        return Reply(call.build.issue(repo, issue, single=True))

    def _edit_issue(self, call: Call) -> Reply:
        repo = self._repo(call)
        changes = issue_changes(parse_json_object(call.body))
        issue = self.state.edit_issue(
            repo, call.number(), self.state.bot_login, self._now(), changes
        )
        return Reply(call.build.issue(repo, issue, single=True))

    # issue labels and assignees

    def _label_names(self, call: Call) -> list[str]:
        body = parse_json(call.body)
        if isinstance(body, list):
            body = {"labels": body}
        if not isinstance(body, dict):
            raise validation_failed({"resource": "Label", "code": "invalid", "field": "labels"})
        return string_list(body, "labels")

    def _issue_labels_reply(
        self, call: Call, repo: RepoRecord, issue: IssueRecord, status: int = 200
    ) -> Reply:
        return Reply(
            [call.build.label(repo, repo.labels[k]) for k in issue.labels if k in repo.labels],
            status,
        )

    def _list_issue_labels(self, call: Call) -> Reply:
        repo, issue = self._issue(call)
        labels = [repo.labels[k] for k in issue.labels if k in repo.labels]
        path = f"{call.build.repo_url(repo)}/issues/{issue.number}/labels"
        page, link = _paginate(call, labels, path)
        return Reply([call.build.label(repo, label) for label in page], headers=link)

    def _add_issue_labels(self, call: Call) -> Reply:
        repo, issue = self._issue(call)
        names = [repo.labels[k].name for k in issue.labels if k in repo.labels] + self._label_names(
            call
        )
        issue = self.state.edit_issue(
            repo, issue.number, self.state.bot_login, self._now(), {"labels": names}
        )
        return self._issue_labels_reply(call, repo, issue)

    def _set_issue_labels(self, call: Call) -> Reply:
        repo, issue = self._issue(call)
        changes = {"labels": self._label_names(call)}
        issue = self.state.edit_issue(
            repo, issue.number, self.state.bot_login, self._now(), changes
        )
        return self._issue_labels_reply(call, repo, issue)

    def _clear_issue_labels(self, call: Call) -> Reply:
        repo, issue = self._issue(call)
        self.state.edit_issue(repo, issue.number, self.state.bot_login, self._now(), {"labels": []})
        return Reply(None, 204)

    def _remove_issue_label(self, call: Call) -> Reply:
        repo, issue = self._issue(call)
        key = str(call.param("name")).strip().lower()
        if key not in issue.labels:
            raise GitHubError(404, "Label does not exist")
        names = [repo.labels[k].name for k in issue.labels if k != key and k in repo.labels]
        issue = self.state.edit_issue(
            repo, issue.number, self.state.bot_login, self._now(), {"labels": names}
        )
        return self._issue_labels_reply(call, repo, issue)

    def _add_issue_assignees(self, call: Call) -> Reply:
        repo, issue = self._issue(call)
        wanted = string_list(parse_json_object(call.body), "assignees")
        # GitHub silently ignores logins that can't be assigned here.
        logins = issue.assignees + [a for a in wanted if self.state.is_assignable(repo, a)]
        issue = self.state.edit_issue(
            repo, issue.number, self.state.bot_login, self._now(), {"assignees": logins}
        )
        return Reply(call.build.issue(repo, issue, single=True), 201)

    def _remove_issue_assignees(self, call: Call) -> Reply:
        repo, issue = self._issue(call)
        gone = {a.lower() for a in string_list(parse_json_object(call.body), "assignees")}
        logins = [a for a in issue.assignees if a.lower() not in gone]
        issue = self.state.edit_issue(
            repo, issue.number, self.state.bot_login, self._now(), {"assignees": logins}
        )
        return Reply(call.build.issue(repo, issue, single=True))

    # comments

    def _list_comments(self, call: Call) -> Reply:
        repo, issue = self._issue(call)
        since = timestamp(call.query("since"), "since", "IssueComment")
        selected = [c for c in issue.comments if since is None or c.updated_at >= since]
        path = f"{call.build.repo_url(repo)}/issues/{issue.number}/comments"
        page, link = _paginate(call, selected, path)
        return Reply([call.build.comment(repo, issue, c) for c in page], headers=link)

    def _create_comment(self, call: Call) -> Reply:
        repo, issue = self._issue(call)
        body = parse_json_object(call.body)
        text = body.get("body")
        if text is None or text == "":
            raise validation_failed(
                {"resource": "IssueComment", "code": "missing_field", "field": "body"}
            )
        text = optional_str(body, "body", nullable=False) or ""
        too_long(text, "IssueComment", "body", MAX_BODY)
        comment = self.state.add_comment(
            repo, issue.number, self.state.bot_login, self._now(), text
        )
        return Reply(
            call.build.comment(repo, issue, comment),
            201,
            {"location": call.build.comment(repo, issue, comment)["url"]},
        )

    # labels

    def _list_labels(self, call: Call) -> Reply:
        repo = self._repo(call)
        labels = sorted(repo.labels.values(), key=lambda label: label.name.lower())
        page, link = _paginate(call, labels, f"{call.build.repo_url(repo)}/labels")
        return Reply([call.build.label(repo, label) for label in page], headers=link)

    def _create_label(self, call: Call) -> Reply:
        repo = self._repo(call)
        body = parse_json_object(call.body)
        name = title_field(body, "Label", "name")
        color = optional_str(body, "color") or "ededed"
        color = _checked_color(color)
        label = self.state.create_label(repo, name, color, optional_str(body, "description"))
        return Reply(call.build.label(repo, label), 201)

    def _edit_label(self, call: Call) -> Reply:
        repo = self._repo(call)
        body = parse_json_object(call.body)
        new_name = optional_str(body, "new_name")
        color = optional_str(body, "color")
        if color is not None:
            color = _checked_color(color)
        label = self.state.edit_label(
            repo,
            call.param("name"),
            new_name,
            color,
            optional_str(body, "description"),
            "description" in body,
        )
        return Reply(call.build.label(repo, label))

    def _delete_label(self, call: Call) -> Reply:
        self.state.delete_label(self._repo(call), call.param("name"))
        return Reply(None, 204)

    def _get_label(self, call: Call) -> Reply:
        repo = self._repo(call)
        return Reply(call.build.label(repo, self.state.label(repo, call.param("name"))))

    # milestones

    def _list_milestones(self, call: Call) -> Reply:
        repo = self._repo(call)
        state = query_choice(call.query("state"), ("open", "closed", "all"), "open", "state")
        sort = query_choice(call.query("sort"), ("due_on", "completeness"), "due_on", "sort")
        direction = query_choice(call.query("direction"), ("asc", "desc"), "asc", "direction")
        selected = [m for m in repo.milestones.values() if state in ("all", m.state)]
        far = datetime.max.replace(tzinfo=UTC)
        if sort == "due_on":
            selected.sort(key=lambda m: (m.due_on or far, m.number), reverse=direction == "desc")
        else:
            selected.sort(
                key=lambda m: (
                    _completeness(self.state.milestone_counts(repo, m.number)),
                    m.number,
                ),
                reverse=direction == "desc",
            )
        page, link = _paginate(call, selected, f"{call.build.repo_url(repo)}/milestones")
        return Reply([call.build.milestone(repo, m) for m in page], headers=link)

    def _create_milestone(self, call: Call) -> Reply:
        repo = self._repo(call)
        body = parse_json_object(call.body)
        title = title_field(body, "Milestone")
        state = choice(body, "state", ("open", "closed"), "Milestone") or "open"
        due_on = _due_on(body.get("due_on"))
        milestone = self.state.create_milestone(
            repo,
            self.state.bot_login,
            self._now(),
            title=title,
            state=state,
            description=optional_str(body, "description"),
            due_on=due_on,
        )
        return Reply(call.build.milestone(repo, milestone), 201)

    def _edit_milestone(self, call: Call) -> Reply:
        repo = self._repo(call)
        body = parse_json_object(call.body)
        changes: dict[str, Any] = {}
        if "title" in body:
            changes["title"] = title_field(body, "Milestone")
        if "description" in body:
            changes["description"] = optional_str(body, "description")
        if "state" in body:
            changes["state"] = choice(body, "state", ("open", "closed"), "Milestone") or "open"
        if "due_on" in body:
            changes["due_on"] = _due_on(body["due_on"])
        milestone = self.state.edit_milestone(repo, call.number(), self._now(), changes)
        return Reply(call.build.milestone(repo, milestone))

    def _delete_milestone(self, call: Call) -> Reply:
        self.state.delete_milestone(self._repo(call), call.number())
        return Reply(None, 204)

    def _get_milestone(self, call: Call) -> Reply:
        repo = self._repo(call)
        return Reply(call.build.milestone(repo, self.state.milestone(repo, call.number())))

    # assignees

    def _list_assignees(self, call: Call) -> Reply:
        repo = self._repo(call)
        page, link = _paginate(
            call, list(repo.collaborators), f"{call.build.repo_url(repo)}/assignees"
        )
        return Reply([call.build.user(login) for login in page], headers=link)

    def _check_assignee(self, call: Call) -> Reply:
        repo = self._repo(call)
        if not self.state.is_assignable(repo, call.param("login")):
            raise not_found()
        return Reply(None, 204)

    # search

    def _search_issues(self, call: Call) -> Reply:
        q = call.query("q")
        if not q:
            raise validation_failed({"resource": "Search", "field": "q", "code": "missing"})
        try:
            query = parse_query(q)
        except ValueError as error:
            raise validation_failed(
                {"resource": "Search", "field": "q", "code": "invalid"}
            ) from error
        for name in query.repos:
            if name not in self.state.repos:
                message = (
                    "The listed users and repositories cannot be searched either because the "
                    "resources do not exist or you do not have permission to view them."
                )
                raise validation_failed(
                    {"message": message, "resource": "Search", "field": "q", "code": "invalid"}
                )
        sort = call.query("sort")
        descending = (call.query("order") or "desc") == "desc"
        # Search is eventually consistent on GitHub: with a lag set, new issues show up late.
        indexed_before = self._now() - timedelta(seconds=self.search_lag_seconds)
        hits = [
            (repo, issue)
            for repo in self.state.repos.values()
            for issue in repo.issues.values()
            if matches(query, repo, issue)
            and (self.search_lag_seconds <= 0 or issue.created_at <= indexed_before)
        ]
        if sort in ("created", "updated", "comments"):
            hits.sort(
                key=lambda hit: {
                    "created": hit[1].created_at.timestamp(),
                    "updated": hit[1].updated_at.timestamp(),
                    "comments": float(len(hit[1].comments)),
                }[sort],
                reverse=descending,
            )
        else:  # best match: newest first
            hits.sort(key=lambda hit: hit[1].id, reverse=True)
        hits = hits[:1000]  # GitHub returns at most 1,000 results per query
        page, link = _paginate(call, hits, f"{call.build.api}/search/issues")
        items = []
        for repo, issue in page:
            item = call.build.issue(repo, issue)
            item["score"] = 1.0
            items.append(item)
        link["cache-control"] = "no-cache"  # as api.github.com answers searches
        return Reply(
            {"total_count": len(hits), "incomplete_results": False, "items": items}, headers=link
        )

    def control_routes(self) -> list[BaseRoute]:
        return [
            *super().control_routes(),
            *self.github_control_routes(),
            *self.pulls.control_routes(),
        ]


# ----- helpers ---------------------------------------------------------------------------


def _etags(header: str | None) -> set[str]:
    """ETags in an If-None-Match header; a strong tag matches its weak twin, as GitHub allows."""
    if not header:
        return set()
    tags = {part.strip() for part in header.split(",") if part.strip()}
    return tags | {f"W/{t}" for t in tags if not t.startswith("W/")}


def _rate_resource(resource: str) -> str:
    return "search" if resource == "search" else "core"


def _matches_people(call: Call, issue: IssueRecord) -> bool:
    """The `milestone`, `assignee` and `creator` filters of GET /issues."""
    milestone = call.query("milestone")
    if milestone == "none" and issue.milestone is not None:
        return False
    if milestone == "*" and issue.milestone is None:
        return False
    if milestone and milestone.isdigit() and issue.milestone != int(milestone):
        return False
    assignee = call.query("assignee")
    if assignee == "none" and issue.assignees:
        return False
    if assignee == "*" and not issue.assignees:
        return False
    if (
        assignee
        and assignee not in ("none", "*")
        and assignee.lower() not in {a.lower() for a in issue.assignees}
    ):
        return False
    creator = call.query("creator")
    return not (creator and creator.lower() != issue.user.lower())


def _paginate(call: Call, items: list[T], link_path: str) -> tuple[list[T], dict[str, str]]:
    """One page of `items` plus GitHub's RFC 5988 `link` header (prev, next, last, first).

    Link URLs keep every query parameter of the request, because PyGithub follows them
    verbatim and sends nothing else on later pages.
    """
    per_page, page = page_numbers(call.query("per_page"), call.query("page"))
    start = (page - 1) * per_page
    chunk = items[start : start + per_page]
    last = max(1, -(-len(items) // per_page))
    if last == 1 and page == 1:
        return chunk, {}
    params = [(k, v) for k, v in call.request.query_params.multi_items() if k != "page"]

    def url(number: int) -> str:
        return f"{link_path}?{urlencode([*params, ('page', str(number))])}"

    parts = []
    if page > 1:
        parts.append(f'<{url(min(page - 1, last))}>; rel="prev"')
    if page < last:
        parts.append(f'<{url(page + 1)}>; rel="next"')
        parts.append(f'<{url(last)}>; rel="last"')
    if page > 1:
        parts.append(f'<{url(1)}>; rel="first"')
    return chunk, {"link": ", ".join(parts)}


def _due_on(value: Any) -> datetime | None:
    """A milestone's due date as GitHub keeps it: the *date* in US Pacific time, at midnight
    there (so `…T00:00:00Z` reads back as the previous day, 07:00Z or 08:00Z). A bare
    `YYYY-MM-DD` (what PyGithub's `Milestone.edit` sends) is taken as that date."""
    if isinstance(value, str) and len(value) == 10:
        try:
            local_date = date.fromisoformat(value)
        except ValueError:
            local_date = None
        if local_date is not None:
            return datetime.combine(local_date, time(0), PACIFIC).astimezone(UTC)
    due = timestamp(value, "due_on", "Milestone")
    if due is None:
        return None
    local_date = due.astimezone(PACIFIC).date()
    return datetime.combine(local_date, time(0), PACIFIC).astimezone(UTC)


def _checked_color(color: str) -> str:
    """A label colour: six hex digits, `#` tolerated (GitHub strips it)."""
    color = color.removeprefix("#")
    if len(color) != 6 or any(c not in "0123456789abcdefABCDEF" for c in color):
        raise validation_failed({"resource": "Label", "code": "invalid", "field": "color"})
    return color


def _completeness(counts: tuple[int, int]) -> float:
    opened, closed = counts
    return closed / (opened + closed) if opened + closed else 0.0
