"""Which paragraphs and list items are follow-ups when no action heading's list says so.

Real postmortems write follow-ups in more ways than a list under `## Action items`:
- a lead label, bold or plain, before a list or paragraph or on the same line:
  `**Actions planned:**`, `**Actions taken:**` (taken: done), `**Action item:** Start …`,
  `Action point: …`; or a lead-in sentence such as "Going forward, we will do the
  following …:" before a list;
- a status word opening a paragraph or bullet, wherever it stands: `**TODO** …`,
  `**DONE**: …`, `**DOING** …`, `TODO: …`, `[DONE] …`;
- plain paragraphs in an action section: one per sub-heading (`### Repo2docker` then a
  sentence), or a paragraph whose every line is one sentence (a list without markers).

And what looks like an item but is not: a bullet that only introduces its sub-bullets
("In the future when …:"), a template's placeholder (`{{ summary }}`), and a checklist
about the report itself ("Sections above are filled out").

Every function here reads one block's text once with anchored patterns (linear).
"""

from __future__ import annotations

import re
from typing import NamedTuple

from tracker.model import Status
from tracker.parse.lines import has_cjk
from tracker.parse.sections import is_action_heading

# The words of an action label, after `**`/`__` and the colon are taken off.
_LABEL = re.compile(
    r"""(?ix)^(?:
        action[ -]?items? | action[ -]?points? | follow[- ]?ups? (?:\s+(?:actions?|items?|tasks?))?
      | actions?\s+(?P<state>planned|taken|to\s+take|required|needed|pending|completed|done)
      | (?P<before>planned|completed|pending)\s+actions?
      | next\s+steps? | to[- ]?dos?
    )$"""
)
_LABEL_DONE = {"taken", "completed", "done"}
# `**Label:** rest`, `**Label**: rest`, `__Label:__ rest`, or a plain `Label: rest`.
_BOLD_LEAD = re.compile(r"^(\*\*|__)([^*_\n]{1,40}?)\s*+(?:[:：]\s*+)?\1\s*+([:：])?\s*+")
_PLAIN_LEAD = re.compile(r"^([A-Za-z][A-Za-z -]{1,30}?)\s*+[:：]\s*+")


_BOLD_FIRST = ("*", "_")
_ASCII_LETTERS = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ")


def _has_colon(text: str) -> bool:
    return ":" in text or "：" in text


class Label(NamedTuple):
    status: Status | None  # what the label says of its items ("taken" → done)
    end: int  # where the text after the label starts (len(text): nothing follows)


def action_label(text: str, *, inline: bool) -> Label | None:
    """`**Actions planned:**` / `Action point: Fix X` → the label; None for anything else.

    `inline` (text follows the label on its line) takes only the narrow vocabulary above;
    a label alone on its line may also be any action heading's wording (`**Follow-ups**`,
    `**后续改进：**`).
    """
    first = text[:1]
    if first not in _BOLD_FIRST and not (first in _ASCII_LETTERS and _has_colon(text)):
        return None  # cheap test first: most paragraphs are prose
    match = _BOLD_LEAD.match(text)
    if match is not None:
        words, colon = match[2], bool(match[3]) or ":" in match[0] or "：" in match[0]
    else:
        match = _PLAIN_LEAD.match(text)
        if match is None:
            return None
        words, colon = match[1], True
    words = " ".join(words.split()).rstrip(":：")
    end = match.end()
    rest = text[end:].strip()
    if inline != bool(rest) or (rest and not colon):
        return None
    found = _LABEL.match(words)
    if found is None and (inline or not is_action_heading(words)):
        return None
    state = (found["state"] or found["before"] or "").lower() if found else ""
    if state in _LABEL_DONE:
        return Label(Status.DONE, end)
    return Label(Status.OPEN if state else None, end)


_STATUS_WORDS = {
    "todo": Status.OPEN,
    "to-do": Status.OPEN,
    "done": Status.DONE,
    "doing": Status.IN_PROGRESS,
    "wip": Status.IN_PROGRESS,
}
# Bold or bracketed in any case; bare only in capitals and with a colon (`TODO: …`).
_OPENING = re.compile(
    r"^(?:\*\*(?i:(?P<bold>todo|to-do|done|doing|wip))\*\*|\[(?i:(?P<box>todo|to-do|done|doing|wip))\]"
    r"|(?P<bare>TODO|DONE|DOING|WIP)(?=\s*+[:：]))(?:\s*+[:：-])?\s++(?=\S)"
)
_OPENING_FIRST = frozenset("*[TDW")  # the characters `_OPENING` can start with
_PLAIN_OPENING = re.compile(r"^\[?(?i:todo|to-do|done|doing|wip)\]?(?:\s*+[:：-])?\s++")


class Opening(NamedTuple):
    status: Status
    end: int  # where the action starts in the raw text


def status_opening(raw: str) -> Opening | None:
    """`**DONE**: Add X` → (done, index of `Add`); None when no status word opens it."""
    if raw[:1] not in _OPENING_FIRST:
        return None  # cheap test first: most paragraphs and bullets open otherwise
    match = _OPENING.match(raw)
    if match is None:
        return None
    word = (match["bold"] or match["box"] or match["bare"]).lower()
    return Opening(_STATUS_WORDS[word], match.end())


def without_opening(text: str) -> str:
    """The plain text (Markdown undone) of an item without its opening status word."""
    match = _PLAIN_OPENING.match(text)
    return text[match.end() :] if match else text


def without_label(text: str) -> str:
    """The plain text of `Action taken: Fix X` without its label."""
    label = action_label(text, inline=True)
    return text[label.end :] if label else text


# "Going forward, we will do the following in an effort to avoid similar issues:"
_LEAD_IN = re.compile(
    r"(?i)\b(?:we(?:'ll|’ll|\s+will|\s+are\s+going\s+to|\s+plan\s+to|\s+are\s+taking))\b"
    r"[^.!?]*\bfollowing\b[^.!?]*[:：]\s*$"
)


def is_lead_in(text: str) -> bool:
    """A paragraph whose last sentence promises the list that follows (`…the following:`)."""
    tail = text[-300:]
    if tail.rstrip()[-1:] not in (":", "："):
        return False  # cheap test first: a lead-in ends with a colon
    return _LEAD_IN.search(tail) is not None


_SENTENCE_END = ".!?。！？"
# Narrative, not a to-do: a sentence that opens with a subject ("The outage seemed …",
# "Chia operations engineers are working …", "Going forward the team is going to …").
_NARRATIVE_START = {
    "the", "a", "an", "this", "that", "these", "those", "it", "its", "we", "our", "us", "i",
    "you", "your", "they", "their", "there", "he", "she", "most", "going", "moving", "all",
    "some", "many", "none", "n/a", "tbd",
}  # fmt: skip
_SUBJECT_VERB = re.compile(
    r"(?i)^\W*+\w[\w'’-]*+(?:\s++[\w'’/-]++){0,3}?\s++"
    r"(?:is|are|was|were|would|should|will|can|could|must|may|might|has|had|seemed?|seems)\b"
)


# Chinese narrative openings: "本次事故…", "由于…", "目前…" report, they do not plan.
_CJK_NARRATIVE = re.compile(r"^(?:本次|此次|这次|这|该|由于|因为|目前|当时)")


def reads_as_action(text: str) -> bool:
    """A sentence a reader lists as a follow-up: imperative or a question, not narrative.

    Chinese has no word spaces to read a subject from: a sentence that opens with a
    Chinese character is an action unless it opens like a report ("本次…", "由于…").
    """
    if has_cjk(text[:1]):
        return _CJK_NARRATIVE.match(text) is None
    words = text.split(None, 2)
    if len(words) < 2 or words[0].strip(",.:").casefold() in _NARRATIVE_START:
        return False
    return _SUBJECT_VERB.match(text) is None


def _without_tags(line: str) -> str:
    """The line without the `(ENG-5)` / `([ENG-5](url))` tags write-back adds at its end.

    Each tag is found by walking back from its closing bracket (nesting counted), so a
    line is read at most once per tag; at most three tags are peeled.
    """
    body = line.rstrip()
    for _ in range(3):
        if not body.endswith((")", "）")):
            break
        depth, index = 0, len(body) - 1
        while index >= 0:
            char = body[index]
            depth += char in ")）"
            depth -= char in "(（"
            if depth == 0:
                break
            index -= 1
        if index < 0:
            break
        body = body[:index].rstrip()
    return body


def line_items(content: str) -> list[str] | None:
    """The lines of a paragraph written as a list without markers, else None.

    Two or more lines, each one imperative sentence (Chia's "Lessons Learned and Future
    Improvements": "Add more thorough testing …", "Hire a professional SecOps person …");
    hard-wrapped prose breaks lines mid-sentence and narrative opens with a subject, so
    neither qualifies.
    """
    lines = content.split("\n")
    if len(lines) < 2:
        return None
    for line in lines:
        body = _without_tags(line.split(" — ", 1)[0]).strip()
        if not body or not body[0].isupper() or body[-1] not in _SENTENCE_END:
            return None
        if not reads_as_action(body):
            return None
    return lines


# "In the future when dealing with sensitive code …:" introduces its sub-bullets.
_INTRO_WORDS = {
    "in", "when", "whenever", "if", "for", "going", "moving", "to", "after", "before",
    "during", "once", "as", "from", "on", "with", "where",
}  # fmt: skip


def introduces_list(text: str) -> bool:
    """A bullet that is only a clause leading into its sub-bullets, not an action itself."""
    body = text.rstrip()
    if not body.endswith((":", "：")):
        return False
    first = body.split(None, 1)[0].strip(",").casefold() if body.split() else ""
    return first in _INTRO_WORDS


# `{{ summary }} [link to github issue]`, or a whole `<Include any agreed … here.>` slot.
_PLACEHOLDER = re.compile(
    r"^(?:\{\{\s*+[\w-]++(?:\s++[\w-]++)?\s*+\}\}(?:\s*+\[[^\]\n]*\])*|<[^<>\n]{3,}>)\s*$"
)
# "其他（待定）", "Others (TBD)", "etc.": a slot left for later, naming no action.
_NO_ACTION = re.compile(
    r"(?i)^(?:其他|其它|others?|more|etc\.?|…|\.\.\.)\s*+"
    r"(?:[(（]\s*+(?:待定|待补充|tbd|tba|to be decided)\s*+[)）]|待定|待补充|tbd|tba)?[.。:：]?$"
)


def is_placeholder(text: str) -> bool:
    """A template's slot such as `{{ summary }} [link to github issue]`, or a bullet that
    only keeps a place ("其他（待定）", "Others (TBD)"): not an action yet."""
    body = text.strip()
    if body and _NO_ACTION.match(body) is not None:
        return True
    return _PLACEHOLDER.match(text) is not None


# A checklist about writing the report: "Sections above are filled out", "Incident has
# been dealt with or is over", "All actionable items above have linked GitHub Issues".
# "Above" counts only after what it points back to ("Sections above are …"), never as a
# preposition ("Add an alert on X above the agreed threshold" is a real follow-up).
_ABOUT_REPORT = re.compile(
    r"(?i)\babove(?:\s++(?:are|is|have|has|were|was)\b|\s*+[.:]?\s*+$)"
    r"|\bfilled (?:out|in)\b|\bafter-action report\b|\bpost-?mortem\b"
    r"|\bthis (?:document|report|doc)\b|^incident (?:has|is|title)\b"
)


# Guidance to the document's readers, not the team's own work: "Node operators should
# upgrade to v1.4", "Users must rotate their keys", "建议用户升级到 …".
_READER_GUIDANCE = re.compile(
    r"(?i)^(?:all\s++|any\s++|affected\s++)?"
    r"(?:(?:node|relay|pillar|validator|cluster|self-hosted|on-prem(?:ise)?)\s++)?"
    r"(?:operators|users|customers|validators|readers|clients|integrators|developers|you)\b"
    r"[^.!?]{0,60}?\b(?:should|must|need to|are (?:advised|encouraged|asked) to)\b"
    r"|^(?:建议|请)(?:所有)?(?:用户|客户|运营者|节点运营者)"
    r"|^(?:所有)?(?:用户|客户|运营者|节点运营者)(?:应|应该|需要|请|须|务必)"
)


def is_reader_guidance(text: str) -> bool:
    """Advice addressed to the readers (users, operators) rather than work the team owns."""
    return _READER_GUIDANCE.match(text.strip()) is not None


def is_report_checklist(texts: list[str]) -> bool:
    """At least two items, and half the list, about the report itself: the template's
    checklist. One item that mentions a postmortem does not drop the list around it."""
    if len(texts) < 2:
        return False
    about = sum(1 for text in texts if _ABOUT_REPORT.search(text))
    return about >= 2 and about * 2 >= len(texts)
