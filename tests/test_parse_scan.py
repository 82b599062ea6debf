"""The linear scanners find exactly what the quadratic regexes they replace found.

On short strings the old patterns are fast, so they serve as the specification: the
scanners must agree with them on every generated string of the relevant characters.
"""

from __future__ import annotations

import re

from hypothesis import given, settings
from hypothesis import strategies as st

from tracker.parse.columns import normalise_header
from tracker.parse.lists import _ticket_patterns, _ticket_word, _untagged_end
from tracker.parse.scan import drop_parenthesised, markdown_links, unlink
from tracker.parse.values import plain

OLD_LINK = re.compile(r"!?\[([^\]]*)\]\([^)]*\)")
OLD_EMAIL_LINK = re.compile(r"\[([^\]]*)\]\(mailto:[^)]*\)")
OLD_PARENTHETICAL = re.compile(r"\s*[(（][^)）]*[)）]")
OLD_PARENS = re.compile(r"[(（]([^)）]*)[)）]")
OLD_HINT = re.compile(r"\s*[(（][^)）]*[)）]\s*$")
OLD_MARKDOWN_LINK = re.compile(
    r"""\[(?P<label>[^\]\n]*)\]\(\s*<?(?P<target>[^)\s>]+)>?(?:\s+"[^"]*")?\s*\)"""
)
_TICKET_WORD = _ticket_word(_ticket_patterns())  # as the installed connectors write one
OLD_TRAILING_TAG = re.compile(
    r"\s*[(（]\s*(?:@[^)）]*|"
    + _TICKET_WORD
    + r"(?:\s*[,;，、]\s*"
    + _TICKET_WORD
    + r")*)\s*[)）]\s*$"
)

PIECES = [
    "[",
    "]",
    "(",
    ")",
    "（",
    "）",
    "!",
    "<",
    ">",
    '"',
    " ",
    "\n",
    "a",
    "x y",
    "mailto:",
    "@lee",
    "ENG-5",
    "#12",
    "https://h.io/p",
    ", ",
]
TEXTS = st.lists(st.sampled_from(PIECES), max_size=14).map("".join)
MANY = settings(max_examples=600, deadline=None)


@MANY
@given(text=TEXTS)
def test_unlink_matches_the_link_regex_it_replaces(text: str) -> None:
    assert unlink(text) == OLD_LINK.sub(r"\1", text)


@MANY
@given(text=TEXTS)
def test_unlink_of_mailto_targets_matches_the_email_regex(text: str) -> None:
    assert unlink(text, images=False, target_prefix="mailto:") == OLD_EMAIL_LINK.sub(r"\1", text)


@MANY
@given(text=TEXTS)
def test_drop_parenthesised_matches_both_bracket_regexes(text: str) -> None:
    assert drop_parenthesised(text) == OLD_PARENTHETICAL.sub("", text)
    assert drop_parenthesised(text, space_before=False) == OLD_PARENS.sub("", text)


@MANY
@given(text=TEXTS)
def test_markdown_links_are_the_ones_the_link_regex_finds(text: str) -> None:
    found = [(link.start, link.end, link.label, link.target) for link in markdown_links(text)]
    expected = [
        (m.start(), m.end(), m["label"], m["target"]) for m in OLD_MARKDOWN_LINK.finditer(text)
    ]
    assert found == expected


@MANY
@given(text=TEXTS)
def test_trailing_tags_are_cut_where_the_tag_regex_cut_them(text: str) -> None:
    expected = text
    while (tag := OLD_TRAILING_TAG.search(expected)) is not None:
        expected = expected[: tag.start()]
    assert text[: _untagged_end(text, len(text))].rstrip() == expected.rstrip()


@MANY
@given(text=TEXTS)
def test_header_hints_are_removed_as_the_hint_regex_removed_them(text: str) -> None:
    header = re.sub(r"\s+", " ", plain(text)).casefold().strip(" :：")
    expected = OLD_HINT.sub("", header).strip().rstrip(" #").strip()
    assert normalise_header(text) == expected
