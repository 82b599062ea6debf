"""Writers' markers: `<!-- tracker:ignore -->` keeps things out, `<!-- tracker:actions -->` in."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.cli_helpers import invoke_tracker
from tracker.editor import DocumentEditor, UnknownItemError
from tracker.parse import item_id, parse_text

TABLE = """\
| Action | Owner |
|--------|-------|
| Add disk alert | |
| Rotate keys | @lee |
"""


def actions(text: str) -> list[str]:
    return [item.action for item in parse_text(text, "pm.md").items]


# ---------------------------------------------------------------- tracker:ignore


def test_ignore_marker_before_a_table_keeps_its_rows_and_warnings_out() -> None:
    doc = parse_text("<!-- tracker:ignore -->\n" + TABLE, "pm.md")
    assert doc.items == []
    assert doc.warnings == []


def test_ignored_table_keeps_the_index_of_the_tables_after_it() -> None:
    doc = parse_text("<!-- tracker:ignore -->\n" + TABLE + "\n" + TABLE, "pm.md")
    assert {item.table_index for item in doc.items} == {1}


def test_ignore_marker_before_a_list_keeps_the_whole_list_out() -> None:
    text = "## Follow-ups\n\n<!-- tracker:ignore -->\n- Add disk alert\n- Rotate keys\n"
    assert actions(text) == []


def test_ignore_marker_applies_only_to_the_next_block() -> None:
    text = "## Follow-ups\n\n<!-- tracker:ignore -->\nSome prose.\n\n- Rotate keys\n"
    assert actions(text) == ["Rotate keys"]


def test_indented_ignore_marker_keeps_only_the_next_list_item_out() -> None:
    text = "## Follow-ups\n\n- Add disk alert\n  <!-- tracker:ignore -->\n- Maybe\n- Rotate keys\n"
    assert actions(text) == ["Add disk alert", "Rotate keys"]


def test_ignore_marker_in_a_list_items_line_keeps_that_item_out() -> None:
    text = "## Follow-ups\n\n- [ ] Maybe <!-- tracker:ignore -->\n- [ ] Rotate keys\n"
    assert actions(text) == ["Rotate keys"]


def test_ignore_marker_in_a_table_row_keeps_that_row_and_its_warnings_out() -> None:
    text = TABLE.replace("| Add disk alert | |", "| Add disk alert <!-- tracker:ignore --> | |")
    doc = parse_text(text, "pm.md")
    assert [(item.action, item.line) for item in doc.items] == [("Rotate keys", 4)]
    assert doc.warnings == []


def test_ignoring_a_row_keeps_the_other_rows_ids() -> None:
    text = TABLE.replace("| Add disk alert | |", "| Add disk alert <!-- tracker:ignore --> | |")
    assert [item.id for item in parse_text(text, "pm.md").items] == [
        item_id("pm.md", "Rotate keys", 0)
    ]


def test_ignore_marker_inside_a_code_block_is_only_text() -> None:
    text = "## Follow-ups\n\n```\n<!-- tracker:ignore -->\n```\n- Rotate keys\n"
    assert actions(text) == ["Rotate keys"]


# ---------------------------------------------------------------- tracker:actions


def test_actions_marker_makes_list_items_under_any_heading_count() -> None:
    text = "## Ideas from the retro\n<!-- tracker:actions -->\n\n- Rotate keys\n"
    assert actions(text) == ["Rotate keys"]


def test_list_under_an_unrecognised_heading_without_the_marker_is_not_read() -> None:
    assert actions("## Ideas from the retro\n\n- Rotate keys\n") == []


def test_actions_marker_section_ends_at_the_next_heading_of_its_level() -> None:
    text = "## Ideas\n<!-- tracker:actions -->\n- Rotate keys\n\n## Glossary\n- TLS\n"
    assert actions(text) == ["Rotate keys"]


def test_actions_marker_under_a_notes_sub_heading_ends_with_that_sub_section() -> None:
    text = (
        "## Action Items\n\n- Add disk alert\n\n### Notes\n<!-- tracker:actions -->\n"
        "- Rotate keys\n\n### Timeline\n- 10:00 paged\n\n### Later\n- Shard the queue\n"
    )
    assert actions(text) == ["Add disk alert", "Rotate keys", "Shard the queue"]


# ---------------------------------------------------------------- write-back


def test_write_back_never_edits_an_ignored_row(tmp_path: Path) -> None:
    text = (
        "| Action | Owner | Ticket |\n|---|---|---|\n"
        "| Maybe shard <!-- tracker:ignore --> | | |\n| Rotate keys | @lee | |\n"
    )
    file = tmp_path / "pm.md"
    file.write_text(text, encoding="utf-8")
    editor = DocumentEditor.open(file)
    assert [item.action for item in editor.postmortem.items] == ["Rotate keys"]
    editor.set_cell(editor.postmortem.items[0].id, "ticket", "OPS-1")
    lines = editor.render().decode("utf-8").splitlines(keepends=True)
    assert lines[2] == "| Maybe shard <!-- tracker:ignore --> | | |\n"
    assert "OPS-1" in lines[3]


def test_a_column_added_for_write_back_gives_an_ignored_row_only_an_empty_cell(
    tmp_path: Path,
) -> None:
    text = TABLE.replace("| Add disk alert | |", "| Add disk alert <!-- tracker:ignore --> | |")
    file = tmp_path / "pm.md"
    file.write_text(text, encoding="utf-8")
    editor = DocumentEditor.open(file)
    editor.set_cell(editor.postmortem.items[0].id, "ticket", "OPS-1")
    rendered = editor.render().decode("utf-8")
    assert rendered.splitlines()[2] == "| Add disk alert <!-- tracker:ignore --> | |        |"
    doc = parse_text(rendered, "pm.md")
    assert [(item.action, [ref.key for ref in item.tickets]) for item in doc.items] == [
        ("Rotate keys", ["OPS-1"])
    ]
    assert doc.warnings == []


def test_an_ignored_row_has_no_id_to_write_to(tmp_path: Path) -> None:
    text = TABLE.replace("| Add disk alert | |", "| Add disk alert <!-- tracker:ignore --> | |")
    file = tmp_path / "pm.md"
    file.write_text(text, encoding="utf-8")
    editor = DocumentEditor.open(file)
    with pytest.raises(UnknownItemError):
        editor.set_cell(item_id(str(file.name), "Add disk alert", 0), "owner", "@kim")


def test_an_opted_in_list_item_is_written_back_and_still_read(tmp_path: Path) -> None:
    file = tmp_path / "pm.md"
    file.write_text("## Ideas\n<!-- tracker:actions -->\n\n- [ ] Rotate keys\n", encoding="utf-8")
    editor = DocumentEditor.open(file)
    (item,) = editor.postmortem.items
    editor.set_cell(item.id, "ticket", "OPS-7")
    editor.set_checkbox(item.id, True)
    (after,) = parse_text(editor.render(), "pm.md").items
    assert (after.id, after.found_by, after.status.value) == (item.id, "marked-list", "done")
    assert [ref.key for ref in after.tickets] == ["OPS-7"]


# ---------------------------------------------------------------- CLI


def test_scan_reports_no_items_or_warnings_for_an_ignored_table(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "pm.md").write_text("<!-- tracker:ignore -->\n" + TABLE, encoding="utf-8")
    outcome = invoke_tracker(
        "scan",
        "pm.md",
        "--format",
        "json",
        "--strict",
        capsys=capsys,
        monkeypatch=monkeypatch,
        cwd=tmp_path,
    )
    assert outcome.returncode == 0
    (document,) = json.loads(outcome.stdout)["documents"]
    assert (document["items"], document["warnings"]) == ([], [])
