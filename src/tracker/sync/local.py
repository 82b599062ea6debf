"""The document side of a sync: items as the planner sees them, and what to read.

From the scanned documents: each item's team, ticket target (front matter override,
else the team's), the ticket its row names, its fields with the owner mapped to the
ticket system's user; then the read scopes (one per Jira project / GitHub repository)
and the rows that vanished since the last run.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import replace
from datetime import datetime
from pathlib import Path

from tracker.config import Config, TeamConfig
from tracker.connectors import Target, connector_plugins
from tracker.model import URL_SYSTEM, ActionItem, Postmortem, TicketRef
from tracker.store.routing import Router
from tracker.sync.connectors import ConnectorPool
from tracker.sync.drafts import assignee_for, build_draft, document_fields
from tracker.sync.plan import (
    ItemPlan,
    LocalItem,
    linked_ref,
    plan_row_deleted,
    ref_scope,
    target_scope,
)
from tracker.sync.reads import ScopeRead
from tracker.sync.settings import SyncSettings
from tracker.sync.state import Baseline


def document_target(doc: Postmortem, config: Config, team: str) -> Target | None:
    """Where new tickets for this document go: front matter override, else the team's."""
    for plugin in connector_plugins().values():
        target = plugin.front_matter_target(doc.front_matter)
        if target is not None:
            return target
    team_config = config.team(team)
    return team_target(team_config) if team_config is not None else None


def team_target(team: TeamConfig) -> Target | None:
    """The team's configured default target, as the connectors' Target."""
    return team.target.to_target() if team.target is not None else None


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
            if is_blank(item):
                continue  # see blank_items
            if item.id in seen:
                warnings.append(f"{item.path}:{item.line}: duplicate item id {item.id}; skipped")
                continue
            seen.add(item.id)
            notes: list[str] = []
            baseline = baselines.get(item.id)
            named = _named_ref(item.tickets, pool, target, notes, linked=baseline)
            system = (
                baseline.system
                if baseline
                else named.system
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
                if not item.status.is_closed:  # a closed item gets no ticket (_plan_create)
                    draft = build_draft(item, doc, team, target, assignee, settings)
                if warning:
                    notes.append(warning)
            fields = document_fields(item, assignee, system)
            if baseline is not None and fields == baseline.doc:
                fields = baseline.doc  # one object for both (frozen): most rows are unchanged
            result.append(
                LocalItem(
                    item=item,
                    postmortem=doc,
                    team=team,
                    target=target,
                    named=named,
                    doc=fields,
                    draft=draft,
                    notes=tuple(notes),
                )
            )
    return result, warnings


def is_blank(item: ActionItem) -> bool:
    """A row or list item with no action text (a template's empty row): nothing to do,
    so nothing to ticket — no system accepts a ticket without a summary."""
    return not item.action.strip()


def blank_items(documents: list[Postmortem]) -> list[ItemPlan]:
    """Items with no action text, as "skip" plans: never a ticket, never a failure."""
    return [
        ItemPlan(
            item.id,
            item.path,
            item.line,
            "skip",
            notes=["no action text (empty-action); no ticket until the action is filled in"],
        )
        for doc in documents
        for item in doc.items
        if is_blank(item)
    ]


def _named_ref(
    refs: list[TicketRef],
    pool: ConnectorPool,
    target: Target | None,
    notes: list[str],
    *,
    linked: Baseline | None = None,
) -> TicketRef | None:
    """The ticket the row names, in canonical form: the linked one if the row still
    names it, else the first one a configured connector owns."""
    owned: list[TicketRef] = []
    for written in refs:
        ref = in_target_system(written, target)
        plugin = connector_plugins().get(ref.system)
        if plugin is not None and not plugin.syntax.scope_of(ref.key):
            # a reference that names no scope (`#12`): the document's target completes it
            if target is None or target.system != ref.system or not target.scope:
                notes.append(f"{ref.key}: no {ref.system} scope to resolve it against")
                continue
            ref = plugin.syntax.complete(ref, target.scope)
        owner = pool.owner_of(ref)
        if owner is None:
            continue
        if ref.system == URL_SYSTEM:
            ref = TicketRef(owner, ref.key, ref.url)
        if linked is not None and (ref.key == linked.key or (ref.url and ref.url == linked.url)):
            return ref
        owned.append(ref)
    return owned[0] if owned else None


def in_target_system(ref: TicketRef, target: Target | None) -> TicketRef:
    """Bare text that two installed systems both read (`group/app#7` is a GitHub and a
    GitLab shape) belongs to the document's own target system when that one reads it."""
    if target is None or ref.url is not None or ref.system in (target.system, URL_SYSTEM):
        return ref
    own = connector_plugins().get(target.system)
    again = own.syntax.read(ref.key) if own is not None else None
    return again if again is not None else ref


def scope_target(scope: str) -> Target:
    """The connectors' Target of a read scope name ("jira:ENG", "github:acme/app")."""
    system, _, name = scope.partition(":")
    return Target(system, repo=name) if "/" in name else Target(system, project=name)


def read_scopes(
    locals_: list[LocalItem],
    baselines: Mapping[str, Baseline],
    marks: Mapping[str, datetime],
    *,
    full: frozenset[str] | bool = frozenset(),
) -> dict[str, ScopeRead]:
    """One read per Jira project / GitHub repository that this run's items touch.

    Scopes in `full` (or all, with True) are listed whole: the only way to notice a
    linked ticket that was deleted or moved without anyone writing to it.
    """
    scopes: dict[str, ScopeRead] = {}

    def scope_for(name: str, target: Target) -> ScopeRead:
        if name not in scopes:
            whole = full is True or (not isinstance(full, bool) and name in full)
            scopes[name] = ScopeRead(target=target, since=None if whole else marks.get(name))
        return scopes[name]

    for local in locals_:
        baseline = baselines.get(local.item.id)
        if baseline is not None and not baseline.retired:
            name = ref_scope(baseline.system, baseline.key)
            scope_for(name, scope_target(name)).linked.append(linked_ref(local, baseline))
        elif (
            baseline is None
            and local.draft is not None
            and local.target is not None
            and not local.item.status.is_closed
        ):
            scope_for(target_scope(local.target), local.target).new_items.append(local.item.id)
    return scopes


def named_to_fetch(
    locals_: list[LocalItem], baselines: Mapping[str, Baseline]
) -> dict[str, list[TicketRef]]:
    named: dict[str, list[TicketRef]] = {}
    for local in locals_:
        baseline = baselines.get(local.item.id)
        if local.named is None or (baseline is not None and baseline.key == local.named.key):
            continue
        if baseline is not None and baseline.retired:
            continue
        named.setdefault(local.named.system, []).append(local.named)
    return named


def rows_deleted(
    documents: list[Postmortem],
    paths: Sequence[Path],
    locals_: list[LocalItem],
    baselines: Mapping[str, Baseline],
    settings: SyncSettings,
    base_dir: Path,
    live: Callable[[], int] | None = None,
) -> list[ItemPlan]:
    """Linked items whose row vanished from a document this run read (or whose document
    vanished from a folder this run scanned). Paths compare in the store's canonical form.
    `live` counts the store's linked items when `baselines` holds only some of them."""
    from tracker.store.recording import canonical_path

    present = {local.item.id for local in locals_}
    # Only documents read whole can say a row is gone (see Postmortem.unread).
    scanned = {canonical_path(doc.path, base_dir) for doc in documents if not doc.unread}
    roots = [canonical_path(path, base_dir).rstrip("/") for path in paths]
    plans = []
    for baseline in baselines.values():
        if baseline.retired or baseline.item_id in present or not baseline.path:
            continue
        path = baseline.path
        under_root = any(path == root or path.startswith(root + "/") for root in roots)
        if path in scanned or (under_root and not (base_dir / path).exists()):
            plans.append(plan_row_deleted(baseline, settings))
    count = live or (lambda: sum(1 for b in baselines.values() if not b.retired))
    return _guard_mass_closing(plans, linked=count)


MASS_DELETION_SHARE = 0.5


def _guard_mass_closing(
    plans: list[ItemPlan], *, linked: int | Callable[[], int]
) -> list[ItemPlan]:
    """Half the linked rows vanishing at once is a broken checkout or a wrong path, not
    a decision: report them, but close no ticket (vdirsyncer's "storage emptied" guard)."""
    closing = [plan for plan in plans if plan.changes is not None]
    if len(closing) <= 5:
        return plans
    total = linked() if callable(linked) else linked
    if len(closing) <= MASS_DELETION_SHARE * total:
        return plans
    for plan in closing:
        plan.changes = None
        plan.changed_fields = ()
        plan.notes.append(
            f"not closed: {len(closing)} of {total} linked rows vanished at once; "
            "check the paths, then close the tickets by hand if that was intended"
        )
    return plans


def carry_over_reworded(
    locals_: list[LocalItem],
    baselines: dict[str, Baseline],
    vanished: Collection[str] | None = None,
) -> list[Baseline]:
    """An item whose action was reworded gets a new id; its row still names the linked
    ticket, so the link (and baseline) moves to the new id instead of a new ticket.
    Only from items whose row really vanished (`vanished`, see rows_deleted): an item
    merely not in this run (its document not scanned) keeps its ticket.
    Returns the old baselines, retired as "reworded", to store with the run."""
    present = {local.item.id for local in locals_}
    orphans: dict[str, Baseline] = {}
    for baseline in baselines.values():
        gone = vanished is None or baseline.item_id in vanished
        if baseline.item_id not in present and not baseline.retired and gone:
            orphans[baseline.key] = baseline
            if baseline.url:
                orphans[baseline.url] = baseline
    moved: list[Baseline] = []
    for local in locals_:
        if local.named is None or local.item.id in baselines:
            continue
        old = orphans.get(local.named.key) or orphans.get(local.named.url or "")
        if old is None or old.item_id not in baselines:
            continue
        baselines[local.item.id] = replace(old, item_id=local.item.id, path=None)
        del baselines[old.item_id]
        moved.append(old.retire(f"reworded as {local.item.id}"))
    return moved
