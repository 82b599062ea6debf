"""The decision table: what to do for each item given both sides and the last sync.

Pure (no I/O), so every cell of the table is a unit test and `--dry-run` prints exactly
what `apply` would do. Vocabulary:

- *baseline*: the fields both sides agreed on at the last sync, per side (stored);
- *doc* / *ticket*: the fields as they are now on each side;
- a side *changed* a field when its current value differs from its baseline value.

Per field: only one side changed → the change flows to the other side if that side
may be written (ownership: the ticket owns status by default, the document the rest);
an edit on the non-owning side is noted and accepted as the new baseline, never pushed.
Both changed to different values → a conflict, resolved only by `conflict_policy`
("report" writes nothing and keeps the old baseline, so it is reported every run
until someone settles it).
"""

from __future__ import annotations

from array import array
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field, replace
from datetime import date
from typing import TypeVar

from tracker.connectors import RemoteTicket, Target, TicketChanges, TicketDraft, scope_of
from tracker.model import ActionItem, Postmortem, Status, TicketRef
from tracker.sync.fields import FIELD_NAMES, Fields, ticket_fields
from tracker.sync.intents import DEFERRED_NOTE
from tracker.sync.ownership import Ownership, identity_doubt, refusal, vouched
from tracker.sync.settings import SyncSettings
from tracker.sync.state import Baseline


@dataclass(frozen=True, slots=True)
class LocalItem:
    """An action item as the planner sees it (built by the engine)."""

    item: ActionItem
    postmortem: Postmortem
    team: str
    target: Target | None  # where a new ticket would go (None: no target configured)
    named: TicketRef | None  # first ticket named in the row that a connector owns (canonical)
    doc: Fields  # the document's side, owner already mapped to the ticket system's user
    draft: TicketDraft | None  # what a new ticket would say
    notes: tuple[str, ...] = ()


@dataclass(frozen=True)
class RemoteView:
    """What the reads of this run learned about tickets."""

    tickets: Mapping[str, RemoteTicket]  # "system:key" → ticket read this run
    by_identity: Mapping[str, RemoteTicket]  # item id → ticket carrying that identity
    unreadable: frozenset[str] = frozenset()  # "system:scope" whose reads failed
    ownership: Ownership = field(default_factory=Ownership)  # who owns which ticket
    unsettled: frozenset[str] = frozenset()  # item ids whose earlier create is unclear
    pending: frozenset[str] = frozenset()  # item ids with a pending create intent


@dataclass(frozen=True, slots=True)
class FieldConflict:
    field: str
    document: str | None
    ticket: str | None


@dataclass(slots=True)  # one per item: 100k in a large run
class ItemPlan:
    """Everything the run will do for one item; `kind` is the headline for the printout."""

    item_id: str
    path: str
    line: int
    # create | link | update | conflict | row-deleted | ticket-gone | skip | failed |
    # deferred | nothing
    kind: str
    system: str | None = None
    ref: TicketRef | None = None
    target: Target | None = None
    draft: TicketDraft | None = None
    doc: Fields | None = None  # the document's fields when planned (baseline of a create)
    status_after_create: Status | None = None
    link: RemoteTicket | None = None
    link_reason: str | None = None
    changes: TicketChanges | None = None
    changed_fields: tuple[str, ...] = ()
    doc_status: Status | None = None
    ticket_cell: bool = False
    conflicts: tuple[FieldConflict, ...] = ()
    notes: list[str] = field(default_factory=list)
    baseline: Baseline | None = None  # to store once everything above succeeded
    previous: Baseline | None = None  # the stored baseline (kept, with `seen`, on failure)
    seen: Fields | None = None  # the ticket's fields as read this run
    unlink: bool = False
    warning: str | None = None  # for the run's warnings (e.g. a ticket the row may not link)

    @property
    def touches_ticket(self) -> bool:
        return self.draft is not None or bool(self.changes and not self.changes.is_empty)

    @property
    def touches_document(self) -> bool:
        return self.ticket_cell or self.doc_status is not None

    @property
    def is_noop(self) -> bool:
        """Nothing to do now (a skipped item is only informational)."""
        return self.kind in ("nothing", "skip")


def quiet_plan(item: ActionItem, baseline: Baseline) -> ItemPlan:
    """The plan of a linked item with nothing to do, made from its row and its stored
    baseline alone (the ticket as read equals the baseline's ticket side)."""
    return ItemPlan(
        item.id,
        item.path,
        item.line,
        "nothing",
        system=baseline.system,
        ref=baseline.ref,
        previous=baseline,
        seen=baseline.ticket,
    )


def is_quiet(plan: ItemPlan, item: ActionItem) -> bool:
    """Would `quiet_plan` make this plan again (equal in every field)?"""
    previous = plan.previous
    return (
        plan.kind == "nothing"
        and previous is not None
        and plan.baseline is None
        and not plan.notes
        and plan == quiet_plan(item, previous)
    )


_T = TypeVar("_T")


class QuietItems:
    """The run's quiet items: linked, nothing to do, no note (most items, most nights),
    each held as its row and stored baseline instead of an `ItemPlan` (issue 13: a night
    that plans every item held ≈ 260 bytes of plan, and the ticket's fields as read, per
    item). Their plans are made again on demand (`quiet_plan`), equal to those
    `plan_item` made; `positions` keeps each one's place among the run's plans."""

    __slots__ = ("baselines", "items", "positions")

    def __init__(self) -> None:
        self.items: list[ActionItem] = []
        self.baselines: list[Baseline] = []
        self.positions = array("I")  # ascending: its index in the run's list of plans

    def add(self, item: ActionItem, baseline: Baseline, position: int) -> None:
        self.items.append(item)
        self.baselines.append(baseline)
        self.positions.append(position)

    def __len__(self) -> int:
        return len(self.items)

    def __iter__(self) -> Iterator[tuple[ActionItem, Baseline]]:
        return zip(self.items, self.baselines, strict=True)

    def plans(self, others: Iterable[ItemPlan]) -> Iterator[ItemPlan]:
        """Every plan in the run's order: `others` (the plans kept) with the quiet ones
        made again one at a time."""
        return self._merged(others, lambda index: quiet_plan(*self._pair(index)))

    def kinds(self, others: Iterable[ItemPlan]) -> Iterator[str]:
        """Every plan's kind in the run's order, without making the quiet plans."""
        return self._merged((plan.kind for plan in others), lambda index: "nothing")

    def _pair(self, index: int) -> tuple[ActionItem, Baseline]:
        return self.items[index], self.baselines[index]

    def _merged(self, others: Iterable[_T], quiet: Callable[[int], _T]) -> Iterator[_T]:
        rest = iter(others)
        position = 0
        for index, at in enumerate(self.positions):
            while position < at:
                yield next(rest)
                position += 1
            yield quiet(index)
            position += 1
        yield from rest


def linked_ref(local: LocalItem, baseline: Baseline) -> TicketRef:
    """The linked ticket's reference: the row's own object when it names it exactly
    (equal either way; one object per item instead of one per use at 100,000 items)."""
    ref = baseline.ref
    return local.named if local.named == ref and local.named is not None else ref


def remote_key(system: str, key: str) -> str:
    return f"{system}:{key}"


def plan_item(
    local: LocalItem,
    baseline: Baseline | None,
    remote: RemoteView,
    settings: SyncSettings,
    intended: str | None = None,
) -> ItemPlan:
    """The decision for one item present in a document. `intended` is the status a
    pending create intent says the item's ticket must reach (see `tracker.sync.intents`)."""
    item = local.item
    plan = ItemPlan(item.id, item.path, item.line, "nothing", notes=list(local.notes))
    if baseline is not None and baseline.retired:
        plan.notes.append(f"not synced: {baseline.retired} (see earlier report)")
        return plan
    if baseline is not None:
        if local.named is not None and not _same_ticket(local.named, baseline):
            return _link_named(plan, local, remote, settings, replacing=baseline)
        return _plan_linked(plan, local, baseline, remote, settings, intended)
    if local.named is not None:
        return _link_named(plan, local, remote, settings, replacing=None)
    found = remote.by_identity.get(item.id)
    doubt = identity_doubt(item.id, found, remote.ownership) if found is not None else None
    if found is not None and doubt is None:
        return _adopt(plan, local, found, "found by identity", settings, write_cell=True, ours=True)
    plan.notes.extend([doubt] if doubt else [])
    if item.id in remote.unsettled or _maybe_ours(item.id, found, remote):
        plan.kind = "deferred"
        plan.notes.append(DEFERRED_NOTE)
        return plan
    return _plan_create(plan, local, remote, settings)


def _maybe_ours(item_id: str, found: RemoteTicket | None, remote: RemoteView) -> bool:
    """A ticket carrying the identity of an item whose create is pending, when tracker's
    account can't be read to vouch for it: likely the lost create's own ticket, so the
    item waits rather than risk a duplicate."""
    if found is None or item_id not in remote.pending:
        return False
    return vouched(found, item_id, remote.ownership) is None


def ticket_cell_writable(local: LocalItem, settings: SyncSettings) -> bool:
    """Can the link go into the row (a Ticket column, or one may be added)?"""
    return "ticket" in local.item.raw or settings.add_missing_columns or local.item.kind == "list"


def _same_ticket(ref: TicketRef, baseline: Baseline) -> bool:
    return ref.key == baseline.key or (ref.url is not None and ref.url == baseline.url)


def _link_named(
    plan: ItemPlan,
    local: LocalItem,
    remote: RemoteView,
    settings: SyncSettings,
    *,
    replacing: Baseline | None,
) -> ItemPlan:
    named = local.named
    assert named is not None
    system = named.system
    ticket = remote.tickets.get(remote_key(system, named.key))
    if ticket is None:
        plan.kind = "failed"
        plan.notes.append(f"could not read {named.key}; retried next run")
        return plan
    if ticket.deleted:
        plan.kind = "ticket-gone"
        plan.ref = named
        plan.system = system
        plan.notes.append(f"{named.key} named in the row does not exist (deleted or no access)")
        return plan
    if ticket.moved_to is not None:
        ticket = replace(ticket, ref=ticket.moved_to, moved_to=None)
    plan.warning = refusal(local.item.id, ticket, named, remote.ownership)
    if plan.warning is not None:  # another item's ticket, a pull request, an untargeted place
        plan.kind = "skip"
        plan.notes.append(plan.warning)
        return plan
    reason = "named in row" if replacing is None else f"row now names it instead of {replacing.key}"
    return _adopt(plan, local, ticket, reason, settings, write_cell=False)


def _adopt(
    plan: ItemPlan,
    local: LocalItem,
    ticket: RemoteTicket,
    reason: str,
    settings: SyncSettings,
    *,
    write_cell: bool,
    ours: bool = False,
) -> ItemPlan:
    """Link an existing ticket; from now on it is in step with the row.

    There is no baseline to tell who changed what. A ticket tracker made for this item
    (`ours`: found by its identity) that still shows the status every new ticket starts
    in has just not caught up with the row — a lost create, a crash before the
    follow-up transition — so the row's status is pushed to it. Otherwise ownership
    decides status alone: with the ticket owning status, its status goes into the row.
    """
    plan.kind = "link"
    plan.link = ticket
    plan.link_reason = reason
    plan.ref = ticket.ref
    plan.system = ticket.ref.system
    plan.ticket_cell = write_cell and ticket_cell_writable(local, settings)
    now_ticket = ticket_fields(ticket)
    agreed = now_ticket
    doc = local.doc
    if ours and now_ticket.status == Status.OPEN.value and doc.status != now_ticket.status:
        plan.changes = TicketChanges(status=Status(doc.status))
        plan.changed_fields = ("status",)
        agreed = now_ticket.with_value("status", doc.status)
    elif settings.status_owner == "ticket" and now_ticket.status != doc.status:
        plan.doc_status = Status(now_ticket.status)
        doc = doc.with_value("status", now_ticket.status)
    plan.baseline = Baseline(
        item_id=local.item.id,
        system=plan.system,
        key=ticket.ref.key,
        url=ticket.ref.url,
        doc=doc,
        ticket=agreed,
        seen=now_ticket,
        created_by_tracker=ours,
    )
    return plan


def _plan_create(
    plan: ItemPlan, local: LocalItem, remote: RemoteView, settings: SyncSettings
) -> ItemPlan:
    item = local.item
    if item.status.is_closed:
        plan.kind = "skip"
        plan.notes.append(f"no ticket created: already {item.status.value} in the document")
        return plan
    if local.target is None or local.draft is None:
        plan.kind = "skip"
        plan.notes.append(f"no ticket target configured for team {local.team!r}")
        return plan
    scope = target_scope(local.target)
    if scope in remote.unreadable:
        plan.kind = "failed"
        plan.notes.append(f"could not look up existing tickets in {scope}; retried next run")
        return plan
    plan.kind = "create"
    plan.target = local.target
    plan.system = local.target.system
    plan.draft = local.draft
    plan.doc = local.doc
    plan.ticket_cell = ticket_cell_writable(local, settings)
    if item.status is Status.IN_PROGRESS:
        plan.status_after_create = Status.IN_PROGRESS
    return plan


def target_scope(target: Target) -> str:
    """ "SYSTEM:SCOPE" ("jira:ENG"): the unit of incremental reads and high-water marks."""
    return f"{target.system}:{target.scope}"


def ref_scope(system: str, key: str) -> str:
    """The read scope a ticket key belongs to, by its connector's scope rule."""
    return f"{system}:{scope_of(system, key)}"


def _plan_linked(
    plan: ItemPlan,
    local: LocalItem,
    baseline: Baseline,
    remote: RemoteView,
    settings: SyncSettings,
    intended: str | None = None,
) -> ItemPlan:
    plan.system = baseline.system
    plan.ref = linked_ref(local, baseline)
    if ref_scope(baseline.system, baseline.key) in remote.unreadable:
        plan.kind = "failed"
        plan.notes.append(f"could not read {baseline.key}; retried next run")
        return plan
    ticket = remote.tickets.get(remote_key(baseline.system, baseline.key))
    if ticket is not None and (ticket.deleted or ticket.moved_to is not None):
        return _ticket_gone(plan, local, baseline, ticket, settings)
    now_ticket = ticket_fields(ticket) if ticket is not None else baseline.last_seen
    plan.previous = baseline
    plan.seen = now_ticket
    plan.ticket_cell = not _row_names(local, baseline) and ticket_cell_writable(local, settings)
    if (
        intended is None
        and not plan.ticket_cell
        and local.doc == baseline.doc
        and now_ticket == baseline.ticket
        and baseline.seen in (None, baseline.ticket)
    ):
        return plan  # the common nightly case: nothing moved on either side
    _plan_fields(plan, local.doc, now_ticket, baseline, settings)
    if intended is not None:
        _resume_intended_status(plan, local.doc, now_ticket, baseline, intended)
    if plan.kind == "nothing" and plan.ticket_cell:
        plan.kind = "update"
    return plan


def _resume_intended_status(
    plan: ItemPlan, doc: Fields, ticket: Fields, baseline: Baseline, intended: str
) -> None:
    """A create's follow-up status never reached the ticket (it failed, or the process
    died first): push it now — unless either side moved the status since, in which
    case the ordinary rules above already decided."""
    if "status" in plan.changed_fields or plan.doc_status is not None or plan.conflicts:
        return
    if ticket.status == intended or doc.status != intended:
        return
    if ticket.status != baseline.ticket.status or doc.status != baseline.doc.status:
        return
    plan.changes = replace(plan.changes or TicketChanges(), status=Status(intended))
    plan.changed_fields = (*plan.changed_fields, "status")
    base = plan.baseline or baseline.with_sides(baseline.doc, baseline.ticket, ticket)
    plan.baseline = replace(base, ticket=base.ticket.with_value("status", intended))
    plan.kind = "update"


def _row_names(local: LocalItem, baseline: Baseline) -> bool:
    """Does the row's ticket cell already name the linked ticket?"""
    number = baseline.key.rsplit("#", 1)[-1] if "#" in baseline.key else None
    for ref in local.item.tickets:
        if ref.key == baseline.key or (baseline.url and ref.url == baseline.url):
            return True
        if number is not None and ref.key == f"#{number}":
            return True
    return False


def _plan_fields(
    plan: ItemPlan, doc: Fields, ticket: Fields, baseline: Baseline, settings: SyncSettings
) -> None:
    new_doc, new_ticket = baseline.doc, baseline.ticket
    to_ticket: dict[str, str | None] = {}
    conflicts: list[FieldConflict] = []
    for name in FIELD_NAMES:
        decision = decide_field(
            name,
            base_doc=baseline.doc.get(name),
            base_ticket=baseline.ticket.get(name),
            doc=doc.get(name),
            ticket=ticket.get(name),
            settings=settings,
        )
        if decision == "conflict":
            conflicts.append(FieldConflict(name, doc.get(name), ticket.get(name)))
            continue
        if decision == "to-ticket":
            to_ticket[name] = doc.get(name)
            new_doc = new_doc.with_value(name, doc.get(name))
            new_ticket = new_ticket.with_value(name, doc.get(name))
        elif decision == "to-document":
            plan.doc_status = Status(ticket.status)
            new_doc = new_doc.with_value(name, ticket.get(name))
            new_ticket = new_ticket.with_value(name, ticket.get(name))
        else:
            if decision.startswith("ignored"):
                plan.notes.append(_ignored_note(name, decision, doc, ticket))
            new_doc = new_doc.with_value(name, doc.get(name))
            new_ticket = new_ticket.with_value(name, ticket.get(name))
    plan.conflicts = tuple(conflicts)
    if to_ticket:
        plan.changes = changes_for(to_ticket)
        plan.changed_fields = tuple(to_ticket)
    changed = new_doc != baseline.doc or new_ticket != baseline.ticket
    moved_on = changed or ticket != baseline.last_seen
    plan.baseline = baseline.with_sides(new_doc, new_ticket, ticket) if moved_on else None
    if conflicts:
        plan.kind = "conflict"
    elif to_ticket or plan.doc_status is not None or changed:
        plan.kind = "update"


def _ignored_note(name: str, decision: str, doc: Fields, ticket: Fields) -> str:
    if decision == "ignored-document":
        return (
            f"{name} edited in the document ({doc.get(name)!r}) but the ticket owns it; not pushed"
        )
    return (
        f"{name} edited on the ticket ({ticket.get(name)!r}) but the document owns it; not pulled"
    )


def decide_field(
    name: str,
    *,
    base_doc: str | None,
    base_ticket: str | None,
    doc: str | None,
    ticket: str | None,
    settings: SyncSettings,
) -> str:
    """One cell of the decision table: "none", "accept", "to-ticket", "to-document",
    "ignored-document", "ignored-ticket" or "conflict"."""
    doc_changed = doc != base_doc
    ticket_changed = ticket != base_ticket
    if not doc_changed and not ticket_changed:
        return "none"
    if doc_changed and ticket_changed:
        if doc == ticket:
            return "accept"
        if settings.conflict_policy == "document-wins":
            return "to-ticket"
        if settings.conflict_policy == "ticket-wins":
            return "to-document" if name == "status" else "accept"
        return "conflict"
    owner = settings.status_owner if name == "status" else "document"
    if doc_changed:
        if owner == "document" or _closes_ticket(name, doc, settings):
            return "to-ticket"
        return "ignored-document"
    if owner == "ticket" and name == "status":
        return "to-document"
    return "ignored-ticket"


def _closes_ticket(name: str, doc: str | None, settings: SyncSettings) -> bool:
    return (
        name == "status"
        and settings.close_ticket_when_done
        and doc in (Status.DONE.value, Status.WONT_DO.value)
    )


def changes_for(values: Mapping[str, str | None]) -> TicketChanges:
    """The partial ticket update that makes the ticket say `values`."""
    kwargs: dict[str, object] = {}
    for name, value in values.items():
        if name == "summary":
            kwargs["summary"] = value or ""
        elif name == "priority" and value is not None:
            kwargs["priority"] = value
        elif name == "due":
            if value is None:
                kwargs["clear_due"] = True
            else:
                kwargs["due"] = date.fromisoformat(value)
        elif name == "assignee":
            if value is None:
                kwargs["clear_assignee"] = True
            else:
                kwargs["assignee"] = value
        elif name == "status" and value is not None:
            kwargs["status"] = Status(value)
    return TicketChanges(**kwargs)  # type: ignore[arg-type]


def _ticket_gone(
    plan: ItemPlan,
    local: LocalItem,
    baseline: Baseline,
    ticket: RemoteTicket,
    settings: SyncSettings,
) -> ItemPlan:
    plan.kind = "ticket-gone"
    if ticket.moved_to is not None:
        moved = ticket.moved_to
        plan.notes.append(f"{baseline.key} moved to {moved.key}; link follows it")
        plan.ref = moved
        plan.previous = baseline  # the cell's old link is replaced, not kept beside the new
        plan.ticket_cell = True
        plan.baseline = Baseline(
            item_id=baseline.item_id,
            system=baseline.system,
            key=moved.key,
            url=moved.url,
            doc=baseline.doc,
            ticket=baseline.ticket,
        )
        return plan
    plan.notes.append(f"{baseline.key} was deleted (or is no longer visible)")
    if settings.on_ticket_deleted == "unlink":
        plan.unlink = True
        plan.notes.append("unlinked; no new ticket will be created for this item")
    plan.baseline = baseline.retire("ticket deleted")
    return plan


def plan_row_deleted(baseline: Baseline, settings: SyncSettings) -> ItemPlan:
    """A linked item whose row is gone from its (scanned) document: never re-created."""
    plan = ItemPlan(baseline.item_id, baseline.path or "", 0, "row-deleted")
    plan.system = baseline.system
    plan.ref = baseline.ref
    plan.notes.append(f"row deleted from the document; {baseline.key} left as it is")
    if settings.on_row_deleted == "close-ticket" and baseline.ticket.status not in (
        Status.DONE.value,
        Status.WONT_DO.value,
    ):
        plan.changes = TicketChanges(status=Status.WONT_DO)
        plan.changed_fields = ("status",)
        plan.notes[-1] = f"row deleted from the document; closing {baseline.key} as won't do"
    plan.baseline = baseline.retire("row deleted")
    return plan
