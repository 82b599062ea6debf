"""The editor's save: atomic, never over someone's edit, and no leftovers from a kill."""

from __future__ import annotations

import os
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
from tracker_github.sandbox.server import GitHubSandbox
from tracker_jira.sandbox.server import JiraSandbox

from tests.sync_support import EN_DOC, SyncWorld
from tracker import docsave
from tracker.editor import DocumentEditor
from tracker.errors import StaleDocumentError

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


def _dead_pid() -> int:
    child = subprocess.Popen(["true"])
    child.wait()
    return child.pid


def test_a_fresh_temporary_file_of_a_dead_process_is_removed_by_an_immediate_rerun(
    world: SyncWorld,
) -> None:
    name = f".en.md.p{_dead_pid()}.k3x9_q2a.tmp"
    leftover = _leave(world, name, age=0)
    result = world.sync()
    assert not leftover.exists()
    assert any(name in w for w in result.warnings)


def test_a_fresh_temporary_file_of_a_live_process_is_kept(world: SyncWorld) -> None:
    kept = _leave(world, f".en.md.p{os.getppid()}.k3x9_q2a.tmp", age=0)
    world.sync()
    assert kept.exists()


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


# ----- an edit landing between the last check and the rename --------------------------

TABLE = """\
## Action Items

| Action | Owner | Ticket |
| ------ | ----- | ------ |
| Alert on pool saturation | @bob | |
"""


def _editor(tmp_path: Path) -> tuple[Path, DocumentEditor]:
    path = tmp_path / "pm.md"
    path.write_text(TABLE, encoding="utf-8")
    editor = DocumentEditor.open(path)
    editor.set_cell(editor.postmortem.items[0].id, "ticket", "ENG-7")
    return path, editor


def _temporary_files(folder: Path) -> list[str]:
    return [entry.name for entry in folder.iterdir() if entry.name.endswith(".tmp")]


@pytest.mark.parametrize("how", ["in place", "by rename"])
def test_an_edit_landing_just_before_the_rename_survives_and_the_save_is_refused(
    tmp_path: Path, how: str
) -> None:
    path, editor = _editor(tmp_path)
    users = TABLE.replace("@bob", "@carol")

    def edit() -> None:  # the user's editor saves between tracker's last check and rename
        if how == "in place":
            with path.open("r+", encoding="utf-8") as stream:
                stream.write(users)
        else:
            (tmp_path / "pm.md~").write_text(users, encoding="utf-8")
            os.replace(tmp_path / "pm.md~", path)

    with pytest.raises(StaleDocumentError, match="edited while tracker saved it"):
        editor.save(before_replace=edit)
    assert path.read_text(encoding="utf-8") == users
    assert _temporary_files(tmp_path) == []


def test_a_document_removed_just_before_the_rename_is_not_recreated(tmp_path: Path) -> None:
    path, editor = _editor(tmp_path)
    with pytest.raises(StaleDocumentError):
        editor.save(before_replace=path.unlink)
    assert not path.exists()
    assert _temporary_files(tmp_path) == []


def test_an_undisturbed_save_writes_and_leaves_no_temporary_file(tmp_path: Path) -> None:
    path, editor = _editor(tmp_path)
    path.chmod(0o640)
    assert editor.save(before_replace=lambda: None)
    assert "| ENG-7 |" in path.read_text(encoding="utf-8")
    assert path.stat().st_mode & 0o777 == 0o640
    assert _temporary_files(tmp_path) == []


def test_without_an_atomic_exchange_the_last_check_sits_right_before_the_rename(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(docsave, "_exchange", lambda first, second: False)
    path, editor = _editor(tmp_path)
    users = TABLE.replace("@bob", "@carol")
    with pytest.raises(StaleDocumentError):
        editor.save(before_replace=lambda: path.write_text(users, encoding="utf-8"))
    assert path.read_text(encoding="utf-8") == users
    assert _temporary_files(tmp_path) == []


def test_sync_killed_inside_a_save_leaves_a_temporary_file_the_next_run_removes(
    world: SyncWorld,
) -> None:
    killed = world.cli(extra_env={docsave.CRASH_HOOK_ENV: "save"})
    assert killed.returncode == -9
    (leftover,) = [world.docs / name for name in _temporary_files(world.docs)]
    assert "/browse/ENG-" not in world.read("en.md")
    os.utime(leftover, (leftover.stat().st_mtime - 3600,) * 2)  # the next night
    again = world.cli()
    assert again.returncode == 0, again.stdout + again.stderr
    assert _temporary_files(world.docs) == []
    assert "interrupted save" in again.stdout
    assert world.read("en.md").count("/browse/ENG-") == 3


def test_a_symlinked_document_is_written_through_and_stays_a_symlink(tmp_path: Path) -> None:
    real_folder = tmp_path / "shared"
    real_folder.mkdir()
    path, _ = _editor(real_folder)
    link = tmp_path / "linked.md"
    link.symlink_to(path)
    editor = DocumentEditor.open(link)
    editor.set_cell(editor.postmortem.items[0].id, "ticket", "ENG-7")
    assert editor.save(before_replace=lambda: None)
    assert link.is_symlink()
    assert "| ENG-7 |" in path.read_text(encoding="utf-8")
    assert _temporary_files(tmp_path) == [] and _temporary_files(real_folder) == []
