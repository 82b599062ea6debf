"""`run_sync`: scan → read → plan → apply → write back → record, one function.

The only public entry point of the sync package (the CLI, `tracker demo` and the
scheduler call it). With `dry_run` it stops after planning: only reads reach the ticket
systems, and neither the documents nor the store are written.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from pathlib import Path

from tracker.config import Config
from tracker.connectors import Target
from tracker.model import Postmortem, TicketRef, TicketSystem
from tracker.store import Store
from tracker.store.routing import Router
from tracker.sync.apply import Applier, ApplyOutcome
from tracker.sync.connectors import ConnectorPool
from tracker.sync.drafts import assignee_for, build_draft, document_fields
from tracker.sync.plan import (
    ItemPlan,
    LocalItem,
    plan_item,
    plan_row_deleted,
    ref_scope,
    target_scope,
)
from tracker.sync.reads import ReadResult, ScopeRead, read_remote
from tracker.sync.settings import SyncSettings
from tracker.sync.state import (
    Baseline,
    load_baselines,
    load_high_water_marks,
    record_status_events,
    save_baselines,
    save_high_water_marks,
)
from tracker.sync.writeback import CellEdit, DocumentRead, WriteOutcome, write_back


class SyncProgress:
    """What the engine reports while it works (the CLI draws it as a progress bar)."""

    def start(self, total: int, label: str) -> None:
        """A phase with `total` steps begins."""

    def advance(self, steps: int, what: str) -> None:
        """`steps` more are done."""

    def waiting(self, seconds: float) -> None:
        """A connector is about to wait (rate limit / pacing) this long."""


@dataclass
class SyncResult:
    """What a run planned and did; `exit_code` follows the CLI convention."""

    plans: list[ItemPlan]
    dry_run: bool
    documents: int = 0
    items: int = 0
    failed: dict[str, str] = field(default_factory=dict)  # "path:line (id)" → why
    warnings: list[str] = field(default_factory=list)
    counts: dict[str, int] = field(default_factory=dict)
    changed_paths: list[str] = field(default_factory=list)
    commit: str | None = None
    read_errors: dict[str, str] = field(default_factory=dict)
    interrupted: int = 0  # items left for the next run because the run was asked to stop

    @property
    def exit_code(self) -> int:
        return 1 if self.failed or self.read_errors else 0

    @property
    def actions(self) -> list[ItemPlan]:
        return [plan for plan in self.plans if not plan.is_noop]


def run_sync(
    config: Config,
    store: Store,
    paths: Sequence[Path],
    *,
    dry_run: bool = False,
    commit: bool = False,
    progress: SyncProgress | None = None,
    env: Mapping[str, str] | None = None,
    now: datetime | None = None,
    workers: int = 8,
    sleep: Callable[[float], None] | None = None,
    should_stop: Callable[[], bool] | None = None,
) -> SyncResult:
    """Bring documents and tickets in step; see the package docs for the rules.

    `sleep` is what connectors wait with (rate limits, pacing); tests pass one that
    moves the sandbox clock instead of sleeping. `should_stop` (the scheduler's SIGTERM
    flag) is checked before each ticket write: work not started is left for the next run.
    """
    from tracker.parse import iter_documents
    from tracker.store.recording import record_documents

    progress = progress or SyncProgress()
    moment = now or datetime.now(UTC)
    settings = SyncSettings.from_config(config)
    documents = list(
        iter_documents(
            list(paths),
            include=config.documents.include,
            exclude=config.documents.exclude,
            status_words=dict(config.documents.status_words),
        )
    )
    run_id = None
    if not dry_run:
        run_id = store.start_run("sync", now=moment)
    try:
        if not dry_run:
            record_documents(
                store, documents, config, now=moment, scope=[str(path) for path in paths]
            )
        pool = ConnectorPool(config, env=env, sleep=_pacing_sleep(progress, sleep))
        result = _sync(
            config,
            settings,
            store,
            pool,
            documents,
            paths,
            dry_run=dry_run,
            progress=progress,
            workers=workers,
            should_stop=should_stop,
            now=now,
        )
        if not dry_run and (commit or settings.commit) and result.changed_paths:
            from tracker.sync.git import commit_documents

            result.commit = commit_documents(result.changed_paths, result)
    except BaseException as error:
        if run_id is not None:
            outcome = "interrupted" if isinstance(error, KeyboardInterrupt) else "failed"
            store.finish_run(run_id, outcome, {}, message=type(error).__name__)
        raise
    if run_id is not None:
        outcome = "partial" if result.exit_code else "ok"
        store.finish_run(run_id, outcome, result.counts, message=_failure_summary(result))
    return result


def _pacing_sleep(
    progress: SyncProgress, sleeper: Callable[[float], None] | None
) -> Callable[[float], None]:
    import time

    def sleep(seconds: float) -> None:
        progress.waiting(seconds)
        (sleeper or time.sleep)(seconds)

    return sleep


def _failure_summary(result: SyncResult) -> str | None:
    if not result.failed and not result.read_errors:
        return None
    return f"{len(result.failed)} item(s) failed, {len(result.read_errors)} read error(s)"


def _sync(
    config: Config,
    settings: SyncSettings,
    store: Store,
    pool: ConnectorPool,
    documents: list[Postmortem],
    paths: Sequence[Path],
    *,
    dry_run: bool,
    progress: SyncProgress,
    workers: int,
    should_stop: Callable[[], bool] | None,
    now: datetime | None,
) -> SyncResult:
    baselines = load_baselines(store)
    locals_, warnings = build_local_items(documents, config, settings, pool, baselines)
    reworded = carry_over_reworded(locals_, baselines)
    reads = read_remote(
        pool,
        _scopes(locals_, baselines, load_high_water_marks(store)),
        _named_to_fetch(locals_, baselines),
        workers=workers,
        started=now,
    )
    plans = [
        plan_item(local, baselines.get(local.item.id), reads.view, settings) for local in locals_
    ]
    plans += _rows_deleted(documents, paths, locals_, baselines, settings, config.base_dir)
    result = SyncResult(plans, dry_run, documents=len(documents), items=len(locals_))
    result.warnings = warnings
    result.read_errors = dict(reads.errors)
    if dry_run:
        result.counts = plan_counts(plans)
        return result
    steps = sum(1 for p in plans if p.touches_ticket) + len(_paths_to_write(plans))
    progress.start(steps, "syncing")
    applied = Applier(
        pool,
        store,
        workers=workers,
        progress=lambda what, n: progress.advance(n, what),
        should_stop=should_stop,
    ).run(plans)
    words = {word: str(status) for word, status in config.documents.status_words.items()}
    written = _write_documents(plans, applied, documents, settings, progress, words)
    save_baselines(store, reworded)
    _record(store, plans, applied, written, reads, result, locals_, settings)
    result.changed_paths = written.changed_paths
    result.counts = _done_counts(plans, applied, written)
    return result


# ----- local side -------------------------------------------------------------------------


def document_target(doc: Postmortem, config: Config, team: str) -> Target | None:
    """Where new tickets for this document go: front matter override, else the team's."""
    front = doc.front_matter
    if isinstance(front.get("jira_project"), str):
        issue_type = front.get("jira_issue_type")
        return Target(
            "jira",
            project=str(front["jira_project"]),
            issue_type=str(issue_type) if isinstance(issue_type, str) else "Task",
        )
    if isinstance(front.get("github_repo"), str):
        return Target("github", repo=str(front["github_repo"]))
    team_config = config.team(team)
    if team_config is None or team_config.target is None:
        return None
    target = team_config.target
    if target.system == "jira":
        return Target("jira", project=target.project, issue_type=target.issue_type)
    return Target("github", repo=target.repo)


def build_local_items(
    documents: list[Postmortem],
    config: Config,
    settings: SyncSettings,
    pool: ConnectorPool,
    baselines: Mapping[str, Baseline],
) -> tuple[list[LocalItem], list[str]]:
    router = Router(config)
    warnings: list[str] = []
    seen: set[str] = set()
    result: list[LocalItem] = []
    for doc in documents:
        owners = [o for item in doc.items for o in router.canonical_owners(item.owners)]
        team = router.team_for(doc, owners)
        target = document_target(doc, config, team)
        for item in doc.items:
            if item.id in seen:
                warnings.append(f"{item.path}:{item.line}: duplicate item id {item.id}; skipped")
                continue
            seen.add(item.id)
            notes: list[str] = []
            named = _named_ref(item.tickets, pool, target, notes)
            baseline = baselines.get(item.id)
            system = (
                baseline.system
                if baseline
                else named.system.value
                if named
                else target.system
                if target
                else ""
            )
            assignee, warning = (
                assignee_for(item.owners, system, config) if system else (None, None)
            )
            draft = None
            if target is not None and baseline is None and named is None:
                draft = build_draft(item, doc, team, target, assignee, settings)
                if warning:
                    notes.append(warning)
            result.append(
                LocalItem(
                    item=item,
                    postmortem=doc,
                    team=team,
                    target=target,
                    named=named,
                    doc=document_fields(item, assignee),
                    draft=draft,
                    notes=tuple(notes),
                )
            )
    return result, warnings


def _named_ref(
    refs: list[TicketRef], pool: ConnectorPool, target: Target | None, notes: list[str]
) -> TicketRef | None:
    """The first ticket in the row a configured connector owns, in canonical form."""
    for ref in refs:
        if ref.system is TicketSystem.GITHUB and ref.key.startswith("#"):
            if target is None or target.system != "github" or not target.repo:
                notes.append(f"{ref.key}: no GitHub repository to resolve it against")
                continue
            ref = TicketRef(TicketSystem.GITHUB, f"{target.repo}{ref.key}", ref.url)
        owner = pool.owner_of(ref)
        if owner is None:
            continue
        if ref.system is TicketSystem.URL:
            ref = TicketRef(TicketSystem(owner), ref.key, ref.url)
        return ref
    return None


def _scope_target(scope: str) -> Target:
    system, _, name = scope.partition(":")
    return Target(system, repo=name) if "/" in name else Target(system, project=name)


def _scopes(
    locals_: list[LocalItem], baselines: Mapping[str, Baseline], marks: Mapping[str, datetime]
) -> dict[str, ScopeRead]:
    """One read per Jira project / GitHub repository that this run's items touch."""
    scopes: dict[str, ScopeRead] = {}

    def scope_for(name: str, target: Target) -> ScopeRead:
        if name not in scopes:
            scopes[name] = ScopeRead(target=target, since=marks.get(name))
        return scopes[name]

    for local in locals_:
        baseline = baselines.get(local.item.id)
        if baseline is not None and not baseline.retired:
            name = ref_scope(baseline.system, baseline.key)
            scope_for(name, _scope_target(name))
        elif (
            baseline is None
            and local.draft is not None
            and local.target is not None
            and not local.item.status.is_closed
        ):
            scope_for(target_scope(local.target), local.target).new_items.append(local.item.id)
    return scopes


def _named_to_fetch(
    locals_: list[LocalItem], baselines: Mapping[str, Baseline]
) -> dict[str, list[TicketRef]]:
    named: dict[str, list[TicketRef]] = {}
    for local in locals_:
        baseline = baselines.get(local.item.id)
        if local.named is None or (baseline is not None and baseline.key == local.named.key):
            continue
        if baseline is not None and baseline.retired:
            continue
        named.setdefault(local.named.system.value, []).append(local.named)
    return named


def _rows_deleted(
    documents: list[Postmortem],
    paths: Sequence[Path],
    locals_: list[LocalItem],
    baselines: Mapping[str, Baseline],
    settings: SyncSettings,
    base_dir: Path,
) -> list[ItemPlan]:
    """Linked items whose row vanished from a document this run read (or whose document
    vanished from a folder this run scanned). Paths compare in the store's canonical form."""
    from tracker.store.recording import canonical_path

    present = {local.item.id for local in locals_}
    scanned = {canonical_path(doc.path, base_dir) for doc in documents}
    roots = [canonical_path(path, base_dir).rstrip("/") for path in paths]
    plans = []
    for baseline in baselines.values():
        if baseline.retired or baseline.item_id in present or not baseline.path:
            continue
        path = baseline.path
        under_root = any(path == root or path.startswith(root + "/") for root in roots)
        if path in scanned or (under_root and not (base_dir / path).exists()):
            plans.append(plan_row_deleted(baseline, settings))
    return plans


def carry_over_reworded(locals_: list[LocalItem], baselines: dict[str, Baseline]) -> list[Baseline]:
    """An item whose action was reworded gets a new id; its row still names the linked
    ticket, so the link (and baseline) moves to the new id instead of a new ticket.
    Returns the old baselines, retired as "reworded", to store with the run."""
    present = {local.item.id for local in locals_}
    orphans = {b.key: b for b in baselines.values() if b.item_id not in present and not b.retired}
    moved: list[Baseline] = []
    for local in locals_:
        if local.named is None or local.item.id in baselines:
            continue
        old = orphans.pop(local.named.key, None)
        if old is None:
            continue
        baselines[local.item.id] = replace(old, item_id=local.item.id, path=None)
        del baselines[old.item_id]
        moved.append(old.retire(f"reworded as {local.item.id}"))
    return moved


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
) -> WriteOutcome:
    reads = {doc.path: DocumentRead(doc.sha256, doc.key, dict(status_words)) for doc in documents}
    home = {item.id: doc.front_matter.get("github_repo") for doc in documents for item in doc.items}
    edits: list[tuple[str, DocumentRead, CellEdit]] = []
    for plan in plans:
        edit = _cell_edit(plan, applied)
        if edit is None:
            continue
        repo = plan.target.repo if plan.target else None
        edit.home_repo = repo or (str(home[plan.item_id]) if home.get(plan.item_id) else None)
        edits.append((plan.path, reads[plan.path], edit))
    outcome = write_back(
        edits, style=settings.ticket_link_style, add_missing_columns=settings.add_missing_columns
    )
    progress.advance(len({path for path, _, _ in edits}), "documents written")
    return outcome


def _cell_edit(plan: ItemPlan, applied: ApplyOutcome) -> CellEdit | None:
    if plan.item_id in applied.failed or plan.item_id in applied.skipped:
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
    plans: list[ItemPlan],
    applied: ApplyOutcome,
    written: WriteOutcome,
    reads: ReadResult,
    result: SyncResult,
    locals_: list[LocalItem],
    settings: SyncSettings,
) -> None:
    where = {local.item.id: f"{local.item.path}:{local.item.line}" for local in locals_}
    status_before = {local.item.id: local.item.status.value for local in locals_}
    keep: list[Baseline] = []
    unlink: list[str] = []
    events: list[tuple[str, str, str, str]] = []
    for plan in plans:
        if plan.item_id in applied.skipped:
            result.interrupted += 1
            continue
        failure = applied.failed.get(plan.item_id) or written.failed.get(plan.item_id)
        if plan.kind == "failed":
            failure = "; ".join(plan.notes) or "could not be planned"
        if failure:
            result.failed[f"{where.get(plan.item_id, plan.path)} ({plan.item_id})"] = failure
            if plan.item_id in applied.gone and plan.previous is not None:
                # The update found the ticket deleted: reported now, never retried or
                # re-created (on_ticket_deleted decides whether the link goes too).
                keep.append(plan.previous.retire("ticket deleted"))
                if settings.on_ticket_deleted == "unlink":
                    unlink.append(plan.item_id)
            elif plan.previous is not None and plan.seen is not None:
                keep.append(replace(plan.previous, seen=plan.seen))
            continue
        plan.notes.extend(written.notes.get(plan.item_id, []))
        plan.notes.extend(applied.warnings.get(plan.item_id, []))
        if plan.kind == "create":
            place = where.get(plan.item_id, plan.path)
            result.warnings.extend(f"{place}: {note}" for note in plan.notes)
        if plan.kind == "create" or plan.baseline is None:
            continue
        baseline = plan.baseline
        if plan.doc_status is not None and plan.item_id not in written.written:
            # The status could not be written (no column): the row still says the old one.
            baseline = replace(
                baseline,
                doc=baseline.doc.with_value("status", status_before.get(plan.item_id)),
            )
        keep.append(baseline)
        if plan.unlink:
            unlink.append(plan.item_id)
        if plan.doc_status is not None and plan.item_id in written.written:
            before = status_before.get(plan.item_id)
            if before and before != plan.doc_status.value:
                events.append(
                    (plan.item_id, before, plan.doc_status.value, plan.system or "ticket")
                )
    save_baselines(store, keep, unlink=unlink)
    if events:
        record_status_events(store, events)
    marks = {scope: mark for scope, mark in reads.marks.items() if scope not in reads.errors}
    save_high_water_marks(store, marks)


def plan_counts(plans: list[ItemPlan]) -> dict[str, int]:
    counts: dict[str, int] = {}
    for plan in plans:
        counts[plan.kind] = counts.get(plan.kind, 0) + 1
    return counts


def _done_counts(
    plans: list[ItemPlan], applied: ApplyOutcome, written: WriteOutcome
) -> dict[str, int]:
    counts = plan_counts(plans)
    counts.update(
        created=len(applied.created),
        adopted=len(applied.adopted),
        tickets_updated=len(applied.updated),
        documents_written=len(written.changed_paths),
        failed=len(applied.failed) + len(written.failed),
    )
    return counts
