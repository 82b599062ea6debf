"""Writing ticket links and statuses back into the documents, through the editor.

Only the ticket and status cells of the planned items change, and with `[policy]
write_derived_due` the due cells of undated items (tracker.sync.dues); the editor
guarantees the rest of the file keeps its bytes. A document that changed after this run read it
is skipped whole and retried next run: its items keep their old baselines, so the
next plan asks for the same write again.
"""

from __future__ import annotations

import hashlib
import logging
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from tracker.errors import StaleDocumentError, TrackerError
from tracker.model import ActionItem, Status, TicketRef
from tracker.parse.budget import DEFAULT_LIMITS, Limits

if TYPE_CHECKING:
    from tracker.sync.plan import LocalItem

log = logging.getLogger(__name__)
PLACEHOLDERS = frozenset({"", "-", "—", "n/a", "na", "none", "tbd", "todo", "?", "待定", "无"})


@dataclass(slots=True)  # one per item written: 90,000 on a 100,000-item first sync
class CellEdit:
    """The cells one item wants written; None leaves a cell alone."""

    item_id: str
    ticket: TicketRef | None = None
    replaces: str | None = None  # a ticket key the cell should stop naming (moved ticket)
    status: Status | None = None
    home_repo: str | None = None  # lets `#12` stand for `home/repo#12` in key style
    due: str | None = None  # a derived due date to write into an empty due cell


@dataclass
class WriteOutcome:
    written: set[str] = field(default_factory=set)  # item ids whose cells are in the file
    status_written: set[str] = field(default_factory=set)  # … whose status cell among them
    due_written: set[str] = field(default_factory=set)  # … whose derived due date among them
    due_skipped: dict[str, str] = field(default_factory=dict)  # item id → why no due written
    failed: dict[str, str] = field(default_factory=dict)  # item id → why not (retried)
    notes: dict[str, list[str]] = field(default_factory=lambda: defaultdict(list))
    changed_paths: list[str] = field(default_factory=list)
    hashes: dict[str, str] = field(default_factory=dict)  # path saved → sha256 of its new bytes


def link_text(ref: TicketRef, style: str, home_repo: str | None = None) -> str:
    """How a ticket is written in a cell: `[ENG-12](url)`, `ENG-12` / `#12`, or the URL."""
    label = ref.key
    if "#" in ref.key and home_repo and ref.key.split("#", 1)[0] == home_repo:
        label = "#" + ref.key.split("#", 1)[1]
    if style == "url" and ref.url:
        return ref.url
    if style == "markdown" and ref.url:
        return f"[{label}]({ref.url})"
    return label


def home_repos(locals_: Iterable[LocalItem]) -> dict[str, str]:
    """Item id → the scope its document files tickets in (its target's: the team's or the
    front matter's), where a short `#12` names `scope#12`. It comes from the
    document, never from how this run got the link (created, adopted after a crash,
    resumed), so a link is written the same way whichever path wrote it."""
    homes = {}
    for local in locals_:
        target = local.target
        if target is not None and target.scope:
            homes[local.item.id] = target.scope
    return homes


def ticket_cell(
    current: str, ref: TicketRef, style: str, *, replaces: str | None, home: str | None
) -> str:
    """The new ticket cell: the link alone if the cell was empty (or named the ticket
    being replaced), else the existing text with the link added."""
    text = link_text(ref, style, home)
    existing = current.strip()
    if existing.lower() in PLACEHOLDERS or (replaces and _names(existing, replaces)):
        return text
    return f"{existing}, {text}"


def _names(cell: str, key: str) -> bool:
    """Does the cell name the ticket `key` (ENG-2, acme/app#3, a link the installed
    connectors read as it, or the bare `#3` that stands for it in its own scope)?"""
    from tracker.parse import parse_ticket_refs

    number = "#" + key.rsplit("#", 1)[1] if "#" in key else None
    return any(ref.key == key or (number and ref.key == number) for ref in parse_ticket_refs(cell))


@dataclass(frozen=True)
class DocumentRead:
    """How the run read a document: the editor must derive the same item ids."""

    sha256: str | None
    key: str | None
    status_words: dict[str, str] = field(default_factory=dict)
    limits: Limits = DEFAULT_LIMITS  # the scan's limits: the editor must read it the same way


def write_back(
    edits: Iterable[tuple[str, DocumentRead, CellEdit]],
    *,
    style: str,
    add_missing_columns: bool,
    before_save: Callable[[str, str | None, str], None] | None = None,
) -> WriteOutcome:
    """Apply `(path, how it was read, edit)` triples, one atomic save per document.

    `before_save(path, sha256 read, sha256 to write)` is called just before each save
    that changes a file (`--commit` notes it in the store, so a kill after the save
    still gets it committed by the next run)."""
    from tracker.editor import DocumentEditor

    outcome = WriteOutcome()
    by_path: dict[str, list[CellEdit]] = defaultdict(list)
    reads: dict[str, DocumentRead] = {}
    for path, read, edit in edits:
        by_path[path].append(edit)
        reads[path] = read
    for path, cell_edits in by_path.items():
        ids = [e.item_id for e in cell_edits]
        read = reads[path]
        try:
            editor = DocumentEditor.open(
                Path(path),
                key=read.key,
                status_words=read.status_words or None,
                limits=read.limits,
            )
            if read.sha256 and editor.postmortem.sha256 != read.sha256:
                raise StaleDocumentError(f"{path} changed since it was read")
            items = {item.id: item for item in editor.postmortem.items}
            statuses = [
                edit.item_id
                for edit in cell_edits
                if _apply_edit(
                    editor, items.get(edit.item_id), edit, style, add_missing_columns, outcome
                )
            ]
            _fill_added_status_columns(editor, items, statuses)
            if before_save is not None and editor.changed:
                after = hashlib.sha256(editor.render()).hexdigest()
                before_save(path, editor.postmortem.sha256, after)
            changed = editor.save()
        except StaleDocumentError:
            for item_id in ids:
                outcome.failed[item_id] = f"{path} changed while syncing; written next run"
            continue
        except (TrackerError, OSError, ValueError, KeyError) as error:
            for item_id in ids:
                outcome.failed.setdefault(item_id, f"could not write {path}: {error}")
            continue
        if changed:
            outcome.changed_paths.append(path)
            outcome.hashes[path] = editor.sha256
        outcome.written.update(i for i in ids if i not in outcome.failed)
        outcome.status_written.update(i for i in statuses if i not in outcome.failed)
    return outcome


def remove_leftover_temp_files(paths: Iterable[str]) -> list[str]:
    """Delete the temporary files killed saves left beside these documents; one message
    per file removed. Run under the run lock, so no live save's file is touched."""
    from tracker.docsave import leftover_temp_files

    removed = []
    for folder in sorted({Path(path).parent for path in paths}):
        for leftover in leftover_temp_files(folder):
            try:
                leftover.unlink()
            except OSError as error:
                removed.append(
                    f"{leftover}: left by an interrupted save; could not remove: {error}"
                )
                continue
            removed.append(f"{leftover}: removed (left by an interrupted save)")
    return removed


def _fill_added_status_columns(
    editor: object, items: dict[str, ActionItem], written: list[str]
) -> None:
    """A Status column added for some rows gets every other row's status too, so the
    table never shows blank statuses next to written ones."""
    tables = {
        items[i].table_index
        for i in written
        if i in items and items[i].kind == "table" and "status" not in items[i].raw
    }
    for item in items.values():
        if item.kind == "table" and item.table_index in tables and item.id not in written:
            editor.set_cell(item.id, "status", item.status.value)  # type: ignore[attr-defined]


def _apply_edit(
    editor: object,
    item: ActionItem | None,
    edit: CellEdit,
    style: str,
    add_missing: bool,
    outcome: WriteOutcome,
) -> bool:
    """Make one item's edits; True when its status cell was written."""
    if item is None:
        outcome.failed[edit.item_id] = "the row is no longer in the document"
        return False
    if edit.ticket is not None:
        if "ticket" in item.raw or add_missing:
            value = ticket_cell(
                item.raw.get("ticket", ""),
                edit.ticket,
                style,
                replaces=edit.replaces,
                home=edit.home_repo,
            )
            editor.set_cell(item.id, "ticket", value)  # type: ignore[attr-defined]
        else:
            outcome.notes[item.id].append("no Ticket column and add_missing_columns is off")
    if edit.due is not None:
        _write_due(editor, item, edit.due, add_missing, outcome)
    if edit.status is None:
        return False
    return _write_status(editor, item, edit.status, add_missing, outcome)


def _write_due(
    editor: object, item: ActionItem, due: str, add_missing: bool, outcome: WriteOutcome
) -> None:
    """A derived due date into the item's due cell: a table's Due column (added only with
    add_missing_columns), a list item's `due:` field. An edit the editor finds unsafe
    is undone and noted; the item's other cells are still written."""
    from tracker.editor import UnsafeEditError

    if item.kind == "table" and "due" not in item.raw and not add_missing:
        outcome.due_skipped[item.id] = "no Due column and add_missing_columns is off"
        return
    try:
        editor.set_cell(item.id, "due", due)  # type: ignore[attr-defined]
    except UnsafeEditError as error:
        outcome.due_skipped[item.id] = str(error)
        return
    outcome.due_written.add(item.id)


def _write_status(
    editor: object, item: ActionItem, status: Status, add_missing: bool, outcome: WriteOutcome
) -> bool:
    if item.kind == "list" or "status" in item.raw or add_missing:
        # A list item keeps every status (`- [ ] 🔄 …` in progress, `- [x] ❌ …` won't
        # do; see tracker.editor): a bare checkbox would hold only done / not done, and
        # the next run would read the difference as a document edit.
        editor.set_cell(item.id, "status", status.value)  # type: ignore[attr-defined]
        return True
    outcome.notes[item.id].append("no Status column and add_missing_columns is off")
    return False
