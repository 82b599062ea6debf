"""`tracker schedule` (the long-running nightly process) and `tracker status`."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.table import Table
from sqlmodel import col, select

from tracker.cli.app import app
from tracker.cli.options import ConfigOption, load_config_or_default
from tracker.cli.remind import run_reminders
from tracker.cli.sync import run_sync_once
from tracker.config import Config
from tracker.errors import TrackerError
from tracker.scheduling import Job, Slot, StopFlag, next_runs, run_forever, stop_on_signals
from tracker.store import Store, open_store
from tracker.store.models import SyncRun

JOB_KINDS = {"sync": "sync", "digest": "digest"}


def scheduled_jobs(
    config: Config, *, sync: Callable[[], None], digest: Callable[[], None]
) -> list[Job]:
    """The configured slots: daily syncs and a weekly digest, in the config's time zone."""
    zone = config.timezone
    return [
        Job("sync", [Slot.parse(at, zone) for at in config.schedule.sync_at], sync),
        Job("digest", [Slot.parse(config.schedule.digest_at, zone)], digest),
    ]


def last_started(store: Store, kind: str) -> datetime | None:
    """When the latest run of `kind` started (any outcome: a failed run is not 'missed')."""
    with store.session() as session:
        return session.exec(
            select(SyncRun.started_at)
            .where(SyncRun.kind == kind)
            .order_by(col(SyncRun.started_at).desc())
            .limit(1)
        ).first()


def _guarded(name: str, work: Callable[[], Any], console: Console) -> Callable[[], None]:
    """A job that reports its failure and lets the scheduler live on to the next slot."""

    def run() -> None:
        console.print(f"[bold]{datetime.now(UTC):%Y-%m-%d %H:%M:%S}Z[/bold] {name} starting")
        try:
            work()
        except TrackerError as error:
            console.print(f"[red]{name} failed:[/red] {error}")
        else:
            console.print(f"{name} finished")

    return run


@app.command()
def schedule(config: ConfigOption = None) -> None:
    """Run syncs and digests at the configured times until SIGTERM/SIGINT.

    A run missed while this process was down runs once at start. On SIGTERM the item
    in progress finishes, the run is recorded, and the process exits 0.
    """
    loaded = load_config_or_default(config)
    assert loaded.database_url is not None
    console = Console(highlight=False)
    stop = StopFlag()
    jobs = scheduled_jobs(
        loaded,
        sync=_guarded(
            "sync", lambda: run_sync_once(loaded, None, should_stop=stop.is_set), console
        ),
        digest=_guarded("digest", lambda: run_reminders(loaded, console=console), console),
    )
    store = open_store(loaded.database_url)
    try:
        for name, when in next_runs(jobs, datetime.now(UTC)).items():
            console.print(f"next {name}: {when.astimezone(loaded.tz):%a %Y-%m-%d %H:%M %Z}")
        with stop_on_signals(stop):
            run_forever(
                jobs,
                last_started=lambda name: last_started(store, JOB_KINDS[name]),
                now=lambda: datetime.now(UTC),
                stop=stop,
            )
    finally:
        store.close()
    console.print("scheduler stopped")


def _runs_table(store: Store, limit: int, zone: Any) -> Table:
    table = Table(title=f"Last {limit} runs", title_justify="left")
    for column in ("kind", "started", "finished", "outcome", "counts", "host/pid"):
        table.add_column(column)
    with store.session() as session:
        runs = session.exec(
            select(SyncRun).order_by(col(SyncRun.started_at).desc()).limit(limit)
        ).all()
    for run in runs:
        counts = ", ".join(f"{k} {v}" for k, v in run.counts.items() if v) or "—"
        finished = (
            f"{run.finished_at.astimezone(zone):%Y-%m-%d %H:%M:%S}" if run.finished_at else "—"
        )
        style = {"ok": "green", "partial": "yellow", "failed": "red"}.get(run.outcome, "")
        table.add_row(
            run.kind,
            f"{run.started_at.astimezone(zone):%Y-%m-%d %H:%M:%S}",
            finished,
            f"[{style}]{run.outcome}[/{style}]" if style else run.outcome,
            counts,
            f"{run.host}/{run.pid}",
        )
    return table


@app.command()
def status(
    config: ConfigOption = None,
    limit: Annotated[int, typer.Option("--limit", "-n", min=1, help="How many runs.")] = 10,
) -> None:
    """Show the last runs (started, finished, outcome, counts) and the next scheduled ones."""
    loaded = load_config_or_default(config)
    assert loaded.database_url is not None
    console = Console(highlight=False)
    store = open_store(loaded.database_url)
    try:
        console.print(_runs_table(store, limit, loaded.tz))
    finally:
        store.close()
    jobs = scheduled_jobs(loaded, sync=lambda: None, digest=lambda: None)
    for name, when in next_runs(jobs, datetime.now(UTC)).items():
        console.print(f"next {name}: {when.astimezone(loaded.tz):%a %Y-%m-%d %H:%M %Z}")
