"""Real documents: every file parses, and yields the items a person reading it lists.

Two sets, one set of checks: the shared corpus of public postmortems (read in place from
SHARED_DIR; skipped without it locally, failing without it in CI) and the project's own
`examples/postmortems`. Expectations live in `tests/corpus_expectations.py`, written from
reading the documents; its docstring states the rules for the hard cases.

Each aspect (count, actions, owners, due, status, …) is its own test per file, so a
parser gap in one field shows up as exactly that. Known gaps are listed in KNOWN_GAPS
and run as strict xfails: when the parser learns the feature, the xfail turns into a
failure that asks for the entry to be removed.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from functools import cache
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import REPO_ROOT, SHARED_DIR, unavailable
from tests.corpus_expectations import EXAMPLES, EXPECTED, UNCHECKED, Expected, Item
from tracker.model import ActionItem, Postmortem
from tracker.parse import parse_file

CORPUS_DIR = SHARED_DIR / "corpus" / "postmortems"
EXAMPLES_DIR = REPO_ROOT / "examples" / "postmortems"
MISSING = "corpus/<corpus missing>"

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
    if not CORPUS_DIR.is_dir():
        return [MISSING]
    return [f"corpus/{p.name}" for p in sorted(CORPUS_DIR.iterdir()) if p.is_file()]


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


def _require_corpus(case: str = "corpus/") -> None:
    if case.startswith("corpus/") and not CORPUS_DIR.is_dir():
        unavailable(f"postmortem corpus not found at {CORPUS_DIR}")


@cache
def _parsed(case: str) -> Postmortem:
    _require_corpus(case)
    folder, name = _split(case)
    return parse_file(folder / name)


@cache
def _source_lines(case: str) -> list[str]:
    _require_corpus(case)
    folder, name = _split(case)
    return (folder / name).read_text(encoding="utf-8-sig").splitlines()


def _norm(text: str) -> str:
    """Compare text the way a reader does: case, spacing and code ticks don't matter."""
    return " ".join(text.replace("`", "").split()).casefold()


def _pairs(case: str) -> list[tuple[Item, ActionItem | None]]:
    """Pair each expected item with the next parsed item, in order, whose action matches.

    Matching by text rather than by index keeps one extra or missing item from making
    every later field comparison fail too; the count test reports that separately.
    """
    actual = _parsed(case).items
    pairs: list[tuple[Item, ActionItem | None]] = []
    position = 0
    for expected in _expected(case).items:
        needle = _norm(expected.action[0])
        found = next(
            (i for i in range(position, len(actual)) if needle in _norm(actual[i].action)),
            None,
        )
        pairs.append((expected, None if found is None else actual[found]))
        if found is not None:
            position = found + 1
    return pairs


def _compare_field(
    case: str,
    field: str,
    actual_value: Callable[[ActionItem], Any],
    same: Callable[[Any, Any], bool],
) -> None:
    problems = []
    for expected, got in _pairs(case):
        want = getattr(expected, field)
        if want is UNCHECKED:
            continue
        label = expected.action[0] or "<blank>"
        if got is None:
            problems.append(f"{label!r}: item not found")
        elif not same(actual_value(got), want):
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
    _require_corpus()
    assert case.split("/", 1)[1] in EXPECTED, (
        f"{case} is new in the corpus: read it and add what a person lists as its "
        "action items to tests/corpus_expectations.py"
    )


def test_corpus_expectations_name_only_files_that_exist() -> None:
    _require_corpus()
    stale = sorted({f"corpus/{n}" for n in EXPECTED} - set(_corpus_listing()))
    assert not stale, f"expectations for files no longer in the corpus: {stale}"


def test_examples_expectations_cover_every_example() -> None:
    assert sorted(p.name for p in EXAMPLES_DIR.glob("*.md")) == sorted(EXAMPLES)


# --- items -----------------------------------------------------------------------------


@pytest.mark.parametrize("case", _params("count", _all_cases()))
def test_item_count_matches_a_human_reading(case: str) -> None:
    items = _parsed(case).items
    listed = "\n".join(f"  {it.line}: {it.action[:70]!r}" for it in items)
    assert len(items) == len(_expected(case).items), f"parsed items:\n{listed}"


@pytest.mark.parametrize("case", _cases_checking("actions", "action"))
def test_expected_actions_are_found_in_document_order(case: str) -> None:
    missing = [exp.action[0] for exp, got in _pairs(case) if got is None]
    assert not missing, f"not found (in order): {missing}"


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


def _owner_keys(owners: Any) -> list[str]:
    return [str(o).strip().lstrip("@").casefold() for o in owners]


@pytest.mark.parametrize("case", _cases_checking("owners", "owners"))
def test_owners_match(case: str) -> None:
    _compare_field(
        case, "owners", lambda it: it.owners, lambda a, b: _owner_keys(a) == _owner_keys(b)
    )


@pytest.mark.parametrize("case", _cases_checking("due", "due"))
def test_due_dates_match(case: str) -> None:
    _compare_field(case, "due", lambda it: it.due, lambda a, b: a == b)


@pytest.mark.parametrize("case", _cases_checking("status", "status"))
def test_statuses_match(case: str) -> None:
    def same(actual: Any, want: Any) -> bool:
        return str(actual) in ((want,) if isinstance(want, str) else want)

    _compare_field(case, "status", lambda it: it.status.value, same)


@pytest.mark.parametrize("case", _cases_checking("tickets", "tickets"))
def test_tickets_match(case: str) -> None:
    def keys(tickets: Any) -> list[str]:
        return [str(t).casefold() for t in tickets]

    _compare_field(
        case, "tickets", lambda it: [t.key for t in it.tickets], lambda a, b: keys(a) == keys(b)
    )


@pytest.mark.parametrize("case", _cases_checking("priority", "priority"))
def test_priorities_match(case: str) -> None:
    _compare_field(case, "priority", lambda it: it.priority, lambda a, b: a == b)


@pytest.mark.parametrize("case", _cases_checking("type", "type"))
def test_types_match(case: str) -> None:
    _compare_field(
        case, "type", lambda it: it.type, lambda a, b: (a or "").casefold() == (b or "").casefold()
    )


@pytest.mark.parametrize("case", _cases_with("kind", "kind"))
def test_items_come_from_the_expected_kind_of_block(case: str) -> None:
    assert {it.kind for it in _parsed(case).items} == {_expected(case).kind}


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
