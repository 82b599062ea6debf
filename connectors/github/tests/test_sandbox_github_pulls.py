"""The GitHub sandbox's pulls API, driven by PyGithub, with a real bare git repository
standing for the repository's branches."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
import requests
from github import Auth, Github, GithubException
from github.Repository import Repository
from tracker_github.sandbox.server import GitHubSandbox

# GitHub's pull request object (REST docs, "Get a pull request"); a listing omits the
# merge and size fields.
LISTED_PULL_KEYS = {
    "url", "id", "node_id", "html_url", "diff_url", "patch_url", "issue_url", "commits_url",
    "review_comments_url", "review_comment_url", "comments_url", "statuses_url", "number",
    "state", "locked", "title", "user", "body", "labels", "milestone", "active_lock_reason",
    "created_at", "updated_at", "closed_at", "merged_at", "merge_commit_sha", "assignee",
    "assignees", "requested_reviewers", "requested_teams", "head", "base", "_links",
    "author_association", "auto_merge", "draft",
}  # fmt: skip
SINGLE_PULL_EXTRA_KEYS = {
    "merged", "mergeable", "rebaseable", "mergeable_state", "merged_by", "comments",
    "review_comments", "maintainer_can_modify", "commits", "additions", "deletions",
    "changed_files",
}  # fmt: skip


def git(folder: Path, *args: str) -> str:
    return subprocess.run(
        ["git", *args], cwd=folder, capture_output=True, text=True, check=True
    ).stdout.strip()


@pytest.fixture
def remote(tmp_path: Path, github_sandbox: GitHubSandbox) -> Path:
    """A bare repository with `main` and a branch `fix` one commit ahead of it."""
    bare = tmp_path / "app.git"
    git(tmp_path, "init", "-q", "--bare", "-b", "main", str(bare))
    work = tmp_path / "work"
    git(tmp_path, "init", "-q", "-b", "main", str(work))
    git(work, "config", "user.email", "t@example.com")
    git(work, "config", "user.name", "Test")
    (work / "a.md").write_text("one\n")
    git(work, "add", "a.md")
    git(work, "commit", "-q", "-m", "one")
    git(work, "checkout", "-q", "-b", "fix")
    (work / "a.md").write_text("two\n")
    git(work, "commit", "-q", "-am", "two")
    git(work, "push", "-q", str(bare), "main", "fix")
    github_sandbox.pulls.set_git_remote("acme/app", bare)
    return bare


@pytest.fixture
def repo(github_sandbox: GitHubSandbox) -> Repository:
    gh = Github(base_url=github_sandbox.base_url, auth=Auth.Token(github_sandbox.token))
    return gh.get_repo("acme/app")


def test_a_pull_request_is_created_with_githubs_shape_and_the_branch_tips(
    remote: Path, repo: Repository
) -> None:
    pull = repo.create_pull(base="main", head="acme:fix", title="Fix", body="Why")
    assert set(pull.raw_data) == LISTED_PULL_KEYS | SINGLE_PULL_EXTRA_KEYS
    assert pull.number == 2  # after the seeded pull request #1: numbers shared with issues
    assert (pull.head.ref, pull.base.ref) == ("fix", "main")
    assert pull.head.sha == git(remote, "rev-parse", "fix")
    assert pull.base.sha == git(remote, "rev-parse", "main")
    assert pull.head.label == "acme:fix"
    assert pull.commits == 1 and pull.changed_files == 1
    assert pull.html_url.endswith("/acme/app/pull/2")
    assert repo.get_issue(2).pull_request is not None


def test_listing_filters_by_head_owner_and_branch_and_state(remote: Path, repo: Repository) -> None:
    pull = repo.create_pull(base="main", head="fix", title="Fix", body="")
    listed = list(repo.get_pulls(state="open", head="acme:fix"))
    assert [p.number for p in listed] == [pull.number]
    assert set(listed[0]._rawData) == LISTED_PULL_KEYS  # as listed (raw_data would GET it whole)
    assert list(repo.get_pulls(state="open", head="acme:other")) == []
    assert list(repo.get_pulls(state="open", head="someone:fix")) == []
    pull.edit(state="closed")
    assert list(repo.get_pulls(state="open", head="acme:fix")) == []
    assert [p.number for p in repo.get_pulls(state="closed", head="acme:fix")] == [pull.number]


def test_a_second_pull_request_for_the_same_head_is_refused_with_422(
    remote: Path, repo: Repository
) -> None:
    repo.create_pull(base="main", head="fix", title="Fix", body="")
    with pytest.raises(GithubException) as refused:
        repo.create_pull(base="main", head="fix", title="Again", body="")
    assert refused.value.status == 422
    assert refused.value.data["errors"] == [
        {
            "resource": "PullRequest",
            "code": "custom",
            "message": "A pull request already exists for acme:fix.",
        }
    ]


def test_a_head_branch_missing_from_the_git_repository_is_refused_with_422(
    remote: Path, repo: Repository
) -> None:
    with pytest.raises(GithubException) as refused:
        repo.create_pull(base="main", head="acme:nope", title="Fix", body="")
    assert refused.value.status == 422
    assert refused.value.data["errors"] == [
        {"resource": "PullRequest", "field": "head", "code": "invalid"}
    ]


def test_a_head_with_no_commits_beyond_base_is_refused_with_422(
    tmp_path: Path, remote: Path, repo: Repository
) -> None:
    git(remote, "branch", "same", "main")
    with pytest.raises(GithubException) as refused:
        repo.create_pull(base="main", head="same", title="Nothing", body="")
    assert refused.value.status == 422
    assert refused.value.data["errors"][0]["message"] == "No commits between main and same"


def test_editing_changes_title_and_body_and_answers_the_whole_pull_request(
    remote: Path, repo: Repository
) -> None:
    pull = repo.create_pull(base="main", head="fix", title="Fix", body="old")
    pull.edit(title="Fix it", body="new")
    assert (pull.title, pull.body) == ("Fix it", "new")
    again = repo.get_pull(pull.number)
    assert (again.title, again.body, again.state) == ("Fix it", "new", "open")


def test_the_head_sha_follows_pushes_to_the_branch(
    tmp_path: Path, remote: Path, repo: Repository
) -> None:
    pull = repo.create_pull(base="main", head="fix", title="Fix", body="")
    work = tmp_path / "work"
    (work / "a.md").write_text("three\n")
    git(work, "commit", "-q", "-am", "three")
    git(work, "push", "-q", str(remote), "fix")
    assert repo.get_pull(pull.number).head.sha == git(remote, "rev-parse", "fix")


def test_without_a_git_repository_every_head_is_invalid(
    github_sandbox: GitHubSandbox, repo: Repository
) -> None:
    with pytest.raises(GithubException) as refused:
        repo.create_pull(base="main", head="fix", title="Fix", body="")
    assert refused.value.status == 422


def test_the_control_plane_sets_the_git_repository_and_lists_pull_requests(
    remote: Path, github_sandbox: GitHubSandbox, repo: Repository
) -> None:
    github_sandbox.pulls.reset()
    control = f"{github_sandbox.base_url}/_sandbox/github/repos/acme/app"
    answer = requests.post(control + "/git", json={"path": str(remote)}, timeout=5)
    assert answer.status_code == 200
    repo.create_pull(base="main", head="fix", title="Fix", body="b")
    listed = requests.get(control + "/pulls", timeout=5).json()
    assert [(p["head"], p["base"], p["state"], p["title"]) for p in listed] == [
        ("fix", "main", "open", "Fix")
    ]


def test_the_state_file_keeps_pull_requests_and_the_git_repository(
    tmp_path: Path, remote: Path
) -> None:
    state = tmp_path / "sandbox.json"
    with GitHubSandbox(state_file=state, token="t0k") as first:
        first.pulls.set_git_remote("acme/app", remote)
        gh = Github(base_url=first.base_url, auth=Auth.Token("t0k"))
        number = gh.get_repo("acme/app").create_pull(base="main", head="fix", title="Fix").number
    with GitHubSandbox(state_file=state, token="t0k") as second:
        gh = Github(base_url=second.base_url, auth=Auth.Token("t0k"))
        again = gh.get_repo("acme/app").get_pull(number)
        assert (again.title, again.head.ref, again.head.sha) == (
            "Fix",
            "fix",
            git(remote, "rev-parse", "fix"),
        )
