"""`run_sync`: scan → read → plan → apply → write back → record, one function.

The only public entry point of the sync package (the CLI, `tracker demo` and the
scheduler call it). With `dry_run` it stops after planning: only reads reach the ticket
systems, and neither the documents nor the store are written. A real run plans the same
way first, so a configuration problem found while reading (a token variable not set,
credentials rejected) ends it with exit 2 before it writes anything. Every time it
records comes from one clock: `now` (or the real start) plus the time elapsed since.
Documents settled on an earlier run and unchanged since are not read at all unless one
of their tickets changed (see `tracker.sync.incremental`); `full` reads everything.
"""

from __future__ import annotations

import tempfile
from collections.abc import Callable, Collection, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, timedelta
from itertools import chain
from pathlib import Path

from tracker.config import Config
from tracker.connectors import connector_account
from tracker.errors import ConfigError
from tracker.model import Postmortem
from tracker.parse.budget import Limits
from tracker.store import Store
from tracker.sync.apply import Applier, ApplyOutcome
from tracker.sync.budget import (
    CreationHistory,
    Postponement,
    forecast,
    load_pauses,
    save_pauses,
)
from tracker.sync.connectors import ConnectorPool
from tracker.sync.copies import document_changes, private_copies
from tracker.sync.dues import (
    PlannedDue,
    derived_dues,
    due_text,
    planned_dues,
    without_ticket_dates,
)
from tracker.sync.git import WrittenLog
from tracker.sync.incremental import (
    CacheEntry,
    DocumentSplit,
    forget,
    load_cache,
    remember,
    run_fingerprint,
    split_documents,
)
from tracker.sync.intents import Intent, load_intents
from tracker.sync.local import (
    blank_items,
    build_local_items,
    carry_over_reworded,
    named_to_fetch,
    read_scopes,
    rows_deleted,
    scope_target,
)
from tracker.sync.moves import adopt_earlier_ids, carry_over_moved
from tracker.sync.ownership import Ownership, build_ownership
from tracker.sync.plan import (
    ItemPlan,
    LocalItem,
    QuietItems,
    is_quiet,
    plan_item,
    ref_scope,
)
from tracker.sync.proposal import DocumentChange, ProposalOutcome, ProposalSettings
from tracker.sync.reads import ReadResult, ScopeRead, read_remote
from tracker.sync.servers import check_servers
from tracker.sync.settings import SyncSettings
from tracker.sync.state import (
    FULL_READ_PREFIX,
    Baseline,
    count_live_baselines,
    items_linked_at,
    links_at,
    load_baselines,
    load_high_water_marks,
    note_tickets_seen,
    record_status_events,
    recorded_writes,
    save_baselines,
    save_high_water_marks,
    tickets_linked,
)
from tracker.sync.writeback import (
    CellEdit,
    DocumentRead,
    WriteOutcome,
    home_repos,
    remove_leftover_temp_files,
    write_back,
)


class SyncProgress:
    """What the engine reports while it works (the CLI draws it as a progress bar)."""

    def start(self, total: int, label: str) -> None:
        """A phase with `total` steps begins."""

    def advance(self, steps: int, what: str) -> None:
        """`steps` more are done."""

    def waiting(self, seconds: float) -> None:
        """A connector is about to wait (rate limit / pacing) this long."""

    def notice(self, message: str) -> None:
        """Something the person running the sync should know now, not at the end."""


@dataclass
class SyncResult:
    """What a run planned and did; `exit_code` follows the CLI convention.

    `kept` holds every plan but the quiet items' (linked, nothing to do: see
    `QuietItems`); `plans` makes the whole list, in planning order, on demand."""

    kept: list[ItemPlan]
    dry_run: bool
    quiet: QuietItems = field(default_factory=QuietItems)
    documents: int = 0
    items: int = 0
    failed: dict[str, str] = field(default_factory=dict)  # "path:line (id)" → why
    warnings: list[str] = field(default_factory=list)
    counts: dict[str, int] = field(default_factory=dict)
    changed_paths: list[str] = field(default_factory=list)
    commit: str | None = None
    committed: list[str] = field(default_factory=list)  # paths in that commit (earlier runs' too)
    proposing: ProposalSettings | None = None  # --pull-request (see tracker.sync.proposal)
    proposals: list[ProposalOutcome] = field(default_factory=list)
    proposed: list[DocumentChange] = field(default_factory=list)  # what the copies gained
    read_errors: dict[str, str] = field(default_factory=dict)
    interrupted: int = 0  # items left for the next run because the run was asked to stop
    unchanged_documents: int = 0  # settled and unchanged: not read (see sync.incremental)
    unreachable: dict[str, str] = field(default_factory=dict)  # system → why (the pool's)
    # "path:line (id)" → why: a create's outcome is unclear, so the item is neither
    # failed nor created again; the next run settles it with a trusted read.
    deferred: dict[str, str] = field(default_factory=dict)
    # "path:line (id)" → why: a create not sent because the system's hourly creation
    # budget was spent; later runs create it (see tracker.sync.budget).
    postponed: dict[str, str] = field(default_factory=dict)
    postponements: list[Postponement] = field(default_factory=list)  # one per system
    forecasts: list[str] = field(default_factory=list)  # creates that take several runs
    dues_written: set[str] = field(default_factory=set)  # item ids given a derived due date
    dues_planned: list[PlannedDue] = field(default_factory=list)  # --dry-run: what it would

    @property
    def exit_code(self) -> int:
        stuck = any(outcome.problem for outcome in self.proposals)
        return (
            1 if self.failed or self.read_errors or self.deferred or self.postponed or stuck else 0
        )

    @property
    def plans(self) -> list[ItemPlan]:
        """Every item's plan (a new list each time: the quiet items' plans are made again)."""
        return list(self.every_plan())

    def every_plan(self) -> Iterator[ItemPlan]:
        """Every item's plan in planning order, the quiet ones made one at a time."""
        return self.quiet.plans(self.kept)

    @property
    def actions(self) -> list[ItemPlan]:
        return [plan for plan in self.kept if not plan.is_noop]


def run_sync(
    config: Config,
    store: Store,
    paths: Sequence[Path],
    *,
    dry_run: bool = False,
    commit: bool = False,
    pull_request: bool = False,
    progress: SyncProgress | None = None,
    env: Mapping[str, str] | None = None,
    now: datetime | None = None,
    workers: int = 8,
    sleep: Callable[[float], None] | None = None,
    should_stop: Callable[[], bool] | None = None,
    full: bool = False,
) -> SyncResult:
    """Bring documents and tickets in step; see the package docs for the rules.

    `sleep` is what connectors wait with (rate limits, pacing); tests pass one that
    moves the sandbox clock instead of sleeping. `should_stop` (the scheduler's SIGTERM
    flag) is checked before each ticket write: work not started is left for the next run.
    `full` lists every scope whole (as happens by itself once a week), which is what
    notices linked tickets deleted or moved with nothing else to write. `pull_request`
    (or `write_back = "pull-request"`) leaves the documents alone and proposes their
    changes as a pull request instead (tracker.sync.proposal).
    """
    from tracker.store.recording import canonical_path, record_documents

    progress = progress or SyncProgress()
    moment = now or datetime.now(UTC)
    injected = _InjectedSleep(sleep)
    clock = _run_clock(moment, injected)
    settings = SyncSettings.from_config(config)
    proposing = _proposal_settings(config, pull_request=pull_request, commit=commit)
    pool = ConnectorPool(config, env=env, sleep=_pacing_sleep(progress, injected))
    pool.validate()  # every configured connector's settings and secrets, before any I/O
    if proposing is not None:
        _check_proposal_target(pool, proposing)
    check_servers(store, pool, record=not dry_run, now=moment)  # exit 2 on another server
    fingerprint = run_fingerprint(config)
    split = split_documents(config, paths, {} if full else load_cache(store, fingerprint))
    # Planning only reads (store and ticket systems): a configuration problem found on
    # the way (credentials rejected, a connector missing) stops the run before it writes.
    planned = _plan(
        config, settings, store, pool, split, paths, workers=workers, now=moment, full=full
    )
    documents = planned.documents
    planned.result.unreachable = pool.unreachable  # the same dict: apply adds to it
    planned.result.forecasts = _forecasts(planned.result.kept, pool, moment)
    for line in planned.result.forecasts:
        progress.notice(line)
    planned.result.proposing = proposing
    if dry_run:
        planned.result.counts = result_counts(planned.result)
        planned.result.dues_planned = _without_ticket_dates(
            planned_dues(
                store,
                documents,
                config,
                now=moment,
                add_missing_columns=settings.add_missing_columns,
            ),
            planned.result.every_plan(),
        )
        return planned.result
    run_id = store.start_run("sync", now=moment)
    try:
        leftovers = remove_leftover_temp_files(doc.path for doc in documents)  # under the lock
        read_now = [canonical_path(doc.path, config.base_dir) for doc in documents]
        forget(store, read_now + split.stale)
        record_documents(
            store,
            documents,
            config,
            now=moment,
            scope=[str(path) for path in paths],
            unchanged=planned.unchanged,
        )
        dues = without_ticket_dates(  # [policy] write_derived_due
            derived_dues(store, documents, config), planned.result.every_plan()
        )
        result = _apply(
            planned,
            store,
            pool,
            settings,
            config,
            documents,
            progress=progress,
            workers=workers,
            should_stop=should_stop,
            now=moment,
            commit=commit or settings.commit,
            clock=clock,
            dues=dues,
        )
        result.warnings[:0] = leftovers
        if proposing is not None and result.proposed:
            from tracker.sync.proposal import propose

            result.proposals = propose(result.proposed, proposing, pool.get)
        if commit or settings.commit:  # this run's writes and any a killed run left
            from tracker.sync.git import commit_written

            result.commit = commit_written(store, result)
        remember(store, _settled(planned, config, result.dues_written), fingerprint, now=moment)
    except BaseException as error:
        outcome = "interrupted" if isinstance(error, KeyboardInterrupt) else "failed"
        store.finish_run(run_id, outcome, {}, message=type(error).__name__, now=clock())
        raise
    outcome = "partial" if result.exit_code else "ok"
    store.finish_run(run_id, outcome, result.counts, message=_failure_summary(result), now=clock())
    return result


def _without_ticket_dates(planned: list[PlannedDue], plans: Iterable[ItemPlan]) -> list[PlannedDue]:
    """The dry run's dues less those a real run leaves for the ticket's own date."""
    kept = without_ticket_dates({due.item_id: due.due for due in planned}, plans)
    return [due for due in planned if due.item_id in kept]


class _InjectedSleep:
    """The sleep connectors wait with: `time.sleep`, or the caller's (tests and benches
    move a sandbox clock instead of waiting), whose seconds the run clock then adds."""

    def __init__(self, sleeper: Callable[[float], None] | None) -> None:
        self.sleeper = sleeper
        self.slept = 0.0  # seconds of injected sleep, not seen by the real clock

    def __call__(self, seconds: float) -> None:
        import time

        if self.sleeper is None:
            time.sleep(seconds)
            return
        self.sleeper(seconds)
        self.slept += seconds


def _proposal_settings(
    config: Config, *, pull_request: bool, commit: bool
) -> ProposalSettings | None:
    """--pull-request / write_back = "pull-request": where and how to propose; a
    missing target is a configuration error (exit 2) before anything is written."""
    from tracker.connectors import change_request_noun
    from tracker.sync.proposal import parse_target

    sync = config.sync
    if not pull_request and sync.write_back != "pull-request":
        return None
    if commit or sync.commit:
        raise ConfigError(
            "--pull-request and --commit (or [sync] commit = true) exclude each other",
            hint="a pull request leaves the working tree alone; --commit commits to it",
        )
    system, _ = parse_target(sync.pull_request_target)
    return ProposalSettings(
        sync.pull_request_target,
        remote=sync.pull_request_remote,
        base=sync.pull_request_base,
        branch=sync.pull_request_branch,
        noun=change_request_noun(system),
    )


def _check_proposal_target(pool: ConnectorPool, proposing: ProposalSettings) -> None:
    """The target's connector must be configured and able to open pull requests."""
    from tracker.connectors import change_requests
    from tracker.sync.proposal import parse_target

    system, _ = parse_target(proposing.target)
    if change_requests(pool.get(system)) is None:
        raise ConfigError(
            f"the {system} connector cannot open pull requests",
            hint="set [sync] pull_request_target to a connector that opens change requests "
            "(pull or merge requests): SYSTEM:REPOSITORY",
        )


def _run_clock(moment: datetime, injected: _InjectedSleep) -> Callable[[], datetime]:
    """The run's own clock: `now` (given or real) plus the time elapsed since (real, and
    any injected sleep), so a run started at a given `now` also finishes after it, and
    a pause it records (tracker.sync.budget) ends when the pacer's window does."""
    import time

    started = time.monotonic()
    return lambda: moment + timedelta(seconds=time.monotonic() - started + injected.slept)


def _pacing_sleep(progress: SyncProgress, sleeper: _InjectedSleep) -> Callable[[float], None]:
    def sleep(seconds: float) -> None:
        progress.waiting(seconds)
        sleeper(seconds)

    return sleep


FULL_READ_EVERY = timedelta(days=7)


def _due_for_full_read(store: Store, now: datetime) -> frozenset[str]:
    """Scopes not listed whole for a week: this run lists them whole."""
    last = load_high_water_marks(store, prefix=FULL_READ_PREFIX)
    marks = load_high_water_marks(store)
    return frozenset(
        scope for scope in marks if scope not in last or now - last[scope] > FULL_READ_EVERY
    )


def _failure_summary(result: SyncResult) -> str | None:
    if not result.failed and not result.read_errors and not result.deferred:
        if result.postponed:
            return f"{len(result.postponed)} postponed (creation budget spent)"
        return None
    return (
        f"{len(result.failed)} item(s) failed, {len(result.read_errors)} read error(s), "
        f"{len(result.deferred)} deferred, {len(result.postponed)} postponed"
    )


@dataclass
class _Planned:
    """A run's plan and the reads behind it, before anything is written."""

    result: SyncResult
    locals_: list[LocalItem]
    reworded: list[Baseline]
    reads: ReadResult
    scopes: dict[str, ScopeRead]
    intents: dict[str, Intent] = field(default_factory=dict)  # pending creates, by item id
    documents: list[Postmortem] = field(default_factory=list)  # parsed this run
    unchanged: dict[str, CacheEntry] = field(default_factory=dict)  # left unread
    # Documents whose only writes were links to tickets this run created: path → (sha256
    # of the bytes written, the created tickets' scopes); see _rewritten.
    rewritten: dict[str, tuple[str, frozenset[str]]] = field(default_factory=dict)


def _plan(
    config: Config,
    settings: SyncSettings,
    store: Store,
    pool: ConnectorPool,
    split: DocumentSplit,
    paths: Sequence[Path],
    *,
    workers: int,
    now: datetime,
    full: bool,
) -> _Planned:
    """Plan the documents to parse, read their scopes and the unchanged documents'
    scopes, then plan too the unchanged documents whose tickets changed (now "dirty")."""
    from tracker.store.recording import canonical_path

    base_dir = config.base_dir
    documents = _parse(config, split.to_parse)
    unchanged = dict(split.unchanged)
    parsed = {canonical_path(doc.path, base_dir) for doc in documents}
    rows = {item.id: item for doc in documents for item in doc.items}
    baselines = load_baselines(
        store,
        item_ids=rows.keys(),
        paths=parsed | _vanished_paths(store, base_dir, unchanged),
        rows=rows,  # the baselines share the rows' equal strings
    )
    del rows
    adopt_earlier_ids(baselines, documents, base_dir)
    locals_, warnings = build_local_items(documents, config, settings, pool, baselines)
    # Items elsewhere linked to the tickets these rows name: they own those tickets. (The
    # names stream into the query's own sets: no set of pairs for every linked row.)
    named = (
        (local.named.system, ref)
        for local in locals_
        if local.named
        for ref in (local.named.key, local.named.url)
        if ref
    )
    # Items already loaded are skipped (setdefault would keep the loaded ones): most rows
    # name their own item's ticket, and decoding those again doubled the run's memory.
    others = load_baselines(store, item_ids=(), tickets=named, loaded=baselines.keys())
    # (Not under an id this run already moved on: an earlier id adopted above.)
    known = tickets_linked(baselines, {(b.system, b.key) for b in others.values()})
    for item_id, baseline in others.items():
        if (baseline.system, baseline.key) not in known:
            baselines.setdefault(item_id, baseline)
    del named, known, others
    blank = blank_items(documents)
    live = (lambda: count_live_baselines(store)) if unchanged else None
    deleted = rows_deleted(documents, paths, locals_, baselines, settings, base_dir, live)
    reworded = carry_over_reworded(locals_, baselines, {plan.item_id for plan in deleted})
    moved, move_warnings = carry_over_moved(locals_, documents, baselines, store, config)
    reworded += moved
    full_scopes: frozenset[str] | bool = full or _due_for_full_read(store, now)
    marks = load_high_water_marks(store)
    scopes = read_scopes(locals_, baselines, marks, full=full_scopes)
    _add_unchanged_scopes(scopes, unchanged, store, marks, full_scopes)
    intents = load_intents(store)
    unlinked = {
        local.item.id for local in locals_ if local.named is None and local.item.id not in baselines
    }
    reads = read_remote(
        pool,
        scopes,
        named_to_fetch(locals_, baselines),
        workers=workers,
        started=now,
        intents={i: intent for i, intent in intents.items() if i in unlinked},
        wanted_identities={local.item.id for local in locals_ if local.item.id not in baselines},
        recorded=lambda system, keys: recorded_writes(store, system, keys),
    )
    del unlinked
    dirty = _dirty(store, reads, unchanged)
    if dirty:
        more = _parse(config, [split.files[path] for path in dirty])
        rows = {item.id: item for doc in more for item in doc.items}
        baselines.update(load_baselines(store, item_ids=rows.keys(), rows=rows))
        del rows
        extra, more_warnings = build_local_items(more, config, settings, pool, baselines)
        locals_ += extra
        warnings += more_warnings
        blank += blank_items(more)
        documents += more
        for path in dirty:
            del unchanged[path]
    moved_away = {baseline.item_id for baseline in reworded}
    for item_id, baseline in load_baselines(
        store, item_ids=(), tickets=_identity_tickets(reads, baselines), loaded=baselines.keys()
    ).items():
        if item_id not in moved_away:
            baselines.setdefault(item_id, baseline)
    view = replace(reads.view, ownership=_ownership(baselines, locals_, reads, settings, pool))
    # A quiet item keeps no plan (see QuietItems); one with a pending create intent
    # always does: recording settles the intent from its plan.
    plans: list[ItemPlan] = []
    quiet = QuietItems()
    for local in locals_:
        intended = _intended_status(intents, baselines, local.item.id)
        plan = plan_item(local, baselines.get(local.item.id), view, settings, intended)
        if intended is None and plan.previous is not None and is_quiet(plan, local.item):
            quiet.add(local.item, plan.previous, len(plans) + len(quiet))
        else:
            plans.append(plan)
    plans += rows_deleted(documents, paths, locals_, baselines, settings, base_dir, live)
    plans += blank
    result = SyncResult(plans, dry_run=True, documents=len(documents) + len(unchanged))
    result.quiet = quiet
    result.items = len(locals_) + len(blank) + sum(entry.items for entry in unchanged.values())
    result.unchanged_documents = len(unchanged)
    result.warnings = (
        warnings + move_warnings + [f"{plan.path}:{plan.line}: {plan.notes[0]}" for plan in blank]
    )
    result.warnings += [
        f"{plan.path}:{plan.line}: {plan.warning}" for plan in plans if plan.warning
    ]
    result.read_errors = dict(reads.errors)
    return _Planned(result, locals_, reworded, reads, scopes, intents, documents, unchanged)


def _parse(config: Config, files: Sequence[Path]) -> list[Postmortem]:
    from tracker.documents import configured_documents

    return list(configured_documents(config, files)) if files else []


def _vanished_paths(store: Store, base_dir: Path, unchanged: Mapping[str, CacheEntry]) -> set[str]:
    """Recorded documents no longer on disk: their items may have vanished or moved."""
    from sqlalchemy import select

    from tracker.store.models import PostmortemRow

    table = PostmortemRow.__table__  # type: ignore[attr-defined]
    with store.engine.connect() as connection:
        recorded = connection.scalars(select(table.c.path)).all()
    return {p for p in recorded if p not in unchanged and not (base_dir / p).exists()}


def _identity_tickets(reads: ReadResult, baselines: Mapping[str, Baseline]) -> set[tuple[str, str]]:
    """Tickets found by identity and not linked to a loaded item: who the store says
    owns them decides whether they may be adopted."""
    found = {(t.ref.system, t.ref.key) for t in reads.view.by_identity.values()}
    return found - tickets_linked(baselines, found)


def _add_unchanged_scopes(
    scopes: dict[str, ScopeRead],
    unchanged: Mapping[str, CacheEntry],
    store: Store,
    marks: Mapping[str, datetime],
    full: frozenset[str] | bool,
) -> None:
    """Unchanged documents' tickets are still read: their scopes join the run, and a
    scope listed whole checks their links too (a ticket deleted or moved)."""
    for entry in unchanged.values():
        for name in entry.scopes:
            if name not in scopes:
                whole = full is True or (not isinstance(full, bool) and name in full)
                scopes[name] = ScopeRead(
                    target=scope_target(name), since=None if whole else marks.get(name)
                )
    whole_scopes = {name for name, read in scopes.items() if read.since is None}
    if not whole_scopes or not unchanged:
        return
    for system, key, url in links_at(store, unchanged):
        name = ref_scope(system, key)
        if name in whole_scopes:
            scopes[name].linked.append(Baseline.ref_of(system, key, url))


def _dirty(store: Store, reads: ReadResult, unchanged: Mapping[str, CacheEntry]) -> list[str]:
    """Unchanged documents whose linked tickets this run read (they changed): planned."""
    if not unchanged:
        return []
    tickets = [tuple(key.split(":", 1)) for key in reads.view.tickets]
    paths = items_linked_at(store, [(system, key) for system, key in tickets])
    return sorted({path for path in paths.values() if path in unchanged})


def _settled(planned: _Planned, config: Config, dues: Collection[str]) -> dict[str, CacheEntry]:
    """Documents parsed this run whose every item is settled: the next run may skip them
    while their bytes and the fingerprint stay the same. A document given a derived due
    date is not: a proposed one is proposed again until merged."""
    from tracker.store.recording import canonical_path

    result = planned.result
    # Anything but "nothing" / a silent "skip" (failed, deferred, interrupted and written
    # items included) is looked at again next run, as is an item with a pending create.
    rewritten = planned.rewritten
    unsettled = {  # (a quiet item is settled)
        plan.path
        for plan in result.kept
        if (plan.kind not in ("nothing", "skip") and not _clean_create(plan, rewritten))
        or plan.warning
        or plan.item_id in planned.intents
    }
    unsettled |= {item.path for doc in planned.documents for item in doc.items if item.id in dues}
    scopes: dict[str, set[str]] = {}
    for local in planned.locals_:
        ref = local.named
        if ref is not None:
            scopes.setdefault(local.item.path, set()).add(ref_scope(ref.system, ref.key))
    for plan in result.kept:
        if plan.ref is not None and plan.system:
            scopes.setdefault(plan.path, set()).add(ref_scope(plan.system, plan.ref.key))
    for item, baseline in result.quiet:  # its plan's ref is the baseline's
        scopes.setdefault(item.path, set()).add(ref_scope(baseline.system, baseline.key))
    for path, (_, created) in rewritten.items():
        scopes.setdefault(path, set()).update(created)
    entries = {}
    for doc in planned.documents:
        if doc.unread or doc.sha256 is None or doc.path in unsettled:
            continue
        sha256 = rewritten[doc.path][0] if doc.path in rewritten else doc.sha256
        entries[canonical_path(doc.path, config.base_dir)] = CacheEntry(
            sha256, len(doc.items), tuple(sorted(scopes.get(doc.path, ())))
        )
    return entries


def _clean_create(plan: ItemPlan, rewritten: Mapping[str, object]) -> bool:
    """A create in a document `_rewritten` vouches for (every create in it went through)."""
    return plan.kind == "create" and plan.path in rewritten


def _rewritten(
    store: Store, plans: list[ItemPlan], applied: ApplyOutcome, written: WriteOutcome
) -> dict[str, tuple[str, frozenset[str]]]:
    """Documents tracker wrote this run only to link tickets it created, every create in
    them made, linked in the row, its intent settled (the ticket shows the row's status),
    with nothing to note: the next run would plan them "nothing", so they are remembered
    as settled under the hash of the bytes written (issue 13: the night after a first
    sync does not parse every document again). Their store rows catch up with the link
    whenever they are next read. Path → (sha256 written, the created tickets' scopes)."""
    pending = load_intents(store).keys()  # after apply: creates whose status is still due
    created: dict[str, set[str]] = {}
    unsettled: set[str] = set()
    for plan in plans:
        if plan.kind != "create":
            if plan.touches_document:
                unsettled.add(plan.path)
            continue
        ticket = applied.tickets.get(plan.item_id)
        if (
            ticket is None
            or plan.item_id not in applied.created
            or plan.item_id not in written.written
            or plan.item_id in pending
            or plan.notes
            or plan.warning
            or plan.doc_status is not None
        ):
            unsettled.add(plan.path)
            continue
        created.setdefault(plan.path, set()).add(ref_scope(ticket.ref.system, ticket.ref.key))
    return {
        path: (written.hashes[path], frozenset(scopes))
        for path, scopes in created.items()
        if path not in unsettled and path in written.hashes
    }


def _intended_status(
    intents: Mapping[str, Intent], baselines: Mapping[str, Baseline], item_id: str
) -> str | None:
    """The status a linked item's pending intent still wants on its ticket."""
    intent = intents.get(item_id)
    return intent.status if intent is not None and item_id in baselines else None


def _ownership(
    baselines: Mapping[str, Baseline],
    locals_: list[LocalItem],
    reads: ReadResult,
    settings: SyncSettings,
    pool: ConnectorPool,
) -> Ownership:
    """Who owns which ticket, for the planner (asks a connector who tracker signs in as
    only when an identity label or marker has to be vouched for)."""
    view = reads.view
    return build_ownership(
        baselines.values(),
        locals_,
        view.tickets,
        view.by_identity,
        settings,
        lambda system: connector_account(pool.get(system)),
    )


def _apply(
    planned: _Planned,
    store: Store,
    pool: ConnectorPool,
    settings: SyncSettings,
    config: Config,
    documents: list[Postmortem],
    *,
    progress: SyncProgress,
    workers: int,
    should_stop: Callable[[], bool] | None,
    now: datetime,
    commit: bool = False,
    clock: Callable[[], datetime] | None = None,
    dues: Mapping[str, date] | None = None,
) -> SyncResult:
    result = planned.result
    result.dry_run = False
    plans = result.kept  # a quiet item has nothing to write, and no derived due of its own
    due_edits = _due_edits(documents, dues or {})
    to_write = _paths_to_write(plans) | {path for path, _ in due_edits}
    steps = sum(1 for p in plans if p.touches_ticket) + len(to_write)
    progress.start(steps, "syncing")
    save_baselines(store, planned.reworded, now=now)  # before any write: a crash keeps the moves
    history = CreationHistory(store, clock or (lambda: now))
    applied = Applier(
        pool,
        store,
        workers=workers,
        progress=lambda what, n: progress.advance(n, what),
        should_stop=should_stop,
        now=now,
        paused=load_pauses(store),
        clock=clock,
        history=history,
    ).run(plans)
    history.save(now=now)
    result.postponements = _postponements(applied, plans, pool)
    if applied.resume_at:
        save_pauses(store, applied.resume_at, now=now)
    words = {word: str(status) for word, status in config.documents.status_words.items()}
    noted = WrittenLog(store, now).add if commit else None  # see tracker.sync.git
    # Only the documents written need their items' home scopes (none, most nights).
    homes = home_repos(local for local in planned.locals_ if local.item.path in to_write)
    with tempfile.TemporaryDirectory(prefix="tracker-write-back-") as scratch:
        # --pull-request: the edits go into private copies (tracker.sync.copies)
        copies = private_copies(to_write, Path(scratch)) if result.proposing else None
        written = _write_documents(
            plans,
            applied,
            documents,
            settings,
            progress,
            words,
            homes,
            noted,
            limits=config.documents.limits(),
            copies=copies,
            due_edits=due_edits,
        )
        if copies is not None:
            result.proposed = document_changes(
                copies, written.changed_paths, documents, plans, words, config.documents.limits()
            )
    _record(store, planned, applied, written, result, settings, now)
    if copies is None:
        planned.rewritten = _rewritten(store, plans, applied, written)
    _report_dues(result, written, documents)
    result.changed_paths = [] if copies is not None else written.changed_paths
    result.counts = _with_unchanged(_done_counts(result, applied, written), len(planned.unchanged))
    return result


def _forecasts(plans: list[ItemPlan], pool: ConnectorPool, now: datetime) -> list[str]:
    """Per paced system: will its creates take more than one run's budget?"""
    creates: dict[str, int] = {}
    for plan in plans:
        if plan.kind == "create" and plan.system:
            creates[plan.system] = creates.get(plan.system, 0) + 1
    lines = []
    for system, count in sorted(creates.items()):
        per_hour = pool.get(system).capabilities.creations_per_hour
        line = forecast(count, system, per_hour, now)
        if line is not None:
            lines.append(line)
    return lines


def _postponements(
    applied: ApplyOutcome, plans: list[ItemPlan], pool: ConnectorPool
) -> list[Postponement]:
    """Per system: how many creates wait, from when, at what hourly pace."""
    counts: dict[str, int] = {}
    for plan in plans:
        if plan.item_id in applied.postponed:
            counts[plan.system or ""] = counts.get(plan.system or "", 0) + 1
    return [
        Postponement(
            system,
            items,
            applied.resume_at[system],
            pool.get(system).capabilities.creations_per_hour,
        )
        for system, items in sorted(counts.items())
        if system in applied.resume_at
    ]


# ----- write back -------------------------------------------------------------------------


def _paths_to_write(plans: list[ItemPlan]) -> set[str]:
    return {plan.path for plan in plans if plan.touches_document}


def _write_documents(
    plans: list[ItemPlan],
    applied: ApplyOutcome,
    documents: list[Postmortem],
    settings: SyncSettings,
    progress: SyncProgress,
    status_words: Mapping[str, str],
    homes: Mapping[str, str],
    before_save: Callable[[str, str | None, str], None] | None = None,
    *,
    limits: Limits,
    copies: Mapping[str, Path] | None = None,
    due_edits: Sequence[tuple[str, CellEdit]] = (),
) -> WriteOutcome:
    words = dict(status_words)  # one copy for every document (read only)
    by_path = {doc.path: doc for doc in documents}
    reads: dict[str, DocumentRead] = {}  # only the documents edited (none, most nights)

    def read(path: str) -> DocumentRead:
        found = reads.get(path)
        if found is None:
            doc = by_path[path]
            found = reads[path] = DocumentRead(doc.sha256, doc.key, words, limits)
        return found

    edits: list[tuple[str, DocumentRead, CellEdit]] = []
    dues = {edit.item_id: edit for _, edit in due_edits}
    for plan in plans:
        edit = _cell_edit(plan, applied)
        if edit is None:
            continue
        edit.home_repo = homes.get(plan.item_id)  # the document's, whatever wrote the link
        due = dues.pop(plan.item_id, None)
        edit.due = due.due if due is not None else None
        where = str(copies[plan.path]) if copies is not None else plan.path
        edits.append((where, read(plan.path), edit))
    for path, edit in due_edits:  # items with only a due date to write
        if edit.item_id in dues:
            where = str(copies[path]) if copies is not None else path
            edits.append((where, read(path), edit))
    outcome = write_back(
        edits,
        style=settings.ticket_link_style,
        add_missing_columns=settings.add_missing_columns,
        before_save=before_save,
    )
    if copies is not None:  # back to the documents' own paths
        originals = {str(copy): path for path, copy in copies.items()}
        outcome.changed_paths = [originals[path] for path in outcome.changed_paths]
        for reasons in (outcome.failed, outcome.due_skipped):
            for item_id, why in reasons.items():
                for copy, path in originals.items():
                    why = why.replace(copy, path)
                reasons[item_id] = why
    progress.advance(len({path for path, _, _ in edits}), "documents written")
    return outcome


def _due_edits(documents: list[Postmortem], dues: Mapping[str, date]) -> list[tuple[str, CellEdit]]:
    """(document path, edit) for each item given a derived due date to write."""
    return [
        (doc.path, CellEdit(item.id, due=due_text(dues[item.id])))
        for doc in documents
        for item in doc.items
        if item.id in dues
    ]


def _report_dues(result: SyncResult, written: WriteOutcome, documents: list[Postmortem]) -> None:
    """Count the derived due dates written; say where one could not be (each run)."""
    result.dues_written = written.due_written - set(written.failed)
    if not written.due_skipped:
        return
    where = {item.id: f"{item.path}:{item.line}" for doc in documents for item in doc.items}
    for item_id, why in written.due_skipped.items():
        result.warnings.append(
            f"{where.get(item_id, item_id)}: derived due date not written: {why}"
        )


def _cell_edit(plan: ItemPlan, applied: ApplyOutcome) -> CellEdit | None:
    if plan.item_id in applied.failed or plan.item_id in applied.skipped:
        return None
    if plan.item_id in applied.deferred or plan.item_id in applied.postponed:
        return None
    if plan.kind == "row-deleted":
        return None
    ref = plan.ref
    if plan.kind == "create":
        ticket = applied.tickets.get(plan.item_id)
        ref = ticket.ref if ticket is not None else None
    if ref is None or not plan.touches_document:
        return None
    replaces = plan.previous.key if plan.previous and plan.previous.key != ref.key else None
    return CellEdit(
        plan.item_id,
        ticket=ref if plan.ticket_cell else None,
        replaces=replaces,
        status=plan.doc_status,
    )


# ----- recording --------------------------------------------------------------------------


def _record(
    store: Store,
    planned: _Planned,
    applied: ApplyOutcome,
    written: WriteOutcome,
    result: SyncResult,
    settings: SyncSettings,
    now: datetime,
) -> None:
    locals_, reads, scopes = planned.locals_, planned.reads, planned.scopes
    proposing = result.proposing is not None
    rows = {local.item.id: local.item for local in locals_}  # texts made only when needed

    def where(item_id: str, default: str) -> str:
        item = rows.get(item_id)
        return f"{item.path}:{item.line}" if item is not None else default

    def status_before(item_id: str) -> str | None:
        item = rows.get(item_id)
        return item.status.value if item is not None else None

    keep: list[Baseline] = []
    unlink: list[str] = []
    events: list[tuple[str, str, str, str]] = []
    settled: list[str] = []
    for plan in _plans_to_record(result, written):
        if plan.item_id in applied.skipped:
            result.interrupted += 1
            continue
        deferred = applied.deferred.get(plan.item_id)
        if plan.kind == "deferred":
            deferred = "; ".join(plan.notes)
        if deferred:
            result.deferred[f"{where(plan.item_id, plan.path)} ({plan.item_id})"] = deferred
            continue
        postponed = applied.postponed.get(plan.item_id)
        if postponed:
            result.postponed[f"{where(plan.item_id, plan.path)} ({plan.item_id})"] = postponed
            continue
        if plan.item_id in applied.gone and plan.previous is not None:
            # The update found the ticket deleted: reported as a full listing would
            # report it, never retried or re-created (on_ticket_deleted may unlink).
            _report_gone(plan, plan.previous, settings)
            keep.append(plan.previous.retire("ticket deleted"))
            if plan.unlink:
                unlink.append(plan.item_id)
            continue
        failure = applied.failed.get(plan.item_id) or written.failed.get(plan.item_id)
        if plan.kind == "failed":
            failure = "; ".join(plan.notes) or "could not be planned"
        if failure:
            result.failed[f"{where(plan.item_id, plan.path)} ({plan.item_id})"] = failure
            if plan.previous is not None and plan.seen is not None:
                keep.append(replace(plan.previous, seen=plan.seen))
            continue
        plan.notes.extend(written.notes.get(plan.item_id, []))
        plan.notes.extend(applied.warnings.get(plan.item_id, []))
        if plan.kind == "create":
            place = where(plan.item_id, plan.path)
            result.warnings.extend(f"{place}: {note}" for note in plan.notes)
        if plan.kind == "create":
            continue
        intent = planned.intents.get(plan.item_id)
        if intent is not None and _intent_done(intent, plan.baseline or plan.previous):
            settled.append(plan.item_id)
        if plan.baseline is None:
            continue
        baseline = plan.baseline
        if plan.doc_status is not None and plan.item_id not in written.status_written:
            # The status could not be written (no column): the row still says the old one.
            baseline = replace(
                baseline,
                doc=baseline.doc.with_value("status", status_before(plan.item_id)),
            )
        elif plan.doc_status is not None and proposing:
            # Only proposed: the row still says the old status, and so does the baseline's
            # ticket side, so every run proposes it again until the pull request is merged
            # (then both sides agree and the baseline moves on).
            old = status_before(plan.item_id)
            baseline = replace(
                baseline,
                doc=baseline.doc.with_value("status", old),
                ticket=baseline.ticket.with_value("status", old),
            )
        keep.append(baseline)
        if plan.unlink:
            unlink.append(plan.item_id)
        if plan.doc_status is not None and plan.item_id in written.status_written and not proposing:
            before = status_before(plan.item_id)
            if before and before != plan.doc_status.value:
                events.append(
                    (plan.item_id, before, plan.doc_status.value, plan.system or "ticket")
                )
    # A pending create found never made is settled, unless this run created it anew
    # (that create recorded its own intent).
    settled += [  # (a quiet item has no pending create)
        plan.item_id for plan in result.kept if plan.item_id in reads.absent and plan.draft is None
    ]
    save_baselines(store, keep, unlink=unlink, now=now, settled=settled)
    note_tickets_seen(store, _seen_unchanged(result, reads))
    if events:
        record_status_events(store, events, now=now)
    marks = {scope: mark for scope, mark in reads.marks.items() if scope not in reads.errors}
    save_high_water_marks(store, marks, now=now)
    whole = {scope: mark for scope, mark in marks.items() if scopes[scope].since is None}
    save_high_water_marks(store, whole, prefix=FULL_READ_PREFIX, now=now)


def _plans_to_record(result: SyncResult, written: WriteOutcome) -> Iterable[ItemPlan]:
    """The plans recording looks at: the kept ones, and the quiet ones too (made again,
    in order) when writing a quiet item's derived due date failed (rare): recording
    has nothing else to do for a quiet item."""
    if written.failed and any(item.id in written.failed for item in result.quiet.items):
        return result.every_plan()
    return result.kept


def _seen_unchanged(
    result: SyncResult, reads: ReadResult
) -> dict[tuple[str, str], tuple[datetime, str]]:
    """Tickets read this run that changed nothing: when and how tracker saw them, so the
    next listing that shows them as they are skips them."""
    linked = [
        (plan.system, plan.previous.key)
        for plan in result.kept
        if plan.kind == "nothing" and plan.previous is not None and plan.system is not None
    ]
    quiet = ((baseline.system, baseline.key) for baseline in result.quiet.baselines)
    seen: dict[tuple[str, str], tuple[datetime, str]] = {}
    for system, key in chain(linked, quiet):
        ticket = reads.view.tickets.get(f"{system}:{key}")
        if ticket is not None and not ticket.deleted and ticket.moved_to is None:
            seen[(system, key)] = (ticket.updated_at, ticket.status.value)
    return seen


def _intent_done(intent: Intent, baseline: Baseline | None) -> bool:
    """A pending create is settled once its ticket is linked and shows the intended
    status — or the row has moved on to another status (the ordinary sync takes over)."""
    if baseline is None or baseline.retired:
        return False
    return intent.satisfied_by(baseline.ticket.status) or baseline.doc.status != intent.status


def _report_gone(plan: ItemPlan, previous: Baseline, settings: SyncSettings) -> None:
    plan.kind = "ticket-gone"
    plan.changes = None
    plan.changed_fields = ()
    plan.doc_status = None
    plan.notes.append(f"{previous.key} was deleted (the update found it gone); no longer synced")
    if settings.on_ticket_deleted == "unlink":
        plan.unlink = True
        plan.notes.append("unlinked; no new ticket will be created for this item")


def plan_counts(plans: Iterable[ItemPlan]) -> dict[str, int]:
    return _kind_counts(plan.kind for plan in plans)


def result_counts(result: SyncResult) -> dict[str, int]:
    """Plans by kind, the quiet items' ("nothing") counted without making their plans."""
    return _kind_counts(result.quiet.kinds(result.kept))


def _kind_counts(kinds: Iterable[str]) -> dict[str, int]:
    counts: dict[str, int] = {}
    for kind in kinds:
        counts[kind] = counts.get(kind, 0) + 1
    return counts


def _done_counts(
    result: SyncResult, applied: ApplyOutcome, written: WriteOutcome
) -> dict[str, int]:
    counts = result_counts(result)
    counts.update(
        created=len(applied.created),
        adopted=len(applied.adopted),
        tickets_updated=len(applied.updated),
        documents_written=len(written.changed_paths),
        failed=len(set(applied.failed) - applied.gone) + len(written.failed),
        deferred=len(applied.deferred) + counts.get("deferred", 0),
        postponed=len(applied.postponed),
    )
    return counts


def _with_unchanged(counts: dict[str, int], unchanged: int) -> dict[str, int]:
    if unchanged:
        counts["documents_unchanged"] = unchanged
    return counts
