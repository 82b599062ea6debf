"""`tracker schedule` (the long-running nightly process) and `tracker status`."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Annotated, Any

import typer

from tracker.application.runs import last_started, recent_runs
from tracker.cli.app import app
from tracker.cli.options import ConfigOption, load_config_or_default
from tracker.errors import ConfigError, TrackerError

if TYPE_CHECKING:
    from rich.console import Console

    from tracker.config import Config
    from tracker.report.render_table import ByWidth
    from tracker.scheduling import Job
    from tracker.store.models import SyncRun

JOB_KINDS = {"sync": "sync", "digest": "digest"}
SLOT_FORMAT = "%a %Y-%m-%d %H:%M %Z"


def scheduled_jobs(
    config: Config,
    *,
    sync: Callable[[datetime], None],
    digest: Callable[[datetime], None],
) -> list[Job]:
    """The jobs `[schedule]` asks for, in the config's time zone: daily syncs at `sync_at`,
    the weekly digest at `digest_at`. A key left out schedules nothing, and so does a
    config without `[schedule]`: nothing runs (or posts) that nobody asked for."""
    from tracker.scheduling import Job, Slot

    if "schedule" not in config.model_fields_set:
        return []
    given = config.schedule.model_fields_set
    zone = config.timezone
    jobs = []
    if "sync_at" in given:
        jobs.append(Job("sync", [Slot.parse(at, zone) for at in config.schedule.sync_at], sync))
    if "digest_at" in given:
        jobs.append(Job("digest", [Slot.parse(config.schedule.digest_at, zone)], digest))
    return jobs


def _guarded(
    name: str,
    work: Callable[[], Any],
    console: Console,
    announce: Callable[[datetime], str],
) -> Callable[[datetime], None]:
    """A job that first says which slot it runs and what it will do, reports its
    failure, and lets the scheduler live on to the next slot."""

    from rich.markup import escape

    def run(slot: datetime) -> None:
        try:
            console.print(f"[bold]{datetime.now(UTC):%Y-%m-%d %H:%M:%S}Z[/bold] {announce(slot)}")
            work()
        except TrackerError as error:
            console.print(f"[red]{name} failed:[/red] {escape(str(error))}")
        else:
            console.print(f"{name} finished")

    return run


def _sync_announcement(config: Config) -> Callable[[datetime], str]:
    def announce(slot: datetime) -> str:
        where = ", ".join(config.documents.paths) or "(no [documents].paths)"
        systems = ", ".join(name for name, _ in config.connectors.items())
        to = f" with {systems}" if systems else " (recording only: no [connectors])"
        return f"sync for slot {slot.astimezone(config.tz):{SLOT_FORMAT}}: {where}{to}"

    return announce


def _digest_announcement(config: Config) -> Callable[[datetime], str]:
    def announce(slot: datetime) -> str:
        from tracker.application.remind import preview_reminders

        comments, digests = preview_reminders(config, now=datetime.now(UTC))
        webhook = config.reminders.webhook_url
        post = " and to the webhook" if webhook is not None and webhook.is_set else ""
        return (
            f"digest for slot {slot.astimezone(config.tz):{SLOT_FORMAT}}: "
            f"{comments} comment{'s' * (comments != 1)} on tickets, "
            f"{digests} digest{'s' * (digests != 1)}{post}"
        )

    return announce


@app.command()
def schedule(config: ConfigOption = None) -> None:
    """Run syncs and digests at the times in \\[schedule] until SIGTERM/SIGINT.

    Refuses to start without a \\[schedule] section. A slot missed while this process
    was down runs once at start only with `catch_up = true`. On SIGTERM the item in
    progress finishes, the run is recorded, and the process exits 0.
    """
    from rich.console import Console

    from tracker.application.remind import run_reminders
    from tracker.application.sync import run_sync_once
    from tracker.scheduling import StopFlag, next_runs, run_forever, stop_on_signals
    from tracker.store import open_store

    loaded = load_config_or_default(config)
    assert loaded.database_url is not None
    console = Console(highlight=False, soft_wrap=True)
    stop = StopFlag()
    jobs = scheduled_jobs(
        loaded,
        sync=_guarded(
            "sync",
            lambda: run_sync_once(loaded, None, should_stop=stop.is_set),
            console,
            _sync_announcement(loaded),
        ),
        digest=_guarded(
            "digest",
            lambda: run_reminders(loaded, console=console),
            console,
            _digest_announcement(loaded),
        ),
    )
    if not jobs:
        source = loaded.source or "the built-in defaults"
        raise ConfigError(
            f"{source}: no [schedule] sync_at or digest_at, so `tracker schedule` has nothing "
            "to run",
            hint='add [schedule] with sync_at = ["02:00"] and/or digest_at = "monday 09:00"',
        )
    store = open_store(loaded.database_url)

    def not_caught_up(job: Job, slot: datetime) -> None:
        console.print(
            f"missed {job.name} slot {slot.astimezone(loaded.tz):{SLOT_FORMAT}} not run "
            "(set catch_up = true in \\[schedule] to run missed slots at start)"
        )

    try:
        for name, when in next_runs(jobs, datetime.now(UTC)).items():
            console.print(f"next {name}: {when.astimezone(loaded.tz):{SLOT_FORMAT}}")
        with stop_on_signals(stop):
            run_forever(
                jobs,
                last_started=lambda name: last_started(store, JOB_KINDS[name]),
                now=lambda: datetime.now(UTC),
                stop=stop,
                catch_up_missed=loaded.schedule.catch_up,
                on_not_caught_up=not_caught_up,
            )
    finally:
        store.close()
    console.print("scheduler stopped")


# What a run's counts mean, in the order people read them. Plan kinds that an outcome
# repeats ("create" → "created") are left out; a key not listed shows as its own words.
_PLAIN_COUNTS = {
    "created": "tickets created",
    "adopted": "adopted after a lost create",
    "link": "linked",
    "tickets_updated": "tickets updated",
    "documents_written": "documents written",
    "conflict": "conflicts",
    "row-deleted": "rows deleted",
    "ticket-gone": "tickets gone",
    "failed": "failed",
    "skip": "skipped",
    "nothing": "already in step",
    "documents": "documents",
    "documents_unchanged": "documents unchanged (not re-read)",
    "new": "new items",
    "changed": "changed",
    "status_changes": "status changes",
    "removed": "removed",
    "restored": "restored",
    "unchanged": "unchanged",
    "commented": "comments",
    "escalated": "escalated to leads",
    "without_ticket": "without a ticket",
    "recently_reminded": "already reminded",
    "digests": "digests",
    "person_digests": "personal digests",
}
_REPEATED_BY = {"create": "created", "update": "tickets_updated"}


def plain_counts(counts: dict[str, int]) -> str:
    """A run's counts in words: `14 tickets created, 3 documents written, 5 already in step`."""
    shown = {
        key: value
        for key, value in counts.items()
        if value and not (key in _REPEATED_BY and _REPEATED_BY[key] in counts)
    }
    order = {key: index for index, key in enumerate(_PLAIN_COUNTS)}
    keys = sorted(shown, key=lambda key: order.get(key, len(order)))
    return ", ".join(
        f"{shown[key]} {_PLAIN_COUNTS.get(key, key.replace('_', ' ').replace('-', ' '))}"
        for key in keys
    )


def _runs_table(runs: list[SyncRun], zone: Any) -> ByWidth:
    """The runs; when narrow, no host/pid and a finish on the start's day shows its time only."""
    from rich.console import RenderableType
    from rich.table import Table
    from rich.text import Text

    from tracker.report.render_table import ByWidth, new_table

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
            counts = plain_counts(run.counts) or "—"
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
    from tracker.report.render_table import output_console
    from tracker.scheduling import next_runs

    loaded = load_config_or_default(config)
    assert loaded.database_url is not None
    console = output_console()
    runs = recent_runs(loaded.database_url, limit)
    if runs:
        console.print(_runs_table(runs, loaded.tz))
    else:
        console.print("no runs recorded yet")
    jobs = scheduled_jobs(loaded, sync=lambda slot: None, digest=lambda slot: None)
    if not jobs:
        console.print(
            "nothing scheduled (no \\[schedule] sync_at or digest_at in the configuration)"
        )
    for name, when in next_runs(jobs, datetime.now(UTC)).items():
        console.print(f"next {name}: {when.astimezone(loaded.tz):{SLOT_FORMAT}}")
