"""Write-back into private copies, for `--pull-request` (see tracker.sync.proposal).

The editor saves into a copy of each document it would change (same bytes, so its
"changed since read" check still guards against a concurrent edit of the original:
the copy is taken from the file as it is now). The documents themselves stay as
they were; what the copies gained becomes `DocumentChange`s, with every changed
ticket, status and due cell described (file:line, item, old → new, why).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from pathlib import Path

from tracker.model import ActionItem, Postmortem
from tracker.parse.budget import Limits
from tracker.sync.plan import ItemPlan
from tracker.sync.proposal import CellChange, DocumentChange


class Copies(dict[str, Path]):
    """Document path → its private copy; `before` keeps the bytes each copy started with."""

    def __init__(self) -> None:
        super().__init__()
        self.before: dict[str, bytes] = {}


def private_copies(paths: Iterable[str], folder: Path) -> Copies:
    """A copy of each document in `folder` (one subfolder each: names may repeat)."""
    copies = Copies()
    for index, path in enumerate(sorted(set(paths))):
        target = folder / str(index) / Path(path).name
        target.parent.mkdir()
        data = Path(path).read_bytes()
        target.write_bytes(data)
        copies[path] = target
        copies.before[path] = data
    return copies


def document_changes(
    copies: Copies,
    changed: Iterable[str],
    documents: Iterable[Postmortem],
    plans: Iterable[ItemPlan],
    status_words: Mapping[str, str],
    limits: Limits,
) -> list[DocumentChange]:
    """What each changed copy holds beyond its document, cell by cell."""
    from tracker.editor import DocumentEditor

    read = {doc.path: doc for doc in documents}
    by_item = {plan.item_id: plan for plan in plans}
    changes = []
    for path in changed:
        copy, doc = copies[path], read[path]
        after = DocumentEditor.open(
            copy, key=doc.key, status_words=dict(status_words) or None, limits=limits
        ).postmortem
        before_items = {item.id: item for item in doc.items}
        cells = [
            cell
            for item in after.items
            if item.id in before_items
            for cell in _cells(before_items[item.id], item, by_item.get(item.id))
        ]
        changes.append(
            DocumentChange(
                Path(path),
                copies.before[path],
                copy.read_bytes(),
                cells,
                key=doc.key,
                status_words=dict(status_words),
                limits=limits,
            )
        )
    return changes


def _cells(before: ActionItem, after: ActionItem, plan: ItemPlan | None) -> list[CellChange]:
    """The item's ticket, status and due cells that differ, as text (absent = empty)."""
    found = []
    old_ticket = (before.raw.get("ticket") or "").strip()
    new_ticket = (after.raw.get("ticket") or "").strip()
    if old_ticket != new_ticket:
        why = _why_link(plan)
        found.append(
            CellChange(after.line, after.id, "ticket", old_ticket, new_ticket, why, new_ticket)
        )
    old_status = (before.raw.get("status") or "").strip()
    new_status = (after.raw.get("status") or "").strip()
    if old_status != new_status or before.status != after.status:
        key = plan.ref.key if plan is not None and plan.ref is not None else "the ticket"
        written = plan is not None and plan.doc_status is not None
        why = f"{key} is {after.status.value}" if written else "status column added"
        value = after.status.value
        found.append(CellChange(after.line, after.id, "status", old_status, new_status, why, value))
    old_due = (before.raw.get("due") or "").strip()
    new_due = (after.raw.get("due") or "").strip()
    if old_due != new_due:
        why = "the SLO's due date ([policy] write_derived_due)"
        found.append(CellChange(after.line, after.id, "due", old_due, new_due, why, new_due))
    return found


def _why_link(plan: ItemPlan | None) -> str:
    """The same words whichever run proposes it (a created ticket, a named one, a link
    re-proposed until merged), so an unchanged proposal leaves the pull request alone."""
    return "the item's ticket"
