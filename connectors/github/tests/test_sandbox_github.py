"""The GitHub sandbox, driven by the real PyGithub 2.x client over loopback HTTP.

Expected field lists are facts from public recordings of api.github.com (octokit/fixtures
`paginate-issues` and `labels`; PyGithub's ReplayData) plus the fields GitHub added since
(`state_reason`, `reactions`, `timeline_url`).
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
import requests
from github import Auth, Github, GithubException, UnknownObjectException
from github.Repository import Repository
from hypothesis import given, settings
from hypothesis import strategies as st
from tracker_github.sandbox.server import GitHubSandbox

RECORDED_ISSUE_KEYS = {
    "url", "repository_url", "labels_url", "comments_url", "events_url", "html_url", "id",
    "node_id", "number", "title", "user", "labels", "state", "locked", "assignee", "assignees",
    "milestone", "comments", "created_at", "updated_at", "closed_at", "author_association",
    "active_lock_reason", "body", "performed_via_github_app",
    "state_reason", "reactions", "timeline_url",
}  # fmt: skip
RECORDED_USER_KEYS = {
    "login", "id", "node_id", "avatar_url", "gravatar_id", "url", "html_url", "followers_url",
    "following_url", "gists_url", "starred_url", "subscriptions_url", "organizations_url",
    "repos_url", "events_url", "received_events_url", "type", "site_admin",
}  # fmt: skip
LABEL_KEYS = {"id", "node_id", "url", "name", "color", "default", "description"}
MILESTONE_KEYS = {
    "url", "html_url", "labels_url", "id", "node_id", "number", "title", "description",
    "creator", "open_issues", "closed_issues", "state", "created_at", "updated_at", "due_on",
    "closed_at",
}  # fmt: skip


def client(sandbox: GitHubSandbox, base_url: str | None = None, **options: object) -> Github:
    """PyGithub as a user would build it, minus its 0.25 s / 1 s pacing (keeps tests fast)."""
    return Github(
        base_url=base_url or sandbox.base_url,
        auth=Auth.Token(sandbox.token),
        seconds_between_requests=None,
        seconds_between_writes=None,
        **options,  # type: ignore[arg-type]
    )


@pytest.fixture
def gh(github_sandbox: GitHubSandbox) -> Iterator[Github]:
    g = client(github_sandbox)
    yield g
    g.close()


@pytest.fixture
def repo(gh: Github) -> Repository:
    return gh.get_repo("acme/app")


def raw_get(sandbox: GitHubSandbox, path: str) -> requests.Response:
    return requests.get(
        sandbox.base_url + path, headers={"Authorization": f"token {sandbox.token}"}, timeout=5
    )


# ----- repository, user, rate limit --------------------------------------------------------


def test_get_repo_answers_the_repository_with_urls_under_the_sandbox(
    github_sandbox: GitHubSandbox, repo: Repository
) -> None:
    assert repo.full_name == "acme/app"
    assert repo.owner.login == "acme"
    assert repo.url == f"{github_sandbox.base_url}/repos/acme/app"
    assert repo.has_issues is True
    assert repo.permissions.push is True


def test_get_repo_by_numeric_id_is_the_same_repository(gh: Github, repo: Repository) -> None:
    assert gh.get_repo(repo.id).full_name == "acme/app"


def test_configured_repositories_replace_the_default() -> None:
    with GitHubSandbox(repos=["team-a/api", "team-b/web"], seed_pull_request=False) as sandbox:
        g = client(sandbox)
        assert g.get_repo("team-b/web").full_name == "team-b/web"
        with pytest.raises(UnknownObjectException):
            g.get_repo("acme/app")


def test_get_user_is_the_token_owner(gh: Github) -> None:
    me = gh.get_user()
    assert me.login == "tracker-bot"
    assert me.id == 1


def test_token_scopes_are_reported_like_a_classic_repo_token(gh: Github) -> None:
    assert gh.get_user().login == "tracker-bot"  # PyGithub keeps the last x-oauth-scopes
    assert gh.oauth_scopes == ["repo"]


def test_get_rate_limit_reports_core_and_search(gh: Github) -> None:
    overview = gh.get_rate_limit()
    assert overview.resources.core.limit == 5000
    assert overview.resources.search.limit == 30
    assert overview.resources.core.reset > datetime.now(UTC)


# ----- issues: create, get, edit ------------------------------------------------------------


def test_create_issue_with_labels_assignee_and_milestone(repo: Repository) -> None:
    milestone = repo.create_milestone("Q4 follow-ups", due_on=date(2026, 12, 1))
    issue = repo.create_issue(
        "Add alerting on queue depth",
        body="From the 2026-03 outage.",
        labels=["postmortem", "bug"],
        assignees=["alice"],
        milestone=milestone,
    )
    assert issue.title == "Add alerting on queue depth"
    assert issue.body == "From the 2026-03 outage."
    assert [label.name for label in issue.labels] == ["postmortem", "bug"]
    assert [user.login for user in issue.assignees] == ["alice"]
    assert issue.milestone.number == milestone.number
    assert issue.state == "open"
    assert issue.state_reason is None
    assert issue.user.login == "tracker-bot"


def test_issue_numbers_follow_the_seeded_pull_request(repo: Repository) -> None:
    assert repo.create_issue("first").number == 2
    assert repo.create_issue("second").number == 3


def test_unknown_labels_are_created_grey_like_github(repo: Repository) -> None:
    repo.create_issue("x", labels=["sev-1"])
    label = repo.get_label("sev-1")
    assert label.color == "ededed"
    assert label.default is False


def test_issue_fields_match_the_recorded_github_payload(
    github_sandbox: GitHubSandbox, repo: Repository
) -> None:
    repo.create_issue("fields", labels=["bug"], assignees=["bob"])
    listed = raw_get(github_sandbox, "/repos/acme/app/issues").json()
    plain = next(item for item in listed if item["title"] == "fields")
    assert plain.keys() >= RECORDED_ISSUE_KEYS
    assert "pull_request" not in plain
    assert plain["user"].keys() >= RECORDED_USER_KEYS
    assert set(plain["labels"][0]) == LABEL_KEYS
    assert plain["assignee"]["login"] == "bob"
    base = f"{github_sandbox.base_url}/repos/acme/app"
    number = plain["number"]
    assert plain["url"] == f"{base}/issues/{number}"
    assert plain["repository_url"] == base
    assert plain["labels_url"] == f"{base}/issues/{number}/labels{{/name}}"
    assert plain["comments_url"] == f"{base}/issues/{number}/comments"
    assert plain["html_url"].endswith(f"/acme/app/issues/{number}")
    assert plain["created_at"].endswith("Z")
    assert datetime.strptime(plain["created_at"], "%Y-%m-%dT%H:%M:%SZ")
    single = raw_get(github_sandbox, f"/repos/acme/app/issues/{number}").json()
    assert single["closed_by"] is None


def test_pull_requests_are_listed_with_a_pull_request_key(github_sandbox: GitHubSandbox) -> None:
    listed = raw_get(github_sandbox, "/repos/acme/app/issues").json()
    pr = next(item for item in listed if item["number"] == 1)
    assert set(pr["pull_request"]) == {"url", "html_url", "diff_url", "patch_url", "merged_at"}
    assert "/pull/1" in pr["html_url"]


def test_reading_pull_request_of_a_listed_plain_issue_costs_a_get_as_on_github(
    github_sandbox: GitHubSandbox, repo: Repository
) -> None:
    repo.create_issue("plain")
    listed = [i for i in repo.get_issues() if i.title == "plain"]
    before = github_sandbox.requests.snapshot()["total"]
    assert listed[0].pull_request is None
    assert github_sandbox.requests.snapshot()["total"] == before + 1


def test_html_url_opens_a_page_without_a_token(
    github_sandbox: GitHubSandbox, repo: Repository
) -> None:
    issue = repo.create_issue("Rotate <keys>", body="see runbook", labels=["security"])
    page = requests.get(issue.html_url, timeout=5)
    assert page.status_code == 200
    assert page.headers["content-type"].startswith("text/html")
    assert "Rotate &lt;keys&gt;" in page.text
    assert "security" in page.text
    assert (
        requests.get(f"{github_sandbox.base_url}/acme/app/issues/999", timeout=5).status_code == 404
    )


def test_get_issue_returns_what_was_created(repo: Repository) -> None:
    created = repo.create_issue("get me", body="body text")
    fetched = repo.get_issue(created.number)
    assert (fetched.id, fetched.title, fetched.body) == (created.id, "get me", "body text")


def test_edit_changes_fields_and_moves_updated_at(
    github_sandbox: GitHubSandbox, repo: Repository
) -> None:
    issue = repo.create_issue("old title", labels=["a"])
    created_updated_at = issue.updated_at
    github_sandbox.clock.advance(5)
    issue.edit(title="new title", body="new body", labels=["b", "c"], assignees=["chen"])
    assert issue.title == "new title"
    assert issue.body == "new body"
    assert [label.name for label in issue.labels] == ["b", "c"]
    assert [user.login for user in issue.assignees] == ["chen"]
    assert issue.updated_at >= created_updated_at + timedelta(seconds=5)


def test_close_as_not_planned_then_reopen(repo: Repository) -> None:
    issue = repo.create_issue("maybe later")
    issue.edit(state="closed", state_reason="not_planned")
    assert (issue.state, issue.state_reason) == ("closed", "not_planned")
    assert issue.closed_at is not None
    assert issue.closed_by is not None
    assert issue.closed_by.login == "tracker-bot"
    issue.edit(state="open")
    assert (issue.state, issue.state_reason, issue.closed_at) == ("open", "reopened", None)


def test_closing_without_a_reason_means_completed(repo: Repository) -> None:
    issue = repo.create_issue("done soon")
    issue.edit(state="closed")
    assert issue.state_reason == "completed"


def test_edit_milestone_none_clears_it(repo: Repository) -> None:
    milestone = repo.create_milestone("m")
    issue = repo.create_issue("with milestone", milestone=milestone)
    issue.edit(milestone=None)  # PyGithub sends "milestone": ""
    assert issue.milestone is None


def test_edit_with_empty_assignees_clears_them(repo: Repository) -> None:
    issue = repo.create_issue("assigned", assignees=["alice", "bob"])
    issue.edit(assignees=[])
    assert issue.assignees == []


def test_issue_label_endpoints_add_set_and_remove(repo: Repository) -> None:
    issue = repo.create_issue("labels", labels=["one"])
    issue.add_to_labels("two")
    assert [label.name for label in issue.get_labels()] == ["one", "two"]
    issue.remove_from_labels("one")
    assert [label.name for label in repo.get_issue(issue.number).labels] == ["two"]
    issue.set_labels("three")
    assert [label.name for label in repo.get_issue(issue.number).labels] == ["three"]
    issue.delete_labels()
    assert repo.get_issue(issue.number).labels == []


def test_issue_assignee_endpoints_add_and_remove(repo: Repository) -> None:
    issue = repo.create_issue("people")
    issue.add_to_assignees("alice", "bob")
    assert [u.login for u in repo.get_issue(issue.number).assignees] == ["alice", "bob"]
    issue.remove_from_assignees("alice")
    assert [u.login for u in repo.get_issue(issue.number).assignees] == ["bob"]


# ----- listing ------------------------------------------------------------------------------


def test_get_issues_defaults_to_open_and_includes_the_pull_request(repo: Repository) -> None:
    repo.create_issue("open one")
    repo.create_issue("closed one").edit(state="closed")
    titles = {issue.title for issue in repo.get_issues()}
    assert titles == {"open one", "Add CI workflow"}
    assert {i.title for i in repo.get_issues(state="closed")} == {"closed one"}
    assert len(list(repo.get_issues(state="all"))) == 3


def test_get_issues_follows_link_headers_across_pages(
    github_sandbox: GitHubSandbox,
) -> None:
    g = client(github_sandbox, per_page=5)
    repo = g.get_repo("acme/app")
    for n in range(12):
        repo.create_issue(f"item {n}")
    github_sandbox.requests.reset()
    numbers = [issue.number for issue in repo.get_issues(state="all", direction="asc")]
    assert numbers == list(range(1, 14))
    assert github_sandbox.requests.snapshot()["by_route"] == {
        "GET /repos/{owner}/{repo}/issues": 1,
        "GET /repositories/{repo_id}/issues": 2,
    }


def test_link_header_has_githubs_shape_and_keeps_every_filter(
    github_sandbox: GitHubSandbox, repo: Repository
) -> None:
    for n in range(7):
        repo.create_issue(f"item {n}")
    response = raw_get(github_sandbox, "/repos/acme/app/issues?state=all&per_page=3&page=2")
    base = f"{github_sandbox.base_url}/repositories/{repo.id}/issues?state=all&per_page=3"
    assert response.headers["link"] == (
        f'<{base}&page=1>; rel="prev", <{base}&page=3>; rel="next", '
        f'<{base}&page=3>; rel="last", <{base}&page=1>; rel="first"'
    )
    assert [item["number"] for item in response.json()] == [5, 4, 3]


def test_total_count_reads_the_last_page_from_the_link_header(
    github_sandbox: GitHubSandbox,
) -> None:
    repo = client(github_sandbox, per_page=2).get_repo("acme/app")
    for n in range(4):
        repo.create_issue(f"item {n}")
    assert repo.get_issues(state="all").totalCount == 5


def test_get_issues_since_filters_on_updated_at(
    github_sandbox: GitHubSandbox, repo: Repository
) -> None:
    old = repo.create_issue("old")
    repo.create_issue("untouched")
    github_sandbox.clock.advance(3600)
    watermark = github_sandbox.clock.now().replace(microsecond=0)
    github_sandbox.clock.advance(10)
    old.edit(body="touched")
    new = repo.create_issue("new")
    since = {i.number for i in repo.get_issues(state="all", since=watermark)}
    assert since == {old.number, new.number}


def test_get_issues_labels_filter_is_and_and_case_insensitive(repo: Repository) -> None:
    both = repo.create_issue("both", labels=["Postmortem", "team-a"])
    repo.create_issue("one", labels=["postmortem"])
    found = repo.get_issues(state="all", labels=["postmortem", "TEAM-A"])
    assert [issue.number for issue in found] == [both.number]


def test_get_issues_sort_updated_ascending(github_sandbox: GitHubSandbox, repo: Repository) -> None:
    first = repo.create_issue("first")
    second = repo.create_issue("second")
    github_sandbox.clock.advance(60)
    first.edit(body="now newest")
    order = [i.number for i in repo.get_issues(state="all", sort="updated", direction="asc")]
    assert order == [1, second.number, first.number]


def test_get_issues_filters_by_milestone_assignee_and_creator(gh: Github, repo: Repository) -> None:
    milestone = repo.create_milestone("m1")
    mine = repo.create_issue("mine", assignees=["alice"], milestone=milestone)
    repo.create_issue("other", assignees=["bob"])
    assert [i.number for i in repo.get_issues(milestone=milestone)] == [mine.number]
    assert [i.number for i in repo.get_issues(assignee="alice")] == [mine.number]
    assert len(list(repo.get_issues(creator=gh.get_user("tracker-bot")))) == 3
    assert list(repo.get_issues(creator=gh.get_user("bob"))) == []


# ----- labels, milestones, assignees, comments --------------------------------------------------


def test_create_label_and_get_it_by_name_with_spaces(repo: Repository) -> None:
    created = repo.create_label("needs triage", "fbca04", description="New item")
    fetched = repo.get_label("needs triage")
    assert (fetched.id, fetched.color, fetched.description) == (created.id, "fbca04", "New item")
    assert "needs triage" in {label.name for label in repo.get_labels()}


def test_repository_starts_with_githubs_default_labels(repo: Repository) -> None:
    defaults = {label.name: label.default for label in repo.get_labels()}
    assert defaults == {"bug": True, "documentation": True, "enhancement": True}


def test_milestone_due_on_is_kept_as_a_pacific_date(repo: Repository) -> None:
    created = repo.create_milestone("Due", due_on=datetime(2026, 7, 1, 12, 0, tzinfo=UTC))
    assert created.due_on == datetime(2026, 7, 1, 7, 0, tzinfo=UTC)  # midnight PDT
    winter = repo.create_milestone("Winter", due_on=date(2026, 1, 15))  # 00:00Z = 14th PST
    assert winter.due_on == datetime(2026, 1, 14, 8, 0, tzinfo=UTC)


def test_milestones_list_get_and_count_issues(repo: Repository) -> None:
    milestone = repo.create_milestone("Sprint", description="two weeks")
    repo.create_issue("a", milestone=milestone)
    repo.create_issue("b", milestone=milestone).edit(state="closed")
    fetched = repo.get_milestone(milestone.number)
    assert (fetched.title, fetched.description) == ("Sprint", "two weeks")
    assert (fetched.open_issues, fetched.closed_issues) == (1, 1)
    assert [m.title for m in repo.get_milestones()] == ["Sprint"]
    assert set(fetched.raw_data) == MILESTONE_KEYS


def test_label_edit_renames_it_on_every_issue(repo: Repository) -> None:
    issue = repo.create_issue("labelled", labels=["sev1"])
    label = repo.get_label("sev1")
    label.edit("severity-1", "b60205", "Highest severity")
    assert (label.name, label.color, label.description) == (
        "severity-1",
        "b60205",
        "Highest severity",
    )
    assert [lab.name for lab in repo.get_issue(issue.number).labels] == ["severity-1"]


def test_label_delete_removes_it_from_issues(repo: Repository) -> None:
    issue = repo.create_issue("labelled", labels=["temp", "bug"])
    repo.get_label("temp").delete()
    assert [lab.name for lab in repo.get_issue(issue.number).labels] == ["bug"]
    with pytest.raises(UnknownObjectException):
        repo.get_label("temp")


def test_milestone_edit_and_delete(repo: Repository) -> None:
    milestone = repo.create_milestone("Old")
    issue = repo.create_issue("in it", milestone=milestone)
    milestone.edit("New", state="closed", due_on=date(2026, 8, 3))  # PyGithub sends a date only
    assert (milestone.title, milestone.state) == ("New", "closed")
    assert milestone.closed_at is not None
    assert milestone.due_on == datetime(2026, 8, 3, 7, 0, tzinfo=UTC)  # that date, midnight PDT
    milestone.delete()
    assert repo.get_issue(issue.number).milestone is None
    assert list(repo.get_milestones(state="all")) == []


def test_has_in_assignees_answers_204_or_404(repo: Repository) -> None:
    assert repo.has_in_assignees("alice") is True
    assert repo.has_in_assignees("mallory") is False
    assert {user.login for user in repo.get_assignees()} == {"tracker-bot", "alice", "bob", "chen"}


def test_comments_are_created_and_listed_in_order(repo: Repository) -> None:
    issue = repo.create_issue("chatty")
    issue.create_comment("first")
    issue.create_comment("second")
    assert [c.body for c in issue.get_comments()] == ["first", "second"]
    assert repo.get_issue(issue.number).comments == 2


# ----- search -----------------------------------------------------------------------------------


def test_search_finds_an_issue_by_a_quoted_marker_in_its_body(gh: Github, repo: Repository) -> None:
    target = repo.create_issue("tracked", body="text\n<!-- tracker-id: pm-7#3 -->")
    repo.create_issue("other", body="<!-- tracker-id: pm-7#4 -->")
    found = gh.search_issues('repo:acme/app is:issue in:body "tracker-id: pm-7#3"')
    assert found.totalCount == 1
    assert [issue.number for issue in found] == [target.number]


def test_search_qualifiers_state_label_and_kind(gh: Github, repo: Repository) -> None:
    open_one = repo.create_issue("alpha", labels=["postmortem"])
    repo.create_issue("alpha closed", labels=["postmortem"]).edit(state="closed")
    repo.create_issue("alpha unlabeled")
    query = "repo:acme/app is:issue is:open label:postmortem alpha in:title"
    assert [i.number for i in gh.search_issues(query)] == [open_one.number]
    assert [i.number for i in gh.search_issues("repo:acme/app is:pr")] == [1]


def test_search_result_has_githubs_shape(github_sandbox: GitHubSandbox, repo: Repository) -> None:
    repo.create_issue("shape")
    response = raw_get(github_sandbox, "/search/issues?q=repo%3Aacme%2Fapp+shape")
    body = response.json()
    assert set(body) == {"total_count", "incomplete_results", "items"}
    assert body["items"][0]["score"] == 1.0
    assert response.headers["x-ratelimit-resource"] == "search"
    assert response.headers["x-ratelimit-limit"] == "30"


def test_search_lag_hides_new_issues_until_the_index_catches_up(
    github_sandbox: GitHubSandbox, gh: Github, repo: Repository
) -> None:
    github_sandbox.set_search_lag(30)
    repo.create_issue("fresh", body="marker-1")
    assert gh.search_issues('repo:acme/app "marker-1"').totalCount == 0
    github_sandbox.clock.advance(31)
    assert gh.search_issues('repo:acme/app "marker-1"').totalCount == 1


def test_search_on_an_unknown_repository_is_a_422(gh: Github) -> None:
    with pytest.raises(GithubException) as caught:
        list(gh.search_issues("repo:nobody/nothing is:issue"))
    assert caught.value.status == 422
    assert caught.value.data["errors"][0]["code"] == "invalid"


# ----- Enterprise base URL --------------------------------------------------------------------


def test_enterprise_style_base_url_serves_the_same_data(github_sandbox: GitHubSandbox) -> None:
    ghes = client(github_sandbox, base_url=github_sandbox.base_url + "/api/v3")
    repo = ghes.get_repo("acme/app")
    issue = repo.create_issue("from GHES")
    assert issue.url == f"{github_sandbox.base_url}/api/v3/repos/acme/app/issues/{issue.number}"
    assert next(i.number for i in client(github_sandbox).get_repo("acme/app").get_issues()) == 2
    by_route = github_sandbox.requests.snapshot()["by_route"]
    assert by_route["POST /repos/{owner}/{repo}/issues"] == 1


def test_enterprise_pagination_links_stay_under_api_v3(github_sandbox: GitHubSandbox) -> None:
    ghes = client(github_sandbox, base_url=github_sandbox.base_url + "/api/v3", per_page=2)
    repo = ghes.get_repo("acme/app")
    for n in range(4):
        repo.create_issue(f"n{n}")
    assert len(list(repo.get_issues(state="all"))) == 5


# ----- people acting on github.com (control plane) --------------------------------------------


def test_set_state_closes_as_a_person_would(
    github_sandbox: GitHubSandbox, repo: Repository
) -> None:
    issue = repo.create_issue("close me")
    github_sandbox.set_state("acme/app", issue.number, "closed", state_reason="not_planned")
    fetched = repo.get_issue(issue.number)
    assert (fetched.state, fetched.state_reason) == ("closed", "not_planned")
    assert fetched.closed_by is not None
    assert fetched.closed_by.login == "alice"


def test_set_assignees_through_the_http_control_plane(
    github_sandbox: GitHubSandbox, repo: Repository
) -> None:
    issue = repo.create_issue("assign me")
    answer = requests.post(
        f"{github_sandbox.base_url}/_sandbox/github/repos/acme/app/issues/{issue.number}/assignees",
        json={"assignees": ["chen"]},
        timeout=5,
    )
    assert answer.status_code == 200
    assert [u.login for u in repo.get_issue(issue.number).assignees] == ["chen"]
    assert "POST /_sandbox" not in str(github_sandbox.requests.snapshot())


def test_deleted_issue_answers_410_gone(github_sandbox: GitHubSandbox, repo: Repository) -> None:
    issue = repo.create_issue("doomed")
    github_sandbox.delete_issue("acme/app", issue.number)
    with pytest.raises(GithubException) as caught:
        repo.get_issue(issue.number)
    assert caught.value.status == 410
    assert caught.value.data["message"] == "This issue was deleted"
    assert issue.number not in {i.number for i in repo.get_issues(state="all")}


def test_transferred_issue_answers_301_and_pygithub_follows_it(
    github_sandbox: GitHubSandbox,
) -> None:
    with GitHubSandbox(repos=["acme/app", "acme/ops"], seed_pull_request=False) as sandbox:
        repo = client(sandbox).get_repo("acme/app")
        issue = repo.create_issue("moving", labels=["infra"])
        new_number = sandbox.transfer_issue("acme/app", issue.number, "acme/ops")
        raw = requests.get(
            f"{sandbox.base_url}/repos/acme/app/issues/{issue.number}",
            headers={"Authorization": f"token {sandbox.token}"},
            allow_redirects=False,
            timeout=5,
        )
        assert raw.status_code == 301
        assert raw.headers["location"] == f"{sandbox.base_url}/repos/acme/ops/issues/{new_number}"
        moved = repo.get_issue(issue.number)
        assert moved.repository_url.endswith("/repos/acme/ops")
        assert [label.name for label in moved.labels] == ["infra"]


def test_issues_helper_lists_issues_for_assertions(
    github_sandbox: GitHubSandbox, repo: Repository
) -> None:
    repo.create_issue("one")
    assert [i["title"] for i in github_sandbox.issues("acme/app")] == ["one"]
    assert len(github_sandbox.issues("acme/app", include_pull_requests=True)) == 2


def test_state_file_keeps_issues_across_restarts(tmp_path: Path) -> None:
    state = tmp_path / "sandbox.json"
    with GitHubSandbox(state_file=state, token="t0k") as first:
        client(first).get_repo("acme/app").create_issue("persisted", labels=["kept"])
    with GitHubSandbox(state_file=state, token="t0k") as second:
        issue = client(second).get_repo("acme/app").get_issue(2)
        assert issue.title == "persisted"
        assert [label.name for label in issue.labels] == ["kept"]
        assert client(second).get_repo("acme/app").create_issue("next").number == 3


def test_http_control_plane_changes_issues_as_people_would(
    github_sandbox: GitHubSandbox, repo: Repository
) -> None:
    base = f"{github_sandbox.base_url}/_sandbox/github/repos/acme/app/issues"
    number = repo.create_issue("people act").number
    closed = requests.post(
        f"{base}/{number}/state", json={"state": "closed", "state_reason": "not_planned"}, timeout=5
    ).json()
    assert (closed["state"], closed["state_reason"]) == ("closed", "not_planned")
    edited = requests.patch(
        f"{base}/{number}", json={"title": "renamed", "actor": "bob"}, timeout=5
    )
    assert edited.json()["title"] == "renamed"
    comment = requests.post(f"{base}/{number}/comments", json={"body": "done?"}, timeout=5)
    assert comment.json()["user"]["login"] == "alice"
    assert [i["title"] for i in requests.get(base, timeout=5).json()] == ["renamed"]
    assert requests.delete(f"{base}/{number}", timeout=5).status_code == 204
    assert requests.get(f"{base}/{number}", timeout=5).status_code == 410
    assert requests.get(f"{base}/999", timeout=5).status_code == 404


def test_lazy_client_edits_with_a_single_patch(github_sandbox: GitHubSandbox) -> None:
    number = client(github_sandbox).get_repo("acme/app").create_issue("lazy").number
    github_sandbox.requests.reset()
    lazy = client(github_sandbox, lazy=True)
    lazy.get_repo("acme/app").get_issue(number).edit(state="closed")
    assert github_sandbox.requests.snapshot() == {
        "total": 1,
        "by_route": {"PATCH /repos/{owner}/{repo}/issues/{number}": 1},
    }
    assert github_sandbox.issue("acme/app", number)["state"] == "closed"


@settings(max_examples=20, deadline=None)
@given(count=st.integers(0, 23), per_page=st.integers(1, 10))
def test_paging_through_link_headers_yields_every_issue_once(
    github_sandbox_server: GitHubSandbox, count: int, per_page: int
) -> None:
    sandbox = github_sandbox_server
    sandbox.reset()
    with sandbox.state.lock:
        repo_record = sandbox.state.repo("acme", "app")
        for n in range(count):
            sandbox.state.create_issue(repo_record, "alice", sandbox.clock.now(), title=f"i{n}")
    repo = client(sandbox, per_page=per_page).get_repo("acme/app")
    numbers = [issue.number for issue in repo.get_issues(state="all", direction="asc")]
    assert numbers == list(range(1, count + 2))


def test_reset_after_moving_the_clock_seeds_data_dated_now(
    github_sandbox: GitHubSandbox,
) -> None:
    github_sandbox.clock.advance(30 * 86400)
    github_sandbox.reset()
    seeded = github_sandbox.issues("acme/app", include_pull_requests=True)[0]
    created = datetime.strptime(seeded["created_at"], "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC)
    assert abs(created - datetime.now(UTC)) < timedelta(minutes=1)


def test_state_file_keeps_deleted_and_transferred_answers(tmp_path: Path) -> None:
    state = tmp_path / "sandbox.json"
    repos = ["acme/app", "acme/ops"]
    with GitHubSandbox(repos=repos, state_file=state, token="t0k") as first:
        repo = client(first).get_repo("acme/app")
        gone, moving = repo.create_issue("gone").number, repo.create_issue("moving").number
        first.delete_issue("acme/app", gone)
        first.transfer_issue("acme/app", moving, "acme/ops")
    with GitHubSandbox(repos=repos, state_file=state, token="t0k") as second:
        assert raw_get_with(second, f"/repos/acme/app/issues/{gone}").status_code == 410
        assert raw_get_with(second, f"/repos/acme/app/issues/{moving}").status_code == 301


def raw_get_with(sandbox: GitHubSandbox, path: str) -> requests.Response:
    return requests.get(
        sandbox.base_url + path,
        headers={"Authorization": f"token {sandbox.token}"},
        allow_redirects=False,
        timeout=5,
    )
