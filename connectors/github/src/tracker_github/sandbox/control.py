"""The GitHub sandbox's control plane: people acting on github.com, and test knobs.

Python methods (`set_state`, `set_assignees`, `edit_issue`, `add_comment`, `delete_issue`,
`transfer_issue`, `set_rate_limits`, `issues`) and the same actions over HTTP under
`/_sandbox/github/...`, which never collides with a GitHub route. Actions go through the same
state rules as the REST API (a bad assignee is refused), but count against no rate limit and
are not in the request log.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable
from dataclasses import asdict
from datetime import datetime
from typing import Any, TypeVar

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route
from tracker_sandbox.core import SandboxError, control_body

from tracker_github.sandbox.input import issue_changes
from tracker_github.sandbox.limits import RateLimiter
from tracker_github.sandbox.payloads import JSON_TYPE, PayloadBuilder, Roots, dumps
from tracker_github.sandbox.state import GitHubError, GitHubState, RepoRecord

T = TypeVar("T")


class GitHubControl:
    """Mixin for `GitHubSandbox`: the attributes below are the sandbox's."""

    state: GitHubState
    limits: RateLimiter
    lock: threading.RLock
    base_url: str
    host: str
    port: int

    search_lag_seconds: float

    def _now(self) -> datetime:
        raise NotImplementedError

    def _control_builder(self) -> PayloadBuilder:
        web = self.base_url or f"http://{self.host}:{self.port}"
        return PayloadBuilder(self.state, Roots(api=web, web=web))

    def _locate(self, repo: str) -> RepoRecord:
        owner, _, name = repo.partition("/")
        try:
            return self.state.repo(owner, name)
        except GitHubError as error:
            raise KeyError(f"no repository {repo!r} in the sandbox") from error

    def _as_control(self, action: Callable[[], T]) -> T:
        """Run a control action; GitHub errors become SandboxError (400/404/...)."""
        try:
            with self.lock, self.state.lock:
                return action()
        except GitHubError as error:
            body = {"message": error.message, "errors": error.errors}
            raise SandboxError(error.status, error.message, body=body) from error

    def issues(
        self, repo: str = "acme/app", *, include_pull_requests: bool = False
    ) -> list[dict[str, Any]]:
        """Every issue of `repo` as the API renders it (oldest first), for assertions."""

        def action() -> list[dict[str, Any]]:
            record = self._locate(repo)
            build = self._control_builder()
            return [
                build.issue(record, issue, single=True)
                for issue in sorted(record.issues.values(), key=lambda i: i.number)
                if include_pull_requests or not issue.pull_request
            ]

        return self._as_control(action)

    def issue(self, repo: str, number: int) -> dict[str, Any]:
        """One issue as GET /repos/{repo}/issues/{number} renders it."""

        def action() -> dict[str, Any]:
            record = self._locate(repo)
            return self._control_builder().issue(
                record, self.state.issue(record, number), single=True
            )

        return self._as_control(action)

    def add_issue(
        self,
        repo: str,
        title: str,
        *,
        body: str | None = None,
        labels: Iterable[str] = (),
        actor: str = "alice",
    ) -> int:
        """An issue someone (`actor`, not the token's bot) filed by hand; its number."""

        def action() -> int:
            record = self._locate(repo)
            login = self.state.user(actor).login
            issue = self.state.create_issue(
                record, login, self._now(), title=title, body=body, labels=list(labels)
            )
            return issue.number

        return self._as_control(action)

    def edit_issue(
        self, repo: str, number: int, *, actor: str = "alice", **changes: Any
    ) -> dict[str, Any]:
        """Change an issue as `actor` would on github.com (same rules as PATCH)."""

        def action() -> dict[str, Any]:
            record = self._locate(repo)
            checked = issue_changes(changes)
            issue = self.state.edit_issue(
                record, number, self.state.user(actor).login, self._now(), checked
            )
            return self._control_builder().issue(record, issue, single=True)

        return self._as_control(action)

    def set_state(
        self,
        repo: str,
        number: int,
        state: str,
        *,
        state_reason: str | None = None,
        actor: str = "alice",
    ) -> dict[str, Any]:
        """Close (completed / not_planned / duplicate) or reopen an issue as `actor`."""
        changes: dict[str, Any] = {"state": state}
        if state_reason is not None:
            changes["state_reason"] = state_reason
        return self.edit_issue(repo, number, actor=actor, **changes)

    def set_assignees(
        self, repo: str, number: int, assignees: Iterable[str], *, actor: str = "alice"
    ) -> dict[str, Any]:
        """Replace an issue's assignees as `actor`."""
        return self.edit_issue(repo, number, actor=actor, assignees=list(assignees))

    def add_comment(
        self, repo: str, number: int, body: str, *, actor: str = "alice"
    ) -> dict[str, Any]:
        """Comment on an issue as `actor`."""

        def action() -> dict[str, Any]:
            record = self._locate(repo)
            comment = self.state.add_comment(
                record, number, self.state.user(actor).login, self._now(), body
            )
            return self._control_builder().comment(
                record, self.state.issue(record, number), comment
            )

        return self._as_control(action)

    def delete_issue(self, repo: str, number: int) -> None:
        """Delete an issue: its URL answers 410 Gone from now on."""
        self._as_control(lambda: self.state.delete_issue(self._locate(repo), number))

    def transfer_issue(self, repo: str, number: int, to: str) -> int:
        """Move an issue to repository `to`; the old URL answers 301. Returns the new number."""

        def action() -> int:
            issue = self.state.transfer_issue(
                self._locate(repo), number, self._locate(to), self._now()
            )
            return issue.number

        return self._as_control(action)

    def set_search_lag(self, seconds: float) -> None:
        """Hide issues younger than `seconds` (sandbox clock) from search, as GitHub's index
        lags behind writes; 0 (the default, restored by reset) makes search immediate."""
        if seconds < 0:
            raise ValueError("search lag must be >= 0")
        self.search_lag_seconds = float(seconds)

    def set_rate_limits(
        self,
        *,
        core_limit: int | None = None,
        search_limit: int | None = None,
        creation_per_minute: int | None = None,
        creation_per_hour: int | None = None,
        points_per_minute: int | None = None,
        enabled: bool | None = None,
        secondary_enabled: bool | None = None,
        status: int | None = None,
    ) -> dict[str, Any]:
        """Change rate-limit knobs (None keeps a knob); `reset()` restores GitHub's defaults."""
        if status is not None and status not in (403, 429):
            raise ValueError("GitHub answers rate limits with 403 or 429")
        settings = self.limits.configure(
            core_limit=core_limit,
            search_limit=search_limit,
            creation_per_minute=creation_per_minute,
            creation_per_hour=creation_per_hour,
            points_per_minute=points_per_minute,
            enabled=enabled,
            secondary_enabled=secondary_enabled,
            status=status,
        )
        return asdict(settings)

    def rate_limit_status(self) -> dict[str, Any]:
        """What `GET /rate_limit` would answer, without counting a request."""
        return self.limits.overview()

    # ----- /_sandbox/github/... ---------------------------------------------------------

    def github_control_routes(self) -> list[BaseRoute]:
        base = "/_sandbox/github"
        issue = base + "/repos/{owner}/{repo}/issues/{number}"
        return [
            Route(base + "/repos/{owner}/{repo}/issues", self._ctl_issues, methods=["GET"]),
            Route(issue, self._ctl_issue, methods=["GET", "PATCH", "DELETE"]),
            Route(issue + "/state", self._ctl_state, methods=["POST"]),
            Route(issue + "/assignees", self._ctl_assignees, methods=["POST"]),
            Route(issue + "/comments", self._ctl_comment, methods=["POST"]),
            Route(issue + "/transfer", self._ctl_transfer, methods=["POST"]),
            Route(base + "/rate-limits", self._ctl_rate_limits, methods=["GET", "POST"]),
            Route(base + "/search-lag", self._ctl_search_lag, methods=["GET", "POST"]),
        ]

    @staticmethod
    def _ctl_repo(request: Request) -> str:
        return f"{request.path_params['owner']}/{request.path_params['repo']}"

    @staticmethod
    def _ctl_target(request: Request) -> tuple[str, int]:
        raw = str(request.path_params["number"])
        if not raw.isdigit():
            raise SandboxError(404, f"no issue {raw!r}")
        return f"{request.path_params['owner']}/{request.path_params['repo']}", int(raw)

    def _ctl_lookup(self, action: Callable[[], T]) -> T:
        try:
            return action()
        except KeyError as error:
            raise SandboxError(404, str(error)) from error

    async def _ctl_issues(self, request: Request) -> Response:
        with_prs = request.query_params.get("pull_requests") == "true"
        repo = self._ctl_repo(request)
        return json_response(
            self._ctl_lookup(lambda: self.issues(repo, include_pull_requests=with_prs))
        )

    async def _ctl_issue(self, request: Request) -> Response:
        repo, number = self._ctl_target(request)
        if request.method == "DELETE":
            self._ctl_lookup(lambda: self.delete_issue(repo, number))
            return Response(b"", 204)
        if request.method == "PATCH":
            body = await control_body(request)
            actor = str(body.pop("actor", "alice"))
            return json_response(
                self._ctl_lookup(lambda: self.edit_issue(repo, number, actor=actor, **body))
            )
        return json_response(self._ctl_lookup(lambda: self.issue(repo, number)))

    async def _ctl_state(self, request: Request) -> Response:
        repo, number = self._ctl_target(request)
        body = await control_body(request)
        state, reason = str(body.get("state", "closed")), body.get("state_reason")
        actor = str(body.get("actor", "alice"))
        return json_response(
            self._ctl_lookup(
                lambda: self.set_state(repo, number, state, state_reason=reason, actor=actor)
            )
        )

    async def _ctl_assignees(self, request: Request) -> Response:
        repo, number = self._ctl_target(request)
        body = await control_body(request)
        logins, actor = list(body.get("assignees") or []), str(body.get("actor", "alice"))
        return json_response(
            self._ctl_lookup(lambda: self.set_assignees(repo, number, logins, actor=actor))
        )

    async def _ctl_comment(self, request: Request) -> Response:
        repo, number = self._ctl_target(request)
        body = await control_body(request)
        text, actor = str(body.get("body", "")), str(body.get("actor", "alice"))
        return json_response(
            self._ctl_lookup(lambda: self.add_comment(repo, number, text, actor=actor))
        )

    async def _ctl_transfer(self, request: Request) -> Response:
        repo, number = self._ctl_target(request)
        target = str((await control_body(request)).get("to", ""))
        new_number = self._ctl_lookup(lambda: self.transfer_issue(repo, number, target))
        return json_response({"repository": target, "number": new_number})

    async def _ctl_search_lag(self, request: Request) -> Response:
        if request.method == "POST":
            seconds = (await control_body(request)).get("seconds")
            if not isinstance(seconds, int | float) or isinstance(seconds, bool) or seconds < 0:
                raise SandboxError(400, "expected {'seconds': number >= 0}")
            self.set_search_lag(seconds)
        return json_response({"seconds": self.search_lag_seconds})

    async def _ctl_rate_limits(self, request: Request) -> Response:
        if request.method == "POST":
            body = await control_body(request)
            try:
                settings = self.set_rate_limits(**body)
            except (TypeError, ValueError) as error:
                raise SandboxError(400, str(error)) from error
        else:
            settings = asdict(self.limits.settings)
        return json_response(
            {"settings": settings, "status": self.rate_limit_status()["resources"]}
        )


def json_response(payload: Any, status: int = 200) -> Response:
    return Response(dumps(payload), status_code=status, media_type=JSON_TYPE)
