"""Everything the engine reads from the ticket systems, in as few calls as possible.

Per read scope (a Jira project or a GitHub repository), one incremental listing of
what changed since the scope's high-water mark (the whole scope the first time), then
one identity lookup per batch of new items the listing can't vouch for, plus a batched
fetch of tickets named in rows that tracker hasn't linked yet. Never one call per item.
A scope whose reads fail is reported as unreadable: nothing in it is planned, and a
failed read is never taken to mean "deleted".
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime

from tracker.connectors import ConnectorError, RemoteTicket, Target
from tracker.model import TicketRef
from tracker.sync.connectors import ConnectorPool
from tracker.sync.plan import RemoteView

log = logging.getLogger(__name__)
IDENTITY_BATCH = 100


@dataclass
class ScopeRead:
    """What one scope needs reading this run."""

    target: Target
    since: datetime | None
    new_items: list[str] = field(default_factory=list)  # item ids that may need a create


@dataclass
class ReadResult:
    view: RemoteView
    marks: dict[str, datetime]  # scope → the high-water mark to keep if this run succeeds
    errors: dict[str, str]  # scope or "system:key" → message


def read_remote(
    pool: ConnectorPool,
    scopes: Mapping[str, ScopeRead],
    named: Mapping[str, list[TicketRef]],
    *,
    workers: int = 8,
    started: datetime | None = None,
) -> ReadResult:
    """Run every scope's reads (in parallel, one thread per scope) and the named fetches.

    `started` is "now" for the high-water marks (default: the clock of this machine).
    """
    tickets: dict[str, RemoteTicket] = {}
    identities: dict[str, RemoteTicket] = {}
    marks: dict[str, datetime] = {}
    started = started or datetime.now(UTC)
    errors: dict[str, str] = {}
    with ThreadPoolExecutor(max_workers=max(1, workers)) as executor:
        futures = {
            scope: executor.submit(_read_scope, pool, read) for scope, read in scopes.items()
        }
        named_future = executor.submit(_read_named, pool, named)
        for scope, future in futures.items():
            try:
                found, by_identity = future.result()
            except ConnectorError as error:
                errors[scope] = error.message
                continue
            tickets.update(found)
            identities.update(by_identity)
            marks[scope] = high_water_mark(started)
        named_found, named_errors = named_future.result()
    errors.update(named_errors)
    for key, ticket in named_found.items():
        tickets.setdefault(key, ticket)
    view = RemoteView(tickets=tickets, by_identity=identities, unreadable=frozenset(errors))
    return ReadResult(view=view, marks=marks, errors=errors)


def high_water_mark(read_started: datetime) -> datetime:
    """Where the next incremental read of a scope starts (the connector overlaps it).

    The time this read started, not the newest `updated` we wrote afterwards: an edit
    someone makes while a long run is writing must still be read next time. This
    assumes the ticket system's clock and ours agree within the connector's overlap
    (Jira: 5 minutes); "now" can be passed in (`run_sync(now=)`).
    """
    return read_started
