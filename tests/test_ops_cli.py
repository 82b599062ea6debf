"""Nightly operation through the CLI: the run lock, the scheduler process, `tracker status`."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import textwrap
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

DOC = """\
# Postmortem: Queue backlog

## Action Items

| Action | Owner | Due | Status |
| ------ | ----- | --- | ------ |
| Alert on queue depth | @alice | 2026-01-10 | Open |
| Autoscale consumers | TBD | 2027-02-01 | Done |
"""

HOLDER = textwrap.dedent(
    """
    import sys, time
    from tracker.lock import run_lock
    with run_lock(sys.argv[1]):
        print("locked", flush=True)
        time.sleep(120)
    """
)


@pytest.fixture
def workspace(tmp_path: Path) -> Path:
    (tmp_path / "postmortems").mkdir()
    (tmp_path / "postmortems" / "queue.md").write_text(DOC, encoding="utf-8")
    (tmp_path / "tracker.toml").write_text(
        '[documents]\npaths = ["postmortems"]\n\n[schedule]\nsync_at = ["02:00"]\n',
        encoding="utf-8",
    )
    return tmp_path


def tracker(
    workspace: Path, *args: str, timeout: float = 60, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    base = {k: v for k, v in os.environ.items() if not k.startswith(("TRACKER_", "COLUMNS"))}
    env = {**base, **(env or {})}
    return subprocess.run(
        [sys.executable, "-m", "tracker", *args],
        cwd=workspace,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


@pytest.fixture
def lock_holder(workspace: Path) -> Iterator[subprocess.Popen[str]]:
    (workspace / ".tracker").mkdir(exist_ok=True)
    url = f"sqlite:///{workspace / '.tracker' / 'tracker.db'}"
    process = subprocess.Popen(
        [sys.executable, "-c", HOLDER, url], stdout=subprocess.PIPE, text=True
    )
    assert process.stdout is not None and process.stdout.readline().strip() == "locked"
    yield process
    process.kill()
    process.wait(timeout=10)


def test_sync_while_another_run_holds_the_lock_exits_3_naming_it(
    workspace: Path, lock_holder: subprocess.Popen[str]
) -> None:
    result = tracker(workspace, "sync")
    assert result.returncode == 3
    assert f"pid {lock_holder.pid}" in result.stderr
    assert "another tracker sync is running" in result.stderr


def test_dry_run_is_not_blocked_by_the_lock(
    workspace: Path, lock_holder: subprocess.Popen[str]
) -> None:
    result = tracker(workspace, "sync", "--dry-run")
    assert result.returncode == 0, result.stderr
    assert "2 items in 1 documents" in result.stdout


def test_sync_after_the_holder_died_takes_the_lock_over(
    workspace: Path, lock_holder: subprocess.Popen[str]
) -> None:
    os.kill(lock_holder.pid, signal.SIGKILL)
    lock_holder.wait(timeout=10)
    result = tracker(workspace, "sync")
    assert result.returncode == 0, result.stderr


def _runs(workspace: Path) -> list[tuple[str, str]]:
    database = workspace / ".tracker" / "tracker.db"
    if not database.exists():
        return []
    with sqlite3.connect(database) as connection:
        try:
            return connection.execute("SELECT kind, outcome FROM sync_run ORDER BY id").fetchall()
        except sqlite3.OperationalError:
            return []


def test_scheduler_catches_up_a_missed_run_and_exits_0_on_sigterm(workspace: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("TRACKER_")}
    process = subprocess.Popen(
        [sys.executable, "-m", "tracker", "schedule"],
        cwd=workspace,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and ("sync", "ok") not in _runs(workspace):
            time.sleep(0.2)  # waiting for the child process, not for a schedule slot
        assert ("sync", "ok") in _runs(workspace)
        process.send_signal(signal.SIGTERM)
        out, err = process.communicate(timeout=30)
    finally:
        if process.poll() is None:
            process.kill()
    assert process.returncode == 0, err
    assert "next sync:" in out
    assert "scheduler stopped" in out


def test_status_lists_the_last_runs_and_the_next_ones(workspace: Path) -> None:
    assert tracker(workspace, "sync").returncode == 0
    result = tracker(workspace, "status")
    assert result.returncode == 0, result.stderr
    assert "sync" in result.stdout
    assert "ok" in result.stdout
    assert "next sync:" in result.stdout
    assert "next digest:" in result.stdout


def test_status_at_80_columns_cuts_nothing_short(workspace: Path) -> None:
    assert tracker(workspace, "sync").returncode == 0
    result = tracker(workspace, "status", env={"COLUMNS": "80"})
    assert result.returncode == 0, result.stderr
    assert max(len(line) for line in result.stdout.splitlines()) <= 80
    assert "…" not in result.stdout
    assert "documents 1, new 2" in result.stdout


def test_status_in_a_pipe_renders_wider_than_80_columns(workspace: Path) -> None:
    assert tracker(workspace, "sync").returncode == 0
    result = tracker(workspace, "status")
    assert "host/pid" in result.stdout  # the wide layout's column
    assert max(len(line) for line in result.stdout.splitlines()) > 80


def test_status_without_runs_says_so_and_still_shows_the_next_slots(workspace: Path) -> None:
    result = tracker(workspace, "status")
    assert result.returncode == 0, result.stderr
    assert "no runs recorded yet" in result.stdout
    assert "┏" not in result.stdout  # no empty table
    assert "next sync:" in result.stdout


@pytest.mark.parametrize(
    "command", [("status",), ("remind", "--dry-run", "--no-comments")], ids=" ".join
)
def test_reading_commands_create_no_store(workspace: Path, command: tuple[str, ...]) -> None:
    result = tracker(workspace, *command)
    assert result.returncode == 0, result.stderr
    assert not (workspace / ".tracker").exists()


def test_report_without_a_store_is_a_one_line_error_and_creates_nothing(
    workspace: Path,
) -> None:
    result = tracker(workspace, "report")
    assert result.returncode == 2
    assert result.stderr.strip().splitlines() == [
        f"error: no store yet at {workspace / '.tracker' / 'tracker.db'}; run `tracker sync` first"
    ]
    assert not (workspace / ".tracker").exists()


def test_remind_with_nothing_due_says_so_without_a_table(workspace: Path) -> None:
    (workspace / "postmortems" / "queue.md").write_text(
        DOC.replace("@alice | 2026-01-10 | Open", "@alice | 2026-01-10 | Done"), encoding="utf-8"
    )
    assert tracker(workspace, "sync").returncode == 0
    result = tracker(workspace, "remind", "--dry-run", "--no-comments")
    assert result.returncode == 0, result.stderr
    assert "nothing to remind" in result.stdout
    assert "┏" not in result.stdout


def test_remind_dry_run_leaves_no_lock_file(workspace: Path) -> None:
    assert tracker(workspace, "sync").returncode == 0
    before = set((workspace / ".tracker").iterdir())
    result = tracker(workspace, "remind", "--dry-run", "--no-comments")
    assert result.returncode == 0, result.stderr
    assert "would" in result.stdout or "digest only" in result.stdout
    assert set((workspace / ".tracker").iterdir()) == before
