"""A second connection that reads the report's snapshot, in a thread, beside the report's own.

Work that reads only the stored tables (the trend; the postmortem closure and a page's
item lists when nothing happened after the as-of day) can run there while the report's
connection works out the other figures: PostgreSQL works in the server on two cores, and
on SQLite, in this process, Python's sqlite3 releases the GIL while SQLite steps through
a statement, so the two connections' SQL runs side by side too. Python's work does
not: a thread turning rows into tuples holds the lock between rows, and the other
thread's read, which takes it back at every row, waits (a 100,000-row read: 0.15 s
alone, 0.55 s beside a thread fetching rows), so the work given to the second
connection is the work that is mostly SQLite's.

Both connections must read the same data, whatever a sync commits meanwhile:

- PostgreSQL: the second transaction imports the report's exported snapshot
  (`pg_export_snapshot` / `SET TRANSACTION SNAPSHOT`, as pg_dump's workers do).
- SQLite, WAL stores only: Python's sqlite3 has no snapshot export, so the second
  connection proves that nothing was committed while the two read transactions started.
  It reads `PRAGMA data_version` before the report's read transaction starts, then opens
  its own read transaction with the same pragma: that value changes whenever the
  connection's new read transaction sees a commit its previous one didn't (SQLite resets
  a connection's page cache and bumps the value when the WAL-index header it last saw,
  which counts every commit, changed; a checkpoint that restarts the WAL changes it too,
  a needless fallback). Equal values: no commit between the two, and the report's
  transaction, which started in between, reads the same snapshot. Unequal: the second
  connection is dropped.

Nothing here may fail the report: no free connection, no export, a commit in between, a
store not in WAL mode (the proof above is WAL's) or an error in the thread all leave the
work to the report's own connection (`None` from here), logged.
"""

from __future__ import annotations

import logging
import os
import re
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from typing import TypeVar

from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import SQLAlchemyError

from tracker.errors import StoreError
from tracker.store.db import sqlite_file

log = logging.getLogger(__name__)

T = TypeVar("T")


class SqliteWatch:
    """SQLite: a second connection and the data version it read before the report's read
    transaction started (`watch_sqlite`), until `join_sqlite` or `close`."""

    def __init__(self, connection: Connection, version: int):
        self.connection: Connection | None = connection
        self.version = version

    def close(self) -> None:
        if self.connection is not None:
            self.connection.close()
            self.connection = None


def usable_cpus() -> int:
    """The CPUs this process may run on (its affinity: a container's cpuset limits it)."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # no affinity call on this platform
        return os.cpu_count() or 1


def watch_sqlite(engine: Engine) -> SqliteWatch | None:
    """A second connection and its data version, taken BEFORE the report's connection
    reads anything (None: not a SQLite file in WAL mode, no connection to spare, or one
    CPU: SQLite runs in this process, so two threads on one CPU only add the switching,
    about 0.1–0.4 s of CPU at 100,000 items)."""
    if engine.dialect.name != "sqlite" or sqlite_file(engine.url) is None:
        return None  # an in-memory database is one per connection (or one shared)
    if usable_cpus() < 2:
        log.info("report read in line: one CPU, nothing to overlap")
        return None
    try:
        beside = engine.connect()
    except SQLAlchemyError as error:
        log.info("report read in line: no second connection (%s)", type(error).__name__)
        return None
    try:
        mode = beside.exec_driver_sql("PRAGMA journal_mode").scalar()
        if str(mode).lower() != "wal":
            log.info("report read in line: the SQLite store is not in WAL mode (%s)", mode)
            beside.close()
            return None
        version = beside.exec_driver_sql("PRAGMA data_version").scalar_one()
    except SQLAlchemyError as error:
        beside.close()
        log.info("report read in line: no data version (%s)", type(error).__name__)
        return None
    return SqliteWatch(beside, int(version))


def join_sqlite(watch: SqliteWatch) -> Connection | None:
    """The watching connection in a read transaction of the report's snapshot, called
    AFTER the report's connection read in its own transaction (None, and the watch
    closed, when a commit landed in between or the connection failed)."""
    beside, watch.connection = watch.connection, None
    if beside is None:
        return None
    try:
        beside.exec_driver_sql("BEGIN")  # deferred: the next statement starts the read
        version = beside.exec_driver_sql("PRAGMA data_version").scalar_one()
    except SQLAlchemyError as error:
        beside.close()
        log.info("report read in line: no second read (%s)", type(error).__name__)
        return None
    if int(version) != watch.version:
        beside.close()
        log.info("report read in line: a commit landed as the report began")
        return None
    return beside


def export_postgres_snapshot(connection: Connection) -> str | None:
    """PostgreSQL: the report transaction's snapshot, for a second connection to import
    (None elsewhere, or when the server exports none: the report's transaction is then
    rolled back, having read nothing that counts, and starts afresh)."""
    if connection.dialect.name != "postgresql":
        return None
    try:  # (not in a savepoint: PostgreSQL exports no snapshot from a subtransaction)
        exported = connection.exec_driver_sql("SELECT pg_export_snapshot()").scalar_one()
    except SQLAlchemyError as error:
        connection.rollback()
        log.info("report read in line: no exported snapshot (%s)", type(error).__name__)
        return None
    snapshot = str(exported)
    # It is spelled into SET TRANSACTION SNAPSHOT: only what PostgreSQL's ids contain.
    return snapshot if re.fullmatch(r"[0-9A-Fa-f-]+", snapshot) else None


def start_beside(
    engine: Engine,
    joined: Connection | None,
    snapshot: str | None,
    work: Callable[[Connection], T],
) -> Future[T] | None:
    """`work` on the second connection, in a thread: the joined SQLite connection, or a
    new PostgreSQL one importing `snapshot` (None when there is neither)."""
    if joined is None and snapshot is None:
        return None

    def on_the_second_connection() -> T:
        if joined is not None:
            with joined:
                return work(joined)
        with engine.connect() as beside:
            beside.execution_options(isolation_level="REPEATABLE READ")
            # The transaction's first statement: from then on it reads what the report reads.
            beside.exec_driver_sql(f"SET TRANSACTION SNAPSHOT '{snapshot}'")
            return work(beside)

    pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="report-beside")
    try:
        return pool.submit(on_the_second_connection)
    finally:
        pool.shutdown(wait=False)  # the thread ends with its one task


def result_beside(future: Future[T] | None) -> T | None:
    """What the second connection worked out, or None when there was none or it failed
    (a pool with no connection to spare, a pooler handing the snapshot import to another
    server session): then the report's own connection does the work. A SQLite error
    taken for damage (StoreError) too: if the store is damaged, the report's own
    connection meets it again and says so."""
    if future is None:
        return None
    try:
        return future.result()
    except (SQLAlchemyError, StoreError) as error:
        log.warning(
            "report: the second connection failed (%s); read in line instead",
            type(error).__name__,
        )
        return None
