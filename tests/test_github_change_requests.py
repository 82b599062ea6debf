"""The GitHub connector's `open_change_request`: one pull request per branch, paced
like every content creation. Real PyGithub against the sandbox, a real bare repo."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
from github import Auth, Github
from tracker_github.connector import GitHubConnector
from tracker_github.sandbox.server import GitHubSandbox


def git(folder: Path, *args: str) -> None:
    subprocess.run(["git", *args], cwd=folder, capture_output=True, text=True, check=True)


@pytest.fixture
def remote(tmp_path: Path, github_sandbox: GitHubSandbox) -> Path:
    """A bare repository with `main` and branches `one` and `two`, each a commit ahead."""
    bare, work = tmp_path / "app.git", tmp_path / "work"
    git(tmp_path, "init", "-q", "--bare", "-b", "main", str(bare))
    git(tmp_path, "init", "-q", "-b", "main", str(work))
    git(work, "config", "user.email", "t@example.com")
    git(work, "config", "user.name", "Test")
    (work / "a.md").write_text("one\n")
    git(work, "add", "a.md")
    git(work, "commit", "-q", "-m", "one")
    for branch in ("one", "two"):
        git(work, "checkout", "-q", "-b", branch, "main")
        (work / "a.md").write_text(f"on {branch}\n")
        git(work, "commit", "-q", "-am", branch)
    git(work, "push", "-q", str(bare), "main", "one", "two")
    github_sandbox.pulls.set_git_remote("acme/app", bare)
    return bare


class FakeTime:
    """The pacer's clock and sleep: waiting moves the clock, and is recorded."""

    def __init__(self) -> None:
        self.now = 1000.0
        self.waits: list[float] = []

    def clock(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.waits.append(seconds)
        self.now += seconds


def connector(sandbox: GitHubSandbox, time: FakeTime, per_minute: float = 0) -> GitHubConnector:
    settings = {
        "url": sandbox.base_url,
        "token": "${GH_TOKEN}",
        "creations_per_minute": per_minute,
    }
    return GitHubConnector.from_settings(
        settings, env={"GH_TOKEN": sandbox.token}, sleep=time.sleep, clock=time.clock
    )


def test_a_pull_request_is_opened_then_updated_then_left_alone(
    remote: Path, github_sandbox: GitHubSandbox
) -> None:
    gh = connector(github_sandbox, FakeTime())
    opened = gh.open_change_request("acme/app", "one", "main", "Links", "first")
    updated = gh.open_change_request("acme/app", "one", "main", "Links", "second")
    unchanged = gh.open_change_request("acme/app", "one", "main", "Links", "second")
    assert (opened.action, updated.action, unchanged.action) == ("opened", "updated", "unchanged")
    assert opened.number == updated.number == unchanged.number
    assert opened.url.endswith(f"/acme/app/pull/{opened.number}")
    listed = github_sandbox.pulls.pull_requests("acme/app")
    assert [(p["head"], p["body"]) for p in listed] == [("one", "second")]


def test_a_pull_request_opened_by_hand_for_the_branch_is_updated_not_duplicated(
    remote: Path, github_sandbox: GitHubSandbox
) -> None:
    client = Github(base_url=github_sandbox.base_url, auth=Auth.Token(github_sandbox.token))
    by_hand = client.get_repo("acme/app").create_pull(base="main", head="one", title="Mine")
    request = connector(github_sandbox, FakeTime()).open_change_request(
        "acme/app", "one", "main", "Links", "body"
    )
    assert (request.number, request.action) == (by_hand.number, "updated")
    assert len(github_sandbox.pulls.pull_requests("acme/app")) == 1


def test_opening_pull_requests_goes_through_the_creation_pacer(
    remote: Path, github_sandbox: GitHubSandbox
) -> None:
    time = FakeTime()
    gh = connector(github_sandbox, time, per_minute=1)
    gh.open_change_request("acme/app", "one", "main", "One", "")
    gh.open_change_request("acme/app", "two", "main", "Two", "")
    assert time.waits and sum(time.waits) >= 59  # one creation a minute
