"""The names of the rules that make an item (`ActionItem.found_by`), and writers' markers.

Rules, as `tracker scan --explain` shows them:
- `action-table`: a table whose headers name an action column and an owner, due,
  ticket, status or priority column, anywhere in the document;
- `section-table`: another table under an action heading (its action is the `Action`
  column or the first column no other header claims);
- `checkbox-list`: a `- [ ]` item in a list under an action heading or label;
- `action-list`: a list item under an action heading (`## Action items`, `## 行动项`);
- `label-list`: a list item under an action label: a short paragraph (`**Follow-ups:**`,
  `**Actions planned:**`, `Action Items`) or a lead-in sentence ("we will do the
  following:"), anywhere in the document;
- `bold-label`: a paragraph led by an action label (`**Action taken:** Documented X`,
  `Action point: …`), or the paragraph right after a label on its own line;
- `status-word`: a paragraph or bullet opening with a status word (`**TODO**`,
  `**DONE**:`, `TODO:`, `[DONE]`), anywhere in the document;
- `section-paragraph`: a plain paragraph in an action section: the only text under one
  of its sub-headings, or one line of a paragraph whose every line is one sentence;
- `marked-table` / `marked-list`: a table / list item in a section a writer opted in
  with `<!-- tracker:actions -->`.

Markers are HTML comments, invisible when the Markdown is rendered:
`<!-- tracker:ignore -->` on its own line keeps the next table or list out (indented under
a list item, only the next item); inside a table row or a list item's first line, only
that row or item. `<!-- tracker:actions -->` under a heading makes that section an
action section, whatever the heading says.
"""

from __future__ import annotations

import re

ACTION_TABLE = "action-table"
SECTION_TABLE = "section-table"
MARKED_TABLE = "marked-table"
CHECKBOX_LIST = "checkbox-list"
ACTION_LIST = "action-list"
LABEL_LIST = "label-list"
MARKED_LIST = "marked-list"
BOLD_LABEL = "bold-label"
STATUS_WORD = "status-word"
SECTION_PARAGRAPH = "section-paragraph"

IGNORE = "ignore"
ACTIONS = "actions"
MARKER_HINT = "tracker:"  # documents without it skip every marker check
_BLOCK_MARKER = re.compile(r"<!--\s*+tracker:(ignore|actions)\s*+-->\s*+", re.IGNORECASE)
_INLINE_IGNORE = re.compile(r"<!--\s*+tracker:ignore\s*+-->", re.IGNORECASE)


def block_marker(html: str) -> str | None:
    """`ignore` / `actions` for an HTML block that is only that marker, else None."""
    match = _BLOCK_MARKER.fullmatch(html.strip())
    return match[1].lower() if match else None


def ignores_line(source: str) -> bool:
    """A table row or list item line that carries `<!-- tracker:ignore -->` itself."""
    return _INLINE_IGNORE.search(source) is not None


def list_rule(origin: str, checkbox: bool) -> str:
    """The rule for a list item, by how its section became an action section."""
    if origin == "marker":
        return MARKED_LIST
    if origin == "status":
        return STATUS_WORD
    if checkbox:
        return CHECKBOX_LIST
    return LABEL_LIST if origin == "label" else ACTION_LIST


def table_rule(action_headers: bool, origin: str | None) -> str:
    """The rule for a table row: its headers, or the section it sits in."""
    if action_headers:
        return ACTION_TABLE
    return MARKED_TABLE if origin == "marker" else SECTION_TABLE
