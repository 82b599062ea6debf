"""`--commit` commits what tracker wrote, even when the run that wrote it was killed."""

from __future__ import annotations

import hashlib
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
from tracker_github.sandbox.server import GitHubSandbox
from tracker_jira.sandbox.server import JiraSandbox

from tests.sync_support import EN_DOC, ZH_DOC, SyncWorld
from tracker.sync.git import CRASH_HOOK_ENV, WrittenLog


@pytest.fixture
def world(
    tmp_path: Path, jira_sandbox: JiraSandbox, github_sandbox: GitHubSandbox
) -> Iterator[SyncWorld]:
    created = SyncWorld(tmp_path, jira_sandbox, github_sandbox)
    created.write("en.md", EN_DOC)
    created.write("zh.md", ZH_DOC)
    git(created, "init", "-q")
    git(created, "config", "user.email", "t@example.com")
    git(created, "config", "user.name", "Test")
    git(created, "add", "postmortems")
    git(created, "commit", "-q", "-m", "docs")
    yield created
    created.close()


def git(world: SyncWorld, *args: str) -> str:
    return subprocess.run(
        ["git", *args], cwd=world.folder, capture_output=True, text=True, check=True
    ).stdout


def test_commit_after_a_run_killed_between_write_back_and_commit_commits_its_documents(
    world: SyncWorld,
) -> None:
    killed = world.cli("--commit", extra_env={CRASH_HOOK_ENV: "write-back"})
    assert killed.returncode == -9
    assert "/browse/ENG-" in world.read("en.md")  # written, not committed
    assert git(world, "log", "--format=%s").count("tracker sync") == 0

    again = world.cli("--commit")
    assert again.returncode == 0, again.stdout + again.stderr
    assert "0 documents written" in again.stdout
    assert "committed 2 document(s)" in again.stdout
    assert git(world, "status", "--porcelain", "--", "postmortems") == ""
    assert "/browse/ENG-" in git(world, "show", "HEAD:postmortems/en.md")


def test_commit_never_includes_the_users_other_changes(world: SyncWorld) -> None:
    (world.folder / "notes.txt").write_text("draft\n")
    git(world, "add", "notes.txt")  # staged by the user, not for tracker to commit
    assert world.sync(commit=True).commit
    assert git(world, "show", "--name-only", "--format=", "HEAD").split() == [
        "postmortems/en.md",
        "postmortems/zh.md",
    ]
    assert git(world, "status", "--porcelain", "--", "notes.txt").startswith("A ")


def test_a_document_edited_after_tracker_wrote_it_is_committed_as_it_is_with_a_warning(
    world: SyncWorld,
) -> None:
    world.cli("--commit", extra_env={CRASH_HOOK_ENV: "write-back"})
    edited = world.read("en.md") + "\nA note added by hand.\n"
    world.write("en.md", edited)
    result = world.sync(commit=True)
    assert any(
        "en.md: edited after tracker wrote it; committed as it is" in w for w in result.warnings
    )
    assert git(world, "show", "HEAD:postmortems/en.md") == edited


def test_a_save_that_never_happened_commits_nothing_and_is_forgotten(world: SyncWorld) -> None:
    world.sync(commit=True)
    head = git(world, "rev-parse", "HEAD")
    log = WrittenLog(world.store)
    digest = hashlib.sha256((world.docs / "en.md").read_bytes()).hexdigest()
    log.add(str(world.docs / "en.md"), digest, "0" * 64)  # noted, killed before the save
    result = world.sync(commit=True)
    assert result.commit is None
    assert git(world, "rev-parse", "HEAD") == head
    assert log.pending() == []
