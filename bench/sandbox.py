"""Sandbox speed: requests/s for "GET issue by key" and "create issue" on loopback HTTP.

The sandbox must not be what a sync benchmark measures (issue 3, item 6: aim ≥ 1,000/s).
This starts the Jira sandbox (Cloud flavour, no latency) in its own process, so it has
its own interpreter lock, and drives it from 1 and 2 client processes, each holding one
keep-alive `requests.Session` (the transport the `jira` client uses), plus one run
through the real `jira.JIRA` client. The baseline, run in the same way and the same
process layout, is a bare starlette + uvicorn app answering a pre-rendered issue body of
the same size: the floor any Python server on this stack pays. Printed: requests/s
and the ratio sandbox / baseline.

    .venv/bin/python bench/sandbox.py               # 3 s per figure, Jira
    .venv/bin/python bench/sandbox.py --seconds 1   # quicker
    .venv/bin/python bench/sandbox.py --github      # also the GitHub sandbox (bench/sandbox_github.py)
"""

from __future__ import annotations

import argparse
import json
import multiprocessing as mp
import socket
import sys
import threading
import time
from collections.abc import Callable
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent
sys.path.insert(0, str(ROOT.parent / "src"))
sys.path.insert(0, str(ROOT))

TOKEN = "bench-token"
EMAIL = "tracker@example.com"
CREATE_BODY = {
    "fields": {
        "project": {"key": "ENG"},
        "issuetype": {"name": "Task"},
        "summary": "Add alerting on queue depth",
        "description": "From the postmortem of 2026-11-20.",
        "labels": ["postmortem", "tracker-pm-1-3"],
        "priority": {"name": "High"},
        "duedate": "2026-12-15",
    }
}
SEED_ISSUES = 2_000  # the GET runs against a site that already holds this many issues


# ----- servers (each in a child process) -----------------------------------------------------


def _serve_sandbox(conn: Connection) -> None:
    from tracker_jira.sandbox.server import JiraSandbox

    with JiraSandbox(token=TOKEN) as sandbox:
        with sandbox.lock:
            actor = sandbox.state.users[0].account_id
            for _ in range(SEED_ISSUES):
                errors: dict[str, str] = {}
                values = sandbox.rules.validate_fields(
                    CREATE_BODY["fields"], creating=True, errors=errors
                )
                sandbox.state.create(sandbox._now(), values, actor)
        conn.send(sandbox.base_url)
        _answer_until_stop(conn)


def _serve_baseline(conn: Connection) -> None:
    import uvicorn
    from starlette.applications import Starlette
    from starlette.requests import Request
    from starlette.responses import Response
    from starlette.routing import Route
    from tracker_jira.sandbox.server import JiraSandbox
    from tracker_sandbox.core import _http_implementation

    sample = JiraSandbox(token=TOKEN)
    values = sample.rules.validate_fields(CREATE_BODY["fields"], creating=True, errors={})
    issue = sample.state.create(sample._now(), values, sample.state.users[0].account_id)
    body = json.dumps(sample.payloads.issue_json(issue)).encode()
    created = json.dumps({"id": issue.id, "key": issue.key, "self": "x"}).encode()

    async def get_issue(request: Request) -> Response:
        return Response(body, media_type="application/json")

    async def create_issue(request: Request) -> Response:
        await request.body()
        return Response(created, status_code=201, media_type="application/json")

    app = Starlette(
        routes=[
            Route("/rest/api/2/issue/{key}", get_issue, methods=["GET"]),
            Route("/rest/api/2/issue", create_issue, methods=["POST"]),
        ]
    )
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.bind(("127.0.0.1", 0))
    sock.listen(512)
    server = uvicorn.Server(
        uvicorn.Config(
            app, log_level="warning", access_log=False, lifespan="off", http=_http_implementation()
        )
    )
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    while not server.started:
        time.sleep(0.01)
    conn.send(f"http://127.0.0.1:{sock.getsockname()[1]}")
    _answer_until_stop(conn)
    server.should_exit = True
    thread.join(5)


def _answer_until_stop(conn: Connection) -> None:
    """Serve until "stop"; answer "cpu" with this process's CPU seconds so far (the
    server's CPU per request doesn't depend on how busy the machine is)."""
    while (message := conn.recv()) != "stop":
        if message == "cpu":
            conn.send(time.process_time())


# ----- clients (each in a child process) ---------------------------------------------------------


def _sender(base: str, operation: str, client: str) -> Callable[[], int]:
    """One request per call on a keep-alive connection; returns the HTTP status."""
    if client == "jira.JIRA":
        from jira import JIRA

        jira = JIRA(
            options={"server": base},
            basic_auth=(EMAIL, TOKEN),
            max_retries=0,
            get_server_info=False,
        )
        jira.deploymentType = "Cloud"
        if operation == "GET":
            return lambda: 200 if jira.issue("ENG-1000").key else 500
        fields = CREATE_BODY["fields"]
        return lambda: 201 if jira.create_issue(fields=fields, prefetch=False).key else 500
    import requests

    session = requests.Session()
    session.auth = (EMAIL, TOKEN)
    session.headers["Content-Type"] = "application/json"
    if operation == "GET":
        url = f"{base}/rest/api/2/issue/ENG-1000"
        return lambda: session.get(url).status_code
    url = f"{base}/rest/api/2/issue"
    payload = json.dumps(CREATE_BODY)
    return lambda: session.post(url, data=payload).status_code


def _client(
    base: str, operation: str, client: str, seconds: float, start_at: float, out: Connection
) -> None:
    send = _sender(base, operation, client)
    send()  # connect (and warm up)
    while time.time() < start_at:
        time.sleep(0.001)
    done = 0
    deadline = time.perf_counter() + seconds
    while time.perf_counter() < deadline:
        status = send()
        if status >= 300:
            raise RuntimeError(f"{operation}: HTTP {status}")
        done += 1
    out.send(done / seconds)


def _rate(base: str, operation: str, client: str, clients: int, seconds: float) -> float:
    ctx = mp.get_context("spawn")
    pipes = [ctx.Pipe() for _ in range(clients)]
    start_at = time.time() + 2.0  # spawned interpreters need a moment to import
    procs = [
        ctx.Process(target=_client, args=(base, operation, client, seconds, start_at, child))
        for _, child in pipes
    ]
    for proc in procs:
        proc.start()
    total = sum(parent.recv() for parent, _ in pipes)
    for proc in procs:
        proc.join()
    return total


def _with_server(
    target: Callable[[Connection], None], work: Callable[[str, Callable[[], float]], Any]
) -> Any:
    ctx = mp.get_context("spawn")
    parent, child = ctx.Pipe()
    proc = ctx.Process(target=target, args=(child,), daemon=True)
    proc.start()
    base = parent.recv()

    def server_cpu() -> float:
        parent.send("cpu")
        return float(parent.recv())

    try:
        return work(base, server_cpu)
    finally:
        parent.send("stop")
        proc.join(10)


MEASUREMENTS = (
    ("GET issue", "GET", "requests", 1),
    ("GET issue", "GET", "requests", 2),
    ("GET issue", "GET", "jira.JIRA", 1),
    ("create issue", "POST", "requests", 1),
    ("create issue", "POST", "requests", 2),
    ("create issue", "POST", "jira.JIRA", 1),
)


def measure(seconds: float = 3.0) -> dict[str, dict[str, tuple[float, float]]]:
    """(requests/s, server CPU µs per request) per measurement, sandbox and baseline."""
    results: dict[str, dict[str, tuple[float, float]]] = {}
    for label, target in (("baseline", _serve_baseline), ("sandbox", _serve_sandbox)):

        def work(base: str, server_cpu: Callable[[], float]) -> dict[str, tuple[float, float]]:
            figures = {}
            for name, op, client, clients in MEASUREMENTS:
                before = server_cpu()
                rate = _rate(base, op, client, clients, seconds)
                used = server_cpu() - before
                served = rate * seconds + clients  # + one warm-up request per client
                figures[f"{name}, {client} x{clients}"] = (rate, used / served * 1e6)
            return figures

        results[label] = _with_server(target, work)
    return results


def _asgi_scope(method: str, path: str) -> dict[str, Any]:
    import base64

    auth = b"Basic " + base64.b64encode(f"{EMAIL}:{TOKEN}".encode())
    return {
        "type": "http",
        "method": method,
        "path": path,
        "raw_path": path.encode(),
        "query_string": b"",
        "root_path": "",
        "headers": [(b"authorization", auth), (b"content-type", b"application/json")],
        "scheme": "http",
        "server": ("127.0.0.1", 1),
        "client": ("127.0.0.1", 2),
        "http_version": "1.1",
    }


async def _asgi_rate(app: Any, method: str, path: str, payload: bytes, n: int) -> float:
    async def receive() -> dict[str, Any]:
        return {"type": "http.request", "body": payload, "more_body": False}

    async def send(message: dict[str, Any]) -> None:
        if message["type"] == "http.response.start" and message["status"] >= 300:
            raise RuntimeError(f"{method} {path}: HTTP {message['status']}")

    started = time.perf_counter()
    for _ in range(n):
        await app(_asgi_scope(method, path), receive, send)
    return n / (time.perf_counter() - started)


def measure_asgi(n: int = 3000) -> dict[str, dict[str, float]]:
    """Requests/s of the application code alone, called as ASGI in this process (no
    sockets, no HTTP parsing, no client): what the sandbox itself costs per request."""
    import asyncio

    from starlette.applications import Starlette
    from starlette.requests import Request
    from starlette.responses import Response
    from starlette.routing import Route
    from tracker_jira.sandbox.server import JiraSandbox

    sandbox = JiraSandbox(token=TOKEN)
    sandbox.base_url = "http://127.0.0.1:1"
    app = sandbox.asgi_app()
    actor = sandbox.state.users[0].account_id
    for _ in range(SEED_ISSUES):
        values = sandbox.rules.validate_fields(CREATE_BODY["fields"], creating=True, errors={})
        sandbox.state.create(sandbox._now(), values, actor)
    body = json.dumps(sandbox.payloads.issue_json(sandbox.state.issues["10999"])).encode()

    async def get_issue(request: Request) -> Response:
        return Response(body, media_type="application/json")

    async def create_issue(request: Request) -> Response:
        await request.body()
        return Response(b'{"id":"1","key":"ENG-1","self":"x"}', 201, media_type="application/json")

    baseline = Starlette(
        routes=[
            Route("/rest/api/2/issue/{key}", get_issue, methods=["GET"]),
            Route("/rest/api/2/issue", create_issue, methods=["POST"]),
        ]
    )
    payload = json.dumps(CREATE_BODY).encode()
    results: dict[str, dict[str, float]] = {}
    for label, target in (("baseline", baseline), ("sandbox", app)):
        results[label] = {
            "GET issue, ASGI in-process": asyncio.run(
                _asgi_rate(target, "GET", "/rest/api/2/issue/ENG-1000", b"", n)
            ),
            "create issue, ASGI in-process": asyncio.run(
                _asgi_rate(target, "POST", "/rest/api/2/issue", payload, n)
            ),
        }
    return results


def _print_table(title: str, results: dict[str, dict[str, float]]) -> None:
    print(f"\n{title}")
    print(f"{'measurement':<34}{'baseline req/s':>16}{'sandbox req/s':>16}{'ratio':>8}")
    for name, rate in results["sandbox"].items():
        base = results["baseline"][name]
        print(f"{name:<34}{base:>16,.0f}{rate:>16,.0f}{rate / base:>8.2f}")


def _print_http_table(title: str, results: dict[str, dict[str, tuple[float, float]]]) -> None:
    print(f"\n{title}")
    print(
        f"{'measurement':<30}{'baseline req/s':>15}{'sandbox req/s':>15}{'ratio':>7}"
        f"{'server CPU µs/req':>19}{'= req/s per core':>18}"
    )
    for name, (rate, cpu_us) in results["sandbox"].items():
        base_rate, base_cpu = results["baseline"][name]
        print(
            f"{name:<30}{base_rate:>15,.0f}{rate:>15,.0f}{rate / base_rate:>7.2f}"
            f"{f'{base_cpu:,.0f} / {cpu_us:,.0f}':>19}{f'{1e6 / cpu_us:,.0f}':>18}"
        )


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--seconds", type=float, default=3.0, help="duration of each figure")
    parser.add_argument("--github", action="store_true", help="also run bench/sandbox_github.py")
    args = parser.parse_args()
    from tracker_sandbox.core import _http_implementation

    print(
        f"HTTP implementation: {_http_implementation()}; {mp.cpu_count()} CPUs; "
        f"{args.seconds:g} s per figure; one keep-alive connection per client process; "
        f"Jira GET against a site with {SEED_ISSUES:,} issues"
    )
    _print_table("Jira sandbox: application code alone (no network)", measure_asgi())
    _print_http_table(
        "Jira sandbox over loopback HTTP (Cloud flavour, no latency); CPU: baseline / sandbox",
        measure(args.seconds),
    )
    if args.github:
        import sandbox_github

        _print_table("GitHub sandbox (rate limits off)", sandbox_github.measure(args.seconds))


if __name__ == "__main__":
    main()
