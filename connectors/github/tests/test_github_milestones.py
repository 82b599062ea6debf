"""Due-date milestones: titles are unique per repository, so a create that collides is
resolved by listing again (the connector lists milestones only once per run)."""

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
    made = api(github_sandbox, "POST", MILESTONES, json={"title": "due 2026-09-02"}).json()
    [second] = connector.create([draft("m-2", date(2026, 9, 2))])
    assert second.error is None and second.ticket is not None
    assert second.ticket.due == date(2026, 9, 2)
    issue = github_sandbox.issue("acme/app", int(second.ticket.ref.key.split("#")[1]))
    assert issue["milestone"]["number"] == made["number"]
    titles = [m["title"] for m in api(github_sandbox, "GET", MILESTONES).json()]
    assert sorted(titles) == ["due 2026-09-01", "due 2026-09-02"]


def test_items_due_the_same_day_share_one_milestone_made_once(github_sandbox: Any) -> None:
    connector = github(github_sandbox)
    results = connector.create([draft(f"s-{n}", date(2026, 9, 5)) for n in range(3)])
    assert all(r.error is None for r in results)
    routes = github_sandbox.requests.snapshot()["by_route"]
    assert routes["POST /repos/{owner}/{repo}/milestones"] == 1
    assert routes["GET /repos/{owner}/{repo}/milestones"] == 1
