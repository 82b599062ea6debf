"""`tracker sandbox`: a real process serving both sandboxes until interrupted."""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import requests
from jira import JIRA

TRACKER = [sys.executable, "-m", "tracker"]


def start(*args: str) -> tuple[subprocess.Popen[str], dict[str, str]]:
    """Start `tracker sandbox` and read its banner: {"jira": url, "github": url, "token": t}."""
    process = subprocess.Popen(
        [*TRACKER, "sandbox", *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env={**os.environ, "TRACKER_SANDBOX_TOKEN": ""},
    )
    banner: dict[str, str] = {}
    deadline = time.monotonic() + 60
    assert process.stdout is not None
    while time.monotonic() < deadline:
        line = process.stdout.readline()
        if not line:
            break
        if match := re.match(r"Jira sandbox \(\w+\): (\S+)", line):
            banner["jira"] = match.group(1)
        elif match := re.match(r"GitHub sandbox: (\S+)", line):
            banner["github"] = match.group(1)
        elif line.startswith("token: "):
            banner["token"] = line.split(": ", 1)[1].strip()
        elif line.startswith("Press Ctrl-C"):
            return process, banner
    process.kill()
    raise AssertionError(f"sandbox did not start: {banner}")


def interrupt(process: subprocess.Popen[str]) -> str:
    process.send_signal(signal.SIGINT)
    output, _ = process.communicate(timeout=30)
    assert process.returncode == 0
    return output


@pytest.mark.slow
def test_sandbox_command_serves_both_and_keeps_state_across_restarts(tmp_path: Path) -> None:
    state = tmp_path / "sandbox.json"
    process, banner = start("--token", "secret-t", "--state", str(state), "--jira-project", "PM")
    try:
        assert banner["token"] == "secret-t"
        assert banner["github"].startswith("http://127.0.0.1:")
        jira = JIRA(options={"server": banner["jira"]}, basic_auth=("me@example.com", "secret-t"))
        created = jira.create_issue(
            fields={"project": {"key": "PM"}, "issuetype": {"name": "Task"}, "summary": "kept"}
        )
        assert created.key == "PM-1"
        github = requests.get(
            f"{banner['github']}/repos/acme/app",
            headers={"Authorization": "token secret-t"},
            timeout=5,
        )
        assert github.status_code == 200
    finally:
        output = interrupt(process)
    assert "state saved" in output
    # every sandbox served keeps its state (jira and github, and gitlab when installed)
    assert {"jira", "github"} <= set(json.loads(state.read_text()))

    process, banner = start("--token", "secret-t", "--state", str(state), "--jira-project", "PM")
    try:
        jira = JIRA(options={"server": banner["jira"]}, basic_auth=("me@example.com", "secret-t"))
        assert jira.issue("PM-1").fields.summary == "kept"
    finally:
        interrupt(process)


@pytest.mark.slow
def test_a_random_token_is_printed_and_others_get_401() -> None:
    process, banner = start()
    try:
        token = banner["token"]
        assert len(token) >= 20
        myself = f"{banner['jira']}/rest/api/2/myself"
        assert requests.get(myself, auth=("me@example.com", token), timeout=5).status_code == 200
        assert requests.get(myself, auth=("me@example.com", "guess"), timeout=5).status_code == 401
    finally:
        interrupt(process)


def test_bad_jira_flavour_is_a_usage_error() -> None:
    from typer.testing import CliRunner

    from tracker.cli import app

    result = CliRunner().invoke(app, ["sandbox", "--jira-flavour", "onprem"])
    assert result.exit_code == 2
    assert "onprem" in result.output


def test_a_busy_port_is_a_configuration_error() -> None:
    import socket

    from typer.testing import CliRunner

    from tracker.cli import app
    from tracker.errors import ConfigError

    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen(1)
        port = busy.getsockname()[1]
        result = CliRunner().invoke(app, ["sandbox", "--jira-port", str(port)])
    assert isinstance(result.exception, ConfigError)
    assert "cannot listen" in str(result.exception)


def test_an_unreadable_state_file_is_a_configuration_error(tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from tracker.cli import app
    from tracker.errors import ConfigError

    state = tmp_path / "state.json"
    state.write_text("not json")
    result = CliRunner().invoke(app, ["sandbox", "--state", str(state)])
    assert isinstance(result.exception, ConfigError)
    assert "not a usable sandbox state file" in str(result.exception)
    assert state.read_text() == "not json"  # left alone
