"""Opening the store: SQLite and PostgreSQL, schema versions, and bad databases."""

from __future__ import annotations

import hashlib
import sqlite3
import subprocess
import sys
from datetime import UTC, date, datetime, timedelta, timezone
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlmodel import col, select

from tracker.errors import StoreError
from tracker.store import Store, current_schema, head_revision, open_store, upgrade_store
from tracker.store.models import PostmortemRow, SyncRun


def file_digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_timestamps_come_back_as_aware_utc_on_every_backend(store: Store) -> None:
    written = datetime(2026, 3, 1, 12, 30, tzinfo=timezone(timedelta(hours=2)))
    with store.session() as session:
        session.add(PostmortemRow(path="a.md", team="x", last_scanned_at=written))

    with store.session() as session:
        row = session.exec(select(PostmortemRow)).one()
    assert row.last_scanned_at == written
    assert row.last_scanned_at.tzinfo == UTC
    assert row.last_scanned_at.hour == 10


def test_a_naive_timestamp_is_refused(store: Store) -> None:
    with pytest.raises(Exception, match="naive datetime"), store.session() as session:
        session.add(PostmortemRow(path="a.md", team="x", last_scanned_at=datetime(2026, 3, 1)))
        session.flush()


def test_dates_round_trip_as_dates(store: Store) -> None:
    with store.session() as session:
        session.add(
            PostmortemRow(path="a.md", team="x", date=date(2026, 3, 1), last_scanned_at=_now())
        )
    with store.session() as session:
        assert session.exec(select(col(PostmortemRow.date))).one() == date(2026, 3, 1)


def _now() -> datetime:
    return datetime.now(UTC)


def test_a_run_is_recorded_from_start_to_finish(store: Store) -> None:
    run_id = store.start_run("sync")
    store.finish_run(run_id, "ok", {"new": 3}, "fine")

    with store.session() as session:
        run = session.get(SyncRun, run_id)
    assert run is not None
    assert (run.kind, run.outcome, run.counts, run.message) == ("sync", "ok", {"new": 3}, "fine")
    assert run.finished_at is not None and run.finished_at >= run.started_at
    assert run.pid > 0 and run.host


def test_an_unknown_run_outcome_is_refused(store: Store) -> None:
    run_id = store.start_run("sync")
    with pytest.raises(ValueError, match="outcome"):
        store.finish_run(run_id, "great", {})


def test_foreign_keys_are_enforced(store: Store) -> None:
    with pytest.raises(Exception, match=r"(?i)foreign key"), store.engine.begin() as connection:
        connection.execute(
            text("INSERT INTO item_owner (item_id, person) VALUES ('no-such-item', 'alice')")
        )


def test_a_new_sqlite_store_is_created_in_wal_mode_and_at_head(tmp_path: Path) -> None:
    database = tmp_path / ".tracker" / "tracker.db"

    store = open_store(f"sqlite:///{database}")
    store.close()

    with sqlite3.connect(database) as connection:
        assert connection.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        version = connection.execute("SELECT version_num FROM alembic_version").fetchone()[0]
    assert version == head_revision()


def test_a_sqlite_store_upgrades_itself_on_open(tmp_path: Path) -> None:
    database = tmp_path / "tracker.db"
    sqlite3.connect(database).close()  # an empty database: schema behind

    open_store(f"sqlite:///{database}").close()

    assert current_schema(f"sqlite:///{database}").up_to_date


def test_upgrade_reports_the_revisions_before_and_after(store_url: str) -> None:
    assert upgrade_store(store_url) == (None, head_revision())
    assert upgrade_store(store_url) == (head_revision(), head_revision())


def test_a_postgresql_store_behind_asks_for_tracker_db_upgrade(postgres_url: str) -> None:
    with pytest.raises(StoreError, match=r"run `tracker db upgrade`"):
        open_store(postgres_url)


def _set_future_revision(url: str) -> None:
    upgrade_store(url)
    store = open_store(url)
    with store.engine.begin() as connection:
        connection.execute(text("UPDATE alembic_version SET version_num = '9999_future'"))
    store.close()


def test_a_newer_schema_is_refused_naming_the_revision(store_url: str) -> None:
    _set_future_revision(store_url)

    with pytest.raises(StoreError) as raised:
        open_store(store_url)

    assert "9999_future" in str(raised.value) and "newer" in str(raised.value)
    assert raised.value.exit_code == 2


def test_a_newer_sqlite_schema_is_left_byte_for_byte_untouched(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'tracker.db'}"
    _set_future_revision(url)
    with sqlite3.connect(tmp_path / "tracker.db") as connection:
        connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    before = file_digest(tmp_path / "tracker.db")

    with pytest.raises(StoreError):
        open_store(url)
    with pytest.raises(StoreError):
        upgrade_store(url)

    assert file_digest(tmp_path / "tracker.db") == before


def test_a_corrupt_sqlite_file_is_a_one_line_error_naming_it(tmp_path: Path) -> None:
    database = tmp_path / "tracker.db"
    database.write_bytes(b"this is not a database, just some bytes\n" * 200)
    before = file_digest(database)

    with pytest.raises(StoreError) as raised:
        open_store(f"sqlite:///{database}")

    message = str(raised.value)
    assert str(database) in message and "\n" not in message
    assert raised.value.exit_code == 2
    assert file_digest(database) == before


def test_unreachable_postgresql_names_host_and_port_but_not_the_password() -> None:
    with pytest.raises(StoreError) as raised:
        open_store("postgresql+psycopg://tracker:s3cr3t-pw@127.0.0.1:1/tracker")

    message = str(raised.value)
    assert "127.0.0.1:1" in message and "\n" not in message
    assert "s3cr3t-pw" not in message and "s3cr3t-pw" not in repr(raised.value)


def test_an_unsupported_database_url_is_refused() -> None:
    with pytest.raises(StoreError, match="unsupported database 'mysql'"):
        open_store("mysql://localhost/tracker")


def test_opening_a_behind_sqlite_store_without_upgrade_asks_for_it(tmp_path: Path) -> None:
    sqlite3.connect(tmp_path / "t.db").close()

    with pytest.raises(StoreError, match=r"run `tracker db upgrade`"):
        open_store(f"sqlite:///{tmp_path / 't.db'}", upgrade=False)


def test_reading_the_schema_of_a_missing_sqlite_file_does_not_create_it(tmp_path: Path) -> None:
    state = current_schema(f"sqlite:///{tmp_path / 'none' / 't.db'}")

    assert state.current is None and not state.up_to_date
    assert not (tmp_path / "none").exists()


OPEN_AND_RECORD = """
import sys
from tracker.store import open_store
store = open_store(sys.argv[1])
store.finish_run(store.start_run("sync"), "ok", {})
store.close()
"""


def test_two_processes_creating_the_same_sqlite_store_both_succeed(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'shared.db'}"
    processes = [
        subprocess.Popen([sys.executable, "-c", OPEN_AND_RECORD, url], stderr=subprocess.PIPE)
        for _ in range(2)
    ]
    errors = [process.communicate(timeout=120)[1].decode() for process in processes]

    assert [process.returncode for process in processes] == [0, 0], errors
    with sqlite3.connect(tmp_path / "shared.db") as connection:
        assert connection.execute("SELECT count(*) FROM sync_run").fetchone()[0] == 2


def test_a_store_folder_that_cannot_be_created_is_a_store_error(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("not a folder", encoding="utf-8")

    with pytest.raises(StoreError, match="cannot create the store's folder"):
        open_store(f"sqlite:///{blocker / 'sub' / 't.db'}")


def test_opening_a_missing_sqlite_store_without_create_names_it_and_creates_nothing(
    tmp_path: Path,
) -> None:
    database = tmp_path / ".tracker" / "tracker.db"
    with pytest.raises(StoreError, match=r"no store yet at .*tracker\.db; run `tracker sync`"):
        open_store(f"sqlite:///{database}", create=False)
    assert list(tmp_path.iterdir()) == []


def test_opening_an_existing_sqlite_store_without_create_reads_it(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'tracker.db'}"
    open_store(url).close()
    store = open_store(url, create=False)
    try:
        assert current_schema(url).up_to_date
    finally:
        store.close()


@pytest.mark.postgres
def test_a_missing_postgresql_database_says_to_create_it(postgres_url: str) -> None:
    missing = postgres_url.rsplit("/", 1)[0] + "/tracker_no_such_database"
    with pytest.raises(StoreError) as caught:
        open_store(missing)
    assert "does not exist" in str(caught.value)
    assert caught.value.hint is not None and caught.value.hint.startswith("create the database")


def test_an_unreachable_postgresql_server_says_to_start_it() -> None:
    with pytest.raises(StoreError) as caught:
        open_store("postgresql+psycopg://nobody@127.0.0.1:9/db")
    assert caught.value.hint is not None and caught.value.hint.startswith("start the server")
