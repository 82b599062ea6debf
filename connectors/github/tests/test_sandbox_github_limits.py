"""GitHub sandbox rate limits and conditional requests, as GitHub documents them.

https://docs.github.com/en/rest/using-the-rest-api/rate-limits-for-the-rest-api: `x-ratelimit-*`
on every response, primary limit → 403/429 with remaining 0, secondary limit on content creation
→ 403 + `retry-after`, search 30/min, and a 304 to a conditional request is free.
Limits are shrunk so a test hits them in a few requests; the sandbox clock moves past windows.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import requests
from github import Auth, Github, RateLimitExceededException
from tracker_github.sandbox.server import GitHubSandbox

RATE_HEADERS = {
    "x-ratelimit-limit",
    "x-ratelimit-remaining",
    "x-ratelimit-reset",
    "x-ratelimit-used",
    "x-ratelimit-resource",
}


def no_retry_client(sandbox: GitHubSandbox) -> Github:
    """PyGithub with `retry=None`: a limit raises at once instead of sleeping until reset."""
    return Github(
        base_url=sandbox.base_url,
        auth=Auth.Token(sandbox.token),
        retry=None,
        seconds_between_requests=None,
        seconds_between_writes=None,
    )


@pytest.fixture
def api(github_sandbox: GitHubSandbox) -> Iterator[requests.Session]:
    session = requests.Session()
    session.headers["Authorization"] = f"token {github_sandbox.token}"
    yield session
    session.close()


def url(sandbox: GitHubSandbox, path: str) -> str:
    return sandbox.base_url + path


def create(api: requests.Session, sandbox: GitHubSandbox, title: str) -> requests.Response:
    return api.post(url(sandbox, "/repos/acme/app/issues"), json={"title": title}, timeout=5)


# ----- headers and counting --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("method", "path", "status"),
    [
        ("GET", "/repos/acme/app", 200),
        ("POST", "/repos/acme/app/issues", 201),
        ("GET", "/repos/acme/nothing", 404),
        ("GET", "/rate_limit", 200),
    ],
)
def test_every_response_carries_rate_limit_headers(
    github_sandbox: GitHubSandbox, api: requests.Session, method: str, path: str, status: int
) -> None:
    response = api.request(method, url(github_sandbox, path), json={"title": "t"}, timeout=5)
    assert response.status_code == status
    assert set(response.headers) >= RATE_HEADERS
    assert response.headers["x-ratelimit-resource"] == "core"
    assert response.headers["content-type"] == "application/json; charset=utf-8"


def test_each_request_uses_one_unit_of_the_primary_limit(
    github_sandbox: GitHubSandbox, api: requests.Session
) -> None:
    first = api.get(url(github_sandbox, "/repos/acme/app"), timeout=5)
    second = api.get(url(github_sandbox, "/repos/acme/app/issues"), timeout=5)
    assert first.headers["x-ratelimit-limit"] == "5000"
    assert int(first.headers["x-ratelimit-remaining"]) - 1 == int(
        second.headers["x-ratelimit-remaining"]
    )
    assert second.headers["x-ratelimit-used"] == "2"
    assert first.headers["x-ratelimit-reset"] == second.headers["x-ratelimit-reset"]


def test_get_rate_limit_is_free(github_sandbox: GitHubSandbox, api: requests.Session) -> None:
    api.get(url(github_sandbox, "/rate_limit"), timeout=5)
    body = api.get(url(github_sandbox, "/rate_limit"), timeout=5).json()
    assert body["resources"]["core"]["used"] == 0
    assert body["rate"] == body["resources"]["core"]


# ----- ETag and If-None-Match ---------------------------------------------------------------------


def test_get_answers_a_weak_etag_and_304_for_a_matching_if_none_match(
    github_sandbox: GitHubSandbox, api: requests.Session
) -> None:
    first = api.get(url(github_sandbox, "/repos/acme/app/issues/1"), timeout=5)
    etag = first.headers["etag"]
    assert etag.startswith('W/"')
    again = api.get(
        url(github_sandbox, "/repos/acme/app/issues/1"), headers={"If-None-Match": etag}, timeout=5
    )
    assert again.status_code == 304
    assert again.content == b""
    assert again.headers["etag"] == etag


def test_a_304_does_not_count_against_the_rate_limit(
    github_sandbox: GitHubSandbox, api: requests.Session
) -> None:
    first = api.get(url(github_sandbox, "/repos/acme/app/issues"), timeout=5)
    conditional = {"If-None-Match": first.headers["etag"]}
    for _ in range(3):
        hit = api.get(url(github_sandbox, "/repos/acme/app/issues"), headers=conditional, timeout=5)
        assert hit.status_code == 304
        assert hit.headers["x-ratelimit-remaining"] == first.headers["x-ratelimit-remaining"]


def test_an_edit_changes_the_etag(github_sandbox: GitHubSandbox, api: requests.Session) -> None:
    number = create(api, github_sandbox, "watched").json()["number"]
    path = url(github_sandbox, f"/repos/acme/app/issues/{number}")
    etag = api.get(path, timeout=5).headers["etag"]
    github_sandbox.clock.advance(2)
    github_sandbox.set_state("acme/app", number, "closed")
    changed = api.get(path, headers={"If-None-Match": etag}, timeout=5)
    assert changed.status_code == 200
    assert changed.headers["etag"] != etag
    assert changed.json()["state"] == "closed"


def test_pygithub_update_uses_the_etag(github_sandbox: GitHubSandbox) -> None:
    issue = no_retry_client(github_sandbox).get_repo("acme/app").create_issue("poll me")
    issue = no_retry_client(github_sandbox).get_repo("acme/app").get_issue(issue.number)
    assert issue.update() is False  # 304: nothing changed
    github_sandbox.set_state("acme/app", issue.number, "closed", state_reason="not_planned")
    assert issue.update() is True
    assert issue.state_reason == "not_planned"


# ----- primary limit -------------------------------------------------------------------------------


def test_primary_limit_exhausted_answers_403_with_remaining_zero(
    github_sandbox: GitHubSandbox, api: requests.Session
) -> None:
    github_sandbox.set_rate_limits(core_limit=3)
    for _ in range(3):
        assert api.get(url(github_sandbox, "/repos/acme/app"), timeout=5).status_code == 200
    refused = api.get(url(github_sandbox, "/repos/acme/app"), timeout=5)
    assert refused.status_code == 403
    assert refused.headers["x-ratelimit-remaining"] == "0"
    assert refused.headers["x-ratelimit-limit"] == "3"
    body = refused.json()
    assert body["message"].startswith("API rate limit exceeded for user ID 1.")
    assert body["documentation_url"].startswith("https://docs.github.com/rest/overview/rate-limits")


def test_pygithub_raises_rate_limit_exceeded_on_the_primary_limit(
    github_sandbox: GitHubSandbox,
) -> None:
    github_sandbox.set_rate_limits(core_limit=2)
    repo = no_retry_client(github_sandbox).get_repo("acme/app")
    repo.get_issue(1)
    with pytest.raises(RateLimitExceededException) as caught:
        repo.get_issue(1)
    assert caught.value.status == 403
    assert caught.value.headers is not None
    assert caught.value.headers["x-ratelimit-remaining"] == "0"


def test_primary_limit_can_answer_429(github_sandbox: GitHubSandbox, api: requests.Session) -> None:
    github_sandbox.set_rate_limits(core_limit=1, status=429)
    api.get(url(github_sandbox, "/repos/acme/app"), timeout=5)
    assert api.get(url(github_sandbox, "/repos/acme/app"), timeout=5).status_code == 429


def test_primary_limit_resets_after_the_hour(
    github_sandbox: GitHubSandbox, api: requests.Session
) -> None:
    github_sandbox.set_rate_limits(core_limit=1)
    first = api.get(url(github_sandbox, "/repos/acme/app"), timeout=5)
    assert api.get(url(github_sandbox, "/repos/acme/app"), timeout=5).status_code == 403
    github_sandbox.clock.advance(3601)
    again = api.get(url(github_sandbox, "/repos/acme/app"), timeout=5)
    assert again.status_code == 200
    assert int(again.headers["x-ratelimit-reset"]) >= int(first.headers["x-ratelimit-reset"]) + 3600


def test_limits_switched_off_never_refuse(
    github_sandbox: GitHubSandbox, api: requests.Session
) -> None:
    github_sandbox.set_rate_limits(core_limit=1, creation_per_minute=1, enabled=False)
    for n in range(4):
        assert create(api, github_sandbox, f"t{n}").status_code == 201


# ----- secondary limit (content creation) ----------------------------------------------------------


def test_secondary_limit_answers_403_with_retry_after(
    github_sandbox: GitHubSandbox, api: requests.Session
) -> None:
    github_sandbox.set_rate_limits(creation_per_minute=2)
    assert create(api, github_sandbox, "a").status_code == 201
    assert create(api, github_sandbox, "b").status_code == 201
    refused = create(api, github_sandbox, "c")
    assert refused.status_code == 403
    assert 1 <= int(refused.headers["retry-after"]) <= 60
    assert int(refused.headers["x-ratelimit-remaining"]) > 0
    assert refused.json()["message"].startswith("You have exceeded a secondary rate limit")
    assert [i["title"] for i in github_sandbox.issues("acme/app")] == ["a", "b"]


def test_secondary_limit_does_not_apply_to_reads(
    github_sandbox: GitHubSandbox, api: requests.Session
) -> None:
    github_sandbox.set_rate_limits(creation_per_minute=1)
    create(api, github_sandbox, "a")
    for _ in range(5):
        assert api.get(url(github_sandbox, "/repos/acme/app/issues"), timeout=5).status_code == 200


def test_secondary_limit_frees_up_after_a_minute(
    github_sandbox: GitHubSandbox, api: requests.Session
) -> None:
    github_sandbox.set_rate_limits(creation_per_minute=1)
    create(api, github_sandbox, "a")
    assert create(api, github_sandbox, "b").status_code == 403
    github_sandbox.clock.advance(61)
    assert create(api, github_sandbox, "b").status_code == 201


def test_hourly_creation_limit_holds_across_minutes(
    github_sandbox: GitHubSandbox, api: requests.Session
) -> None:
    github_sandbox.set_rate_limits(creation_per_minute=80, creation_per_hour=2)
    for title in ("a", "b"):
        create(api, github_sandbox, title)
        github_sandbox.clock.advance(120)
    refused = create(api, github_sandbox, "c")
    assert refused.status_code == 403
    assert int(refused.headers["retry-after"]) > 60


def test_pygithub_raises_rate_limit_exceeded_on_the_secondary_limit(
    github_sandbox: GitHubSandbox,
) -> None:
    github_sandbox.set_rate_limits(creation_per_minute=1)
    repo = no_retry_client(github_sandbox).get_repo("acme/app")
    repo.create_issue("first")
    with pytest.raises(RateLimitExceededException) as caught:
        repo.create_issue("second")
    assert caught.value.headers is not None
    assert "retry-after" in caught.value.headers


def test_secondary_limit_can_be_switched_off_alone(
    github_sandbox: GitHubSandbox, api: requests.Session
) -> None:
    github_sandbox.set_rate_limits(creation_per_minute=1, secondary_enabled=False)
    for n in range(3):
        assert create(api, github_sandbox, f"t{n}").status_code == 201


def test_rate_limit_knobs_through_the_http_control_plane(
    github_sandbox: GitHubSandbox, api: requests.Session
) -> None:
    answer = requests.post(
        url(github_sandbox, "/_sandbox/github/rate-limits"), json={"core_limit": 1}, timeout=5
    )
    assert answer.json()["settings"]["core_limit"] == 1
    api.get(url(github_sandbox, "/repos/acme/app"), timeout=5)
    assert api.get(url(github_sandbox, "/repos/acme/app"), timeout=5).status_code == 403
    bad = requests.post(
        url(github_sandbox, "/_sandbox/github/rate-limits"), json={"nonsense": 1}, timeout=5
    )
    assert bad.status_code == 400


def test_reset_restores_githubs_default_limits(github_sandbox: GitHubSandbox) -> None:
    github_sandbox.set_rate_limits(core_limit=1, enabled=False)
    github_sandbox.reset()
    assert github_sandbox.rate_limit_status()["resources"]["core"]["limit"] == 5000
    assert github_sandbox.limits.settings.enabled is True


# ----- search limit --------------------------------------------------------------------------------


def test_search_has_its_own_lower_limit(github_sandbox: GitHubSandbox) -> None:
    github_sandbox.set_rate_limits(search_limit=2)
    g = no_retry_client(github_sandbox)
    for _ in range(2):
        list(g.search_issues("repo:acme/app is:issue"))
    with pytest.raises(RateLimitExceededException) as caught:
        list(g.search_issues("repo:acme/app is:issue"))
    assert caught.value.headers is not None
    assert caught.value.headers["x-ratelimit-resource"] == "search"
    assert g.get_repo("acme/app").get_issue(1).number == 1  # core is untouched


def test_search_limit_defaults_to_30_a_minute(github_sandbox: GitHubSandbox) -> None:
    status = github_sandbox.rate_limit_status()["resources"]["search"]
    assert (status["limit"], status["remaining"]) == (30, 30)


# ----- secondary limit (points per endpoint; milestones are content) -----------------------------


def patch_title(api: requests.Session, sandbox: GitHubSandbox, number: int) -> requests.Response:
    return api.patch(
        url(sandbox, f"/repos/acme/app/issues/{number}"), json={"title": "edited"}, timeout=5
    )


def test_writes_cost_five_points_of_an_endpoints_minute(
    github_sandbox: GitHubSandbox, api: requests.Session
) -> None:
    numbers = [create(api, github_sandbox, f"p{n}").json()["number"] for n in range(4)]
    github_sandbox.set_rate_limits(points_per_minute=15)
    assert [patch_title(api, github_sandbox, n).status_code for n in numbers[:3]] == [200] * 3
    refused = patch_title(api, github_sandbox, numbers[3])  # another issue, same endpoint
    assert refused.status_code == 403
    assert refused.json()["message"].startswith("You have exceeded a secondary rate limit")
    assert 1 <= int(refused.headers["retry-after"]) <= 60
    assert github_sandbox.limits.secondary_refusals == 1


def test_points_are_counted_per_endpoint_and_reads_cost_one(
    github_sandbox: GitHubSandbox, api: requests.Session
) -> None:
    number = create(api, github_sandbox, "p").json()["number"]
    github_sandbox.set_rate_limits(points_per_minute=5)
    assert patch_title(api, github_sandbox, number).status_code == 200
    listing = url(github_sandbox, "/repos/acme/app/issues")
    assert [api.get(listing, timeout=5).status_code for _ in range(5)] == [200] * 5
    assert api.get(listing, timeout=5).status_code == 403
    github_sandbox.clock.advance(61)
    assert api.get(listing, timeout=5).status_code == 200


def test_a_milestone_is_content_creation_like_an_issue(
    github_sandbox: GitHubSandbox, api: requests.Session
) -> None:
    github_sandbox.set_rate_limits(creation_per_minute=2)
    assert create(api, github_sandbox, "a").status_code == 201
    milestones = url(github_sandbox, "/repos/acme/app/milestones")
    assert api.post(milestones, json={"title": "due 2026-08-01"}, timeout=5).status_code == 201
    refused = api.post(milestones, json={"title": "due 2026-08-02"}, timeout=5)
    assert refused.status_code == 403 and "retry-after" in refused.headers
    assert create(api, github_sandbox, "b").status_code == 403
