"""Corpus quality: how much of what a reader lists does the parser find, and how right.

Runs the parser over tests/corpus (public postmortems) and examples/postmortems, pairs
its items with the hand-written expectations in tests/corpus_expectations.py (the same
pairing tests/test_corpus.py uses) and prints

  - recall: expected items found / expected items;
  - precision: parsed items that are expected items / parsed items;
  - field accuracy over found items whose expectation states the field
    (owners, due, status, tickets), over the corpus and for Chinese vs English documents,
    and the same for the project's examples;
  - the missed items, by document, and any parsed item no reader lists.

    .venv/bin/python bench/corpus.py                 # figures and missed items
    .venv/bin/python bench/corpus.py --write-floor   # raise tests/corpus/recall_floor.json
"""

from __future__ import annotations

import argparse
import json
import sys
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.corpus_expectations import (  # noqa: E402
    EXAMPLES,
    EXPECTED,
    FIELDS,
    UNCHECKED,
    Expected,
    extra_key,
    pair,
    regressions,
    wrong_key,
)
from tracker.parse import parse_file  # noqa: E402

CORPUS_DIR = ROOT / "tests" / "corpus"
EXAMPLES_DIR = ROOT / "examples" / "postmortems"
FLOOR_FILE = ROOT / "tests" / "corpus" / "recall_floor.json"
REPORTED_FIELDS = ("owners", "due", "status", "tickets")


@dataclass
class Tally:
    """Counts over a group of documents."""

    documents: int = 0
    expected: int = 0
    found: int = 0
    parsed: int = 0
    checked: Counter[str] = field(default_factory=Counter)
    right: Counter[str] = field(default_factory=Counter)

    def add(self, other: Tally) -> None:
        self.documents += other.documents
        self.expected += other.expected
        self.found += other.found
        self.parsed += other.parsed
        self.checked.update(other.checked)
        self.right.update(other.right)


@dataclass
class CaseResult:
    case: str
    language: str
    tally: Tally
    found_actions: list[str]
    missed: list[str]
    extra: list[str]
    wrong: list[str]
    extra_keys: list[str]
    wrong_keys: list[str]

    def floor(self) -> dict[str, list[str]]:
        """This document's entry in the floor file."""
        return {"found": self.found_actions, "wrong": self.wrong_keys, "extra": self.extra_keys}


def _cases() -> list[tuple[str, Path, Expected]]:
    corpus = [(f"corpus/{n}", CORPUS_DIR / n, e) for n, e in EXPECTED.items()]
    examples = [(f"examples/{n}", EXAMPLES_DIR / n, e) for n, e in EXAMPLES.items()]
    return corpus + examples


def measure(case: str, path: Path, expected: Expected) -> CaseResult:
    """Pair one document's parsed items with its expectations and count."""
    parsed = parse_file(path).items
    lines = path.read_text(encoding="utf-8-sig").splitlines()
    firsts = [lines[it.line - 1] if 1 <= it.line <= len(lines) else "" for it in parsed]
    hits = pair(expected.items, [it.action for it in parsed], firsts)
    tally = Tally(documents=1, expected=len(expected.items), parsed=len(parsed))
    found_actions: list[str] = []
    missed: list[str] = []
    wrong: list[str] = []
    wrong_keys: list[str] = []
    for want, hit in zip(expected.items, hits, strict=True):
        if hit is None:
            missed.append(want.action[0] or "<blank row>")
            continue
        tally.found += 1
        found_actions.append(want.action[0])
        got = parsed[hit]
        for name in REPORTED_FIELDS:
            value = getattr(want, name)
            if value is UNCHECKED:
                continue
            actual_value, same = FIELDS[name]
            tally.checked[name] += 1
            if same(actual_value(got), value):
                tally.right[name] += 1
            else:
                wrong.append(f"{want.action[0]!r} {name}: {actual_value(got)!r}, want {value!r}")
                wrong_keys.append(wrong_key(name, want))
    for name in ("priority", "type"):  # not reported, but held by the floor like the others
        for want, hit in zip(expected.items, hits, strict=True):
            value = getattr(want, name)
            if hit is None or value is UNCHECKED:
                continue
            actual_value, same = FIELDS[name]
            if not same(actual_value(parsed[hit]), value):
                wrong_keys.append(wrong_key(name, want))
    used = {h for h in hits if h is not None}
    unlisted = [it for i, it in enumerate(parsed) if i not in used]
    extra = [f"{it.line}: {it.action[:70]}" for it in unlisted]
    return CaseResult(
        case,
        expected.language,
        tally,
        found_actions,
        missed,
        extra,
        wrong,
        [extra_key(it) for it in unlisted],
        sorted(wrong_keys),
    )


def _pct(part: int, whole: int) -> str:
    return f"{100 * part / whole:5.1f}%" if whole else "    -"


def _row(label: str, t: Tally) -> str:
    fields = "  ".join(
        f"{name} {_pct(t.right[name], t.checked[name])} ({t.checked[name]})"
        for name in REPORTED_FIELDS
    )
    return (
        f"{label:<9} docs {t.documents:3}  items {t.expected:4}  "
        f"recall {_pct(t.found, t.expected)}  precision {_pct(t.found, t.parsed)}  {fields}"
    )


def report(results: list[CaseResult]) -> None:
    groups: dict[str, Tally] = {
        "corpus": Tally(),
        "English": Tally(),
        "Chinese": Tally(),
        "examples": Tally(),
    }
    for r in results:
        if r.case.startswith("examples/"):
            groups["examples"].add(r.tally)
            continue
        groups["corpus"].add(r.tally)
        groups["Chinese" if r.language == "zh" else "English"].add(r.tally)
    print("tests/corpus (English, Chinese: its documents by language) and examples/postmortems.")
    print("Field accuracy is over found items whose expectation states the field (count).")
    for label, tally in groups.items():
        print(_row(label, tally))
    print()
    for r in results:
        if not (r.missed or r.extra or r.wrong):
            continue
        print(f"{r.case}  ({r.tally.found}/{r.tally.expected} found)")
        for text in r.missed:
            print(f"  missed: {text}")
        for text in r.extra:
            print(f"  extra:  {text}")
        for text in r.wrong:
            print(f"  wrong:  {text}")


def write_floor(results: list[CaseResult], allow_lower: bool) -> int:
    """Record today's results as the floor; refuse to record a regression unless allowed."""
    old: dict[str, dict[str, list[str]]] = (
        json.loads(FLOOR_FILE.read_text(encoding="utf-8")) if FLOOR_FILE.exists() else {}
    )
    new = {r.case: r.floor() for r in results}
    worse = [p for p in regressions(old, new) if p.split(":", 1)[0] in new]
    if worse and not allow_lower:
        for problem in worse:
            print(f"regression: {problem}", file=sys.stderr)
        print("floor not written (use --allow-lower if that is intended)", file=sys.stderr)
        return 1
    text = json.dumps(new, ensure_ascii=False, indent=1, sort_keys=True) + "\n"
    FLOOR_FILE.write_text(text, encoding="utf-8")
    found = sum(len(e["found"]) for e in new.values())
    debt = sum(len(e["wrong"]) + len(e["extra"]) for e in new.values())
    print(
        f"wrote {FLOOR_FILE.relative_to(ROOT)}: {len(new)} documents, {found} items found, "
        f"{debt} known wrong fields or extra items"
    )
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--write-floor", action="store_true", help="rewrite the recall floor")
    parser.add_argument("--allow-lower", action="store_true", help="let --write-floor lower it")
    args = parser.parse_args(argv)
    results = [measure(case, path, expected) for case, path, expected in _cases()]
    if args.write_floor:
        return write_floor(results, args.allow_lower)
    report(results)
    return 0


if __name__ == "__main__":
    try:
        raise SystemExit(main())
    except BrokenPipeError:  # piped into `head`
        sys.stderr.close()
