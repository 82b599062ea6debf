"""One action-table row → cell texts and values.

markdown-it pads short rows and drops cells beyond the header; a reader does something
smarter with rows padded by empty tab cells (`|x|\t|prevent|\t|Tufayl Ahmed|`): when the
non-empty cells number exactly the header's columns, those are the row's cells. The
mapping (logical column → physical cell) is kept so the editor writes the same cell.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

from tracker.model import ActionItem, Status
from tracker.parse.lines import row_cells
from tracker.parse.tickets import add_refs, parse_ticket_refs
from tracker.parse.values import parse_due, parse_owners, parse_priority, parse_status, plain

TIME_HEADER = re.compile(r"^(time|date|timestamp|时间|日期)\b", re.IGNORECASE)
_BOLD_SPAN = re.compile(r"\*\*([^*\n]+)\*\*")


@dataclass(slots=True)
class RowCells:
    spans: list[tuple[int, int]]  # every cell of the source line
    physical: list[int]  # cell index for each logical column; -1 when missing
    warnings: list[tuple[str, str]] = field(default_factory=list)


def map_row(source: str, width: int, *, quoted: bool) -> RowCells:
    """Which source cell holds each of the header's `width` columns."""
    spans = row_cells(source, quoted=quoted)
    physical = list(range(min(width, len(spans)))) + [-1] * (width - len(spans))
    row = RowCells(spans, physical)
    if len(spans) != width:
        row.warnings.append(("ragged-row", f"row has {len(spans)} cells, the header has {width}"))
        if len(spans) > width:
            filled = [i for i, (start, end) in enumerate(spans) if source[start:end].strip()]
            if len(filled) == width:
                row.physical = filled
    return row


def cell_texts(
    source: str, row: RowCells, columns: Mapping[str, int], headers: list[str]
) -> tuple[dict[str, str], dict[str, str]]:
    """(canonical column → cell as written, extra header → cell as written)."""

    def text(logical: int) -> str | None:
        index = row.physical[logical]
        if index < 0:
            return None
        start, end = row.spans[index]
        return source[start:end].strip()

    raw = {column: text(logical) or "" for column, logical in columns.items()}
    known = set(columns.values())
    extras = {
        header: cell
        for logical, header in enumerate(headers)
        if logical not in known and (cell := text(logical)) is not None
    }
    return raw, extras


def read_values(
    item: ActionItem,
    status_words: Mapping[str, str] | None,
    resolve: Callable[[str], str] = str,
) -> tuple[Status | None, list[tuple[str, str]]]:
    """Fill owners, due, priority, tickets, type from `item.raw`; return the cell's status.

    A status word in bold inside the ticket cell (`[#5](…) **TODO**`, Google SRE style)
    counts when there is no status cell; links in the status cell are tickets too.
    `resolve` writes reference-style links (`[#5][ref]`) inline before tickets are read.
    """
    raw = item.raw
    warnings: list[tuple[str, str]] = []
    item.owners = parse_owners(raw.get("owner", ""))
    due_text = raw.get("due", "")
    item.due, recognised = parse_due(due_text)
    if not recognised:
        warnings.append(("bad-date", f"due date {due_text!r} is not a date"))
    priority_text = raw.get("priority", "")
    item.priority = parse_priority(priority_text)
    if item.priority is None and plain(priority_text):
        warnings.append(("unknown-priority", f"priority {priority_text!r} is not P0-P4"))
    ticket_text, status_text = raw.get("ticket", ""), raw.get("status", "")
    item.tickets = parse_ticket_refs(resolve(ticket_text))
    status = parse_status(status_text, status_words) if status_text else None
    if status is None and plain(status_text):
        warnings.append(("unknown-status", f"status {status_text!r} is not a known word"))
    if status_text:
        add_refs(item.tickets, parse_ticket_refs(resolve(status_text)), known_only=True)
    if status is None:
        for bold in _BOLD_SPAN.findall(ticket_text):
            status = parse_status(bold, status_words)
            if status is not None:
                break
    item.type = plain(raw.get("type", "")) or None
    return status, warnings
