"""The editor's save: atomic, never over someone's edit, and no leftovers from a kill."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.sync_support import EN_DOC, SyncWorld
from tracker.sandbox.github import GitHubSandbox
from tracker.sandbox.jira import JiraSandbox

LEFTOVER = ".en.md.k3x9_q2a.tmp"


@pytest.fixture
def world(
    tmp_path: Path, jira_sandbox: JiraSandbox, github_sandbox: GitHubSandbox
) -> Iterator[SyncWorld]:
    created = SyncWorld(tmp_path, jira_sandbox, github_sandbox)
    created.write("en.md", EN_DOC)
    yield created
    created.close()


def _leave(world: SyncWorld, name: str, *, age: float = 3600) -> Path:
    """A temporary file as a save killed `age` seconds ago leaves it."""
    path = world.docs / name
    path.write_text(EN_DOC[:40], encoding="utf-8")
    stamp = path.stat().st_mtime - age
    os.utime(path, (stamp, stamp))
    return path


def test_a_killed_saves_temporary_file_is_removed_by_the_next_run_which_says_so(
    world: SyncWorld,
) -> None:
    leftover = _leave(world, LEFTOVER)
    result = world.sync()
    assert not leftover.exists()
    assert any(LEFTOVER in w and "interrupted save" in w for w in result.warnings)


def test_a_dry_run_leaves_temporary_files_alone(world: SyncWorld) -> None:
    leftover = _leave(world, LEFTOVER)
    world.sync(dry_run=True)
    assert leftover.exists()


def test_files_that_only_look_like_leftovers_are_kept(world: SyncWorld) -> None:
    kept = [
        _leave(world, ".en.md.notes.tmp"),  # not tempfile's 8 characters
        _leave(world, ".gone.md.k3x9_q2a.tmp"),  # no such document beside it
        _leave(world, LEFTOVER, age=0),  # a save in progress right now
        _leave(world, "en.md.k3x9_q2a.tmp"),  # not hidden: not tracker's
    ]
    result = world.sync()
    assert all(path.exists() for path in kept)
    assert not [w for w in result.warnings if "interrupted save" in w]
