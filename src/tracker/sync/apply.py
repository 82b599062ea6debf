"""Carrying out a plan's ticket writes: creates in batches, then updates.

Work is split into lanes that run in parallel: one per Jira project, and one for all
of GitHub while its creations are paced (the secondary limit counts per user). Inside a
lane calls are serial. One failed item never stops the others: its error is kept, its
baseline stays as it was, and the next run plans it again.

Before every create call the batch's intents are recorded (`tracker.sync.intents`), and
every create is recorded as soon as the call returns (before any other call): a crash
in between is settled by the next run's trusted lookup (see `TRACKER_TEST_CRASH_AFTER`).
A create whose outcome no trusted read could establish is *deferred*, never re-sent.
A create the connector *postponed* (its hourly budget spent, see `tracker.sync.budget`)
was never sent: its intent is settled and every later create of that system in this
run is postponed too, without a call.
"""

from __future__ import annotations

import os
import signal
import threading
import time
from collections import defaultdict
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta

from tracker.connectors import (
    ConnectorError,
    CreateResult,
    RemoteTicket,
    Target,
    TicketChanges,
)
from tracker.model import Status
from tracker.store import Store
from tracker.sync.budget import CreationHistory
from tracker.sync.connectors import ConnectorPool
from tracker.sync.fields import Fields, ticket_fields
from tracker.sync.intents import DEFERRED_NOTE, Intent, record_intents
from tracker.sync.plan import ItemPlan, target_scope
from tracker.sync.state import Baseline, save_baselines

# Test hook (documented in the README's sync section): with TRACKER_TEST_CRASH_AFTER=create
# the process SIGKILLs itself right after the first create call returns, before
# anything is recorded — the kill test uses it to prove a crash there makes no duplicate.
CRASH_HOOK_ENV = "TRACKER_TEST_CRASH_AFTER"

Progress = Callable[[str, int], None]  # (what just happened, steps done)


@dataclass
class ApplyOutcome:
    """Per-item results of the ticket writes."""

    tickets: dict[str, RemoteTicket] = field(default_factory=dict)  # item id → ticket now
    failed: dict[str, str] = field(default_factory=dict)  # item id → message
    deferred: dict[str, str] = field(default_factory=dict)  # create outcome unclear → why
    warnings: dict[str, list[str]] = field(default_factory=lambda: defaultdict(list))
    created: set[str] = field(default_factory=set)
    adopted: set[str] = field(default_factory=set)
    updated: set[str] = field(default_factory=set)
    gone: set[str] = field(default_factory=set)  # update found the ticket deleted
    skipped: set[str] = field(default_factory=set)  # not started: the run was asked to stop
    postponed: dict[str, str] = field(default_factory=dict)  # not sent: budget spent → why
    resume_at: dict[str, datetime] = field(default_factory=dict)  # system → creations resume
    _lock: threading.Lock = field(default_factory=threading.Lock)


class Applier:
    """Runs the ticket side of a plan against the connectors."""

    def __init__(
        self,
        pool: ConnectorPool,
        store: Store,
        *,
        workers: int = 8,
        progress: Progress | None = None,
        should_stop: Callable[[], bool] | None = None,
        now: datetime | None = None,
        paused: Mapping[str, datetime] | None = None,
        clock: Callable[[], datetime] | None = None,
        history: CreationHistory | None = None,
    ) -> None:
        self.pool = pool
        self.now = now
        self.paused = dict(paused or {})  # system → no creation before (an earlier run's)
        self._started = time.monotonic()
        self._run_clock = clock
        self.history = history  # earlier runs' creations, lent to the paced lanes
        self.store = store
        self.workers = workers
        self.progress = progress or (lambda what, steps: None)
        self.should_stop = should_stop or (lambda: False)
        self.outcome = ApplyOutcome()

    def run(self, plans: Sequence[ItemPlan]) -> ApplyOutcome:
        lanes: dict[str, list[ItemPlan]] = defaultdict(list)
        for plan in plans:
            if plan.touches_ticket and plan.system:
                lanes[self._lane(plan)].append(plan)
        with ThreadPoolExecutor(max_workers=max(1, self.workers)) as executor:
            for future in [executor.submit(self._run_lane, work) for work in lanes.values()]:
                future.result()
        return self.outcome

    def _lane(self, plan: ItemPlan) -> str:
        system = plan.system or ""
        if self.pool.paced(system):
            return system
        if plan.target is not None:
            return target_scope(plan.target)
        return f"{system}:{plan.ref.key.split('#')[0].rsplit('-', 1)[0] if plan.ref else ''}"

    def _run_lane(self, plans: list[ItemPlan]) -> None:
        system = plans[0].system or ""
        if not self.pool.paced(system):
            self._run_lane_writes(plans)
            return
        connector = self.pool.get(system)  # this thread's: the one that will write
        if self.history is not None:
            self.history.lend(system, connector)
        try:
            self._run_lane_writes(plans)
        finally:
            if self.history is not None:
                self.history.take_back(system, connector)

    def _run_lane_writes(self, plans: list[ItemPlan]) -> None:
        creates: dict[Target, list[ItemPlan]] = defaultdict(list)
        for plan in plans:
            if plan.draft is not None and plan.target is not None:
                creates[plan.target].append(plan)
        for target, group in creates.items():
            self._create_all(target, group)
        for plan in plans:
            if plan.draft is None and plan.changes is not None and not plan.changes.is_empty:
                if self._stopping(plan):
                    continue
                self._update(plan)

    def _stopping(self, plan: ItemPlan) -> bool:
        """Asked to stop (SIGTERM): what isn't started is left for the next run."""
        if not self.should_stop():
            return False
        with self.outcome._lock:
            self.outcome.skipped.add(plan.item_id)
        return True

    # ----- creates ----------------------------------------------------------------------

    def _create_all(self, target: Target, plans: list[ItemPlan]) -> None:
        connector = self.pool.get(target.system)
        size = max(1, connector.capabilities.bulk_create)
        for start in range(0, len(plans), size):
            batch = plans[start : start + size]
            if self._stopping(batch[0]):
                with self.outcome._lock:
                    self.outcome.skipped.update(plan.item_id for plan in batch)
                continue
            if self._postponing(target.system, batch):
                continue
            self._create_batch(target, batch)

    def _clock(self) -> datetime:
        if self._run_clock is not None:
            return self._run_clock()
        elapsed = timedelta(seconds=time.monotonic() - self._started)
        return (self.now or datetime.now(UTC)) + elapsed

    def _postponing(self, system: str, plans: list[ItemPlan]) -> bool:
        """Leave `plans` for a later run without a call: this run's budget for the
        system is spent, or an earlier run's pause hasn't ended yet."""
        until = self.paused.get(system)
        with self.outcome._lock:
            if system not in self.outcome.resume_at:
                if until is None or until <= self._clock():
                    return False
                self.outcome.resume_at[system] = until
            for plan in plans:
                self.outcome.postponed[plan.item_id] = (
                    f"postponed: {system}'s creation budget is spent until "
                    f"{self.outcome.resume_at[system]:%H:%M} UTC"
                )
        for plan in plans:
            self.progress(f"postponed {plan.item_id}", 1)
        return True

    def _create_batch(self, target: Target, plans: list[ItemPlan]) -> None:
        connector = self.pool.get(target.system)
        drafts = [plan.draft for plan in plans if plan.draft is not None]
        try:
            hint = connector.creation_hint(target)
        except ConnectorError as error:
            # No create without a way to find it again: a lost answer could then never
            # be settled. Nothing was sent; the next run tries again.
            for plan in plans:
                self._fail(plan.item_id, f"not created (retried next run): {error.message}")
                self.progress(f"failed {plan.item_id}", 1)
            return
        intents = {plan.item_id: self._intent(plan, target, hint) for plan in plans}
        record_intents(self.store, intents.values(), now=self.now)
        try:
            results = connector.create(drafts)
        except ConnectorError as error:
            results = self._resolve_failed_create(target, plans, error, hint)
        if os.environ.get(CRASH_HOOK_ENV) == "create":
            os.kill(os.getpid(), signal.SIGKILL)
        self._record_creates(plans, results, intents)
        for plan in plans:
            self.progress(f"created {plan.item_id}", 1)
        for plan in plans:
            ticket = self.outcome.tickets.get(plan.item_id)
            intent = intents[plan.item_id]
            if ticket is not None and not intent.satisfied_by(ticket_fields(ticket).status):
                self._follow_up_status(plan, ticket, intent)

    def _intent(self, plan: ItemPlan, target: Target, hint: dict[str, object]) -> Intent:
        status = plan.status_after_create.value if plan.status_after_create else None
        return Intent(plan.item_id, target, status, hint, self.now)

    def _resolve_failed_create(
        self,
        target: Target,
        plans: list[ItemPlan],
        error: ConnectorError,
        hint: dict[str, object],
    ) -> list[CreateResult]:
        """A create call that failed as a whole may still have made tickets: only a
        trusted read (`find_created`) decides. A failed or inconclusive one leaves the
        items unresolved — never "not created"."""
        ids = [plan.item_id for plan in plans]
        if error.unprocessed or not error.transient:  # certainly nothing was made
            return [CreateResult(i, None, error.message) for i in ids]
        try:
            found, absent = self.pool.get(target.system).find_created(
                target, ids, {i: hint for i in ids}
            )
        except ConnectorError:
            found, absent = {}, set()
        return [
            CreateResult(i, found[i], None, adopted=True)
            if i in found
            else CreateResult(i, None, error.message, unresolved=i not in absent)
            for i in ids
        ]

    def _record_creates(
        self, plans: list[ItemPlan], results: list[CreateResult], intents: dict[str, Intent]
    ) -> None:
        """Baselines of what was made, in one transaction with the intents settled: those
        whose ticket shows the intended status, and those certainly not made."""
        by_id = {result.identity: result for result in results}
        baselines = []
        settled = []
        for plan in plans:
            result = by_id.get(plan.item_id)
            if result is not None and result.ticket is None and result.postponed is not None:
                with self.outcome._lock:  # never sent: the next runs create it
                    self.outcome.postponed[plan.item_id] = result.error or "postponed"
                    resume = self._clock() + timedelta(seconds=result.postponed)
                    self.outcome.resume_at.setdefault(plan.system or "", resume)
                settled.append(plan.item_id)
                continue
            if result is not None and result.ticket is None and result.unresolved:
                with self.outcome._lock:
                    self.outcome.deferred[plan.item_id] = f"{DEFERRED_NOTE} ({result.error})"
                continue
            if result is None or result.ticket is None:
                message = result.error if result and result.error else "create returned nothing"
                self._fail(plan.item_id, message)
                if result is not None:
                    settled.append(plan.item_id)
                continue
            ticket = result.ticket
            self.outcome.tickets[plan.item_id] = ticket
            self.outcome.warnings[plan.item_id].extend(result.warnings)
            (self.outcome.adopted if result.adopted else self.outcome.created).add(plan.item_id)
            plan.ref = ticket.ref
            baselines.append(self._created_baseline(plan, ticket))
            if intents[plan.item_id].satisfied_by(ticket_fields(ticket).status):
                settled.append(plan.item_id)
        if baselines or settled:
            save_baselines(self.store, baselines, now=self.now, settled=settled)

    def _created_baseline(self, plan: ItemPlan, ticket: RemoteTicket) -> Baseline:
        doc = plan.doc or ticket_fields(ticket)
        return Baseline(
            item_id=plan.item_id,
            system=plan.system or ticket.ref.system,
            key=ticket.ref.key,
            url=ticket.ref.url,
            doc=doc,
            ticket=ticket_fields(ticket),
            seen=ticket_fields(ticket),
            path=plan.path,
            created_by_tracker=True,
            remote_updated_at=ticket.updated_at,
        )

    def _follow_up_status(self, plan: ItemPlan, ticket: RemoteTicket, intent: Intent) -> None:
        """A new ticket for an item already in progress is moved there right away. If
        that fails (or the process dies first) the intent stays: the next run does it."""
        status = Status(intent.status or Status.OPEN.value)
        try:
            after = self.pool.get(plan.system or "").update(
                ticket.ref, TicketChanges(status=status)
            )
        except ConnectorError as error:
            self.outcome.warnings[plan.item_id].append(
                f"created {ticket.ref.key} but could not set it {status.value} "
                f"(retried next run): {error.message}"
            )
            return
        self.outcome.tickets[plan.item_id] = after
        settled = [plan.item_id] if intent.satisfied_by(ticket_fields(after).status) else []
        save_baselines(
            self.store, [self._created_baseline(plan, after)], now=self.now, settled=settled
        )

    # ----- updates ----------------------------------------------------------------------

    def _update(self, plan: ItemPlan) -> None:
        assert plan.ref is not None and plan.changes is not None
        try:
            ticket = self.pool.get(plan.system or "").update(plan.ref, plan.changes)
        except ConnectorError as error:
            if error.status in (404, 410):
                self.outcome.gone.add(plan.item_id)
            self._fail(plan.item_id, f"update of {plan.ref.key} failed: {error.message}")
            self.progress(f"failed {plan.item_id}", 1)
            return
        self.outcome.tickets[plan.item_id] = ticket
        self.outcome.updated.add(plan.item_id)
        if plan.baseline is not None:
            plan.baseline = _with_ticket_values(plan.baseline, plan.changed_fields, ticket)
        _follow_move(plan, ticket)
        self.progress(f"updated {plan.ref.key}", 1)

    def _fail(self, item_id: str, message: str) -> None:
        with self.outcome._lock:
            self.outcome.failed[item_id] = message


def _with_ticket_values(baseline: Baseline, names: Sequence[str], ticket: RemoteTicket) -> Baseline:
    """The baseline's ticket side takes what the ticket really says after the update
    (a system may round a value), so the next run sees no phantom change."""
    now: Fields = ticket_fields(ticket)
    side = baseline.ticket
    for name in names:
        side = side.with_value(name, now.get(name))
    return replace(baseline, ticket=side, seen=now, remote_updated_at=ticket.updated_at)


def _follow_move(plan: ItemPlan, ticket: RemoteTicket) -> None:
    """The update reached the ticket under a new key (Jira move, GitHub transfer):
    the link follows it, in the store and in the row."""
    assert plan.ref is not None
    moved = ticket.moved_to or (ticket.ref if ticket.ref.key != plan.ref.key else None)
    if moved is None or moved.key == plan.ref.key:
        return
    plan.notes.append(f"{plan.ref.key} moved to {moved.key}; the link follows it")
    plan.ref = moved
    plan.ticket_cell = True
    if plan.baseline is not None:
        plan.baseline = replace(plan.baseline, key=moved.key, url=moved.url)
