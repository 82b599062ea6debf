"""The README's console examples, run: what it shows is what tracker prints.

A fenced `console` block right after a `<!-- runnable -->` comment (invisible on GitHub) is
a session: its `$ command` lines run in order in one bash (so `cd`, `export` and `$?`
carry over), in a scratch folder holding a copy of the repository's `examples/`, with this
interpreter's `tracker` first on PATH; the lines up to the next `$` are a command's
expected output (stdout and stderr interleaved). Before comparing, ports, process ids,
temporary folders, clock times, HTTP dates and table column widths are normalised,
leading and trailing blank lines and trailing spaces are dropped, and an expected line `…`
stands for any number of lines. Every other console block must say why it can't run in a
`<!-- not-run: reason -->` comment above it (a usage synopsis, a real Jira, a scheduler).

Options (`<!-- runnable key=value ... -->`):
- `cwd=DIR`: where the commands run, relative to the scratch folder.
- `columns=N`: the terminal width rich sees (default 200).
- `session=NAME`: blocks with the same name run in README order as one test, in one
  scratch folder with one set of sandboxes (a story told across paragraphs).
- `sandbox=jira:8080,github:8081` (first block of a session): the Jira (Cloud) and GitHub
  sandboxes run for the session on free ports; wherever the README or a file in
  `examples/` says `127.0.0.1:8080` (or the other port named) the harness substitutes the
  real address, in commands and in the scratch copy's files, before the first command.
  The sandbox token is exported as `JIRA_API_TOKEN`, `GITHUB_TOKEN` and `GITLAB_TOKEN`.
  Any sandbox registered in `tracker.sandboxes` can be named (`gitlab:8082`).
- `postgres=NAME` (first block of a session): an empty database NAME on the local
  PostgreSQL (127.0.0.1:5432, user postgres) for the session, dropped afterwards; the test
  is skipped when PostgreSQL is down (it fails instead with `CI=true`).
- `clock=2026-11-25T09:00:00Z`: every `tracker` the block runs starts at that instant
  (ticking; time_machine, started by a `sitecustomize` the harness puts on PYTHONPATH);
  each later command starts as much later as real time has passed since the first, so
  runs keep their order. Output with today's date in it is the README's on any day. In a
  session a block without `clock=` goes on from the one before; the session's sandboxes
  start there too.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
README = REPO / "README.md"
MARK = re.compile(r"^<!--\s*runnable(?P<options>(?:\s+\w+=\S+)*)\s*-->\s*$")
NOT_RUN = re.compile(r"^<!--\s*not-run:\s*\S.*-->\s*$")
SANDBOX_TOKEN = "demo-token"  # what the README's sandbox examples use
CLOCK_ENV = "README_EXAMPLE_CLOCK"
# time.monotonic() when that clock was set: system-wide on Linux and never moved by
# time_machine, so a subprocess can tell how much real time has passed since.
CLOCK_SET_ENV = "README_EXAMPLE_CLOCK_SET"
SITECUSTOMIZE = f"""\
import os

if os.environ.get("{CLOCK_ENV}"):
    import time
    from datetime import datetime, timedelta

    import time_machine

    elapsed = time.monotonic() - float(os.environ["{CLOCK_SET_ENV}"])
    start = datetime.fromisoformat(os.environ["{CLOCK_ENV}"]) + timedelta(seconds=elapsed)
    time_machine.travel(start, tick=True).start()
"""
STEP_MARK = "@@readme-step@@"
NORMALISE = [
    (re.compile(r"\b(tracker_readme)_\d+\b"), r"\1"),  # the session's own database name
    (re.compile(r"127\.0\.0\.1:\d+"), "127.0.0.1:PORT"),
    (re.compile(r"\b[\w.-]+/\d+\b(?= *│)"), "HOST/PID"),
    (re.compile(r"/tmp/[\w./-]+"), "/TMP"),
    (re.compile(r"^date: \w{3}, \d\d \w{3} \d{4} .* GMT$"), "date: HTTP-DATE"),
    (re.compile(r"(?<!\d)\d\d:\d\d:\d\d(?:\.\d+)?(?!\d)"), "HH:MM:SS"),
    (re.compile(r"\bin \d+\.\d+s\b"), "in N.Ns"),
    # Column widths follow the widest cell (a host name, a pid): compare cells, not padding.
    (re.compile(r"━+"), "━"),
    (re.compile(r"─+"), "─"),
    (re.compile(r" +(?=[│┃])"), " "),
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
            if steps and not steps[-1].expected and steps[-1].command.endswith("\\"):
                steps[-1].command += "\n" + body  # a command continued with `\`
            elif body.startswith("$ "):
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
    while result and not result[0]:  # a progress bar on a pipe leaves a blank line
        result.pop(0)
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


def grouped(found: list[Session]) -> list[list[Session]]:
    """Blocks sharing a `session=` name form one story; every other block stands alone."""
    groups: dict[str, list[Session]] = {}
    for session in found:
        groups.setdefault(session.options.get("session", f"line {session.line}"), []).append(
            session
        )
    return list(groups.values())


def unmarked_console_blocks(text: str) -> list[int]:
    """Lines of console blocks with neither a `runnable` nor a `not-run:` comment above."""
    lines = text.splitlines()
    return [
        index + 1
        for index, line in enumerate(lines)
        if line.strip() == "```console"
        and not (
            index
            and (MARK.match(lines[index - 1].strip()) or NOT_RUN.match(lines[index - 1].strip()))
        )
    ]


def sandbox_ports(spec: str) -> dict[str, int]:
    """`jira:8080,github:8081` → {"jira": 8080, "github": 8081}."""
    ports = {}
    for part in spec.split(","):
        system, _, port = part.partition(":")
        assert system and port.isdigit(), f"bad sandbox option {spec!r}"
        ports[system] = int(port)
    return ports


def set_clock(env: dict[str, str], clock: str) -> None:
    """Every `tracker` started from now on begins at `clock` plus the real time since."""
    env[CLOCK_ENV], env[CLOCK_SET_ENV] = clock, repr(time.monotonic())


def start_sandboxes(spec: str, stack: ExitStack, clock: str | None) -> dict[str, str]:
    """Start the sandboxes named; README address → the address they really listen on.

    With a session clock the sandboxes' clocks start there too, so the tickets' times and
    tracker's agree (whatever clock this test process itself runs on)."""
    from tracker_sandbox.plugins import installed_sandboxes

    plugins = installed_sandboxes()
    addresses = {}
    for system, readme_port in sandbox_ports(spec).items():
        service = plugins[system].build({}, token=SANDBOX_TOKEN, latency_ms=0, state_file=None)
        sandbox = stack.enter_context(service)
        if clock:
            sandbox.clock.set(datetime.fromisoformat(clock))
        addresses[f"127.0.0.1:{readme_port}"] = sandbox.base_url.removeprefix("http://")
    return addresses


POSTGRES_ADMIN_URL = "postgresql://postgres@127.0.0.1:5432/postgres"


@contextmanager
def fresh_postgres_database(name: str) -> Iterator[None]:
    """An empty database for one session; dropped afterwards, also when the session fails."""
    import psycopg

    assert re.fullmatch(r"[a-z_][a-z0-9_]*", name), f"bad database name {name!r}"
    try:
        admin = psycopg.connect(POSTGRES_ADMIN_URL, autocommit=True, connect_timeout=5)
    except psycopg.OperationalError as error:
        if os.environ.get("CI") == "true":
            raise
        pytest.skip(f"PostgreSQL is not reachable: {error}")
    with admin:
        admin.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
        admin.execute(f"CREATE DATABASE {name}")
        try:
            yield
        finally:
            admin.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


def substitute(text: str, addresses: dict[str, str]) -> str:
    for readme_address, real in addresses.items():
        text = re.sub(re.escape(readme_address) + r"\b", real, text)
    return text


def substitute_in_files(folder: Path, addresses: dict[str, str]) -> None:
    for path in folder.rglob("*"):
        if path.is_file() and path.suffix in (".toml", ".md", ".txt", ".yaml", ".yml"):
            text = path.read_text(encoding="utf-8")
            if (new := substitute(text, addresses)) != text:
                path.write_text(new, encoding="utf-8")


def run_steps(
    session: Session, scratch: Path, env: dict[str, str], addresses: dict[str, str]
) -> None:
    cwd = scratch / session.options.get("cwd", "")
    env = {**env, "COLUMNS": session.options.get("columns", "200")}
    if (clock := session.options.get("clock")) and clock != env.get(CLOCK_ENV):
        set_clock(env, clock)  # a later block of a session moves to its own day
    # One shell for the block, as in a terminal: `cd`, `export` and `$?` carry over.
    script = "".join(
        f"printf '%s\\n' '{STEP_MARK}'\n{substitute(strip_comment(step.command), addresses)}\n"
        for step in session.steps
    )
    result = subprocess.run(
        ["bash", "-c", script],
        cwd=cwd,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,  # interleaved as a terminal shows them
        text=True,
        timeout=120,
        check=False,
    )
    outputs = result.stdout.split(STEP_MARK + "\n")[1:]
    for index, step in enumerate(session.steps):
        printed = outputs[index] if index < len(outputs) else "(the shell stopped before this)"
        actual = normalise(printed.splitlines())
        expected = normalise(step.expected)
        assert matches(expected, actual), (
            f"README.md:{session.line}: $ {step.command}\n--- README\n"
            + "\n".join(expected)
            + "\n--- printed\n"
            + "\n".join(actual)
        )


README_TEXT = README.read_text(encoding="utf-8")
README_SESSIONS = sessions(README_TEXT)


def test_the_readme_marks_some_examples_as_runnable() -> None:
    assert README_SESSIONS, "no <!-- runnable --> console block in README.md"


def test_every_console_block_is_run_or_says_why_not() -> None:
    assert unmarked_console_blocks(README_TEXT) == []


@pytest.mark.parametrize("group", grouped(README_SESSIONS), ids=lambda g: g[0].name)
def test_readme_example_prints_what_the_readme_shows(group: list[Session], tmp_path: Path) -> None:
    shutil.copytree(REPO / "examples", tmp_path / "examples")
    env = {k: v for k, v in os.environ.items() if not k.startswith(("TRACKER_", "COLUMNS"))}
    env["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{env.get('PATH', '')}"
    env["JIRA_API_TOKEN"] = env["GITHUB_TOKEN"] = env["GITLAB_TOKEN"] = SANDBOX_TOKEN
    (tmp_path / "clock").mkdir()
    (tmp_path / "clock" / "sitecustomize.py").write_text(SITECUSTOMIZE, encoding="utf-8")
    env["PYTHONPATH"] = str(tmp_path / "clock")
    clock = group[0].options.get("clock")
    if clock:
        set_clock(env, clock)
    with ExitStack() as stack:
        addresses: dict[str, str] = {}
        if spec := group[0].options.get("sandbox"):
            addresses = start_sandboxes(spec, stack, clock)
            substitute_in_files(tmp_path, addresses)
        if database := group[0].options.get("postgres"):
            # A name of this run's own, so two checkouts testing at once never share it;
            # commands get it in place of the README's, and output is read back (NORMALISE).
            own = f"{database}_{os.getpid()}"
            addresses[f"127.0.0.1:5432/{database}"] = f"127.0.0.1:5432/{own}"
            stack.enter_context(fresh_postgres_database(own))
        for session in group:
            run_steps(session, tmp_path, env, addresses)


def test_a_session_groups_its_blocks_in_readme_order() -> None:
    text = "\n".join(
        [
            "<!-- runnable session=a -->", "```console", "$ one", "```",
            "<!-- runnable -->", "```console", "$ alone", "```",
            "<!-- runnable session=a -->", "```console", "$ two", "```",
        ]
    )  # fmt: skip
    groups = grouped(sessions(text))
    assert [[s.steps[0].command for s in g] for g in groups] == [["one", "two"], ["alone"]]


def test_a_command_continued_with_a_backslash_is_one_step() -> None:
    text = "<!-- runnable -->\n```console\n$ echo a \\\n    b\na b\n```"
    (step,) = sessions(text)[0].steps
    assert (step.command, step.expected) == ("echo a \\\n    b", ["a b"])


def test_a_console_block_without_a_mark_is_reported() -> None:
    text = "<!-- not-run: needs a real Jira -->\n```console\n$ a\n```\n\n```console\n$ b\n```"
    assert unmarked_console_blocks(text) == [6]


def test_the_readme_sandbox_address_becomes_the_real_one() -> None:
    addresses = {"127.0.0.1:8080": "127.0.0.1:40123"}
    assert substitute("url = http://127.0.0.1:8080/x 127.0.0.1:80801", addresses) == (
        "url = http://127.0.0.1:40123/x 127.0.0.1:80801"
    )


def test_an_ellipsis_line_stands_for_any_lines() -> None:
    assert matches(["a", "…", "d"], ["a", "b", "c", "d"])
    assert matches(["a", "…", "d"], ["a", "d"])
    assert not matches(["a", "…", "d"], ["a", "b"])
