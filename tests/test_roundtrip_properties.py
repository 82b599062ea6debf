"""Properties of the parse → edit → render round trip on generated documents.

Documents vary in what breaks naive editors: BOM, CRLF/LF/mixed line endings, trailing
spaces, outer pipes or none, alignment rows, padding, wide (CJK, emoji) characters,
escaped pipes, no final newline, spaces or a non-breaking space before table lines, rows
with more cells than the header (blank padding cells, as in real postmortems), and list
items whose text starts with `1. `, `# ` or `- `. Whatever the edit, every other item
must read exactly as before.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tracker.editor import DocumentEditor, escape_cell
from tracker.model import ActionItem, Status
from tracker.parse import parse_text

HEADERS = {
    "action": ["Action", "Action Item", "Task", "行动项"],
    "owner": ["Owner", "Assignee", "负责人"],
    "due": ["Due Date", "Deadline", "截止日期"],
    "ticket": ["Ticket", "Bug", "工单"],
    "priority": ["Priority", "优先级"],
}
WORDS = [
    "add",
    "alert",
    "DB",
    "測試",
    "告警",
    "✅",
    "é",
    "x\\|y",
    "`a`",
    "42",
    "2024-01-22",
    "@kim",
]
SETTINGS = settings(
    max_examples=100, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)


@dataclass
class Doc:
    data: bytes
    columns: list[str]
    rows: int
    table_start: int  # 0-based line of the header
    newline: str


def _cell(draw: st.DrawFn) -> str:
    words = draw(st.lists(st.sampled_from(WORDS), max_size=3))
    left = draw(st.sampled_from(["", " ", "  "]))
    right = draw(st.sampled_from(["", " ", "   "]))
    return left + " ".join(words) + right


@st.composite
def documents(draw: st.DrawFn) -> Doc:
    others = draw(
        st.lists(
            st.sampled_from(["owner", "due", "ticket", "priority"]),
            min_size=1,
            max_size=4,
            unique=True,
        )
    )
    columns = draw(st.permutations(["action", *others]))
    headers = [draw(st.sampled_from(HEADERS[c])) for c in columns]
    outer = draw(st.booleans())
    newline = draw(st.sampled_from(["\n", "\r\n"]))
    mixed = draw(st.booleans())
    lead = draw(st.sampled_from(["", "", " ", "   ", "\u00a0"]))  # before table lines

    def row(cells: list[str], *, delimiter: bool = False) -> str:
        if not outer:  # without outer pipes, an empty first/last cell is no cell at all
            cells = [cells[0].strip() or "x", *cells[1:-1], cells[-1].rstrip() or "x"][: len(cells)]
        inner = "|".join(cells)
        trailing = draw(st.sampled_from(["", " ", "\t"]))
        # A non-breaking space before the delimiter row is no table at all (markdown-it).
        before = "" if delimiter and lead == "\u00a0" else lead
        return before + (f"|{inner}|" if outer else inner) + trailing

    def padded(cells: list[str]) -> list[str]:
        """Surplus blank cells between filled ones: the row is read from its filled cells."""
        cells = [cell if cell.strip() else " x " for cell in cells]
        for _ in range(draw(st.integers(1, 2))):
            at = draw(st.integers(1, len(cells) - 1)) if len(cells) > 1 else 1
            cells.insert(at, draw(st.sampled_from(["\t", " ", "", "  \t "])))
        return cells

    def delimiter() -> str:
        dashes = "-" * draw(st.integers(3, 8))
        return draw(st.sampled_from([dashes, ":" + dashes, dashes + ":", ":" + dashes + ":"]))

    heading = draw(st.sampled_from(["## Action Items", "## 行动项", "## Follow-ups"]))
    lines = ["# Postmortem: 测试 outage", "", "Some text with trailing spaces.   ", heading, ""]
    table_start = len(lines)
    lines.append(row([f" {h} " for h in headers]))
    lines.append(row([f" {delimiter()} " for _ in headers], delimiter=True))
    count = draw(st.integers(1, 5))
    for index in range(count):
        cells = [_cell(draw) for _ in headers]
        cells[columns.index("action")] = f" item {index} {cells[columns.index('action')].strip()} "
        if len(headers) > 1 and draw(st.integers(0, 3)) == 0:
            cells = padded(cells)
        lines.append(row(cells))
    lines += ["", "After the table ✅ 完成"]
    endings = [draw(st.sampled_from(["\n", "\r\n"])) if mixed else newline for _ in lines]
    text = "".join(line + end for line, end in zip(lines, endings, strict=True))
    if draw(st.booleans()):
        text = text.rstrip("\r\n")
    bom = "\ufeff" if draw(st.booleans()) else ""
    return Doc((bom + text).encode("utf-8"), columns, count, table_start, newline)


VALUES = st.text(alphabet=st.sampled_from([*"abcXYZ 019-.|@", "测", "試", "é"]), max_size=12)


def open_editor(tmp_path: Path, doc: Doc) -> DocumentEditor:
    file = tmp_path / "pm.md"
    file.write_bytes(doc.data)
    return DocumentEditor.open(file)


@SETTINGS
@given(doc=documents())
def test_render_without_edits_gives_back_the_original_bytes(tmp_path: Path, doc: Doc) -> None:
    editor = open_editor(tmp_path, doc)
    assert len(editor.postmortem.items) == doc.rows
    assert editor.render() == doc.data
    assert editor.save() is False


@SETTINGS
@given(doc=documents(), data=st.data())
def test_set_cell_changes_that_cell_and_no_other_line(
    tmp_path: Path, doc: Doc, data: st.DataObject
) -> None:
    editor = open_editor(tmp_path, doc)
    row = data.draw(st.integers(0, doc.rows - 1))
    column = data.draw(st.sampled_from(doc.columns))
    value = data.draw(VALUES)
    before = editor.postmortem.items
    editor.set_cell(before[row].id, column, value)

    out = editor.render()
    after = parse_text(out, "pm.md").items
    assert after[row].raw[column] == escape_cell(value)
    if column == "action":
        assert after[row].action == " ".join(value.split())
    old_lines = doc.data.splitlines(keepends=True)
    new_lines = out.splitlines(keepends=True)
    assert len(new_lines) == len(old_lines)
    changed = [i for i, (a, b) in enumerate(zip(old_lines, new_lines, strict=True)) if a != b]
    assert set(changed) <= {before[row].line - 1}
    others = [(i.raw, i.id) for n, i in enumerate(before) if n != row]
    assert [(i.raw, i.id) for n, i in enumerate(after) if n != row] == others


@SETTINGS
@given(doc=documents(), value=VALUES)
def test_adding_a_column_keeps_every_line_outside_the_table(
    tmp_path: Path, doc: Doc, value: str
) -> None:
    editor = open_editor(tmp_path, doc)
    missing = next(
        (c for c in ("ticket", "priority", "due", "owner") if c not in doc.columns), None
    )
    if missing is None:
        return
    before = editor.postmortem.items
    editor.set_cell(before[-1].id, missing, value)

    out = editor.render()
    after = parse_text(out, "pm.md").items
    assert after[-1].raw[missing] == escape_cell(value)
    assert [i.raw[missing] for i in after[:-1]] == [""] * (len(after) - 1)
    assert [{k: v for k, v in i.raw.items() if k != missing} for i in after] == [
        i.raw for i in before
    ]
    assert [i.id for i in after] == [i.id for i in before]
    table = range(doc.table_start, doc.table_start + 2 + doc.rows)
    old_lines = doc.data.splitlines(keepends=True)
    new_lines = out.splitlines(keepends=True)
    assert [line for i, line in enumerate(new_lines) if i not in table] == [
        line for i, line in enumerate(old_lines) if i not in table
    ]


def _reads(item: ActionItem) -> tuple[object, ...]:
    """Everything a reader sees of an item but its raw cells and its line."""
    tickets = [(ref.system, ref.key, ref.url) for ref in item.tickets]
    fields = (item.id, item.kind, item.action, item.owners, item.due, item.priority)
    return (*fields, item.status, tickets, item.type, item.table_index, item.row_index)


def assert_others_unchanged(before: list[ActionItem], after: list[ActionItem], edited: int) -> None:
    """Every item but `edited` reads as before; a cell added to its row is blank."""
    assert len(after) == len(before)
    for index, (old, new) in enumerate(zip(before, after, strict=True)):
        if index == edited:
            continue
        assert _reads(new) == _reads(old), f"item {index} changed"
        for cells, was in ((new.raw, old.raw), (new.extras, old.extras)):
            added = {key: text for key, text in cells.items() if key not in was}
            assert set(added.values()) <= {""}, f"item {index} got {added}"
            assert {key: cells[key] for key in was} == was, f"item {index} cells changed"


STATUS_VALUES = [status.value for status in Status]


@SETTINGS
@given(doc=documents(), data=st.data())
def test_no_sequence_of_table_edits_changes_another_item(
    tmp_path: Path, doc: Doc, data: st.DataObject
) -> None:
    editor = open_editor(tmp_path, doc)
    ids = [item.id for item in editor.postmortem.items]
    current = editor.postmortem.items
    for _ in range(data.draw(st.integers(1, 4))):
        row = data.draw(st.integers(0, doc.rows - 1))
        column = data.draw(st.sampled_from(["ticket", "status", "owner", "due", "priority"]))
        value = data.draw(st.sampled_from(STATUS_VALUES) if column == "status" else VALUES)
        editor.set_cell(ids[row], column, value)

        after = parse_text(editor.render(), "pm.md").items
        assert_others_unchanged(current, after, row)
        if column == "status":
            assert after[row].status.value == value
        else:
            assert after[row].raw[column] == escape_cell(value)
        current = after


@st.composite
def list_documents(draw: st.DrawFn) -> tuple[bytes, int]:
    newline = draw(st.sampled_from(["\n", "\r\n"]))
    heading = draw(st.sampled_from(["## Action Items", "## 后续行动", "## Follow-ups"]))
    lines = ["# Postmortem: list", "", heading, ""]
    count = draw(st.integers(1, 5))
    for index in range(count):
        marker = draw(st.sampled_from(["-", "*", f"{index + 1}."]))
        prefix = draw(
            st.sampled_from(["", "[ ] ", "[x] ", "✅ ", "📋 ", "[ ] 🔄 ", "[x] ❌ ", "[]  "])
        )
        # `- 1. item`, `- # item`, `- - item`: the marker line opens another block.
        opening = draw(st.sampled_from(["", "", "", "1. ", "# ", "- "])) if not prefix else ""
        words = " ".join(draw(st.lists(st.sampled_from(WORDS[:7]), min_size=1, max_size=3)))
        tail = draw(
            st.sampled_from(
                [
                    "",
                    " (@lee)",
                    " — owner: @kim, due: 2025-03-14",
                    " (OPS-1)",
                    " — owner: @kim, @bob",
                    ", status: WIP",
                ]
            )
        )
        trailing = draw(st.sampled_from(["", "  "]))
        lines.append(f"{marker} {prefix}{opening}item {index} {words}{tail}{trailing}")
        if draw(st.booleans()):
            lines.append(" " * (len(marker) + 1) + "- a nested detail")
    text = newline.join(lines) + newline
    return text.encode("utf-8"), count


@SETTINGS
@given(doc=list_documents(), data=st.data())
def test_writing_back_into_a_list_item_keeps_ids_and_other_lines(
    tmp_path: Path, doc: tuple[bytes, int], data: st.DataObject
) -> None:
    source, count = doc
    file = tmp_path / "pm.md"
    file.write_bytes(source)
    editor = DocumentEditor.open(file)
    before = editor.postmortem.items
    assert len(before) == count
    target = data.draw(st.integers(0, count - 1))
    column = data.draw(st.sampled_from(["ticket", "status", "owner", "due"]))
    value = {
        "ticket": "[ENG-77](https://jira.example.com/browse/ENG-77)",
        "status": data.draw(st.sampled_from([status.value for status in Status])),
        "owner": "@sam",
        "due": "2026-01-31",
    }[column]
    editor.set_cell(before[target].id, column, value)

    after = parse_text(editor.render(), "pm.md").items
    assert [item.id for item in after] == [item.id for item in before]
    item = after[target]
    if column == "ticket":
        assert "ENG-77" in [ref.key for ref in item.tickets]
    elif column == "owner":
        assert item.owners == ["@sam"]
    elif column == "due":
        assert str(item.due) == "2026-01-31"
    else:
        assert item.status.value == value
    assert lines_changed(source, editor.render(), before[target].line - 1)


def lines_changed(old: bytes, new: bytes, target: int) -> bool:
    """Only line `target` changed, or it was split in two (`- 1. X` → `- [x]` + `  1. X`)."""
    old_lines, new_lines = old.splitlines(keepends=True), new.splitlines(keepends=True)
    extra = len(new_lines) - len(old_lines)
    if extra == 1:
        moved = new_lines[target + 1].lstrip(b" ")
        assert old_lines[target].rstrip(b"\r\n").endswith(moved.rstrip(b"\r\n"))
    return (
        extra in (0, 1)
        and new_lines[:target] == old_lines[:target]
        and new_lines[target + 1 + extra :] == old_lines[target + 1 :]
    )


@SETTINGS
@given(doc=list_documents(), data=st.data())
def test_every_status_set_on_a_list_item_reads_back(
    tmp_path: Path, doc: tuple[bytes, int], data: st.DataObject
) -> None:
    source, count = doc
    file = tmp_path / "pm.md"
    file.write_bytes(source)
    editor = DocumentEditor.open(file)
    before = editor.postmortem.items
    target = before[data.draw(st.integers(0, count - 1))]
    for status in data.draw(st.permutations(list(Status))):
        editor.set_cell(target.id, "status", status.value)
        out = editor.render()
        after = parse_text(out, "pm.md").items
        assert [(i.id, i.action) for i in after] == [(i.id, i.action) for i in before]
        assert next(i for i in after if i.id == target.id).status is status
        assert lines_changed(source, out, target.line - 1)


@SETTINGS
@given(doc=list_documents(), data=st.data())
def test_no_sequence_of_list_edits_changes_another_item(
    tmp_path: Path, doc: tuple[bytes, int], data: st.DataObject
) -> None:
    source, count = doc
    file = tmp_path / "pm.md"
    file.write_bytes(source)
    editor = DocumentEditor.open(file)
    ids = [item.id for item in editor.postmortem.items]
    current = editor.postmortem.items
    for _ in range(data.draw(st.integers(1, 4))):
        target = data.draw(st.integers(0, count - 1))
        column = data.draw(st.sampled_from(["ticket", "status", "owner", "due"]))
        value = {
            "ticket": data.draw(st.sampled_from(["ENG-77", "#5", "acme/app#9"])),
            "status": data.draw(st.sampled_from(STATUS_VALUES)),
            "owner": data.draw(st.sampled_from(["@sam", "Jane Doe"])),
            "due": "2026-01-31",
        }[column]
        editor.set_cell(ids[target], column, value)

        after = parse_text(editor.render(), "pm.md").items
        assert_others_unchanged(current, after, target)
        assert (after[target].id, after[target].action) == (ids[target], current[target].action)
        if column == "status":
            assert after[target].status.value == value
        current = after
