"""`--commit`: one git commit of the documents this run wrote, with a clear message."""

from __future__ import annotations

import subprocess
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from tracker.errors import TrackerError

if TYPE_CHECKING:
    from tracker.sync.engine import SyncResult


def _git(args: Sequence[str], cwd: Path) -> str:
    done = subprocess.run(
        ["git", *args], cwd=cwd, capture_output=True, text=True, check=False, timeout=60
    )
    if done.returncode != 0:
        raise TrackerError(f"git {args[0]} failed: {done.stderr.strip() or done.stdout.strip()}")
    return done.stdout.strip()


def commit_message(paths: Sequence[str], result: SyncResult) -> str:
    counts = result.counts
    lines = [
        f"tracker sync: update ticket links and status in {len(paths)} postmortem(s)",
        "",
        f"Tickets created: {counts.get('created', 0)}, linked: {counts.get('link', 0)}, "
        f"updated: {counts.get('tickets_updated', 0)}.",
        "",
        *[f"- {path}" for path in sorted(paths)],
    ]
    return "\n".join(lines)


def commit_documents(paths: Sequence[str], result: SyncResult) -> str:
    """Commit exactly `paths` (nothing else that is staged); returns the short hash."""
    files = [Path(path).resolve() for path in paths]
    top = Path(_git(["rev-parse", "--show-toplevel"], files[0].parent))
    relative = [str(file.relative_to(top)) for file in files]
    _git(["add", "--", *relative], top)
    _git(["commit", "-q", "-m", commit_message(relative, result), "--", *relative], top)
    return _git(["rev-parse", "--short", "HEAD"], top)
