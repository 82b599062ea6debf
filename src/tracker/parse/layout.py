"""Where each parsed item lives in the source lines: what the editor needs to change it.

Line numbers here are 0-based indexes into `split_lines(text)`; ActionItem.line is the
1-based number people see.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(slots=True)
class RowLayout:
    line: int
    cells: list[int]  # physical cell index for each logical column; -1 when the row lacks it


@dataclass(slots=True)
class TableLayout:
    index: int  # position among all tables of the document, 0-based
    start: int  # header line
    end: int  # one past the last row
    headers: list[str]
    columns: dict[str, int]  # canonical column → logical index
    language: str  # "en" or "zh": vocabulary for new headers and statuses
    quoted: bool  # inside a blockquote: rows start with `>`
    rows: list[RowLayout] = field(default_factory=list)

    @property
    def delimiter_line(self) -> int:
        return self.start + 1


@dataclass(slots=True)
class ListItemLayout:
    marker_line: int  # line of the `-`/`1.` marker
    text_start: int  # first and one-past-last line of the item's first paragraph
    text_end: int
    language: str
    paragraph: bool = True  # False: the marker line opens another block (`- 1. X`, `- # X`)
    marker: bool = True  # False: a paragraph item (`**Action taken:** X`, `TODO: X`), no `-`/`1.`


@dataclass(slots=True)
class TablePlace:
    table: TableLayout
    row: RowLayout


Place = TablePlace | ListItemLayout


@dataclass(slots=True)
class Layout:
    tables: list[TableLayout] = field(default_factory=list)
    places: dict[str, Place] = field(default_factory=dict)  # item id → where it is
