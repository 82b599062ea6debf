"""GitHub's rate limits, as documented, on the sandbox clock.

https://docs.github.com/en/rest/using-the-rest-api/rate-limits-for-the-rest-api:
- primary: 5,000 requests an hour per user (`core`), 30 a minute for search (`search`);
  `x-ratelimit-*` headers on every response; exhausted → 403 (or 429) with remaining 0;
- secondary: at most 900 points a minute per REST endpoint (GET/HEAD/OPTIONS 1 point,
  POST/PATCH/PUT/DELETE 5) and at most 80 content-creating requests a minute and 500 an
  hour — issues, comments, labels and milestones alike → 403 (or 429) with
  `retry-after` and the "secondary rate limit" message. "Endpoint" here is a method and
  route template (`PATCH /repos/{owner}/{repo}/issues/{number}`), every number alike;
- a 304 answer to a conditional request does not count; `GET /rate_limit` is free.

Every number is a knob so a test can exhaust a limit in seconds, and `enabled=False` /
`secondary_enabled=False` switch limits off for benchmarks. Windows run on the sandbox clock,
so a test moves past a reset with `clock.advance()` instead of sleeping.
"""

from __future__ import annotations

import math
import threading
from collections import deque
from dataclasses import dataclass, fields
from typing import Any

from tracker_sandbox.core import SandboxClock

from tracker_github.sandbox.state import GitHubError

RATE_DOCS = "https://docs.github.com/rest/overview/rate-limits-for-the-rest-api"
SECONDARY_DOCS = (
    "https://docs.github.com/free-pro-team@latest/rest/overview/"
    "rate-limits-for-the-rest-api#about-secondary-rate-limits"
)


@dataclass
class RateLimitSettings:
    """The knobs; defaults are github.com's for a personal access token."""

    enabled: bool = True
    core_limit: int = 5000
    search_limit: int = 30
    secondary_enabled: bool = True
    creation_per_minute: int = 80
    creation_per_hour: int = 500
    points_per_minute: int = 900  # per endpoint
    status: int = 403  # GitHub answers limits with 403 or 429

    def update(self, **changes: Any) -> None:
        known = {f.name for f in fields(self)}
        for name, value in changes.items():
            if name not in known:
                raise ValueError(f"unknown rate-limit setting {name!r}")
            if value is not None:
                setattr(self, name, value)


@dataclass
class _Window:
    """A fixed window of `seconds` that starts with its first request (GitHub's primary model)."""

    seconds: int
    used: int = 0
    reset_at: float = 0.0

    def roll(self, now: float) -> None:
        if now >= self.reset_at:
            self.used = 0
            self.reset_at = now + self.seconds


class RateLimiter:
    """Counts requests per resource and refuses them the way GitHub does."""

    def __init__(self, clock: SandboxClock, user_id: int = 1) -> None:
        self.clock = clock
        self.user_id = user_id
        self.settings = RateLimitSettings()
        self._lock = threading.Lock()
        self._windows: dict[str, _Window] = {}
        self._creations: deque[float] = deque()
        self._points: dict[str, deque[tuple[float, int]]] = {}  # endpoint → (time, points)
        self.secondary_refusals = 0  # secondary-limit answers given, for assertions
        self.reset()

    def reset(self, *, settings: bool = True) -> None:
        with self._lock:
            if settings:
                self.settings = RateLimitSettings()
            self._windows = {"core": _Window(3600), "search": _Window(60)}
            self._creations.clear()
            self._points = {}
            self.secondary_refusals = 0

    def configure(self, **changes: Any) -> RateLimitSettings:
        with self._lock:
            self.settings.update(**changes)
            return self.settings

    def _limit(self, resource: str) -> int:
        return self.settings.search_limit if resource == "search" else self.settings.core_limit

    def _now(self) -> float:
        return self.clock.now().timestamp()

    def status(self, resource: str) -> dict[str, int]:
        """limit / used / remaining / reset (epoch seconds) for a resource, right now."""
        with self._lock:
            window = self._windows[resource]
            window.roll(self._now())
            limit = self._limit(resource)
            return {
                "limit": limit,
                "used": window.used,
                "remaining": max(limit - window.used, 0),
                "reset": int(window.reset_at),
            }

    def headers(self, resource: str) -> dict[str, str]:
        state = self.status(resource)
        return {
            "x-ratelimit-limit": str(state["limit"]),
            "x-ratelimit-remaining": str(state["remaining"]),
            "x-ratelimit-reset": str(state["reset"]),
            "x-ratelimit-used": str(state["used"]),
            "x-ratelimit-resource": resource,
        }

    def admit(self, resource: str) -> None:
        """Refuse the request if the primary limit of `resource` is used up."""
        if not self.settings.enabled:
            return
        state = self.status(resource)
        if state["remaining"] > 0:
            return
        message = (
            f"API rate limit exceeded for user ID {self.user_id}. If you reach out to GitHub "
            "Support for help, please include the request ID sandbox and timestamp "
            f"{self.clock.now().strftime('%Y-%m-%d %H:%M:%S UTC')}."
        )
        raise GitHubError(self.settings.status, message, headers=self.headers(resource))

    def charge(self, resource: str) -> None:
        with self._lock:
            window = self._windows[resource]
            window.roll(self._now())
            window.used += 1

    def admit_secondary(self, endpoint: str, method: str, *, creates: bool) -> None:
        """Count one request against the secondary limits (points per endpoint, content
        creation), or refuse it — counting nothing — with 403/429 + retry-after."""
        if not (self.settings.enabled and self.settings.secondary_enabled):
            return
        cost = 1 if method.upper() in ("GET", "HEAD", "OPTIONS") else 5
        with self._lock:
            now = self._now()
            wait = self._points_wait(endpoint, cost, now)
            if creates:
                wait = max(wait, self._creation_wait(now))
            if wait <= 0:
                self._points.setdefault(endpoint, deque()).append((now, cost))
                if creates:
                    self._creations.append(now)
                return
            self.secondary_refusals += 1
        raise self._secondary_refusal(wait)

    def _points_wait(self, endpoint: str, cost: int, now: float) -> float:
        """Seconds until `cost` more points fit in this endpoint's last minute."""
        spent = self._points.setdefault(endpoint, deque())
        while spent and spent[0][0] <= now - 60:
            spent.popleft()
        used = sum(points for _, points in spent)
        wait = 0.0
        for moment, points in spent:
            if used + cost <= self.settings.points_per_minute:
                break
            used -= points
            wait = moment + 60 - now
        return wait

    def _creation_wait(self, now: float) -> float:
        while self._creations and self._creations[0] <= now - 3600:
            self._creations.popleft()
        last_minute = [t for t in self._creations if t > now - 60]
        wait = 0.0
        if len(last_minute) >= self.settings.creation_per_minute:
            wait = last_minute[-self.settings.creation_per_minute] + 60 - now
        if len(self._creations) >= self.settings.creation_per_hour:
            oldest = self._creations[-self.settings.creation_per_hour]
            wait = max(wait, oldest + 3600 - now)
        return wait

    def _secondary_refusal(self, wait: float) -> GitHubError:
        """GitHub's secondary-limit answer: the status configured (403 or 429), a
        `retry-after` in whole seconds and the message PyGithub recognises."""
        return GitHubError(
            self.settings.status,
            "You have exceeded a secondary rate limit. Please wait a few minutes before you "
            "try again. If you reach out to GitHub Support for help, please include the "
            "request ID sandbox.",
            headers={"retry-after": str(max(1, math.ceil(wait)))},
            extra={"documentation_url": SECONDARY_DOCS},
        )

    def overview(self) -> dict[str, Any]:
        """The body of `GET /rate_limit`."""
        core = self.status("core")
        search = self.status("search")
        idle_hour = {"limit": 5000, "used": 0, "remaining": 5000, "reset": core["reset"]}
        return {
            "resources": {
                "core": core,
                "search": search,
                "graphql": dict(idle_hour, resource="graphql"),
                "integration_manifest": dict(idle_hour),
                "source_import": {
                    "limit": 100,
                    "used": 0,
                    "remaining": 100,
                    "reset": search["reset"],
                },
                "code_scanning_upload": dict(idle_hour),
                "actions_runner_registration": dict(idle_hour),
                "scim": dict(idle_hour),
                "dependency_snapshots": {
                    "limit": 100,
                    "used": 0,
                    "remaining": 100,
                    "reset": search["reset"],
                },
                "code_search": {"limit": 10, "used": 0, "remaining": 10, "reset": search["reset"]},
            },
            "rate": core,
        }
