"""Every item names the parser rule that found it: `found_by`, `tracker scan --explain`."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.cli_helpers import invoke_tracker
from tracker.parse import item_id, parse_text

ACTION_TABLE = """\
# Outage

| Action | Owner |
|--------|-------|
| Add disk alert | @kim |
"""

SECTION_TABLE = """\
## Action Items

| Task | Notes |
|------|-------|
| Add disk alert | see runbook |
"""

LISTS = """\
## Follow-ups

- [ ] Add disk alert — owner: @kim
- Rotate keys — owner: @lee
"""

LABEL = """\
Some prose.

**Next steps:**

- Rotate keys — owner: @lee
"""

MARKED = """\
## Ideas from the retro
<!-- tracker:actions -->

| Idea | Notes |
|------|-------|
| Shard the queue | later |

- [ ] Rotate keys — owner: @lee
"""


def found_by(text: str) -> dict[str, str]:
    return {item.action: item.found_by for item in parse_text(text, "pm.md").items}


def test_a_table_with_action_and_detail_headers_is_found_by_action_table() -> None:
    assert found_by(ACTION_TABLE) == {"Add disk alert": "action-table"}


def test_a_table_without_action_headers_under_an_action_heading_is_a_section_table() -> None:
    assert found_by(SECTION_TABLE) == {"Add disk alert": "section-table"}


def test_a_checkbox_item_is_found_by_checkbox_list() -> None:
    assert found_by(LISTS)["Add disk alert"] == "checkbox-list"


def test_a_plain_item_under_an_action_heading_is_found_by_action_list() -> None:
    assert found_by(LISTS)["Rotate keys"] == "action-list"


def test_a_plain_item_under_an_action_label_line_is_found_by_label_list() -> None:
    assert found_by(LABEL) == {"Rotate keys": "label-list"}


def test_items_in_a_section_opted_in_by_the_marker_are_found_by_the_marker() -> None:
    assert found_by(MARKED) == {"Shard the queue": "marked-table", "Rotate keys": "marked-list"}


def test_found_by_leaves_item_ids_as_they_were() -> None:
    doc = parse_text(LISTS, "pm.md")
    assert [item.id for item in doc.items] == [
        item_id("pm.md", "Add disk alert", 0),
        item_id("pm.md", "Rotate keys", 0),
    ]


def test_scan_json_carries_found_by_for_every_item(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "pm.md").write_text(LISTS, encoding="utf-8")
    outcome = invoke_tracker(
        "scan", "pm.md", "--format", "json", capsys=capsys, monkeypatch=monkeypatch, cwd=tmp_path
    )
    assert outcome.returncode == 0
    items = json.loads(outcome.stdout)["documents"][0]["items"]
    assert [item["found_by"] for item in items] == ["checkbox-list", "action-list"]


def test_scan_explain_adds_a_found_by_column_to_the_table(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "pm.md").write_text(LISTS, encoding="utf-8")
    outcome = invoke_tracker(
        "scan", "pm.md", "--explain", capsys=capsys, monkeypatch=monkeypatch, cwd=tmp_path
    )
    assert outcome.returncode == 0
    assert "found by" in outcome.stdout
    row = next(line for line in outcome.stdout.splitlines() if "pm.md:3" in line)
    assert "checkbox-list" in row


def test_scan_without_explain_has_no_found_by_column(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "pm.md").write_text(LISTS, encoding="utf-8")
    outcome = invoke_tracker("scan", "pm.md", capsys=capsys, monkeypatch=monkeypatch, cwd=tmp_path)
    assert outcome.returncode == 0
    assert "pm.md:3" in outcome.stdout
    assert "found by" not in outcome.stdout
    assert "checkbox-list" not in outcome.stdout
