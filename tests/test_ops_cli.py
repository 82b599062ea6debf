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
from datetime import UTC, datetime
from pathlib import Path

import pytest
import time_machine

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


def _age_runs(workspace: Path, days: int) -> None:
    """Move every recorded run `days` into the past (as if the scheduler had been down)."""
    with sqlite3.connect(workspace / ".tracker" / "tracker.db") as connection:
        for column in ("started_at", "finished_at"):
            connection.execute(f"UPDATE sync_run SET {column} = datetime({column}, '-{days} days')")


def _start_scheduler(workspace: Path) -> subprocess.Popen[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("TRACKER_")}
    return subprocess.Popen(
        [sys.executable, "-m", "tracker", "schedule"],
        cwd=workspace,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def _stop(process: subprocess.Popen[str]) -> tuple[str, str]:
    process.send_signal(signal.SIGTERM)
    try:
        return process.communicate(timeout=30)
    finally:
        if process.poll() is None:
            process.kill()


def _wait_for_line(process: subprocess.Popen[str], text: str) -> list[str]:
    """Lines the scheduler printed up to the one containing `text` (60 s at most)."""
    assert process.stdout is not None
    seen: list[str] = []
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        line = process.stdout.readline()
        if not line:
            break
        seen.append(line.rstrip("\n"))
        if text in line:
            return seen
    raise AssertionError(f"{text!r} not printed; got {seen}")


def test_scheduler_with_catch_up_runs_a_missed_slot_and_exits_0_on_sigterm(
    workspace: Path,
) -> None:
    (workspace / "tracker.toml").write_text(
        '[documents]\npaths = ["postmortems"]\n\n[schedule]\nsync_at = ["02:00"]\n'
        "catch_up = true\n",
        encoding="utf-8",
    )
    assert tracker(workspace, "sync").returncode == 0
    _age_runs(workspace, days=2)
    process = _start_scheduler(workspace)
    try:
        lines = _wait_for_line(process, "sync finished")
    finally:
        out, err = _stop(process)
    assert process.returncode == 0, err
    assert any("next sync:" in line for line in lines)
    announced = [line for line in lines if "sync for slot " in line]
    assert len(announced) == 1 and "02:00 UTC: postmortems" in announced[0]
    assert _runs(workspace) == [("sync", "ok"), ("sync", "ok")]
    assert "scheduler stopped" in out


def test_scheduler_without_catch_up_says_a_slot_was_missed_and_runs_nothing(
    workspace: Path,
) -> None:
    assert tracker(workspace, "sync").returncode == 0
    _age_runs(workspace, days=2)
    process = _start_scheduler(workspace)
    try:
        lines = _wait_for_line(process, "missed sync slot")
    finally:
        out, err = _stop(process)
    assert process.returncode == 0, err
    assert "set catch_up = true in [schedule]" in lines[-1]
    assert "sync for slot" not in out
    assert _runs(workspace) == [("sync", "ok")]


def test_scheduler_without_a_schedule_section_refuses_to_start(workspace: Path) -> None:
    (workspace / "tracker.toml").write_text(
        '[documents]\npaths = ["postmortems"]\n', encoding="utf-8"
    )
    result = tracker(workspace, "schedule", timeout=30)
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and "no [schedule] sync_at or digest_at" in lines[0]
    assert not (workspace / ".tracker").exists()


def test_status_lists_the_last_runs_and_the_next_ones(workspace: Path) -> None:
    assert tracker(workspace, "sync").returncode == 0
    result = tracker(workspace, "status")
    assert result.returncode == 0, result.stderr
    assert "sync" in result.stdout
    assert "ok" in result.stdout
    assert "next sync:" in result.stdout
    assert "next digest:" not in result.stdout  # [schedule] has no digest_at


def test_status_at_80_columns_cuts_nothing_short(workspace: Path) -> None:
    assert tracker(workspace, "sync").returncode == 0
    result = tracker(workspace, "status", env={"COLUMNS": "80"})
    assert result.returncode == 0, result.stderr
    assert max(len(line) for line in result.stdout.splitlines()) <= 80
    assert "…" not in result.stdout
    assert "1 documents, 2 new items" in result.stdout


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


def test_digest_job_first_says_its_slot_and_what_it_will_post(workspace: Path) -> None:
    from rich.console import Console

    from tracker.cli.schedule import _digest_announcement, _guarded
    from tracker.config import load_config

    (workspace / "postmortems" / "queue.md").write_text(
        "# Postmortem: Queue backlog\n\n## Action Items\n\n"
        "| Action | Owner | Due | Status | Ticket |\n| --- | --- | --- | --- | --- |\n"
        "| Alert on queue depth | @alice | 2026-01-10 | Open | ENG-7 |\n"
        "| Autoscale consumers | @bob | 2027-02-01 | Open | |\n",
        encoding="utf-8",
    )
    from tracker.cli.sync import run_sync_once

    with time_machine.travel(datetime(2026, 11, 29, 2, 0, tzinfo=UTC), tick=False):
        # recording only (no connectors yet), the night before the digest
        assert run_sync_once(load_config(workspace / "tracker.toml", env={}), None) == 0
    (workspace / "tracker.toml").write_text(
        '[documents]\npaths = ["postmortems"]\n\n[schedule]\ndigest_at = "monday 09:00"\n\n'
        '[connectors.jira]\nurl = "http://127.0.0.1:9"\nemail = "bot@example.com"\n'
        'token = "${NO_SUCH_TOKEN_VARIABLE}"\n',
        encoding="utf-8",
    )
    config = load_config(workspace / "tracker.toml", env={})
    console = Console(record=True, width=200)
    ran: list[str] = []
    job = _guarded("digest", lambda: ran.append("ran"), console, _digest_announcement(config))
    with time_machine.travel(datetime(2026, 11, 30, 9, 0, 5, tzinfo=UTC), tick=False):
        job(datetime(2026, 11, 30, 9, 0, tzinfo=UTC))
    printed = console.export_text()
    assert "digest for slot Mon 2026-11-30 09:00 UTC: 1 comment on tickets, 1 digest" in printed
    assert ran == ["ran"]
    assert printed.index("digest for slot") < printed.index("digest finished")


def test_status_without_a_schedule_section_says_nothing_is_scheduled(workspace: Path) -> None:
    (workspace / "tracker.toml").write_text('[documents]\npaths = ["postmortems"]\n')
    result = tracker(workspace, "status")
    assert result.returncode == 0, result.stderr
    assert "nothing scheduled (no [schedule] sync_at or digest_at" in result.stdout
    assert "next " not in result.stdout


def test_run_counts_read_as_words_without_the_plan_kinds_an_outcome_repeats() -> None:
    from tracker.cli.schedule import plain_counts

    counts = {"create": 14, "created": 14, "documents_written": 4, "nothing": 2, "skip": 1}
    assert plain_counts(counts) == (
        "14 tickets created, 4 documents written, 1 skipped, 2 already in step"
    )
