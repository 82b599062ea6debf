"""`tracker demo` end to end: the README's main job, in a real subprocess."""

from __future__ import annotations

import importlib.util
import os
import re
import subprocess
import sys
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from tracker_sandbox.demo import run

from tracker.config import load_config

# The demo adds a GitLab team when tracker-gitlab is installed (`./dev setup` installs it).
GITLAB = importlib.util.find_spec("tracker_gitlab") is not None


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


def test_first_sync_files_a_ticket_per_item_in_every_installed_system(
    demo_run: tuple[subprocess.CompletedProcess[str], Path],
) -> None:
    result, _ = demo_run
    if GITLAB:
        assert "17 tickets created" in result.stdout
        assert "tickets now: 7 in Jira, 7 in GitHub, 3 in GitLab" in result.stdout
    else:
        assert "14 tickets created" in result.stdout
        assert "tickets now: 7 in Jira, 7 in GitHub\n" in result.stdout


@pytest.mark.skipif(not GITLAB, reason="tracker-gitlab is not installed")
def test_a_gitlab_issue_closed_during_the_week_ticks_its_checkbox(
    demo_run: tuple[subprocess.CompletedProcess[str], Path],
) -> None:
    result, folder = demo_run
    assert "GitLab acme/platform/api#1 closed" in _section(result.stdout, 2)
    paging = (folder / "postmortems" / "2026-observability-paging-outage.md").read_text(
        encoding="utf-8"
    )
    assert re.search(
        r"- \[x\] Page the secondary provider .*\[#1\]\(http://127\.0\.0\.1:\d+/"
        r"acme/platform/api/-/issues/1\)",
        paging,
    )
    assert "- [ ] Alert when no page is acknowledged" in paging


def test_without_tracker_gitlab_the_demo_has_no_gitlab_team(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    installed = run.load_sandbox

    def without_gitlab(name: str) -> object:
        if name == "gitlab":
            raise LookupError("no sandbox named 'gitlab' is installed")
        return installed(name)

    monkeypatch.setattr(run, "load_sandbox", without_gitlab)
    with run.demo_world(tmp_path / "demo", datetime(2026, 11, 1, tzinfo=UTC)) as world:
        assert world.gitlab is None
        assert "gitlab" not in (world.folder / "tracker.toml").read_text(encoding="utf-8")
        config = load_config(world.folder / "tracker.toml", env={**os.environ, **world.env})
        assert [team.name for team in config.teams] == ["payments", "storage", "platform", "search"]
        assert len(list(world.documents.glob("*.md"))) == 4


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
    second_sync = _section(result.stdout, 3)
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


def _section(output: str, number: int) -> str:
    """The demo's step `number`: from its heading to the next step's (or the end)."""
    after = re.split(rf"─ {number}\. ", output, maxsplit=1)[1]
    return re.split(rf"─ {number + 1}\. ", after, maxsplit=1)[0]


def _teams_table(output: str) -> list[str]:
    """The report's first table ("Teams as of …" to its bottom border)."""
    lines = output.splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith("Teams as of"))
    end = next(i for i in range(start, len(lines)) if lines[i].startswith("└"))
    return [line.rstrip() for line in lines[start : end + 1]]


def _in_demo_folder(folder: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("TRACKER_")}
    return subprocess.run(
        [sys.executable, "-m", "tracker", *args],
        cwd=folder,
        capture_output=True,
        text=True,
        env={**env, "COLUMNS": "200"},
        timeout=60,
        check=False,
    )


def test_report_in_the_demo_folder_afterwards_shows_what_the_demo_printed(
    demo_run: tuple[subprocess.CompletedProcess[str], Path],
) -> None:
    result, folder = demo_run
    report = _in_demo_folder(folder, "report")
    assert report.returncode == 0, report.stderr
    assert _teams_table(report.stdout) == _teams_table(_section(result.stdout, 7))


def test_status_in_the_demo_folder_shows_the_syncs_a_week_apart_ending_today(
    demo_run: tuple[subprocess.CompletedProcess[str], Path],
) -> None:
    result, folder = demo_run
    status = _in_demo_folder(folder, "status")
    assert status.returncode == 0, status.stderr
    started = [
        datetime.fromisoformat(match)
        for match in re.findall(r"│ sync +│ (\d{4}-\d\d-\d\d \d\d:\d\d:\d\d)", status.stdout)
    ]
    assert len(started) == 3  # the first sync, a week later the second, then the proposal
    last, _, first = started  # newest first
    assert timedelta(days=7) <= last - first < timedelta(days=7, minutes=5)
    as_of = re.search(r"Teams as of (\d{4}-\d\d-\d\d)", result.stdout)
    assert as_of is not None and last.date().isoformat() == as_of.group(1)


def test_undated_p1_item_gets_a_derived_slo_due_date_in_the_report(
    demo_run: tuple[subprocess.CompletedProcess[str], Path],
) -> None:
    result, folder = demo_run
    report = _section(result.stdout, 7)
    as_of = re.search(r"Teams as of (\d{4}-\d\d-\d\d)", report)
    assert as_of is not None
    # the postmortem is dated 37 days ago; [policy] gives a P1 28 days from that date
    derived = date.fromisoformat(as_of.group(1)) - timedelta(days=9)
    row = next(line for line in report.splitlines() if "trust-store update" in line)
    assert f"{derived.isoformat()} (SLO)" in row
    checkout = (folder / "postmortems" / "2026-payments-checkout-certificate.md").read_text(
        encoding="utf-8"
    )
    assert "| TBD | | [ENG-3](" in checkout  # derived, never written into the document


def test_reminders_escalate_the_overdue_unowned_item_to_the_team_lead(
    demo_run: tuple[subprocess.CompletedProcess[str], Path],
) -> None:
    result, _ = demo_run
    reminders = _section(result.stdout, 5)
    assert re.search(
        r"│ lead-overdue +│ ENG-3 +│ would escalate to bob \(9 days overdue\)",
        reminders,
    )
    assert re.search(r"│ overdue +│ ENG-2 +│ would comment", reminders)  # bob, as the owner


def _git(folder: Path, *args: str) -> str:
    return subprocess.run(
        ["git", *args], cwd=folder, capture_output=True, text=True, check=True
    ).stdout


def test_last_step_proposes_the_status_change_as_a_pull_request_and_leaves_the_folder(
    demo_run: tuple[subprocess.CompletedProcess[str], Path],
) -> None:
    result, folder = demo_run
    proposal = _section(result.stdout, 6)
    assert re.search(
        r"pull request #1 opened: http://127\.0\.0\.1:\d+/acme/postmortems/pull/1", proposal
    )
    assert "status: `In Progress` → `Done` — ENG-2 is done" in proposal  # the body's cell list
    name = "postmortems/2026-payments-checkout-certificate.md"
    proposed = _git(folder / "origin.git", "show", f"tracker/write-back:{name}")
    assert re.search(r"canary gateway .*\[ENG-2\]\(.*\| Done +\|", proposed)
    assert "| In Progress |" in (folder / name).read_text(encoding="utf-8")
    assert _git(folder, "status", "--porcelain") == ""
