"""Writing back into follow-ups that are paragraphs (no list marker), in a real document."""

from __future__ import annotations

import shutil
from pathlib import Path

from tracker.editor import DocumentEditor
from tracker.model import Status
from tracker.parse import parse_file

CORPUS = Path(__file__).parent / "corpus"


def _copy(tmp_path: Path) -> Path:
    copy = tmp_path / "optimism__2022-02-02-inflation-vuln.md"
    shutil.copyfile(CORPUS / copy.name, copy)
    return copy


def test_reopening_an_action_taken_paragraph_writes_a_status_field(tmp_path: Path) -> None:
    copy = _copy(tmp_path)
    editor = DocumentEditor.open(copy)
    item = next(i for i in editor.postmortem.items if i.action.startswith("This disclosure"))
    editor.set_cell(item.id, "status", Status.OPEN)
    editor.save()

    after = next(i for i in parse_file(copy).items if i.id == item.id)
    assert after.status is Status.OPEN
    assert "status: Open" in copy.read_text(encoding="utf-8").splitlines()[item.line]


def test_ticking_a_paragraph_item_marks_it_done_without_adding_a_checkbox(tmp_path: Path) -> None:
    copy = _copy(tmp_path)
    editor = DocumentEditor.open(copy)
    item = next(i for i in editor.postmortem.items if i.action.startswith("We will expand"))
    editor.set_checkbox(item.id, True)
    editor.save()

    after = next(i for i in parse_file(copy).items if i.id == item.id)
    assert after.status is Status.DONE
    assert "[x]" not in copy.read_text(encoding="utf-8")
