"""`tracker schedule` (the long-running nightly process) and `tracker status`."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Annotated, Any

import typer
from rich.console import Console, RenderableType
from rich.table import Table
from rich.text import Text
from sqlmodel import col, select

from tracker.cli.app import app
from tracker.cli.options import ConfigOption, load_config_or_default
from tracker.cli.remind import run_reminders
from tracker.cli.sync import run_sync_once
from tracker.config import Config
from tracker.errors import TrackerError
from tracker.report.render_table import ByWidth, new_table, output_console
from tracker.scheduling import Job, Slot, StopFlag, next_runs, run_forever, stop_on_signals
from tracker.store import Store, open_store
from tracker.store.db import store_exists
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


def recent_runs(database_url: str, limit: int) -> list[SyncRun]:
    """The latest runs, newest first; none (and nothing created) where no store exists yet."""
    if not store_exists(database_url):
        return []
    store = open_store(database_url, create=False)
    try:
        with store.session() as session:
            return list(
                session.exec(
                    select(SyncRun).order_by(col(SyncRun.started_at).desc()).limit(limit)
                ).all()
            )
    finally:
        store.close()


def _runs_table(runs: list[SyncRun], zone: Any) -> ByWidth:
    """The runs; when narrow, no host/pid and a finish on the start's day shows its time only."""

    def build(narrow: bool) -> Table:
        table = new_table("Last run" if len(runs) == 1 else f"Last {len(runs)} runs", narrow=narrow)
        for column in ("kind", "started", "finished", "outcome"):
            table.add_column(column, no_wrap=True)
        table.add_column("counts", overflow="fold", ratio=1)
        if not narrow:
            table.add_column("host/pid", overflow="fold")
        for run in runs:
            started = run.started_at.astimezone(zone)
            finished = run.finished_at.astimezone(zone) if run.finished_at else None
            same_day = finished is not None and finished.date() == started.date()
            clock = "%H:%M" if narrow else "%H:%M:%S"
            finished_text = (
                "—"
                if finished is None
                else f"{finished:{clock}}"
                if narrow and same_day
                else f"{finished:%Y-%m-%d {clock}}"
            )
            style = {"ok": "green", "partial": "yellow", "failed": "red"}.get(run.outcome, "")
            counts = ", ".join(f"{k} {v}" for k, v in run.counts.items() if v) or "—"
            cells: list[RenderableType] = [
                run.kind,
                f"{started:%Y-%m-%d {clock}}",
                finished_text,
                Text(run.outcome, style=style),
                Text(counts),
            ]
            if not narrow:
                cells.append(Text(f"{run.host}/{run.pid}"))
            table.add_row(*cells)
        return table

    return ByWidth(build)


@app.command()
def status(
    config: ConfigOption = None,
    limit: Annotated[
        int, typer.Option("--limit", "-n", min=1, max=10_000, help="How many runs.")
    ] = 10,
) -> None:
    """Show the last runs (started, finished, outcome, counts) and the next scheduled ones.

    Only reads: where no store exists yet it says no runs were recorded and creates nothing.
    """
    loaded = load_config_or_default(config)
    assert loaded.database_url is not None
    console = output_console()
    runs = recent_runs(loaded.database_url, limit)
    if runs:
        console.print(_runs_table(runs, loaded.tz))
    else:
        console.print("no runs recorded yet")
    jobs = scheduled_jobs(loaded, sync=lambda: None, digest=lambda: None)
    for name, when in next_runs(jobs, datetime.now(UTC)).items():
        console.print(f"next {name}: {when.astimezone(loaded.tz):%a %Y-%m-%d %H:%M %Z}")
