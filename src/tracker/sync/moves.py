"""Links that survive a rename or a reword made before they were written into the row.

An item id hashes the document's path and the action text, so renaming the file or
rewording the action gives a new id. Once the row names its ticket, the link follows
the ticket key (`local.carry_over_reworded`). Before that — no Ticket column and none
added, a crash between create and write-back, an edit before the nightly run — only
the store's record of the vanished item can say which new row is the same one:

- a *renamed file*: a document that vanished from disk and a new one (none of its
  items linked at that path; rows naming their ticket have moved with it) with mostly the same actions (at least half of the larger side) are
  the same document; its items pair by action text (and order, for repeated actions);
- a *reworded row*: in the same (or renamed) document, a new unlinked row (not there
  when the store last recorded the document) with the same owners, due date, priority
  and status as the vanished one, at the same line or the same position among the
  document's items.

A match moves the baseline to the new id, so the ticket is updated (its summary
follows the reword) and the link is written if it can be. Anything ambiguous (two
rows that could be it, two documents that could be the renamed one) is not guessed:
a warning names both, and the rows are treated as new / deleted as before.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from datetime import date, datetime
from pathlib import Path

from sqlalchemy import select

from tracker.config import Config
from tracker.model import Postmortem
from tracker.parse.identity import normalise_action
from tracker.store import Store
from tracker.store.chunks import chunks
from tracker.store.earlier_ids import earlier_renames
from tracker.store.models import ActionItemRow
from tracker.store.recording import canonical_path
from tracker.store.routing import Router
from tracker.store.types import as_utc
from tracker.sync.plan import LocalItem
from tracker.sync.state import Baseline

_ITEM = ActionItemRow.__table__  # type: ignore[attr-defined]
RENAME_SHARE = 0.5  # a renamed document keeps at least this share of its actions

RowFields = tuple[tuple[str, ...], date | None, str | None, str]  # owners, due, priority, status


@dataclass(frozen=True)
class _Row:
    """An item as the store last recorded it, or as this run found it."""

    item_id: str
    path: str
    line: int
    action: str  # normalised
    fields: RowFields
    ordinal: int  # position among the document's items


@dataclass
class _Moves:
    baselines: dict[str, Baseline]
    orphans: dict[str, Baseline]
    moved: list[Baseline]
    warnings: list[str]
    notes: list[str] = field(default_factory=list)

    def move(self, old: _Row, new: _Row) -> None:
        baseline = self.orphans.pop(old.item_id)
        self.baselines[new.item_id] = replace(baseline, item_id=new.item_id, path=None)
        del self.baselines[old.item_id]
        self.moved.append(baseline.retire(f"moved to {new.item_id} ({new.path}:{new.line})"))
        self.moved.append(self.baselines[new.item_id])
        if old.action != new.action:
            self.notes.append(
                f"{new.path}:{new.line}: keeps {baseline.key} (reworded; was {old.path}:{old.line})"
            )

    def warn(self, text: str) -> None:
        if text not in self.warnings:
            self.warnings.append(text)


def adopt_earlier_ids(
    baselines: dict[str, Baseline], documents: list[Postmortem], base_dir: Path
) -> None:
    """Baselines stored under the id the previous parser gave an item move to its id now.

    The store's own rows are renamed when this run is recorded (`store.earlier_ids`);
    this makes the plan (a dry run too) see those items as linked already."""
    pairs = [
        (item, canonical_path(doc.path, base_dir))
        for doc in documents
        for item in doc.items
        if item.earlier_id is not None
    ]
    if not pairs:
        return
    stored = {baseline.item_id: baseline.path for baseline in baselines.values()}
    for old, new in earlier_renames(pairs, stored).items():
        baselines[new] = replace(baselines.pop(old), item_id=new)


def carry_over_moved(
    locals_: list[LocalItem],
    documents: list[Postmortem],
    baselines: dict[str, Baseline],
    store: Store,
    config: Config,
) -> tuple[list[Baseline], list[str]]:
    """Move baselines of vanished items to the rows they became (see the module docs).

    Returns the baselines to store (the old ones retired, the moved ones under their
    new ids) and messages: matches not guessed, then each move made."""
    base_dir = config.base_dir
    present = {local.item.id for local in locals_}
    scanned = {canonical_path(doc.path, base_dir) for doc in documents}
    orphans = {  # vanished from a document read now, or with their document
        b.item_id: b
        for b in baselines.values()
        if not b.retired
        and b.item_id not in present
        and b.path
        and (b.path in scanned or not (base_dir / b.path).exists())
    }
    moves = _Moves(baselines, orphans, [], [])
    if not orphans:
        return [], []
    stored = _stored_rows(store, {b.path for b in orphans.values() if b.path}, set(orphans))
    found = _found_rows(documents, base_dir, Router(config))
    linked = set()  # documents with items linked at this very path: not new, not renamed
    for local in locals_:
        path = canonical_path(local.item.path, base_dir)
        baseline = baselines.get(local.item.id)
        if baseline is not None and baseline.path == path:
            linked.add(path)
    named = {local.item.id for local in locals_ if local.named is not None}
    unlinked = {
        path: [row for row in rows if row.item_id not in baselines and row.item_id not in named]
        for path, rows in found.items()
    }
    pairs: list[tuple[str, str]] = []
    vanished = [p for p in stored if p not in scanned and not (base_dir / p).exists()]
    fresh = [p for p in found if p not in linked and p not in stored]
    pairs += _renamed_files(vanished, fresh, stored, found, moves)
    pairs += [(path, path) for path in stored if path in scanned]
    for old_path, new_path in pairs:
        olds = [row for row in stored[old_path] if row.item_id in orphans]
        known = {row.item_id for row in stored[old_path]}  # rows that were there already
        news = [
            row
            for row in unlinked.get(new_path, [])
            if row.item_id not in moves.baselines and row.item_id not in known
        ]
        if old_path != new_path:
            _pair_by_action(olds, news, moves)
            kept = sum(1 for row in olds if row.item_id not in orphans)
            moves.notes.append(f"{new_path}: {old_path} renamed; {kept} item(s) keep their tickets")
            olds = [row for row in olds if row.item_id in orphans]
            news = [row for row in news if row.item_id not in moves.baselines]
        _pair_by_row(olds, news, moves)
    return moves.moved, moves.warnings + moves.notes


def _stored_rows(store: Store, paths: set[str], orphans: set[str]) -> dict[str, list[_Row]]:
    """Per document path, its items as recorded just before the orphans vanished: live
    now, or — when a scan has recorded the edit already — live until that scan."""
    if not paths:
        return {}
    names = ("id", "path", "line", "action", "owners", "due", "priority", "status")
    columns = [_ITEM.c[name] for name in names]
    columns += [_ITEM.c.first_seen_at, _ITEM.c.removed_at]
    ordered = sorted(paths)
    with store.session() as session:
        records = [
            record
            for chunk in chunks(ordered)
            for record in session.execute(select(*columns).where(_ITEM.c.path.in_(chunk)))
        ]
    cutoff: dict[str, datetime] = {}
    for record in records:
        if record.id in orphans and record.removed_at is not None:
            moment = as_utc(record.removed_at)
            cutoff[record.path] = min(moment, cutoff.get(record.path, moment))
    by_path: dict[str, list[_Row]] = defaultdict(list)
    for record in sorted(records, key=lambda r: (r.path, r.line)):
        until = cutoff.get(record.path)
        if until is None:
            live = record.removed_at is None
        else:
            removed = as_utc(record.removed_at) if record.removed_at is not None else None
            live = as_utc(record.first_seen_at) < until and (removed is None or removed >= until)
        if not live:
            continue
        rows = by_path[record.path]
        fields = (tuple(record.owners or ()), record.due, record.priority, record.status)
        action = normalise_action(record.action)
        rows.append(_Row(record.id, record.path, record.line, action, fields, len(rows)))
    return dict(by_path)


def _found_rows(
    documents: list[Postmortem], base_dir: Path, router: Router
) -> dict[str, list[_Row]]:
    """Per scanned document, its items as this run read them."""
    by_path: dict[str, list[_Row]] = {}
    for doc in documents:
        path = canonical_path(doc.path, base_dir)
        rows: list[_Row] = []
        for item in doc.items:
            if not item.action.strip():
                continue
            owners = tuple(router.canonical_owners(item.owners))
            fields = (owners, item.due, item.priority, str(item.status))
            rows.append(
                _Row(item.id, path, item.line, normalise_action(item.action), fields, len(rows))
            )
        by_path[path] = rows
    return by_path


def _action_keys(rows: Iterable[_Row]) -> dict[tuple[str, int], _Row]:
    """(action, how many earlier rows share it) → row: repeated actions pair in order."""
    seen: dict[str, int] = defaultdict(int)
    keys = {}
    for row in rows:
        keys[(row.action, seen[row.action])] = row
        seen[row.action] += 1
    return keys


def _renamed_files(
    vanished: list[str],
    fresh: list[str],
    stored: Mapping[str, list[_Row]],
    found: Mapping[str, list[_Row]],
    moves: _Moves,
) -> list[tuple[str, str]]:
    """(old path, new path) for each vanished document that one new document resembles."""
    similar: dict[str, list[str]] = defaultdict(list)
    for old in vanished:
        old_keys = set(_action_keys(stored[old]))
        for new in fresh:
            new_keys = set(_action_keys(found[new]))
            shared = len(old_keys & new_keys)
            if shared and shared >= RENAME_SHARE * max(len(old_keys), len(new_keys)):
                similar[old].append(new)
    claims: dict[str, list[str]] = defaultdict(list)
    for old, news in similar.items():
        for new in news:
            claims[new].append(old)
    pairs = []
    for old, news in similar.items():
        if len(news) > 1:
            moves.warn(
                f"{old} vanished and {' and '.join(news)} both look like it renamed; "
                "not guessed: their rows get new tickets unless they name the old ones"
            )
        elif len(claims[news[0]]) > 1:
            moves.warn(
                f"{news[0]} looks like {' and '.join(claims[news[0]])} renamed; "
                "not guessed: its rows get new tickets unless they name the old ones"
            )
        else:
            pairs.append((old, news[0]))
    return pairs


def _pair_by_action(olds: list[_Row], news: list[_Row], moves: _Moves) -> None:
    """A renamed document's items: the same action text (in order) is the same item."""
    new_keys = _action_keys(news)
    for key, old in _action_keys(olds).items():
        new = new_keys.get(key)
        if new is not None:
            moves.move(old, new)


def _pair_by_row(olds: list[_Row], news: list[_Row], moves: _Moves) -> None:
    """A reworded row: the one unlinked row with the vanished row's other fields, at its
    line or its position. Two possible rows (or two vanished rows for one) are warned
    about and left alone."""
    fits = {old.item_id: [new for new in news if new.fields == old.fields] for old in olds}
    claims: dict[str, list[_Row]] = defaultdict(list)
    for old in olds:
        for new in fits[old.item_id]:
            claims[new.item_id].append(old)
    for old in olds:
        same = fits[old.item_id]
        placed = [new for new in same if new.line == old.line or new.ordinal == old.ordinal]
        if not placed:
            continue
        key = moves.orphans[old.item_id].key
        if len(same) > 1:
            rows = " and ".join(f"{new.path}:{new.line}" for new in same)
            moves.warn(
                f"{rows} could each be {old.path}:{old.line} ({key}) reworded; not guessed: "
                f"name {key} in the right row to keep it linked"
            )
        elif len(claims[same[0].item_id]) > 1:
            rivals = claims[same[0].item_id]
            was = " and ".join(
                f"{row.path}:{row.line} ({moves.orphans[row.item_id].key})" for row in rivals
            )
            moves.warn(
                f"{same[0].path}:{same[0].line} could be {was} reworded; not guessed: "
                "name the ticket in the row to keep it linked"
            )
        else:
            moves.move(old, same[0])
