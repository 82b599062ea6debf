"""Due-date milestones group issues by month: titles are unique per repository, so a
create that collides is resolved by listing again (the connector lists milestones only
once per run); the exact date is the issue's `- Due:` body line."""

from __future__ import annotations

from datetime import date
from typing import Any

import requests

from tracker.connectors import Connector, Target, TicketDraft, load_connector

TARGET = Target("github", repo="acme/app")
MILESTONES = "/repos/acme/app/milestones"


def github(sandbox: Any) -> Connector:
    return load_connector(
        "github",
        {"url": sandbox.base_url, "token": "${GITHUB_TOKEN}", "creations_per_minute": 0},
        {"GITHUB_TOKEN": sandbox.token},
        sleep=lambda seconds: sandbox.clock.advance(seconds),
    )


def draft(identity: str, due: date) -> TicketDraft:
    return TicketDraft(identity, TARGET, f"Action {identity}", "body", None, due, None, ())


def api(sandbox: Any, method: str, path: str, **kwargs: Any) -> requests.Response:
    return requests.request(
        method,
        f"{sandbox.base_url}{path}",
        headers={"Authorization": f"token {sandbox.token}"},
        timeout=5,
        **kwargs,
    )


def test_a_milestone_someone_made_since_the_listing_is_adopted_not_failed(
    github_sandbox: Any,
) -> None:
    connector = github(github_sandbox)
    [first] = connector.create([draft("m-1", date(2026, 9, 1))])  # lists the milestones
    assert first.error is None
    made = api(github_sandbox, "POST", MILESTONES, json={"title": "due 2026-10"}).json()
    [second] = connector.create([draft("m-2", date(2026, 10, 2))])
    assert second.error is None and second.ticket is not None
    assert second.ticket.due == date(2026, 10, 2)
    issue = github_sandbox.issue("acme/app", int(second.ticket.ref.key.split("#")[1]))
    assert issue["milestone"]["number"] == made["number"]
    titles = [m["title"] for m in api(github_sandbox, "GET", MILESTONES).json()]
    assert sorted(titles) == ["due 2026-09", "due 2026-10"]


def test_items_due_in_the_same_month_share_one_milestone_made_once(github_sandbox: Any) -> None:
    connector = github(github_sandbox)
    days = (date(2026, 9, 5), date(2026, 9, 17), date(2026, 9, 30))
    results = connector.create([draft(f"s-{n}", day) for n, day in enumerate(days)])
    assert all(r.error is None for r in results)
    assert [r.ticket.due for r in results if r.ticket] == list(days)
    routes = github_sandbox.requests.snapshot()["by_route"]
    assert routes["POST /repos/{owner}/{repo}/milestones"] == 1
    assert routes["GET /repos/{owner}/{repo}/milestones"] == 1
