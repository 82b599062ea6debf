"""Ticket references in free text: Jira keys, GitHub refs, issue URLs, Markdown links.

The text is read left to right: Markdown links by a linear scanner (a regex retried
from every `[` of a long run), the rest by one regex between them, so a link is read
once (its target decides the system) and the key inside its label is not counted again.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from tracker.model import TicketRef, TicketSystem
from tracker.parse.scan import Link, markdown_links

# Everything but Markdown links (found by `scan.markdown_links`, which stays linear on
# runs of `[`). No match of these contains `[`, so reading the text between links gives
# what one combined left-to-right regex would. The Jira key's project is read
# possessively (`*+`): `[A-Z][A-Z0-9_]*[A-Z][A-Z0-9_]*` backtracked quadratically over a
# long run of capitals; `_is_jira_key` checks its second capital instead.
_REFERENCE = re.compile(
    r"""
    (?P<url>https?://[^\s<>()\[\]|`"']+)                                         # bare URL
  | (?<![\w/.-])(?P<repo>[A-Za-z0-9][\w.-]*+/[\w.-]++)\#(?P<repo_number>\d++)\b  # owner/repo#12
  | (?<![\w/&#])\#(?P<number>\d++)\b                                             # #12
  | \b(?P<jira>[A-Z][A-Z0-9_]*+-\d++)\b(?![-.]?\d)                              # ENG-1234
    """,
    re.VERBOSE,
)
_JIRA_URL = re.compile(r"^https?://[^/]+(?:/[^?#]*)?/browse/([A-Z][A-Z0-9_]+-\d+)(?:[/?#].*)?$")
_JIRA_SELECTED = re.compile(r"^https?://.*[?&]selectedIssue=([A-Z][A-Z0-9_]+-\d+)")
_GITHUB_URL = re.compile(
    r"^https?://[^/]+/(?:api/v3/)?(?:repos/)?([\w.-]+)/([\w.-]+)/(?:issues|pull|pulls)/(\d+)(?:[/?#].*)?$"
)
_JIRA_KEY = re.compile(r"^[A-Z][A-Z0-9_]+-\d+$")
_GITHUB_REF = re.compile(r"^(?:([\w.-]+/[\w.-]+))?#(\d+)$")
# Upper-case words with a dash and digits that are not Jira keys.
_NOT_JIRA = frozenset(
    {
        "UTF",
        "SHA",
        "SEV",
        "CVE",
        "ISO",
        "RFC",
        "TLS",
        "SSL",
        "HTTP",
        "IPV",
        "GPT",
        "MD",
        "AES",
        "COVID",
        "ARM",
        "RCA",
        "UTC",
        "GMT",
        "PR",
    }
)
_YEAR_LIKE = re.compile(r"\d{4}")


def _is_jira_key(key: str) -> bool:
    """Upper-case key shapes that are not versions, CVEs, years (`PM2021-011`) or encodings."""
    project = key.rsplit("-", 1)[0]
    if not any("A" <= char <= "Z" for char in project[1:]):
        return False  # a project names at least two capitals: `A1-2` is no key
    letters = re.match(r"[A-Z]+", project)
    return not ((letters is not None and letters[0] in _NOT_JIRA) or _YEAR_LIKE.search(project))


def classify_url(url: str) -> TicketRef:
    """A URL → the Jira issue or GitHub issue/PR it points at, or a plain `url` ref."""
    url = url.rstrip(".,;:!?")
    match = _JIRA_URL.match(url) or _JIRA_SELECTED.match(url)
    if match:
        return TicketRef(TicketSystem.JIRA, match[1], url)
    match = _GITHUB_URL.match(url)
    if match:
        return TicketRef(TicketSystem.GITHUB, f"{match[1]}/{match[2]}#{match[3]}", url)
    return TicketRef(TicketSystem.URL, url, url)


def _label_ref(label: str, url: str) -> TicketRef | None:
    label = label.strip().strip("`*_ ")
    if _JIRA_KEY.match(label) and _is_jira_key(label):
        return TicketRef(TicketSystem.JIRA, label, url)
    match = _GITHUB_REF.match(label)
    if match:
        return TicketRef(TicketSystem.GITHUB, label, url)
    return None


def parse_ticket_refs(text: str) -> list[TicketRef]:
    """Every ticket a cell or list item mentions, in order, without duplicates.

    `ENG-1234`, `#12`, `owner/repo#12`, Jira `/browse/KEY` and GitHub `/issues|pull/N`
    URLs, and Markdown links around any of them; other URLs become `url` refs.
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
        yield from _REFERENCE.finditer(text, done, link.start)
        yield _link_ref(link)
        done = link.end
    yield from _REFERENCE.finditer(text, done)


def _link_ref(link: Link) -> TicketRef | None:
    target = link.target
    if target.startswith(("http://", "https://")):
        ref = classify_url(target)
        if ref.system is TicketSystem.URL:
            return _label_ref(link.label, target) or ref
        return ref
    return _label_ref(link.label, target)


def _plain_ref(match: re.Match[str]) -> TicketRef | None:
    if match["url"] is not None:
        return classify_url(match["url"])
    if match["repo"] is not None:
        return TicketRef(TicketSystem.GITHUB, f"{match['repo']}#{match['repo_number']}")
    if match["number"] is not None:
        return TicketRef(TicketSystem.GITHUB, f"#{match['number']}")
    key = match["jira"]
    return TicketRef(TicketSystem.JIRA, key) if _is_jira_key(key) else None


def add_refs(refs: list[TicketRef], more: list[TicketRef], *, known_only: bool = False) -> None:
    """Append the refs of `more` not already in `refs` (by key); `known_only` skips plain URLs."""
    keys = {ref.key for ref in refs}
    for ref in more:
        if known_only and ref.system is TicketSystem.URL:
            continue
        if ref.key not in keys:
            keys.add(ref.key)
            refs.append(ref)
