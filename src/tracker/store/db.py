"""Opening the store: engine, pragmas, schema version checks and migrations.

SQLite (the embedded default) upgrades itself on open, under a file lock so two
processes never migrate at once. A PostgreSQL store is shared by every tracker
install pointing at it, so it is only migrated on purpose, with `tracker db upgrade`:
opening one whose schema is behind is a one-line error saying so. A database whose
schema is newer than this tracker knows is refused on both, before anything is written.
"""

from __future__ import annotations

import os
import socket
import sqlite3
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from filelock import FileLock
from sqlalchemy import Engine, create_engine, event, inspect, update
from sqlalchemy.engine import URL, Connection, ExceptionContext, make_url
from sqlalchemy.exc import ArgumentError, DatabaseError, OperationalError
from sqlalchemy.pool import ConnectionPoolEntry
from sqlmodel import Session

from tracker.errors import StoreError
from tracker.store.models import SyncRun
from tracker.store.revisions import current_revision, head_revision, known_revisions

if TYPE_CHECKING:
    from alembic.config import Config as AlembicConfig

MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"
RUN_OUTCOMES = ("running", "ok", "partial", "failed", "interrupted")


def _alembic_config(connection: Connection | None = None) -> AlembicConfig:
    """Alembic is imported only to upgrade: reading the schema's state needs none of it
    (tracker.store.revisions)."""
    from alembic.config import Config as AlembicConfig

    config = AlembicConfig()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    if connection is not None:
        config.attributes["connection"] = connection
    return config


@dataclass(frozen=True, slots=True)
class SchemaState:
    """Where a database's schema stands relative to this tracker."""

    current: str | None  # None: an empty database
    head: str

    @property
    def up_to_date(self) -> bool:
        return self.current == self.head

    @property
    def newer(self) -> bool:
        return self.current is not None and self.current not in known_revisions()


def parse_url(url: str) -> URL:
    """A SQLAlchemy URL; psycopg 3 is the PostgreSQL driver whatever the URL says."""
    try:
        parsed = make_url(url)
    except ArgumentError as error:
        raise StoreError(
            f"database_url is not a valid database URL: {_safe_url_text(url)!r}",
            hint="use sqlite:///path/to/tracker.db or postgresql+psycopg://user@host:5432/db",
        ) from error
    if parsed.get_backend_name() == "postgresql" and parsed.get_driver_name() != "psycopg":
        parsed = parsed.set(drivername="postgresql+psycopg")
    if parsed.get_backend_name() not in ("sqlite", "postgresql"):
        raise StoreError(
            f"unsupported database {parsed.get_backend_name()!r} in database_url",
            hint="tracker supports sqlite:/// and postgresql+psycopg://",
        )
    return parsed


def _safe_url_text(url: str) -> str:
    """The URL with any password masked, for error messages."""
    try:
        return make_url(url).render_as_string(hide_password=True)
    except ArgumentError:
        return "<unparseable>"


def describe_url(url: URL) -> str:
    """What to call a database in messages: the SQLite file, or host:port/db (no password)."""
    if url.get_backend_name() == "sqlite":
        return url.database or ":memory:"
    return f"{url.host or 'localhost'}:{url.port or 5432}/{url.database or ''}"


def _set_sqlite_pragmas(dbapi_connection: Any, _record: ConnectionPoolEntry) -> None:
    """WAL lets reports read while a sync writes; foreign keys are off by default in SQLite."""
    cursor = dbapi_connection.cursor()
    try:
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA busy_timeout=30000")
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
    finally:
        cursor.close()


DAMAGED_HINT = (
    "restore it from a backup, or move it aside and run `tracker sync` again: tracker "
    "re-links tickets by the item id each one carries"
)
# SQLite errors that say the file is busy or out of reach, not damaged.
_NOT_DAMAGE = ("is locked", "unable to open", "readonly", "disk is full", "interrupted")


def damaged_store_error(url: URL, error: Exception) -> StoreError:
    """One line for a SQLite store whose file is damaged (or otherwise unusable)."""
    return StoreError(
        f"the SQLite store {describe_url(url)} is damaged ({_first_line(error, url)})",
        hint=DAMAGED_HINT,
    )


def _is_damage(error: BaseException) -> bool:
    original = getattr(error, "orig", None) or error
    if not isinstance(original, sqlite3.DatabaseError):
        return False
    text = str(original).lower()
    return not any(part in text for part in _NOT_DAMAGE)


def _sqlite_damage_as_store_error(context: ExceptionContext) -> None:
    """Any SQLite error that means a damaged file, wherever a command meets it, becomes
    the one StoreError with advice (the CLI prints it, exit 2) instead of a traceback."""
    error = context.original_exception
    engine = context.engine
    if engine is not None and isinstance(error, Exception) and _is_damage(error):
        raise damaged_store_error(engine.url, error) from error


def quick_check(engine: Engine) -> None:
    """`PRAGMA quick_check` (b-tree structure, free list, record formats; not index
    contents): a page overwritten by a crash or a disk fault is found on open, before a
    command reads wrong data from it or writes on top of it."""
    try:
        with engine.connect() as connection:
            rows = [str(row[0]) for row in connection.exec_driver_sql("PRAGMA quick_check")]
    except StoreError:
        raise
    except (OperationalError, DatabaseError) as error:
        raise connection_error(engine.url, error) from error
    if rows != ["ok"]:
        raise damaged_store_error(engine.url, RuntimeError(rows[0] if rows else "no answer"))


def create_store_engine(url: URL) -> Engine:
    """An engine with tracker's connection settings for the URL's backend."""
    if url.get_backend_name() == "sqlite":
        if url.database and url.database != ":memory:":
            folder = Path(url.database).parent
            try:
                folder.mkdir(parents=True, exist_ok=True)
            except OSError as error:
                raise StoreError(
                    f"cannot create the store's folder {folder} ({error.strerror})",
                    hint="set database_url to a writable place",
                ) from error
        engine = create_engine(url, connect_args={"timeout": 30})
        event.listen(engine, "connect", _set_sqlite_pragmas)
        event.listen(engine, "handle_error", _sqlite_damage_as_store_error)
        return engine
    return create_engine(
        url,
        pool_pre_ping=True,
        connect_args={"connect_timeout": 5, "application_name": "tracker"},
    )


def connection_error(url: URL, error: Exception) -> StoreError:
    """One line naming the database and the cause, never the password."""
    where = describe_url(url)
    if url.get_backend_name() == "sqlite":
        return StoreError(
            f"{where} is not a usable SQLite database ({_first_line(error, url)})",
            hint=DAMAGED_HINT,
        )
    cause = _first_line(error, url)
    return StoreError(f"cannot connect to PostgreSQL at {where} ({cause})", hint=_pg_hint(cause))


def _pg_hint(cause: str) -> str:
    """What to do, by what PostgreSQL said (its English messages; else the general advice)."""
    fix = "fix database_url / TRACKER_DATABASE_URL"
    lowered = cause.lower()
    if "does not exist" in lowered and "database" in lowered:
        return f"create the database (createdb NAME) or {fix}"
    if "password" in lowered or "authentication" in lowered:
        return f"check the user's password (PGPASSWORD or ~/.pgpass) or {fix}"
    return f"start the server or {fix}"


def _first_line(error: Exception, url: URL) -> str:
    original = getattr(error, "orig", None) or error
    text = str(original).strip().splitlines()[0] if str(original).strip() else type(error).__name__
    # psycopg: 'connection failed: connection to server at "h", port p failed: <cause>'
    text = text.rsplit(" failed: ", 1)[-1].removeprefix("FATAL:").strip()
    if url.password:
        text = text.replace(str(url.password), "***")
    return text


def read_schema_state(engine: Engine) -> SchemaState:
    """The database's schema revision, raising a StoreError if it can't be read."""
    try:
        with engine.connect() as connection:
            current = current_revision(connection)
            if current is None and _has_tracker_tables(connection):
                raise StoreError(
                    f"{describe_url(engine.url)} has tracker tables but no schema version",
                    hint="it was not created by tracker's migrations; use a fresh database",
                )
    except (OperationalError, DatabaseError) as error:
        raise connection_error(engine.url, error) from error
    return SchemaState(current=current, head=head_revision())


def _has_tracker_tables(connection: Connection) -> bool:
    return bool({"action_item", "postmortem"} & set(inspect(connection).get_table_names()))


def newer_schema_error(url: URL, state: SchemaState) -> StoreError:
    return StoreError(
        f"{describe_url(url)} has schema revision {state.current}, newer than this tracker "
        f"knows (up to {state.head})",
        hint="upgrade tracker to the version that wrote it; nothing was changed",
    )


def _run_upgrade(engine: Engine) -> None:
    """Migrate in one transaction. On SQLite, foreign keys are off meanwhile: a batch
    migration rebuilds a table (copy, drop, rename), and dropping `action_item` with them
    on would cascade-delete every ticket link, owner and status event."""
    from alembic import command
    from alembic.util.exc import CommandError

    try:
        with engine.connect() as connection:
            sqlite = connection.dialect.name == "sqlite"
            if sqlite:  # a PRAGMA outside any transaction: inside one it does nothing
                connection.exec_driver_sql("PRAGMA foreign_keys=OFF")
                connection.commit()
            try:
                with connection.begin():
                    command.upgrade(_alembic_config(connection), "head")
            finally:
                if sqlite:
                    connection.exec_driver_sql("PRAGMA foreign_keys=ON")
                    connection.commit()
    except (OperationalError, DatabaseError) as error:
        raise connection_error(engine.url, error) from error
    except CommandError as error:
        raise StoreError(f"cannot upgrade {describe_url(engine.url)}: {error}") from error


def _migration_lock(url: URL) -> FileLock | None:
    if url.get_backend_name() != "sqlite" or not url.database or url.database == ":memory:":
        return None
    return FileLock(f"{url.database}.migrate.lock", timeout=120)


def upgrade_engine(engine: Engine) -> tuple[str | None, str]:
    """Bring the schema to this tracker's head; returns (revision before, revision after)."""
    lock = _migration_lock(engine.url)
    if lock is not None:
        lock.acquire()
    try:
        state = read_schema_state(engine)
        if state.newer:
            raise newer_schema_error(engine.url, state)
        if not state.up_to_date:
            _run_upgrade(engine)
        return state.current, state.head
    finally:
        if lock is not None:
            lock.release()


class Store:
    """An open store: the engine plus the few operations every command needs."""

    def __init__(self, engine: Engine):
        self.engine = engine

    @property
    def url(self) -> URL:
        return self.engine.url

    @property
    def is_sqlite(self) -> bool:
        return self.engine.dialect.name == "sqlite"

    def describe(self) -> str:
        """The database's name for messages (never includes the password)."""
        return describe_url(self.engine.url)

    @contextmanager
    def session(self) -> Iterator[Session]:
        """A session that commits when the block ends cleanly and rolls back otherwise."""
        with Session(self.engine, expire_on_commit=False) as session:
            try:
                yield session
                session.commit()
            except BaseException:
                session.rollback()
                raise

    def start_run(self, kind: str, *, now: datetime | None = None) -> int:
        """Record that a sync/report/digest run started; returns its id."""
        run = SyncRun(
            kind=kind,
            started_at=now or datetime.now(UTC),
            outcome="running",
            counts={},
            host=socket.gethostname(),
            pid=os.getpid(),
        )
        with self.session() as session:
            session.add(run)
            session.flush()
            assert run.id is not None
            return run.id

    def finish_run(
        self,
        run_id: int,
        outcome: str,
        counts: Mapping[str, Any],
        message: str | None = None,
        *,
        now: datetime | None = None,
    ) -> None:
        """Record how a run ended (`outcome`: ok, partial, failed or interrupted)."""
        if outcome not in RUN_OUTCOMES:
            raise ValueError(f"unknown run outcome {outcome!r}")
        with self.engine.begin() as connection:
            connection.execute(
                update(SyncRun)
                .where(SyncRun.id == run_id)  # type: ignore[arg-type]
                .values(
                    finished_at=now or datetime.now(UTC),
                    outcome=outcome,
                    counts=dict(counts),
                    message=message,
                )
            )

    def close(self) -> None:
        self.engine.dispose()


def sqlite_file(url: URL) -> Path | None:
    """The SQLite store's file, or None for PostgreSQL and in-memory databases."""
    if url.get_backend_name() != "sqlite" or not url.database or url.database == ":memory:":
        return None
    return Path(url.database)


def store_exists(url: str) -> bool:
    """Whether there is a store to read: a PostgreSQL server always counts (it is checked
    on open); a SQLite store only once its file exists."""
    file = sqlite_file(parse_url(url))
    return file is None or file.exists()


def open_store(url: str, *, upgrade: bool = True, create: bool = True) -> Store:
    """Open the store at `url`, checking (and for SQLite, upgrading) its schema.

    `create=False` is for commands that only read: a missing SQLite file is a StoreError
    instead of a new empty store (and its folder) left behind.

    Raises StoreError (exit 2) for an unreachable or corrupt database, a newer schema,
    or a PostgreSQL schema that is behind (fix: `tracker db upgrade`).
    """
    parsed = parse_url(url)
    file = sqlite_file(parsed)
    if not create and file is not None and not file.exists():
        raise StoreError(f"no store yet at {file}; run `tracker sync` first")
    existed = file is not None and file.exists()
    engine = create_store_engine(parsed)
    self_upgrading = upgrade and engine.dialect.name == "sqlite"
    try:
        if existed:
            quick_check(engine)
        try:
            state = read_schema_state(engine)
        except StoreError:
            if not self_upgrading:
                raise
            # Maybe another process is creating this store right now: look again under
            # the migration lock, which waits for it to finish.
            upgrade_engine(engine)
            return Store(engine)
        if state.newer:
            raise newer_schema_error(parsed, state)
        if not state.up_to_date:
            if self_upgrading:
                upgrade_engine(engine)
            else:
                raise StoreError(
                    f"{describe_url(parsed)} has schema revision {state.current or 'none'}, "
                    f"this tracker needs {state.head}",
                    hint="run `tracker db upgrade`",
                )
    except BaseException:
        engine.dispose()
        raise
    return Store(engine)


def upgrade_store(url: str) -> tuple[str | None, str]:
    """`tracker db upgrade`: migrate the database at `url` to this tracker's schema."""
    engine = create_store_engine(parse_url(url))
    try:
        return upgrade_engine(engine)
    finally:
        engine.dispose()


def current_schema(url: str) -> SchemaState:
    """`tracker db current`: the database's schema revision and this tracker's head.

    Read-only: a SQLite file that does not exist yet is reported empty, not created.
    """
    parsed = parse_url(url)
    file = sqlite_file(parsed)
    if file is not None and not file.exists():
        return SchemaState(current=None, head=head_revision())
    engine = create_store_engine(parsed)
    try:
        return read_schema_state(engine)
    finally:
        engine.dispose()
