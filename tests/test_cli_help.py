"""`--help` reads like a manual: value types in words, defaults as the config names them."""

from __future__ import annotations

import pytest

from tests.cli_helpers import run_tracker

COMMANDS = [
    ["--help"],
    ["scan", "--help"],
    ["report", "--help"],
    ["sync", "--help"],
    ["remind", "--help"],
    ["sandbox", "--help"],
    ["schedule", "--help"],
    ["db", "upgrade", "--help"],
]


@pytest.mark.parametrize("argv", COMMANDS, ids=" ".join)
def test_help_shows_no_python_type_names(argv: list[str]) -> None:
    result = run_tracker(*argv, env={"COLUMNS": "150"})
    assert result.returncode == 0, result.stderr
    for internal in ("<bool>", "<list[", "<str>", "<int>", "<Path>", "<float>"):
        assert internal not in result.stdout, internal


def test_sync_help_names_the_config_key_its_paths_default_to() -> None:
    result = run_tracker("sync", "--help", env={"COLUMNS": "150"})
    assert "(default: [documents].paths)" in result.stdout


def test_sync_help_speaks_of_ticket_systems_not_of_two_named_ones() -> None:
    result = run_tracker("sync", "--help", env={"COLUMNS": "150"})
    assert "sync them with ticket systems" in result.stdout
    assert "Jira/GitHub" not in result.stdout and "Jira and GitHub" not in result.stdout


def test_repeatable_options_show_what_one_value_is() -> None:
    result = run_tracker("scan", "--help", env={"COLUMNS": "150"})
    include = next(line for line in result.stdout.splitlines() if "--include" in line)
    assert "TEXT" in include
