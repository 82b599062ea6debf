"""`tracker doctor` says plainly what is wrong and how to fix it, with read-only calls."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from tracker_github.sandbox.server import GitHubSandbox
from tracker_jira.sandbox.server import JiraSandbox

from tests.sync_support import sandbox_env, write_config
from tracker.doctor import run_checks


def failing(checks: list) -> dict[str, str]:  # type: ignore[type-arg]
    return {check.name: f"{check.detail} | {check.fix}" for check in checks if not check.ok}


@pytest.fixture
def config_path(tmp_path: Path, jira_sandbox: JiraSandbox, github_sandbox: GitHubSandbox) -> Path:
    return write_config(tmp_path, jira_sandbox, github_sandbox)


def test_a_working_setup_passes_every_check(
    config_path: Path, jira_sandbox: JiraSandbox, github_sandbox: GitHubSandbox
) -> None:
    checks = run_checks(config_path, env=sandbox_env(jira_sandbox, github_sandbox))
    assert failing(checks) == {}
    names = [check.name for check in checks]
    assert "connector jira: team payments → ENG" in names
    assert "connector github: team search → acme/app" in names


def test_doctor_only_reads(
    config_path: Path, jira_sandbox: JiraSandbox, github_sandbox: GitHubSandbox
) -> None:
    run_checks(config_path, env=sandbox_env(jira_sandbox, github_sandbox))
    for sandbox in (jira_sandbox, github_sandbox):
        routes = sandbox.requests.snapshot()["by_route"]
        assert routes, "doctor made no call at all"
        assert all(route.startswith("GET ") for route in routes), routes


def test_bad_token_is_named_with_a_fix(
    config_path: Path, jira_sandbox: JiraSandbox, github_sandbox: GitHubSandbox
) -> None:
    env = {"TEST_JIRA_TOKEN": "wrong-token", "TEST_GITHUB_TOKEN": github_sandbox.token}
    problems = failing(run_checks(config_path, env=env))
    assert list(problems) == ["connector jira"]
    assert "wrong-token" not in problems["connector jira"]
    assert "401" in problems["connector jira"] or "credential" in problems["connector jira"].lower()


def test_missing_token_variable_is_named(
    config_path: Path, jira_sandbox: JiraSandbox, github_sandbox: GitHubSandbox
) -> None:
    problems = failing(run_checks(config_path, env={"TEST_JIRA_TOKEN": jira_sandbox.token}))
    assert "TEST_GITHUB_TOKEN" in problems["connector github"]


def test_unknown_project_and_repository_are_named(
    tmp_path: Path, jira_sandbox: JiraSandbox, github_sandbox: GitHubSandbox
) -> None:
    path = write_config(tmp_path, jira_sandbox, github_sandbox)
    text = path.read_text().replace('project = "ENG"', 'project = "NOPE"')
    path.write_text(text.replace('repo = "acme/app"', 'repo = "acme/missing"'))
    problems = failing(run_checks(path, env=sandbox_env(jira_sandbox, github_sandbox)))
    assert "NOPE" in problems["connector jira: team payments → NOPE"]
    assert "acme/missing" in problems["connector github: team search → acme/missing"]


def test_unreachable_host_is_reported(tmp_path: Path, jira_sandbox: JiraSandbox) -> None:
    path = write_config(tmp_path, jira_sandbox, None, timeout=2)
    path.write_text(path.read_text().replace(jira_sandbox.base_url, "http://127.0.0.1:9"))
    problems = failing(run_checks(path, env=sandbox_env(jira_sandbox, None)))
    assert "connector jira" in problems


def test_config_error_stops_before_connectors(tmp_path: Path) -> None:
    path = tmp_path / "tracker.toml"
    path.write_text("[sync]\nbogus = 1\n")
    checks = run_checks(path, env={})
    assert [check.name for check in checks] == ["configuration"]
    assert "bogus" in checks[0].detail


def test_cli_exits_1_and_prints_the_fix(
    config_path: Path, jira_sandbox: JiraSandbox, github_sandbox: GitHubSandbox
) -> None:
    env = {**os.environ, "TEST_JIRA_TOKEN": jira_sandbox.token}
    env.pop("TEST_GITHUB_TOKEN", None)
    result = subprocess.run(
        [sys.executable, "-m", "tracker", "doctor", "--config", str(config_path)],
        capture_output=True,
        text=True,
        env=env,
        check=False,
    )
    assert result.returncode == 1
    assert "✗ connector github" in result.stdout
    assert "fix:" in result.stdout
    assert jira_sandbox.token not in result.stdout + result.stderr


def test_a_failing_connector_is_asked_once_not_retried(
    config_path: Path, jira_sandbox: JiraSandbox, github_sandbox: GitHubSandbox
) -> None:
    for _ in range(3):
        jira_sandbox.faults.add("502")
    problems = failing(run_checks(config_path, env=sandbox_env(jira_sandbox, github_sandbox)))
    assert "connector jira" in problems
    assert len(jira_sandbox.faults.pending()) == 2  # one request, no retries
