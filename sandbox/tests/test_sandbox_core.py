"""Sandbox core behaviours (faults, latency, clock, request log, control plane, state
file), exercised through the Jira sandbox with the real `jira` client."""

from __future__ import annotations

import base64
import json
import socket
import time
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import urlsplit

import pytest
import requests
from jira import JIRA, JIRAError
from tracker_jira.sandbox.server import JiraSandbox

ISSUE = {"project": {"key": "ENG"}, "issuetype": {"name": "Task"}, "summary": "S"}
CREATE_ROUTE = "POST /rest/api/2/issue"


def retrying_client(sandbox: JiraSandbox, retries: int) -> JIRA:
    """The real client with its own 429/503 retries on, but waits shrunk to ~0.1 s."""
    client = JIRA(
        options={"server": sandbox.base_url},
        basic_auth=("tracker@example.com", sandbox.token),
        max_retries=retries,
        timeout=10,
    )
    client._session.max_retry_delay = 0.1
    return client


def control(sandbox: JiraSandbox, path: str, body: dict | None = None) -> requests.Response:
    return requests.post(f"{sandbox.base_url}/_sandbox/{path}", json=body or {}, timeout=5)


# --- faults ---------------------------------------------------------------------------


def test_503_with_retry_after_is_retried_by_the_client_and_creates_once(
    jira_sandbox: JiraSandbox,
) -> None:
    client = retrying_client(jira_sandbox, retries=2)
    jira_sandbox.requests.reset()
    jira_sandbox.faults.add("503", retry_after=1, route=CREATE_ROUTE)
    issue = client.create_issue(fields=ISSUE, prefetch=False)
    assert issue.key == "ENG-1"
    assert [i["key"] for i in jira_sandbox.issues()] == ["ENG-1"]
    assert jira_sandbox.requests.snapshot()["by_route"] == {CREATE_ROUTE: 2}


def test_429_carries_retry_after_and_the_client_retries(jira_sandbox: JiraSandbox) -> None:
    client = retrying_client(jira_sandbox, retries=1)
    client.create_issue(fields=ISSUE, prefetch=False)
    jira_sandbox.faults.add("429", retry_after=3)
    assert client.issue("ENG-1").key == "ENG-1"
    jira_sandbox.faults.add("429", retry_after=3)
    response = requests.get(
        f"{jira_sandbox.base_url}/rest/api/2/issue/ENG-1",
        auth=("tracker@example.com", jira_sandbox.token),
        timeout=5,
    )
    assert (response.status_code, response.headers["Retry-After"]) == (429, "3")
    assert response.json()["errorMessages"] == ["Rate limit exceeded"]


def test_500_is_not_retried_and_leaves_no_issue_behind(
    jira_sandbox: JiraSandbox, jira_client: JIRA
) -> None:
    jira_sandbox.faults.add("500", route=CREATE_ROUTE)
    with pytest.raises(JIRAError) as error:
        jira_client.create_issue(fields=ISSUE, prefetch=False)
    assert error.value.status_code == 500
    assert error.value.response.json() == {"errorMessages": ["Internal Server Error"], "errors": {}}
    assert jira_sandbox.issues() == []
    assert jira_client.create_issue(fields=ISSUE, prefetch=False).key == "ENG-1"


def test_502_fails_only_the_next_request(jira_sandbox: JiraSandbox, jira_client: JIRA) -> None:
    jira_sandbox.faults.add("502")
    with pytest.raises(JIRAError) as error:
        jira_client.myself()
    assert error.value.status_code == 502
    assert jira_client.myself()["accountId"]


def test_a_fault_for_one_route_leaves_other_routes_alone(
    jira_sandbox: JiraSandbox, jira_client: JIRA
) -> None:
    jira_sandbox.faults.add("500", route=CREATE_ROUTE)
    assert jira_client.myself()["accountId"]
    assert jira_sandbox.faults.pending() == [
        {"kind": "500", "retry_after": 1, "route": CREATE_ROUTE, "hold_seconds": None}
    ]


def test_a_pass_fault_lets_a_request_through_and_the_next_one_fails(
    jira_sandbox: JiraSandbox, jira_client: JIRA
) -> None:
    jira_sandbox.faults.add("pass", route="GET /rest/api/2/myself")
    jira_sandbox.faults.add("500", route="GET /rest/api/2/myself")
    assert jira_client.myself()["accountId"]
    with pytest.raises(JIRAError) as error:
        jira_client.myself()
    assert error.value.status_code == 500
    assert jira_sandbox.faults.pending() == []


def test_dropped_connection_reaches_the_client_as_a_connection_error(
    jira_sandbox: JiraSandbox, jira_client: JIRA
) -> None:
    jira_sandbox.faults.add("drop", route=CREATE_ROUTE)
    with pytest.raises(requests.ConnectionError):
        jira_client.create_issue(fields=ISSUE, prefetch=False)
    assert jira_sandbox.issues() == []
    assert jira_client.create_issue(fields=ISSUE, prefetch=False).key == "ENG-1"


def test_drop_after_carries_out_the_create_then_loses_the_response(
    jira_sandbox: JiraSandbox, jira_client: JIRA
) -> None:
    jira_sandbox.faults.add("drop-after", route=CREATE_ROUTE)
    with pytest.raises(requests.ConnectionError):
        jira_client.create_issue(fields=ISSUE, prefetch=False)
    assert [i["key"] for i in jira_sandbox.issues()] == ["ENG-1"]


def test_a_client_retrying_a_lost_create_makes_a_duplicate(jira_sandbox: JiraSandbox) -> None:
    """Why "drop-after" exists: the jira client retries a POST on a connection error."""
    client = retrying_client(jira_sandbox, retries=1)
    jira_sandbox.faults.add("drop-after", route=CREATE_ROUTE)
    client.create_issue(fields=ISSUE, prefetch=False)
    assert [i["key"] for i in jira_sandbox.issues()] == ["ENG-1", "ENG-2"]


def test_timeout_after_carries_out_the_request_and_times_the_client_out(
    jira_sandbox: JiraSandbox,
) -> None:
    jira_sandbox.timeout_hold_seconds = 1.0
    client = JIRA(
        options={"server": jira_sandbox.base_url},
        basic_auth=("tracker@example.com", jira_sandbox.token),
        max_retries=0,
        timeout=0.3,
    )
    jira_sandbox.faults.add("timeout-after", route=CREATE_ROUTE)
    with pytest.raises(requests.ReadTimeout):
        client.create_issue(fields=ISSUE, prefetch=False)
    assert len(jira_sandbox.issues()) == 1


def test_429_carries_jira_cloud_rate_limit_headers(jira_sandbox: JiraSandbox) -> None:
    jira_sandbox.faults.add("429", retry_after=5)
    response = requests.get(f"{jira_sandbox.base_url}/rest/api/2/serverInfo", timeout=5)
    assert response.status_code == 429
    assert response.headers["RateLimit-Reason"] == "jira-burst-based"
    assert response.headers["X-RateLimit-Remaining"] == "0"


def test_timeout_fault_holds_the_request_past_the_client_timeout(
    jira_sandbox: JiraSandbox,
) -> None:
    jira_sandbox.timeout_hold_seconds = 1.0  # reset() restores the default
    client = JIRA(
        options={"server": jira_sandbox.base_url},
        basic_auth=("tracker@example.com", jira_sandbox.token),
        max_retries=0,
        timeout=0.3,
    )
    jira_sandbox.faults.add("timeout")
    started = time.monotonic()
    with pytest.raises(requests.ReadTimeout):
        client.myself()
    assert time.monotonic() - started < 1.0
    assert client.myself()["accountId"]  # other requests are not blocked meanwhile


def test_a_timeout_fault_can_carry_its_own_hold(jira_sandbox: JiraSandbox) -> None:
    response = control(jira_sandbox, "faults", {"kind": "timeout", "hold_seconds": 0.5})
    assert response.json()["pending"][0]["hold_seconds"] == 0.5
    started = time.monotonic()
    with pytest.raises(requests.ConnectionError):
        requests.get(f"{jira_sandbox.base_url}/rest/api/2/serverInfo", timeout=5)
    assert 0.5 <= time.monotonic() - started < 3


def test_faults_are_set_over_http(jira_sandbox: JiraSandbox, jira_client: JIRA) -> None:
    response = control(
        jira_sandbox, "faults", {"kind": "503", "count": 2, "retry_after": 1, "route": CREATE_ROUTE}
    )
    assert response.status_code == 200
    assert len(response.json()["pending"]) == 2
    assert control(jira_sandbox, "faults", {"kind": "418"}).status_code == 400


# --- latency and clock --------------------------------------------------------------------


def test_latency_slows_every_api_request(jira_sandbox: JiraSandbox, jira_client: JIRA) -> None:
    assert control(jira_sandbox, "latency", {"ms": 150}).json() == {"ms": 150.0}
    started = time.monotonic()
    jira_client.myself()
    assert time.monotonic() - started >= 0.15


def test_clock_moves_over_http_and_stamps_issues(
    jira_sandbox: JiraSandbox, jira_client: JIRA
) -> None:
    response = control(jira_sandbox, "clock", {"now": "2026-11-25T10:00:00Z"})
    assert response.json()["now"].startswith("2026-11-25T10:00:00")
    control(jira_sandbox, "clock", {"advance_seconds": 3600})
    issue = jira_client.create_issue(fields=ISSUE)
    assert issue.fields.created.startswith("2026-11-25T11:00:0")


def test_clock_set_from_python(jira_sandbox: JiraSandbox) -> None:
    jira_sandbox.clock.set(datetime(2030, 1, 1, tzinfo=UTC))
    assert jira_sandbox.clock.now().year == 2030
    jira_sandbox.clock.advance(-86400)
    assert jira_sandbox.clock.now().year == 2029


# --- request log and reset ------------------------------------------------------------------


def test_request_log_counts_route_templates_not_urls(
    jira_sandbox: JiraSandbox, jira_client: JIRA
) -> None:
    jira_client.create_issue(fields=ISSUE, prefetch=False)
    jira_client.create_issue(fields=ISSUE, prefetch=False)
    jira_sandbox.requests.reset()
    jira_client.issue("ENG-1")
    jira_client.issue("10001")
    response = requests.get(f"{jira_sandbox.base_url}/_sandbox/requests", timeout=5)
    assert response.json() == {
        "total": 2,
        "by_route": {"GET /rest/api/2/issue/{issueIdOrKey}": 2},
    }


def test_refused_and_unknown_requests_are_counted_too(jira_sandbox: JiraSandbox) -> None:
    requests.get(f"{jira_sandbox.base_url}/rest/api/2/myself", auth=("x", "bad"), timeout=5)
    requests.get(f"{jira_sandbox.base_url}/rest/nothing", timeout=5)
    assert jira_sandbox.requests.snapshot()["by_route"] == {
        "GET /rest/api/2/myself": 1,
        "GET (unmatched)": 1,
    }


def test_control_calls_are_never_counted(jira_sandbox: JiraSandbox) -> None:
    control(jira_sandbox, "latency", {"ms": 0})
    requests.get(f"{jira_sandbox.base_url}/_sandbox/requests", timeout=5)
    assert jira_sandbox.requests.snapshot() == {"total": 0, "by_route": {}}


def test_requests_reset_keeps_the_data(jira_sandbox: JiraSandbox, jira_client: JIRA) -> None:
    jira_client.create_issue(fields=ISSUE, prefetch=False)
    assert control(jira_sandbox, "requests/reset").json() == {"total": 0, "by_route": {}}
    assert len(jira_sandbox.issues()) == 1


def test_reset_restores_the_seeded_state_and_empties_the_log(
    jira_sandbox: JiraSandbox, jira_client: JIRA
) -> None:
    jira_client.create_issue(fields=ISSUE, prefetch=False)
    assert control(jira_sandbox, "reset").status_code == 200
    assert jira_sandbox.issues() == []
    assert jira_sandbox.requests.snapshot()["total"] == 0
    assert jira_client.create_issue(fields=ISSUE, prefetch=False).key == "ENG-1"


# --- lifecycle and state file -----------------------------------------------------------------


def test_port_zero_picks_a_free_port_and_stop_frees_it() -> None:
    with JiraSandbox() as sandbox:
        port = sandbox.port
        assert port > 0 and sandbox.base_url == f"http://127.0.0.1:{port}"
        assert requests.get(f"{sandbox.base_url}/rest/api/2/serverInfo", timeout=5).ok
    with pytest.raises(requests.ConnectionError):
        requests.get(f"http://127.0.0.1:{port}/rest/api/2/serverInfo", timeout=2)


def test_state_file_keeps_issues_across_restarts_and_other_sections(tmp_path: Path) -> None:
    state = tmp_path / "sandbox.json"
    state.write_text(json.dumps({"github": {"kept": True}}))
    with JiraSandbox(state_file=state, token="t") as first:
        client = JIRA(options={"server": first.base_url}, basic_auth=("a@example.com", "t"))
        client.create_issue(fields=ISSUE, prefetch=False)
    saved = json.loads(state.read_text())
    assert saved["github"] == {"kept": True}
    with JiraSandbox(state_file=state, token="t") as second:
        client = JIRA(options={"server": second.base_url}, basic_auth=("a@example.com", "t"))
        assert client.issue("ENG-1").fields.summary == "S"
        assert client.create_issue(fields=ISSUE, prefetch=False).key == "ENG-2"


def test_random_token_unless_given() -> None:
    assert JiraSandbox().token != JiraSandbox().token
    assert JiraSandbox(token="fixed").token == "fixed"


def test_concurrent_clients_and_a_person_never_corrupt_the_state(
    jira_sandbox: JiraSandbox,
) -> None:
    from concurrent.futures import ThreadPoolExecutor

    def create_many(worker: int) -> list[str]:
        session = requests.Session()
        session.auth = ("tracker@example.com", jira_sandbox.token)
        url = f"{jira_sandbox.base_url}/rest/api/2/issue"
        return [
            session.post(
                url, json={"fields": {**ISSUE, "summary": f"{worker}-{n}"}}, timeout=10
            ).json()["key"]
            for n in range(25)
        ]

    with ThreadPoolExecutor(4) as pool:
        futures = [pool.submit(create_many, w) for w in range(4)]
        jira_sandbox.clock.advance(1)
        while not all(f.done() for f in futures):
            for issue in jira_sandbox.issues()[:5]:
                jira_sandbox.set_status(issue["key"], "In Progress")
        keys = [key for f in futures for key in f.result()]
    assert sorted(keys, key=lambda k: int(k.split("-")[1])) == [f"ENG-{n}" for n in range(1, 101)]
    assert len(jira_sandbox.issues()) == 100


# --- clients that go away ------------------------------------------------------------


def _send_half_a_request_and_hang_up(base_url: str, path: str, token: str) -> None:
    """A client killed mid-request: headers promise a body that never fully arrives."""
    where = urlsplit(base_url)
    basic = base64.b64encode(f"bot:{token}".encode()).decode()
    with socket.create_connection((where.hostname, where.port)) as sock:
        sock.sendall(
            f"POST {path} HTTP/1.1\r\nHost: {where.netloc}\r\n"
            f"Authorization: Basic {basic}\r\nContent-Type: application/json\r\n"
            'Content-Length: 1000\r\n\r\n{"fields":'.encode()
        )
        time.sleep(0.2)  # let the server start reading the body before we vanish


@pytest.mark.parametrize("path", ["/rest/api/2/issue", "/_sandbox/faults"])
def test_a_client_hanging_up_mid_request_logs_no_traceback(
    jira_sandbox: JiraSandbox, caplog: pytest.LogCaptureFixture, path: str
) -> None:
    caplog.set_level("DEBUG")
    _send_half_a_request_and_hang_up(jira_sandbox.base_url, path, jira_sandbox.token)
    assert requests.get(f"{jira_sandbox.base_url}/_sandbox/requests", timeout=5).ok  # alive
    time.sleep(0.3)  # the server notices the hang-up on its own thread
    noisy = [r for r in caplog.records if r.levelno >= 30 or r.exc_info]
    assert noisy == []
