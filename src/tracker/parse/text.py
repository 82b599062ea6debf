"""An item's action text as a reader sees it: link words, URLs and status notes left out.

Item ids hash the action, so everything that is not the action itself stays out of it:
writing a ticket link or a `(Done)` next to an item must not make it a new item.

- A link whose label only names the link (`[issue](…)`, `[PR](…)`, `[#12](…)`,
  `[GitHub issue](…)`, `[here](…)`, the URL itself) is dropped with its leftovers:
  `([issue][ref])`, `see …`, `issue here` (the ticket is still read from the link).
- A bare URL closing the text (or a bracket) is dropped; one inside a sentence is
  replaced by its ticket key (`owner/repo#12`), or kept when it is no ticket.
- Image alt text is not part of the text; a soft line break between two CJK characters
  joins them without a space (a wrapped Chinese line is one line to its reader).
- A status note opening or closing the text (`(Done)`, `[DONE]`, `✅`, `(Already
  planned)`, `— done`, `(done in grafana)`, `fixed in #12`) is read as the item's status
  and left out of the action; `status_in_prose` reads sentences such as "This has been
  done" or "This is a work in progress" without removing them.
- Anything else is kept as written, `[Postmortem]`-style title prefixes included.

The previous release hashed `document.inline_text` instead; the parser keeps that id as
`ActionItem.earlier_id`, so a store synced by it keeps its links and history
(`tracker.store.earlier_ids`).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from functools import cache

from markdown_it.token import Token

from tracker.connectors import ticket_syntaxes
from tracker.model import URL_SYSTEM, Status
from tracker.parse.tickets import classify_url, parse_ticket_refs
from tracker.parse.values import STATUS_EMOJI, parse_status, status_word

_DROPPED = "\x00"  # where a link or URL was left out: its leftovers go with it
_BREAK = "\x01"  # a soft line break, joined once both sides are known
_OPEN, _CLOSE = "\x02", "\x03"  # around a link label that may be left out: kind + label
_URL_TEXT = r"https?://[^\s<>()\[\]（）|`\"'\x00-\x03]+"
_URL = re.compile(_URL_TEXT)
_CANDIDATE = re.compile(_OPEN + r"([wt])([^\x03]*)" + _CLOSE + "|" + _URL_TEXT)


def _tags_only() -> re.Pattern[str]:
    """Only what write-back adds after the text is left: `(ENG-5)` / `([ENG-5](…))` /
    `(@lee)` tags (tickets as the installed connectors write them), then perhaps a list
    item's `key: value` fields (` — owner: @sam, due: 2026-05-01`). That closes the
    action as far as a link before it is concerned, so writing a ticket, an owner or a
    due date after `[Issue](…)` keeps the action (and the item's id)."""
    from tracker.parse.lists import field_key_alternatives  # lists reads notes from here

    patterns = tuple(syntax.pattern for _, syntax in ticket_syntaxes())
    return _tags_only_for(patterns, field_key_alternatives())


@cache
def _tags_only_for(patterns: tuple[str, ...], names: str) -> re.Pattern[str]:
    tickets = "".join(f"|(?:{pattern})" for pattern in patterns)
    tag = _OPEN + r"[wt][^\x03]*" + _CLOSE + tickets + r"|@[\w.-]+|" + _URL_TEXT
    fields = r"(?:(?:—|–|--|——|[,;，；])\s*)?(?i:" + names + r")\s*[:：][\s\S]*"  # lists.py's cut
    return re.compile(
        r"(?:[\s.!?]*[(（]\s*(?:" + tag + r")(?:\s*[,;，、]\s*(?:" + tag + r"))*\s*[)）])*[\s.!?]*"
        r"(?:" + fields + r")?"
    )


_CJK = re.compile(r"[\u3000-\u303f\u3400-\u9fff\uf900-\ufaff\uff00-\uffef]")
_WIDE_PUNCTUATION = re.compile(
    r"[\u3000-\u303f\uff01-\uff0f\uff1a-\uff20\uff3b-\uff40\uff5b-\uff65]"
)
# Labels that only say "this is a link": the link is the ticket, not part of the action.
_LINK_WORDS = frozenset(
    {
        "issue",
        "issues",
        "github issue",
        "github issues",
        "gh issue",
        "pr",
        "prs",
        "pull request",
        "pull requests",
        "github pr",
        "merge request",
        "mr",
        "ticket",
        "jira",
        "jira ticket",
        "bug",
        "link",
        "here",
        "this",
        "this issue",
        "the issue",
        "issue here",
        "tracking issue",
        "commit",
        "工单",
        "链接",
        "这里",
    }
)
# Words left next to a dropped link: "(see ⟨link⟩)", "issue here", "GitHub issue: ⟨url⟩".
_LEFTOVER = re.compile(
    r"(?:\b(?:see(?: also)?|cf\.?|related to|tracked (?:in|by|at)|tracking|via|(?:the )?"
    r"(?:github |gh |upstream )?(?:issue|pr|pull request|ticket)s?(?: here)?)\s*[:：]?\s*)?"
    + _DROPPED
    + r"(?:\s*(?:here|issue))?",
    re.IGNORECASE,
)
# Brackets left holding only a dropped link (never brackets the writer left empty, such
# as a code span's `listen()`). Tried only where a whitespace run starts, each run taken
# whole: from inside a long run of spaces the pattern retried quadratically.
_EMPTY_BRACKETS = re.compile(
    r"(?<!\s)\s*+(?:\(\s*+[,;:.]?\s*+\x00+\s*+[,;:.]?\s*+\)|（\s*+\x00+\s*+）|\[\s*+\x00+\s*+\])"
)
_PUNCTUATION = frozenset(",.;:!?，。；：！？")
_SPACES = re.compile(r"\s+")

# ---------------------------------------------------------------- status notes

_LEAD_NOTE = re.compile(
    r"^\s*(?:\(([^()\n]{1,40})\)|\[([^\[\]\n]{1,40})\]|（([^（）\n]{1,40})）)\s*[:：\-–—]?\s*"
)
_LEAD_EMOJI = re.compile("^\\s*([" + "".join(STATUS_EMOJI) + "])\ufe0f?\\s*[:：\\-–—]?\\s*")
_TRAIL_NOTE = re.compile(r"[\s,;:.]*(?:\(([^()\n]{1,60})\)|（([^（）\n]{1,60})）)[\s.!]*$")
_TRAIL_DASH = re.compile(r"\s+(?:—|–|--|-)\s*([^—–\n]{1,30}?)[\s.!]*$")
_TRAIL_DONE_IN = re.compile(
    r"[\s,;:.]*\b(?:(?:monitoring|already|now|this was|was|is) )?(done|fixed|resolved|addressed|"
    r"implemented)\s+(?:in|by|with|via)\s+[^\s,;]{1,60}[\s.!]*$",
    re.IGNORECASE,
)
# Words that make a longer note a status note: "(Done during this incident)".
_LEADING_WORDS = frozenset({"done", "fixed", "completed", "resolved", "finished", "wip"})
_TAIL = 160  # trailing notes are looked for in the last characters only (linear time)

_PROSE = (
    (
        re.compile(
            r"\b(?:this|it|that) (?:has|have) (?:already )?been (?:done|completed|implemented|"
            r"fixed|addressed)\b|\bwe already do this\b|\b(?:is|was) already (?:done|in place)\b",
            re.IGNORECASE,
        ),
        Status.DONE,
    ),
    (
        re.compile(
            r"\b(?:this|it) is (?:a |still a )?work in progress\b"
            r"|\bwe are (?:currently |now |actively )?working on\b",
            re.IGNORECASE,
        ),
        Status.IN_PROGRESS,
    ),
)


def clean_inline_text(children: Sequence[Token]) -> str:
    """An inline token's children → the action text (see the module docs)."""
    parts: list[str] = []
    index = 0
    count = len(children)
    while index < count:
        child = children[index]
        kind = child.type
        if kind == "link_open":
            end = _link_close(children, index)
            label = "".join(_plain(c) for c in children[index + 1 : end])
            href = str(child.attrs.get("href", ""))
            link = _link_kind(label, href)
            parts.append(label if link is None else f"{_OPEN}{link}{label}{_CLOSE}")
            index = end + 1
            continue
        if kind in ("text", "code_inline", "text_special"):
            parts.append(child.content)
        elif kind == "softbreak":
            parts.append(_BREAK)
        elif kind == "hardbreak" or (kind == "html_inline" and child.content[:3].lower() == "<br"):
            parts.append(" ")
        index += 1  # images (alt text), emphasis markers and other HTML: not text
    return tidy("".join(parts))


def tidy(text: str) -> str:
    """Join soft breaks, drop trailing/bracketed URLs and dropped links' leftovers."""
    if _BREAK in text:
        text = _join_breaks(text)
    if "://" in text or _OPEN in text:
        text = _CANDIDATE.sub(lambda match: _candidate(match, text), text)
    dropped = _DROPPED in text
    if dropped:
        text = _LEFTOVER.sub(_DROPPED, text)
        text = _join_dropped(_EMPTY_BRACKETS.sub(_DROPPED, text))
    text = _SPACES.sub(" ", text).strip()
    return text.rstrip(" ,;:，；：") if dropped else text


def _join_dropped(text: str) -> str:
    """The text without its dropped links. The space a dropped link leaves before
    punctuation goes ("address ." once the link went); a writer's space before
    punctuation elsewhere stays (`说明 `!!js``). Linear: no pattern retried per space."""
    kept: list[str] = []
    for index, piece in enumerate(text.split(_DROPPED)):
        after = piece.lstrip()
        if index and after[:1] in _PUNCTUATION:
            while kept and not kept[-1].strip():
                kept.pop()  # only spaces between two dropped links
            if kept:
                kept[-1] = kept[-1].rstrip()
            piece = after
        kept.append(piece)
    return "".join(kept)


def _join_breaks(text: str) -> str:
    """Join soft line breaks: with a space, except between two CJK characters or next to
    full-width punctuation (、，。（）…), which carries its own spacing."""
    pieces = text.split(_BREAK)
    out = [pieces[0]]
    for piece in pieces[1:]:
        before = out[-1].rstrip()
        after = piece.lstrip()
        cjk = (
            before
            and after
            and (
                (_CJK.match(before[-1]) and _CJK.match(after[0]))
                or _WIDE_PUNCTUATION.match(before[-1])
                or _WIDE_PUNCTUATION.match(after[0])
            )
        )
        out[-1] = before
        out.append(after if cjk else " " + after)
    return "".join(out)


def _candidate(match: re.Match[str], text: str) -> str:
    """Leave out a link word (`w`), ticket label (`t`) or URL where it only names a link.

    Link words and URLs go when they close the text or a bracket, ticket labels when
    they close the text or fill a bracket alone; inside a sentence ("the [pull request]
    for X", "blocking on [#365]") they stay, a ticket URL as its key.
    """
    after = text[match.end() : match.end() + 200].lstrip(" ")
    closes_text = (
        after[:1] in (_OPEN, _DROPPED) or _URL.match(after) or _tags_only().fullmatch(after)
    )
    closes_bracket = after[:1] in (")", "）", "]")
    if match[1] is not None:
        kind, label = match[1], match[2]
        opens_bracket = text[: match.start()].rstrip(" ")[-1:] in ("(", "（", "[")
        if closes_text or (closes_bracket and (kind == "w" or opens_bracket)):
            return _DROPPED
        return label
    url = match[0]
    ref = classify_url(url)
    ticket = ref.system != URL_SYSTEM
    if closes_text or (closes_bracket and ticket):
        return _DROPPED
    if ticket:
        return ref.key + url[len(url.rstrip(".,;:!?")) :]
    return url


def _link_close(children: Sequence[Token], start: int) -> int:
    depth = 0
    for index in range(start, len(children)):
        kind = children[index].type
        if kind == "link_open":
            depth += 1
        elif kind == "link_close":
            depth -= 1
            if depth == 0:
                return index
    return len(children) - 1


def _plain(child: Token) -> str:
    if child.type in ("text", "code_inline", "text_special"):
        return child.content
    if child.type in ("softbreak", "hardbreak"):
        return " "
    return ""


def _link_kind(label: str, href: str) -> str | None:
    """`w` for a label that only says "link" (`issue`, `PR`, the URL itself), `t` for a
    ticket key (`#12`, `ENG-5`), None for words of the action."""
    words = " ".join(label.split()).strip(" .:()[]").casefold()
    if words == href.casefold() or _URL.fullmatch(words):
        return None  # `<https://…>`: read as the URL it is (see `_candidate`)
    if not words or words in _LINK_WORDS:
        return "w"
    refs = parse_ticket_refs(label)
    if len(refs) == 1 and refs[0].system != URL_SYSTEM and refs[0].key in label:
        return "t"
    return None


# ---------------------------------------------------------------- status notes


def status_in_text(text: str) -> tuple[str, Status | None]:
    """(text without a status note opening or closing it, the note's status or None)."""
    match = _LEAD_EMOJI.match(text)
    if match and len(text) > match.end():
        return text[match.end() :], STATUS_EMOJI[match[1]]
    match = _LEAD_NOTE.match(text)
    if match:
        status = _note_status(match[1] or match[2] or match[3])
        if status is not None and len(text) > match.end():
            return text[match.end() :], status
    start = max(0, len(text) - _TAIL)
    for pattern in (_TRAIL_NOTE, _TRAIL_DASH):
        match = pattern.search(text, start)
        if match:
            status = _note_status(next(group for group in match.groups() if group is not None))
            if status is not None and match.start() > 0:
                return text[: match.start()].rstrip(" ,;:—–-"), status
    match = _TRAIL_DONE_IN.search(text, start)
    if match and match.start() > 0:
        return text[: match.start()].rstrip(" ,;:—–-"), Status.DONE
    return text, None


def _note_status(note: str) -> Status | None:
    """`Done!`, `DONE`, `Done during this incident`, `Already planned`, `done in grafana`."""
    note = " ".join(note.split())
    lowered = note.casefold().strip(" .!")
    if lowered.startswith("already "):
        lowered = lowered[len("already ") :]
    if _TRAIL_DONE_IN.fullmatch(lowered):
        return Status.DONE
    whole = status_word(lowered)
    if whole is not None:
        return whole
    if lowered.split(" ", 1)[0] in _LEADING_WORDS:  # "Done during this incident"
        return parse_status(lowered)
    return None  # "(active monitoring)", "(new feature)": a remark, not a status


def status_in_prose(text: str) -> Status | None:
    """A sentence stating the item's status: "This has been done", "work in progress"."""
    for pattern, status in _PROSE:
        if pattern.search(text):
            return status
    return None
