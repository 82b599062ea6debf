"""Running the real `tracker` CLI in a subprocess, as a user's shell would."""

from __future__ import annotations

import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

from tracker.cli import main


def run_tracker(
    *args: str, cwd: Path | None = None, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    """`tracker ARGS` with a clean tracker environment (no inherited config or database)."""
    base = {k: v for k, v in os.environ.items() if not k.startswith("TRACKER_")}
    return subprocess.run(
        [sys.executable, "-m", "tracker", *args],
        capture_output=True,
        text=True,
        check=False,
        cwd=cwd,
        env={**base, **(env or {})},
    )


@dataclass(frozen=True)
class Outcome:
    returncode: int
    stdout: str
    stderr: str


def invoke_tracker(
    *args: str,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    cwd: Path | None = None,
    env: dict[str, str] | None = None,
) -> Outcome:
    """`tracker ARGS` in this process through the real entry point (`tracker.cli.main`):
    same parsing, error printing and exit codes as the installed command, without a
    subprocess's start-up time."""
    for name in list(os.environ):
        if name.startswith("TRACKER_"):
            monkeypatch.delenv(name)
    for name, value in (env or {}).items():
        monkeypatch.setenv(name, value)
    if cwd is not None:
        monkeypatch.chdir(cwd)
    monkeypatch.setattr(sys, "argv", ["tracker", *args])
    capsys.readouterr()
    try:
        main()
        code = 0
    except SystemExit as exit_:
        code = exit_.code if isinstance(exit_.code, int) else (0 if exit_.code is None else 1)
    captured = capsys.readouterr()
    return Outcome(code, captured.out, captured.err)
