"""GitHub's secondary limit (content creation per minute) against the sandbox.

The sandbox enforces the limit on its own clock; the connector's sleeps advance that
clock, so minutes of waiting take milliseconds and the 403/429 + Retry-After answers
are the sandbox's real ones.
"""

from __future__ import annotations

from typing import Any

import pytest

from tracker.connectors import Connector, Target, TicketChanges, TicketDraft, load_connector

REPO = "acme/app"
CREATE_ROUTE = "POST /repos/{owner}/{repo}/issues"


def connector_for(sandbox: Any, sleeps: list[float], per_minute: float) -> Connector:
    def sleep(seconds: float) -> None:
        sleeps.append(seconds)
        sandbox.clock.advance(seconds)

    return load_connector(
        "github",
        {"url": sandbox.base_url, "token": "${GITHUB_TOKEN}", "creations_per_minute": per_minute},
        {"GITHUB_TOKEN": sandbox.token},
        sleep=sleep,
        clock=lambda: sandbox.clock.now().timestamp(),
    )


def drafts(count: int) -> list[TicketDraft]:
    target = Target("github", repo=REPO)
    return [
        TicketDraft(f"lim-{n}", target, f"Action {n}", "body", None, None, None, ())
        for n in range(count)
    ]


def created_with_marker(sandbox: Any, prefix: str) -> int:
    return sum(f"tracker:item={prefix}" in (i["body"] or "") for i in sandbox.issues(REPO))


@pytest.mark.parametrize("status", [403, 429])
def test_a_secondary_limit_makes_creation_wait_for_retry_after_and_then_complete(
    github_sandbox: Any, status: int
) -> None:
    github_sandbox.set_rate_limits(creation_per_minute=3, status=status)
    sleeps: list[float] = []
    connector = connector_for(github_sandbox, sleeps, per_minute=0)  # no pacing: hit the limit
    results = connector.create(drafts(7))
    assert [r.error for r in results] == [None] * 7
    assert created_with_marker(github_sandbox, "lim-") == 7
    refused = github_sandbox.requests.snapshot()["by_route"][CREATE_ROUTE] - 7
    assert refused >= 2 and len(sleeps) == refused  # one Retry-After wait per refusal
    assert all(0 < s <= 60 for s in sleeps)


def test_pacing_under_the_limit_never_gets_refused(github_sandbox: Any) -> None:
    github_sandbox.set_rate_limits(creation_per_minute=10)
    sleeps: list[float] = []
    connector = connector_for(github_sandbox, sleeps, per_minute=9)
    results = connector.create(drafts(15))
    assert all(r.error is None for r in results)
    assert github_sandbox.requests.snapshot()["by_route"][CREATE_ROUTE] == 15
    assert len(sleeps) == 14
    assert all(abs(s - 60 / 9) < 0.5 for s in sleeps)


def test_comments_are_paced_like_creations(github_sandbox: Any) -> None:
    sleeps: list[float] = []
    connector = connector_for(github_sandbox, sleeps, per_minute=30)
    [result] = connector.create(drafts(1))
    assert result.ticket is not None
    connector.add_comment(result.ticket.ref, "first")
    connector.add_comment(result.ticket.ref, "second")
    assert len(sleeps) == 2 and all(abs(s - 2.0) < 0.5 for s in sleeps)


def test_the_pacing_budgets_come_from_the_settings(github_sandbox: Any) -> None:
    connector = load_connector(
        "github",
        {
            "url": github_sandbox.base_url,
            "token": "${GITHUB_TOKEN}",
            "creations_per_minute": 60,
            "creations_per_hour": 100,
            "write_points_per_minute": 300,
        },
        {"GITHUB_TOKEN": github_sandbox.token},
    )
    pacer = connector.pacer  # type: ignore[attr-defined]
    assert (pacer.per_minute, pacer.per_hour, pacer.points_per_minute) == (60, 100, 300)
    assert pacer.write_points == 5  # GitHub's price of a write, declared by the connector


def test_edits_are_paced_by_points_and_never_refused(github_sandbox: Any) -> None:
    github_sandbox.set_rate_limits(points_per_minute=50)  # ten writes a minute per endpoint
    sleeps: list[float] = []

    def sleep(seconds: float) -> None:
        sleeps.append(seconds)
        github_sandbox.clock.advance(seconds)

    connector = load_connector(
        "github",
        {
            "url": github_sandbox.base_url,
            "token": "${GITHUB_TOKEN}",
            "creations_per_minute": 600,
            "write_points_per_minute": 45,
        },
        {"GITHUB_TOKEN": github_sandbox.token},
        sleep=sleep,
        clock=lambda: github_sandbox.clock.now().timestamp(),
    )
    results = connector.create(drafts(3))
    refs = [r.ticket.ref for r in results if r.ticket]
    for n in range(4):
        for ref in refs:
            connector.update(ref, TicketChanges(summary=f"edit {n}"))
    assert github_sandbox.limits.secondary_refusals == 0
    assert sum(sleeps) >= 60  # 15 writes at 9 a minute: at least one minute of waiting


def hourly_connector(sandbox: Any, sleeps: list[float], policy: str) -> Connector:
    def sleep(seconds: float) -> None:
        sleeps.append(seconds)
        sandbox.clock.advance(seconds)

    return load_connector(
        "github",
        {
            "url": sandbox.base_url,
            "token": "${GITHUB_TOKEN}",
            "creations_per_minute": 60,
            "creations_per_hour": 3,
            "on_hourly_limit": policy,
        },
        {"GITHUB_TOKEN": sandbox.token},
        sleep=sleep,
        clock=lambda: sandbox.clock.now().timestamp(),
    )


def test_creates_past_the_hours_budget_are_postponed_without_a_request(
    github_sandbox: Any,
) -> None:
    sleeps: list[float] = []
    results = hourly_connector(github_sandbox, sleeps, "stop").create(drafts(5))
    assert [r.ticket is not None for r in results] == [True, True, True, False, False]
    assert all(r.postponed == pytest.approx(3600 - 2, abs=5) for r in results[3:])
    assert github_sandbox.requests.snapshot()["by_route"][CREATE_ROUTE] == 3
    assert max(sleeps) < 300


def test_on_hourly_limit_wait_sleeps_through_the_hour_instead(github_sandbox: Any) -> None:
    sleeps: list[float] = []
    results = hourly_connector(github_sandbox, sleeps, "wait").create(drafts(4))
    assert all(r.ticket is not None for r in results)
    assert max(sleeps) == pytest.approx(3600 - 2, abs=5)
