"""The editor on every real postmortem in tests/corpus: exact bytes, safe edits.

Each document is copied to a temporary folder (never edited in place), then every item
gets a ticket and a status written back; re-parsing must find the same items with the
new values, and no line outside the edited tables and items may change.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from tests.conftest import CORPUS_DIR
from tracker.editor import DocumentEditor
from tracker.model import Status
from tracker.parse import parse_file, parse_with_layout
from tracker.parse.layout import ListItemLayout

NAMES = sorted(p.name for p in CORPUS_DIR.glob("*.md"))


@pytest.fixture
def copy(tmp_path: Path, request: pytest.FixtureRequest) -> Path:
    target = tmp_path / request.node.callspec.params["name"]
    shutil.copyfile(CORPUS_DIR / target.name, target)
    return target


@pytest.mark.parametrize("name", NAMES)
def test_render_without_edits_is_byte_identical(name: str, copy: Path) -> None:
    assert DocumentEditor.open(copy).render() == copy.read_bytes()


@pytest.mark.parametrize("name", NAMES)
def test_writing_ticket_and_status_into_every_item(name: str, copy: Path) -> None:
    editor = DocumentEditor.open(copy)
    items = editor.postmortem.items
    for number, item in enumerate(items, start=1):
        key = f"ENG-{number}"
        link = f"[{key}](https://jira.example.com/browse/{key})"
        editor.set_cell(item.id, "ticket", link if number % 2 else key)
        editor.set_cell(item.id, "status", Status.DONE)
    assert editor.save() is bool(items)

    after = parse_file(copy)
    assert [i.id for i in after.items] == [i.id for i in items]
    assert [[r.key for r in i.tickets if r.key.startswith("ENG-")] for i in after.items] == [
        [f"ENG-{n}"] for n in range(1, len(items) + 1)
    ]
    assert {i.status for i in after.items} <= {Status.DONE}
    original = (CORPUS_DIR / name).read_bytes().splitlines()
    edited = copy.read_bytes().splitlines()
    assert len(edited) == len(original)
    changed = {n for n, (a, b) in enumerate(zip(original, edited, strict=True), 1) if a != b}
    assert changed <= _owned_lines(CORPUS_DIR / name)


def _owned_lines(path: Path) -> set[int]:
    """1-based lines the editor may touch: action tables, and list items' marker/text lines."""
    _, layout = parse_with_layout(path.read_bytes(), str(path))
    lines = {line + 1 for table in layout.tables for line in range(table.start, table.end)}
    for place in layout.places.values():
        if isinstance(place, ListItemLayout):
            lines.add(place.marker_line + 1)
            lines.update(line + 1 for line in range(place.text_start, place.text_end))
    return lines
