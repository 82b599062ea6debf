"""GitHub sandbox error paths: the status code and body shape GitHub answers, state unchanged,
and what PyGithub's default retry does with injected faults.

Shapes: `{"message", "documentation_url", "status"}` (401/404), plus `errors` for 422
"Validation Failed"; 400 "Problems parsing JSON"; schema errors are 422 "Invalid request.".
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from typing import Any

import pytest
import requests
from github import (
    Auth,
    BadCredentialsException,
    Github,
    GithubException,
    UnknownObjectException,
)
from tracker_github.sandbox.server import GitHubSandbox


@pytest.fixture
def api(github_sandbox: GitHubSandbox) -> Iterator[requests.Session]:
    session = requests.Session()
    session.headers["Authorization"] = f"token {github_sandbox.token}"
    yield session
    session.close()


def pygithub(sandbox: GitHubSandbox, **options: Any) -> Github:
    """PyGithub with its default GithubRetry, minus the 0.25 s / 1 s pacing."""
    return Github(
        base_url=sandbox.base_url,
        auth=Auth.Token(sandbox.token),
        seconds_between_requests=None,
        seconds_between_writes=None,
        **options,
    )


def post_issue(api: requests.Session, sandbox: GitHubSandbox, data: bytes) -> requests.Response:
    return api.post(
        f"{sandbox.base_url}/repos/acme/app/issues",
        data=data,
        headers={"Content-Type": "application/json"},
        timeout=5,
    )


def assert_github_error_shape(body: dict[str, Any], status: int, message: str) -> None:
    assert body["message"] == message
    assert body["documentation_url"].startswith("https://docs.github.com/rest")
    assert body["status"] == str(status)


# ----- 401 -------------------------------------------------------------------------------------


def test_wrong_token_is_401_bad_credentials(github_sandbox: GitHubSandbox) -> None:
    response = requests.get(
        f"{github_sandbox.base_url}/repos/acme/app",
        headers={"Authorization": "token not-the-token"},
        timeout=5,
    )
    assert response.status_code == 401
    assert_github_error_shape(response.json(), 401, "Bad credentials")
    assert "x-ratelimit-limit" in response.headers


def test_pygithub_raises_bad_credentials(github_sandbox: GitHubSandbox) -> None:
    g = Github(base_url=github_sandbox.base_url, auth=Auth.Token("wrong"))
    with pytest.raises(BadCredentialsException):
        g.get_repo("acme/app")


def test_no_token_is_401_requires_authentication(github_sandbox: GitHubSandbox) -> None:
    response = requests.get(f"{github_sandbox.base_url}/user", timeout=5)
    assert response.status_code == 401
    assert_github_error_shape(response.json(), 401, "Requires authentication")


def test_bearer_scheme_is_accepted_too(github_sandbox: GitHubSandbox) -> None:
    response = requests.get(
        f"{github_sandbox.base_url}/user",
        headers={"Authorization": f"Bearer {github_sandbox.token}"},
        timeout=5,
    )
    assert response.status_code == 200


# ----- 404 / 410 ---------------------------------------------------------------------------------


def test_unknown_repository_is_404_not_found(
    github_sandbox: GitHubSandbox, api: requests.Session
) -> None:
    response = api.get(f"{github_sandbox.base_url}/repos/acme/missing", timeout=5)
    assert response.status_code == 404
    body = response.json()
    assert_github_error_shape(body, 404, "Not Found")
    assert body["documentation_url"] == "https://docs.github.com/rest/repos/repos#get-a-repository"


def test_pygithub_raises_unknown_object_for_a_missing_issue(
    github_sandbox: GitHubSandbox,
) -> None:
    repo = pygithub(github_sandbox).get_repo("acme/app")
    with pytest.raises(UnknownObjectException) as caught:
        repo.get_issue(999)
    assert caught.value.status == 404


def test_unknown_path_is_404_in_githubs_shape(
    github_sandbox: GitHubSandbox, api: requests.Session
) -> None:
    response = api.get(f"{github_sandbox.base_url}/no/such/endpoint", timeout=5)
    assert response.status_code == 404
    assert_github_error_shape(response.json(), 404, "Not Found")


def test_missing_label_is_404(github_sandbox: GitHubSandbox) -> None:
    with pytest.raises(UnknownObjectException):
        pygithub(github_sandbox).get_repo("acme/app").get_label("nope")


# ----- bad input: 400 / 422, state unchanged ---------------------------------------------------------


def test_malformed_json_is_400_problems_parsing_json(
    github_sandbox: GitHubSandbox, api: requests.Session
) -> None:
    response = post_issue(api, github_sandbox, b'{"title": "half')
    assert response.status_code == 400
    assert_github_error_shape(response.json(), 400, "Problems parsing JSON")
    assert github_sandbox.issues("acme/app") == []


def test_missing_title_is_422_missing_field(
    github_sandbox: GitHubSandbox, api: requests.Session
) -> None:
    response = post_issue(api, github_sandbox, b'{"body": "no title"}')
    assert response.status_code == 422
    body = response.json()
    assert body["message"] == "Validation Failed"
    assert body["errors"] == [{"resource": "Issue", "code": "missing_field", "field": "title"}]
    assert body["documentation_url"] == "https://docs.github.com/rest/issues/issues#create-an-issue"
    assert body["status"] == "422"
    assert github_sandbox.issues("acme/app") == []


def test_wrong_type_is_422_invalid_request(
    github_sandbox: GitHubSandbox, api: requests.Session
) -> None:
    response = post_issue(api, github_sandbox, b'{"title": "t", "labels": "bug"}')
    assert response.status_code == 422
    assert response.json()["message"] == (
        "Invalid request.\n\nFor 'properties/labels', \"bug\" is not an array."
    )
    assert github_sandbox.issues("acme/app") == []


def test_title_over_256_characters_is_422_too_long(
    github_sandbox: GitHubSandbox, api: requests.Session
) -> None:
    response = post_issue(api, github_sandbox, json.dumps({"title": "x" * 257}).encode())
    assert response.status_code == 422
    assert response.json()["errors"] == [
        {
            "resource": "Issue",
            "code": "custom",
            "field": "title",
            "message": "title is too long (maximum is 256 characters)",
        }
    ]
    assert post_issue(api, github_sandbox, json.dumps({"title": "x" * 256}).encode()).ok


def test_body_over_65536_characters_is_422(
    github_sandbox: GitHubSandbox, api: requests.Session
) -> None:
    response = post_issue(
        api, github_sandbox, json.dumps({"title": "t", "body": "b" * 65_537}).encode()
    )
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "body"
    assert github_sandbox.issues("acme/app") == []


def test_a_body_that_is_not_an_object_is_422(
    github_sandbox: GitHubSandbox, api: requests.Session
) -> None:
    response = post_issue(api, github_sandbox, b'["title"]')
    assert response.status_code == 422
    assert response.json()["message"].startswith("Invalid request.")


def test_unknown_fields_are_ignored_like_github(
    github_sandbox: GitHubSandbox, api: requests.Session
) -> None:
    response = post_issue(api, github_sandbox, b'{"title": "t", "priority": "high"}')
    assert response.status_code == 201
    assert "priority" not in response.json()


def test_unassignable_login_fails_the_whole_create(github_sandbox: GitHubSandbox) -> None:
    repo = pygithub(github_sandbox).get_repo("acme/app")
    with pytest.raises(GithubException) as caught:
        repo.create_issue("t", assignees=["mallory"], labels=["brand-new"])
    assert caught.value.status == 422
    assert caught.value.data["errors"] == [
        {"value": "mallory", "resource": "Issue", "field": "assignees", "code": "invalid"}
    ]
    assert github_sandbox.issues("acme/app") == []
    assert "brand-new" not in {label.name for label in repo.get_labels()}


def test_failed_edit_changes_nothing(github_sandbox: GitHubSandbox) -> None:
    repo = pygithub(github_sandbox).get_repo("acme/app")
    issue = repo.create_issue("keep me")
    before = github_sandbox.issue("acme/app", issue.number)
    with pytest.raises(GithubException) as caught:
        issue.edit(title="changed", assignees=["mallory"])
    assert caught.value.status == 422
    assert github_sandbox.issue("acme/app", issue.number) == before


def test_invalid_state_is_422(github_sandbox: GitHubSandbox, api: requests.Session) -> None:
    number = post_issue(api, github_sandbox, b'{"title": "t"}').json()["number"]
    response = api.patch(
        f"{github_sandbox.base_url}/repos/acme/app/issues/{number}",
        json={"state": "done"},
        timeout=5,
    )
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "state"
    assert github_sandbox.issue("acme/app", number)["state"] == "open"


def test_unknown_milestone_is_422(github_sandbox: GitHubSandbox, api: requests.Session) -> None:
    response = post_issue(api, github_sandbox, b'{"title": "t", "milestone": 42}')
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "milestone"


def test_duplicate_label_is_422_already_exists(github_sandbox: GitHubSandbox) -> None:
    repo = pygithub(github_sandbox).get_repo("acme/app")
    with pytest.raises(GithubException) as caught:
        repo.create_label("BUG", "ff0000")
    assert caught.value.data["errors"] == [
        {"resource": "Label", "code": "already_exists", "field": "name"}
    ]


def test_bad_label_color_is_422_invalid(github_sandbox: GitHubSandbox) -> None:
    repo = pygithub(github_sandbox).get_repo("acme/app")
    with pytest.raises(GithubException) as caught:
        repo.create_label("new", "invalid")
    assert caught.value.data["errors"] == [
        {"resource": "Label", "code": "invalid", "field": "color"}
    ]


def test_search_without_q_is_422(github_sandbox: GitHubSandbox, api: requests.Session) -> None:
    response = api.get(f"{github_sandbox.base_url}/search/issues", timeout=5)
    assert response.status_code == 422
    assert response.json()["errors"] == [{"resource": "Search", "field": "q", "code": "missing"}]


# ----- injected faults and PyGithub's default retry ---------------------------------------------------


def test_500_on_create_is_retried_by_pygithub_and_the_sandbox_records_both_posts(
    github_sandbox: GitHubSandbox,
) -> None:
    """GithubRetry re-POSTs on 5xx. The sandbox fails before handling, so one issue exists;
    against real GitHub a 500 *after* the write would leave a duplicate (see reference notes)."""
    repo = pygithub(github_sandbox).get_repo("acme/app")
    github_sandbox.faults.add("500", route="POST /repos/{owner}/{repo}/issues")
    issue = repo.create_issue("once")
    assert github_sandbox.requests.snapshot()["by_route"]["POST /repos/{owner}/{repo}/issues"] == 2
    assert [i["number"] for i in github_sandbox.issues("acme/app")] == [issue.number]


def test_502_on_edit_is_not_retried(github_sandbox: GitHubSandbox) -> None:
    repo = pygithub(github_sandbox).get_repo("acme/app")
    issue = repo.create_issue("stable")
    github_sandbox.faults.add("502", route="PATCH /repos/{owner}/{repo}/issues/{number}")
    with pytest.raises(GithubException) as caught:
        issue.edit(state="closed")
    assert caught.value.status == 502
    assert caught.value.data["message"] == "Bad Gateway"
    assert (
        github_sandbox.requests.snapshot()["by_route"][
            "PATCH /repos/{owner}/{repo}/issues/{number}"
        ]
        == 1
    )
    assert github_sandbox.issue("acme/app", issue.number)["state"] == "open"


def test_exhausted_5xx_retries_raise_requests_retry_error(github_sandbox: GitHubSandbox) -> None:
    repo = pygithub(github_sandbox).get_repo("acme/app")
    github_sandbox.faults.add("500", count=11)
    with pytest.raises(requests.exceptions.RetryError):
        repo.get_issue(1)
    assert (
        github_sandbox.requests.snapshot()["by_route"]["GET /repos/{owner}/{repo}/issues/{number}"]
        == 11
    )


def test_dropped_connection_on_a_get_is_retried(github_sandbox: GitHubSandbox) -> None:
    repo = pygithub(github_sandbox).get_repo("acme/app")
    github_sandbox.faults.add("drop")
    assert repo.get_issue(1).number == 1
    assert (
        github_sandbox.requests.snapshot()["by_route"]["GET /repos/{owner}/{repo}/issues/{number}"]
        == 2
    )


def test_timeout_on_a_get_is_retried_after_the_client_timeout(
    github_sandbox: GitHubSandbox,
) -> None:
    repo = pygithub(github_sandbox, timeout=1).get_repo("acme/app")
    github_sandbox.faults.add("timeout")
    started = time.monotonic()
    assert repo.get_issue(1).number == 1
    assert time.monotonic() - started >= 1


def test_429_with_retry_after_is_retried_after_waiting(github_sandbox: GitHubSandbox) -> None:
    repo = pygithub(github_sandbox).get_repo("acme/app")
    github_sandbox.faults.add("429", retry_after=1, route="POST /repos/{owner}/{repo}/issues")
    started = time.monotonic()
    repo.create_issue("after a pause")
    assert time.monotonic() - started >= 1
    assert len(github_sandbox.issues("acme/app")) == 1
