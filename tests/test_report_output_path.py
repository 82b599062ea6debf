"""`report --output` writes regular files only: devices, pipes and folders are refused,
a symlink is written through to its file, and nothing is ever turned into something else."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest

from tracker.errors import TrackerError
from tracker.report.output import write_atomically


def test_a_device_is_refused_and_left_a_device(tmp_path: Path) -> None:
    with pytest.raises(TrackerError, match="is a character device, not a file"):
        write_atomically(Path("/dev/null"), "report")
    assert stat.S_ISCHR(os.stat("/dev/null").st_mode)


def test_a_named_pipe_is_refused(tmp_path: Path) -> None:
    pipe = tmp_path / "pipe"
    os.mkfifo(pipe)
    with pytest.raises(TrackerError, match="is a named pipe, not a file"):
        write_atomically(pipe, "report")
    assert stat.S_ISFIFO(os.stat(pipe).st_mode)


def test_a_folder_is_refused(tmp_path: Path) -> None:
    with pytest.raises(TrackerError, match="is a folder, not a file"):
        write_atomically(tmp_path, "report")


def test_a_symlink_is_written_through_and_stays_a_symlink(tmp_path: Path) -> None:
    real = tmp_path / "real.md"
    real.write_text("old", encoding="utf-8")
    link = tmp_path / "link.md"
    link.symlink_to(real)
    write_atomically(link, "new")
    assert link.is_symlink()
    assert real.read_text(encoding="utf-8") == "new"


def test_a_missing_folder_is_an_error_not_created(tmp_path: Path) -> None:
    with pytest.raises(TrackerError, match="does not exist"):
        write_atomically(tmp_path / "nowhere" / "r.md", "report")
    assert not (tmp_path / "nowhere").exists()


def test_a_regular_file_is_replaced_whole(tmp_path: Path) -> None:
    target = tmp_path / "r.md"
    target.write_text("old report", encoding="utf-8")
    write_atomically(target, "new")
    assert target.read_text(encoding="utf-8") == "new"
    assert [p.name for p in tmp_path.iterdir()] == ["r.md"]
