"""The plan and the summary as people read them (rich markup, one line per action)."""

from __future__ import annotations

import re

from rich.markup import escape

from tracker.sync.dues import PlannedDue
from tracker.sync.engine import SyncResult
from tracker.sync.plan import ItemPlan, ref_scope

_HEADINGS = (
    ("create", "Tickets to create"),
    ("link", "Existing tickets to link"),
    ("update", "Updates"),
    ("conflict", "Conflicts (nothing overwritten)"),
    ("row-deleted", "Rows deleted from documents"),
    ("ticket-gone", "Tickets deleted or moved"),
    ("failed", "Could not be planned (retried next run)"),
    ("deferred", "Deferred: a create's outcome is unclear (settled next run)"),
    ("skip", "Skipped"),
)


def describe(plan: ItemPlan) -> str:
    """One line saying what will happen (or happened) to one item."""
    where = f"{plan.path}:{plan.line}" if plan.line else plan.path
    parts: list[str] = []
    if plan.kind == "create" and plan.draft is not None:
        scope = plan.target.project or plan.target.repo if plan.target else "?"
        parts.append(f"create in {plan.system}:{scope}: {plan.draft.summary!r}")
    elif plan.ref is not None:
        parts.append(plan.ref.key)
    if plan.link is not None:
        parts.append(f"link ({plan.link_reason})")
    if plan.changed_fields:
        parts.append("ticket ← " + ", ".join(_change(plan, name) for name in plan.changed_fields))
    cells = []
    if plan.ticket_cell:
        cells.append("ticket cell")
    if plan.doc_status is not None:
        cells.append(f"status cell → {plan.doc_status.value}")
    if cells:
        parts.append("document ← " + ", ".join(cells))
    for conflict in plan.conflicts:
        parts.append(
            f"conflict on {conflict.field}: document {conflict.document!r} "
            f"vs ticket {conflict.ticket!r}"
        )
    parts.extend(plan.notes)
    return f"{where} ({plan.item_id}): " + "; ".join(parts)


def _change(plan: ItemPlan, name: str) -> str:
    if plan.baseline is None:
        return name
    return f"{name}={plan.baseline.doc.get(name)!r}"


def render_plan(result: SyncResult) -> list[str]:
    """The dry-run printout: every non-trivial action grouped by kind, then a summary."""
    lines: list[str] = []
    for kind, heading in _HEADINGS:
        group = [plan for plan in result.kept if plan.kind == kind and not _stopped(plan, result)]
        if not group:
            continue
        lines.append(f"[bold]{heading}[/bold] ({len(group)})")
        lines.extend(f"  {escape(describe(plan))}" for plan in group)
    if not result.actions:
        lines.append("Nothing to do: documents and tickets are in step.")
    lines.extend(f"[yellow]{escape(line)}[/yellow]" for line in result.forecasts)
    lines.extend(_unreachable_lines(result))
    for scope, message in result.read_errors.items():
        if _unreachable_system(scope, result) is None:
            lines.append(f"[red]could not read {escape(scope)}[/red]: {escape(message)}")
    return lines


# The engine's words for an item that failed because a read failed (see sync/plan.py).
_READ_SCOPE = re.compile(r"could not look up existing tickets in (\S+?);")
_READ_KEY = re.compile(r"could not read (\S+?);")


def _unreachable_system(text: str, result: SyncResult) -> str | None:
    """The unreachable system a read-error scope or an item's failure is down to, if any."""
    for system in result.unreachable:
        if text.startswith(f"{system}:") or f"{system} unreachable (" in text:
            return system
        scope = _READ_SCOPE.search(text)
        if scope and scope.group(1).startswith(f"{system}:"):
            return system
        key = _READ_KEY.search(text)
        if key and (
            ref_scope(system, key.group(1)) in result.read_errors
            or f"{system}:{key.group(1)}" in result.read_errors
        ):
            return system
    return None


def _stopped(plan: ItemPlan, result: SyncResult) -> bool:
    """Did this item fail only because its ticket system was unreachable?"""
    return plan.kind == "failed" and _unreachable_system("; ".join(plan.notes), result) is not None


def _unreachable_lines(result: SyncResult) -> list[str]:
    """One line per ticket system that could not be reached, with the cause and how many
    items wait for the next run because of it."""
    waiting: dict[str, int] = dict.fromkeys(result.unreachable, 0)
    failures = (
        ["; ".join(plan.notes) for plan in result.kept if plan.kind == "failed"]
        if result.dry_run
        else list(result.failed.values())
    )
    for message in failures:
        system = _unreachable_system(message, result)
        if system is not None:
            waiting[system] += 1
    return [
        f"  [red]{escape(system)} unreachable[/red] ({escape(why)}); its work stopped for "
        f"this run, {waiting[system]} item(s) left for the next run"
        for system, why in result.unreachable.items()
    ]


def render_summary(result: SyncResult) -> list[str]:
    """What a finished run did, and which items failed (they are retried next run)."""
    counts = result.counts
    if result.dry_run:
        planned = ", ".join(
            f"{n} {kind}" for kind, n in sorted(counts.items()) if kind != "nothing"
        )
        return [
            f"dry run: {result.items} items in {result.documents} documents; "
            f"planned: {planned or 'nothing'}. Nothing was written.",
            *proposal_plan_lines(result),
            *planned_due_lines(result),
        ]
    lines = [
        f"{result.items} items in {result.documents} documents: "
        f"{counts.get('created', 0)} tickets created, {counts.get('adopted', 0)} adopted after a "
        f"lost create, {counts.get('link', 0)} linked, {counts.get('tickets_updated', 0)} "
        f"tickets updated, {_documents_done(result)}, "
        f"{counts.get('conflict', 0)} conflicts, {len(result.failed)} failed."
    ]
    if result.dues_written:
        done = "proposed" if result.proposing is not None else "written"
        lines.append(
            f"{len(result.dues_written)} derived due date(s) {done} (\\[policy] write_derived_due)."
        )
    for plan in result.kept:
        if plan.kind in ("conflict", "row-deleted", "ticket-gone"):
            lines.append(f"  [yellow]{plan.kind}[/yellow]: {escape(describe(plan))}")
    lines.extend(_unreachable_lines(result))
    for where, message in result.failed.items():
        if _unreachable_system(message, result) is None:
            lines.append(f"  [red]failed[/red] {escape(where)}: {escape(message)}")
    for scope, message in result.read_errors.items():
        if _unreachable_system(scope, result) is None:
            lines.append(f"  [red]could not read {escape(scope)}[/red]: {escape(message)}")
    if result.deferred:
        lines.append(
            f"{len(result.deferred)} deferred: a create's outcome is unclear; "
            "resolved on the next run (never created twice)."
        )
        for where, message in result.deferred.items():
            lines.append(f"  [yellow]deferred[/yellow] {escape(where)}: {escape(message)}")
    for warning in result.warnings:
        lines.append(f"  [yellow]warning[/yellow]: {escape(warning)}")
    for postponement in result.postponements:
        lines.append(f"[yellow]{escape(postponement.describe())}[/yellow]")
    if result.interrupted:
        lines.append(f"Stopped early: {result.interrupted} item(s) left for the next run.")
    if result.failed or result.read_errors:
        lines.append("Failed items are retried on the next run.")
    if result.commit:
        lines.append(f"committed {len(result.committed)} document(s): {result.commit}")
    lines.extend(proposal_lines(result))
    return lines


def _documents_done(result: SyncResult) -> str:
    """How many documents were written; with --pull-request (the folder left alone) how
    many the branch changes instead, counting only repositories proposed without a problem."""
    proposing = result.proposing
    if proposing is None:
        return f"{result.counts.get('documents_written', 0)} documents written"
    proposed = sum(len(o.documents) for o in result.proposals if o.problem is None)
    return f"{proposed} documents proposed on {escape(proposing.branch)}"


def proposal_plan_lines(result: SyncResult) -> list[str]:
    """--pull-request --dry-run: the cells that would be proposed, and where."""
    proposing = result.proposing
    if proposing is None:
        return []
    cells = [plan for plan in result.kept if plan.touches_document and not plan.is_noop]
    dues = [due for due in result.dues_planned if due.skipped is None]
    noun = proposing.noun
    if not cells and not dues:
        return [f"{noun}: nothing to propose (no document would change)."]
    lines = [
        f"{noun}: would push {escape(proposing.branch)} to {escape(proposing.remote)} and "
        f"open or update one {noun} in {escape(proposing.target or '?')} with:"
    ]
    for plan in cells:
        parts = []
        if plan.ticket_cell:
            parts.append(f"ticket ← {plan.ref.key if plan.ref else 'the new ticket'}")
        if plan.doc_status is not None:
            parts.append(f"status ← {plan.doc_status.value}")
        lines.append(f"  {escape(plan.path)}:{plan.line} ({plan.item_id}): {', '.join(parts)}")
    lines += [f"  {_due_cell(due)}" for due in dues]
    return lines


def _due_cell(due: PlannedDue) -> str:
    return f"{escape(due.path)}:{due.line} ({due.item_id}): due ← {due.due.isoformat()} (derived)"


def planned_due_lines(result: SyncResult) -> list[str]:
    """--dry-run with `[policy] write_derived_due`: the derived due dates a real run would
    write (listed with the proposal's cells under --pull-request), and those it could not."""
    lines = []
    writable = [due for due in result.dues_planned if due.skipped is None]
    if writable and result.proposing is None:
        lines.append(
            f"would write {len(writable)} derived due date(s) (\\[policy] write_derived_due):"
        )
        lines += [f"  {_due_cell(due)}" for due in writable]
    for due in result.dues_planned:
        if due.skipped is not None:
            lines.append(
                f"  [yellow]warning[/yellow]: {escape(due.path)}:{due.line}: derived due date "
                f"{due.due.isoformat()} would not be written: {escape(due.skipped)}"
            )
    return lines


def proposal_lines(result: SyncResult) -> list[str]:
    """What --pull-request did per repository."""
    if result.proposing is None:
        return []
    noun = result.proposing.noun
    lines = []
    if not result.proposed:
        lines.append(f"{noun}: nothing to propose (no document would change).")
    for outcome in result.proposals:
        where = escape(outcome.repository)
        if outcome.problem:
            lines.append(f"  [red]{noun} not updated[/red] ({where}): {escape(outcome.problem)}")
            continue
        if outcome.request is None:
            lines.append(
                f"{noun}: nothing to propose in {where} (already on {escape(outcome.base)})."
            )
            continue
        how = "rebased on the newest " + escape(outcome.base) + ", " if outcome.rebased else ""
        pushed = "pushed" if outcome.pushed else "unchanged"
        label = outcome.request.label or f"{noun} #{outcome.request.number}"
        lines.append(
            f"{escape(label)} {outcome.request.action}: "
            f"{escape(outcome.request.url)} ({escape(outcome.branch)} {how}{pushed}; "
            f"{len(outcome.documents)} document(s))"
        )
    return lines
