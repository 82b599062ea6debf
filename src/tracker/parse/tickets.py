"""Ticket references in free text, as the installed connectors read them, and links.

The text is read left to right: Markdown links by a linear scanner (a regex retried
from every `[` of a long run), the rest by one regex between them, so a link is read
once (its target decides the system) and the key inside its label is not counted again.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from functools import cache

from tracker.connectors import TicketSyntax, ticket_syntaxes
from tracker.model import URL_SYSTEM, TicketRef
from tracker.parse.scan import Link, markdown_links

# Everything but Markdown links (found by `scan.markdown_links`, which stays linear on
# runs of `[`): bare URLs, then each installed connector's reference pattern (its
# `TicketSyntax`, in priority order). No match contains `[`, so reading the text between
# links gives what one combined left-to-right regex would.
_URL = r"(?P<url>https?://[^\s<>()\[\]|`\"']+)"


def _syntaxes() -> tuple[tuple[str, TicketSyntax], ...]:
    return ticket_syntaxes()


def _reference_regex() -> re.Pattern[str]:
    return _combined(tuple(syntax.pattern for _, syntax in _syntaxes()))


@cache
def _combined(patterns: tuple[str, ...]) -> re.Pattern[str]:
    parts = [_URL] + [f"(?P<s{i}>{pattern})" for i, pattern in enumerate(patterns)]
    return re.compile("|".join(parts))


def classify_url(url: str) -> TicketRef:
    """A URL → the ticket an installed connector says it points at, or a plain `url` ref."""
    url = url.rstrip(".,;:!?")
    for _, syntax in _syntaxes():
        ref = syntax.read_url(url)
        if ref is not None:
            return ref
    return TicketRef(URL_SYSTEM, url, url)


def _label_ref(label: str, url: str) -> TicketRef | None:
    label = label.strip().strip("`*_ ")
    for _, syntax in _syntaxes():
        ref = syntax.read(label)
        if ref is not None:
            return TicketRef(ref.system, ref.key, url)
    return None


def parse_ticket_refs(text: str) -> list[TicketRef]:
    """Every ticket a cell or list item mentions, in order, without duplicates.

    Whatever the installed connectors' syntaxes read (`ENG-1234`, `#12`, `owner/repo#12`,
    their issue URLs) and Markdown links around any of them; other URLs become `url` refs.
    `n/a`, `-` and empty text give [].
    """
    refs: list[TicketRef] = []
    seen: set[str] = set()
    for found in _references(text):
        if found is None:
            continue
        ref: TicketRef | None = found if isinstance(found, TicketRef) else _plain_ref(found)
        if ref is not None and ref.key not in seen:
            seen.add(ref.key)
            refs.append(ref)
    return refs


def _references(text: str) -> Iterator[TicketRef | re.Match[str] | None]:
    """Links (as refs) and other reference matches, left to right."""
    done = 0
    for link in markdown_links(text) if "[" in text else ():
        yield from _reference_regex().finditer(text, done, link.start)
        yield _link_ref(link)
        done = link.end
    yield from _reference_regex().finditer(text, done)


def _link_ref(link: Link) -> TicketRef | None:
    target = link.target
    if target.startswith(("http://", "https://")):
        ref = classify_url(target)
        if ref.system == URL_SYSTEM:
            return _label_ref(link.label, target) or ref
        return ref
    return _label_ref(link.label, target)


def _plain_ref(match: re.Match[str]) -> TicketRef | None:
    if match["url"] is not None:
        return classify_url(match["url"])
    group = match.lastgroup or ""
    _, syntax = _syntaxes()[int(group[1:])]
    return syntax.read(match[group])


def add_refs(refs: list[TicketRef], more: list[TicketRef], *, known_only: bool = False) -> None:
    """Append the refs of `more` not already in `refs` (by key); `known_only` skips plain URLs."""
    keys = {ref.key for ref in refs}
    for ref in more:
        if known_only and ref.system == URL_SYSTEM:
            continue
        if ref.key not in keys:
            keys.add(ref.key)
            refs.append(ref)
