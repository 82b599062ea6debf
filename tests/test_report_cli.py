"""`tracker report` as a user runs it: a real process, a config file, a real store."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from tests.report_seed import seed_example
from tracker.cli import main
from tracker.store import Store

CONFIG = """\
database_url = "{url}"
timezone = "{zone}"

[report]
due_soon_days = 7

[[teams]]
name = "payments"

[[teams]]
name = "search"

[[teams]]
name = "infra"
"""


@pytest.fixture
def config_file(store: Store, store_url: str, tmp_path: Path) -> Path:
    seed_example(store)
    path = tmp_path / "tracker.toml"
    path.write_text(CONFIG.format(url=store_url, zone="Asia/Tokyo"), encoding="utf-8")
    return path


@dataclass
class Outcome:
    returncode: int
    stdout: str
    stderr: str


@pytest.fixture
def tracker(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> Callable[..., Outcome]:
    """Run `tracker report --config FILE ARGS...` in this process, as the console script does."""
    for name in [k for k in os.environ if k.startswith("TRACKER_")]:
        monkeypatch.delenv(name)

    def run(config: Path, *args: str) -> Outcome:
        monkeypatch.chdir(config.parent)
        monkeypatch.setattr(sys, "argv", ["tracker", "report", "--config", str(config), *args])
        capsys.readouterr()
        with pytest.raises(SystemExit) as exited:
            main()
        captured = capsys.readouterr()
        code = exited.value.code
        return Outcome(code if isinstance(code, int) else 1, captured.out, captured.err)

    return run


def tracker_process(config: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """The installed entry point in its own process (one test proves the real exit code)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("TRACKER_")}
    return subprocess.run(
        [sys.executable, "-m", "tracker", "report", "--config", str(config), *args],
        capture_output=True,
        text=True,
        check=False,
        env=env,
        cwd=config.parent,
        timeout=120,
    )


def test_json_report_prints_the_figures(config_file: Path, tracker: Callable[..., Outcome]) -> None:
    result = tracker(config_file, "--as-of", "2026-03-31", "--format", "json")
    assert result.returncode == 0, result.stderr
    teams = {t["team"]: t for t in json.loads(result.stdout)["teams"]}
    assert (teams["payments"]["overdue"], teams["search"]["completion_rate"]) == (3, 0.6667)


def test_fail_on_overdue_exits_1_after_printing_the_report(config_file: Path) -> None:
    result = tracker_process(
        config_file, "--as-of", "2026-03-31", "-f", "csv", "--fail-on", "overdue"
    )
    assert result.returncode == 1
    assert result.stdout.splitlines()[2].startswith("payments,7,3,1,2,1,0.3333,3,")
    assert "3 overdue" in result.stderr


def test_fail_on_passes_when_the_team_has_no_such_items(
    config_file: Path, tracker: Callable[..., Outcome]
) -> None:
    result = tracker(
        config_file, "--as-of", "2026-03-31", "--team", "search", "--fail-on", "unowned",
        "--fail-on", "overdue", "--format", "markdown",
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert "| search | 3 | 1 | 0 | 2 | 0 | 66.7% | 0 | 1 | 0 | 55.0 | — |" in result.stdout


def test_unknown_team_is_one_line_and_exit_2(
    config_file: Path, tracker: Callable[..., Outcome]
) -> None:
    result = tracker(config_file, "--team", "nope")
    assert result.returncode == 2
    assert result.stderr.strip().splitlines() == [
        "error: unknown team 'nope' (known teams: infra, payments, search)"
    ]
    assert result.stdout == ""


def test_output_file_is_written_whole_and_nothing_else_is_left(
    config_file: Path, tracker: Callable[..., Outcome]
) -> None:
    target = config_file.parent / "out" / "report.html"
    target.parent.mkdir()
    result = tracker(config_file, "--as-of", "2026-03-31", "-f", "html", "-o", str(target))
    assert result.returncode == 0, result.stderr
    assert result.stdout == ""
    html = target.read_text(encoding="utf-8")
    assert html.startswith("<!DOCTYPE html>") and html.rstrip().endswith("</html>")
    assert os.listdir(target.parent) == ["report.html"]


def test_the_same_html_report_twice_is_the_same_bytes(
    config_file: Path, tracker: Callable[..., Outcome]
) -> None:
    pages = []
    for name in ("first.html", "second.html"):
        target = config_file.parent / name
        result = tracker(config_file, "--as-of", "2026-03-31", "-f", "html", "-o", str(target))
        assert result.returncode == 0, result.stderr
        pages.append(target.read_bytes())
    assert b'id="chart-team-bars"' in pages[0] and b'id="chart-trend"' in pages[0]
    assert pages[0] == pages[1]


def test_output_into_a_folder_that_does_not_exist_is_a_usage_error(
    config_file: Path, tracker: Callable[..., Outcome]
) -> None:
    target = config_file.parent / "typo" / "report.html"
    result = tracker(config_file, "-f", "html", "-o", str(target))
    assert result.returncode == 2
    assert result.stderr.strip().splitlines() == [
        f"error: --output: folder {target.parent} does not exist "
        "(create it first, or write somewhere else)"
    ]
    assert not target.parent.exists()


def test_bad_as_of_date_is_a_usage_error(
    config_file: Path, tracker: Callable[..., Outcome]
) -> None:
    result = tracker(config_file, "--as-of", "2026-13-01")
    assert result.returncode == 2
    assert "expected a date like 2026-03-31" in result.stderr


def test_as_of_defaults_to_today_in_the_configured_time_zone(
    config_file: Path, tracker: Callable[..., Outcome]
) -> None:
    result = tracker(config_file, "--format", "json")
    assert result.returncode == 0, result.stderr
    today = datetime.now(ZoneInfo("Asia/Tokyo")).date()
    assert json.loads(result.stdout)["as_of"] == today.isoformat()


def test_corrupt_database_is_one_line_exit_2_and_no_file_written(
    tmp_path: Path, tracker: Callable[..., Outcome]
) -> None:
    database = tmp_path / "broken.db"
    database.write_bytes(b"this is not a SQLite database" * 100)
    config = tmp_path / "tracker.toml"
    config.write_text(f'database_url = "sqlite:///{database}"\n', encoding="utf-8")
    target = tmp_path / "report.html"
    result = tracker(config, "-f", "html", "-o", str(target))
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: ")
    assert str(database) in lines[0]  # names the file
    assert not target.exists()


def test_unreachable_postgresql_is_one_line_exit_2(
    tmp_path: Path, tracker: Callable[..., Outcome]
) -> None:
    config = tmp_path / "tracker.toml"
    url = "postgresql+psycopg://nobody@127.0.0.1:1/none"
    config.write_text(f'database_url = "{url}"\n', encoding="utf-8")
    result = tracker(config, "--format", "json")
    assert result.returncode == 2
    assert result.stdout == ""
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and "PostgreSQL at 127.0.0.1:1/none" in lines[0]


def test_an_unknown_format_is_one_error_line_naming_the_choices(
    config_file: Path, tracker: Callable[..., Outcome]
) -> None:
    result = tracker(config_file, "--format", "yaml")
    assert result.returncode == 2
    assert result.stderr.splitlines() == [
        "error: --format: 'yaml' is not one of 'table', 'markdown', 'json', 'csv', 'html' "
        "(see `tracker report --help`)"
    ]


def test_an_unknown_option_is_one_error_line_without_a_box(
    config_file: Path, tracker: Callable[..., Outcome]
) -> None:
    result = tracker(config_file, "--colour")
    assert result.returncode == 2
    assert result.stderr.splitlines() == [
        "error: No such option: --colour (see `tracker report --help`)"
    ]


def test_each_format_lists_items_only_as_far_as_it_shows_them(
    config_file: Path, tracker: Callable[..., Outcome], monkeypatch: pytest.MonkeyPatch
) -> None:
    from tracker.cli import report as report_cli

    monkeypatch.setitem(report_cli.ITEM_LIMITS, report_cli.ReportFormat.MARKDOWN, 1)
    markdown = tracker(config_file, "--as-of", "2026-03-31", "--format", "markdown").stdout
    assert "## Overdue (3)" in markdown and "… and 2 more; --format json for all" in markdown


def test_json_carries_every_item_whatever_the_other_formats_show(
    config_file: Path, tracker: Callable[..., Outcome], monkeypatch: pytest.MonkeyPatch
) -> None:
    from tracker.cli import report as report_cli

    for output_format in (report_cli.ReportFormat.TABLE, report_cli.ReportFormat.MARKDOWN):
        monkeypatch.setitem(report_cli.ITEM_LIMITS, output_format, 1)
    document = json.loads(tracker(config_file, "--as-of", "2026-03-31", "-f", "json").stdout)
    assert (len(document["overdue"]), len(document["unowned"])) == (3, 2)
