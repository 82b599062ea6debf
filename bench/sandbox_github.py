"""GitHub sandbox speed: requests/s for GET issue and create issue over loopback HTTP.

The sandbox must not be what a sync benchmark measures. This starts `GitHubSandbox` (no
latency, rate limits off) in its own process, so it has its own interpreter lock, and drives
it from 1 and 2 client processes, each with one keep-alive `requests.Session` — the transport
PyGithub itself uses. The baseline is a bare starlette + uvicorn app (same HTTP
implementation, same process layout) answering a pre-rendered issue body of the same size:
the floor any Python server on this stack pays. It prints requests/s and the ratio
sandbox / baseline.

    .venv/bin/python bench/sandbox_github.py               # 3 s per measurement
    .venv/bin/python bench/sandbox_github.py --seconds 1   # quicker

`measure(...)` is importable for a combined `bench/sandbox.py`.
"""

from __future__ import annotations

import argparse
import multiprocessing as mp
import socket
import sys
import time
from collections.abc import Callable
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "src"))

TOKEN = "bench-token"
SEED_ISSUES = 2_000  # GETs run against a repository that already holds this many issues
TITLE, BODY, LABELS = "Add alerting on queue depth", "From the postmortem.", ["postmortem"]
ISSUE_BODY = {
    "title": "Add alerting on queue depth",
    "body": "From the postmortem.",
    "labels": ["postmortem"],
}


# ----- servers (run in a child process) -------------------------------------------------------


def _serve_sandbox(conn: Connection) -> None:
    from tracker_github.sandbox.server import GitHubSandbox

    with GitHubSandbox(token=TOKEN) as sandbox:
        sandbox.set_rate_limits(enabled=False)
        with sandbox.lock:
            repo = sandbox.state.repo("acme", "app")
            for n in range(SEED_ISSUES):
                sandbox.state.create_issue(
                    repo, "alice", sandbox._now(), title=f"seed {n}", body="x", labels=["bug"]
                )
        conn.send((sandbox.base_url, "/repos/acme/app/issues/2", "/repos/acme/app/issues"))
        conn.recv()  # wait for "stop"


def _serve_baseline(conn: Connection) -> None:
    """Bare starlette + uvicorn answering pre-rendered sandbox bodies on the same paths."""
    import threading

    import uvicorn
    from starlette.applications import Starlette
    from starlette.requests import Request
    from starlette.responses import Response
    from starlette.routing import Route
    from tracker_github.sandbox.payloads import PayloadBuilder, Roots
    from tracker_github.sandbox.payloads import dumps as _dumps
    from tracker_github.sandbox.server import GitHubSandbox
    from tracker_sandbox.core import _http_implementation

    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.bind(("127.0.0.1", 0))
    sock.listen(512)
    base = f"http://127.0.0.1:{sock.getsockname()[1]}"
    sample = GitHubSandbox(token=TOKEN)
    sample.reset_state()
    repo = sample.state.repo("acme", "app")
    issue = sample.state.create_issue(
        repo, "alice", sample._now(), title="seed", body="x", labels=["bug"]
    )
    build = PayloadBuilder(sample.state, Roots(base, base))
    repo_body = _dumps(build.repository(repo))
    issue_body = _dumps(build.issue(repo, issue, single=True))

    async def get_repo(request: Request) -> Response:
        return Response(repo_body, media_type="application/json")

    async def get_issue(request: Request) -> Response:
        return Response(issue_body, media_type="application/json")

    async def create_issue(request: Request) -> Response:
        await request.body()
        return Response(issue_body, status_code=201, media_type="application/json")

    app = Starlette(
        routes=[
            Route("/repos/acme/app", get_repo, methods=["GET"]),
            Route("/repos/acme/app/issues/2", get_issue, methods=["GET"]),
            Route("/repos/acme/app/issues", create_issue, methods=["POST"]),
        ]
    )
    config = uvicorn.Config(
        app, log_level="warning", access_log=False, lifespan="off", http=_http_implementation()
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    while not server.started:
        time.sleep(0.01)
    conn.send((base, "/repos/acme/app/issues/2", "/repos/acme/app/issues"))
    conn.recv()
    server.should_exit = True
    thread.join(5)


# ----- clients ----------------------------------------------------------------------------------


def _session_sender(base: str, method: str, path: str) -> Callable[[], int]:
    """One keep-alive requests.Session, as PyGithub uses; returns the status code."""
    import requests

    session = requests.Session()
    session.headers["Authorization"] = f"token {TOKEN}"
    url = base + path
    if method == "GET":
        return lambda: session.get(url).status_code
    return lambda: session.post(url, json=ISSUE_BODY).status_code


def _raw_sender(base: str, method: str, path: str) -> Callable[[], int]:
    """A minimal keep-alive HTTP/1.1 client on a bare socket: shows what the server alone costs."""
    import json

    host, port = base.removeprefix("http://").split(":")
    sock = socket.create_connection((host, int(port)))
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    payload = json.dumps(ISSUE_BODY).encode() if method == "POST" else b""
    head = (
        f"{method} {path} HTTP/1.1\r\nHost: {host}:{port}\r\nAuthorization: token {TOKEN}\r\n"
        f"Content-Type: application/json\r\nContent-Length: {len(payload)}\r\n\r\n"
    )
    request = head.encode() + payload
    reader = sock.makefile("rb")

    def send() -> int:
        sock.sendall(request)
        status = int(reader.readline().split()[1])
        length = 0
        while (line := reader.readline()) not in (b"\r\n", b""):
            name, _, value = line.partition(b":")
            if name.lower() == b"content-length":
                length = int(value)
        reader.read(length)
        return status

    return send


def _pygithub_sender(base: str, method: str, path: str) -> Callable[[], int]:
    """The real PyGithub client (pacing off): one `get_issue` or `create_issue` call each."""
    from github import Auth, Github

    g = Github(
        base_url=base,
        auth=Auth.Token(TOKEN),
        seconds_between_requests=None,
        seconds_between_writes=None,
    )
    repo = g.get_repo("acme/app")
    if method == "GET":
        number = int(path.rsplit("/", 1)[1])
        return lambda: 200 if repo.get_issue(number).number == number else 500
    return lambda: 201 if repo.create_issue(TITLE, body=BODY, labels=LABELS).number else 500


SENDERS: dict[str, Callable[[str, str, str], Callable[[], int]]] = {
    "requests": _session_sender,
    "raw socket": _raw_sender,
    "PyGithub": _pygithub_sender,
}


def _client(
    base: str, method: str, path: str, seconds: float, start_at: float, kind: str, out: Connection
) -> None:
    send = SENDERS[kind](base, method, path)
    send()  # open the connection
    while time.time() < start_at:
        time.sleep(0.001)
    done = 0
    deadline = time.perf_counter() + seconds
    while time.perf_counter() < deadline:
        status = send()
        if status >= 300:
            raise RuntimeError(f"{method} {path}: HTTP {status}")
        done += 1
    out.send(done / seconds)


def _rate(base: str, method: str, path: str, seconds: float, clients: int, kind: str) -> float:
    ctx = mp.get_context("spawn")
    pipes = [ctx.Pipe() for _ in range(clients)]
    start_at = time.time() + 1.5  # spawned interpreters need a moment to import requests
    procs = [
        ctx.Process(target=_client, args=(base, method, path, seconds, start_at, kind, child))
        for _, child in pipes
    ]
    for proc in procs:
        proc.start()
    total = sum(parent.recv() for parent, _ in pipes)
    for proc in procs:
        proc.join()
    return total


def _with_server(target: Callable[[Connection], None], work: Callable[[str, str, str], Any]) -> Any:
    ctx = mp.get_context("spawn")
    parent, child = ctx.Pipe()
    proc = ctx.Process(target=target, args=(child,), daemon=True)
    proc.start()
    base, get_path, post_path = parent.recv()
    try:
        return work(base, get_path, post_path)
    finally:
        parent.send("stop")
        proc.join(10)


def measure(
    seconds: float = 3.0, client_counts: tuple[int, ...] = (1, 2)
) -> dict[str, dict[str, float]]:
    """requests/s per "server / operation / clients", for the sandbox and the bare baseline."""
    results: dict[str, dict[str, float]] = {}
    for label, target in (("baseline", _serve_baseline), ("sandbox", _serve_sandbox)):

        def work(base: str, get_path: str, post_path: str) -> dict[str, float]:
            figures = {}
            for client in SENDERS:
                for clients in client_counts if client != "PyGithub" else (1,):
                    suffix = f"{client} x{clients}"
                    figures[f"GET issue, {suffix}"] = _rate(
                        base, "GET", get_path, seconds, clients, client
                    )
                    figures[f"create issue, {suffix}"] = _rate(
                        base, "POST", post_path, seconds, clients, client
                    )
            return figures

        results[label] = _with_server(target, work)
    return results


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--seconds", type=float, default=3.0, help="duration of each measurement")
    args = parser.parse_args()
    from tracker_sandbox.core import _http_implementation

    print(
        f"HTTP implementation: {_http_implementation()}; {mp.cpu_count()} CPUs; "
        f"{args.seconds:g} s per figure; one keep-alive connection per client process"
    )
    results = measure(args.seconds)
    print(f"{'measurement':<34}{'baseline req/s':>16}{'sandbox req/s':>16}{'ratio':>8}")
    for name, sandbox_rate in results["sandbox"].items():
        base = results["baseline"][name]
        print(f"{name:<34}{base:>16,.0f}{sandbox_rate:>16,.0f}{sandbox_rate / base:>8.2f}")


if __name__ == "__main__":
    main()
