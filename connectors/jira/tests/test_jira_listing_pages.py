"""How many requests a whole project's listing costs: the real `jira` client over real
HTTP against the sandbox, counted by the sandbox's request log. Pages are as large as
the server allows for the fields asked for, and followed by cursor or `total`, never
one request past the last page."""

from __future__ import annotations

from typing import Any

import pytest

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
