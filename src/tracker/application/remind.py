"""The reminder use case: comments on overdue/unowned items' tickets, digests and the
webhook, shared by `tracker remind` and the scheduler's digest job."""

from __future__ import annotations

from collections.abc import Mapping
from contextlib import nullcontext
from datetime import UTC, date, datetime
from typing import TYPE_CHECKING

from tracker.errors import TrackerError

if TYPE_CHECKING:
    from rich.console import Console

    from tracker.config import Config
    from tracker.reminders import RemindResult
    from tracker.report.render_table import ByWidth
    from tracker.store import Store
    from tracker.sync.connectors import ConnectorPool


def _connector_lookup(config: Config, env: Mapping[str, str] | None) -> ConnectorPool | None:
    from tracker.sync.connectors import ConnectorPool

    return ConnectorPool(config, env=env) if len(config.connectors) else None


def _nudge_table(result: RemindResult, dry_run: bool) -> ByWidth:
    """Who was (or would be) nudged; compact on a narrow terminal: action over location."""
    from rich.table import Table
    from rich.text import Text

    from tracker.reminders import Nudge
    from tracker.report.render_table import ByWidth, action_with_location, new_table

    verb = "would comment" if dry_run else "commented"
    rows = [(n, verb) for n in result.commented]
    rows += [
        (n, "digest only" if n.ticket else "digest only (no ticket)") for n in result.without_ticket
    ]
    rows += [(n, f"failed: {message}") for n, message in result.failed]
    rows += [
        (
            Nudge(step.item, step.reason),
            f"{'would escalate' if dry_run else 'escalated'} to {step.lead} ({step.detail})"
            + (", on the ticket" if commented else ""),
        )
        for step, commented in result.escalated
    ]

    def build(narrow: bool) -> Table:
        table = new_table("Reminders", narrow=narrow, leading=int(narrow))
        if narrow:
            table.add_column("action / where", overflow="fold", ratio=2)
        else:
            table.add_column("where", overflow="fold", ratio=1)
            table.add_column("action", overflow="fold", ratio=2)
        table.add_column("owners", overflow="fold", ratio=1)
        table.add_column("reason", no_wrap=True)
        table.add_column("ticket", overflow="fold")
        table.add_column("done", overflow="fold", ratio=1)
        for nudge, what in rows:
            ticket = Text(nudge.ticket.key if nudge.ticket else "—")
            item = nudge.item
            if narrow:
                cells = [action_with_location(item.action, item.location)]
            else:
                cells = [Text(item.location), Text(item.action)]
            table.add_row(*cells, Text(nudge.people()), nudge.reason, ticket, Text(what))
        return table

    return ByWidth(build)


def preview_reminders(
    config: Config, *, now: datetime, env: Mapping[str, str] | None = None
) -> tuple[int, int]:
    """(comments, digests) a reminder run would post and write now; reads only."""
    from tracker.reminders import send_reminders
    from tracker.report import build_report
    from tracker.report.options import options_from_config
    from tracker.store import open_store
    from tracker.store.db import store_exists

    assert config.database_url is not None
    if not store_exists(config.database_url):
        return 0, 0
    day = now.astimezone(config.tz).date()
    store = open_store(config.database_url, create=False)
    try:
        comments = 0
        if config.reminders.enabled:
            pool = _connector_lookup(config, env)
            result = send_reminders(store, config, pool, as_of=day, now=now, dry_run=True)
            comments = len(result.commented)
        report = build_report(store.engine, options_from_config(config, as_of=day))
        digests = sum(1 for team in report.teams if team.total)
    finally:
        store.close()
    return comments, digests


def run_reminders(
    config: Config,
    *,
    as_of: date | None = None,
    comments: bool = True,
    digest: bool = True,
    dry_run: bool = False,
    console: Console | None = None,
    env: Mapping[str, str] | None = None,
) -> RemindResult:
    """The whole reminder run, shared by `tracker remind` and the scheduler's digest job."""
    from tracker.lock import run_lock
    from tracker.reminders import RemindResult
    from tracker.report.render_table import output_console
    from tracker.store import open_store
    from tracker.store.db import store_exists

    console = console or output_console()
    assert config.database_url is not None
    now = datetime.now(UTC)
    day = as_of or datetime.now(config.tz).date()
    if dry_run and not store_exists(config.database_url):
        console.print("nothing to remind (no store yet: run `tracker sync` first)")
        return RemindResult()
    store = open_store(config.database_url, create=not dry_run)
    result = RemindResult()
    failure: Exception | None = None
    try:
        # a dry run only reads: no lock file, no run recorded
        with nullcontext() if dry_run else run_lock(config.database_url, purpose="remind"):
            if comments and config.reminders.enabled and not dry_run and len(config.connectors):
                _check_servers(store, config, env)
            run_id = None if dry_run else store.start_run("digest", now=now)
            try:
                _remind(
                    store,
                    config,
                    result,
                    day=day,
                    now=now,
                    env=env,
                    comments=comments,
                    digest=digest,
                    dry_run=dry_run,
                )
            except Exception as error:  # the run is closed as failed, then the error shown
                failure = error
            if run_id is not None:
                outcome = "failed" if failure else ("partial" if result.failed else "ok")
                message = None if failure is None else _failure_message(failure)
                store.finish_run(run_id, outcome, result.counts(), message=message)
    finally:
        store.close()
    _print_result(console, result, dry_run)
    if failure is not None:
        raise failure
    return result


def _check_servers(store: Store, config: Config, env: Mapping[str, str] | None) -> None:
    """Comments go to the tickets the store names: only on the servers it was synced with."""
    from tracker.sync.connectors import ConnectorPool
    from tracker.sync.servers import check_servers

    check_servers(store, ConnectorPool(config, env=env), record=False)


def _remind(
    store: Store,
    config: Config,
    result: RemindResult,
    *,
    day: date,
    now: datetime,
    env: Mapping[str, str] | None,
    comments: bool,
    digest: bool,
    dry_run: bool,
) -> None:
    """Comments, then digests and the webhook; `result` holds whatever was done so far."""
    from tracker.reminders import (
        post_webhook,
        send_reminders,
        slack_payload,
        write_digests,
        write_person_digests,
    )

    pool = _connector_lookup(config, env) if comments else None
    if config.reminders.enabled:
        send_reminders(store, config, pool, as_of=day, now=now, dry_run=dry_run, into=result)
    if not digest or dry_run:
        return
    written = write_digests(store, config, as_of=day)
    result.digests = [path for _, _, path in written]
    result.person_digests = write_person_digests(store, config, as_of=day)
    webhook = config.reminders.webhook_url
    if webhook is None:
        return
    if not webhook.is_set:
        result.webhook_unset = webhook.env_var
        return
    post_webhook(webhook.get(), slack_payload(day, [(t, r) for t, r, _ in written]))
    result.webhook_posted = True


def _failure_message(failure: Exception) -> str:
    """What `tracker status` shows for a failed run (a TrackerError's text is safe to show)."""
    return str(failure) if isinstance(failure, TrackerError) else type(failure).__name__


def _print_result(console: Console, result: RemindResult, dry_run: bool) -> None:
    """What was done (also after a failure part-way: comments already posted are listed)."""
    if result.commented or result.without_ticket or result.failed or result.escalated:
        console.print(_nudge_table(result, dry_run))
    else:
        console.print("nothing to remind")
    for path in result.digests:
        console.print(f"digest written: {path}")
    if result.person_digests:
        count = len(result.person_digests)
        console.print(
            f"{count} personal digest{'s' * (count != 1)} written in "
            f"{result.person_digests[0].parent}"
        )
    if result.webhook_posted:
        console.print("digest posted to the webhook")
    if result.webhook_unset:
        console.print(
            f"digest not posted: environment variable {result.webhook_unset} "
            "(reminders.webhook_url) is not set"
        )
    if result.recently_reminded:
        console.print(f"{result.recently_reminded} already reminded within the interval")
