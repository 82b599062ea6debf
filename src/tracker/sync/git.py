"""`--commit`: one git commit of the documents tracker wrote, with a clear message.

A run killed between writing a document and committing it must not leave that write
uncommitted for ever (the next run has nothing left to write). So with `--commit`
every document is noted in the store's `sync_state` table just before it is saved —
the bytes the run read and the bytes it writes — and the note is cleared once the
file is committed. The next `--commit` run commits what an earlier one left:

- the file still has tracker's bytes → committed;
- it still has the bytes the run read → the save never happened; nothing to commit;
- anything else → someone edited it after tracker wrote it: committed as it is (the
  edit would otherwise hold tracker's change back for ever), and a warning says so.

Only these files are committed (`git commit -- paths`), never anything else staged.
"""

from __future__ import annotations

import hashlib
import json
import os
import signal
import subprocess
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

from tracker.errors import TrackerError
from tracker.store import Store
from tracker.sync.state import delete_state, read_state, write_state

if TYPE_CHECKING:
    from tracker.sync.engine import SyncResult

WRITTEN_PREFIX = "sync.written:"
# With TRACKER_TEST_CRASH_AFTER=write-back the process kills itself after the documents
# are written and before the commit (the same test hook as apply's "create").
CRASH_HOOK_ENV = "TRACKER_TEST_CRASH_AFTER"


@dataclass(frozen=True)
class Written:
    """A document tracker wrote (or was about to write) and has not committed."""

    path: str  # absolute
    before: str | None  # sha256 of the bytes the run read
    after: str  # sha256 of the bytes tracker wrote


class WrittenLog:
    """The store's list of documents written by `--commit` runs and not yet committed."""

    def __init__(self, store: Store, now: datetime | None = None) -> None:
        self.store = store
        self.now = now

    def add(self, path: str, before: str | None, after: str) -> None:
        absolute = os.path.abspath(path)
        value = json.dumps({"path": absolute, "before": before, "after": after})
        write_state(self.store, WRITTEN_PREFIX, {_name(absolute): value}, now=self.now)

    def pending(self) -> list[Written]:
        entries = [json.loads(value) for value in read_state(self.store, WRITTEN_PREFIX).values()]
        return [Written(e["path"], e.get("before"), e["after"]) for e in entries]

    def clear(self, paths: Sequence[str]) -> None:
        delete_state(self.store, WRITTEN_PREFIX, [_name(p) for p in paths])


def _name(path: str) -> str:
    return hashlib.sha1(path.encode("utf-8")).hexdigest()


def _git(args: Sequence[str], cwd: Path, *, strip: bool = True) -> str:
    done = subprocess.run(
        ["git", *args], cwd=cwd, capture_output=True, text=True, check=False, timeout=60
    )
    if done.returncode != 0:
        raise TrackerError(f"git {args[0]} failed: {done.stderr.strip() or done.stdout.strip()}")
    return done.stdout.strip() if strip else done.stdout


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


def commit_written(store: Store, result: SyncResult) -> str | None:
    """Commit every document tracker wrote and hasn't committed (this run's and any an
    earlier, interrupted run left); returns the short hash(es), None if none."""
    if os.environ.get(CRASH_HOOK_ENV) == "write-back":
        os.kill(os.getpid(), signal.SIGKILL)
    log = WrittenLog(store)
    settled: list[str] = []
    ready: list[Written] = []
    for entry in log.pending():
        file = Path(entry.path)
        current = _sha256(file)
        if current is None or (current == entry.before and entry.before != entry.after):
            settled.append(entry.path)  # gone, or the save never happened
            continue
        if current != entry.after:
            result.warnings.append(
                f"{entry.path}: edited after tracker wrote it; committed as it is"
            )
        ready.append(entry)
    hashes: list[str] = []
    by_top: dict[Path, list[str]] = defaultdict(list)
    for entry in ready:
        top = Path(_git(["rev-parse", "--show-toplevel"], Path(entry.path).parent))
        by_top[top].append(entry.path)
    for top, paths in by_top.items():
        changed = _changed(top, paths)
        if changed:
            hashes.append(commit_documents(changed, result))
            result.committed.extend(changed)
        settled.extend(paths)
    log.clear(settled)
    return ", ".join(hashes) or None


def _changed(top: Path, paths: Sequence[str]) -> list[str]:
    """The paths git sees as modified or untracked (a commit of none would fail)."""
    relative = [str(Path(path).resolve().relative_to(top)) for path in paths]
    status = _git(
        ["status", "--porcelain", "-z", "--untracked-files=all", "--", *relative], top, strip=False
    )
    listed = {entry[3:] for entry in status.split("\0") if entry}
    return [path for path, rel in zip(paths, relative, strict=True) if rel in listed]


def _sha256(file: Path) -> str | None:
    try:
        return hashlib.sha256(file.read_bytes()).hexdigest()
    except FileNotFoundError:
        return None
