"""The README's console examples, run: what it shows is what tracker prints.

A fenced `console` block right after a `<!-- runnable -->` comment (invisible on GitHub) is
a session: each `$ command` line runs in bash, in a scratch copy of the repository's
`examples/` (or `<!-- runnable cwd=examples/postmortems -->`), with this interpreter's
`tracker` first on PATH, and the lines up to the next `$` are its expected output. Before
comparing, ports, process ids, temporary folders and clock times are normalised, trailing
spaces are dropped, and an expected line `…` stands for any number of lines. Blocks not
marked are left alone (they show configurations or output that needs a real server).
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
README = REPO / "README.md"
MARK = re.compile(r"^<!--\s*runnable(?P<options>(?:\s+\w+=\S+)*)\s*-->\s*$")
NORMALISE = [
    (re.compile(r"127\.0\.0\.1:\d+"), "127.0.0.1:PORT"),
    (re.compile(r"\b[\w.-]+/\d+\b(?= *│)"), "HOST/PID"),
    (re.compile(r"/tmp/[\w./-]+"), "/TMP"),
    (re.compile(r"\b\d\d:\d\d:\d\d\b"), "HH:MM:SS"),
    (re.compile(r"\bin \d+\.\d+s\b"), "in N.Ns"),
]


@dataclass
class Step:
    command: str
    expected: list[str] = field(default_factory=list)


@dataclass
class Session:
    line: int  # where the block starts in README.md
    options: dict[str, str]
    steps: list[Step]

    @property
    def name(self) -> str:
        first = self.steps[0].command if self.steps else ""
        return f"README.md:{self.line}: {first[:40]}"


def sessions(text: str) -> list[Session]:
    """Every marked console block, split into commands and their expected output."""
    lines = text.splitlines()
    found: list[Session] = []
    for index, line in enumerate(lines):
        mark = MARK.match(line)
        if not mark or index + 1 >= len(lines) or lines[index + 1].strip() != "```console":
            continue
        options = dict(pair.split("=", 1) for pair in mark["options"].split())
        steps: list[Step] = []
        for body in lines[index + 2 :]:
            if body.strip() == "```":
                break
            if body.startswith("$ "):
                steps.append(Step(body[2:]))
            elif steps:
                steps[-1].expected.append(body)
        found.append(Session(index + 3, options, steps))
    return found


def normalise(lines: list[str]) -> list[str]:
    result = []
    for line in lines:
        for pattern, replacement in NORMALISE:
            line = pattern.sub(replacement, line)
        result.append(line.rstrip())
    while result and not result[-1]:
        result.pop()
    return result


def matches(expected: list[str], actual: list[str]) -> bool:
    """Line by line; an expected `…` line matches any run of lines (also none)."""
    if not expected:
        return not actual
    if expected[0].strip() == "…":
        return any(matches(expected[1:], actual[skip:]) for skip in range(len(actual) + 1))
    return bool(actual) and expected[0] == actual[0] and matches(expected[1:], actual[1:])


def strip_comment(command: str) -> str:
    """`tracker scan x.md   # no tracker.toml here` → `tracker scan x.md`."""
    return re.sub(r"\s+#\s[^'\"]*$", "", command)


README_SESSIONS = sessions(README.read_text(encoding="utf-8"))


def test_the_readme_marks_some_examples_as_runnable() -> None:
    assert README_SESSIONS, "no <!-- runnable --> console block in README.md"


@pytest.mark.parametrize("session", README_SESSIONS, ids=lambda s: s.name)
def test_readme_example_prints_what_the_readme_shows(session: Session, tmp_path: Path) -> None:
    shutil.copytree(REPO / "examples", tmp_path / "examples")
    cwd = tmp_path / session.options.get("cwd", "")
    env = {k: v for k, v in os.environ.items() if not k.startswith(("TRACKER_", "COLUMNS"))}
    env["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{env.get('PATH', '')}"
    env["COLUMNS"] = session.options.get("columns", "200")
    for step in session.steps:
        result = subprocess.run(
            ["bash", "-c", strip_comment(step.command)],
            cwd=cwd,
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
        actual = normalise((result.stdout + result.stderr).splitlines())
        expected = normalise(step.expected)
        assert matches(expected, actual), (
            f"$ {step.command}\n--- README\n"
            + "\n".join(expected)
            + "\n--- printed\n"
            + "\n".join(actual)
        )


def test_an_ellipsis_line_stands_for_any_lines() -> None:
    assert matches(["a", "…", "d"], ["a", "b", "c", "d"])
    assert matches(["a", "…", "d"], ["a", "d"])
    assert not matches(["a", "…", "d"], ["a", "b"])
