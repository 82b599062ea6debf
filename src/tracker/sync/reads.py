"""Everything the engine reads from the ticket systems, in as few calls as possible.

Per read scope (a Jira project or a GitHub repository), one incremental listing of
what changed since the scope's high-water mark (the whole scope the first time), then
one identity lookup per batch of new items the listing can't vouch for, plus a batched
fetch of tickets named in rows that tracker hasn't linked yet. Never one call per item.
Items with a pending create intent and no ticket are settled per scope by the
connector's trusted `find_created` (a search miss is not "absent"): what it can't
settle is reported as unsettled, and the plan defers it.
Listings stream: a page at a time, each ticket kept only if it may matter — not when
the store says tracker saw it last (its own write, or a read it planned from) and it
hasn't changed since (same `updated_at` and status), and its identity only when an
unlinked item of this run may need it. So the night after a first sync, or a weekly
full listing, holds the tickets someone else changed, not every ticket.
A scope whose reads fail is reported as unreadable: nothing in it is planned, and a
failed read is never taken to mean "deleted".
"""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Callable, Collection, Iterable, Iterator, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime

from tracker.connectors import Connector, ConnectorError, RemoteTicket, Target
from tracker.errors import ConfigError
from tracker.model import TicketRef
from tracker.sync.connectors import ConnectorPool
from tracker.sync.intents import Intent, intents_by_scope
from tracker.sync.plan import RemoteView, remote_key

log = logging.getLogger(__name__)
IDENTITY_BATCH = 100
PAGE = 100  # tickets compared with the store at once while a listing streams

# (system, keys) → key → (updated_at, status) tracker last saw the ticket with
Recorded = Callable[[str, list[str]], Mapping[str, tuple[datetime | None, str | None]]]


@dataclass
class ScopeRead:
    """What one scope needs reading this run."""

    target: Target
    since: datetime | None  # None: a full listing of the scope
    new_items: list[str] = field(default_factory=list)  # item ids that may need a create
    linked: list[TicketRef] = field(default_factory=list)  # tickets we expect in the scope


@dataclass
class ReadResult:
    view: RemoteView
    marks: dict[str, datetime]  # scope → the high-water mark to keep if this run succeeds
    errors: dict[str, str]  # scope or "system:key" → message
    absent: frozenset[str] = frozenset()  # pending creates certainly never made


def read_remote(
    pool: ConnectorPool,
    scopes: Mapping[str, ScopeRead],
    named: Mapping[str, list[TicketRef]],
    *,
    workers: int = 8,
    started: datetime | None = None,
    intents: Mapping[str, Intent] | None = None,
    wanted_identities: Collection[str] | None = None,
    recorded: Recorded | None = None,
) -> ReadResult:
    """Run every scope's reads (in parallel, one thread per scope) and the named fetches.

    `wanted_identities` are the item ids whose tickets found by identity matter (None: all);
    `recorded` says what tracker last saw of listed tickets (None: keep every ticket).

    `started` is "now" for the high-water marks (default: the clock of this machine).
    Credentials a system rejects are not a per-item failure but a configuration error
    (raised once every read has finished): no item of that system could be synced.
    """
    tickets: dict[str, RemoteTicket] = {}
    identities: dict[str, RemoteTicket] = {}
    marks: dict[str, datetime] = {}
    started = started or datetime.now(UTC)
    errors: dict[str, str] = {}
    rejected: dict[str, ConnectorError] = {}  # system → its first read error
    with ThreadPoolExecutor(max_workers=max(1, workers)) as executor:
        futures = {
            scope: executor.submit(_read_scope, pool, read, wanted_identities, recorded)
            for scope, read in scopes.items()
        }
        named_future = executor.submit(_read_named, pool, named)
        for scope, future in futures.items():
            try:
                found, by_identity = future.result()
            except ConnectorError as error:
                errors[scope] = error.message
                rejected.setdefault(scope.split(":", 1)[0], error)
                continue
            tickets.update(found)
            identities.update(by_identity)
            marks[scope] = high_water_mark(started)
        named_found, named_errors, named_rejected = named_future.result()
    errors.update(named_errors)
    for system, failure in named_rejected.items():
        rejected.setdefault(system, failure)
    credentials = [error for error in rejected.values() if credentials_rejected(error)]
    if credentials:
        raise ConfigError(
            credentials[0].message,
            hint=credentials[0].hint or "check the connector's token environment variable",
        )
    for key, ticket in named_found.items():
        tickets.setdefault(key, ticket)
    unsettled, absent = _settle_intents(pool, intents or {}, identities, workers=workers)
    view = RemoteView(
        tickets=tickets,
        by_identity=identities,
        unreadable=frozenset(errors),
        unsettled=frozenset(unsettled),
        pending=frozenset(intents or {}),
    )
    return ReadResult(view=view, marks=marks, errors=errors, absent=frozenset(absent))


def _settle_intents(
    pool: ConnectorPool,
    intents: Mapping[str, Intent],
    identities: dict[str, RemoteTicket],
    *,
    workers: int,
) -> tuple[set[str], set[str]]:
    """Pending creates not already found: one `find_created` per scope (in parallel).
    Found tickets join `identities`; returns the item ids still unknown, and those
    certainly never made."""
    waiting = {i: intent for i, intent in intents.items() if i not in identities}
    unknown: set[str] = set()
    never: set[str] = set()
    with ThreadPoolExecutor(max_workers=max(1, workers)) as executor:
        futures = {
            scope: (group, executor.submit(_find_created, pool, group))
            for scope, group in intents_by_scope(waiting).items()
        }
        for group, future in futures.values():
            found, absent = future.result()
            identities.update(found)
            unknown.update(
                i.item_id for i in group if i.item_id not in found and i.item_id not in absent
            )
            never.update(i.item_id for i in group if i.item_id in absent)
    return unknown, never


def _find_created(
    pool: ConnectorPool, group: list[Intent]
) -> tuple[dict[str, RemoteTicket], set[str]]:
    target = group[0].target
    try:
        return pool.get(target.system).find_created(
            target, [i.item_id for i in group], {i.item_id: i.hint for i in group}
        )
    except (ConnectorError, ConfigError) as error:
        log.warning("could not settle pending creates in %s: %s", target, error)
        return {}, set()


def credentials_rejected(error: ConnectorError) -> bool:
    """HTTP 401, or a 403 that says "bad credentials": the token (or e-mail) is wrong.
    Other 403s (no access to one project or repository) stay per-scope read errors."""
    return error.status == 401 or (error.status == 403 and "credential" in error.message.lower())


def high_water_mark(read_started: datetime) -> datetime:
    """Where the next incremental read of a scope starts (the connector overlaps it).

    The time this read started, not the newest `updated` we wrote afterwards: an edit
    someone makes while a long run is writing must still be read next time. This
    assumes the ticket system's clock and ours agree within the connector's overlap
    (Jira: 5 minutes); "now" can be passed in (`run_sync(now=)`).
    """
    return read_started


def _read_scope(
    pool: ConnectorPool,
    read: ScopeRead,
    identities: Collection[str] | None = None,
    recorded: Recorded | None = None,
) -> tuple[dict[str, RemoteTicket], dict[str, RemoteTicket]]:
    connector = pool.get(read.target.system)
    system = read.target.system
    found: dict[str, RemoteTicket] = {}
    by_identity: dict[str, RemoteTicket] = {}
    # A full listing checks off the linked tickets it shows; the rest were deleted or
    # moved. (The linked refs' own key strings: not a set of every key listed.)
    unlisted = {ref.key for ref in read.linked} if read.since is None else set()
    for page in _pages(connector.fetch_changed_since(read.target, read.since)):
        seen = recorded(system, [t.ref.key for t in page]) if recorded is not None else {}
        for ticket in page:
            unlisted.discard(ticket.ref.key)
            if ticket.identity and (identities is None or ticket.identity in identities):
                by_identity.setdefault(ticket.identity, ticket)
            if not _seen_unchanged(ticket, seen.get(ticket.ref.key)):
                found[remote_key(system, ticket.ref.key)] = ticket
    if read.since is None:
        found.update(_missing_from_full_listing(connector, read, unlisted))
    # A full listing saw every ticket in the scope: its identities are the whole truth.
    # An incremental one only saw recent changes, so new items are looked up by identity.
    wanted = [] if read.since is None else [i for i in read.new_items if i not in by_identity]
    for start in range(0, len(wanted), IDENTITY_BATCH):
        batch = wanted[start : start + IDENTITY_BATCH]
        by_identity.update(connector.find_by_identity(read.target, batch))
    return found, by_identity


def _pages(tickets: Iterable[RemoteTicket]) -> Iterator[list[RemoteTicket]]:
    page: list[RemoteTicket] = []
    for ticket in tickets:
        page.append(ticket)
        if len(page) == PAGE:
            yield page
            page = []
    if page:
        yield page


def _seen_unchanged(ticket: RemoteTicket, last: tuple[datetime | None, str | None] | None) -> bool:
    """Has tracker seen this ticket as it is now? Then it changes nothing this run."""
    if last is None or ticket.deleted or ticket.moved_to is not None:
        return False
    seen_at, status = last
    return seen_at is not None and ticket.updated_at <= seen_at and ticket.status.value == status


def _missing_from_full_listing(
    connector: Connector, read: ScopeRead, unlisted: Collection[str]
) -> dict[str, RemoteTicket]:
    """Linked tickets a full listing didn't show (keys in `unlisted`) were deleted or
    moved: fetching them by reference (batched) says which, so the plan can report them."""
    system = read.target.system
    missing = [ref for ref in read.linked if ref.key in unlisted]
    if not missing:
        return {}
    return {
        remote_key(system, ref.key): ticket
        for ref, ticket in _pair(missing, connector.fetch(missing))
    }


def _read_named(
    pool: ConnectorPool, named: Mapping[str, list[TicketRef]]
) -> tuple[dict[str, RemoteTicket], dict[str, str], dict[str, ConnectorError]]:
    """Tickets named in rows but not linked yet: one batched fetch per system."""
    found: dict[str, RemoteTicket] = {}
    errors: dict[str, str] = {}
    rejected: dict[str, ConnectorError] = {}
    for system, refs in named.items():
        unique = list({ref.key: ref for ref in refs}.values())
        if not unique:
            continue
        try:
            answers = pool.get(system).fetch(unique)
        except ConnectorError as error:
            for ref in unique:
                errors[remote_key(system, ref.key)] = error.message
            rejected[system] = error
            continue
        for ref, ticket in _pair(unique, answers):
            found[remote_key(system, ref.key)] = ticket
    return found, errors, rejected


def _pair(
    refs: list[TicketRef], answers: Iterable[RemoteTicket]
) -> list[tuple[TicketRef, RemoteTicket]]:
    """Match fetch answers to the asked references (by key or URL, else by position)."""
    answers = list(answers)
    by_key = {t.ref.key: t for t in answers}
    by_url = {t.ref.url: t for t in answers if t.ref.url}
    pairs = []
    for index, ref in enumerate(refs):
        ticket = by_key.get(ref.key) or (by_url.get(ref.url) if ref.url else None)
        if ticket is None and len(answers) == len(refs):
            ticket = answers[index]
        if ticket is not None:
            pairs.append((ref, ticket))
    return pairs


def group_by_system(refs: Iterable[tuple[str, TicketRef]]) -> dict[str, list[TicketRef]]:
    grouped: dict[str, list[TicketRef]] = defaultdict(list)
    for system, ref in refs:
        grouped[system].append(ref)
    return dict(grouped)
