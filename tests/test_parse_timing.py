"""Every parser entry point is linear on pathological input, and no document stalls a scan.

Fuzzing found patterns retried from every `[` of a long run: a 64 KB cell took 47 s and
each doubling cost four times more. Each entry point is timed on runs of one character
(or a short unit) at 16 KB and 64 KB; linear growth gives a ratio near 4, quadratic
near 16, so a ratio under 8 is a generous bound that still catches super-linear code.
Times are the best of three (more when the first try looks slow) to tolerate a busy
machine (CPU time of this process, not wall time, so other processes on the machine
don't count).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.cli_helpers import invoke_tracker
from tracker.editor import DocumentEditor, escape_cell
from tracker.parse import Limits, iter_documents, parse_file, parse_text
from tracker.parse.columns import normalise_header
from tracker.parse.lists import parse_list_item
from tracker.parse.metadata import bold_fields
from tracker.parse.sections import is_action_heading, is_non_action_heading
from tracker.parse.text import status_in_text
from tracker.parse.tickets import parse_ticket_refs
from tracker.parse.values import parse_due, parse_owners, parse_priority, parse_status, plain

SMALL, LARGE = 16_000, 64_000
BOUND = 8.0
UNITS = [
    "[",
    "(",
    "*",
    "_",
    "`",
    "A",
    "|",
    "<",
    "!",
    ":",
    "1",
    "-",
    "测",
    " ",
    "](",
    "[a](",
    "(@",
    "~~",
    "**a** ",
    "ENG",
    "<br",
    "@a.",
]


def _document(run: str) -> str:
    """A postmortem whose action table cells and list item share `run`."""
    cell = run[: len(run) // 7]
    return (
        "# Postmortem: run\n\n## Action Items\n\n"
        "| Action | Owner | Due | Ticket | Status | Priority |\n"
        "|---|---|---|---|---|---|\n"
        f"| fix {cell} | {cell} | {cell} | {cell} | {cell} | {cell} |\n\n"
        f"- [ ] check {cell}\n"
    )


def _with_a_dropped_link(run: str) -> str:
    """A list item whose text holds `run` before a link word the action text leaves out."""
    return f"## Action Items\n\n- check x{run}y [issue](https://github.com/a/b/issues/1) .\n"


ENTRY_POINTS: dict[str, Callable[[str], object]] = {
    "parse_text": lambda run: parse_text(_document(run), "run.md"),
    "parse_text_with_a_dropped_link": lambda run: parse_text(_with_a_dropped_link(run), "run.md"),
    "plain": plain,
    "parse_status": parse_status,
    "parse_due": parse_due,
    "parse_owners": parse_owners,
    "parse_priority": parse_priority,
    "parse_ticket_refs": parse_ticket_refs,
    "parse_list_item": lambda run: parse_list_item(run, run),
    "status_in_text": status_in_text,
    "normalise_header": normalise_header,
    "headings": lambda run: (is_action_heading(run), is_non_action_heading(run)),
    "bold_fields": bold_fields,
    "escape_cell": escape_cell,
}


def _run(unit: str, size: int) -> str:
    return unit * (size // len(unit))


def _best(parse: Callable[[str], object], text: str, tries: int) -> float:
    """Best time of `tries` runs, each repeating the call until it lasts a few ms."""
    loops = 1
    while True:
        start = time.process_time()
        for _ in range(loops):
            parse(text)
        if time.process_time() - start > 0.004 or loops >= 64:
            break
        loops *= 4
    best = float("inf")
    for _ in range(tries):
        start = time.process_time()
        for _ in range(loops):
            parse(text)
        best = min(best, (time.process_time() - start) / loops)
    return best


def growth(parse: Callable[[str], object], unit: str) -> float:
    """Time at 64 KB over time at 16 KB. A ratio over the bound is measured again, longer,
    up to three more times, and the smallest kept: a busy machine inflates one measure
    now and then, a super-linear parser (×16 here) every one of them."""
    small, large = _run(unit, SMALL), _run(unit, LARGE)
    ratio = _best(parse, large, 3) / _best(parse, small, 3)
    for _ in range(3):
        if ratio < BOUND:
            break
        ratio = min(ratio, _best(parse, large, 7) / _best(parse, small, 7))
    return ratio


@pytest.mark.parametrize("unit", UNITS)
@pytest.mark.parametrize("entry", sorted(ENTRY_POINTS))
def test_parser_entry_point_grows_linearly_on_long_runs(entry: str, unit: str) -> None:
    ratio = growth(ENTRY_POINTS[entry], unit)
    assert ratio < BOUND, f"{entry} on a run of {unit!r}: 64K/16K time ratio {ratio:.1f}"


PATHOLOGICAL = st.sampled_from(["[", "]", "(", ")", "*", "_", "`", "A", "|", "<", "!", ":", "1"])


@settings(max_examples=12, deadline=None, derandomize=True)
@given(unit=st.lists(PATHOLOGICAL, min_size=2, max_size=4).map("".join))
def test_mixed_runs_of_markup_characters_grow_linearly(unit: str) -> None:
    for entry in ("parse_text", "parse_ticket_refs", "parse_owners", "parse_list_item"):
        ratio = growth(ENTRY_POINTS[entry], unit)
        assert ratio < BOUND, f"{entry} on runs of {unit!r}: ratio {ratio:.1f}"


def test_document_over_the_size_limit_is_skipped_with_one_warning(tmp_path: Path) -> None:
    file = tmp_path / "huge.md"
    file.write_text(_document(_run("a", 5_000)), encoding="utf-8")

    doc = parse_file(file, limits=Limits(max_bytes=1_000))

    assert doc.items == []
    assert [(w.line, w.code) for w in doc.warnings] == [(1, "too-large")]
    assert "over the 1,000-byte limit" in doc.warnings[0].message


def test_document_within_the_size_limit_is_read() -> None:
    doc = parse_text(_document(_run("a", 700)), "ok.md", limits=Limits(max_bytes=1_000))

    assert [item.action for item in doc.items] == ["fix " + "a" * 100, "check " + "a" * 100]


def test_parse_past_its_time_budget_is_skipped_at_the_line_it_reached() -> None:
    rows = "".join(f"| step {n} | @kim | 2025-01-0{n % 9 + 1} |\n" for n in range(3_000))
    text = f"# PM\n\n## Action Items\n\n| Action | Owner | Due |\n|---|---|---|\n{rows}"

    doc = parse_text(text, "slow.md", limits=Limits(timeout=1e-6))

    assert doc.items == []
    [warning] = doc.warnings
    assert warning.code == "parse-timeout"
    assert 1 <= warning.line <= text.count("\n") + 1
    assert "slow.md" in str(warning) and "parse_timeout_seconds" in warning.message


def test_a_skipped_document_does_not_stop_the_scan_of_the_others(tmp_path: Path) -> None:
    (tmp_path / "a-huge.md").write_text(_document(_run("[", 64_000)), encoding="utf-8")
    (tmp_path / "b-fine.md").write_text(_document("a"), encoding="utf-8")

    docs = list(iter_documents([tmp_path], limits=Limits(max_bytes=10_000)))

    assert [(Path(d.path).name, len(d.items)) for d in docs] == [("a-huge.md", 0), ("b-fine.md", 2)]
    assert [w.code for w in docs[0].warnings] == ["too-large"]


def test_the_editor_refuses_to_edit_a_document_it_skipped(tmp_path: Path) -> None:
    file = tmp_path / "huge.md"
    file.write_text(_document(_run("a", 5_000)), encoding="utf-8")

    editor = DocumentEditor.open(file, limits=Limits(max_bytes=1_000))

    assert editor.postmortem.items == []
    assert [w.code for w in editor.postmortem.warnings] == ["too-large"]


def test_scan_takes_the_size_limit_from_the_documents_config(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "tracker.toml").write_text(
        '[documents]\npaths = ["pm"]\nmax_document_bytes = 1000\n', encoding="utf-8"
    )
    (tmp_path / "pm").mkdir()
    (tmp_path / "pm" / "big.md").write_text(_document(_run("a", 5_000)), encoding="utf-8")

    outcome = invoke_tracker(
        "scan", "--strict", capsys=capsys, monkeypatch=monkeypatch, cwd=tmp_path
    )

    assert outcome.returncode == 1
    assert "big.md:1: too-large" in outcome.stdout + outcome.stderr
