"""Properties of the parse → edit → render round trip on generated documents.

Documents vary in what breaks naive editors: BOM, CRLF/LF/mixed line endings, trailing
spaces, outer pipes or none, alignment rows, padding, wide (CJK, emoji) characters,
escaped pipes, no final newline.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tracker.editor import DocumentEditor, escape_cell
from tracker.model import Status
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

    def row(cells: list[str]) -> str:
        if not outer:  # without outer pipes, an empty first/last cell is no cell at all
            cells = [cells[0].strip() or "x", *cells[1:-1], cells[-1].rstrip() or "x"][: len(cells)]
        inner = "|".join(cells)
        trailing = draw(st.sampled_from(["", " ", "\t"]))
        return (f"|{inner}|" if outer else inner) + trailing

    def delimiter() -> str:
        dashes = "-" * draw(st.integers(3, 8))
        return draw(st.sampled_from([dashes, ":" + dashes, dashes + ":", ":" + dashes + ":"]))

    heading = draw(st.sampled_from(["## Action Items", "## 行动项", "## Follow-ups"]))
    lines = ["# Postmortem: 测试 outage", "", "Some text with trailing spaces.   ", heading, ""]
    table_start = len(lines)
    lines.append(row([f" {h} " for h in headers]))
    lines.append(row([f" {delimiter()} " for _ in headers]))
    count = draw(st.integers(1, 5))
    for index in range(count):
        cells = [_cell(draw) for _ in headers]
        cells[columns.index("action")] = f" item {index} {cells[columns.index('action')].strip()} "
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
        lines.append(f"{marker} {prefix}item {index} {words}{tail}{trailing}")
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
    old_lines = source.splitlines(keepends=True)
    new_lines = editor.render().splitlines(keepends=True)
    changed = [i for i, (a, b) in enumerate(zip(old_lines, new_lines, strict=True)) if a != b]
    assert set(changed) <= {before[target].line - 1}


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
        old_lines = source.splitlines(keepends=True)
        new_lines = out.splitlines(keepends=True)
        changed = {i for i, (a, b) in enumerate(zip(old_lines, new_lines, strict=True)) if a != b}
        assert changed <= {target.line - 1}
