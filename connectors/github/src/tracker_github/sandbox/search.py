"""The subset of GitHub's issue search syntax the sync engine uses, as a predicate.

`repo:o/r is:issue is:open label:x "marker" in:body` — qualifiers GitHub documents
(https://docs.github.com/en/search-github/searching-on-github/searching-issues-and-pull-requests).
Free text and quoted phrases match case-insensitively as substrings of the fields named by
`in:` (title and body by default). Unknown `key:value` words are searched as text, as GitHub does.
"""

from __future__ import annotations

import shlex
from dataclasses import dataclass, field

from tracker_github.sandbox.state import IssueRecord, LabelRecord, RepoRecord


@dataclass
class IssueQuery:
    repos: list[str] = field(default_factory=list)  # lower-cased "owner/name"
    kind: str | None = None  # "issue" | "pr"
    state: str | None = None  # "open" | "closed"
    labels: list[str] = field(default_factory=list)
    excluded_labels: list[str] = field(default_factory=list)
    author: str | None = None
    assignee: str | None = None
    no_assignee: bool = False
    reason: str | None = None  # state_reason
    fields: set[str] = field(default_factory=set)  # from in: ; empty = title and body
    terms: list[str] = field(default_factory=list)


def parse_query(q: str) -> IssueQuery:
    """Parse a search string; raises ValueError when quotes don't balance."""
    lexer = shlex.shlex(q, posix=True)
    lexer.whitespace_split = True
    lexer.commenters = ""
    query = IssueQuery()
    for word in lexer:
        negated = word.startswith("-") and ":" in word
        key, sep, value = word.lstrip("-").partition(":") if negated else word.partition(":")
        key = key.lower()
        if not sep or not value:
            query.terms.append(word.lower())
            continue
        lowered = value.lower()
        if key == "repo":
            query.repos.append(lowered)
        elif key in ("is", "type", "state"):
            if lowered in ("issue", "pr", "pull-request"):
                query.kind = "issue" if lowered == "issue" else "pr"
            elif lowered in ("open", "closed"):
                query.state = lowered
            else:
                query.terms.append(word.lower())
        elif key == "label":
            (query.excluded_labels if negated else query.labels).append(lowered)
        elif key == "author":
            query.author = lowered
        elif key == "assignee":
            query.assignee = lowered
        elif key == "no" and lowered == "assignee":
            query.no_assignee = True
        elif key == "reason":
            query.reason = lowered.replace(" ", "_").replace('"', "")
        elif key == "in":
            query.fields.update(part for part in lowered.split(",") if part)
        else:
            query.terms.append(word.lower())
    return query


def matches(query: IssueQuery, repo: RepoRecord, issue: IssueRecord) -> bool:
    """Whether `issue` (in `repo`) is a hit for `query`."""
    if query.repos and repo.full_name.lower() not in query.repos:
        return False
    if query.kind == "issue" and issue.pull_request:
        return False
    if query.kind == "pr" and not issue.pull_request:
        return False
    if query.state and issue.state != query.state:
        return False
    names = {_label_name(repo.labels.get(key), key) for key in issue.labels}
    if any(label not in names for label in query.labels):
        return False
    if any(label in names for label in query.excluded_labels):
        return False
    if query.author and issue.user.lower() != query.author:
        return False
    if query.assignee and query.assignee not in {a.lower() for a in issue.assignees}:
        return False
    if query.no_assignee and issue.assignees:
        return False
    if query.reason and (issue.state_reason or "") != query.reason:
        return False
    haystack = _haystack(query, issue)
    return all(term in haystack for term in query.terms)


def _label_name(label: LabelRecord | None, key: str) -> str:
    return label.name.lower() if label else key


def _haystack(query: IssueQuery, issue: IssueRecord) -> str:
    fields = query.fields or {"title", "body"}
    parts: list[str] = []
    if "title" in fields:
        parts.append(issue.title)
    if "body" in fields:
        parts.append(issue.body or "")
    if "comments" in fields:
        parts.extend(c.body for c in issue.comments)
    return "\n".join(parts).lower()
