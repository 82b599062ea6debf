"""Fuzz the parser and the editor's write-back round trip.

Takes real postmortems (examples/, the documents embedded in tests/test_parse_*.py and
tests/test_editor.py, and the corpus vendored in tests/corpus/) and generated ones (the
generator of bench/parse.py), mutates them the ways fuzzing found to hurt (runs of `[`,
`(`, `*`, capitals …; surplus and missing cells; NBSP and spaces before table lines;
list texts starting `1. `, `# `, `- `; line endings, BOM, truncation, random markup),
then for each document:

  1. parses it (no size or time limit) and times the parse;
  2. opens it in the editor and writes up to three items back (ticket, status, owner,
     due), re-parsing after each edit to check, independently of the editor, that every
     other item reads exactly as before.

It prints exceptions (any, from parsing or editing), documents whose parse took over
2 s, and round trips that changed another item — target 0 / 0 / 0 — plus the edits the
editor refused (UnsafeEditError: it found the edit would change another item and undid
it) and a few examples of each.

    .venv/bin/python bench/fuzz.py                     # 20,000 documents, seed 20261206
    .venv/bin/python bench/fuzz.py --n 2000 --seed 7   # a shorter run
    .venv/bin/python bench/fuzz.py --keep /tmp/fuzz    # also write failing documents there
"""

from __future__ import annotations

import argparse
import ast
import importlib.util
import random
import sys
import time
import traceback
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from tracker.editor import DocumentEditor, UnsafeEditError
from tracker.model import ActionItem, Status
from tracker.parse import Limits, parse_with_layout

REPO = Path(__file__).resolve().parent.parent
SEED = 20261206
SLOW_SECONDS = 2.0
NO_LIMITS = Limits(max_bytes=0, timeout=0)
EXAMPLES_SHOWN = 5

# ---------------------------------------------------------------- seed documents


def _test_documents(path: Path) -> list[str]:
    """String constants in a test module that look like postmortems (a table or a list)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            text = node.value
            if text.count("\n") >= 3 and ("|" in text or "\n- " in text or "\n1. " in text):
                found.append(text)
    return found


def seed_documents(
    corpus: Path = REPO / "tests" / "corpus",
) -> list[tuple[str, str]]:
    """(name, text) of every real document the harness mutates."""
    docs: list[tuple[str, str]] = []
    for file in sorted((REPO / "examples").rglob("*.md")):
        docs.append((str(file.relative_to(REPO)), file.read_text(encoding="utf-8")))
    modules = [*sorted((REPO / "tests").glob("test_parse_*.py")), REPO / "tests/test_editor.py"]
    for module in modules:
        for number, text in enumerate(_test_documents(module)):
            docs.append((f"{module.relative_to(REPO)}#{number}", text))
    for file in sorted(corpus.glob("*.md")) if corpus.is_dir() else ():
        docs.append((f"corpus/{file.name}", file.read_text(encoding="utf-8", errors="replace")))
    return docs


def _generator() -> Callable[[random.Random], tuple[str, int]]:
    spec = importlib.util.spec_from_file_location("bench_parse", REPO / "bench" / "parse.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["bench_parse"] = module  # dataclasses look their module up there
    spec.loader.exec_module(module)
    generate: Callable[[random.Random], tuple[str, int]] = module.generate_document
    return generate


# ---------------------------------------------------------------- mutations

RUN_UNITS = [
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
    "](",
    "[a](",
    "(@",
    "~~",
    " ",
    "\t",
    "\\",
]
CHARS = [
    *"[]()*_`|<>!:#-~\\@/.,;\"'",
    "\u00a0",
    "\u200b",
    "\u3000",
    "✅",
    "🔄",
    "❌",
    "测",
    "é",
    "\t",
    " ",
]
TOKENS = [
    "ENG-12",
    "[#5](https://github.com/acme/app/issues/5)",
    "[OPS-3](https://jira.example.com/browse/OPS-3)",
    "@kim",
    "2024-01-22",
    "**Done**",
    "✅ Done",
    "<br>",
    "`code`",
    "~~x~~",
    " (@lee)",
    " — owner: @x",
    ", status: WIP",
    "TBD",
    "P1",
    "已完成",
    "[ ] ",
    "[x] ",
    "|",
    "\\|",
]


def _lines_where(lines: list[str], test: Callable[[str], bool]) -> list[int]:
    return [index for index, line in enumerate(lines) if test(line)]


def _pick_line(lines: list[str], rng: random.Random, test: Callable[[str], bool]) -> int | None:
    where = _lines_where(lines, test)
    return rng.choice(where) if where else None


def _is_row(line: str) -> bool:
    return "|" in line


def _is_item(line: str) -> bool:
    stripped = line.lstrip()
    return stripped[:2] in ("- ", "* ", "+ ") or (stripped[:1].isdigit() and ". " in stripped[:5])


def m_run(text: str, rng: random.Random) -> str:
    lines = text.splitlines(keepends=True)
    index = _pick_line(lines, rng, lambda line: _is_row(line) or _is_item(line))
    unit = rng.choice(RUN_UNITS)
    run = unit * rng.choice([8, 64, 512, 2048])
    if index is None:
        return text + run
    line = lines[index]
    at = rng.randrange(len(line.rstrip("\r\n")) + 1)
    lines[index] = line[:at] + run + line[at:]
    return "".join(lines)


def m_surplus(text: str, rng: random.Random) -> str:
    lines = text.splitlines(keepends=True)
    index = _pick_line(lines, rng, _is_row)
    if index is None:
        return text
    line = lines[index]
    pipes = [i for i, c in enumerate(line) if c == "|"]
    at = rng.choice(pipes)
    lines[index] = line[: at + 1] + rng.choice(["\t|", " |", "|", "  \t |"]) + line[at + 1 :]
    return "".join(lines)


def m_drop_pipe(text: str, rng: random.Random) -> str:
    lines = text.splitlines(keepends=True)
    index = _pick_line(lines, rng, _is_row)
    if index is None:
        return text
    line = lines[index]
    at = rng.choice([i for i, c in enumerate(line) if c == "|"])
    lines[index] = line[:at] + line[at + 1 :]
    return "".join(lines)


def m_clear_cell(text: str, rng: random.Random) -> str:
    lines = text.splitlines(keepends=True)
    index = _pick_line(lines, rng, lambda line: line.count("|") >= 3)
    if index is None:
        return text
    line = lines[index]
    pipes = [i for i, c in enumerate(line) if c == "|"]
    start = rng.randrange(len(pipes) - 1)
    lines[index] = line[: pipes[start] + 1] + rng.choice(["", " ", "\t"]) + line[pipes[start + 1] :]
    return "".join(lines)


def m_lead(text: str, rng: random.Random) -> str:
    lines = text.splitlines(keepends=True)
    for index in _lines_where(lines, _is_row):
        if rng.random() < 0.5:
            lines[index] = rng.choice(["\u00a0", " ", "   ", "\u3000"]) + lines[index]
    return "".join(lines)


def m_list_opening(text: str, rng: random.Random) -> str:
    lines = text.splitlines(keepends=True)
    index = _pick_line(lines, rng, _is_item)
    if index is None:
        return text
    line = lines[index]
    stripped = line.lstrip()
    marker_end = len(line) - len(stripped) + stripped.index(" ") + 1
    opening = rng.choice(["1. ", "# ", "- ", "> ", "1) ", "[ ] ", "* ", "```", "    "])
    lines[index] = line[:marker_end] + opening + line[marker_end:]
    return "".join(lines)


def m_lines(text: str, rng: random.Random) -> str:
    lines = text.splitlines(keepends=True)
    if len(lines) < 2:
        return text
    a, b = rng.randrange(len(lines)), rng.randrange(len(lines))
    operation = rng.choice(["duplicate", "delete", "swap"])
    if operation == "duplicate":
        lines.insert(a, lines[a])
    elif operation == "delete":
        del lines[a]
    else:
        lines[a], lines[b] = lines[b], lines[a]
    return "".join(lines)


def m_endings(text: str, rng: random.Random) -> str:
    choice = rng.choice(["crlf", "cr", "no-final", "bom", "mixed"])
    if choice == "crlf":
        return text.replace("\n", "\r\n")
    if choice == "cr":
        return text.replace("\n", "\r")
    if choice == "no-final":
        return text.rstrip("\r\n")
    if choice == "bom":
        return "\ufeff" + text
    return "".join(line + rng.choice(["\r\n", "\n"]) for line in text.split("\n"))


def m_chars(text: str, rng: random.Random) -> str:
    out = list(text)
    for _ in range(rng.randint(1, 20)):
        out.insert(rng.randrange(len(out) + 1), rng.choice(CHARS))
    return "".join(out)


def m_tokens(text: str, rng: random.Random) -> str:
    lines = text.splitlines(keepends=True)
    index = _pick_line(lines, rng, lambda line: _is_row(line) or _is_item(line))
    if index is None:
        return text
    line = lines[index]
    at = rng.randrange(len(line.rstrip("\r\n")) + 1)
    lines[index] = line[:at] + rng.choice(TOKENS) + line[at:]
    return "".join(lines)


def m_truncate(text: str, rng: random.Random) -> str:
    return text[: rng.randrange(len(text) + 1)]


MUTATIONS: dict[str, Callable[[str, random.Random], str]] = {
    "run": m_run,
    "surplus": m_surplus,
    "drop-pipe": m_drop_pipe,
    "clear-cell": m_clear_cell,
    "lead": m_lead,
    "list-opening": m_list_opening,
    "lines": m_lines,
    "endings": m_endings,
    "chars": m_chars,
    "tokens": m_tokens,
    "truncate": m_truncate,
}
WEIGHTS = {"run": 2, "surplus": 4, "clear-cell": 2, "lead": 2, "list-opening": 3, "truncate": 1}


# ---------------------------------------------------------------- the round trip


def reads(item: ActionItem) -> tuple[object, ...]:
    """What a reader sees of an item, but its cells as written and its line."""
    tickets = [(ref.system, ref.key, ref.url) for ref in item.tickets]
    fields = (item.id, item.kind, item.action, item.owners, item.due, item.priority)
    return (*fields, item.status, tickets, item.type, item.table_index, item.row_index)


def same_cells(old: dict[str, str], new: dict[str, str]) -> bool:
    """Cells as written are unchanged; a cell that is new and blank (a column added, a
    short row padded to reach it) reads as the missing cell it was."""
    return {key: text for key, text in new.items() if key in old or text} == old


def other_change(before: list[ActionItem], after: list[ActionItem], edited: int) -> str | None:
    """How an item other than `edited` reads differently after an edit, or None."""
    if len(after) != len(before):
        return f"{len(before)} items became {len(after)}"
    for index, (old, new) in enumerate(zip(before, after, strict=True)):
        if index == edited:
            continue
        if reads(old) != reads(new):
            return (
                f"item at line {old.line} ({old.action[:40]!r}) read {reads(old)} then {reads(new)}"
            )
        if not same_cells(old.raw, new.raw) or not same_cells(old.extras, new.extras):
            return f"item at line {old.line} cells {old.raw} {old.extras} became {new.raw} {new.extras}"
    return None


def _edit_for(item: ActionItem, rng: random.Random) -> tuple[str, str]:
    column = rng.choice(["ticket", "ticket", "status", "status", "owner", "due"])
    value = {
        "ticket": rng.choice(["[ENG-77](https://jira.example.com/browse/ENG-77)", "OPS-5", "#9"]),
        "status": rng.choice(list(Status)).value,
        "owner": rng.choice(["@sam", "Jane Doe", ""]) if item.kind == "table" else "@sam",
        "due": "2026-01-31",
    }[column]
    return column, value


@dataclass
class Results:
    documents: int = 0
    items: int = 0
    edits: int = 0
    refused: int = 0
    bytes: int = 0
    slowest: tuple[float, str] = (0.0, "")
    exceptions: list[str] = field(default_factory=list)
    slow: list[str] = field(default_factory=list)
    changed: list[str] = field(default_factory=list)
    refusals: list[str] = field(default_factory=list)
    mutations: Counter[str] = field(default_factory=Counter)


def round_trip(
    name: str, data: bytes, rng: random.Random, results: Results, keep: Path | None
) -> None:
    results.documents += 1
    results.bytes += len(data)
    started = time.perf_counter()
    try:
        postmortem, layout = parse_with_layout(data, "fuzz.md", key="fuzz.md", limits=NO_LIMITS)
    except Exception:
        _record(
            results.exceptions, name, data, keep, "parse: " + _last_line(traceback.format_exc())
        )
        return
    took = time.perf_counter() - started
    results.slowest = max(results.slowest, (took, name))
    if took > SLOW_SECONDS:
        _record(results.slow, name, data, keep, f"parse took {took:.1f} s")
    items = postmortem.items
    results.items += len(items)
    if not items:
        return
    editor = DocumentEditor(Path("fuzz.md"), data, postmortem, layout, limits=NO_LIMITS)
    current = items
    for _ in range(min(3, len(items))):
        index = rng.randrange(len(items))
        column, value = _edit_for(items[index], rng)
        results.edits += 1
        try:
            editor.set_cell(items[index].id, column, value)
        except UnsafeEditError as refused:
            results.refused += 1
            _record(results.refusals, name, data, keep, str(refused))
            continue
        except Exception:
            summary = f"set_cell({column}={value!r}): " + _last_line(traceback.format_exc())
            _record(results.exceptions, name, data, keep, summary)
            return
        try:
            after = parse_with_layout(editor.render(), "fuzz.md", key="fuzz.md", limits=NO_LIMITS)[
                0
            ]
        except Exception:
            _record(
                results.exceptions,
                name,
                data,
                keep,
                "re-parse: " + _last_line(traceback.format_exc()),
            )
            return
        change = other_change(current, after.items, index)
        if change is not None:
            _record(results.changed, name, data, keep, f"writing {column}={value!r}: {change}")
            return
        current = after.items


def _last_line(text: str) -> str:
    return text.strip().splitlines()[-1]


def _record(bucket: list[str], name: str, data: bytes, keep: Path | None, what: str) -> None:
    bucket.append(f"{name}: {what}")
    if keep is not None:
        keep.mkdir(parents=True, exist_ok=True)
        number = name.split(" ", 1)[0].lstrip("#")
        (keep / f"{number}.md").write_bytes(data)
        (keep / f"{number}.txt").write_text(f"{name}: {what}\n", encoding="utf-8")


def fuzzed_documents(n: int, seed: int, real: list[tuple[str, str]]) -> list[tuple[str, bytes]]:
    rng = random.Random(seed)
    generate = _generator()
    names = list(MUTATIONS)
    weights = [WEIGHTS.get(name, 1) for name in names]
    docs: list[tuple[str, bytes]] = []
    for number in range(n):
        if rng.random() < 0.7:
            origin, text = rng.choice(real)
        else:
            text = generate(rng)[0]
            cut = text.find("\n", rng.randint(2_000, 12_000))
            text, origin = (text[: cut + 1] if cut > 0 else text), "generated"
        applied = rng.choices(names, weights, k=rng.choice([0, 1, 1, 2, 3, 4]))
        for mutation in applied:
            text = MUTATIONS[mutation](text, rng)
        docs.append(
            (
                f"#{number} {origin} [{'+'.join(applied) or 'as is'}]",
                text.encode("utf-8", "surrogatepass"),
            )
        )
    return docs


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--n", type=int, default=20_000, help="documents to fuzz (default 20,000)")
    parser.add_argument("--seed", type=int, default=SEED)
    parser.add_argument("--keep", type=Path, help="write every failing document into this folder")
    parser.add_argument(
        "--corpus",
        type=Path,
        default=REPO / "tests" / "corpus",
        help="more real postmortems to mutate, when the folder exists",
    )
    args = parser.parse_args(argv)

    real = seed_documents(args.corpus)
    print(f"seed documents: {len(real)} real, plus bench/parse.py's generator")
    started = time.perf_counter()
    docs = fuzzed_documents(args.n, args.seed, real)
    results = Results()
    rng = random.Random(args.seed + 1)
    for number, (name, data) in enumerate(docs, 1):
        round_trip(name, data, rng, results, args.keep)
        if number % 1000 == 0:
            print(
                f"  … {number:,} documents, {time.perf_counter() - started:.0f} s", file=sys.stderr
            )
    elapsed = time.perf_counter() - started
    print(
        f"documents: {results.documents:,} ({results.bytes / 1e6:.1f} MB), items: {results.items:,}, "
        f"edits: {results.edits:,}, seed {args.seed}, {elapsed:.0f} s"
    )
    print(f"slowest parse: {results.slowest[0]:.2f} s ({results.slowest[1]})")
    for title, bucket in (
        ("exceptions", results.exceptions),
        (f"documents over {SLOW_SECONDS:g} s", results.slow),
        ("round trips that changed another item", results.changed),
        ("edits refused by the editor (UnsafeEditError)", results.refusals),
    ):
        print(f"{title}: {len(bucket)}")
        for line in bucket[:EXAMPLES_SHOWN]:
            print(f"    {line[:300]}")
    failures = len(results.exceptions) + len(results.slow) + len(results.changed)
    print(f"target 0/0/0: {len(results.exceptions)}/{len(results.slow)}/{len(results.changed)}")
    return 1 if failures else 0


if __name__ == "__main__":
    raise SystemExit(main())
