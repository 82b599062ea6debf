"""Change the cells tracker owns in a postmortem, and nothing else.

The editor keeps the document as its original lines (line endings included) and only
ever replaces text inside one line: a table cell between its pipes, a checkbox, a
`key: value` field of a list item. Adding a column inserts one cell into each row of
that table. So rendering without edits gives back the exact bytes read (BOM, CRLF,
trailing spaces, alignment rows, wide characters), and after an edit every other line
is byte-identical. Two edits reshape one line: a row read from its filled cells
(`|x|\t|prevent|\t|Kim|`) keeps only those when an empty cell is added or one is
cleared, and a list item whose marker line opens another block (`- 1. Add X`) gets its
checkbox or field on a new line before that block.

Every edit is checked: the document is re-parsed, and unless every other item reads
exactly as before and the edited item reads as intended, the edit is undone and
UnsafeEditError (naming file:line) is raised.

Saving is atomic (temporary file in the same folder, fsync, rename, original mode kept)
and refused with StaleDocumentError when the file on disk no longer has the bytes that
were read: someone edited it meanwhile, and their change must not be overwritten.

A list item stores every Status: the checkbox says closed or not and an emoji after it
says more (`- [ ] 🔄 Add X` in progress, `- [x] ❌ Add X` won't do; `- [ ] Add X` open,
`- [x] Add X` done); `1. ✅ Add X` items keep their emoji-only style, and an inline
`status: …` field is rewritten in its own words. Set it with
`set_cell(item_id, "status", Status.IN_PROGRESS.value)`, as for a table row.

Item ids must be computed the same way as the scan that found them: pass `key=`
(the `Postmortem.key` from the scan) or the same `root=` the scan used.
"""

from __future__ import annotations

import copy
import hashlib
import re
from collections.abc import Callable, Mapping
from pathlib import Path

from tracker.docsave import save_if_unchanged
from tracker.model import ActionItem, Postmortem, Status
from tracker.parse import DEFAULT_LIMITS, Limits, parse_with_layout
from tracker.parse.columns import DEFAULT_HEADERS
from tracker.parse.identity import document_key
from tracker.parse.layout import Layout, ListItemLayout, RowLayout, TableLayout, TablePlace
from tracker.parse.lines import BOM, ROW_TRIM, display_width, line_body, row_cells, split_lines
from tracker.parse.lists import field_keys, field_regex
from tracker.parse.reading import LIST_FEEDS, TABLE_FEEDS, describe_change, differences, reading
from tracker.parse.tickets import parse_ticket_refs
from tracker.parse.values import (
    STATUS_EMOJI,
    parse_due,
    parse_owners,
    parse_priority,
    render_status,
)

__all__ = [
    "EDITABLE_COLUMNS",
    "DocumentEditor",
    "UnknownItemError",
    "UnsafeEditError",
    "escape_cell",
    "render_status",
]

EDITABLE_COLUMNS = frozenset({"ticket", "status", "owner", "due", "priority", "action", "type"})
_SPACE_RUN = re.compile(r"\s+")
_MARKER = re.compile(r"^([ \t]*+(?:>[ \t]?+)*+[ \t]*+(?:[-*+]|\d{1,9}[.)]))([ \t]+|$)")
_CHECKBOX_AFTER_MARKER = re.compile(r"\[([ xX]?)\]")
_STATUS_EMOJI = re.compile("[" + "".join(STATUS_EMOJI) + "]\ufe0f?")
_SPACES_AFTER = re.compile(r"[ \t]*")
# A checkbox item's status beyond done/not done: `- [ ] 🔄 Add X`, `- [x] ❌ Add X`.
_LIST_STATUS_MARK = {
    Status.OPEN: ("[ ]", ""),
    Status.IN_PROGRESS: ("[ ]", "🔄"),
    Status.DONE: ("[x]", ""),
    Status.WONT_DO: ("[x]", "❌"),
}
_LIST_FIELD_NAMES = {
    "en": {
        "owner": "owner",
        "due": "due",
        "priority": "priority",
        "type": "type",
        "status": "status",
    },
    "zh": {
        "owner": "负责人",
        "due": "截止",
        "priority": "优先级",
        "type": "类型",
        "status": "状态",
    },
}
# A paragraph item's opening status word (`**TODO** Add X`, `DONE: Add X`, `[DONE] Add X`).
_OPENING_WORD = re.compile(r"(\*\*|\[)?(?i:todo|to-do|done|doing|wip)(?=\*\*|\]|\s*+[:：])")
_OPENING_TEXT = {Status.OPEN: "TODO", Status.IN_PROGRESS: "DOING", Status.DONE: "DONE"}


class UnknownItemError(KeyError):
    """No item with that id in the document (it was reworded or removed)."""


class UnsafeEditError(ValueError):
    """An edit would change how another item reads (or not say what it should): the
    editor undid it. The message names the file and line."""


Intent = Callable[[ActionItem], str | None]  # what the edited item must read: None if it does


def escape_cell(value: str) -> str:
    """Text that stays inside one table cell: newlines become spaces, `|` is escaped."""
    return _SPACE_RUN.sub(_one_line, value).strip().replace("|", "\\|")


def _one_line(space: re.Match[str]) -> str:
    """A run of whitespace holding a line break becomes one space; others stay."""
    run = space[0]
    return " " if "\n" in run or "\r" in run else run


def _fit(old: str, text: str, *, opened: bool, closed: bool) -> str:
    """`text` in place of cell text `old`, padded like it so aligned columns stay aligned.

    A row without outer pipes needs one added when its first or last cell becomes
    empty: otherwise that cell would vanish and the others shift.
    """
    if not opened:  # first cell of a row without a leading pipe: never pad (indent)
        return (text + (" " if old[-1:].isspace() else "")) if text else "| "
    if not closed:  # last cell of a row without a trailing pipe
        lead = old[: len(old) - len(old.lstrip())] or " "
        return lead + text if text else " |"
    if not old.strip():
        lead, padded = " ", True
    else:
        lead, padded = old[: len(old) - len(old.lstrip())], old[-1].isspace()
    if not padded:
        return lead + text
    width = display_width(old) - display_width(lead + text)
    return lead + text + " " * max(1, width)


def _as_status(value: str) -> Status | None:
    try:
        return Status(value)
    except ValueError:
        return None


class DocumentEditor:
    """One document opened for editing: `set_cell`, `ensure_column`, `set_checkbox`, `save`.

    `postmortem` is the document as opened; ids stay valid for every later edit (even
    one that rewords the action), so a caller can apply all its edits, then save once.
    """

    def __init__(
        self,
        path: Path,
        data: bytes,
        postmortem: Postmortem,
        layout: Layout,
        *,
        status_words: Mapping[str, str] | None = None,
        limits: Limits = DEFAULT_LIMITS,
    ) -> None:
        self.path = path
        self.postmortem = postmortem
        self._layout = layout
        self._status_words = status_words
        self._limits = limits
        self._readings = [reading(item) for item in postmortem.items]
        self._positions = {item.id: index for index, item in enumerate(postmortem.items)}
        self._original = data
        self._sha256 = hashlib.sha256(data).hexdigest()
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError:
            text = None
        self._editable = text is not None and b"\x00" not in data[:8192]
        self._bom = text is not None and text.startswith(BOM)
        body = (text[1:] if self._bom else text) if text is not None else ""
        self._lines = split_lines(body)

    @classmethod
    def open(
        cls,
        path: Path | str,
        *,
        key: str | None = None,
        root: Path | str | None = None,
        status_words: Mapping[str, str] | None = None,
        limits: Limits = DEFAULT_LIMITS,
    ) -> DocumentEditor:
        """Read the file's bytes once, parse them, remember their sha256.

        A document over `limits` opens with no items (and the parser's warning).
        """
        file = Path(path)
        data = file.read_bytes()
        doc_key = key if key is not None else document_key(file, root)
        postmortem, layout = parse_with_layout(
            data, str(path), key=doc_key, status_words=status_words, limits=limits
        )
        return cls(file, data, postmortem, layout, status_words=status_words, limits=limits)

    # ---------------------------------------------------------------- edits

    def set_cell(self, item_id: str, column: str, value: str) -> None:
        """Set (or clear, with "") one field of an item, in the document's own style.

        A status given as a Status value ("done", "in_progress" …) is written in the
        table's vocabulary (see `render_status`); other text is written as given. A
        table lacking the column gets it first (`ensure_column`).
        """
        if column not in EDITABLE_COLUMNS:
            raise ValueError(
                f"unknown column {column!r}; expected one of {sorted(EDITABLE_COLUMNS)}"
            )
        place = self._place(item_id)
        index = self._positions[item_id]
        if isinstance(place, TablePlace):
            table_place = place
            self._guarded(
                f"writing its {column}",
                lambda: self._set_table_cell(table_place, column, value),
                edited=index,
                intent=_table_intent(column, value),
                allowed=TABLE_FEEDS[column],
                edited_raw=column,
            )
        else:
            list_place = place
            self._guarded(
                f"writing its {column}",
                lambda: self._set_list_field(list_place, column, value),
                edited=index,
                intent=_list_intent(column, value),
                allowed=LIST_FEEDS.get(column, frozenset({"raw"})),
            )

    def ensure_column(self, table_index: int, column: str, header: str | None = None) -> None:
        """Add `column` to a table (header, delimiter row, every row) unless it has it.

        The header defaults to the table's language: Ticket/工单, Status/状态 …
        """
        table = self._table(table_index)
        if column not in table.columns:
            self._guarded(
                f"adding a {column} column",
                lambda: self._add_column(table, column, header, {}),
                edited=None,
            )

    def _add_column(
        self, table: TableLayout, column: str, header: str | None, fill: dict[int, str]
    ) -> None:
        """Insert one cell per row after the last column; `fill` gives some rows a value."""
        title = escape_cell(header or DEFAULT_HEADERS[table.language].get(column, column.title()))
        width = max(3, display_width(title))
        last = len(table.headers) - 1
        tracked = {row.line: row for row in table.rows}
        for line in range(table.start, table.end):
            if "|" not in self._lines[line]:
                continue  # not a row a reader sees (kept out of the table when parsing)
            row = tracked.get(line)
            if line == table.start:
                text = title
            elif line == table.delimiter_line:
                text = "-" * width
            else:
                text = fill.get(line, "")
            if row is not None and not text and row.cells != list(range(len(row.cells))):
                self._keep_read_cells(row, table.quoted)
            after = row.cells[last] if row is not None and row.cells[last] >= 0 else last
            self._pad_row(line, after + 1, table.quoted)
            position = self._insert_cell(line, after, text, width, table.quoted)
            if row is not None:
                if row.cells[last] < 0:
                    row.cells[last] = last
                row.cells.append(position)
        table.headers.append(title)
        table.columns[column] = last + 1

    def _keep_read_cells(self, row: RowLayout, quoted: bool) -> None:
        """Drop the blank cells a row with surplus cells is read without.

        `|x|\t|prevent|\t|Kim|` under a three-column header is read from its filled
        cells only, a rule that holds while the filled cells number the header's columns.
        A new empty cell (or a cleared one) would break it and shift the row's reading,
        so the row first keeps just the cells it is read from, each byte for byte.
        """
        line = self._lines[row.line]
        spans = row_cells(line, quoted=quoted)
        kept = [spans[index] for index in row.cells if index >= 0]
        if len(kept) == len(spans):
            return
        cells = "|".join(line[start:end] for start, end in kept)
        self._lines[row.line] = line[: spans[0][0]] + cells + line[spans[-1][1] :]
        row.cells = [position if index >= 0 else -1 for position, index in enumerate(row.cells)]

    def set_checkbox(self, item_id: str, checked: bool) -> None:
        """Tick or untick a list item's `[ ]`; a bullet without one gets one.

        An item marked with a status emoji instead (`1. ✅ Add X`) keeps that style:
        ticking writes ✅, unticking a ✅ writes 📋 (other emoji already mean "not done").
        """
        place = self._place(item_id)
        if not isinstance(place, ListItemLayout):
            raise ValueError(f"item {item_id} is a table row, not a list item")

        def ticked(item: ActionItem) -> str | None:
            if (item.status is Status.DONE) == checked:
                return None
            return f"it would read {item.status.value}"

        self._guarded(
            "ticking it" if checked else "unticking it",
            lambda: self._tick(place, checked),
            edited=self._positions[item_id],
            intent=ticked,
            allowed={"status", "raw"},
        )

    # ---------------------------------------------------------------- output

    def render(self) -> bytes:
        """The document's bytes with the edits made so far (the original bytes if none)."""
        if not self._editable:
            return self._original
        text = (BOM if self._bom else "") + "".join(self._lines)
        return text.encode("utf-8")

    @property
    def changed(self) -> bool:
        return self.render() != self._original

    @property
    def sha256(self) -> str:
        """The SHA-256 of the bytes on disk as last read or saved by this editor."""
        return self._sha256

    def save(self, *, before_replace: Callable[[], None] | None = None) -> bool:
        """Write atomically; False (nothing written) when there is no change.

        Raises StaleDocumentError when the file changed on disk since it was read, even
        by an edit landing during the save (see `tracker.docsave`; `before_replace` is
        the seam tests use to land one there).
        """
        data = self.render()
        if data == self._original:
            return False
        save_if_unchanged(self.path, data, read_sha256=self._sha256, before_replace=before_replace)
        self._original = data
        self._sha256 = hashlib.sha256(data).hexdigest()
        return True

    # ---------------------------------------------------------------- checking edits

    def _guarded(
        self,
        what: str,
        apply: Callable[[], None],
        *,
        edited: int | None,
        intent: Intent | None = None,
        allowed: frozenset[str] | set[str] = frozenset(),
        edited_raw: str | None = None,
    ) -> None:
        """Make an edit, re-parse, and undo it unless every other item reads as before
        and the edited one reads as intended (raising UnsafeEditError, naming file:line)."""
        lines, layout = list(self._lines), copy.deepcopy(self._layout)
        try:
            apply()
            problem = self._verify(edited, intent, allowed, edited_raw)
        except BaseException:
            self._lines, self._layout = lines, layout
            raise
        if problem is not None:
            self._lines, self._layout = lines, layout
            subject = self.postmortem.items[edited] if edited is not None else None
            where = f"{self.path}:{subject.line}" if subject else str(self.path)
            name = f" of {subject.action[:60]!r}" if subject else ""
            raise UnsafeEditError(f"{where}: {what}{name} {problem}; not written")

    def _verify(
        self,
        edited: int | None,
        intent: Intent | None,
        allowed: frozenset[str] | set[str],
        edited_raw: str | None,
    ) -> str | None:
        """Why the edited document is unsafe to write, or None (and remember its reading)."""
        postmortem, _ = parse_with_layout(
            self.render(),
            str(self.path),
            key=self.postmortem.key,
            status_words=self._status_words,
            limits=Limits(max_bytes=0, timeout=self._limits.timeout),
        )
        after = postmortem.items
        change = describe_change(self._readings, after, edited=edited)
        if change is not None:
            index, fields = change
            where = f"{self.path}:{after[index].line}" if index < len(after) else "the document"
            return f"would change how the item at {where} reads ({fields})"
        if edited is not None:
            item = after[edited]
            changed = differences(
                self._readings[edited], reading(item), allowed=allowed, edited_raw=edited_raw
            )
            if changed:
                return f"would change its own {', '.join(changed)}"
            wrong = intent(item) if intent is not None else None
            if wrong is not None:
                return f"does not read back: {wrong}"
        self._readings = [reading(item) for item in after]
        return None

    # ---------------------------------------------------------------- internals

    def _place(self, item_id: str) -> TablePlace | ListItemLayout:
        if not self._editable or item_id not in self._layout.places:
            raise UnknownItemError(f"no action item {item_id!r} in {self.path}")
        return self._layout.places[item_id]

    def _table(self, table_index: int) -> TableLayout:
        for table in self._layout.tables:
            if table.index == table_index:
                return table
        raise ValueError(f"{self.path} has no action table number {table_index}")

    def _set_table_cell(self, place: TablePlace, column: str, value: str) -> None:
        table, row = place.table, place.row
        status = _as_status(value) if column == "status" else None
        if column not in table.columns:
            like = self._status_sample(table) if status is not None else None
            text = render_status(status, like=like, language=table.language) if status else value
            self._add_column(table, column, None, {row.line: escape_cell(text)})
            return
        logical = table.columns[column]
        if status is None and not escape_cell(value):  # a cleared cell: see _keep_read_cells
            self._keep_read_cells(row, table.quoted)
        if row.cells[logical] < 0:
            self._pad_row(row.line, logical + 1, table.quoted)
            row.cells[logical] = logical
        physical = row.cells[logical]
        line = self._lines[row.line]
        start, end = row_cells(line, quoted=table.quoted)[physical]
        old = line[start:end]
        text = value
        if status is not None:
            like = old if old.strip() else self._status_sample(table)
            text = render_status(status, like=like, language=table.language)
        body = line_body(line)
        opened = start > 0 and body[start - 1] == "|"
        closed = end < len(body) and body[end] == "|"
        new = _fit(old, escape_cell(text), opened=opened, closed=closed)
        self._lines[row.line] = line[:start] + new + line[end:]

    def _status_sample(self, table: TableLayout) -> str | None:
        """Some status cell of the table, so a new status follows the table's style."""
        logical = table.columns.get("status")
        if logical is None:
            return None
        for row in table.rows:
            physical = row.cells[logical]
            spans = row_cells(self._lines[row.line], quoted=table.quoted)
            if 0 <= physical < len(spans):
                start, end = spans[physical]
                text = self._lines[row.line][start:end].strip()
                if text:
                    return text
        return None

    def _pad_row(self, line_no: int, count: int, quoted: bool) -> None:
        """Give a short row empty cells until it has `count` of them."""
        while True:
            line = self._lines[line_no]
            spans = row_cells(line, quoted=quoted)
            if len(spans) >= count:
                return
            body = line_body(line)
            content_end = len(body.rstrip(ROW_TRIM))
            trailing_pipe = bool(spans) and content_end > 0 and body[content_end - 1] == "|"
            insert = "  |" if trailing_pipe else " |  |"
            self._lines[line_no] = line[:content_end] + insert + line[content_end:]

    def _insert_cell(self, line_no: int, after: int, text: str, width: int, quoted: bool) -> int:
        """Insert a cell right after physical cell `after`; return the new cell's index.

        Rows with a closing pipe get ` text |` padded to `width`; rows without one get
        ` | text` (an empty cell there needs a closing pipe to exist at all).
        """
        line = self._lines[line_no]
        spans = row_cells(line, quoted=quoted)
        end = spans[after][1]
        body = line_body(line)
        padded = text + " " * max(0, width - display_width(text))
        if end < len(body) and body[end] == "|":
            insert_at, cell = end + 1, f" {padded} |"
        elif text:
            insert_at, cell = end, f" | {text}"
        else:
            insert_at, cell = end, f" | {padded} |"
        self._lines[line_no] = line[:insert_at] + cell + line[insert_at:]
        return after + 1

    def _set_list_field(self, place: ListItemLayout, column: str, value: str) -> None:
        text = escape_cell(value).replace("\\|", "|")
        if column == "status":
            status = _as_status(value)
            if status is None:
                raise ValueError(f"list items take a Status for 'status', not {value!r}")
            self._set_list_status(place, status)
            return
        if column == "action":
            raise ValueError("a list item's action text is not rewritten")
        for line_no in range(place.text_start, place.text_end) if place.paragraph else ():
            line = self._lines[line_no]
            for match in field_regex().finditer(line):
                if field_keys().get(match["key"].casefold()) == column:
                    start, end = match.span("value")
                    old = match["value"]
                    trail = old[len(old.rstrip()) :]
                    self._lines[line_no] = line[:start] + text + trail + line[end:]
                    return
        self._append_list_field(place, column, text)

    def _append_list_field(self, place: ListItemLayout, column: str, text: str) -> None:
        """Add `(TICKET)` or `— owner: x` (`, due: …` after other fields) to the item's text."""
        last = place.text_end - 1
        line = self._lines[last]
        body = line_body(line)
        content_end = len(body.rstrip())
        paragraph = "".join(self._lines[place.text_start : place.text_end])
        if column == "ticket":
            wanted = {ref.key for ref in parse_ticket_refs(text)}
            if wanted and wanted <= {ref.key for ref in parse_ticket_refs(paragraph)}:
                return  # already named: writing it again must change nothing
            addition = f" ({text})"
        else:
            name = _LIST_FIELD_NAMES[place.language][column]
            colon = "：" if place.language == "zh" else ": "
            joiner = "，" if place.language == "zh" else ", "
            separator = joiner if " — " in paragraph or field_regex().search(paragraph) else " — "
            addition = f"{separator}{name}{colon}{text}"
        if not place.paragraph:
            self._open_paragraph(place, addition.strip(" ,，"))
            return
        self._lines[last] = line[:content_end] + addition + line[content_end:]

    def _set_paragraph_status(self, place: ListItemLayout, status: Status) -> None:
        """A paragraph item (no list marker): its opening status word, else a `status:` field."""
        if self._set_status_field(place, status):
            return
        line = self._lines[place.text_start]
        indent = len(line) - len(line.lstrip(" "))
        word = _OPENING_WORD.match(line, indent)
        if word is not None and status in _OPENING_TEXT:
            start = word.start() + len(word[1] or "")
            self._lines[place.text_start] = (
                line[:start] + _OPENING_TEXT[status] + line[word.end() :]
            )
            return
        text = render_status(status, like=None, language=place.language)
        self._append_list_field(place, "status", text)

    def _set_list_status(self, place: ListItemLayout, status: Status) -> None:
        """Write `status` so that parsing the item gives it back (see the module docstring)."""
        if not place.marker:
            self._set_paragraph_status(place, status)
            return
        if not place.paragraph:
            mark, symbol = _LIST_STATUS_MARK[status]
            self._open_paragraph(place, mark + (" " + symbol if symbol else ""))
            return
        has_field = self._set_status_field(place, status)
        line = self._lines[place.marker_line]
        marker = _MARKER.match(line_body(line))
        if marker is None:
            raise ValueError(f"{self.path}:{place.marker_line + 1}: no list marker")
        rest = marker.end()
        box = _CHECKBOX_AFTER_MARKER.match(line, rest)
        emoji = _STATUS_EMOJI.match(line, box.end() + len(_gap(line, box.end())) if box else rest)
        if box is None and emoji is not None:  # `1. ✅ Add X`: the emoji is the status
            if STATUS_EMOJI[emoji[0][0]] is not status:
                symbol = render_status(status, like=emoji[0], language="en").split(" ", 1)[0]
                self._lines[place.marker_line] = (
                    line[: emoji.start()] + symbol + line[emoji.end() :]
                )
            return
        if box is None and has_field:
            return  # `- Add X, status: Done`: the field alone says it
        mark, symbol = _LIST_STATUS_MARK[status]
        if has_field:
            symbol = ""  # the field says it; the box only says closed or not
        elif emoji is not None and STATUS_EMOJI[emoji[0][0]] is status:
            symbol = emoji[0]  # already says it: keep it as written
        if box is not None and emoji is None and not symbol:  # only the box changes
            self._lines[place.marker_line] = line[: box.start()] + mark + line[box.end() :]
            return
        gap = " "
        if box is not None:
            start, gap = box.start(), _gap(line, box.end()) or " "
            body_at = emoji.end() if emoji is not None else box.end()
            body_at += len(_gap(line, body_at))
        elif marker[2]:  # `- Add X`
            start = body_at = rest
        else:  # a bare `-`
            start, body_at, mark = marker.end(1), rest, " " + mark
        body = line[body_at:]
        prefix = mark + (gap + symbol if symbol else "") + (gap if body.strip() else "")
        self._lines[place.marker_line] = line[:start] + prefix + body

    def _open_paragraph(self, place: ListItemLayout, text: str) -> None:
        """Give an item whose marker line opens another block (`- 1. Add X`, `- # Add X`)
        a first line of its own holding `text`, the block moving to the next line.

        Written after the marker, `[ ]` would turn that block into the item's text and
        reword it; on a line of its own it is the item's (otherwise empty) paragraph and
        the block stays the item's detail, so the item reads as before plus `text`.
        """
        line = self._lines[place.marker_line]
        marker = _MARKER.match(line_body(line))
        if marker is None:
            raise ValueError(f"{self.path}:{place.marker_line + 1}: no list marker")
        body = line_body(line)
        ending = line[len(body) :]
        head = line[: marker.end(1)] + " " + text + (ending or "\n")
        block = body[marker.end() :]
        self._lines[place.marker_line] = head
        if block.strip():
            indent = re.sub(r"[^\t>]", " ", line[: marker.end()])
            self._lines.insert(place.marker_line + 1, indent + block + ending)
            self._shift_lines(after=place.marker_line)
        elif not ending:
            self._lines[place.marker_line] = head[:-1]
        place.paragraph = True
        place.text_start, place.text_end = place.marker_line, place.marker_line + 1

    def _shift_lines(self, after: int) -> None:
        """Move every place below line `after` one line down (a line was inserted)."""
        for table in self._layout.tables:
            table.start += table.start > after
            table.end += table.end > after
            for row in table.rows:
                row.line += row.line > after
        for place in self._layout.places.values():
            if isinstance(place, ListItemLayout):
                place.marker_line += place.marker_line > after
                place.text_start += place.text_start > after
                place.text_end += place.text_end > after

    def _set_status_field(self, place: ListItemLayout, status: Status) -> bool:
        """Rewrite an inline `status: …` field in its own words; False when there is none."""
        for line_no in range(place.text_start, place.text_end):
            line = self._lines[line_no]
            for match in field_regex().finditer(line):
                if field_keys().get(match["key"].casefold()) != "status":
                    continue
                start, end = match.span("value")
                old = match["value"]
                text = render_status(status, like=old, language=place.language)
                trail = old[len(old.rstrip()) :]
                self._lines[line_no] = line[:start] + text + trail + line[end:]
                return True
        return False

    def _tick(self, place: ListItemLayout, checked: bool) -> None:
        if not place.marker:
            self._set_paragraph_status(place, Status.DONE if checked else Status.OPEN)
            return
        if not place.paragraph:
            self._open_paragraph(place, "[x]" if checked else "[ ]")
            return
        line = self._lines[place.marker_line]
        marker = _MARKER.match(line_body(line))
        if marker is None:
            raise ValueError(f"{self.path}:{place.marker_line + 1}: no list marker")
        mark = "[x]" if checked else "[ ]"
        rest = marker.end()
        box = _CHECKBOX_AFTER_MARKER.match(line, rest)
        emoji = _STATUS_EMOJI.match(line, rest)
        if box is None and emoji is not None:  # `1. ✅ Add X`: the emoji is the checkbox
            was_done = STATUS_EMOJI[emoji[0][0]] is Status.DONE
            if checked != was_done:
                symbol = "✅" if checked else "📋"
                self._lines[place.marker_line] = (
                    line[: emoji.start()] + symbol + line[emoji.end() :]
                )
            return
        if box is not None:
            self._lines[place.marker_line] = line[: box.start()] + mark + line[box.end() :]
            emoji = _STATUS_EMOJI.match(line, box.end() + len(_gap(line, box.end())))
            if emoji is not None and (STATUS_EMOJI[emoji[0][0]] is Status.DONE) != checked:
                self._set_list_status(place, Status.DONE if checked else Status.OPEN)
        elif marker[2]:
            self._lines[place.marker_line] = line[:rest] + mark + " " + line[rest:]
        else:
            self._lines[place.marker_line] = line[: marker.end(1)] + " " + mark + line[rest:]


def _table_intent(column: str, value: str) -> Intent:
    """The edited row must hold the written text (or, for a Status, read that status)."""
    status = _as_status(value) if column == "status" else None

    def check(item: ActionItem) -> str | None:
        if status is not None:
            return None if item.status is status else f"its status reads {item.status.value}"
        wanted = escape_cell(value)
        got = item.raw.get(column)
        return None if got == wanted else f"its {column} cell reads {got!r}, not {wanted!r}"

    return check


def _list_intent(column: str, value: str) -> Intent | None:
    """The edited list item must read the field as written."""
    text = escape_cell(value).replace("\\|", "|")
    if column == "status":
        status = _as_status(value)
        return lambda item: (
            None if item.status is status else f"its status reads {item.status.value}"
        )
    if column == "ticket":
        wanted = {ref.key for ref in parse_ticket_refs(text)}
        return lambda item: (
            None
            if wanted <= {ref.key for ref in item.tickets}
            else "its tickets lack the one written"
        )
    if column == "owner":
        owners = parse_owners(text)
        return lambda item: None if item.owners == owners else f"its owners read {item.owners}"
    if column == "due":
        due = parse_due(text)[0]
        return lambda item: None if item.due == due else f"its due date reads {item.due}"
    if column == "priority":
        priority = parse_priority(text)
        return lambda item: (
            None if item.priority == priority else f"its priority reads {item.priority}"
        )
    return None


def _gap(line: str, start: int) -> str:
    """The spaces and tabs at `start`."""
    match = _SPACES_AFTER.match(line, start)
    return match[0] if match else ""
