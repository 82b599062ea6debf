"""`tracker demo` end to end: the README's main job, in a real subprocess."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest


@pytest.fixture(scope="module")
def demo_run(
    tmp_path_factory: pytest.TempPathFactory,
) -> tuple[subprocess.CompletedProcess[str], Path]:
    folder = tmp_path_factory.mktemp("demo") / "run"
    env = {**os.environ, "COLUMNS": "200"}
    result = subprocess.run(
        [sys.executable, "-m", "tracker", "demo", "--dir", str(folder)],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
        check=False,
    )
    return result, folder


def test_demo_finishes_successfully_and_stops_everything(
    demo_run: tuple[subprocess.CompletedProcess[str], Path],
) -> None:
    result, _ = demo_run
    assert result.returncode == 0, result.stderr
    assert "sandboxes stopped; nothing left running." in result.stdout


def test_first_sync_files_a_ticket_per_item_in_jira_and_github(
    demo_run: tuple[subprocess.CompletedProcess[str], Path],
) -> None:
    result, _ = demo_run
    assert "14 tickets created" in result.stdout
    assert "tickets now: 7 in Jira, 7 in GitHub" in result.stdout


def test_documents_carry_links_and_statuses_from_the_week(
    demo_run: tuple[subprocess.CompletedProcess[str], Path],
) -> None:
    _, folder = demo_run
    docs = folder / "postmortems"
    checkout = (docs / "2026-payments-checkout-certificate.md").read_text(encoding="utf-8")
    assert "[ENG-1](" in checkout
    assert "In Progress" in checkout
    dns = (docs / "2026-platform-dns-saturation.md").read_text(encoding="utf-8")
    assert "✅ Done" in dns
    assert "Won't Do" in dns
    chinese = (docs / "2026-storage-database-failover-zh.md").read_text(encoding="utf-8")
    assert "已完成" in chinese
    assert "[OPS-1](" in chinese


def test_edited_action_updates_its_ticket_instead_of_filing_a_new_one(
    demo_run: tuple[subprocess.CompletedProcess[str], Path],
) -> None:
    result, _ = demo_run
    second_sync = result.stdout.split("3. Sync again")[1]
    assert "0 tickets created" in second_sync
    assert "1 tickets updated" in second_sync


def test_demo_shows_the_diff_and_the_report_and_writes_html(
    demo_run: tuple[subprocess.CompletedProcess[str], Path],
) -> None:
    result, folder = demo_run
    assert "+++ b/2026-storage-database-failover-zh.md" in result.stdout
    assert "Overdue" in result.stdout
    html = (folder / "report.html").read_text(encoding="utf-8")
    assert "<svg" in html


def test_demo_refuses_a_folder_that_is_not_empty(tmp_path: Path) -> None:
    (tmp_path / "keep.md").write_text("mine")
    result = subprocess.run(
        [sys.executable, "-m", "tracker", "demo", "--dir", str(tmp_path)],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 2
    assert "not empty" in result.stderr
    assert (tmp_path / "keep.md").read_text() == "mine"
