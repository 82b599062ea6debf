"""The hidden marker that carries an item's identity in a GitHub issue body.

`<!-- tracker:item=<id> -->` is invisible in the rendered issue, survives edits made in
the web UI (people rarely touch an HTML comment), and lets one issue listing map every
tracker issue back to its action item. The id is percent-encoded so no id can close the
comment early, and markers pasted into document text are removed so they can't claim
another item's identity.
"""

from __future__ import annotations

import re
from urllib.parse import quote, unquote

_MARKER = re.compile(r"<!--\s*tracker:item=([^\s>]+?)\s*-->")
_SAFE = "/:@.#+=_~!$&'()*,;-"
MAX_BODY = 65_536


def marker(identity: str) -> str:
    if not identity:
        raise ValueError("an item identity can't be empty")
    return f"<!-- tracker:item={quote(identity, safe=_SAFE)} -->"


def identity_in(body: str | None) -> str | None:
    """The identity of the last marker in `body` (ours is always appended last)."""
    if not body:
        return None
    found = _MARKER.findall(body)
    return unquote(found[-1]) if found else None


def strip_markers(body: str | None) -> str:
    """`body` without any tracker marker (the human-written part)."""
    return _MARKER.sub("", body or "").rstrip()


def with_marker(description: str, identity: str) -> str:
    """The issue body: the description, then our marker on its own line — cut so the
    whole stays within GitHub's 65,536 characters and the marker is never lost."""
    tail = marker(identity)
    text = strip_markers(description)
    room = MAX_BODY - len(tail) - 2
    if len(text) > room:
        text = text[: room - 1] + "…"
    return f"{text}\n\n{tail}" if text else tail
