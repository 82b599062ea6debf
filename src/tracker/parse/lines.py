"""Source lines and table-row cells, located exactly as markdown-it sees them.

The editor changes documents by replacing byte ranges inside single lines, so it needs
the same line breaks (CRLF, LF, lone CR) and the same cell boundaries (escaped pipes)
that markdown-it-py's GFM table rule uses; everything else in the line stays untouched.
"""

from __future__ import annotations

import re
import unicodedata

from markdown_it.common.utils import MD_TRIM_CHARS

BOM = "\ufeff"
# What markdown-it trims off a table line: spaces, tabs and Unicode spaces (NBSP …).
ROW_TRIM = MD_TRIM_CHARS
_LINE_BREAK = re.compile(r"\r\n|\r|\n")
_CJK = re.compile(r"[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af\uf900-\ufaff]")


def split_lines(text: str) -> list[str]:
    """Split keeping each line's own ending, so `"".join(lines) == text` always holds.

    Unlike `str.splitlines`, only CR, LF and CRLF break lines: the same rule markdown-it
    applies, so line numbers agree with token maps.
    """
    lines: list[str] = []
    start = 0
    for match in _LINE_BREAK.finditer(text):
        lines.append(text[start : match.end()])
        start = match.end()
    if start < len(text):
        lines.append(text[start:])
    return lines


def line_body(line: str) -> str:
    """The line without its line ending."""
    return line.rstrip("\r\n")


def row_cells(line: str, *, quoted: bool = False) -> list[tuple[int, int]]:
    """Spans (start, end) of each cell's raw text (padding included) in one table row.

    Mirrors markdown-it's `escapedSplit`: a `|` right after a backslash is content, and
    one leading and one trailing pipe are row delimiters, not empty cells. The line is
    trimmed as markdown-it trims it (a non-breaking space before the first pipe is not a
    cell). `quoted` skips blockquote markers in front of the row.
    """
    body = line_body(line)
    start = len(body) - len(body.lstrip(ROW_TRIM + ">" if quoted else ROW_TRIM))
    end = len(body.rstrip(ROW_TRIM))
    if start >= end:
        return []
    spans: list[tuple[int, int]] = []
    cell_start = start
    for pos in range(start, end):
        if body[pos] == "|" and not (pos > start and body[pos - 1] == "\\"):
            spans.append((cell_start, pos))
            cell_start = pos + 1
    spans.append((cell_start, end))
    if spans and spans[0][0] == spans[0][1] and body[start] == "|":
        spans.pop(0)
    if spans and spans[-1][0] == spans[-1][1] and body[end - 1] == "|":
        spans.pop()
    return spans


def display_width(text: str) -> int:
    """Columns `text` takes in a monospaced editor: East Asian wide characters count 2."""
    width = 0
    for char in text:
        if unicodedata.combining(char):
            continue
        width += 2 if unicodedata.east_asian_width(char) in "WF" else 1
    return width


def has_cjk(text: str) -> bool:
    return _CJK.search(text) is not None
