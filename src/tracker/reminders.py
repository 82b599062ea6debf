"""Nudges for overdue and unowned items: a ticket comment, and a weekly digest per team.

Past the owner, the escalation ladder (`escalation.py`) takes an item to its team lead
and writes one digest per person.

Which items need a nudge comes from the report's own queries, so a reminder never
disagrees with the report. Each comment is recorded in the store the moment it is
posted, so a restart (or tomorrow's run) does not repeat it within the interval.
"""

from __future__ import annotations

import json
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

import requests
from sqlmodel import col, select

from tracker.config import Config
from tracker.connectors import ConnectorError
from tracker.errors import ConfigError, TrackerError
from tracker.escalation import (
    Escalation,
    digest_path,
    find_escalations,
    person_digests,
    render_person_digest,
)
from tracker.model import URL_SYSTEM, TicketRef
from tracker.report import ReportData, build_report
from tracker.report.model import ItemRow
from tracker.report.options import options_from_config
from tracker.report.output import write_atomically
from tracker.report.render_markdown import render_markdown
from tracker.store import Store
from tracker.store.models import Reminder
from tracker.sync.budget import CreationHistory
from tracker.sync.connectors import ConnectorPool

REASONS = ("overdue", "unowned")


@dataclass(frozen=True)
class Nudge:
    """One item that needs a reminder, and why."""

    item: ItemRow
    reason: str  # "overdue" | "unowned"

    @property
    def ticket(self) -> TicketRef | None:
        """The ticket a comment goes on: the item's first linked ticket, if any."""
        if not self.item.tickets:
            return None
        link = self.item.tickets[0]
        return TicketRef(link.system or URL_SYSTEM, link.key, link.url)

    def people(self) -> str:
        return ", ".join(self.item.owners) or "nobody yet"


@dataclass
class RemindResult:
    """What a reminder run did (or, with --dry-run, would do)."""

    commented: list[Nudge] = field(default_factory=list)
    escalated: list[tuple[Escalation, bool]] = field(default_factory=list)  # (step, commented)
    without_ticket: list[Nudge] = field(default_factory=list)
    failed: list[tuple[Nudge, str]] = field(default_factory=list)
    recently_reminded: int = 0
    digests: list[Path] = field(default_factory=list)
    person_digests: list[Path] = field(default_factory=list)
    webhook_posted: bool = False
    webhook_unset: str | None = None  # the webhook's environment variable, when unset

    def counts(self) -> dict[str, int]:
        return {
            "commented": len(self.commented),
            "escalated": len(self.escalated),
            "without_ticket": len(self.without_ticket),
            "failed": len(self.failed),
            "recently_reminded": self.recently_reminded,
            "digests": len(self.digests),
            "person_digests": len(self.person_digests),
        }


def find_nudges(store: Store, config: Config, *, as_of: date) -> list[Nudge]:
    """Overdue and unowned items from the report as of `as_of` (both lists hold open items only)."""
    report = build_report(store.engine, options_from_config(config, as_of=as_of))
    return _nudges(report)


def _nudges(report: ReportData) -> list[Nudge]:
    return [Nudge(item, "overdue") for item in report.overdue] + [
        Nudge(item, "unowned") for item in report.unowned
    ]


def recently_reminded(store: Store, *, since: datetime) -> set[tuple[str, str]]:
    """(item id, reason) pairs nudged after `since`."""
    with store.session() as session:
        rows = session.exec(
            select(Reminder.item_id, Reminder.kind).where(col(Reminder.last_sent_at) > since)
        ).all()
    return {(item_id, kind) for item_id, kind in rows}


def comment_text(template: str, nudge: Nudge) -> str:
    """The configured wording with the item's fields filled in."""
    values = {
        "reason": nudge.reason,
        "due": nudge.item.due.isoformat() if nudge.item.due else "no due date",
        "owner": nudge.people(),
        "action": nudge.item.action,
        "location": nudge.item.location,
        "days_overdue": nudge.item.days_overdue or 0,
    }
    return fill_comment(template, values)


def fill_comment(template: str, values: dict[str, object]) -> str:
    """`template` with `values`; a bad placeholder is one ConfigError line."""
    try:
        return template.format_map(values)
    except (KeyError, ValueError, IndexError, AttributeError, TypeError) as error:
        raise ConfigError(
            f"reminders.comment: bad placeholder {error}",
            hint="use {reason}, {due}, {owner}, {action}, {location}, {days_overdue}",
        ) from None


def send_reminders(
    store: Store,
    config: Config,
    pool: ConnectorPool | None,
    *,
    as_of: date,
    now: datetime,
    dry_run: bool = False,
    into: RemindResult | None = None,
) -> RemindResult:
    """Comment on each due nudge's ticket once per interval; record each one as it is sent.

    `pool` (None: comments off) builds a connector only when a comment is really posted,
    so a dry run needs no credentials. `into` collects the outcome as it happens, so a
    caller still knows what was posted when a later step fails.
    """
    result = into if into is not None else RemindResult()
    if pool is None or dry_run:
        return _send(store, config, _Writers(pool, None), as_of, now, dry_run, result)
    started = time.monotonic()
    history = CreationHistory(store, lambda: now + timedelta(seconds=time.monotonic() - started))
    writers = _Writers(pool, history)
    try:
        return _send(store, config, writers, as_of, now, dry_run, result)
    finally:
        writers.give_back()
        history.save(now=now)


class _Writers:
    """The pool's connectors for posting comments; a paced one (GitHub) first counts
    the last hour's creations sync made, and its own are kept for the next run."""

    def __init__(self, pool: ConnectorPool | None, history: CreationHistory | None) -> None:
        self.pool = pool
        self.history = history
        self._lent: dict[str, object] = {}

    def owner_of(self, ref: TicketRef | None) -> str | None:
        return self.pool.owner_of(ref) if self.pool is not None and ref is not None else None

    def comment(self, system: str, ref: TicketRef, text: str) -> None:
        assert self.pool is not None
        connector = self.pool.get(system)
        if self.history is not None and system not in self._lent:
            self._lent[system] = connector
            self.history.lend(system, connector)
        connector.add_comment(ref, text)

    def give_back(self) -> None:
        if self.history is not None:
            for system, connector in self._lent.items():
                self.history.take_back(system, connector)


@dataclass
class _Post:
    """What one ticket gets this run: every due reason's text in one comment."""

    system: str
    ref: TicketRef
    texts: list[str] = field(default_factory=list)
    owner_nudges: list[Nudge] = field(default_factory=list)
    escalations: list[Escalation] = field(default_factory=list)


def _send(
    store: Store,
    config: Config,
    writers: _Writers,
    as_of: date,
    now: datetime,
    dry_run: bool,
    result: RemindResult,
) -> RemindResult:
    """Decide every nudge and escalation first, then post one comment per ticket: an
    item both overdue and unowned, and escalated, gets one comment, not four."""
    interval = timedelta(days=config.reminders.interval_days)
    skip = recently_reminded(store, since=now - interval)
    ladder = config.reminders.escalation
    report = build_report(store.engine, options_from_config(config, as_of=as_of))
    posts: dict[tuple[str, str], _Post] = {}

    def post_for(nudge: Nudge) -> _Post | None:
        ref = nudge.ticket
        system = writers.owner_of(ref)
        if writers.pool is None or ref is None or system is None:
            return None
        return posts.setdefault((system, ref.key), _Post(system, ref))

    for nudge in _nudges(report):
        if nudge.reason == "overdue" and (nudge.item.days_overdue or 0) < ladder.owner_after_days:
            continue  # not yet on the owner's rung of the ladder
        if (nudge.item.id, nudge.reason) in skip:
            result.recently_reminded += 1
            continue
        post = post_for(nudge)
        if post is None:
            result.without_ticket.append(nudge)
            continue
        post.texts.append(comment_text(config.reminders.comment, nudge))  # dry runs check it
        post.owner_nudges.append(nudge)
    for escalation in find_escalations(store, config, report.overdue, report.unowned, as_of=as_of):
        if (escalation.item.id, escalation.reason) in skip:
            result.recently_reminded += 1
            continue
        post = post_for(Nudge(escalation.item, escalation.reason))
        if post is None or not ladder.comment_on_ticket:
            if not dry_run:  # the step is the lead's digest; recorded so it doesn't repeat
                _record_sent(store, escalation.item.id, escalation.reason, now)
            result.escalated.append((escalation, False))
            continue
        post.texts.append(lead_comment_text(ladder.lead_comment, escalation))
        post.escalations.append(escalation)
    for post in posts.values():
        _post(store, writers, post, now=now, dry_run=dry_run, into=result)
    return result


def lead_comment_text(template: str, escalation: Escalation) -> str:
    item = escalation.item
    values: dict[str, object] = {
        "lead": escalation.lead,
        "team": item.team,
        "detail": escalation.detail,
        "action": item.action,
        "owner": ", ".join(item.owners) or "nobody yet",
    }
    return fill_comment(template, values)


def _post(
    store: Store,
    writers: _Writers,
    post: _Post,
    *,
    now: datetime,
    dry_run: bool,
    into: RemindResult,
) -> None:
    """One comment with every text for the ticket; each reason recorded once it is posted."""
    if not dry_run:
        try:
            writers.comment(post.system, post.ref, "\n\n".join(post.texts))
        except ConnectorError as error:
            into.failed += [(nudge, str(error)) for nudge in post.owner_nudges]
            into.failed += [(Nudge(e.item, e.reason), str(error)) for e in post.escalations]
            return
        for nudge in post.owner_nudges:
            _record_sent(store, nudge.item.id, nudge.reason, now)
        for escalation in post.escalations:
            _record_sent(store, escalation.item.id, escalation.reason, now)
    into.commented += post.owner_nudges
    into.escalated += [(escalation, True) for escalation in post.escalations]


def _record_sent(store: Store, item_id: str, kind: str, now: datetime) -> None:
    with store.session() as session:
        session.merge(Reminder(item_id=item_id, kind=kind, last_sent_at=now))


def write_digests(
    store: Store, config: Config, *, as_of: date, teams: Sequence[str] | None = None
) -> list[tuple[str, ReportData, Path]]:
    """One Markdown digest per team with items, written to [reminders].digest_dir."""
    folder = config.base_dir / config.reminders.digest_dir
    overall = build_report(store.engine, options_from_config(config, as_of=as_of))
    wanted = teams or [team.team for team in overall.teams if team.total]
    written = []
    for team in wanted:
        report = build_report(store.engine, options_from_config(config, team=team, as_of=as_of))
        path = folder / f"{as_of.isoformat()}-{_safe_name(team)}.md"
        folder.mkdir(parents=True, exist_ok=True)
        write_atomically(path, render_markdown(report))
        written.append((team, report, path))
    return written


def write_person_digests(
    store: Store, config: Config, *, as_of: date, report: ReportData | None = None
) -> list[Path]:
    """One Markdown digest per person ([reminders.escalation] people_digests), across all
    postmortems: the overdue items they own, and what was escalated to them as a lead."""
    ladder = config.reminders.escalation
    if not ladder.people_digests:
        return []
    report = report or build_report(store.engine, options_from_config(config, as_of=as_of))
    escalations = find_escalations(store, config, report.overdue, report.unowned, as_of=as_of)
    folder = config.base_dir / config.reminders.digest_dir
    written = []
    for digest in person_digests(
        report.overdue, escalations, owner_after_days=ladder.owner_after_days
    ):
        path = digest_path(folder, digest.person, as_of)
        path.parent.mkdir(parents=True, exist_ok=True)
        write_atomically(path, render_person_digest(digest, as_of=as_of))
        written.append(path)
    return written


def _safe_name(team: str) -> str:
    return "".join(ch if ch.isalnum() or ch in "-_" else "_" for ch in team) or "team"


def slack_payload(as_of: date, reports: Sequence[tuple[str, ReportData]]) -> dict[str, Any]:
    """A Slack-compatible incoming-webhook message: a text fallback plus one block per team."""
    blocks: list[dict[str, Any]] = [
        {
            "type": "header",
            "text": {"type": "plain_text", "text": f"Postmortem action items — {as_of}"},
        }
    ]
    lines = []
    for team, report in reports:
        figures = report.totals
        rate = figures.completion_rate
        summary = (
            f"*{_slack_escape(team)}*: {figures.done}/{figures.total - figures.wont_do} done"
            f"{f' ({rate:.0%})' if rate is not None else ''}, "
            f"{figures.overdue} overdue, {figures.unowned} unowned"
        )
        overdue = [
            f"• {_slack_escape(item.action)} — {_slack_escape(', '.join(item.owners) or 'unowned')}"
            f", {item.days_overdue} d overdue"
            for item in report.overdue[:5]
        ]
        text = "\n".join([summary, *overdue])
        lines.append(summary)
        blocks.append({"type": "section", "text": {"type": "mrkdwn", "text": text}})
    return {"text": f"Postmortem action items — {as_of}: " + "; ".join(lines), "blocks": blocks}


def _slack_escape(text: str) -> str:
    """Slack's mrkdwn needs &, < and > escaped; nothing else is interpreted as markup."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def post_webhook(url: str, payload: dict[str, Any], *, timeout: float = 10.0) -> None:
    """POST the digest; the URL is a secret, so errors never include it."""
    try:
        response = requests.post(
            url,
            data=json.dumps(payload),
            headers={"Content-Type": "application/json"},
            timeout=timeout,
        )
    except requests.RequestException as error:
        raise TrackerError(
            f"digest webhook unreachable ({type(error).__name__})", exit_code=1
        ) from None
    if response.status_code >= 300:
        raise TrackerError(f"digest webhook answered HTTP {response.status_code}", exit_code=1)
