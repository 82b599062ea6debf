"""Which server each connector's tickets live on, so a store is never trusted for another.

A store's links, baselines and high-water marks name tickets by key (ENG-12, acme/app#3)
and keys repeat across servers: the sandbox's ENG-12 is not the real Jira's ENG-12. The
first sync records each connector's `ServerIdentity` in `sync_state` under
`sync.server:<connector>`; every later run (dry runs too, read-only) compares before it
writes anything, and a different server stops the run with exit 2. `tracker db
forget-server NAME` drops the record on purpose (a migration that kept the keys).
"""

from __future__ import annotations

import json
from datetime import datetime

from tracker.connectors import ConnectorError, ServerIdentity
from tracker.errors import TrackerError
from tracker.store import Store
from tracker.sync.connectors import ConnectorPool
from tracker.sync.state import delete_state, read_state, write_state

SERVER_PREFIX = "sync.server:"


class ServerMismatchError(TrackerError):
    """The store was synced with another server than a connector reaches now."""

    exit_code = 2


def known_servers(store: Store) -> dict[str, ServerIdentity]:
    """Connector name → the server the store was synced with."""
    return {
        name: ServerIdentity.from_json(json.loads(value))
        for name, value in read_state(store, SERVER_PREFIX).items()
    }


def check_servers(
    store: Store, pool: ConnectorPool, *, record: bool, now: datetime | None = None
) -> None:
    """Ask each configured connector which server it reaches (one request each, cached
    by the connector) and refuse a store synced with another. With `record`, a server
    seen for the first time (or at a new URL with the same id) is written down."""
    known = known_servers(store)
    seen: dict[str, ServerIdentity] = {}
    for name in pool.names:
        try:
            seen[name] = pool.get(name).server_identity()
        except ConnectorError:
            if name not in pool.unreachable:
                raise
            # Unreachable: the pool now refuses every call to it this run, so nothing is
            # written there; the run names the cause once (and checks again next time).
    mismatched = [name for name, server in seen.items() if _differs(known.get(name), server)]
    if mismatched:
        raise mismatch_error(store, {name: (known[name], seen[name]) for name in mismatched})
    changed = {name: server for name, server in seen.items() if known.get(name) != server}
    if record and changed:
        save_servers(store, changed, now=now)


def _differs(known: ServerIdentity | None, seen: ServerIdentity) -> bool:
    return known is not None and known.id != seen.id


def mismatch_error(
    store: Store, pairs: dict[str, tuple[ServerIdentity, ServerIdentity]]
) -> ServerMismatchError:
    parts = [
        f"[connectors.{name}] was synced with {known.describe()} but now reaches {seen.describe()}"
        for name, (known, seen) in sorted(pairs.items())
    ]
    names = " ".join(sorted(pairs))
    return ServerMismatchError(
        f"store {store.describe()}: {'; '.join(parts)}; its ticket links name tickets on the "
        "old server, so nothing was written",
        hint="for the new server use a fresh store: set database_url (or "
        "TRACKER_DATABASE_URL) to a new file; to re-link this store on purpose (a migration "
        f"that kept the ticket keys), run `tracker db forget-server {names}` and sync again",
    )


def save_servers(
    store: Store, servers: dict[str, ServerIdentity], *, now: datetime | None = None
) -> None:
    values = {
        name: json.dumps(server.to_json(), sort_keys=True) for name, server in servers.items()
    }
    write_state(store, SERVER_PREFIX, values, now=now)


def forget_server(store: Store, name: str) -> ServerIdentity | None:
    """Drop the record of connector `name`'s server; returns what was recorded."""
    known = known_servers(store).get(name)
    if known is not None:
        delete_state(store, SERVER_PREFIX, [name])
    return known
