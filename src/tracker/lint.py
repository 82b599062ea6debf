"""Quality checks on action items, run by `tracker scan --strict`.

The parser finds items; these rules say which ones will probably not get done as
written: an action nobody can call finished ("investigate …"), a team where a person
should be, an urgent item with no date, a date before the incident, an essay instead
of an action. Closed items (done, won't do) are not checked. Each finding is a `ParseWarning` with the item's file:line, so it reads
like every other scan warning and a CI job can fail on it.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from tracker.config import LintConfig, identity_key
from tracker.model import ActionItem, ParseWarning, Postmortem

VAGUE_ACTION = "vague-action"
TEAM_OWNER = "team-owner"
URGENT_WITHOUT_DUE = "urgent-without-due"
DUE_BEFORE_INCIDENT = "due-before-incident"
LONG_ACTION = "long-action"
LINT_CODES = (VAGUE_ACTION, TEAM_OWNER, URGENT_WITHOUT_DUE, DUE_BEFORE_INCIDENT, LONG_ACTION)

_CJK = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")
# A sentence ends at . ! ? followed by a space (not "e.g." inside a word run) or at 。！？
_SENTENCE_END = re.compile(r"(?<![A-Z])(?<!\be\.g)(?<!\bi\.e)[.!?](?=\s+\S)|[。！？](?=\S)")
_LEAD_NOISE = re.compile(r"^[\s*_`~>\-–—:：(（\[【]+")
_GROUP_SUFFIX = re.compile(r"(?:\bteams?|\bsquad|\bgroup|团队|小组|部门)$", re.IGNORECASE)


@dataclass(frozen=True, slots=True)
class Linter:
    """The rules with the configuration they need: vague phrases, who counts as a team."""

    config: LintConfig
    team_names: frozenset[str]
    known_people: frozenset[str]

    def check(self, doc: Postmortem) -> list[ParseWarning]:
        """Every quality warning for the document's items, in item order."""
        found: list[ParseWarning] = []
        for item in doc.items:
            if item.status.is_closed:
                continue  # done or won't do: nothing left to make doable
            for code, message in self._findings(doc, item):
                if code not in self.config.disable:
                    found.append(ParseWarning(doc.path, item.line, code, message))
        return found

    def _findings(self, doc: Postmortem, item: ActionItem) -> Iterator[tuple[str, str]]:
        vague = self._vague_phrase(item.action)
        if vague:
            yield (
                VAGUE_ACTION,
                f"the action starts with '{vague}': say what will change and how anyone "
                "can tell it is done",
            )
        for owner in item.owners:
            if self._is_group(owner):
                yield (
                    TEAM_OWNER,
                    f"owner '{owner}' is a team or group: name one person who answers for it",
                )
        if item.priority in self.config.urgent_priorities and item.due is None:
            yield (
                URGENT_WITHOUT_DUE,
                f"{item.priority} item with no due date: urgent work needs a date",
            )
        if item.due is not None and doc.date is not None and item.due < doc.date:
            yield (
                DUE_BEFORE_INCIDENT,
                f"due {item.due.isoformat()} is before the postmortem's date "
                f"{doc.date.isoformat()}: a typo in the year or month?",
            )
        sentences = sentence_count(item.action)
        if sentences > self.config.max_sentences or len(item.action) > self.config.max_chars:
            yield (
                LONG_ACTION,
                f"the action is {sentences} sentence{'s' * (sentences != 1)} and "
                f"{len(item.action)} characters long: keep the action to one or two "
                "sentences and move the rest into the ticket",
            )

    def _vague_phrase(self, action: str) -> str | None:
        text = _LEAD_NOISE.sub("", action).casefold()
        for phrase in self.config.vague_words:
            wanted = phrase.casefold()
            if not text.startswith(wanted):
                continue
            rest = text[len(wanted) :]
            # A Latin phrase must end at a word boundary ("monitor", not "monitoring
            # dashboard for X"); a Chinese one is a prefix by nature.
            if _CJK.search(wanted[-1]) or not rest or not (rest[0].isalnum() or rest[0] == "_"):
                return phrase
        return None

    def _is_group(self, owner: str) -> bool:
        key = identity_key(owner)
        if key in self.known_people:
            return False
        if key in self.team_names or key in self.config.group_owners:
            return True
        return bool(_GROUP_SUFFIX.search(key))


def sentence_count(text: str) -> int:
    """Sentences in an action: ends of sentence before more text, plus the last one."""
    stripped = text.strip()
    return len(_SENTENCE_END.findall(stripped)) + 1 if stripped else 0


def make_linter(config: LintConfig, team_names: Iterable[str], people: Iterable[str]) -> Linter:
    """A linter for this configuration: `[lint]`, the `[[teams]]` names, `[[people]]`."""
    return Linter(
        config=config,
        team_names=frozenset(identity_key(name) for name in team_names),
        known_people=frozenset(identity_key(name) for name in people),
    )


def with_quality_warnings(documents: Iterable[Postmortem], linter: Linter) -> Iterator[Postmortem]:
    """The documents as they stream by, each with its quality warnings added."""
    for doc in documents:
        if not doc.unread and doc.items:
            # In line order with the parser's own warnings, as a reader goes down the file.
            doc.warnings = sorted([*doc.warnings, *linter.check(doc)], key=lambda w: w.line)
        yield doc
