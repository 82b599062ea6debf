"""Incremental local work: which documents a sync may leave unread this run.

A sync that found every item of a document settled (planned "nothing", no warning, no
pending create) remembers the document in the store's `document_cache` under a key:
the SHA-256 of its bytes plus the run's *fingerprint* — the configuration, tracker's
own code and the store's schema revision. A document the run wrote only to link
tickets it created, every create clean, is remembered under the hash of the bytes
written (see `tracker.sync.engine._rewritten`). The next run hashes each file; one whose
key still matches is not parsed, planned or recorded. Its tickets are still read (the
cached entry keeps their read scopes), and a ticket that changed makes the document
*dirty*: it is parsed and planned as usual. Everything else that can change an item's
outcome changes the key: an edit (bytes, `tracker:` markers included), any setting,
an upgrade of tracker or its schema, a rename (a new path). `run_sync(full=True)`
(`tracker sync --full`) ignores the cache altogether.

Crash safety: a run drops the entries of every document it parses before writing
anything, and stores the new ones after recording, in one transaction.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from functools import cache
from pathlib import Path

from sqlalchemy import delete, insert, select

from tracker.config import Config
from tracker.store import Store
from tracker.store.chunks import chunks
from tracker.store.models import DocumentCache

_CACHE = DocumentCache.__table__  # type: ignore[attr-defined]


@dataclass(frozen=True)
class CacheEntry:
    """A settled document as the last run left it."""

    sha256: str
    items: int
    scopes: tuple[str, ...]


@dataclass
class DocumentSplit:
    """This run's documents: files to parse, and settled ones left unread."""

    to_parse: list[Path] = field(default_factory=list)
    unchanged: dict[str, CacheEntry] = field(default_factory=dict)  # canonical path → entry
    files: dict[str, Path] = field(default_factory=dict)  # canonical path → file as found
    stale: list[str] = field(default_factory=list)  # entries whose file is gone


@cache
def code_fingerprint() -> str:
    """tracker's own source (every module of the package), so an upgrade re-reads all."""
    import tracker

    root = Path(tracker.__file__).parent
    digest = hashlib.sha256()
    for file in sorted(root.rglob("*.py")):
        digest.update(file.relative_to(root).as_posix().encode())
        digest.update(file.read_bytes())
    return digest.hexdigest()


def run_fingerprint(config: Config) -> str:
    """Everything besides a document's bytes that decides its items' outcomes. Secrets
    are `${ENV_VAR}` references in the configuration, so none reach the digest."""
    from tracker.store import head_revision

    payload = json.dumps(
        [config.model_dump(mode="json"), str(config.base_dir), code_fingerprint(), head_revision()],
        sort_keys=True,
        default=str,
    )
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()


def load_cache(store: Store, fingerprint: str) -> dict[str, CacheEntry]:
    """The settled documents recorded under this fingerprint (others are stale)."""
    query = select(_CACHE.c.path, _CACHE.c.sha256, _CACHE.c.item_count, _CACHE.c.scopes).where(
        _CACHE.c.fingerprint == fingerprint
    )
    with store.engine.connect() as connection:
        return {
            row.path: CacheEntry(row.sha256, row.item_count, tuple(row.scopes or ()))
            for row in connection.execute(query)
        }


def split_documents(
    config: Config, paths: Sequence[Path], cache: dict[str, CacheEntry]
) -> DocumentSplit:
    """Walk `paths` as the scan would; a file whose bytes hash to its cached entry is
    left unread, every other file is to be parsed (in the scan's order)."""
    from tracker.parse.discover import discover
    from tracker.store.recording import canonical_path

    split = DocumentSplit()
    documents = config.documents
    for file, _ in discover(list(paths), include=documents.include, exclude=documents.exclude):
        name = canonical_path(file, config.base_dir) if cache else ""
        entry = cache.get(name) if cache else None
        if entry is not None and _sha256(file) == entry.sha256:
            split.unchanged[name] = entry
            split.files[name] = file
        else:
            split.to_parse.append(file)
    # A document that vanished is recorded as removed: should it come back with the
    # same bytes, it must be read (and recorded) again, not taken as unchanged.
    split.stale = [
        p for p in cache if p not in split.unchanged and not (config.base_dir / p).exists()
    ]
    return split


def _sha256(file: Path) -> str | None:
    try:
        return hashlib.sha256(file.read_bytes()).hexdigest()
    except OSError:
        return None  # unreadable now: parsed, so the scan reports it


def forget(store: Store, paths: Iterable[str]) -> None:
    """Drop the entries of documents this run re-reads (before it writes anything)."""
    ordered = sorted(set(paths))
    if not ordered:
        return
    with store.engine.begin() as connection:
        for chunk in chunks(ordered):
            connection.execute(delete(_CACHE).where(_CACHE.c.path.in_(chunk)))


def remember(
    store: Store,
    entries: dict[str, CacheEntry],
    fingerprint: str,
    *,
    now: datetime,
) -> None:
    """Store the documents this run found settled (replacing their old entries)."""
    if not entries:
        return
    rows = [
        {
            "path": path,
            "sha256": entry.sha256,
            "fingerprint": fingerprint,
            "item_count": entry.items,
            "scopes": list(entry.scopes),
            "updated_at": now,
        }
        for path, entry in entries.items()
    ]
    ordered = sorted(entries)
    with store.engine.begin() as connection:
        for chunk in chunks(ordered):
            connection.execute(delete(_CACHE).where(_CACHE.c.path.in_(chunk)))
        for batch in chunks(rows):
            connection.execute(insert(_CACHE), batch)
