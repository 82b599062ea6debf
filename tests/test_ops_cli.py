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


def tracker(workspace: Path, *args: str, timeout: float = 60) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("TRACKER_")}
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
