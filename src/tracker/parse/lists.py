"""Fields packed into a list item's text.

`- [ ] Add alert — owner: @kim, due: 2025-03-14, OPS-88`, `1. ✅ Add X (@lee)`,
`- [x] **P1** Rotate keys (负责人：@王, 截止：2024-02-01)`: the action is the text before
the first ` — ` separator or `key: value` field, without trailing `(@owner)` / `(ENG-5)`
tags (so writing a ticket or owner back never changes the action, hence the item id);
fields come from `key: value` pairs, @mentions, dates and ticket references. An owner
field runs on across `,`/`;` while the next part is another name (`owner: @kim, @bob,
due: …`). Status: a status emoji after the checkbox (`- [ ] 🔄 …`, `- [x] ❌ …`) wins,
then a `status:` field, then the checkbox itself.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from functools import cache

from tracker.connectors import connector_plugins, ticket_syntaxes
from tracker.model import Status, TicketRef
from tracker.parse.scan import closing_brackets
from tracker.parse.text import status_in_text
from tracker.parse.tickets import add_refs, parse_ticket_refs
from tracker.parse.values import STATUS_EMOJI, parse_due, parse_owners, parse_priority

CHECKBOX = re.compile(r"^\[([ xX]?)\]\s*")
_STATUS_PREFIX = re.compile("^([" + "".join(STATUS_EMOJI) + "])\ufe0f?\\s*")
_PRIORITY_PREFIX = re.compile(r"^\[?(P[0-4])\]?(?:\s*+[:：\-–—])?\s++", re.IGNORECASE)
# The document's own words for each field; a ticket field is also keyed by any installed
# connector's name (`field_keys`), so no system is named here.
FIELD_KEYS = {
    "owner": "owner",
    "owners": "owner",
    "assignee": "owner",
    "responsible": "owner",
    "dri": "owner",
    "who": "owner",
    "负责人": "owner",
    "责任人": "owner",
    "due": "due",
    "due date": "due",
    "deadline": "due",
    "eta": "due",
    "target": "due",
    "target date": "due",
    "截止": "due",
    "截止日期": "due",
    "期限": "due",
    "priority": "priority",
    "pri": "priority",
    "优先级": "priority",
    "status": "status",
    "state": "status",
    "状态": "status",
    "ticket": "ticket",
    "tickets": "ticket",
    "issue": "ticket",
    "bug": "ticket",
    "工单": "ticket",
}
_SEGMENT = r"[^,;，；()（）\[\n]*"
_URL_WORD = r"https?://[^\s()（）]+"


def field_keys() -> dict[str, str]:
    """`key:` names → the field they fill: the neutral words above, and every installed
    connector's name for the ticket field (`jira: ENG-5`, `gitlab: group/app#7`)."""
    return _field_keys(tuple(connector_plugins()))


def field_key_alternatives() -> str:
    """Every `key:` name (`field_keys`) as one regex alternation, longest first."""
    return _key_alternatives(tuple(connector_plugins()))


def field_regex() -> re.Pattern[str]:
    """`key: value` in a list item's text (see `_field_regex`), for the installed connectors."""
    return _field_regex(tuple(connector_plugins()), _ticket_patterns())


def _ticket_patterns() -> tuple[str, ...]:
    return tuple(syntax.pattern for _, syntax in ticket_syntaxes())


@cache
def _field_keys(systems: tuple[str, ...]) -> dict[str, str]:
    keys = dict(FIELD_KEYS)
    for system in systems:
        keys.setdefault(system.casefold(), "ticket")
    return keys


@cache
def _ticket_word(patterns: tuple[str, ...]) -> str:
    """A ticket reference as the installed connectors write one, or a URL."""
    return "(?:" + "|".join([*(f"(?:{p})" for p in patterns), _URL_WORD]) + ")"


@cache
def _key_alternatives(systems: tuple[str, ...]) -> str:
    return _alternatives(_field_keys(systems))


def _alternatives(keys: Iterable[str]) -> str:
    return "|".join(sorted((re.escape(k) for k in keys), key=len, reverse=True))


@cache
def _field_regex(systems: tuple[str, ...], patterns: tuple[str, ...]) -> re.Pattern[str]:
    """`key: value`; an owner field runs on over more names after `,`/`;` — a mention,
    an e-mail or a short capitalised name (`@kim, @bob`, `Jane Doe; QA Team`), never
    the next `key:` field or a ticket."""
    keys = _field_keys(systems)
    every, owners = _alternatives(keys), _alternatives(k for k, v in keys.items() if v == "owner")
    more_owners = (
        r"(?:\s*[,;，；、]\s*(?!(?:"
        + every
        + r")\s*[:：])(?-i:(?!"
        + _ticket_word(patterns)
        + r"))"
        r"(?:@[\w.-]+|[\w.+-]+@[\w-]+(?:\.[\w-]+)+|[\u4e00-\u9fff]{2,4}"
        r"|(?-i:[A-Z][^,;，；()（）\[\n\s]*(?:[ ][A-Z][^,;，；()（）\[\n\s]*){0,2}))"
        r"(?=\s*(?:[,;，；、()（）\[\n]|$)))"
    )
    return re.compile(
        r"(?<![\w])(?P<key>(?P<owner_key>" + owners + r")|" + every + r")\s*[:：]\s*"
        r"(?P<value>" + _SEGMENT + r"(?(owner_key)(?:" + more_owners + r")*|))",
        re.IGNORECASE,
    )


@cache
def _ticket_tag(patterns: tuple[str, ...]) -> re.Pattern[str]:
    """What a `(…)` tag closing the action holds when it is tickets only (its opening
    bracket is found by `scan.closing_brackets`, not by a search that retried from
    every bracket)."""
    word = _ticket_word(patterns)
    return re.compile(r"\s*+" + word + r"(?:\s*+[,;，、]\s*+" + word + r")*+\s*+")


# Tried only where a whitespace run starts: from inside one it retried quadratically.
_SEPARATOR = re.compile(r"(?<!\s)(?:\s++(?:—|–|--)\s|\s*+——)")
# `(@lee)` or `(ENG-5, #12)` closing the text: owner / tickets, not part of the action,
# so writing a ticket back into an item never changes its action (and so its id).
_MENTION = re.compile(r"(?<![\w.@/])@[\w.-]*\w(?:/@?[\w-]+)*")
_BOLD_LINE = re.compile(r"^\*\*([^*\n]+)\*\*\s*+[:：]?\s*+$")
# `**Title**`, possibly followed by what write-back adds: `(ENG-5)`, ` — owner: @sam`.
_BOLD_TITLE = re.compile(r"^\*\*[^*\n]+\*\*(?:\s*+[:：])?(?:\s*+[(（].*|\s++(?:—|–|--)\s.*|\s*+)$")


@dataclass(slots=True)
class ListFields:
    action: str
    owners: list[str] = field(default_factory=list)
    due: date | None = None
    due_recognised: bool = True
    priority: str | None = None
    status: Status | None = None
    status_raw: str = ""
    checkbox: bool | None = None  # None: the item has no checkbox
    emoji: str = ""  # the status emoji after the checkbox, if any
    tickets: list[TicketRef] = field(default_factory=list)
    raw: dict[str, str] = field(default_factory=dict)
    bold_title: bool = False  # first line is only `**Title**`: details may follow the list
    note_status: Status | None = None  # `(Done)`, `— done` … in the text (tracker.parse.text)


def _strip_prefixes(text: str) -> tuple[str, bool | None, str, str]:
    """Remove checkbox, status emoji and priority tag; return what was found."""
    checkbox: bool | None = None
    emoji = priority = ""
    match = CHECKBOX.match(text)
    if match:
        checkbox = match[1] in ("x", "X")
        text = text[match.end() :]
    match = _STATUS_PREFIX.match(text)
    if match:
        emoji = match[1]
        text = text[match.end() :]
    bare = text.replace("**", "", 2) if text.startswith("**") else text
    match = _PRIORITY_PREFIX.match(bare)
    if match:
        priority = match[1].upper()
        text = bare[match.end() :]
    return text, checkbox, emoji, priority


def _action_text(text: str) -> str:
    first_line = text.split("\n", 1)[0]
    bold = _BOLD_LINE.match(first_line.strip())
    if bold and "\n" in text:
        return bold[1].strip()
    cut = len(text)
    for pattern in (_SEPARATOR, field_regex()):
        match = pattern.search(text)
        if match and match.start() < cut:
            cut = match.start()
    action = text[: _untagged_end(text, cut)]
    return " ".join(action.rstrip(" ,;:，；：(（—–-").split())


def _untagged_end(text: str, end: int) -> int:
    """Where text[:end] ends without its trailing `(@lee)` / `(ENG-5, #12)` tags."""
    while (found := closing_brackets(text, end)) is not None:
        openings, final = found
        tag = next((o for o in openings if _mention_tag(text, o, final)), None)
        tickets = _ticket_tag(_ticket_patterns())
        if tag is None and openings and tickets.fullmatch(text, openings[-1] + 1, final):
            tag = openings[-1]
        if tag is None:
            break
        end = tag
    return end


def _mention_tag(text: str, opening: int, final: int) -> bool:
    """`(@lee)`: the bracket's text starts with an @mention."""
    start = opening + 1
    while start < final and text[start].isspace():
        start += 1
    return start < final and text[start] == "@"


def _read_as(system: str, ref: TicketRef) -> TicketRef:
    """Bare text under a field named after a system (`gitlab: acme/app#7`) is that
    system's reference when its syntax reads it, whichever system reads it first."""
    plugin = connector_plugins().get(system) if system else None
    if plugin is None or ref.system == system or ref.url is not None:
        return ref
    return plugin.syntax.read(ref.key) or ref


def list_action(text: str) -> str:
    """The action as the previous release read it from the item's text (no status notes)."""
    return _action_text(_strip_prefixes(text)[0])


def parse_list_item(raw: str, text: str) -> ListFields:
    """`raw` is the first paragraph as written, `text` the same with Markdown undone."""
    raw_body, checkbox, emoji, priority = _strip_prefixes(raw)
    text_body, note = status_in_text(_strip_prefixes(text)[0])
    action, note_after = status_in_text(_action_text(text_body))
    fields = ListFields(action=action, checkbox=checkbox, note_status=note or note_after)
    fields.bold_title = _BOLD_TITLE.match(raw_body.split("\n", 1)[0].strip()) is not None
    fields.priority = priority or None
    keys = field_keys()
    found: dict[str, str] = {}
    named = ""  # the system a `gitlab: …` ticket field names
    for match in field_regex().finditer(raw_body):
        key = match["key"].casefold()
        found[keys[key]] = match["value"].strip()
        if keys[key] == "ticket":
            named = next((n for n in connector_plugins() if n.casefold() == key), "")
    fields.raw = dict(found)
    if "owner" in found:
        fields.owners = parse_owners(found["owner"])
    else:
        fields.owners = list(dict.fromkeys(_MENTION.findall(raw_body)))
    tail = raw_body[len(raw_body.split(" — ", 1)[0]) :] if " — " in raw_body else raw_body
    if "due" in found:
        fields.due, fields.due_recognised = parse_due(found["due"])
    else:
        due, recognised = parse_due(tail) if any(c.isdigit() for c in tail) else (None, False)
        if recognised:
            fields.due = due
    if "priority" in found and fields.priority is None:
        fields.priority = parse_priority(found["priority"])
    fields.status_raw = found.get("status", "")
    fields.emoji = emoji
    if emoji:  # `- [ ] 🔄 Add X`: the emoji is more precise than the checkbox
        fields.status = STATUS_EMOJI[emoji]
    elif checkbox is not None and not fields.status_raw:
        fields.status = Status.DONE if checkbox else Status.OPEN
    if "ticket" in found:
        fields.tickets = [_read_as(named, ref) for ref in parse_ticket_refs(found["ticket"])]
    add_refs(fields.tickets, parse_ticket_refs(raw_body), known_only=True)
    return fields
