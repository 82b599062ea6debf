"""Bad command-line values are one line and exit 2 on every command, never a traceback."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.cli_helpers import invoke_tracker


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    (tmp_path / "pm.md").write_text(
        "# PM\n\n## Action items\n\n| Action | Owner | Due |\n|---|---|---|\n"
        "| Fix the pool | @bob | 2026-01-01 |\n",
        encoding="utf-8",
    )
    return tmp_path


@pytest.mark.parametrize("command", [["report"], ["remind", "--dry-run"]])
@pytest.mark.parametrize("day", ["0001-01-01", "9999-12-31"])
def test_an_as_of_day_outside_the_calendar_range_is_a_usage_error(
    command: list[str],
    day: str,
    folder: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    outcome = invoke_tracker(
        *command, "--as-of", day, cwd=folder, capsys=capsys, monkeypatch=monkeypatch
    )
    assert outcome.returncode == 2
    assert (
        outcome.stderr.strip()
        == f"error: --as-of: {day} is out of range (1970-01-01 to 2199-12-31)"
    )


def test_a_huge_status_limit_is_a_usage_error(
    folder: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    outcome = invoke_tracker(
        "status", "-n", "99999999999999999999", cwd=folder, capsys=capsys, monkeypatch=monkeypatch
    )
    assert outcome.returncode == 2
    assert outcome.stderr.startswith("error: --limit:")


@pytest.mark.parametrize("port", ["-1", "70000"])
def test_a_sandbox_port_outside_0_to_65535_is_a_usage_error(
    port: str, folder: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    outcome = invoke_tracker(
        "sandbox", "--jira-port", port, cwd=folder, capsys=capsys, monkeypatch=monkeypatch
    )
    assert outcome.returncode == 2
    assert outcome.stderr.startswith("error: --jira-port:")
    assert len(outcome.stderr.strip().splitlines()) == 1


WORDS = st.one_of(
    st.text(max_size=12),
    st.sampled_from(["-1", "0", "99999999999999999999", "1e309", "nan", "2026-02-30", "", "--"]),
)
OPTIONS = {
    "report": ["--as-of", "--format", "--team", "--output", "--fail-on"],
    "remind": ["--as-of"],
    "status": ["--limit"],
    "scan": ["--format"],
}


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    choice=st.sampled_from([(c, o) for c, options in OPTIONS.items() for o in options]),
    value=WORDS,
)
def test_any_option_value_is_a_result_or_one_error_line(
    choice: tuple[str, str],
    value: str,
    folder: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    command, option = choice
    extra = ["--dry-run"] if command == "remind" else []
    if option == "--output":
        value = str(folder / "out" / (value.replace("/", "_").replace("\0", "") or "x"))
    outcome = invoke_tracker(
        command, *extra, option, value, cwd=folder, capsys=capsys, monkeypatch=monkeypatch
    )
    assert outcome.returncode in (0, 1, 2)
    assert "Traceback" not in outcome.stderr
    if outcome.returncode == 2:
        assert len(outcome.stderr.strip().splitlines()) == 1, outcome.stderr
