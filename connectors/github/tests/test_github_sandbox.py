"""GitHub-specific behaviour against the sandbox: transfers, conditional GETs, call budgets."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from typing import Any

import pytest
from tracker_github.sandbox.server import GitHubSandbox

from tracker.connectors import Connector, Target, TicketDraft, load_connector

TARGET = Target("github", repo="acme/app")


@pytest.fixture(scope="module")
def two_repo_server() -> Iterator[GitHubSandbox]:
    with GitHubSandbox(repos=("acme/app", "acme/platform")) as sandbox:
        yield sandbox


@pytest.fixture
def sandbox(two_repo_server: GitHubSandbox) -> GitHubSandbox:
    two_repo_server.reset()
    return two_repo_server


def github(sandbox: Any) -> Connector:
    return load_connector(
        "github",
        {"url": sandbox.base_url, "token": "${GITHUB_TOKEN}", "creations_per_minute": 0},
        {"GITHUB_TOKEN": sandbox.token},
        sleep=lambda seconds: sandbox.clock.advance(seconds),
    )


def draft(identity: str, **fields: Any) -> TicketDraft:
    values: dict[str, Any] = {
        "summary": f"Action {identity}",
        "description": "body",
        "priority": None,
        "due": None,
        "assignee": None,
    }
    values.update(fields)
    return TicketDraft(identity, TARGET, labels=(), **values)


def test_a_transferred_issue_is_reported_as_moved(sandbox: GitHubSandbox) -> None:
    connector = github(sandbox)
    [result] = connector.create([draft("tr")])
    assert result.ticket is not None
    old = result.ticket.ref
    new_number = sandbox.transfer_issue("acme/app", int(old.key.split("#")[1]), "acme/platform")
    [ticket] = connector.fetch([old])
    assert ticket.moved_to is not None
    assert ticket.moved_to.key == f"acme/platform#{new_number}"
    assert ticket.identity == "tr"


def test_an_unchanged_issue_is_fetched_again_with_a_conditional_request(
    sandbox: GitHubSandbox,
) -> None:
    connector = github(sandbox)
    [result] = connector.create([draft("etag")])
    assert result.ticket is not None
    first = connector.fetch([result.ticket.ref])
    core_before = sandbox.rate_limit_status()["resources"]["core"]["used"]
    again = connector.fetch([result.ticket.ref])
    assert again == first
    assert sandbox.rate_limit_status()["resources"]["core"]["used"] == core_before  # a 304


def test_many_references_in_one_repository_are_read_with_one_listing(
    sandbox: GitHubSandbox,
) -> None:
    connector = github(sandbox)
    refs = [r.ticket.ref for r in connector.create([draft(f"m{n}") for n in range(25)]) if r.ticket]
    before = sandbox.requests.snapshot()["by_route"]
    tickets = connector.fetch(refs)
    after = sandbox.requests.snapshot()["by_route"]
    assert [t.identity for t in tickets] == [f"m{n}" for n in range(25)]
    listing = "GET /repos/{owner}/{repo}/issues"
    assert after.get(listing, 0) - before.get(listing, 0) == 1
    single = "GET /repos/{owner}/{repo}/issues/{number}"
    assert after.get(single, 0) == before.get(single, 0)


def test_one_due_date_milestone_is_created_once_and_reused(sandbox: GitHubSandbox) -> None:
    connector = github(sandbox)
    results = connector.create([draft(f"d{n}", due=date(2026, 12, 1)) for n in range(3)])
    assert {r.ticket.due for r in results if r.ticket} == {date(2026, 12, 1)}
    routes = sandbox.requests.snapshot()["by_route"]
    assert routes["POST /repos/{owner}/{repo}/milestones"] == 1
    assert routes["GET /repos/{owner}/{repo}/milestones"] == 1


def test_the_client_makes_no_start_up_requests(sandbox: GitHubSandbox) -> None:
    github(sandbox)
    assert sandbox.requests.snapshot()["total"] == 0


def test_an_enterprise_base_url_with_api_v3_works(sandbox: GitHubSandbox) -> None:
    connector = load_connector(
        "github",
        {
            "url": sandbox.base_url + "/api/v3",
            "token": "${GITHUB_TOKEN}",
            "creations_per_minute": 0,
        },
        {"GITHUB_TOKEN": sandbox.token},
    )
    [result] = connector.create([draft("ghe")])
    assert result.ticket is not None
    assert connector.find_by_identity(TARGET, ["ghe"])["ghe"].ref == result.ticket.ref


def test_batches_of_identities_share_one_listing_that_follows_our_own_creates(
    sandbox: GitHubSandbox,
) -> None:
    connector = github(sandbox)
    connector.create([draft("i1")])
    listing = "GET /repos/{owner}/{repo}/issues"
    assert set(connector.find_by_identity(TARGET, ["i1", "i2"])) == {"i1"}
    connector.create([draft("i2")])
    assert set(connector.find_by_identity(TARGET, ["i2", "i3"])) == {"i2"}
    assert sandbox.requests.snapshot()["by_route"][listing] == 1


def test_a_fresh_lookup_lists_again(sandbox: GitHubSandbox) -> None:
    connector = github(sandbox)
    connector.find_by_identity(TARGET, ["a"])
    connector.find_by_identity(TARGET, ["a"], fresh=True)  # type: ignore[call-arg]
    assert sandbox.requests.snapshot()["by_route"]["GET /repos/{owner}/{repo}/issues"] == 2


def test_the_identity_listing_expires(sandbox: GitHubSandbox) -> None:
    connector = load_connector(
        "github",
        {"url": sandbox.base_url, "token": "${GITHUB_TOKEN}", "creations_per_minute": 0},
        {"GITHUB_TOKEN": sandbox.token},
        clock=lambda: sandbox.clock.now().timestamp(),
    )
    connector.find_by_identity(TARGET, ["a"])
    sandbox.clock.advance(61)
    connector.find_by_identity(TARGET, ["a"])
    assert sandbox.requests.snapshot()["by_route"]["GET /repos/{owner}/{repo}/issues"] == 2
