"""A first `tracker sync` that can't work leaves nothing behind."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from tracker_github.sandbox.server import GitHubSandbox
from tracker_jira.sandbox.server import JiraSandbox

from tests.sync_support import EN_DOC, SyncWorld


@pytest.fixture
def world(
    tmp_path: Path, jira_sandbox: JiraSandbox, github_sandbox: GitHubSandbox
) -> Iterator[SyncWorld]:
    created = SyncWorld(tmp_path, jira_sandbox, github_sandbox, timeout=2)
    created.write("en.md", EN_DOC)
    yield created
    created.close()


def test_first_sync_with_a_rejected_token_creates_no_store(world: SyncWorld) -> None:
    result = world.cli(extra_env={"TEST_JIRA_TOKEN": "not-the-token"})
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and "Jira rejected the credentials" in lines[0]
    assert "not-the-token" not in result.stderr
    assert not (world.folder / ".tracker").exists()


def test_first_sync_with_good_tokens_creates_the_store(world: SyncWorld) -> None:
    result = world.cli()
    assert result.returncode == 0, result.stderr
    assert (world.folder / ".tracker" / "tracker.db").is_file()
