"""One Markdown document → Postmortem (+ the Layout the editor needs), in one token pass.

The text is tokenized once by a shared markdown-it-py instance (CommonMark + GFM tables
+ strikethrough + front matter); the walk below only looks at headings, top-level
paragraphs, tables and top-level lists, so code fences and everything else are skipped
without being looked at; HTML blocks only in documents that mention `tracker:`, for the
writers' markers (`tracker.parse.rules`). Cell and list text comes from the inline
children markdown-it already built: nothing is parsed twice.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cache, cached_property

from markdown_it import MarkdownIt
from markdown_it.common.utils import normalizeReference
from markdown_it.token import Token
from mdit_py_plugins.front_matter import front_matter_plugin

from tracker.model import ActionItem, ParseWarning, Postmortem, Status
from tracker.parse import blocks, metadata
from tracker.parse.budget import DEFAULT_LIMITS, BudgetExceeded, Clock, Limits, timeout_message
from tracker.parse.columns import is_action_table, map_columns
from tracker.parse.compact import compact_item
from tracker.parse.identity import item_id, normalise_action
from tracker.parse.layout import Layout, ListItemLayout, Place, RowLayout, TableLayout, TablePlace
from tracker.parse.lines import BOM, has_cjk, split_lines
from tracker.parse.lists import ListFields, list_action, parse_list_item
from tracker.parse.rules import (
    ACTIONS,
    BOLD_LABEL,
    IGNORE,
    MARKER_HINT,
    SECTION_PARAGRAPH,
    STATUS_WORD,
    block_marker,
    ignores_line,
    list_rule,
    table_rule,
)
from tracker.parse.sections import heading_status, is_action_heading, is_non_action_heading
from tracker.parse.tables import TIME_HEADER, cell_texts, map_row, read_values
from tracker.parse.text import clean_inline_text, status_in_prose, status_in_text, tidy
from tracker.parse.tickets import add_refs, parse_ticket_refs
from tracker.parse.values import parse_status, plain

_CJK_CHAR = re.compile(r"[\u4e00-\u9fff]")
_LATIN_WORD = re.compile(r"[A-Za-z]{2,}")
_BOLD_ONLY = re.compile(r"^\*\*([^*\n]+)\*\*\s*+[:：]?\s*+$")
# `[label][ref]` / `[label][]`: a reference-style link (its definition is in `env`).
_REFERENCE_LINK = re.compile(r"\[([^\[\]\n]*+)\]\[([^\[\]\n]*+)\]")
# No character any enabled inline rule starts at (escape, code, emphasis, strikethrough,
# link, image, autolink, HTML, entity): the inline pass would give one text token.
# One line only: a line break may be a hard break.
_INLINE_PLAIN = re.compile(r"[^\\`*_~\[\]!<&\n]*+\Z")


@cache
def markdown() -> MarkdownIt:
    """The tokenizer configuration: CommonMark + GFM tables + strikethrough + front matter.

    Building MarkdownIt is far dearer than using it, so there is one per process.
    """
    return (
        MarkdownIt("commonmark", {"html": True})
        .enable(["table", "strikethrough"])
        .use(front_matter_plugin)
    )


@cache
def _block_markdown() -> MarkdownIt:
    """`markdown()` without the core `inline` pass: inline content is tokenized on demand.

    Most of a postmortem is prose the scan never looks inside; only headings, table
    cells and action list items need their inline tokens, and `_Walker.text_of` builds
    them (once per token, with the same rules and the same link references).
    """
    return (
        MarkdownIt("commonmark", {"html": True})
        .enable(["table", "strikethrough"])
        .use(front_matter_plugin)
        .disable("inline")
    )


def inline_text(token: Token) -> str:
    """An inline token's text with Markdown undone (escapes, emphasis, link targets)."""
    parts: list[str] = []
    for child in token.children or ():
        kind = child.type
        if kind in ("text", "code_inline", "text_special"):
            parts.append(child.content)
        elif kind in ("softbreak", "hardbreak"):
            parts.append(" ")
        elif kind == "image":
            parts.append(child.content)
        elif kind == "html_inline" and child.content[:3].lower() == "<br":
            parts.append(" ")
    return " ".join("".join(parts).split())


@dataclass(slots=True)
class _Section:
    level: int
    language: str
    base_status: Status | None  # from the heading, e.g. "Immediate actions (completed)"
    status: Status | None = None  # the heading's or the current sub-heading's
    label_status: Status | None = None  # from a bold lead line, e.g. "**In progress:**"
    suspended: bool = False  # inside a "Timeline"/"Notes" sub-heading
    bold_numbered: bool = False  # last list was `1. **Title**` items (PostHog style)
    has_table: bool = False  # a section with an action table: its plain lists explain it
    origin: str = "heading"  # or "label" (`**Follow-ups:**`), "marker" (tracker:actions)
    parent: _Section | None = None  # the section a marked sub-section or a label sits in
    once: bool = False  # a label's scope: only the next block (list or paragraph)
    pending: bool = False  # after a label alone on its line: the next paragraph is an item
    sub: bool = False  # under one of its sub-headings
    sub_blocks: bool = False  # the current sub-heading already has a list or table
    body: int = 0  # paragraphs read in the section's own text, before any sub-heading
    body_blocks: bool = False  # the section's own text has a list or table
    tentative: list[_Draft] = field(default_factory=list)  # sub-heading paragraphs so far
    opened_at: int = 0  # the block number of the label that opened its scope


@dataclass(slots=True)
class _Draft:
    item: ActionItem
    place: Place
    warnings: list[tuple[str, str]] = field(default_factory=list)
    section: _Section | None = None
    tracked: bool = False  # a list item with a checkbox, status emoji or owner/due field
    dropped: bool = False  # a sub-heading paragraph whose sub-section turned out to hold a list
    legacy_action: str | None = None  # the action as the previous release read it


class _Walker:
    def __init__(
        self, text: str, path: str, status_words: Mapping[str, str] | None, clock: Clock
    ) -> None:
        self.clock = clock
        self.text = text
        self.path = path
        self.status_words = status_words
        self.doc = Postmortem(path=path)
        self.layout = Layout()
        self.drafts: list[_Draft] = []
        self.meta: dict[str, object] = {}
        self.meta_heading: str | None = None  # after `## Date`: its first line is the date
        self.section: _Section | None = None
        self.table_count = 0
        self.md = _block_markdown()
        self.env: dict[str, object] = {}
        self.markers = MARKER_HINT in text  # only then look for writers' markers
        self.heading: tuple[int, str] | None = None  # the last heading: level, text
        self.blocks = 0  # lists, tables and paragraphs seen: a label's scope is the next one

    @cached_property
    def lines(self) -> list[str]:
        """Source lines, split only for documents that have a table to read."""
        return split_lines(self.text)

    # ---------------------------------------------------------------- driver

    def text_of(self, token: Token) -> str:
        """An inline token's text with Markdown undone, tokenizing its inline content first.

        Text without any character an inline rule starts at (most table cells and
        headings) would come back as one text token: its words are the answer as is.
        """
        content = token.content
        if not token.children and content and _INLINE_PLAIN.match(content) is not None:
            token.children = [Token("text", "", 0, content=content)]  # what the pass would give
            return " ".join(content.split())
        if not token.children and content:
            self.clock.check(token.map[0] + 1 if token.map else 1)
            token.children = []
            self.md.inline.parse(token.content, self.md, self.env, token.children)
        return inline_text(token)

    def clean_of(self, token: Token) -> str:
        """An inline token's action text: link words, URLs, alt text left out (parse.text)."""
        self.text_of(token)
        return clean_inline_text(token.children or ())

    def resolved(self, raw: str) -> str:
        """`raw` with reference-style links written inline, from markdown-it's definitions,
        so ticket parsing sees `[#294](https://…/issues/294)`, not a bare `#294`."""
        references = self.env.get("references")
        if not references or "][" not in raw:
            return raw
        assert isinstance(references, dict)

        def inline(match: re.Match[str]) -> str:
            definition = references.get(normalizeReference(match[2] or match[1]))
            if not isinstance(definition, dict) or not definition.get("href"):
                return match[0]
            return f"[{match[1]}]({definition['href']})"

        return _REFERENCE_LINK.sub(inline, raw)

    def walk(self) -> None:
        tokens = self.md.parse(self.text, self.env)
        count = len(tokens)
        quoted = 0
        index = 0
        ignore = False  # a `<!-- tracker:ignore -->` block came just before this token
        while index < count:
            token = tokens[index]
            kind = token.type
            if token.map is not None:
                self.clock.check(token.map[0] + 1)
            if ignore and kind != "blockquote_open":
                ignore = False
                if kind in ("table_open", "bullet_list_open", "ordered_list_open"):
                    self.table_count += kind == "table_open"  # later tables keep their index
                    index = _close(tokens, index, kind.replace("_open", "_close")) + 1
                    continue
            if kind == "heading_open":
                self._heading(token, tokens[index + 1])
                index += 3
                continue
            if kind != "paragraph_open":
                self.meta_heading = None
            if kind == "html_block" and self.markers:
                marker = block_marker(token.content)
                ignore = marker == IGNORE
                if marker == ACTIONS:
                    self._opt_in()
                index += 1
                continue
            if kind == "table_open":
                end = _close(tokens, index, "table_close")
                before = self._block_starts()
                self._table(tokens[index:end], quoted > 0)
                self._block_ends(before)
                index = end + 1
                continue
            if kind in ("bullet_list_open", "ordered_list_open"):
                end = _close(tokens, index, kind.replace("_open", "_close"))
                before = self._block_starts()
                if self.section is not None and not self.section.suspended:
                    self._list(tokens[index:end], kind == "ordered_list_open")
                else:
                    self._status_list(tokens[index:end])
                self._block_ends(before)
                index = end + 1
                continue
            if kind == "paragraph_open":
                before = self._block_starts()
                self._paragraph(tokens[index + 1])
                self._block_ends(before)
                index += 3
                continue
            if kind == "front_matter":
                self._front_matter(token)
            elif kind == "blockquote_open":
                quoted += 1
            elif kind == "blockquote_close":
                quoted -= 1
            index += 1

    # ---------------------------------------------------------------- blocks

    def _front_matter(self, token: Token) -> None:
        try:
            data = metadata.load_front_matter(token.content)
        except Exception as error:  # yaml.YAMLError and friends: a warning, never a crash
            first = str(error).splitlines()[0] if str(error) else type(error).__name__
            self._warn(1, "bad-front-matter", f"front matter is not valid YAML: {first}")
            return
        self.doc.front_matter = data
        for name, value in metadata.front_matter_fields(data).items():
            self.meta.setdefault(name, value)

    def _heading(self, token: Token, inline: Token) -> None:
        text = self.text_of(inline)
        level = int(token.tag[1:])
        self.heading = (level, text)
        if level == 1 and self.doc.title is None:
            self.doc.title = metadata.strip_title_prefix(text) or None
        elif not self.drafts:  # metadata sits above the action items
            self.meta_heading = metadata.label_field(text)
        section = self.section
        while section is not None and section.parent is not None and level <= section.level:
            section = self.section = section.parent  # a marked sub-section ends
        if section is not None and level > section.level:
            section.suspended = not is_action_heading(text) and is_non_action_heading(text)
            section.status = heading_status(text) or section.base_status
            section.label_status = None
            section.bold_numbered = False
            section.sub, section.sub_blocks, section.pending = True, False, False
            section.tentative = []
            return
        self.section = None
        if is_action_heading(text):
            language = "zh" if has_cjk(text) else "en"
            status = heading_status(text)
            self.section = _Section(level, language, status, status)

    def _paragraph(self, inline: Token) -> None:
        content = inline.content
        if self.meta_heading is not None:
            value = metadata.pair_value(self.meta_heading, content.split("\n", 1)[0])
            if value is not None:
                self.meta.setdefault(self.meta_heading, value)
            self.meta_heading = None
        if "**" in content and not self.drafts:  # metadata sits above the action items
            for name, value in metadata.bold_fields(content).items():
                self.meta.setdefault(name, value)
        section = self.section
        active = section is not None and not section.suspended
        opening = blocks.status_opening(content)
        if opening is not None:
            self._paragraph_item(inline, opening.status, STATUS_WORD, opening=True)
            return
        bold = _BOLD_ONLY.match(content) if content.startswith("**") else None
        label = blocks.action_label(content, inline="\n" in content or not bold)
        if label is not None and label.end < len(content):  # `**Action taken:** Fixed X`
            status = label.status or (section.label_status if active and section else None)
            self._paragraph_item(inline, status, BOLD_LABEL, label=True)
            return
        if label is not None:  # `**Actions planned:**` alone: the next list or paragraph
            self._open_label(label.status, content)
            return
        if section is not None and bold:
            section.label_status = parse_status(bold[1], self.status_words)
            return
        if active and section is not None and self._section_paragraph(inline, section):
            return
        if blocks.is_lead_in(content):
            self._open_label(None, content)
            return
        if len(content) <= 60 and "\n" not in content:
            words = plain(content).rstrip(":：")
            if is_action_heading(words):
                language = "zh" if has_cjk(words) else "en"
                status = heading_status(words)
                self.section = _Section(7, language, status, status, origin="label")

    def _block_starts(self) -> int:
        self.blocks += 1
        return self.blocks

    def _block_ends(self, number: int) -> None:
        """A label's scope was the block just read (unless that block was the label)."""
        section = self.section
        if section is None or section.opened_at == number:
            return
        section.pending = False
        if section.once:
            self.section = section.parent

    def _open_label(self, status: Status | None, text: str) -> None:
        """`**Actions planned:**` alone: the next list or paragraph holds items with `status`."""
        section = self.section
        if section is not None and not section.suspended:
            section.label_status = status
        else:
            language = "zh" if has_cjk(text) else "en"
            section = _Section(7, language, status, status, origin="label", parent=section)
            section.once = True
            self.section = section
        section.pending = True
        section.opened_at = self.blocks

    def _section_paragraph(self, inline: Token, section: _Section) -> bool:
        """A paragraph that is an item because of where it stands in an action section."""
        content = inline.content
        status = section.label_status or section.status
        if section.pending:  # right after a label on its own line
            self._paragraph_item(inline, status, BOLD_LABEL)
            return True
        if section.origin == "label":
            return False
        if section.sub:
            alone = not section.sub_blocks
        else:  # the section's own text: its one paragraph, if nothing else is there
            section.body += 1
            if section.body > 1:
                self._drop_tentative(section)
            alone = section.body == 1 and not section.body_blocks
        lines = blocks.line_items(content)
        if lines is not None:  # a list written without markers
            for number in range(len(lines)):
                self._paragraph_item(
                    inline, status, SECTION_PARAGRAPH, section=section, line=number
                )
            return True
        if (
            alone
            and not content.rstrip().endswith((":", "："))
            and blocks.reads_as_action(content)
            and not blocks.is_placeholder(content)
            and not blocks.is_reader_guidance(content)
        ):
            draft = self._paragraph_item(inline, status, SECTION_PARAGRAPH, section=section)
            section.tentative.append(draft)
            return True
        return False

    def _sub_block(self, section: _Section) -> None:
        """A list or table under a sub-heading: its paragraphs were prose around it."""
        self._drop_tentative(section)
        section.sub_blocks = section.sub
        section.body_blocks = section.body_blocks or not section.sub

    @staticmethod
    def _drop_tentative(section: _Section) -> None:
        for draft in section.tentative:
            draft.dropped = True
        section.tentative = []

    def _paragraph_item(
        self,
        inline: Token,
        status: Status | None,
        rule: str,
        *,
        opening: bool = False,
        label: bool = False,
        section: _Section | None = None,
        line: int | None = None,
    ) -> _Draft:
        """A paragraph (or one of its lines) as an item, read like a list item's text."""
        start, end = inline.map if inline.map else (0, 1)
        raw = inline.content
        if line is not None:
            raw = raw.split("\n")[line]
            start, end = start + line, start + line + 1
            text = tidy(plain(raw))
        else:
            text = self.clean_of(inline)
        self.clock.check(start + 1)
        body, body_text = raw, text
        stated = False  # a status word opens the paragraph: it beats notes in the text
        if opening:
            found = blocks.status_opening(raw)
            if found is not None:
                status, body, stated = found.status, raw[found.end :], True
                body_text = blocks.without_opening(text)
        if label:
            lead = blocks.action_label(raw, inline=True)
            if lead is not None:
                body, body_text = raw[lead.end :], blocks.without_label(text)
        fields = parse_list_item(self.resolved(body), body_text)
        own, warnings = self._own_status(fields)
        if own is None and not stated:  # `(Done)`, "This has been done" (tracker.parse.text)
            own = fields.note_status or status_in_prose(fields.action)
        item = ActionItem(
            id="",
            path=self.path,
            line=start + 1,
            action=fields.action,
            owners=fields.owners,
            due=fields.due,
            priority=fields.priority,
            tickets=fields.tickets,
            raw={"action": raw, **fields.raw},
            kind="list",
            found_by=rule,
        )
        item.status = own or status or Status.OPEN
        language = section.language if section is not None else ("zh" if has_cjk(raw) else "en")
        place = ListItemLayout(start, start, end, language, marker=False)
        draft = _Draft(item, place, warnings, section, True)
        self.drafts.append(draft)
        return draft

    def _own_status(self, fields: ListFields) -> tuple[Status | None, list[tuple[str, str]]]:
        """The status an item's own text gives (emoji, `status:` field, checkbox) + warnings."""
        warnings: list[tuple[str, str]] = []
        status = fields.status
        if status is None and fields.status_raw:
            status = parse_status(fields.status_raw, self.status_words)
            if status is None:
                warnings.append(
                    ("unknown-status", f"status {fields.status_raw!r} is not a known word")
                )
        if status is None and fields.checkbox is not None:
            status = Status.DONE if fields.checkbox else Status.OPEN
        if not fields.due_recognised:
            warnings.append(("bad-date", f"due date {fields.raw.get('due', '')!r} is not a date"))
        return status, warnings

    def _status_list(self, tokens: list[Token]) -> None:
        """Outside action sections, only bullets opening with a status word are items."""
        item_level = tokens[0].level + 1
        section: _Section | None = None
        count = len(tokens)
        index = 1
        while index < count:
            token = tokens[index]
            if token.type != "list_item_open" or token.level != item_level:
                index += 1
                continue
            end = _close(tokens, index, "list_item_close")
            first = tokens[index + 2] if index + 2 < end else None
            opens = (
                first is not None
                and tokens[index + 1].type == "paragraph_open"
                and blocks.status_opening(first.content) is not None
            )
            if opens and not (self.markers and self._ignored_item(tokens, index, end)):
                if section is None:
                    section = _Section(7, "en", None, None, origin="status")
                self._list_item(token, tokens[index + 1 : end], section)
            index = end + 1

    def _opt_in(self) -> None:
        """`<!-- tracker:actions -->`: the current heading's section is an action section."""
        section = self.section
        if section is not None and not section.suspended:
            return  # already one
        level, text = self.heading or (7, "")
        parent = section if section is not None and section.level < level else None
        language = "zh" if has_cjk(text) else "en"
        status = heading_status(text) if text else None
        self.section = _Section(level, language, status, status, origin="marker", parent=parent)

    def _table(self, tokens: list[Token], quoted: bool) -> None:
        table_index = self.table_count
        self.table_count += 1
        headers: list[str] = []
        rows: list[tuple[int, list[Token]]] = []
        current: list[Token] | None = None
        for token in tokens:
            if token.type == "tr_open" and token.map is not None:
                current = []
                rows.append((token.map[0], current))
            elif token.type == "inline" and current is not None:
                current.append(token)
        if not rows:
            return
        header_line, header_cells = rows[0]
        headers = [self.text_of(cell) for cell in header_cells]
        columns = map_columns(headers)
        if len(headers) == 2 and not self.drafts and not is_action_table(columns):
            self._metadata_table(rows)
        section = self.section
        in_section = section is not None and not section.suspended
        action_headers = is_action_table(columns)
        if not action_headers:
            if not in_section or not headers:
                return
            if TIME_HEADER.match(headers[0]):
                return  # a timeline table under an action heading
        if "action" not in columns:
            free = [i for i in range(len(headers)) if i not in columns.values()]
            if not free:
                return
            columns["action"] = free[0]
        language = "zh" if has_cjk(" ".join(headers)) else "en"
        table = TableLayout(
            index=table_index,
            start=header_line,
            end=tokens[0].map[1] if tokens[0].map else header_line + 2,
            headers=headers,
            columns=columns,
            language=language,
            quoted=quoted,
        )
        self.layout.tables.append(table)
        if section is not None and in_section:
            section.has_table = True
            self._sub_block(section)
        rule = table_rule(action_headers, section.origin if section and in_section else None)
        for row_index, (line, cells) in enumerate(rows[1:]):
            source = self.lines[line]
            if "|" not in source:
                continue  # a line a reader does not see as a row (e.g. "##Heading")
            if self.markers and ignores_line(source):
                cells_of = map_row(source, len(headers), quoted=quoted).physical
                table.rows.append(RowLayout(line=line, cells=cells_of))  # shape only, no item
                continue
            self._table_row(table, row_index, line, cells, section if in_section else None, rule)

    def _metadata_table(self, rows: list[tuple[int, list[Token]]]) -> None:
        """`| Date | 2022-04-20 |` rows of a key/value table above the action items.

        The header row counts only when its key is bold (`| **Severity** | SEV2 |`), so a
        timeline's `| Date | Event |` header is not read as a date.
        """
        for number, (_, cells) in enumerate(rows):
            if len(cells) != 2 or (number == 0 and not cells[0].content.startswith("**")):
                continue
            name = metadata.label_field(cells[0].content)
            value = metadata.pair_value(name, cells[1].content) if name else None
            if name and value is not None:
                self.meta.setdefault(name, value)

    def _table_row(
        self,
        table: TableLayout,
        row_index: int,
        line: int,
        tokens: list[Token],
        section: _Section | None,
        rule: str,
    ) -> None:
        self.clock.check(line + 1)
        source = self.lines[line]
        cells = map_row(source, len(table.headers), quoted=table.quoted)
        row = RowLayout(line=line, cells=cells.physical)
        table.rows.append(row)
        raw, extras = cell_texts(source, cells, table.columns, table.headers)
        action_col = table.columns["action"]
        if cells.physical[action_col] == action_col and action_col < len(tokens):
            legacy = self.text_of(tokens[action_col])
            clean = self.clean_of(tokens[action_col])
        else:
            legacy = plain(raw["action"])
            clean = tidy(legacy)
        action, note = status_in_text(clean)
        item = ActionItem(
            id="",
            path=self.path,
            line=line + 1,
            action=action,
            raw=raw,
            extras=extras,
            kind="table",
            table_index=table.index,
            row_index=row_index,
            found_by=rule,
        )
        status, warnings = read_values(item, self.status_words, resolve=self.resolved)
        if status is None:
            status = note
        if status is None and section is not None:
            status = section.label_status or section.status
        item.status = status or Status.OPEN
        self.drafts.append(
            _Draft(item, TablePlace(table, row), cells.warnings + warnings, legacy_action=legacy)
        )

    def _list(self, tokens: list[Token], ordered: bool) -> None:
        section = self.section
        assert section is not None
        self._sub_block(section)
        item_level = tokens[0].level + 1
        if not ordered and section.bold_numbered and self.drafts:
            self._attach_detail(self.drafts[-1], tokens)
            return
        bold_numbered = False
        first_draft = len(self.drafts)
        index = 1
        count = len(tokens)
        while index < count:
            token = tokens[index]
            if token.type == "list_item_open" and token.level == item_level:
                end = _close(tokens, index, "list_item_close")
                if self.markers and self._ignored_item(tokens, index, end):
                    index = end + 1
                    continue
                bold_numbered = self._list_item(token, tokens[index + 1 : end], section) or (
                    bold_numbered
                )
                index = end + 1
                continue
            index += 1
        section.bold_numbered = ordered and bold_numbered
        drafts = self.drafts[first_draft:]
        if blocks.is_report_checklist([draft.item.action for draft in drafts]):
            for draft in drafts:  # "Sections above are filled out": the template's own list
                draft.dropped = True
        if any(draft.tracked for draft in drafts):  # one tracked item makes it a to-do list
            for draft in drafts:
                draft.tracked = True

    def _ignored_item(self, tokens: list[Token], start: int, end: int) -> bool:
        """Marked in its first line, or by a marker block ending the item before it."""
        if start >= 2 and tokens[start - 1].type == "list_item_close":
            before = tokens[start - 2]
            if before.type == "html_block" and block_marker(before.content) == IGNORE:
                return True
        first = tokens[start + 1] if start + 1 < end else None
        if first is not None and first.type == "paragraph_open":
            first = tokens[start + 2]
        if first is not None and first.type in ("inline", "html_block"):
            return ignores_line(first.content.split("\n", 1)[0])
        return False

    def _list_item(self, token: Token, inner: list[Token], section: _Section) -> bool:
        """Add one item; True when it is a `1. **Title**` item whose details may follow."""
        marker_line = token.map[0] if token.map else 0
        self.clock.check(marker_line + 1)
        first: Token | None = None
        if len(inner) >= 2 and inner[0].type == "paragraph_open" and inner[1].type == "inline":
            first = inner[1]
        raw = first.content if first is not None else ""
        text = self.clean_of(first) if first is not None else ""
        if blocks.introduces_list(text) and self._list_under(inner, section):
            return False  # "In the future when …:": its sub-bullets are the items
        opening = blocks.status_opening(raw)
        if opening is not None:  # `- **DONE**: Add X`
            fields = parse_list_item(
                self.resolved(raw[opening.end :]), blocks.without_opening(text)
            )
        else:
            fields = parse_list_item(self.resolved(raw), text)
        if blocks.is_placeholder(fields.action):
            return False  # `{{ summary }}`: a template's slot
        if not fields.owners and blocks.is_reader_guidance(fields.action):
            return False  # "Node operators should upgrade …": the readers' to-do, not ours
        detail_text, detail_raw, detail_legacy = self._detail(
            inner[3:] if first is not None else inner
        )
        action = f"{fields.action} {detail_text}".strip() if detail_text else fields.action
        legacy = list_action(self.text_of(first)) if first is not None else ""
        legacy = f"{legacy} {detail_legacy}".strip() if detail_legacy else legacy
        item = ActionItem(
            id="",
            path=self.path,
            line=marker_line + 1,
            action=action,
            owners=fields.owners,
            due=fields.due,
            priority=fields.priority,
            tickets=fields.tickets,
            raw={"action": raw, **fields.raw},
            kind="list",
            found_by=list_rule(section.origin, fields.checkbox is not None),
        )
        if detail_raw:
            add_refs(item.tickets, parse_ticket_refs(detail_raw), known_only=True)
        status, warnings = self._own_status(fields)
        if opening is not None and not fields.status_raw:
            status = opening.status
        if status is None:  # `(Done)`, `— done`, "This has been done" (tracker.parse.text)
            status = fields.note_status or status_in_prose(action)
        item.status = status or section.label_status or section.status or Status.OPEN
        text_map = first.map if first is not None and first.map else [marker_line, marker_line + 1]
        place = ListItemLayout(
            marker_line, text_map[0], text_map[1], section.language, paragraph=first is not None
        )
        tracked = (
            fields.checkbox is not None
            or fields.emoji
            or bool({"owner", "due"} & fields.raw.keys())
        )
        draft = _Draft(item, place, warnings, section, bool(tracked), legacy_action=legacy)
        self.drafts.append(draft)
        return fields.bold_title

    def _list_under(self, inner: list[Token], section: _Section) -> bool:
        """Read the first list nested in an item as the section's items; False if none."""
        for index, token in enumerate(inner):
            if token.type in ("bullet_list_open", "ordered_list_open"):
                end = _close(inner, index, token.type.replace("_open", "_close"))
                self._list(inner[index:end], token.type == "ordered_list_open")
                return True
        return False

    def _detail(self, tokens: list[Token]) -> tuple[str, str, str]:
        """Clean text, raw text and the previous release's text of everything nested in
        an item after its first paragraph."""
        inline = [token for token in tokens if token.type == "inline"]
        legacy = " ".join(text for token in inline if (text := self.text_of(token)))
        clean = " ".join(text for token in inline if (text := self.clean_of(token)))
        raw = "\n".join(self.resolved(token.content) for token in inline)
        return clean, raw, legacy

    def _attach_detail(self, draft: _Draft, tokens: list[Token]) -> None:
        """Column-0 bullets after a `1. **Title**` item are that item's detail, not items."""
        detail_text, detail_raw, detail_legacy = self._detail(tokens)
        if detail_text:
            draft.item.action = f"{draft.item.action} {detail_text}".strip()
        if detail_legacy and draft.legacy_action is not None:
            draft.legacy_action = f"{draft.legacy_action} {detail_legacy}".strip()
        if detail_raw:
            add_refs(draft.item.tickets, parse_ticket_refs(detail_raw), known_only=True)

    # ---------------------------------------------------------------- results

    def _warn(self, line: int, code: str, message: str) -> None:
        self.doc.warnings.append(ParseWarning(self.path, line, code, message))

    def finish(self, key: str) -> tuple[Postmortem, Layout]:
        doc = self.doc
        self._apply_metadata()
        doc.key = key
        doc.language = self._language()
        seen: Counter[str] = Counter()
        seen_before: Counter[str] = Counter()
        for draft in self.drafts:
            if draft.dropped:
                continue
            if draft.section is not None and draft.section.has_table and not draft.tracked:
                continue  # plain bullets explaining the section's action table
            item = draft.item
            norm = normalise_action(item.action)
            occurrence = seen[norm]
            seen[norm] += 1
            item.id = item_id(key, item.action, occurrence)
            legacy = normalise_action(draft.legacy_action or item.action)
            earlier = item_id(key, legacy, seen_before[legacy])
            seen_before[legacy] += 1
            item.earlier_id = earlier if earlier != item.id else None
            self.layout.places[item.id] = draft.place
            compact_item(item)
            doc.items.append(item)
            for code, message in draft.warnings:
                self._warn(item.line, code, message)
            if not norm:
                self._warn(item.line, "empty-action", "action item has no text")
                continue
            if occurrence == 1:
                self._warn(item.line, "duplicate-action", f"{_quote(item.action)} is listed twice")
            if not item.owners:
                self._warn(item.line, "missing-owner", f"{_quote(item.action)} has no owner")
        doc.warnings.sort(key=lambda warning: warning.line)
        return doc, self.layout

    def _apply_metadata(self) -> None:
        doc, meta = self.doc, self.meta
        if doc.title is None and meta.get("title"):
            doc.title = metadata.as_text(meta["title"])
        doc.date = metadata.as_date(meta.get("date"))
        doc.severity = metadata.as_severity(meta.get("severity"))
        doc.status = metadata.as_text(meta.get("status"))
        doc.authors = metadata.as_people(meta.get("authors"))
        doc.team = metadata.as_text(meta.get("team"))

    def _language(self) -> str:
        if self.layout.tables:
            return self.layout.tables[0].language
        cjk = len(_CJK_CHAR.findall(self.text))
        if not cjk:
            return "en"
        return "zh" if cjk >= len(_LATIN_WORD.findall(self.text)) else "en"


def _quote(action: str) -> str:
    return repr(action if len(action) <= 60 else action[:59] + "…")


def _close(tokens: list[Token], start: int, kind: str) -> int:
    level = tokens[start].level
    for index in range(start + 1, len(tokens)):
        token = tokens[index]
        if token.type == kind and token.level == level:
            return index
    return len(tokens) - 1


def parse_document(
    text: str,
    path: str,
    *,
    key: str | None = None,
    status_words: Mapping[str, str] | None = None,
    limits: Limits = DEFAULT_LIMITS,
) -> tuple[Postmortem, Layout]:
    """Parse decoded text; `key` seeds item ids (front matter `id:` wins over it).

    A parse that runs past `limits.timeout` gives a document with no items and one
    `parse-timeout` warning at the line it had reached.
    """
    if text.startswith(BOM):
        text = text[1:]
    walker = _Walker(text, path, status_words, Clock(limits.timeout))
    try:
        walker.walk()
        walker.clock.check(walker.text.count("\n") + 1)
    except BudgetExceeded as stop:
        doc = Postmortem(path=path, key=key or path)
        doc.warnings.append(
            ParseWarning(path, stop.line, "parse-timeout", timeout_message(stop.line, limits))
        )
        return doc, Layout()
    front_id = walker.doc.front_matter.get("id")
    document_key = str(front_id) if front_id not in (None, "") else (key or path)
    return walker.finish(document_key)
