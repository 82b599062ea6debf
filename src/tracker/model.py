"""The domain vocabulary every stage of the pipeline shares.

parse → plan → apply → write back → report all speak in these types, so no stage
needs to know how another one stores or fetches them.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from datetime import date
from enum import StrEnum
from pathlib import Path


class Status(StrEnum):
    """Where an action item stands; the four words every source is mapped onto."""

    OPEN = "open"
    IN_PROGRESS = "in_progress"
    DONE = "done"
    WONT_DO = "wont_do"

    @property
    def is_closed(self) -> bool:
        return self in (Status.DONE, Status.WONT_DO)


PRIORITIES: tuple[str, ...] = ("P0", "P1", "P2", "P3", "P4")


# `TicketRef.system` of a link no installed connector claims; any other system is the
# entry-point name of the connector that reads and writes it ("jira", "gitlab", ...).
URL_SYSTEM = "url"


@dataclass(frozen=True, slots=True)
class TicketRef:
    """A reference to a ticket as written in a document or returned by a connector.

    `key` is the canonical form the owning connector gives it (`ENG-1234`,
    `owner/repo#12`; `#12` when the scope is not named in the text), the URL itself
    for an unclaimed link.
    """

    system: str  # a connector's entry-point name, or URL_SYSTEM
    key: str
    url: str | None = None

    def __str__(self) -> str:
        return self.key


# Warning codes that mean a document's content was not read (so it has no items).
UNREAD_CODES = frozenset({"binary", "not-utf8", "too-large", "parse-timeout", "unreadable"})


@dataclass(frozen=True, slots=True)
class ParseWarning:
    """A problem in a document: reported with file:line, never raised."""

    path: str
    line: int
    code: str
    message: str

    def __str__(self) -> str:
        return f"{self.path}:{self.line}: {self.code}: {self.message}"


class Cells(Mapping[str, str]):
    """A row's cells by column, read only and compact: a sync at 100,000 items holds a
    row's cells per item, and a dict of six cells takes 272 bytes, this 136 (the column
    names are one tuple shared by every row of the same columns). Reads as the dict it
    was made from: same keys in the same order, equal to it."""

    __slots__ = ("_columns", "_values")

    def __init__(self, cells: Mapping[str, str]) -> None:
        self._columns = _columns(tuple(cells))
        self._values = tuple(cells.values())

    def __getitem__(self, column: str) -> str:
        try:
            return self._values[self._columns.index(column)]
        except ValueError:
            raise KeyError(column) from None

    def __contains__(self, column: object) -> bool:
        return column in self._columns

    def __iter__(self) -> Iterator[str]:
        return iter(self._columns)

    def __len__(self) -> int:
        return len(self._columns)

    def __repr__(self) -> str:
        return repr(dict(self))


_COLUMN_TUPLES: dict[tuple[str, ...], tuple[str, ...]] = {}


def _columns(names: tuple[str, ...]) -> tuple[str, ...]:
    """One tuple per set of column names (a corpus has a handful; bounded anyway)."""
    kept = _COLUMN_TUPLES.get(names)
    if kept is None:
        kept = names
        if len(_COLUMN_TUPLES) < 1_000:
            _COLUMN_TUPLES[names] = names
    return kept


@dataclass(slots=True)
class ActionItem:
    """One action item, tied to the exact place in the document it came from.

    `raw` maps each canonical column (action, owner, due, ticket, status, priority,
    type) to the cell text as written; `extras` keeps columns we don't understand.
    `found_by` names the parser rule that made it an item (`tracker scan --explain`).
    `earlier_id`: the id before the action text was cleaned (see tracker.parse.text).
    """

    id: str
    path: str
    line: int
    action: str
    owners: list[str] = field(default_factory=list)
    due: date | None = None
    priority: str | None = None
    status: Status = Status.OPEN
    tickets: list[TicketRef] = field(default_factory=list)
    type: str | None = None
    raw: Mapping[str, str] = field(default_factory=dict)  # a Cells once parsed
    extras: Mapping[str, str] = field(default_factory=dict)
    kind: str = "table"  # "table" or "list"
    table_index: int | None = None
    row_index: int | None = None
    found_by: str = ""  # e.g. "action-table", "checkbox-list"; see tracker.parse.rules
    # The id the previous release's parser gave this item, when its text cleaning has
    # changed the action since (tracker.store.earlier_ids re-keys stored items to `id`).
    earlier_id: str | None = None

    @property
    def is_unowned(self) -> bool:
        return not self.owners


@dataclass(slots=True)
class Postmortem:
    """A parsed document: its metadata, its action items and what was wrong with it."""

    path: str
    title: str | None = None
    date: date | None = None
    severity: str | None = None
    status: str | None = None
    authors: list[str] = field(default_factory=list)
    team: str | None = None
    language: str = "en"  # "en" or "zh": decides the vocabulary used when writing back
    front_matter: dict[str, object] = field(default_factory=dict)
    items: list[ActionItem] = field(default_factory=list)
    warnings: list[ParseWarning] = field(default_factory=list)
    sha256: str | None = None  # of the bytes parsed, so writers can refuse stale edits
    key: str | None = None  # front matter `id` or path relative to the scan root; seeds item ids

    @property
    def file(self) -> Path:
        return Path(self.path)

    @property
    def unread(self) -> bool:
        """Not read whole this time (binary, not UTF-8, over the size or time budget,
        unreadable): its missing items are unknown, never to be taken as removed."""
        return any(warning.code in UNREAD_CODES for warning in self.warnings)
