"""The first hour: installing, finding the connectors, and `./dev` from any folder."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

from tests.cli_helpers import run_tracker
from tracker.connectors import load_connector
from tracker.errors import ConfigError

REPO = Path(__file__).resolve().parent.parent
DEV = REPO / "dev"


def test_a_missing_connector_names_the_distribution_that_provides_it() -> None:
    with pytest.raises(ConfigError) as raised:
        load_connector("youtrack", {})
    text = str(raised.value)
    assert "no connector named 'youtrack' is installed" in text
    assert "pip install tracker-youtrack" in text
    assert "pip install ./connectors/youtrack" in text


def test_the_installed_version_is_printed_by_the_version_option() -> None:
    from tracker import __version__

    result = run_tracker("--version")
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == f"tracker {__version__}"


def _dev(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("TRACKER_")}
    return subprocess.run(
        [str(DEV), *args], cwd=cwd, env=env, capture_output=True, text=True, timeout=120
    )


@pytest.mark.skipif(not (REPO / ".venv" / ".installed").exists(), reason="needs ./dev setup")
def test_dev_tracker_runs_in_the_callers_folder(tmp_path: Path) -> None:
    (tmp_path / "pm.md").write_text(
        "# Postmortem: X\n\n## Action Items\n\n- [ ] Add an alert (@kim)\n", encoding="utf-8"
    )
    result = _dev("tracker", "scan", "pm.md", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert "1 action item in 1 document" in result.stdout


def test_dev_with_an_unknown_command_says_so_and_exits_2(tmp_path: Path) -> None:
    result = _dev("deploy", cwd=tmp_path)
    assert result.returncode == 2
    assert result.stderr.splitlines()[0] == "dev: unknown command 'deploy'"
    assert "set -euo pipefail" not in result.stderr + result.stdout


def test_dev_without_a_command_lists_the_commands(tmp_path: Path) -> None:
    result = _dev(cwd=tmp_path)
    assert result.returncode == 0
    assert "./dev shell" in result.stdout
    assert "set -euo pipefail" not in result.stdout
