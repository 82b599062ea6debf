"""The GitLab sandbox answers python-gitlab as GitLab's REST v4 does: over real HTTP,
with GitLab's addressing, pagination, filters, error shapes and rate limits."""

from __future__ import annotations

import json
from pathlib import Path

import gitlab
import pytest
import requests
from tracker_gitlab.sandbox import GitLabSandbox

APP = "acme/app"


@pytest.fixture
def gl(gitlab_sandbox: GitLabSandbox) -> gitlab.Gitlab:
    """python-gitlab as a person would use it (its own retries off so faults show)."""
    return gitlab.Gitlab(
        gitlab_sandbox.base_url, private_token=gitlab_sandbox.token, retry_transient_errors=False
    )


def api(sandbox: GitLabSandbox, path: str, **kwargs: object) -> requests.Response:
    headers = {"PRIVATE-TOKEN": sandbox.token}
    return requests.get(f"{sandbox.base_url}/api/v4{path}", headers=headers, timeout=5, **kwargs)  # type: ignore[arg-type]


# ----- addressing -------------------------------------------------------------------------


def test_a_project_is_addressed_by_its_url_encoded_path_or_its_id(gl: gitlab.Gitlab) -> None:
    by_path = gl.projects.get("acme/platform/api")
    by_id = gl.projects.get(by_path.id)
    assert by_path.path_with_namespace == by_id.path_with_namespace == "acme/platform/api"


def test_an_unencoded_slash_in_a_project_path_is_another_path(
    gitlab_sandbox: GitLabSandbox,
) -> None:
    assert api(gitlab_sandbox, "/projects/acme%2Fapp").status_code == 200
    missing = api(gitlab_sandbox, "/projects/acme/app")
    assert missing.status_code == 404
    assert missing.json() == {"error": "404 Not Found"}


def test_iid_counts_per_project_and_id_is_global(gl: gitlab.Gitlab) -> None:
    first = gl.projects.get(APP, lazy=True).issues.create({"title": "One"})
    other = gl.projects.get("acme/platform/api", lazy=True).issues.create({"title": "Two"})
    assert (first.iid, other.iid) == (1, 1)
    assert first.id != other.id
    assert other.references["full"] == "acme/platform/api#1"
    assert other.web_url.endswith("/acme/platform/api/-/issues/1")


# ----- errors -----------------------------------------------------------------------------


def test_a_wrong_token_is_refused_with_401_in_gitlabs_shape(gitlab_sandbox: GitLabSandbox) -> None:
    client = gitlab.Gitlab(gitlab_sandbox.base_url, private_token="wrong")
    with pytest.raises(gitlab.GitlabAuthenticationError) as raised:
        client.auth()
    assert raised.value.response_code == 401
    assert raised.value.error_message == "401 Unauthorized"


def test_a_bearer_token_is_accepted_too(gitlab_sandbox: GitLabSandbox) -> None:
    client = gitlab.Gitlab(gitlab_sandbox.base_url, oauth_token=gitlab_sandbox.token)
    client.auth()
    assert client.user is not None and client.user.username == "tracker-bot"


def test_an_unknown_project_is_404_project_not_found(gl: gitlab.Gitlab) -> None:
    with pytest.raises(gitlab.GitlabGetError) as raised:
        gl.projects.get("acme/nope")
    assert (raised.value.response_code, raised.value.error_message) == (
        404,
        "404 Project Not Found",
    )


def test_a_missing_title_is_grapes_400_error(gitlab_sandbox: GitLabSandbox) -> None:
    answer = requests.post(
        f"{gitlab_sandbox.base_url}/api/v4/projects/1/issues",
        headers={"PRIVATE-TOKEN": gitlab_sandbox.token},
        json={"description": "no title"},
        timeout=5,
    )
    assert (answer.status_code, answer.json()) == (400, {"error": "title is missing"})


def test_a_blank_title_is_a_validation_message_per_field(gl: gitlab.Gitlab) -> None:
    with pytest.raises(gitlab.GitlabCreateError) as raised:
        gl.projects.get(APP, lazy=True).issues.create({"title": "  "})
    assert raised.value.response_code == 400
    assert raised.value.error_message == {"title": ["can't be blank"]}


# ----- listing ----------------------------------------------------------------------------


def test_offset_pagination_sends_gitlabs_headers_and_python_gitlab_follows_them(
    gl: gitlab.Gitlab, gitlab_sandbox: GitLabSandbox
) -> None:
    project = gl.projects.get(APP, lazy=True)
    for n in range(7):
        project.issues.create({"title": f"Issue {n}"})
    page = api(gitlab_sandbox, "/projects/1/issues", params={"per_page": 3, "page": 2})
    assert {k: page.headers[k] for k in ("x-page", "x-next-page", "x-prev-page")} == {
        "x-page": "2",
        "x-next-page": "3",
        "x-prev-page": "1",
    }
    assert (page.headers["x-total"], page.headers["x-total-pages"]) == ("7", "3")
    assert 'rel="next"' in page.headers["link"]
    listing = project.issues.list(iterator=True, per_page=3)
    assert len(list(listing)) == 7
    assert listing.total == 7
    assert (
        gitlab_sandbox.requests.snapshot()["by_route"]["GET /api/v4/projects/{project}/issues"]
        == 1 + 3
    )


def test_keyset_pagination_is_refused_for_issues_as_gitlab_does(
    gitlab_sandbox: GitLabSandbox,
) -> None:
    answer = api(gitlab_sandbox, "/projects/1/issues", params={"pagination": "keyset"})
    assert answer.status_code == 405
    assert "Keyset pagination is not yet available" in answer.json()["error"]


def test_updated_after_and_order_by_updated_at_give_the_changed_issues_in_order(
    gl: gitlab.Gitlab, gitlab_sandbox: GitLabSandbox
) -> None:
    project = gl.projects.get(APP, lazy=True)
    old, newer, newest = (project.issues.create({"title": t}) for t in ("old", "b", "c"))
    gitlab_sandbox.clock.advance(600)
    since = gitlab_sandbox.clock.now().strftime("%Y-%m-%dT%H:%M:%SZ")
    gitlab_sandbox.clock.advance(60)
    gitlab_sandbox.edit_issue(APP, newest.iid, title="c2")
    gitlab_sandbox.clock.advance(60)
    gitlab_sandbox.edit_issue(APP, newer.iid, title="b2")
    changed = project.issues.list(
        get_all=True, updated_after=since, order_by="updated_at", sort="asc"
    )
    assert [i.title for i in changed] == ["c2", "b2"]
    assert old.iid not in [i.iid for i in changed]


def test_labels_state_and_iids_filters(gl: gitlab.Gitlab) -> None:
    project = gl.projects.get(APP, lazy=True)
    a = project.issues.create({"title": "a", "labels": "tracker,postmortem"})
    b = project.issues.create({"title": "b", "labels": ["tracker"]})
    project.issues.create({"title": "c"})
    project.issues.update(b.iid, {"state_event": "close"})
    both = project.issues.list(get_all=True, labels=["tracker", "postmortem"])
    assert [i.iid for i in both] == [a.iid]
    closed = project.issues.list(get_all=True, state="closed")
    assert [i.iid for i in closed] == [b.iid]
    picked = project.issues.list(get_all=True, iids=[a.iid, b.iid], state="all")
    assert sorted(i.iid for i in picked) == [a.iid, b.iid]


# ----- edits ------------------------------------------------------------------------------


def test_state_event_closes_and_reopens(gl: gitlab.Gitlab) -> None:
    project = gl.projects.get(APP, lazy=True)
    issue = project.issues.create({"title": "t"})
    closed = project.issues.update(issue.iid, {"state_event": "close"})
    assert closed["state"] == "closed" and closed["closed_at"]
    assert closed["closed_by"]["username"] == "tracker-bot"
    reopened = project.issues.update(issue.iid, {"state_event": "reopen"})
    assert reopened["state"] == "opened" and reopened["closed_at"] is None


def test_an_edit_that_changes_nothing_keeps_updated_at(
    gl: gitlab.Gitlab, gitlab_sandbox: GitLabSandbox
) -> None:
    project = gl.projects.get(APP, lazy=True)
    issue = project.issues.create({"title": "same"})
    gitlab_sandbox.clock.advance(60)
    again = project.issues.update(issue.iid, {"title": "same"})
    assert again["updated_at"] == issue.updated_at


def test_due_date_is_set_and_cleared_with_null(gl: gitlab.Gitlab) -> None:
    project = gl.projects.get(APP, lazy=True)
    issue = project.issues.create({"title": "t", "due_date": "2026-12-01"})
    assert issue.due_date == "2026-12-01"
    assert project.issues.update(issue.iid, {"due_date": None})["due_date"] is None


def test_an_assignee_who_is_no_member_is_dropped_silently(gl: gitlab.Gitlab) -> None:
    mallory = gl.users.list(username="mallory", get_all=False)[0]
    alice = gl.users.list(username="alice", get_all=False)[0]
    project = gl.projects.get(APP, lazy=True)
    dropped = project.issues.create({"title": "t", "assignee_ids": [mallory.id]})
    kept = project.issues.create({"title": "u", "assignee_ids": [alice.id]})
    assert dropped.assignees == [] and kept.assignee["username"] == "alice"
    with pytest.raises(gitlab.GitlabGetError):
        project.members_all.get(mallory.id)


def test_a_deleted_issue_is_404(gl: gitlab.Gitlab) -> None:
    project = gl.projects.get(APP, lazy=True)
    issue = project.issues.create({"title": "t"})
    project.issues.delete(issue.iid)
    with pytest.raises(gitlab.GitlabGetError) as raised:
        project.issues.get(issue.iid)
    assert raised.value.error_message == "404 Issue Not Found"


def test_notes_are_counted_on_the_issue(gl: gitlab.Gitlab) -> None:
    issue = gl.projects.get(APP, lazy=True).issues.create({"title": "t"})
    issue.notes.create({"body": "Reminder"})
    assert gl.projects.get(APP, lazy=True).issues.get(issue.iid).user_notes_count == 1


# ----- rate limits ------------------------------------------------------------------------


def test_issue_creation_past_the_limit_is_429_until_the_minute_is_over(
    gl: gitlab.Gitlab, gitlab_sandbox: GitLabSandbox
) -> None:
    gitlab_sandbox.issue_limit_per_minute = 2
    gitlab_sandbox.clock.set(gitlab_sandbox.clock.now().replace(second=0))
    project = gl.projects.get(APP, lazy=True)
    project.issues.create({"title": "1"})
    project.issues.create({"title": "2"})
    answer = requests.post(
        f"{gitlab_sandbox.base_url}/api/v4/projects/1/issues",
        headers={"PRIVATE-TOKEN": gitlab_sandbox.token},
        json={"title": "3"},
        timeout=5,
    )
    assert answer.status_code == 429
    assert answer.json() == {
        "message": {"error": "This endpoint has been requested too many times. Try again later."}
    }
    assert 0 < int(answer.headers["Retry-After"]) <= 60
    gitlab_sandbox.clock.advance(60)
    assert project.issues.create({"title": "3"}).iid == 3
    assert len(gitlab_sandbox.issues(APP)) == 3


def test_every_answer_carries_ratelimit_headers(gitlab_sandbox: GitLabSandbox) -> None:
    answer = api(gitlab_sandbox, "/user")
    assert answer.headers["RateLimit-Limit"] == "2000"
    assert int(answer.headers["RateLimit-Remaining"]) < 2000
    assert int(answer.headers["RateLimit-Reset"]) > gitlab_sandbox.clock.now().timestamp()


def test_the_authenticated_api_limit_answers_plain_text_retry_later(
    gitlab_sandbox: GitLabSandbox,
) -> None:
    gitlab_sandbox.api_limit_per_minute = 1
    gitlab_sandbox.clock.set(gitlab_sandbox.clock.now().replace(second=0))
    assert api(gitlab_sandbox, "/user").status_code == 200
    refused = api(gitlab_sandbox, "/user")
    assert (refused.status_code, refused.text) == (429, "Retry later\n")
    assert refused.headers["RateLimit-Remaining"] == "0"


# ----- the control plane ------------------------------------------------------------------


def test_a_lost_create_response_leaves_the_issue_made(
    gl: gitlab.Gitlab, gitlab_sandbox: GitLabSandbox
) -> None:
    gitlab_sandbox.faults.add("drop-after", route="POST /api/v4/projects/{project}/issues")
    with pytest.raises(requests.ConnectionError):
        gl.projects.get(APP, lazy=True).issues.create({"title": "made anyway"})
    assert [i["title"] for i in gitlab_sandbox.issues(APP)] == ["made anyway"]


def test_the_control_plane_is_served_over_http(gitlab_sandbox: GitLabSandbox) -> None:
    base = gitlab_sandbox.base_url
    requests.post(f"{base}/_sandbox/faults", json={"kind": "503", "retry_after": 3}, timeout=5)
    refused = api(gitlab_sandbox, "/user")
    assert (refused.status_code, refused.headers["Retry-After"]) == (503, "3")
    assert refused.json() == {"message": "503 Service Unavailable"}
    log = requests.get(f"{base}/_sandbox/requests", timeout=5).json()
    assert log["by_route"] == {"GET /api/v4/user": 1}
    moved = requests.post(f"{base}/_sandbox/clock", json={"now": "2031-01-02T03:04:05Z"}, timeout=5)
    assert moved.json()["now"].startswith("2031-01-02T03:04:05")


def test_state_survives_a_restart_through_the_state_file(tmp_path: Path) -> None:
    state = tmp_path / "sandbox.json"
    with GitLabSandbox(state_file=state) as first:
        client = gitlab.Gitlab(first.base_url, private_token=first.token)
        client.projects.get(APP, lazy=True).issues.create({"title": "kept", "labels": "x"})
    assert json.loads(state.read_text())["gitlab"]["issues"][0]["title"] == "kept"
    with GitLabSandbox(state_file=state) as second:
        assert [(i["title"], i["labels"]) for i in second.issues(APP)] == [("kept", ["x"])]


def test_moving_an_issue_closes_it_and_names_the_copy_in_a_system_note(
    gl: gitlab.Gitlab,
) -> None:
    project = gl.projects.get(APP, lazy=True)
    issue = project.issues.create(
        {"title": "moving", "labels": "tracker", "due_date": "2027-01-02"}
    )
    issue.move(2)  # python-gitlab's ProjectIssue.move(to_project_id)
    assert issue.references["full"] == "acme/platform/api#1"
    assert (issue.labels, issue.due_date) == (["tracker"], "2027-01-02")
    original = project.issues.get(1)
    assert (original.state, original.moved_to_id) == ("closed", issue.id)
    notes = [(n.body, n.system) for n in original.notes.list(get_all=True)]
    assert notes == [("moved to acme/platform/api#1", True)]
