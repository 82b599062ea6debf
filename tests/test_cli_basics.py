"""The CLI's own conventions: version, usage errors exit 2."""

from __future__ import annotations

import subprocess
import sys

from tracker import __version__


def run_tracker(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "tracker", *args], capture_output=True, text=True, check=False
    )


def test_version_prints_the_package_version() -> None:
    result = run_tracker("version")
    assert result.returncode == 0
    assert result.stdout.strip() == __version__


def test_unknown_command_is_a_usage_error_with_exit_2() -> None:
    result = run_tracker("no-such-command")
    assert result.returncode == 2
    assert "No such command" in result.stderr
