"""One run at a time per store: cron, the scheduler and a person can't overlap.

SQLite stores are guarded by an OS file lock (flock through `filelock`) beside the
database file; PostgreSQL stores by a session-level advisory lock. Both are released by
the operating system or the server when the holding process dies, so a lock left by a
dead process is taken over without guessing. A small holder record (host, pid, since)
lets the loser name who is working.
"""

from __future__ import annotations

import json
import os
import socket
import zlib
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from filelock import FileLock, Timeout
from sqlalchemy import create_engine, text
from sqlalchemy.engine import Connection, make_url
from sqlalchemy.exc import OperationalError
from sqlalchemy.pool import NullPool

from tracker.errors import LockHeldError
from tracker.store.db import connection_error as store_connection_error

ADVISORY_LOCK_NAME = "tracker.sync"


@dataclass(frozen=True)
class LockHolder:
    """Who holds the lock, as far as the lock itself can tell."""

    host: str
    pid: int
    since: str

    @classmethod
    def current(cls) -> LockHolder:
        since = datetime.now(UTC).replace(microsecond=0).isoformat()
        return cls(host=socket.gethostname(), pid=os.getpid(), since=since)

    def describe(self) -> str:
        return f"host {self.host}, pid {self.pid}, since {self.since}"


def _advisory_key(name: str) -> int:
    """A stable signed 64-bit key for pg_advisory_lock derived from a readable name."""
    return zlib.crc32(name.encode()) - 2**31


def sqlite_lock_path(database_url: str) -> Path:
    """`<db file>.lock` beside a SQLite database file."""
    database = make_url(database_url).database
    if not database or database == ":memory:":
        raise ValueError("an in-memory SQLite store can't be locked across processes")
    return Path(database).with_name(Path(database).name + ".lock")


@contextmanager
def run_lock(database_url: str, *, purpose: str = "sync") -> Iterator[LockHolder]:
    """Hold the store's run lock for the body, or raise LockHeldError naming the holder."""
    if make_url(database_url).get_backend_name() == "postgresql":
        with _postgres_lock(database_url, purpose) as holder:
            yield holder
    else:
        with _file_lock(sqlite_lock_path(database_url), purpose) as holder:
            yield holder


@contextmanager
def _file_lock(lock_path: Path, purpose: str) -> Iterator[LockHolder]:
    lock_path.parent.mkdir(parents=True, exist_ok=True)
    holder_path = lock_path.with_name(lock_path.name + ".holder")
    lock = FileLock(lock_path, timeout=0)
    try:
        lock.acquire()
    except Timeout:
        raise LockHeldError(
            f"another tracker {purpose} is running on this store ({_read_holder(holder_path)})",
            hint="wait for it to finish; the lock is released automatically if it dies",
        ) from None
    holder = LockHolder.current()
    try:
        holder_path.write_text(json.dumps(holder.__dict__), encoding="utf-8")
        yield holder
    finally:
        with suppress(OSError):
            holder_path.unlink()
        lock.release()


def _read_holder(holder_path: Path) -> str:
    try:
        data = json.loads(holder_path.read_text(encoding="utf-8"))
        return LockHolder(str(data["host"]), int(data["pid"]), str(data["since"])).describe()
    except (OSError, ValueError, KeyError, TypeError):
        return "holder unknown"


@contextmanager
def _postgres_lock(database_url: str, purpose: str) -> Iterator[LockHolder]:
    holder = LockHolder.current()
    application_name = f"tracker {purpose} host={holder.host} pid={holder.pid}"
    url = make_url(database_url)
    engine = create_engine(
        database_url,
        poolclass=NullPool,
        connect_args={"application_name": application_name[:63], "connect_timeout": 5},
    )
    try:
        try:
            connection_context = engine.connect()
        except OperationalError as error:
            raise store_connection_error(url, error) from None
        with connection_context as connection:
            # Advisory locks are per database: a store in its own schema locks only itself.
            schema = connection.execute(text("SELECT current_schema()")).scalar()
            key = _advisory_key(f"{ADVISORY_LOCK_NAME}:{schema}")
            acquired = connection.execute(text("SELECT pg_try_advisory_lock(:k)"), {"k": key})
            if not acquired.scalar():
                raise LockHeldError(
                    f"another tracker {purpose} is running on this store "
                    f"({_postgres_holder(connection, key)})",
                    hint="wait for it to finish; the lock is released when its session ends",
                )
            connection.commit()
            try:
                yield holder
            finally:
                connection.execute(text("SELECT pg_advisory_unlock(:k)"), {"k": key})
                connection.commit()
    finally:
        engine.dispose()


def _postgres_holder(connection: Connection, key: int) -> str:
    """Name the session holding the advisory lock, from pg_locks and pg_stat_activity."""
    row = connection.execute(
        text(
            "SELECT a.application_name, a.client_addr, a.pid, a.backend_start "
            "FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid "
            "WHERE l.locktype = 'advisory' AND l.granted AND l.objsubid = 1 "
            "AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database()) "
            "AND l.classid::text::bigint = :high AND l.objid::text::bigint = :low"
        ),
        {"high": (key >> 32) & 0xFFFFFFFF, "low": key & 0xFFFFFFFF},
    ).first()
    if row is None:
        return "holder unknown"
    name, address, backend_pid, started = row
    host, pid = _parse_application_name(str(name or ""))
    since = started.astimezone(UTC).replace(microsecond=0).isoformat() if started else "?"
    where = host or (str(address) if address else "local socket")
    return LockHolder(where, pid or int(backend_pid), since).describe()


def _parse_application_name(name: str) -> tuple[str | None, int | None]:
    fields = dict(part.split("=", 1) for part in name.split() if "=" in part)
    pid = fields.get("pid")
    return fields.get("host"), int(pid) if pid and pid.isdigit() else None
