"""A document tracker could not read whole this time (too large, binary, not UTF-8,
unreadable) says nothing about its rows: none is taken as deleted, no ticket is closed,
the store keeps its items; once readable again it syncs as before."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlmodel import select
from tracker_jira.sandbox.server import JiraSandbox

from tests.sync_support import EN_DOC, SyncWorld
from tracker.store.models import ActionItemRow


@pytest.fixture
def world(tmp_path: Path, jira_sandbox: JiraSandbox) -> SyncWorld:
    world = SyncWorld(tmp_path, jira_sandbox, None, sync={"on_row_deleted": "close-ticket"})
    world.write("en.md", EN_DOC)
    first = world.sync()
    assert first.exit_code == 0, first.failed
    return world


def _open_items(world: SyncWorld) -> list[str]:
    with world.store.session() as session:
        rows = session.exec(select(ActionItemRow).where(ActionItemRow.removed_at == None))  # noqa: E711
        return sorted(row.id for row in rows)


@pytest.mark.parametrize(
    "damage",
    [
        pytest.param(lambda text: text.encode() + b"\x00binary", id="binary"),
        pytest.param(lambda text: text.encode() + b"\xff\xfe", id="not-utf8"),
        pytest.param(lambda text: text.encode() + b"x" * 3_000_000, id="too-large"),
    ],
)
def test_a_document_not_read_whole_closes_no_ticket_and_removes_no_item(
    world: SyncWorld, jira_sandbox: JiraSandbox, damage: object
) -> None:
    before = _open_items(world)
    linked = world.read("en.md")
    (world.docs / "en.md").write_bytes(damage(linked))  # type: ignore[operator]
    result = world.sync()
    assert [p for p in result.plans if p.kind == "row-deleted"] == []
    assert all(issue["status"] != "Done" for issue in jira_sandbox.issues())
    assert _open_items(world) == before
    (world.docs / "en.md").write_text(linked, encoding="utf-8")
    again = world.sync()
    world.close()
    assert again.exit_code == 0 and again.actions == []


def test_write_back_reads_a_document_with_the_configured_size_limit(
    tmp_path: Path, jira_sandbox: JiraSandbox
) -> None:
    world = SyncWorld(tmp_path, jira_sandbox, None)
    world.config_path.write_text(
        world.config_path.read_text().replace(
            "[connectors.jira]", "[documents]\nmax_document_bytes = 4000000\n\n[connectors.jira]"
        ),
        encoding="utf-8",
    )
    big = EN_DOC + "\n<!-- " + "padding " * 300_000 + "-->\n"  # about 2.4 MB
    world.write("en.md", big)
    result = world.sync()
    world.close()
    assert result.exit_code == 0, result.failed
    assert "ENG-1" in world.read("en.md")
