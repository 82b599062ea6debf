"""A link looks the same whichever path wrote it: create, adoption after a crash, resume."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from tracker_github.sandbox.server import GitHubSandbox
from tracker_jira.sandbox.server import JiraSandbox

from tests.sync_support import ZH_DOC, SyncWorld
from tracker.sync import SyncProgress
from tracker.sync.apply import CRASH_HOOK_ENV

LINK = re.compile(r"\[([^\]]+)\]\((http[^)]+)\)")


@pytest.fixture
def world(
    tmp_path: Path, jira_sandbox: JiraSandbox, github_sandbox: GitHubSandbox
) -> Iterator[SyncWorld]:
    created = SyncWorld(tmp_path, jira_sandbox, github_sandbox)
    created.write("zh.md", ZH_DOC)
    yield created
    created.close()


def _short_links(world: SyncWorld) -> bool:
    """Both rows link their issue as `[#N](url)`: the form for the document's home repo."""
    links = LINK.findall(world.read("zh.md"))
    return len(links) == 2 and all(
        re.fullmatch(r"#\d+", label) and url.endswith("/acme/app/issues/" + label[1:])
        for label, url in links
    )


def test_uninterrupted_run_writes_short_links_for_the_home_repository(world: SyncWorld) -> None:
    assert world.sync().exit_code == 0
    assert _short_links(world)


def test_links_adopted_after_a_crash_after_create_look_like_the_uninterrupted_runs(
    world: SyncWorld, github_sandbox: GitHubSandbox
) -> None:
    crashed = world.cli(extra_env={CRASH_HOOK_ENV: "create"})
    assert crashed.returncode == -9
    assert len(github_sandbox.issues("acme/app")) == 1  # made, never recorded
    again = world.cli()
    assert again.returncode == 0, again.stdout + again.stderr
    assert _short_links(world)


class _StopBeforeWriteBack(SyncProgress):
    """Fails the run once tickets exist and are recorded, before any document is written."""

    def advance(self, steps: int, what: str) -> None:
        if what.startswith("created"):
            raise KeyboardInterrupt


def test_links_written_by_a_resumed_run_look_like_the_uninterrupted_runs(
    world: SyncWorld,
) -> None:
    with pytest.raises(KeyboardInterrupt):
        world.sync(progress=_StopBeforeWriteBack())
    assert "/issues/" not in world.read("zh.md")
    assert world.sync().exit_code == 0
    assert _short_links(world)
