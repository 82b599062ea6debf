"""`tracker scan`'s table: fitted by rich when it is short, streamed page by page when long.

Up to TABLE_PAGE items make one rich table fitted to them. A longer scan streams: the
first page fixes the column widths, and every page is written as it fills, in the same
layout rich uses for an edgeless table (one header, `│` between cells) but laid out
here, line by line: rich spends about 0.4 ms a row, which at 20,000 documents (380,000
items) is minutes; this takes a tenth of that. Memory stays flat either way: a page at
a time, and the warnings wait in a temporary file until the table is done.
"""

from __future__ import annotations

import json
import tempfile
import textwrap
from collections.abc import Iterable
from typing import TYPE_CHECKING

from rich.cells import cell_len, get_character_cell_size
from rich.text import Text

from tracker.cli.scan import derived_due

if TYPE_CHECKING:
    from rich.console import Console

    from tracker.config import PolicyConfig
    from tracker.model import ActionItem, Postmortem

TABLE_PAGE = 1_000  # rows laid out together; a longer scan streams page by page
ACTION_WIDTH = 120  # actions are cut to this many characters in the table
MIN_WIDTH = 20  # a narrow console shrinks the path and action columns down to this
NONE_MARK = "—"
HEADERS = ["file:line", "action", "owners", "due", "status", "tickets"]
OWNERS = 2  # column index: an empty owners cell shows a dimmed NONE_MARK


def _due_cell(doc: Postmortem, item: ActionItem, policy: PolicyConfig | None) -> str:
    """The written due date, else the [policy] SLO's date marked `(SLO)`."""
    if item.due is not None:
        return item.due.isoformat()
    derived = derived_due(doc, item, policy)
    return f"{derived.isoformat()} (SLO)" if derived else ""


def item_cells(
    doc: Postmortem, item: ActionItem, explain: bool, policy: PolicyConfig | None = None
) -> list[str]:
    cells = [
        f"{doc.path}:{item.line}",
        item.action[:ACTION_WIDTH],
        ", ".join(item.owners),
        _due_cell(doc, item, policy),
        item.status.value,
        ", ".join(ref.key for ref in item.tickets),
    ]
    if explain:
        cells.append(item.found_by)
    return cells


def fold(text: str, width: int) -> list[str]:
    """`text` in lines of at most `width` cells: words kept whole where they fit."""
    if cell_len(text) <= width:
        return [text]
    if text.isascii():
        return textwrap.wrap(text, width, break_on_hyphens=False) or [""]
    lines, line, used = [], "", 0
    for char in text:  # CJK and other wide text: cut by display cells
        size = get_character_cell_size(char)
        if used + size > width and line:
            lines.append(line)
            line, used = "", 0
        line += char
        used += size
    return [*lines, line]


def _pad(text: str, width: int) -> str:
    return text + " " * (width - cell_len(text))


def page_widths(headers: list[str], rows: list[list[str]], width: int) -> list[int]:
    """Column widths from the first page: each column's widest cell; the action column
    takes what the console has left (later pages' longer actions then fold less), and a
    narrow console shrinks the action, then the path column, to fit."""
    widths = [max([len(h), *(cell_len(row[i]) for row in rows)]) for i, h in enumerate(headers)]
    chrome = 3 * len(headers) - 1  # a space either side of each cell, a rule between
    spare = width - chrome - sum(widths) + widths[1]
    widths[1] = max(widths[1], min(ACTION_WIDTH, spare))
    excess = chrome + sum(widths) - width
    for column in (1, 0):
        cut = max(0, min(excess, widths[column] - MIN_WIDTH))
        widths[column] -= cut
        excess -= cut
    return widths


def _stream_header(console: Console, headers: list[str], widths: list[int]) -> None:
    cells = " ┃ ".join(_pad(h, w) for h, w in zip(headers, widths, strict=True))
    console.print(Text(f" {cells}".rstrip(), style="bold"), soft_wrap=True)
    console.print("╇".join("━" * (w + 2) for w in widths), soft_wrap=True, highlight=False)


def _stream_rows(console: Console, rows: list[list[str]], widths: list[int]) -> None:
    lines: list[str] = []
    for row in rows:
        if not row[OWNERS]:
            row[OWNERS] = NONE_MARK
        cells = [fold(cell, w) for cell, w in zip(row, widths, strict=True)]
        for k in range(max(len(c) for c in cells)):
            parts = (
                _pad(c[k] if k < len(c) else "", w) for c, w in zip(cells, widths, strict=True)
            )
            lines.append(f" {' │ '.join(parts)}".rstrip())
    console.file.write("\n".join(lines) + "\n")


def _fitted_table(console: Console, headers: list[str], rows: list[list[str]]) -> None:
    from rich.table import Table

    table = Table(show_lines=False, header_style="bold")
    for header in headers:
        table.add_column(header, overflow="fold")
    for row in rows:
        cells = [Text(cell) for cell in row]
        if not row[OWNERS]:
            cells[OWNERS] = Text(NONE_MARK, style="dim")
        table.add_row(*cells)
    console.print(table)


def write_table(
    documents: Iterable[Postmortem],
    console: Console,
    *,
    explain: bool = False,
    policy: PolicyConfig | None = None,
) -> int:
    """The items as a table, then the warnings and a summary; return the warning count.

    `explain` adds a `found by` column: the parser rule that made each line an item;
    `policy` shows an undated item's SLO date.
    """
    headers = [*HEADERS, "found by"] if explain else HEADERS
    page: list[list[str]] = []
    widths: list[int] | None = None
    items = documents_seen = problems = 0
    with tempfile.TemporaryFile("w+", encoding="utf-8") as warnings:
        for doc in documents:
            documents_seen += 1
            for item in doc.items:
                items += 1
                page.append(item_cells(doc, item, explain, policy))
                if len(page) == TABLE_PAGE:
                    if widths is None:
                        widths = page_widths(headers, page, console.width)
                        _stream_header(console, headers, widths)
                    _stream_rows(console, page, widths)
                    page = []
            for warning in doc.warnings:
                problems += 1
                warnings.write(json.dumps(str(warning)) + "\n")  # one line, whatever it says
        if page and widths is None:
            _fitted_table(console, headers, page)
        elif page and widths is not None:
            _stream_rows(console, page, widths)
        warnings.seek(0)
        for line in warnings:
            console.print(
                Text.assemble(("warning:", "yellow"), " ", json.loads(line)), soft_wrap=True
            )
    console.print(
        f"{items} action item{'s' * (items != 1)} in {documents_seen} "
        f"document{'s' * (documents_seen != 1)}, {problems} "
        f"warning{'s' * (problems != 1)}"
    )
    return problems
