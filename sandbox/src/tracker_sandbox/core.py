"""What every sandbox server shares: a loopback HTTP server in a background thread,
a movable clock, injected faults, a request log and the `/_sandbox/` control plane.

The real `jira` and PyGithub clients talk to these servers over real HTTP, so a
service subclass only describes its API (`routes()`, `authenticate()`,
`error_response()`, state hooks); this module decides *when* a request is slowed,
failed, dropped or refused, the same way for both services.
"""

from __future__ import annotations

import asyncio
import inspect
import json
import logging
import os
import secrets
import socket
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, Self

import uvicorn
from filelock import FileLock
from starlette.applications import Starlette
from starlette.requests import ClientDisconnect, Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Match, Route
from starlette.types import ASGIApp, Receive, Scope, Send

log = logging.getLogger(__name__)

CONTROL_PREFIX = "/_sandbox/"
# Not a failure: the request it is taken by goes through as if no fault were queued. Put
# before a failure on the same route it lets the first requests by ("fail the second
# page of a listing").
PASS = "pass"
FAULT_KINDS = frozenset(
    {"500", "502", "503", "429", "timeout", "drop", "timeout-after", "drop-after", PASS}
)
# The request is carried out, then its response is lost: what makes a client's retry of
# a POST create a duplicate, so sync engines need to be proven against it.
AFTER_KINDS = frozenset({"timeout-after", "drop-after"})
UNMATCHED = "(unmatched)"


class SandboxError(Exception):
    """Raised by a route handler to answer with an error in the service's own shape.

    `body` overrides the service's default error body when the real service has a
    more specific one (e.g. Jira's per-field `errors` dict).
    """

    def __init__(
        self,
        status: int,
        message: str,
        *,
        body: Any = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.body = body
        self.headers = headers or {}


class StateFileError(ValueError):
    """The --state file can't be read back (not JSON, or not what dump_state() wrote)."""


class SandboxClock:
    """The services' notion of "now" (UTC): real time plus an offset tests can move.

    Following real time (rather than freezing) keeps `updated` moving on every edit;
    `set`/`advance` let a test jump across a due date or a rate-limit window.
    """

    def __init__(self) -> None:
        self._offset = timedelta(0)
        self._lock = threading.Lock()

    def now(self) -> datetime:
        with self._lock:
            return datetime.now(UTC) + self._offset

    def advance(self, seconds: float) -> None:
        with self._lock:
            self._offset += timedelta(seconds=seconds)

    def set(self, when: datetime) -> None:
        if when.tzinfo is None:
            when = when.replace(tzinfo=UTC)
        with self._lock:
            self._offset = when - datetime.now(UTC)

    def reset(self) -> None:
        with self._lock:
            self._offset = timedelta(0)


@dataclass(frozen=True)
class Fault:
    kind: str
    retry_after: int = 1
    route: str | None = None  # "METHOD /template"; None = any route
    hold_seconds: float | None = None  # timeouts: None = the service's timeout_hold_seconds


class FaultPlan:
    """A queue of failures for the next requests ("make the next N requests fail").

    Kinds: "500", "502", "503" (with Retry-After), "429" (with Retry-After), "timeout"
    (held past any client timeout, then dropped), "drop" (connection closed without a
    response) — all before the request is carried out — and "timeout-after" /
    "drop-after": the request IS carried out, then its response is lost.
    """

    def __init__(self) -> None:
        self._pending: list[Fault] = []
        self._lock = threading.Lock()

    def add(
        self,
        kind: str,
        count: int = 1,
        *,
        retry_after: int = 1,
        route: str | None = None,
        hold_seconds: float | None = None,
    ) -> None:
        if kind not in FAULT_KINDS:
            raise ValueError(f"unknown fault kind {kind!r}; expected one of {sorted(FAULT_KINDS)}")
        if count < 1:
            raise ValueError("count must be at least 1")
        fault = Fault(kind, retry_after, route, hold_seconds)
        with self._lock:
            self._pending.extend([fault] * count)

    def take(self, route: str) -> Fault | None:
        """Pop the first pending fault that applies to `route` ("METHOD /template");
        None when there is none, or it was a "pass"."""
        with self._lock:
            for index, fault in enumerate(self._pending):
                if fault.route is None or fault.route == route:
                    taken = self._pending.pop(index)
                    return None if taken.kind == PASS else taken
        return None

    def pending(self) -> list[dict[str, Any]]:
        with self._lock:
            return [
                {
                    "kind": f.kind,
                    "retry_after": f.retry_after,
                    "route": f.route,
                    "hold_seconds": f.hold_seconds,
                }
                for f in self._pending
            ]

    def clear(self) -> None:
        with self._lock:
            self._pending.clear()


class RequestLog:
    """Counts API requests by "METHOD /route-template" (control-plane calls excluded)."""

    def __init__(self) -> None:
        self._counts: Counter[str] = Counter()
        self._lock = threading.Lock()

    def record(self, method: str, template: str) -> None:
        with self._lock:
            self._counts[f"{method} {template}"] += 1

    def snapshot(self) -> dict[str, Any]:
        with self._lock:
            return {"total": sum(self._counts.values()), "by_route": dict(self._counts)}

    def reset(self) -> None:
        with self._lock:
            self._counts.clear()


class SandboxService:
    """Base class of the Jira and GitHub sandboxes: one uvicorn server on loopback.

    Subclasses provide `routes()`, `authenticate()`, `error_response()` and the state
    hooks; everything in this class is service-agnostic.
    """

    name: str = "sandbox"
    # How long a "timeout" fault holds a request before dropping it (or until stop()).
    timeout_hold_seconds: float = 30.0

    def __init__(
        self,
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        token: str | None = None,
        latency_ms: float = 0.0,
        state_file: Path | None = None,
    ) -> None:
        self.host = host
        self.port = port
        self.token: str = token or secrets.token_urlsafe(24)
        self.latency_ms = latency_ms
        self._initial_latency_ms = latency_ms
        self.state_file = Path(state_file) if state_file else None
        self.clock = SandboxClock()
        self.faults = FaultPlan()
        self.requests = RequestLog()
        # Guards the service state: handlers run in the server thread, the Python
        # control API (tests) in another.
        self.lock = threading.RLock()
        self._server: uvicorn.Server | None = None
        self._thread: threading.Thread | None = None
        self._socket: socket.socket | None = None
        self._stopping = threading.Event()
        self._api_routes: list[BaseRoute] = []
        self._direct_endpoints: dict[int, Callable[[Request], Awaitable[Response]]] = {}
        self._control_app: Starlette | None = None
        self.base_url = ""

    # ----- subclass hooks -------------------------------------------------------------

    def routes(self) -> list[BaseRoute]:
        """The real API routes (subclass)."""
        return []

    def control_routes(self) -> list[BaseRoute]:
        """Control endpoints under /_sandbox/; subclasses extend with their own."""
        return [
            Route("/_sandbox/requests", self._ctl_requests, methods=["GET"]),
            Route("/_sandbox/requests/reset", self._ctl_requests_reset, methods=["POST"]),
            Route("/_sandbox/reset", self._ctl_reset, methods=["POST"]),
            Route("/_sandbox/latency", self._ctl_latency, methods=["GET", "POST"]),
            Route("/_sandbox/faults", self._ctl_faults, methods=["GET", "POST", "DELETE"]),
            Route("/_sandbox/clock", self._ctl_clock, methods=["GET", "POST"]),
        ]

    def reset_state(self) -> None:
        """Back to the seeded state (subclass)."""

    def dump_state(self) -> dict[str, Any]:
        """JSON-serialisable state for --state FILE (subclass)."""
        return {}

    def load_state(self, data: dict[str, Any]) -> None:
        """Restore what dump_state() produced (subclass)."""

    def authenticate(self, request: Request) -> Response | None:
        """None if the request may proceed, else the service's 401 response (subclass)."""
        return None

    def error_response(self, status: int, message: str) -> Response:
        """An error in the service's own body shape (subclass)."""
        return JSONResponse({"message": message}, status_code=status)

    def rate_limit_headers(self, retry_after: int) -> dict[str, str]:
        """Extra headers the service sends with a 429 (subclass)."""
        return {}

    def not_found_response(self, request: Request) -> Response:
        """What the service answers for a path it doesn't serve."""
        return self.error_response(404, "Not Found")

    # ----- lifecycle -----------------------------------------------------------------

    def reset(self) -> None:
        """Fresh start without restarting the server: seeded state, empty log, no
        pending faults, initial latency, real time."""
        with self.lock:
            self.reset_state()
        self.requests.reset()
        self.faults.clear()
        self.latency_ms = self._initial_latency_ms
        self.clock.reset()
        self.__dict__.pop("timeout_hold_seconds", None)  # back to the class default

    def start(self) -> Self:
        if self._thread is not None:
            return self
        self._load_or_seed()
        self.asgi_app()
        # proto=IPPROTO_TCP matters: asyncio only sets TCP_NODELAY on accepted sockets
        # whose proto says TCP; without it every keep-alive response stalls ~40 ms on
        # Nagle + delayed ACK.
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((self.host, self.port))
            sock.listen(2048)
        except OSError:
            sock.close()
            raise
        sock.setblocking(False)
        self._socket = sock
        self.port = sock.getsockname()[1]
        self.base_url = f"http://{self.host}:{self.port}"
        config = uvicorn.Config(
            self._asgi,
            log_level="warning",
            access_log=False,
            lifespan="off",
            interface="asgi3",
            proxy_headers=False,
            server_header=False,
            http=_http_implementation(),
            timeout_graceful_shutdown=2,
        )
        self._server = uvicorn.Server(config)
        self._stopping.clear()
        self._thread = threading.Thread(
            target=self._server.run,
            kwargs={"sockets": [sock]},
            name=f"sandbox-{self.name}",
            daemon=True,
        )
        self._thread.start()
        deadline = time.monotonic() + 10
        while not self._server.started:
            if not self._thread.is_alive() or time.monotonic() > deadline:
                raise RuntimeError(f"{self.name} sandbox failed to start")
            time.sleep(0.005)
        return self

    def asgi_app(self) -> ASGIApp:
        """The whole server as an ASGI callable (routes built once); start() serves it,
        benchmarks call it directly to cost the application code alone."""
        if self._control_app is None:
            self._api_routes = self.routes()
            # keyed by id(): starlette routes define __eq__, so they are unhashable
            self._direct_endpoints = {
                id(route): route.endpoint
                for route in self._api_routes
                if isinstance(route, Route) and inspect.iscoroutinefunction(route.endpoint)
            }
            self._control_app = Starlette(
                routes=self.control_routes(),
                exception_handlers={SandboxError: self._control_error},
            )
        return self._asgi

    def stop(self) -> None:
        if self._thread is None or self._server is None:
            return
        self._stopping.set()
        self._server.should_exit = True
        self._thread.join(timeout=10)
        self._thread = None
        self._server = None
        if self._socket is not None:
            self._socket.close()
            self._socket = None
        if self.state_file is not None:
            self.save_state()

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    # ----- state file: one JSON object, one section per service ----------------------

    def _load_or_seed(self) -> None:
        with self.lock:
            self.reset_state()
            if self.state_file is None or not self.state_file.exists():
                return
            try:
                data = json.loads(self.state_file.read_text(encoding="utf-8") or "{}")
                section = data.get(self.name) if isinstance(data, dict) else None
                if section:
                    self.load_state(section)
                elif not isinstance(data, dict):
                    raise ValueError("expected a JSON object")
            except (ValueError, KeyError, TypeError) as error:
                self.reset_state()
                raise StateFileError(
                    f"{self.state_file}: not a usable sandbox state file ({error})"
                ) from error

    def save_state(self) -> None:
        """Write this service's section of the state file atomically (other sections kept)."""
        if self.state_file is None:
            return
        path = self.state_file
        path.parent.mkdir(parents=True, exist_ok=True)
        with FileLock(str(path) + ".lock"):
            data: dict[str, Any] = {}
            if path.exists():
                text = path.read_text(encoding="utf-8")
                data = json.loads(text) if text.strip() else {}
            with self.lock:
                data[self.name] = self.dump_state()
            fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
            with os.fdopen(fd, "w", encoding="utf-8") as handle:
                json.dump(data, handle, indent=1, sort_keys=True)
            os.replace(tmp, path)

    # ----- the request pipeline ------------------------------------------------------

    async def _asgi(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            return
        try:
            await self._serve(scope, receive, send)
        except ClientDisconnect:  # a client killed mid-request: nobody is left to answer
            log.debug("%s sandbox: client went away during %s %s", self.name,
                      scope["method"], scope["path"])  # fmt: skip

    async def _serve(self, scope: Scope, receive: Receive, send: Send) -> None:
        path: str = scope["path"]
        if path.startswith(CONTROL_PREFIX):
            assert self._control_app is not None
            await self._control_app(scope, receive, send)
            return
        method: str = scope["method"]
        route, child_scope, template, method_allowed = self._match(scope)
        self.requests.record(method, template)
        if self.latency_ms > 0:
            await asyncio.sleep(self.latency_ms / 1000)
        fault = self.faults.take(f"{method} {template}")
        if fault is not None and fault.kind not in AFTER_KINDS:
            await self._apply_fault(fault, scope, receive, send)
            return
        respond = send if fault is None else _discard
        request = Request(scope, receive)
        refusal = self.authenticate(request)
        if refusal is not None:
            await refusal(scope, receive, respond)
        elif route is None:
            response = (
                self.error_response(405, "Method Not Allowed")
                if not method_allowed
                else self.not_found_response(request)
            )
            await response(scope, receive, respond)
        else:
            scope.update(child_scope)
            await self._dispatch(route, request, scope, receive, respond)
        if fault is not None:
            await self._apply_fault(fault, scope, receive, send)

    async def _dispatch(
        self, route: BaseRoute, request: Request, scope: Scope, receive: Receive, send: Send
    ) -> None:
        try:
            endpoint = self._direct_endpoints.get(id(route))
            if endpoint is not None:  # skip starlette's per-request wrapping layers
                await (await endpoint(request))(scope, receive, send)
            else:
                await route.handle(scope, receive, send)
        except SandboxError as error:
            await self._render_error(error)(scope, receive, send)
        except ClientDisconnect:
            raise  # not the handler's fault: see _asgi
        except Exception:
            log.exception(
                "%s sandbox: handler failed for %s %s", self.name, scope["method"], scope["path"]
            )
            await self.error_response(500, "Internal server error")(scope, receive, send)

    def _match(self, scope: Scope) -> tuple[BaseRoute | None, Scope, str, bool]:
        """(route, child scope, template, method allowed) for a request."""
        partial = False
        for route in self._api_routes:
            match, child_scope = route.matches(scope)
            if match is Match.FULL:
                return route, child_scope, getattr(route, "path", UNMATCHED), True
            if match is Match.PARTIAL:
                partial = True
        return None, {}, UNMATCHED, not partial

    def _render_error(self, error: SandboxError) -> Response:
        if error.body is not None:
            response: Response = JSONResponse(error.body, status_code=error.status)
        else:
            response = self.error_response(error.status, error.message)
        response.headers.update(error.headers)
        return response

    async def _apply_fault(self, fault: Fault, scope: Scope, receive: Receive, send: Send) -> None:
        if fault.kind in {"500", "502", "503"}:
            status = int(fault.kind)
            response = self.error_response(status, _REASONS[status])
            if status == 503:
                response.headers["Retry-After"] = str(fault.retry_after)
            await response(scope, receive, send)
        elif fault.kind == "429":
            response = self.error_response(429, "Rate limit exceeded")
            response.headers["Retry-After"] = str(fault.retry_after)
            response.headers.update(self.rate_limit_headers(fault.retry_after))
            await response(scope, receive, send)
        elif fault.kind in ("timeout", "timeout-after"):
            hold = self.timeout_hold_seconds if fault.hold_seconds is None else fault.hold_seconds
            deadline = time.monotonic() + hold
            while time.monotonic() < deadline and not self._stopping.is_set():
                await asyncio.sleep(0.05)
            await _drop_connection(send)
        else:  # drop, drop-after
            await _drop_connection(send)

    # ----- control plane --------------------------------------------------------------

    async def _control_error(self, request: Request, exc: Exception) -> Response:
        assert isinstance(exc, SandboxError)
        return JSONResponse({"error": exc.message}, status_code=exc.status)

    async def _ctl_requests(self, request: Request) -> Response:
        return JSONResponse(self.requests.snapshot())

    async def _ctl_requests_reset(self, request: Request) -> Response:
        self.requests.reset()
        return JSONResponse(self.requests.snapshot())

    async def _ctl_reset(self, request: Request) -> Response:
        self.reset()
        return JSONResponse({"reset": True})

    async def _ctl_latency(self, request: Request) -> Response:
        if request.method == "POST":
            body = await control_body(request)
            ms = body.get("ms")
            if not isinstance(ms, int | float) or isinstance(ms, bool) or ms < 0:
                raise SandboxError(400, "expected {'ms': number >= 0}")
            self.latency_ms = float(ms)
        return JSONResponse({"ms": self.latency_ms})

    async def _ctl_faults(self, request: Request) -> Response:
        if request.method == "POST":
            body = await control_body(request)
            try:
                self.faults.add(
                    str(body.get("kind")),
                    int(body.get("count", 1)),
                    retry_after=int(body.get("retry_after", 1)),
                    route=body.get("route"),
                    hold_seconds=(
                        float(body["hold_seconds"])
                        if body.get("hold_seconds") is not None
                        else None
                    ),
                )
            except (TypeError, ValueError) as error:
                raise SandboxError(400, str(error)) from error
        elif request.method == "DELETE":
            self.faults.clear()
        return JSONResponse({"pending": self.faults.pending()})

    async def _ctl_clock(self, request: Request) -> Response:
        if request.method == "POST":
            body = await control_body(request)
            if "advance_seconds" in body:
                seconds = body["advance_seconds"]
                if not isinstance(seconds, int | float) or isinstance(seconds, bool):
                    raise SandboxError(400, "advance_seconds must be a number")
                self.clock.advance(float(seconds))
            elif "now" in body:
                try:
                    when = datetime.fromisoformat(str(body["now"]).replace("Z", "+00:00"))
                except ValueError as error:
                    raise SandboxError(400, f"bad 'now': {error}") from error
                self.clock.set(when)
            else:
                raise SandboxError(400, "expected 'advance_seconds' or 'now'")
        return JSONResponse({"now": self.clock.now().isoformat()})


async def control_body(request: Request) -> dict[str, Any]:
    """The JSON object a control-plane call sent (400 if it isn't one)."""
    try:
        body = json.loads(await request.body() or b"{}")
    except ValueError as error:
        raise SandboxError(400, f"malformed JSON: {error}") from error
    if not isinstance(body, dict):
        raise SandboxError(400, "expected a JSON object")
    return body


async def _discard(message: Any) -> None:
    """An ASGI `send` that loses the response (for the *-after faults)."""


async def _drop_connection(send: Send) -> None:
    """Close the TCP connection without any response, as a crashed proxy would.

    uvicorn hands the app its per-request cycle's bound `send`; the cycle owns the
    transport. Aborting it and yielding lets uvicorn notice the disconnect, so it
    doesn't try to write its own 500 afterwards.
    """
    transport = getattr(getattr(send, "__self__", None), "transport", None)
    if transport is None:  # not uvicorn: the closest we can get is an exception
        raise ConnectionAbortedError("sandbox fault: drop")
    transport.abort()
    for _ in range(3):
        await asyncio.sleep(0)


def _http_implementation() -> str:
    """httptools is markedly faster than h11; use it when installed."""
    try:
        import httptools  # noqa: F401
    except ImportError:
        return "h11"
    return "httptools"


_REASONS = {500: "Internal Server Error", 502: "Bad Gateway", 503: "Service Unavailable"}
