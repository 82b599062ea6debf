"""How many requests a whole project's listing costs: the real `jira` client over real
HTTP against the sandbox, counted by the sandbox's request log. Pages are as large as
the server allows for the fields asked for, and followed by cursor or `total`, never
one request past the last page."""

from __future__ import annotations

from collections.abc import Callable
from itertools import islice
from typing import Any

import pytest
from tracker_jira.connector import _moves_on

from connectors.jira.tests.jira_support import jira_connector
from tracker.connectors import Target

TARGET = Target("jira", project="ENG")
CLOUD_SEARCH = "GET /rest/api/2/search/jql"
SERVER_SEARCH = "GET /rest/api/2/search"


def fill(sandbox: Any, total: int) -> None:
    """`total` issues in ENG, counting the ones the sandbox is seeded with."""
    present = sum(1 for issue in sandbox.issues() if str(issue["key"]).startswith("ENG-"))
    for number in range(total - present):
        sandbox.add_issue("ENG", f"Filed by hand {number}")
    sandbox.requests.reset()


def searches(sandbox: Any, route: str) -> int:
    return int(sandbox.requests.snapshot()["by_route"].get(route, 0))


def test_a_server_project_of_2500_issues_is_listed_whole_in_five_requests(
    jira_server_sandbox: Any,
) -> None:
    fill(jira_server_sandbox, 2500)
    listed = list(
        jira_connector(jira_server_sandbox, flavour="server").fetch_changed_since(TARGET, None)
    )
    assert len({t.ref.key for t in listed}) == 2500
    assert searches(jira_server_sandbox, SERVER_SEARCH) == 5  # 500 a page (Data Center: ≤ 1,000)


@pytest.mark.no_search_lag  # the issues are filed just before they are listed
@pytest.mark.parametrize("total", [250, 300])
def test_a_cloud_project_is_listed_in_one_request_per_100_issues_and_no_more(
    jira_sandbox: Any, total: int
) -> None:
    fill(jira_sandbox, total)
    listed = list(jira_connector(jira_sandbox).fetch_changed_since(TARGET, None))
    assert len({t.ref.key for t in listed}) == total
    assert searches(jira_sandbox, CLOUD_SEARCH) == -(-total // 100)  # 100 a page with fields


def test_a_server_project_past_the_search_window_is_listed_whole_by_key(
    jira_server_sandbox: Any,
) -> None:
    jira_server_sandbox.search_window = 1000  # Data Center's is 10,000: the same at a tenth
    fill(jira_server_sandbox, 2500)
    listed = list(
        jira_connector(jira_server_sandbox, flavour="server").fetch_changed_since(TARGET, None)
    )
    assert len({t.ref.key for t in listed}) == 2500
    assert searches(jira_server_sandbox, SERVER_SEARCH) == 5  # no page refused, none retried


def server_listing_with(sandbox: Any, between_pages: Callable[[str], None]) -> list[str]:
    """ENG listed whole on Server, `between_pages(last key of page one)` run when the
    first page (500 issues) has been handed on and before the second is asked for."""
    listing = jira_connector(sandbox, flavour="server").fetch_changed_since(TARGET, None)
    keys = [ticket.ref.key for ticket in islice(listing, 500)]
    between_pages(keys[-1])
    return keys + [ticket.ref.key for ticket in listing]


def test_an_issue_edited_between_two_server_pages_makes_none_skipped(
    jira_server_sandbox: Any,
) -> None:
    fill(jira_server_sandbox, 1000)

    def edit_the_first(_: str) -> None:
        jira_server_sandbox.clock.advance(60)
        jira_server_sandbox.edit_issue("ENG-1", {"summary": "edited while being listed"})

    listed = server_listing_with(jira_server_sandbox, edit_the_first)
    assert sorted(listed, key=lambda key: int(key.split("-")[1])) == [
        f"ENG-{n}" for n in range(1, 1001)
    ]


def test_a_server_listing_goes_on_when_the_last_key_listed_is_deleted(
    jira_server_sandbox: Any,
) -> None:
    fill(jira_server_sandbox, 1000)
    listed = server_listing_with(jira_server_sandbox, jira_server_sandbox.delete_issue)
    assert len(listed) == len(set(listed)) == 1000  # the deleted one was listed before
    assert searches(jira_server_sandbox, SERVER_SEARCH) == 3  # one refused: key gone


def test_a_page_that_does_not_move_the_walk_by_key_forward_is_not_followed() -> None:
    assert _moves_on(None, ["ENG-1", "ENG-2"]) and _moves_on("ENG-9", ["ENG-10", "ENG-12"])
    assert not _moves_on("ENG-10", ["ENG-1", "ENG-2"])  # a server that ignored the range
    assert not _moves_on("ENG-10", ["ENG-11", "ENG-3"])  # the cursor would go back
    assert not _moves_on(None, ["ENG-1", "None"])  # no key: nothing to page on from
