"""`tracker sync` with ticket systems: the progress bar, the plan and the summary.

Kept out of `tracker.cli.sync` so the command module stays a thin shell: it decides
between recording-only mode and this, and maps the result to an exit code.
"""

from __future__ import annotations

import tempfile
from collections.abc import Callable, Sequence
from contextlib import ExitStack
from pathlib import Path

from rich.console import Console
from rich.markup import escape
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TaskID,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)

from tracker.config import Config
from tracker.store import open_store
from tracker.sync.engine import SyncProgress, SyncResult, run_sync
from tracker.sync.render import render_plan, render_summary


class RichProgress(SyncProgress):
    """A bar with ETA; connector waits (rate limits, GitHub pacing) show in its label."""

    def __init__(self, console: Console) -> None:
        self.progress = Progress(
            TextColumn("[progress.description]{task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
            TextColumn("ETA"),
            TimeRemainingColumn(),
            console=console,
            transient=True,
        )
        self.task: TaskID | None = None
        self.label = "syncing"

    def start(self, total: int, label: str) -> None:
        self.label = label
        if total <= 0:
            return
        self.progress.start()
        self.task = self.progress.add_task(label, total=total)

    def advance(self, steps: int, what: str) -> None:
        if self.task is not None:
            self.progress.update(self.task, advance=steps, description=self.label)

    def waiting(self, seconds: float) -> None:
        if self.task is not None:
            self.progress.update(
                self.task, description=f"{self.label} (waiting {seconds:.0f}s: rate limit)"
            )

    def notice(self, message: str) -> None:
        self.progress.console.print(f"[yellow]{escape(message)}[/yellow]")

    def stop(self) -> None:
        self.progress.stop()


def sync_with_connectors(
    config: Config,
    paths: Sequence[Path],
    *,
    dry_run: bool,
    commit: bool,
    should_stop: Callable[[], bool] | None = None,
    pull_request: bool = False,
    full: bool = False,
) -> int:
    """Run the sync, print the plan (dry run) or the summary; returns the exit code.

    `should_stop` (the scheduler's SIGTERM flag) stops it before the next ticket write.
    """
    console = Console(highlight=False, soft_wrap=True)
    with ExitStack() as stack:
        store = open_store(_store_url(config, dry_run, stack))
        stack.callback(store.close)
        progress = RichProgress(Console(stderr=True))
        stack.callback(progress.stop)
        result: SyncResult = run_sync(
            config,
            store,
            paths,
            dry_run=dry_run,
            commit=commit,
            pull_request=pull_request,
            progress=progress,
            should_stop=should_stop,
            full=full,
        )
    if dry_run:
        for line in render_plan(result):
            console.print(line)
    for line in render_summary(result):
        console.print(line)
    return result.exit_code


def _store_url(config: Config, dry_run: bool, stack: ExitStack) -> str:
    """The store to use; a dry run with no SQLite store yet plans against an empty
    throw-away one instead of creating the real file."""
    url = config.database_url
    assert url is not None
    prefix = "sqlite:///"
    if dry_run and url.startswith(prefix) and not Path(url[len(prefix) :]).exists():
        folder = stack.enter_context(tempfile.TemporaryDirectory(prefix="tracker-dry-run-"))
        return f"{prefix}{Path(folder) / 'plan.db'}"
    return url
