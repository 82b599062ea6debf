"""Running the real `tracker` CLI in a subprocess, as a user's shell would."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path


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
