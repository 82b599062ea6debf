"""A repository's issue listing against the sandbox, page by page: the real PyGithub
requester over real HTTP. GitHub pages `/repos/{owner}/{repo}/issues` by offset
(`page=N` in the `Link` header), so the order the listing asks for decides whether
an edit made while it runs can push an issue past a page boundary unseen."""

from __future__ import annotations

from typing import Any

from tracker.connectors import Connector, Target, load_connector

REPO = "acme/app"
TARGET = Target("github", repo=REPO)
LIST_ROUTE = "GET /repos/{owner}/{repo}/issues"


def connector_for(sandbox: Any) -> Connector:
    return load_connector(
        "github",
        {"url": sandbox.base_url, "token": "${GITHUB_TOKEN}"},
        {"GITHUB_TOKEN": sandbox.token},
        sleep=lambda seconds: sandbox.clock.advance(seconds),
        clock=lambda: sandbox.clock.now().timestamp(),
    )


def filed_by_hand(sandbox: Any, count: int) -> list[int]:
    return [sandbox.add_issue(REPO, f"Filed by hand {n}") for n in range(count)]


def test_an_issue_edited_between_two_listing_pages_makes_none_skipped(
    github_sandbox: Any,
) -> None:
    numbers = filed_by_hand(github_sandbox, 250)
    listing = connector_for(github_sandbox).fetch_changed_since(TARGET, None)
    first = [next(listing) for _ in range(100)]  # the first page, whole
    github_sandbox.clock.advance(60)
    github_sandbox.edit_issue(REPO, numbers[0], title="Edited while being listed")
    rest = list(listing)
    listed = {t.ref.key for t in first + rest}
    assert {f"{REPO}#{n}" for n in numbers} <= listed


def test_an_incremental_listing_still_holds_only_what_changed_since(github_sandbox: Any) -> None:
    filed_by_hand(github_sandbox, 3)
    connector = connector_for(github_sandbox)
    github_sandbox.clock.advance(3600)
    since = github_sandbox.clock.now()
    github_sandbox.clock.advance(3600)
    [number] = filed_by_hand(github_sandbox, 1)
    listed = [t.ref.key for t in connector.fetch_changed_since(TARGET, since)]
    assert listed == [f"{REPO}#{number}"]
