"""An incremental sync against a Jira account west of UTC still sees every edit.

Jira reads JQL date literals in the API account's profile time zone; the sandbox does
too. The run's clock and the sandbox's are set together (no sleeping).
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from tracker_jira.sandbox.server import JiraSandbox

from tests.sync_support import EN_DOC, SyncWorld
from tracker.model import Status
from tracker.parse import parse_file

START = datetime(2026, 7, 14, 18, 0, tzinfo=UTC)


@pytest.fixture
def world(tmp_path: Path, jira_sandbox: JiraSandbox) -> Iterator[SyncWorld]:
    created = SyncWorld(tmp_path, jira_sandbox, None)
    yield created
    created.close()


def statuses(world: SyncWorld) -> dict[str, Status]:
    doc = parse_file(world.docs / "en.md", root=world.docs)
    return {item.action: item.status for item in doc.items}


@pytest.mark.parametrize("zone", ["America/Los_Angeles", "UTC", "Asia/Kolkata"])
def test_an_edit_just_after_the_last_run_is_read_by_the_next_incremental_run(
    world: SyncWorld, jira_sandbox: JiraSandbox, zone: str
) -> None:
    jira_sandbox.set_profile(time_zone=zone)
    jira_sandbox.clock.set(START)
    world.write("en.md", EN_DOC)
    assert world.sync(now=START).exit_code == 0
    jira_sandbox.clock.set(START + timedelta(minutes=10))
    assert world.sync(now=START + timedelta(minutes=10)).exit_code == 0  # incremental
    jira_sandbox.clock.set(START + timedelta(minutes=13))  # past the 2-minute overlap
    key = next(i["key"] for i in jira_sandbox.issues() if "pool saturation" in i["summary"])
    jira_sandbox.set_status(str(key), "Done")
    jira_sandbox.clock.set(START + timedelta(minutes=20))
    result = world.sync(now=START + timedelta(minutes=20))
    assert result.exit_code == 0, result.failed
    assert statuses(world)["Alert on pool saturation"] is Status.DONE
