"""Postmortem Markdown → Postmortem/ActionItem, and the value parsers behind it.

Public API (other packages import only from here):
- `parse_text`, `parse_file`, `iter_documents`: whole documents;
- `parse_ticket_refs`, `parse_status`, `parse_due`, `parse_owners`, `parse_priority`:
  single values, as the config loader, sync engine and report need them;
- `render_status`: a Status in a document's own vocabulary (for writing back);
- `Limits`: the per-document size limit and parse-time budget (`tracker.parse.budget`).

Item ids are explained in `tracker.parse.identity`.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Iterator, Mapping, Sequence
from pathlib import Path

from tracker.model import ParseWarning, Postmortem
from tracker.parse.budget import DEFAULT_LIMITS, Limits, too_large_message
from tracker.parse.discover import DEFAULT_INCLUDE, discover
from tracker.parse.document import parse_document
from tracker.parse.identity import document_key, item_id
from tracker.parse.layout import Layout
from tracker.parse.tickets import parse_ticket_refs
from tracker.parse.values import (
    parse_due,
    parse_owners,
    parse_priority,
    parse_status,
    render_status,
)

__all__ = [
    "DEFAULT_LIMITS",
    "Limits",
    "decode",
    "document_key",
    "item_id",
    "iter_documents",
    "parse_due",
    "parse_file",
    "parse_owners",
    "parse_priority",
    "parse_status",
    "parse_text",
    "parse_ticket_refs",
    "parse_with_layout",
    "render_status",
]

_SNIFF = 8192


def decode(data: bytes, path: str) -> tuple[str | None, ParseWarning | None]:
    """UTF-8 text (BOM kept), or None and the one warning that explains why not."""
    if b"\x00" in data[:_SNIFF]:
        return None, ParseWarning(path, 1, "binary", "binary file (NUL bytes); skipped")
    try:
        return data.decode("utf-8"), None
    except UnicodeDecodeError as error:
        line = data.count(b"\n", 0, error.start) + 1
        message = f"not UTF-8 (byte 0x{data[error.start]:02x} at offset {error.start}); skipped"
        return None, ParseWarning(path, line, "not-utf8", message)


def parse_with_layout(
    data: str | bytes,
    path: str,
    *,
    key: str | None = None,
    status_words: Mapping[str, str] | None = None,
    limits: Limits = DEFAULT_LIMITS,
) -> tuple[Postmortem, Layout]:
    """`parse_text` plus where each item sits in the source, for the editor."""
    raw = data if isinstance(data, bytes) else data.encode("utf-8", "surrogatepass")
    digest = hashlib.sha256(raw).hexdigest()
    if 0 < limits.max_bytes < len(raw):
        doc = Postmortem(path=path, sha256=digest, key=key or path)
        message = too_large_message(len(raw), limits)
        doc.warnings.append(ParseWarning(path, 1, "too-large", message))
        return doc, Layout()
    if isinstance(data, bytes):
        text, problem = decode(data, path)
        if text is None:
            doc = Postmortem(path=path, sha256=digest, key=key or path)
            if problem is not None:
                doc.warnings.append(problem)
            return doc, Layout()
    else:
        text = data
    doc, layout = parse_document(text, path, key=key, status_words=status_words, limits=limits)
    doc.sha256 = digest
    return doc, layout


def parse_text(
    text: str | bytes,
    path: str,
    *,
    status_words: Mapping[str, str] | None = None,
    key: str | None = None,
    limits: Limits = DEFAULT_LIMITS,
) -> Postmortem:
    """Parse one document. `path` is reported in items and warnings and, unless `key`
    or front matter `id:` is given, seeds the item ids. A document over `limits` gives
    no items and one `too-large` / `parse-timeout` warning (see `tracker.parse.budget`)."""
    return parse_with_layout(text, path, key=key, status_words=status_words, limits=limits)[0]


def parse_file(
    path: Path | str,
    *,
    status_words: Mapping[str, str] | None = None,
    root: Path | str | None = None,
    limits: Limits = DEFAULT_LIMITS,
) -> Postmortem:
    """Read and parse one file; never raises on bad content (one warning instead).

    Ids are keyed on the path relative to `root` (the file name without one). A file
    over `limits.max_bytes` is not read past that size.
    """
    file = Path(path)
    with file.open("rb") as stream:
        data = stream.read(limits.max_bytes + 1) if limits.max_bytes > 0 else stream.read()
    if 0 < limits.max_bytes < len(data):
        size = file.stat().st_size
        doc = Postmortem(path=str(path), key=document_key(file, root))
        doc.warnings.append(
            ParseWarning(str(path), 1, "too-large", too_large_message(size, limits))
        )
        return doc
    key = document_key(file, root)
    return parse_text(data, str(path), status_words=status_words, key=key, limits=limits)


def iter_documents(
    paths: Iterable[Path | str],
    *,
    include: Sequence[str] = DEFAULT_INCLUDE,
    exclude: Sequence[str] = (),
    status_words: Mapping[str, str] | None = None,
    root: Path | str | None = None,
    limits: Limits = DEFAULT_LIMITS,
) -> Iterator[Postmortem]:
    """Parse files and folders (recursively, sorted) one document at a time.

    Only one document's text and tokens are alive at once, so memory stays flat however
    many files there are. A missing path raises TrackerError (exit 2).

    `root` fixes where document keys (and so item ids) are relative to: pass the config's
    folder so `tracker sync docs/` and `tracker sync docs/a.md` name the same items. Without
    it, keys are relative to the folder each file was found in.
    """
    for file, found_in in discover(list(paths), include=include, exclude=exclude):
        key_root = root if root is not None else found_in
        try:
            yield parse_file(file, status_words=status_words, root=key_root, limits=limits)
        except OSError as error:  # unreadable (permissions, vanished): report, keep going
            doc = Postmortem(path=str(file), key=document_key(file, key_root))
            reason = error.strerror or type(error).__name__
            doc.warnings.append(ParseWarning(str(file), 1, "unreadable", f"cannot read: {reason}"))
            yield doc
