"""Real documents: every file parses, and what the parser finds is what a reader lists.

Two sets, one set of checks: the corpus of public postmortems vendored in tests/corpus
(sources and licences in its SOURCES.md) and the project's own `examples/postmortems`.
Expectations live in `tests/corpus_expectations.py`, written from reading the documents;
its docstring states the rules for the hard cases.

The parser does not read every shape yet, so the checks split in two:

- Precision: every item the parser finds is an item a reader lists (no extras), and
  each field of a found item (owners, due, status, tickets, priority, type,
  continuation text, line) is right. Each field is its own test per file.
- Recall: every expected item is counted, found or not.

Both are held by a ratchet, `tests/corpus/recall_floor.json`, generated from today's
parser. Per document it records `found` (the expected items the parser finds, by their
first action substring: the recall floor), `wrong` ("field: item" pairs the parser
gets wrong today) and `extra` (parsed items no reader lists). A found item missing
from `found`, or a wrong field or extra item not listed, fails. Listed gaps are the
parser's known debt, shown by `bench/corpus.py`; everything else is asserted.

Raising the floor after a parser improvement: run

    .venv/bin/python bench/corpus.py --write-floor

which rewrites the file from today's parser (it refuses to record a regression, i.e.
fewer found items or more wrong fields or extras, unless given --allow-lower), then
review and commit the diff. `bench/corpus.py` without flags prints recall, precision
and field accuracy, and lists the items still missed.

A whole aspect of one file can also be listed in KNOWN_GAPS; it runs as a strict
xfail, so when the parser learns the feature the xfail fails and asks for its removal.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from functools import cache
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import CORPUS_DIR, REPO_ROOT
from tests.corpus_expectations import (
    EXAMPLES,
    EXPECTED,
    FIELDS,
    UNCHECKED,
    Expected,
    Item,
    extra_key,
    norm,
    pair,
    wrong_key,
)
from tracker.model import ActionItem, Postmortem
from tracker.parse import parse_file

EXAMPLES_DIR = REPO_ROOT / "examples" / "postmortems"
FLOOR_FILE = REPO_ROOT / "tests" / "corpus" / "recall_floor.json"

# case id ("corpus/<file>" or "examples/<file>"), aspect -> what the parser lacks.
# Each entry runs as xfail(strict=True, reason="parser: …").
KNOWN_GAPS: dict[tuple[str, str], str] = {}


def _split(case: str) -> tuple[Path, str]:
    folder, name = case.split("/", 1)
    return (CORPUS_DIR if folder == "corpus" else EXAMPLES_DIR), name


def _expected(case: str) -> Expected:
    folder, name = case.split("/", 1)
    return (EXPECTED if folder == "corpus" else EXAMPLES)[name]


def _corpus_listing() -> list[str]:
    return [f"corpus/{p.name}" for p in sorted(CORPUS_DIR.glob("*.md"))]


def _all_cases() -> list[str]:
    return [f"corpus/{n}" for n in EXPECTED] + [f"examples/{n}" for n in EXAMPLES]


def _params(aspect: str, cases: list[str]) -> list[Any]:
    params = []
    for case in cases:
        gap = KNOWN_GAPS.get((case, aspect))
        marks = [pytest.mark.xfail(strict=True, reason=f"parser: {gap}")] if gap else []
        params.append(pytest.param(case, id=case, marks=marks))
    return params


def _cases_checking(aspect: str, field: str) -> list[Any]:
    """Cases whose expectations assert `field` on at least one item."""
    cases = [
        case
        for case in _all_cases()
        if any(getattr(it, field) is not UNCHECKED for it in _expected(case).items)
    ]
    return _params(aspect, cases)


def _cases_with(aspect: str, attribute: str) -> list[Any]:
    """Cases whose document-level expectation `attribute` is asserted."""
    cases = [c for c in _all_cases() if getattr(_expected(c), attribute) not in (None, UNCHECKED)]
    return _params(aspect, cases)


def _cases_asserting(aspect: str, attribute: str) -> list[Any]:
    """Like `_cases_with`, where None is a value to assert ("the document states none")."""
    return _params(
        aspect, [c for c in _all_cases() if getattr(_expected(c), attribute) is not UNCHECKED]
    )


@cache
def _parsed(case: str) -> Postmortem:
    folder, name = _split(case)
    return parse_file(folder / name)


@cache
def _source_lines(case: str) -> list[str]:
    folder, name = _split(case)
    return (folder / name).read_text(encoding="utf-8-sig").splitlines()


_norm = norm


def _pairs(case: str) -> list[tuple[Item, ActionItem | None]]:
    """Each expected item with the parsed item it is (None: the parser missed it)."""
    actual = _parsed(case).items
    expected = _expected(case).items
    lines = _source_lines(case)
    firsts = [lines[it.line - 1] if 1 <= it.line <= len(lines) else "" for it in actual]
    hits = pair(expected, [it.action for it in actual], firsts)
    return [
        (exp, None if hit is None else actual[hit]) for exp, hit in zip(expected, hits, strict=True)
    ]


def _found(case: str) -> list[ActionItem]:
    return [got for _, got in _pairs(case) if got is not None]


@cache
def _floor() -> dict[str, dict[str, list[str]]]:
    floor: dict[str, dict[str, list[str]]] = json.loads(FLOOR_FILE.read_text(encoding="utf-8"))
    return floor


def _known(case: str, key: str) -> list[str]:
    return _floor().get(case, {}).get(key, [])


def _compare_field(case: str, field: str) -> None:
    """Compare `field` on every item the parser found; missed items are recall's business."""
    actual_value, same = FIELDS[field]
    problems = []
    for expected, got in _pairs(case):
        want = getattr(expected, field)
        if want is UNCHECKED or got is None:
            continue
        if wrong_key(field, expected) in _known(case, "wrong"):
            continue  # the parser's known debt, listed in the floor file
        label = expected.action[0] or "<blank>"
        if not same(actual_value(got), want):
            problems.append(f"{label!r} (line {got.line}): {actual_value(got)!r}, want {want!r}")
    assert not problems, f"{field}:\n" + "\n".join(problems)


# --- every corpus file -----------------------------------------------------------------


@pytest.mark.parametrize("case", _params("parses", _corpus_listing()))
def test_corpus_file_parses_without_exception(case: str) -> None:
    doc = _parsed(case)
    assert isinstance(doc, Postmortem)
    assert all(isinstance(item, ActionItem) for item in doc.items)


@pytest.mark.parametrize("case", _params("expectations", _corpus_listing()))
def test_corpus_file_has_written_expectations(case: str) -> None:
    assert case.split("/", 1)[1] in EXPECTED, (
        f"{case} is new in the corpus: read it and add what a person lists as its "
        "action items to tests/corpus_expectations.py"
    )


def test_corpus_expectations_name_only_files_that_exist() -> None:
    stale = sorted({f"corpus/{n}" for n in EXPECTED} - set(_corpus_listing()))
    assert not stale, f"expectations for files no longer in the corpus: {stale}"


def test_every_corpus_file_has_a_source_and_licence_record() -> None:
    sources = (CORPUS_DIR / "SOURCES.md").read_text(encoding="utf-8")
    unrecorded = [n for n in EXPECTED if n != "SOURCES.md" and f"| {n} |" not in sources]
    assert not unrecorded, f"not in tests/corpus/SOURCES.md: {unrecorded}"


def test_examples_expectations_cover_every_example() -> None:
    assert sorted(p.name for p in EXAMPLES_DIR.glob("*.md")) == sorted(EXAMPLES)


# --- recall floor ----------------------------------------------------------------------


def test_recall_floor_names_every_case_and_only_expected_items() -> None:
    floor = _floor()
    assert sorted(floor) == sorted(_all_cases()), "regenerate: bench/corpus.py --write-floor"
    unknown = {
        case: sorted(
            Counter(entry.get("found", [])) - Counter(it.action[0] for it in _expected(case).items)
        )
        for case, entry in floor.items()
        if case in _all_cases()
    }
    assert not {c: u for c, u in unknown.items() if u}, unknown


@pytest.mark.parametrize("case", _params("recall", _all_cases()))
def test_recall_does_not_fall_below_the_floor(case: str) -> None:
    found = Counter(exp.action[0] for exp, got in _pairs(case) if got is not None)
    lost = Counter(_known(case, "found")) - found
    assert not lost, f"items the parser found before and misses now: {sorted(lost)}"


# --- items -----------------------------------------------------------------------------


@pytest.mark.parametrize("case", _params("precision", _all_cases()))
def test_every_item_the_parser_finds_is_one_a_reader_lists(case: str) -> None:
    matched = {id(got) for got in _found(case)}
    known = Counter(_known(case, "extra"))
    extra = Counter(extra_key(it) for it in _parsed(case).items if id(it) not in matched)
    assert not extra - known, f"parsed items no reader lists: {sorted(extra - known)}"


@pytest.mark.parametrize(
    "case",
    _params(
        "blank", [c for c in _all_cases() if any(it.action == ("",) for it in _expected(c).items)]
    ),
)
def test_blank_template_rows_have_an_empty_action(case: str) -> None:
    filled = [got.action for exp, got in _pairs(case) if exp.action == ("",) and got and got.action]
    assert not filled, f"blank rows parsed with text: {filled}"


@pytest.mark.parametrize(
    "case",
    _params(
        "continuations",
        [c for c in _all_cases() if any(len(it.action) > 1 for it in _expected(c).items)],
    ),
)
def test_wrapped_lines_and_sub_bullets_belong_to_their_item(case: str) -> None:
    problems = [
        f"{exp.action[0]!r} lacks {part!r}: got {got.action!r}"
        for exp, got in _pairs(case)
        if got is not None
        for part in exp.action[1:]
        if _norm(part) not in _norm(got.action)
    ]
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize(
    "case", _params("fields", [c for c in _all_cases() if _expected(c).kind == "list"])
)
def test_inline_owner_and_due_fields_are_not_part_of_the_action(case: str) -> None:
    leaked = [it.action for it in _parsed(case).items if re.search(r"\b(owner|due):", it.action)]
    assert not leaked, f"field text left in actions: {leaked}"


ROW_OR_LIST_ITEM = re.compile(r"^\s*(\||[-*+](\s|$)|\d+[.)](\s|$))")


@pytest.mark.parametrize("case", _cases_checking("lines", "action"))
def test_item_line_is_the_line_its_text_starts_on(case: str) -> None:
    lines = _source_lines(case)
    problems = []
    for expected, got in _pairs(case):
        if got is None:
            continue
        if not 1 <= got.line <= len(lines):
            problems.append(f"{expected.action[0]!r}: line {got.line} is out of range")
            continue
        source = lines[got.line - 1]
        needle = expected.action[0]
        ok = _norm(needle) in _norm(source) if needle else bool(ROW_OR_LIST_ITEM.match(source))
        if not ok:
            problems.append(f"{needle or '<blank>'!r}: line {got.line} is {source!r}")
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize("case", _cases_checking("owners", "owners"))
def test_owners_match(case: str) -> None:
    _compare_field(case, "owners")


@pytest.mark.parametrize("case", _cases_checking("due", "due"))
def test_due_dates_match(case: str) -> None:
    _compare_field(case, "due")


@pytest.mark.parametrize("case", _cases_checking("status", "status"))
def test_statuses_match(case: str) -> None:
    _compare_field(case, "status")


@pytest.mark.parametrize("case", _cases_checking("tickets", "tickets"))
def test_tickets_match(case: str) -> None:
    _compare_field(case, "tickets")


@pytest.mark.parametrize("case", _cases_checking("priority", "priority"))
def test_priorities_match(case: str) -> None:
    _compare_field(case, "priority")


@pytest.mark.parametrize("case", _cases_checking("type", "type"))
def test_types_match(case: str) -> None:
    _compare_field(case, "type")


@pytest.mark.parametrize("case", _cases_with("kind", "kind"))
def test_items_come_from_the_expected_kind_of_block(case: str) -> None:
    assert {it.kind for it in _parsed(case).items} <= {_expected(case).kind}


@pytest.mark.parametrize("case", _params("warnings", [f"examples/{n}" for n in EXAMPLES]))
def test_examples_warn_only_about_their_unowned_items(case: str) -> None:
    doc = _parsed(case)
    unowned = {got.line for exp, got in _pairs(case) if got is not None and exp.owners == ()}
    warned = {w.line for w in doc.warnings}
    assert warned == unowned, [str(w) for w in doc.warnings]
    assert all("owner" in w.code for w in doc.warnings), [str(w) for w in doc.warnings]


# --- document metadata -----------------------------------------------------------------


@pytest.mark.parametrize("case", _cases_with("title", "title"))
def test_title_matches(case: str) -> None:
    assert _parsed(case).title == _expected(case).title


@pytest.mark.parametrize("case", _params("language", _all_cases()))
def test_language_matches(case: str) -> None:
    assert _parsed(case).language == _expected(case).language


@pytest.mark.parametrize("case", _cases_asserting("team", "team"))
def test_team_matches(case: str) -> None:
    assert _parsed(case).team == _expected(case).team


@pytest.mark.parametrize("case", _cases_asserting("severity", "severity"))
def test_severity_matches(case: str) -> None:
    assert _parsed(case).severity == _expected(case).severity


@pytest.mark.parametrize("case", _cases_asserting("date", "date"))
def test_date_matches(case: str) -> None:
    assert _parsed(case).date == _expected(case).date
