"""The decision table, cell by cell (pure: no I/O, no sandbox)."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime

import pytest

from tracker.connectors import RemoteTicket, Target, TicketChanges
from tracker.model import ActionItem, Postmortem, Status, TicketRef
from tracker.sync.drafts import build_draft, document_fields
from tracker.sync.fields import Fields
from tracker.sync.ownership import Ownership
from tracker.sync.plan import (
    LocalItem,
    RemoteView,
    changes_for,
    decide_field,
    is_quiet,
    plan_item,
    plan_row_deleted,
    quiet_plan,
)
from tracker.sync.settings import SyncSettings
from tracker.sync.state import Baseline

TARGET = Target("jira", project="ENG")
REF = TicketRef("jira", "ENG-7", "http://jira/browse/ENG-7")
DEFAULTS = SyncSettings()


def item(**changes: object) -> ActionItem:
    values: dict[str, object] = {
        "id": "item-1",
        "path": "pm.md",
        "line": 12,
        "action": "Add an alert",
        "owners": ["alice"],
        "due": date(2026, 3, 1),
        "priority": "P2",
        "status": Status.OPEN,
    }
    values.update(changes)
    return ActionItem(**values)  # type: ignore[arg-type]


def local(action_item: ActionItem, *, named: TicketRef | None = None) -> LocalItem:
    doc = Postmortem(path="pm.md", title="Outage", severity="SEV2")
    return LocalItem(
        item=action_item,
        postmortem=doc,
        team="payments",
        target=TARGET,
        named=named,
        doc=document_fields(action_item, "acc-alice", "jira"),
        draft=build_draft(action_item, doc, "payments", TARGET, "acc-alice", DEFAULTS),
    )


def remote(fields: Fields, *, key: str = "ENG-7", deleted: bool = False) -> RemoteTicket:
    return RemoteTicket(
        ref=TicketRef("jira", key, f"http://jira/browse/{key}"),
        identity="item-1",
        status=Status(fields.status),
        remote_status=fields.status,
        summary=fields.summary,
        assignee=fields.assignee,
        due=date.fromisoformat(fields.due) if fields.due else None,
        priority=fields.priority,
        labels=(),
        updated_at=datetime(2026, 3, 2, tzinfo=UTC),
        deleted=deleted,
        creator="acc-tracker",  # tracker made it (see tests/test_ownership.py for the rest)
    )


def baseline_for(action_item: ActionItem) -> Baseline:
    fields = document_fields(action_item, "acc-alice", "jira")
    return Baseline("item-1", "jira", "ENG-7", REF.url, doc=fields, ticket=fields, seen=fields)


def view(*tickets: RemoteTicket, by_identity: dict[str, RemoteTicket] | None = None) -> RemoteView:
    return RemoteView(
        tickets={f"jira:{t.ref.key}": t for t in tickets},
        by_identity=by_identity or {},
        ownership=Ownership(accounts={"jira": "acc-tracker"}, scopes=frozenset({"jira:eng"})),
    )


def test_new_open_item_without_ticket_is_created_with_ticket_cell_written_back() -> None:
    plan = plan_item(local(item()), None, view(), DEFAULTS)
    assert plan.kind == "create"
    assert plan.draft is not None and plan.draft.identity == "item-1"
    assert plan.ticket_cell


def test_item_in_progress_is_created_and_then_moved_in_progress() -> None:
    plan = plan_item(local(item(status=Status.IN_PROGRESS)), None, view(), DEFAULTS)
    assert plan.kind == "create"
    assert plan.status_after_create is Status.IN_PROGRESS


@pytest.mark.parametrize("status", [Status.DONE, Status.WONT_DO])
def test_item_already_closed_in_document_gets_no_ticket(status: Status) -> None:
    plan = plan_item(local(item(status=status)), None, view(), DEFAULTS)
    assert plan.kind == "skip"
    assert plan.is_noop


def test_ticket_found_by_identity_is_adopted_not_created_again() -> None:
    found = remote(document_fields(item(), "acc-alice", "jira"))
    plan = plan_item(local(item()), None, view(by_identity={"item-1": found}), DEFAULTS)
    assert plan.kind == "link"
    assert plan.link_reason == "found by identity"
    assert plan.draft is None
    assert plan.ticket_cell


def test_ticket_named_in_row_is_adopted_and_its_status_written_into_the_row() -> None:
    ticket = remote(document_fields(item(), "acc-alice", "jira").with_value("status", "done"))
    plan = plan_item(local(item(tickets=[REF]), named=REF), None, view(ticket), DEFAULTS)
    assert plan.kind == "link"
    assert plan.link_reason == "named in row"
    assert plan.doc_status is Status.DONE
    assert not plan.ticket_cell


def test_ticket_named_in_row_that_no_longer_exists_is_reported_not_recreated() -> None:
    gone = RemoteTicket.gone(REF)
    plan = plan_item(local(item(tickets=[REF]), named=REF), None, view(gone), DEFAULTS)
    assert plan.kind == "ticket-gone"
    assert plan.draft is None


def test_nothing_changed_on_either_side_plans_nothing() -> None:
    action_item = item(tickets=[REF])
    plan = plan_item(local(action_item), baseline_for(action_item), view(), DEFAULTS)
    assert plan.kind == "nothing"
    assert plan.baseline is None


def test_ticket_edit_that_changes_no_synced_field_is_no_change() -> None:
    action_item = item(tickets=[REF])
    same = remote(
        document_fields(action_item, "acc-alice", "jira")
    )  # `updated` moved, fields equal
    plan = plan_item(local(action_item), baseline_for(action_item), view(same), DEFAULTS)
    assert plan.kind == "nothing"


def test_a_linked_item_with_nothing_to_do_is_planned_again_from_its_row_and_baseline() -> None:
    """Such a plan is not kept (see QuietItems): the one made again must be equal."""
    action_item = item(tickets=[REF])
    baseline = baseline_for(action_item)
    same = remote(document_fields(action_item, "acc-alice", "jira"))
    plan = plan_item(local(action_item, named=REF), baseline, view(same), DEFAULTS)
    assert is_quiet(plan, action_item)
    assert quiet_plan(action_item, baseline) == plan


def test_an_item_with_a_note_or_a_change_is_not_planned_again_from_its_baseline() -> None:
    action_item = item(tickets=[REF])
    baseline = baseline_for(action_item)
    noted = replace(local(action_item, named=REF), notes=("owner not mapped",))
    plan = plan_item(noted, baseline, view(), DEFAULTS)
    assert plan.kind == "nothing" and not is_quiet(plan, action_item)
    closed = remote(document_fields(action_item, "acc-alice", "jira").with_value("status", "done"))
    plan = plan_item(local(action_item, named=REF), baseline, view(closed), DEFAULTS)
    assert plan.kind == "update" and not is_quiet(plan, action_item)


def test_ticket_status_change_is_written_into_the_document() -> None:
    action_item = item(tickets=[REF])
    done = remote(document_fields(action_item, "acc-alice", "jira").with_value("status", "done"))
    plan = plan_item(local(action_item), baseline_for(action_item), view(done), DEFAULTS)
    assert plan.kind == "update"
    assert plan.doc_status is Status.DONE
    assert plan.changes is None


def test_document_edit_of_action_owner_due_priority_updates_the_ticket() -> None:
    before = item(tickets=[REF])
    after = item(tickets=[REF], action="Add two alerts", due=date(2026, 4, 1), priority="P1")
    plan = plan_item(local(after), baseline_for(before), view(), DEFAULTS)
    assert plan.kind == "update"
    assert set(plan.changed_fields) == {"summary", "due", "priority"}
    assert plan.changes == TicketChanges(
        summary="Add two alerts", due=date(2026, 4, 1), priority="P1"
    )


def test_row_marked_done_does_not_close_the_ticket_by_default() -> None:
    before = item(tickets=[REF])
    plan = plan_item(
        local(item(tickets=[REF], status=Status.DONE)), baseline_for(before), view(), DEFAULTS
    )
    assert plan.changes is None
    assert any("ticket owns it" in note for note in plan.notes)


def test_row_marked_done_closes_the_ticket_when_configured() -> None:
    before = item(tickets=[REF])
    settings = SyncSettings(close_ticket_when_done=True)
    plan = plan_item(
        local(item(tickets=[REF], status=Status.DONE)), baseline_for(before), view(), settings
    )
    assert plan.changes == TicketChanges(status=Status.DONE)


def test_both_sides_changed_the_same_field_is_a_conflict_and_nothing_is_written() -> None:
    before = item(tickets=[REF])
    ticket = remote(document_fields(before, "acc-alice", "jira").with_value("due", "2026-05-05"))
    plan = plan_item(
        local(item(tickets=[REF], due=date(2026, 4, 4))),
        baseline_for(before),
        view(ticket),
        DEFAULTS,
    )
    assert plan.kind == "conflict"
    assert [c.field for c in plan.conflicts] == ["due"]
    assert plan.changes is None and plan.doc_status is None
    assert plan.baseline is not None and plan.baseline.doc.due == "2026-03-01"


def test_both_sides_changed_to_the_same_value_is_no_conflict() -> None:
    before = item(tickets=[REF])
    ticket = remote(document_fields(before, "acc-alice", "jira").with_value("due", "2026-04-04"))
    plan = plan_item(
        local(item(tickets=[REF], due=date(2026, 4, 4))),
        baseline_for(before),
        view(ticket),
        DEFAULTS,
    )
    assert plan.kind == "update"
    assert plan.changes is None and not plan.conflicts


def test_conflict_policy_document_wins_pushes_the_document_value() -> None:
    before = item(tickets=[REF])
    ticket = remote(document_fields(before, "acc-alice", "jira").with_value("due", "2026-05-05"))
    settings = SyncSettings(conflict_policy="document-wins")
    plan = plan_item(
        local(item(tickets=[REF], due=date(2026, 4, 4))),
        baseline_for(before),
        view(ticket),
        settings,
    )
    assert plan.changes == TicketChanges(due=date(2026, 4, 4))


def test_deleted_linked_ticket_is_reported_and_never_recreated() -> None:
    action_item = item(tickets=[REF])
    gone = RemoteTicket.gone(REF)
    plan = plan_item(local(action_item), baseline_for(action_item), view(gone), DEFAULTS)
    assert plan.kind == "ticket-gone"
    assert plan.draft is None
    assert plan.baseline is not None and plan.baseline.retired == "ticket deleted"


def test_retired_item_is_left_alone() -> None:
    action_item = item(tickets=[REF])
    retired = baseline_for(action_item).retire("ticket deleted")
    plan = plan_item(local(action_item), retired, view(), DEFAULTS)
    assert plan.kind == "nothing" and plan.draft is None


def test_deleted_row_is_reported_and_ticket_left_alone_by_default() -> None:
    plan = plan_row_deleted(baseline_for(item()), DEFAULTS)
    assert plan.kind == "row-deleted"
    assert plan.changes is None


def test_deleted_row_closes_ticket_as_wont_do_when_configured() -> None:
    plan = plan_row_deleted(baseline_for(item()), SyncSettings(on_row_deleted="close-ticket"))
    assert plan.changes == TicketChanges(status=Status.WONT_DO)


@pytest.mark.parametrize(
    ("doc", "ticket", "owner", "expected"),
    [
        ("a", "a", "ticket", "none"),
        ("b", "a", "ticket", "ignored-document"),
        ("a", "b", "ticket", "to-document"),
        ("b", "c", "ticket", "conflict"),
        ("b", "b", "ticket", "accept"),
        ("b", "a", "document", "to-ticket"),
        ("a", "b", "document", "ignored-ticket"),
    ],
)
def test_status_decision_table(doc: str, ticket: str, owner: str, expected: str) -> None:
    settings = SyncSettings(status_owner=owner)
    decision = decide_field(
        "status", base_doc="a", base_ticket="a", doc=doc, ticket=ticket, settings=settings
    )
    assert decision == expected


def test_cleared_due_and_owner_become_explicit_clears() -> None:
    assert changes_for({"due": None, "assignee": None}) == TicketChanges(
        clear_due=True, clear_assignee=True
    )


def test_high_water_mark_is_the_read_start_not_our_later_writes() -> None:
    from tracker.sync.reads import high_water_mark

    started = datetime(2026, 3, 2, 12, 0, tzinfo=UTC)
    assert high_water_mark(started) == started


def test_many_rows_vanishing_at_once_close_no_ticket() -> None:
    from tracker.sync.local import _guard_mass_closing

    settings = SyncSettings(on_row_deleted="close-ticket")
    plans = [plan_row_deleted(baseline_for(item()), settings) for _ in range(8)]
    guarded = _guard_mass_closing(plans, linked=10)
    assert all(plan.changes is None for plan in guarded)
    assert all("not closed" in plan.notes[-1] for plan in guarded)


# ----- pending creates (tracker.sync.intents) -----------------------------------------------


def test_our_ticket_found_by_identity_gets_the_rows_in_progress_not_open_written_back() -> None:
    doing = item(status=Status.IN_PROGRESS)
    found = remote(document_fields(doing, "acc-alice", "jira").with_value("status", "open"))
    plan = plan_item(local(doing), None, view(by_identity={"item-1": found}), DEFAULTS)
    assert plan.kind == "link"
    assert plan.doc_status is None
    assert plan.changes == TicketChanges(status=Status.IN_PROGRESS)
    assert plan.baseline is not None and plan.baseline.ticket.status == "in_progress"


def test_our_ticket_moved_on_by_someone_keeps_the_ownership_rule() -> None:
    found = remote(document_fields(item(), "acc-alice", "jira").with_value("status", "done"))
    plan = plan_item(local(item()), None, view(by_identity={"item-1": found}), DEFAULTS)
    assert plan.doc_status is Status.DONE
    assert plan.changes is None


def test_a_named_ticket_still_open_writes_open_into_the_row_as_before() -> None:
    ticket = remote(document_fields(item(), "acc-alice", "jira").with_value("status", "open"))
    doing = item(status=Status.IN_PROGRESS, tickets=[REF])
    plan = plan_item(local(doing, named=REF), None, view(ticket), DEFAULTS)
    assert plan.doc_status is Status.OPEN
    assert plan.changes is None


def test_an_unsettled_create_is_deferred_never_created_again() -> None:
    remote_view = RemoteView(tickets={}, by_identity={}, unsettled=frozenset({"item-1"}))
    plan = plan_item(local(item()), None, remote_view, DEFAULTS)
    assert plan.kind == "deferred"
    assert plan.draft is None and not plan.touches_ticket
    assert "resolved on the next run" in plan.notes[-1]


def _created_but_not_moved(doing: ActionItem) -> Baseline:
    """What a create whose follow-up transition failed records: doc in progress, ticket open."""
    doc = document_fields(doing, "acc-alice", "jira")
    ticket = doc.with_value("status", "open")
    return Baseline("item-1", "jira", "ENG-7", REF.url, doc=doc, ticket=ticket, seen=ticket)


def test_a_follow_up_status_that_never_reached_the_ticket_is_pushed_next_run() -> None:
    doing = item(status=Status.IN_PROGRESS)
    base = _created_but_not_moved(doing)
    ticket = remote(base.ticket)
    plan = plan_item(local(doing), base, view(ticket), DEFAULTS, intended="in_progress")
    assert plan.kind == "update"
    assert plan.changes == TicketChanges(status=Status.IN_PROGRESS)
    assert plan.doc_status is None


def test_without_a_pending_intent_the_same_state_pushes_no_status() -> None:
    doing = item(status=Status.IN_PROGRESS, tickets=[REF])
    base = _created_but_not_moved(doing)
    plan = plan_item(local(doing), base, view(remote(base.ticket)), DEFAULTS)
    assert plan.kind == "nothing"
    assert plan.changes is None


def test_a_ticket_moved_by_someone_since_wins_over_a_pending_follow_up() -> None:
    doing = item(status=Status.IN_PROGRESS)
    base = _created_but_not_moved(doing)
    ticket = remote(base.ticket.with_value("status", "done"))
    plan = plan_item(local(doing), base, view(ticket), DEFAULTS, intended="in_progress")
    assert plan.doc_status is Status.DONE
    assert plan.changes is None


def test_a_pending_creates_ticket_nobody_can_vouch_for_waits_instead_of_a_new_one() -> None:
    from dataclasses import replace as with_fields

    found = with_fields(remote(document_fields(item(), "acc-alice", "jira")), creator="acc-tracker")
    remote_view = RemoteView(
        tickets={}, by_identity={"item-1": found}, pending=frozenset({"item-1"})
    )  # tracker's own account could not be read: nothing vouches for the ticket
    plan = plan_item(local(item()), None, remote_view, DEFAULTS)
    assert plan.kind == "deferred"
    assert plan.draft is None
