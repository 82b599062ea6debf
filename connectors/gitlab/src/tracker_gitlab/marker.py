"""The hidden marker that carries an item's identity in a GitLab issue description.

`<!-- tracker:item=<id> -->` is an HTML comment: GitLab Flavored Markdown does not
render it, people rarely touch it when editing in the web UI, and one issue listing
maps every tracker issue back to its action item. The id is percent-encoded so no id
can close the comment early, and markers pasted into document text are removed so they
can't claim another item's identity.
"""

from __future__ import annotations

import re
from urllib.parse import quote, unquote

_MARKER = re.compile(r"<!--\s*tracker:item=([^\s>]+?)\s*-->")
_SAFE = "/:@.#+=_~!$&'()*,;-"
MAX_DESCRIPTION = 1_048_576  # characters GitLab accepts in an issue description


def marker(identity: str) -> str:
    if not identity:
        raise ValueError("an item identity can't be empty")
    return f"<!-- tracker:item={quote(identity, safe=_SAFE)} -->"


def identity_in(description: str | None) -> str | None:
    """The identity of the last marker in `description` (ours is always appended last)."""
    if not description:
        return None
    found = _MARKER.findall(description)
    return unquote(found[-1]) if found else None


def strip_markers(description: str | None) -> str:
    """`description` without any tracker marker (the human-written part)."""
    return _MARKER.sub("", description or "").rstrip()


def with_marker(description: str, identity: str) -> str:
    """The issue description: the text, then our marker on its own line — cut so the
    whole stays within GitLab's limit and the marker is never lost."""
    tail = marker(identity)
    text = strip_markers(description)
    room = MAX_DESCRIPTION - len(tail) - 2
    if len(text) > room:
        text = text[: room - 1] + "…"
    return f"{text}\n\n{tail}" if text else tail
