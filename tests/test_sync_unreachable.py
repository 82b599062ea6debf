"""A ticket system that can't be reached: the run names the cause once and stops its work.

The systems are real sandboxes on loopback, stopped (connection refused) or spoken to
in the wrong protocol (TLS), through the real `jira` and PyGithub clients.
"""

from __future__ import annotations

import socket
from collections.abc import Iterator
from pathlib import Path

import pytest
from rich.text import Text
from tracker_github.sandbox.server import GitHubSandbox
from tracker_jira.sandbox.server import JiraSandbox

from tests.sync_support import EN_DOC, ZH_DOC, SyncWorld
from tracker.connectors import ConnectorError, connection_failure
from tracker.model import TicketRef
from tracker.sync.connectors import ConnectorPool, SystemUnreachable, connection_cause
from tracker.sync.render import render_plan, render_summary


def plain(lines: list[str]) -> list[str]:
    """Rendered lines without their rich markup."""
    return [Text.from_markup(line).plain for line in lines]


@pytest.fixture
def own_jira() -> Iterator[JiraSandbox]:
    """A Jira sandbox this test may stop (the shared one stays up for other tests)."""
    with JiraSandbox() as sandbox:
        yield sandbox


@pytest.fixture
def world(
    tmp_path: Path, own_jira: JiraSandbox, github_sandbox: GitHubSandbox
) -> Iterator[SyncWorld]:
    created = SyncWorld(tmp_path, own_jira, github_sandbox, timeout=2)
    created.write("en.md", EN_DOC)
    created.write("zh.md", ZH_DOC)
    assert created.sync().exit_code == 0
    yield created
    created.close()


def test_sync_names_an_unreachable_system_once_with_its_cause(
    world: SyncWorld, own_jira: JiraSandbox
) -> None:
    own_jira.stop()
    world.write("en.md", world.read("en.md").replace("| Open |", "| In Progress |", 1))
    result = world.sync()
    assert result.exit_code == 1
    assert set(result.unreachable) == {"jira"}
    assert result.unreachable["jira"].startswith("connection refused: ")
    lines = plain(render_summary(result))
    unreachable = [line for line in lines if "jira unreachable" in line]
    assert len(unreachable) == 1
    assert "jira unreachable (connection refused: Jira" in unreachable[0]
    assert not [line for line in lines if line.lstrip().startswith("failed")]  # none per item


def test_other_systems_still_sync_while_one_is_unreachable(
    world: SyncWorld, own_jira: JiraSandbox, github_sandbox: GitHubSandbox
) -> None:
    own_jira.stop()
    number = next(
        issue["number"]
        for issue in github_sandbox.issues("acme/app")
        if issue["title"] == "增加对账告警"
    )
    github_sandbox.set_state("acme/app", number, "closed", state_reason="completed", actor="chen")
    result = world.sync()
    assert set(result.unreachable) == {"jira"}
    assert "| 增加对账告警 | @bob | 2026-06-15 | 已完成 |" in world.read("zh.md")


def test_dry_run_names_the_unreachable_system_too(world: SyncWorld, own_jira: JiraSandbox) -> None:
    own_jira.stop()
    lines = plain(render_plan(world.sync(dry_run=True)))
    unreachable = [line for line in lines if "jira unreachable (connection refused" in line]
    assert len(unreachable) == 1
    assert unreachable[0].endswith("3 item(s) left for the next run")
    assert not [line for line in lines if "could not read" in line]


def test_calls_after_the_first_connection_failure_fail_at_once(
    world: SyncWorld, own_jira: JiraSandbox
) -> None:
    pool = ConnectorPool(world.config, env=world.env, sleep=lambda seconds: None)
    own_jira.stop()
    ref = TicketRef("jira", "ENG-1", None)
    with pytest.raises(ConnectorError) as first:
        pool.get("jira").fetch([ref])
    assert not isinstance(first.value, SystemUnreachable)
    with pytest.raises(SystemUnreachable, match="jira unreachable \\(connection refused"):
        pool.get("jira").update(ref, changes=None)  # type: ignore[arg-type]


def test_plain_http_spoken_to_as_https_is_a_tls_failure(
    tmp_path: Path, own_jira: JiraSandbox
) -> None:
    world = SyncWorld(tmp_path, own_jira, None, timeout=2)
    text = world.config_path.read_text(encoding="utf-8")
    world.config_path.write_text(text.replace('url = "http://', 'url = "https://'))
    pool = ConnectorPool(world.config, env=world.env, sleep=lambda seconds: None)
    with pytest.raises(ConnectorError):
        pool.get("jira").check()
    assert pool.unreachable["jira"].startswith("TLS handshake failed: ")


def test_a_name_that_does_not_resolve_is_a_dns_failure() -> None:
    lookup = socket.gaierror(socket.EAI_NONAME, "Name or service not known")
    try:
        raise OSError("Failed to resolve 'jira.invalid'") from lookup
    except OSError as client_error:
        assert connection_failure(client_error) == "DNS lookup failed"


def test_an_http_error_is_not_a_connection_failure() -> None:
    assert connection_cause(ConnectorError("Jira search failed: HTTP 500", status=500)) is None
