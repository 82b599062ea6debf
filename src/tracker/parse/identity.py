"""Stable action-item ids.

id = first 12 hex digits of sha1(document key + "\\x1f" + normalised action text +
"\\x1f" + occurrence), where

- the document key is the front matter `id:` when present, else the file's path
  relative to the root (POSIX separators): `tracker scan` and `tracker sync` use the
  config file's folder, or the current folder when there is no config file; a file
  outside the root is keyed by its name;
- the action text is NFKC-normalised, case-folded, with whitespace collapsed;
- occurrence counts earlier items in the same document with the same normalised action
  (0 for the first), so duplicates get distinct ids.

Nothing else goes in, so re-ordering rows, moving a table, or editing any other cell
(owner, ticket, status …) keeps the id; rewording the action gives a new item.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from pathlib import Path, PurePath

_SPACES = re.compile(r"\s+")


def normalise_action(action: str) -> str:
    return _SPACES.sub(" ", unicodedata.normalize("NFKC", action)).strip().casefold()


def item_id(document_key: str, action: str, occurrence: int = 0) -> str:
    payload = f"{document_key}\x1f{normalise_action(action)}\x1f{occurrence}"
    return hashlib.sha1(payload.encode("utf-8")).hexdigest()[:12]


def document_key(path: Path | str, root: Path | str | None = None) -> str:
    """The path relative to `root` (POSIX form); the bare file name without a root."""
    file = Path(path)
    if root is None:
        return file.name
    try:
        return PurePath(file.resolve().relative_to(Path(root).resolve())).as_posix()
    except ValueError:
        return file.name
