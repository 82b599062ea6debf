"""The editor changes exactly the cells it is asked to, and writes safely."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest

from tracker.editor import DocumentEditor, UnknownItemError, escape_cell
from tracker.errors import StaleDocumentError
from tracker.model import Status
from tracker.parse import parse_file, parse_text

SEED = """\
# Postmortem: API Outage

| Action                                        | Owner   | Due Date   | Priority | Status         |
| --------------------------------------------- | ------- | ---------- | -------- | -------------- |
| Add connection pool metrics to dashboards     | Jane    | 2024-01-20 | P0       | ✅ Done        |
| Extend load tests to 30 minutes minimum       | QA Team | 2024-01-25 | P1       | 🔄 In Progress |
| Implement canary deployment (10% → 100%)      | DevOps  | 2024-02-01 | P1       | 📋 Planned     |
"""

ZH = """\
| 优先级 | 行动项 | 负责人 | 截止日期 |
|--------|--------|--------|----------|
| P1 | 加 PG 连接熔断 | @backend | 2026-05-03 |
| P2 | 前端加骨架屏 | @frontend | 2026-05-10 |
"""

LIST = """\
## Follow-ups

- [ ] Add alert — owner: @kim, due: 2025-03-14
- Rotate keys
1. ✅ Add X (@lee)
"""


def write(tmp_path: Path, text: str | bytes, name: str = "pm.md") -> Path:
    file = tmp_path / name
    file.write_bytes(text.encode("utf-8") if isinstance(text, str) else text)
    return file


def editor_for(tmp_path: Path, text: str | bytes) -> DocumentEditor:
    return DocumentEditor.open(write(tmp_path, text))


def lines_of(editor: DocumentEditor) -> list[str]:
    return editor.render().decode("utf-8").splitlines(keepends=True)


def item_id(editor: DocumentEditor, action_start: str) -> str:
    return next(i.id for i in editor.postmortem.items if i.action.startswith(action_start))


# ---------------------------------------------------------------- no edits


@pytest.mark.parametrize(
    "data",
    [
        SEED.encode(),
        b"\xef\xbb\xbf" + SEED.replace("\n", "\r\n").encode(),
        SEED.replace("|\n", "|   \n").encode(),
        ZH.encode(),
        SEED.rstrip("\n").encode(),
        b"\xff\xfe not utf-8",
    ],
    ids=["lf", "bom-crlf", "trailing-spaces", "wide-chars", "no-final-newline", "not-utf8"],
)
def test_render_without_edits_gives_back_the_same_bytes(tmp_path: Path, data: bytes) -> None:
    assert editor_for(tmp_path, data).render() == data


# ---------------------------------------------------------------- table cells


def test_set_cell_changes_only_that_cell(tmp_path: Path) -> None:
    editor = editor_for(tmp_path, SEED)
    editor.set_cell(item_id(editor, "Extend"), "owner", "@kim")
    before, after = SEED.splitlines(keepends=True), lines_of(editor)
    assert [i for i, (a, b) in enumerate(zip(before, after, strict=True)) if a != b] == [5]
    assert after[5] == (
        "| Extend load tests to 30 minutes minimum       | @kim    | 2024-01-25 | P1       | 🔄 In Progress |\n"
    )


def test_longer_value_widens_only_its_own_cell(tmp_path: Path) -> None:
    editor = editor_for(tmp_path, SEED)
    editor.set_cell(item_id(editor, "Extend"), "owner", "Quality Assurance")
    assert "| Quality Assurance | 2024-01-25 |" in lines_of(editor)[5]


def test_clearing_a_cell_leaves_it_blank(tmp_path: Path) -> None:
    editor = editor_for(tmp_path, SEED)
    item = item_id(editor, "Extend")
    editor.set_cell(item, "owner", "")
    assert (
        "| Extend load tests to 30 minutes minimum       |         | 2024-01-25 |"
        in lines_of(editor)[5]
    )


def test_pipes_and_newlines_in_values_cannot_break_the_table(tmp_path: Path) -> None:
    editor = editor_for(tmp_path, SEED)
    editor.set_cell(item_id(editor, "Extend"), "owner", "a | b\nc")
    reparsed = parse_text(editor.render(), "pm.md")
    assert reparsed.items[1].raw["owner"] == "a \\| b c"
    assert reparsed.items[1].raw["due"] == "2024-01-25"
    assert not [w for w in reparsed.warnings if w.code == "ragged-row"]


def test_escape_cell() -> None:
    assert escape_cell(" x | y\r\nz ") == "x \\| y z"


def test_status_is_written_in_the_tables_emoji_style(tmp_path: Path) -> None:
    editor = editor_for(tmp_path, SEED)
    editor.set_cell(item_id(editor, "Implement canary"), "status", Status.DONE)
    assert lines_of(editor)[6].endswith("| ✅ Done        |\n")


def test_status_is_written_in_chinese_in_a_chinese_table(tmp_path: Path) -> None:
    editor = editor_for(tmp_path, ZH)
    editor.set_cell(item_id(editor, "加 PG"), "status", "in_progress")
    assert lines_of(editor)[0].rstrip().endswith("| 状态 |")
    assert lines_of(editor)[2].rstrip().endswith("| 进行中 |")
    assert parse_text(editor.render(), "pm.md").items[0].status is Status.IN_PROGRESS


def test_status_text_that_is_not_a_status_value_is_written_as_given(tmp_path: Path) -> None:
    editor = editor_for(tmp_path, SEED)
    editor.set_cell(item_id(editor, "Implement canary"), "status", "Blocked on vendor")
    assert "| Blocked on vendor |" in lines_of(editor)[6]


def test_unknown_item_id_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(UnknownItemError):
        editor_for(tmp_path, SEED).set_cell("000000000000", "owner", "x")


def test_unknown_column_is_an_error(tmp_path: Path) -> None:
    editor = editor_for(tmp_path, SEED)
    with pytest.raises(ValueError, match="unknown column"):
        editor.set_cell(item_id(editor, "Extend"), "colour", "red")


def test_ids_found_by_a_folder_scan_work_with_the_same_key(tmp_path: Path) -> None:
    file = write(tmp_path / "sub", SEED) if (tmp_path / "sub").mkdir() is None else None
    assert file is not None
    scanned = parse_file(file, root=tmp_path)
    editor = DocumentEditor.open(file, key=scanned.key)
    editor.set_cell(scanned.items[0].id, "owner", "@kim")
    assert "| @kim " in lines_of(editor)[4]


# ---------------------------------------------------------------- columns


def test_setting_a_missing_column_adds_it_to_every_row(tmp_path: Path) -> None:
    editor = editor_for(tmp_path, SEED)
    editor.set_cell(item_id(editor, "Extend"), "ticket", "OPS-88")
    lines = lines_of(editor)
    assert lines[2].endswith("| Status         | Ticket |\n")
    assert lines[3].endswith("| -------------- | ------ |\n")
    assert lines[4].endswith("| ✅ Done        |        |\n")
    assert lines[5].endswith("| 🔄 In Progress | OPS-88 |\n")
    assert (lines[0], lines[1]) == ("# Postmortem: API Outage\n", "\n")
    reparsed = parse_text(editor.render(), "pm.md")
    assert [[r.key for r in i.tickets] for i in reparsed.items] == [[], ["OPS-88"], []]
    assert [i.id for i in reparsed.items] == [i.id for i in editor.postmortem.items]


def test_ensure_column_uses_the_tables_language(tmp_path: Path) -> None:
    editor = editor_for(tmp_path, ZH)
    editor.ensure_column(0, "ticket")
    assert lines_of(editor)[0].rstrip().endswith("| 工单 |")


def test_ensure_column_with_a_header_of_our_choosing(tmp_path: Path) -> None:
    editor = editor_for(tmp_path, SEED)
    editor.ensure_column(0, "ticket", header="Jira")
    assert lines_of(editor)[2].rstrip().endswith("| Jira |")


def test_ensure_column_is_idempotent(tmp_path: Path) -> None:
    editor = editor_for(tmp_path, SEED)
    editor.ensure_column(0, "ticket")
    once = editor.render()
    editor.ensure_column(0, "ticket")
    editor.ensure_column(0, "status")
    assert editor.render() == once


def test_new_column_on_a_table_without_outer_pipes(tmp_path: Path) -> None:
    editor = editor_for(tmp_path, "Action | Owner\n--- | ---\nAdd alert | @kim\n")
    editor.set_cell(editor.postmortem.items[0].id, "ticket", "ENG-1")
    assert (
        editor.render().decode()
        == "Action | Owner | Ticket\n--- | --- | ------\nAdd alert | @kim | ENG-1\n"
    )
    assert [r.key for r in parse_text(editor.render(), "x").items[0].tickets] == ["ENG-1"]


def test_short_row_is_padded_before_the_new_cell(tmp_path: Path) -> None:
    editor = editor_for(tmp_path, "| Action | Owner | Due |\n|---|---|---|\n| Add alert | @kim |\n")
    editor.set_cell(editor.postmortem.items[0].id, "ticket", "ENG-1")
    item = parse_text(editor.render(), "x").items[0]
    assert (item.owners, item.due, [r.key for r in item.tickets]) == (["@kim"], None, ["ENG-1"])


def test_crlf_and_bom_survive_an_added_column(tmp_path: Path) -> None:
    data = b"\xef\xbb\xbf" + SEED.replace("\n", "\r\n").encode()
    editor = editor_for(tmp_path, data)
    editor.set_cell(item_id(editor, "Extend"), "ticket", "OPS-88")
    out = editor.render()
    assert out.startswith(b"\xef\xbb\xbf# Postmortem")
    assert out.count(b"\r\n") == data.count(b"\r\n") and b"\n" not in out.replace(b"\r\n", b"")


@pytest.mark.parametrize("prefix", ["> ", "   "], ids=["blockquote", "indented"])
def test_tables_in_blockquotes_and_indented_tables_are_edited_in_place(
    tmp_path: Path, prefix: str
) -> None:
    source = "".join(
        prefix + row for row in ("| Action | Owner |\n", "|---|---|\n", "| Add alert | @kim |\n")
    )
    editor = editor_for(tmp_path, source)
    editor.set_cell(editor.postmortem.items[0].id, "ticket", "ENG-1")
    editor.set_cell(editor.postmortem.items[0].id, "owner", "@lee")
    assert lines_of(editor) == [
        prefix + "| Action | Owner | Ticket |\n",
        prefix + "|---|---| ------ |\n",
        prefix + "| Add alert | @lee | ENG-1  |\n",
    ]


# ---------------------------------------------------------------- list items


def test_tick_a_checkbox(tmp_path: Path) -> None:
    editor = editor_for(tmp_path, LIST)
    editor.set_checkbox(item_id(editor, "Add alert"), True)
    assert lines_of(editor)[2] == "- [x] Add alert — owner: @kim, due: 2025-03-14\n"


def test_bullet_without_checkbox_gets_one(tmp_path: Path) -> None:
    editor = editor_for(tmp_path, LIST)
    editor.set_checkbox(item_id(editor, "Rotate"), True)
    assert lines_of(editor)[3] == "- [x] Rotate keys\n"


def test_list_status_keeps_emoji_style(tmp_path: Path) -> None:
    editor = editor_for(tmp_path, LIST)
    editor.set_cell(item_id(editor, "Add X"), "status", "in_progress")
    assert lines_of(editor)[4] == "1. 🔄 Add X (@lee)\n"


def test_ticking_an_emoji_item_keeps_the_emoji_style(tmp_path: Path) -> None:
    editor = editor_for(tmp_path, LIST)
    editor.set_checkbox(item_id(editor, "Add X"), False)
    assert lines_of(editor)[4] == "1. 📋 Add X (@lee)\n"
    editor.set_checkbox(item_id(editor, "Add X"), True)
    assert lines_of(editor)[4] == "1. ✅ Add X (@lee)\n"


@pytest.mark.parametrize(
    ("status", "line"),
    [
        ("in_progress", "- [ ] 🔄 Add alert — owner: @kim, due: 2025-03-14\n"),
        ("wont_do", "- [x] ❌ Add alert — owner: @kim, due: 2025-03-14\n"),
        ("done", "- [x] Add alert — owner: @kim, due: 2025-03-14\n"),
        ("open", "- [ ] Add alert — owner: @kim, due: 2025-03-14\n"),
    ],
)
def test_every_status_is_written_into_a_checkbox_item(
    tmp_path: Path, status: str, line: str
) -> None:
    editor = editor_for(tmp_path, LIST)
    editor.set_cell(item_id(editor, "Add alert"), "status", status)
    assert lines_of(editor)[2] == line
    assert parse_text(editor.render(), "pm.md").items[0].status is Status(status)


def test_a_status_emoji_beside_the_checkbox_is_replaced_or_dropped(tmp_path: Path) -> None:
    editor = editor_for(tmp_path, "## Follow-ups\n\n- [ ] 🔄 Add alert\n")
    editor.set_cell(item_id(editor, "Add alert"), "status", "wont_do")
    assert lines_of(editor)[2] == "- [x] ❌ Add alert\n"
    editor.set_cell(item_id(editor, "Add alert"), "status", "done")
    assert lines_of(editor)[2] == "- [x] Add alert\n"


def test_a_bullet_without_checkbox_gets_one_with_its_status(tmp_path: Path) -> None:
    editor = editor_for(tmp_path, LIST)
    editor.set_cell(item_id(editor, "Rotate"), "status", "in_progress")
    assert lines_of(editor)[3] == "- [ ] 🔄 Rotate keys\n"


def test_an_inline_status_field_is_rewritten_in_its_own_words(tmp_path: Path) -> None:
    editor = editor_for(tmp_path, "## Follow-ups\n\n- [ ] Add alert, status: WIP\n")
    editor.set_cell(item_id(editor, "Add alert"), "status", "wont_do")
    assert lines_of(editor)[2] == "- [x] Add alert, status: WON'T DO\n"


def test_ticking_a_checkbox_drops_an_in_progress_emoji(tmp_path: Path) -> None:
    editor = editor_for(tmp_path, "## Follow-ups\n\n- [ ] 🔄 Add alert\n")
    editor.set_checkbox(item_id(editor, "Add alert"), True)
    assert lines_of(editor)[2] == "- [x] Add alert\n"


def test_setting_the_owner_replaces_every_listed_owner(tmp_path: Path) -> None:
    editor = editor_for(
        tmp_path, "## Follow-ups\n\n- [ ] Add alert — owner: @kim, @bob, due: 2025-03-14\n"
    )
    editor.set_cell(item_id(editor, "Add alert"), "owner", "@lee")
    assert lines_of(editor)[2] == "- [ ] Add alert — owner: @lee, due: 2025-03-14\n"


def test_list_field_is_replaced_in_place(tmp_path: Path) -> None:
    editor = editor_for(tmp_path, LIST)
    editor.set_cell(item_id(editor, "Add alert"), "owner", "@lee")
    assert lines_of(editor)[2] == "- [ ] Add alert — owner: @lee, due: 2025-03-14\n"


def test_list_ticket_is_appended(tmp_path: Path) -> None:
    editor = editor_for(tmp_path, LIST)
    editor.set_cell(item_id(editor, "Rotate"), "ticket", "OPS-9")
    assert lines_of(editor)[3] == "- Rotate keys (OPS-9)\n"
    assert [r.key for r in parse_text(editor.render(), "x").items[1].tickets] == ["OPS-9"]


def test_list_ticket_already_named_is_not_appended_again(tmp_path: Path) -> None:
    editor = editor_for(tmp_path, LIST)
    editor.set_cell(item_id(editor, "Rotate"), "ticket", "OPS-9")
    once = editor.render()
    editor.set_cell(item_id(editor, "Rotate"), "ticket", "OPS-9")
    assert editor.render() == once


def test_writing_back_into_list_items_keeps_their_ids(tmp_path: Path) -> None:
    editor = editor_for(tmp_path, LIST + "2. **Migrate the table**\n\n- detail bullet\n")
    before = [item.id for item in editor.postmortem.items]
    for number, item_id in enumerate(before):
        editor.set_cell(
            item_id, "ticket", f"[ENG-{number}](https://jira.example.com/browse/ENG-{number})"
        )
        editor.set_cell(item_id, "status", Status.DONE)
        editor.set_cell(item_id, "owner", "@sam")
    after = parse_text(editor.render(), "pm.md").items
    assert [item.id for item in after] == before
    assert [[ref.key for ref in item.tickets][-1] for item in after] == [
        f"ENG-{n}" for n in range(4)
    ]


def test_writing_an_owner_and_due_after_a_link_word_keeps_the_item(tmp_path: Path) -> None:
    # mybinder__2018-01-17-ubuntu-upgrade.md: the link names the ticket, not the action
    editor = editor_for(
        tmp_path,
        "## Follow-ups\n\n- Keep our own apt mirror "
        "[Issue](https://github.com/jupyterhub/mybinder.org-deploy/issues/295)\n",
    )
    (before,) = editor.postmortem.items
    editor.set_cell(before.id, "due", "2026-01-31")
    editor.set_cell(before.id, "owner", "@sam")
    assert lines_of(editor)[2].endswith("/issues/295) — due: 2026-01-31, owner: @sam\n")
    (after,) = parse_text(editor.render(), "pm.md").items
    assert (after.id, after.action) == (before.id, "Keep our own apt mirror")
    assert (str(after.due), after.owners) == ("2026-01-31", ["@sam"])


def test_writing_a_ticket_link_keeps_an_item_with_a_space_before_punctuation(
    tmp_path: Path,
) -> None:
    # deepseek-harness__0002-js-expression-disabled-filesystem-tools.zh.md, as written
    editor = editor_for(
        tmp_path,
        "## 已添加的防护措施\n\n- [`AGENTS.md`](../../AGENTS.md) 与 "
        "[Cordis 入门](../cordis-primer.md#loader-configuration)明确说明 `!!js` 仅在插件 "
        "`config` 内有效，条件式组合应使用 overlay。\n",
    )
    (before,) = editor.postmortem.items
    editor.set_cell(before.id, "ticket", "[ENG-77](https://jira.example.com/browse/ENG-77)")
    (after,) = parse_text(editor.render(), "pm.md").items
    assert (after.id, after.action) == (before.id, before.action)
    assert [t.key for t in after.tickets] == ["ENG-77"]


def test_set_checkbox_on_a_table_row_is_an_error(tmp_path: Path) -> None:
    editor = editor_for(tmp_path, SEED)
    with pytest.raises(ValueError, match="table row"):
        editor.set_checkbox(item_id(editor, "Extend"), True)


# ---------------------------------------------------------------- saving


def test_save_without_changes_writes_nothing(tmp_path: Path) -> None:
    file = write(tmp_path, SEED)
    os.utime(file, (1_000_000, 1_000_000))
    assert DocumentEditor.open(file).save() is False
    assert file.stat().st_mtime == 1_000_000


def test_save_writes_the_edit_and_keeps_the_file_mode(tmp_path: Path) -> None:
    file = write(tmp_path, SEED)
    file.chmod(0o640)
    editor = DocumentEditor.open(file)
    editor.set_cell(item_id(editor, "Extend"), "owner", "@kim")
    assert editor.save() is True
    assert file.read_bytes() == editor.render()
    assert stat.S_IMODE(file.stat().st_mode) == 0o640
    assert [p.name for p in tmp_path.iterdir()] == ["pm.md"]


def test_save_replaces_the_file_rather_than_rewriting_it(tmp_path: Path) -> None:
    file = write(tmp_path, SEED)
    inode = file.stat().st_ino
    editor = DocumentEditor.open(file)
    editor.set_cell(item_id(editor, "Extend"), "owner", "@kim")
    editor.save()
    assert file.stat().st_ino != inode


def test_save_refuses_when_the_file_changed_since_it_was_read(tmp_path: Path) -> None:
    file = write(tmp_path, SEED)
    editor = DocumentEditor.open(file)
    editor.set_cell(item_id(editor, "Extend"), "owner", "@kim")
    file.write_text(SEED + "\nA colleague's edit.\n", encoding="utf-8")
    with pytest.raises(StaleDocumentError) as refused:
        editor.save()
    assert refused.value.exit_code == 1
    assert file.read_text(encoding="utf-8").endswith("A colleague's edit.\n")
    assert [p.name for p in tmp_path.iterdir()] == ["pm.md"]


def test_saving_twice_after_more_edits_is_allowed(tmp_path: Path) -> None:
    file = write(tmp_path, SEED)
    editor = DocumentEditor.open(file)
    editor.set_cell(item_id(editor, "Extend"), "owner", "@kim")
    editor.save()
    editor.set_cell(item_id(editor, "Extend"), "status", "done")
    assert editor.save() is True
    assert parse_file(file).items[1].status is Status.DONE


def test_reopening_and_setting_the_same_values_changes_nothing(tmp_path: Path) -> None:
    file = write(tmp_path, SEED)
    editor = DocumentEditor.open(file)
    editor.set_cell(item_id(editor, "Extend"), "ticket", "OPS-88")
    editor.set_cell(item_id(editor, "Extend"), "status", "done")
    editor.save()
    again = DocumentEditor.open(file)
    again.set_cell(item_id(again, "Extend"), "ticket", "OPS-88")
    again.set_cell(item_id(again, "Extend"), "status", "done")
    assert again.save() is False
