"""Two runs never work on one store at once; a dead holder's lock is taken over."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

from tests.conftest import unavailable
from tracker.errors import LockHeldError
from tracker.lock import run_lock

POSTGRES_URL = os.environ.get(
    "TRACKER_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)

HOLDER_SCRIPT = textwrap.dedent(
    """
    import sys, time
    from tracker.lock import run_lock
    with run_lock(sys.argv[1]):
        print("locked", flush=True)
        time.sleep(120)
    """
)


def _postgres_reachable() -> bool:
    try:
        engine = create_engine(POSTGRES_URL)
        with engine.connect() as connection:
            connection.execute(text("SELECT 1"))
        engine.dispose()
        return True
    except Exception:
        return False


@pytest.fixture(params=["sqlite", "postgresql"])
def store_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'tracker.db'}"
        return
    if not _postgres_reachable():
        unavailable("PostgreSQL is not reachable at 127.0.0.1:5432")
    # Advisory locks are per database: a fresh one keeps concurrent test runs apart.
    name = f"tracker_lock_{uuid.uuid4().hex[:12]}"
    admin = create_engine(POSTGRES_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield POSTGRES_URL.rsplit("/", 1)[0] + f"/{name}"
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.fixture
def holder_process(store_url: str) -> Iterator[subprocess.Popen[str]]:
    process = subprocess.Popen(
        [sys.executable, "-c", HOLDER_SCRIPT, store_url],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert process.stdout is not None
    assert process.stdout.readline().strip() == "locked"
    yield process
    if process.poll() is None:
        process.kill()
    process.wait(timeout=10)


def test_second_run_is_refused_naming_the_holder(
    store_url: str, holder_process: subprocess.Popen[str]
) -> None:
    with pytest.raises(LockHeldError) as refused, run_lock(store_url):
        pass
    assert refused.value.exit_code == 3
    assert f"pid {holder_process.pid}" in str(refused.value)
    assert "since" in str(refused.value)


def test_lock_of_a_killed_holder_is_taken_over(
    store_url: str, holder_process: subprocess.Popen[str]
) -> None:
    os.kill(holder_process.pid, signal.SIGKILL)
    holder_process.wait(timeout=10)
    with run_lock(store_url) as holder:
        assert holder.pid == os.getpid()


def test_lock_is_released_when_the_run_ends(store_url: str) -> None:
    with run_lock(store_url):
        pass
    with run_lock(store_url) as holder:
        assert holder.pid == os.getpid()


def test_sqlite_lock_file_sits_beside_the_database(tmp_path: Path) -> None:
    database = tmp_path / f"{uuid.uuid4().hex}.db"
    with run_lock(f"sqlite:///{database}"):
        assert (tmp_path / f"{database.name}.lock").exists()


def test_unreachable_postgresql_is_one_store_error_naming_host_and_port() -> None:
    from tracker.errors import StoreError

    with (
        pytest.raises(StoreError) as failed,
        run_lock("postgresql+psycopg://tracker:s3cret@127.0.0.1:1/tracker"),
    ):
        pass
    assert failed.value.exit_code == 2
    assert "127.0.0.1:1" in str(failed.value)
    assert "s3cret" not in str(failed.value)


def test_stores_in_two_schemas_of_one_database_lock_apart(postgres_url: str) -> None:
    # A shared PostgreSQL database may hold several tracker stores, one per schema.
    other = postgres_url.replace("tracker_test_", "tracker_test_x", 1)
    schema = other.rsplit("%3D", 1)[1]
    admin = create_engine(POSTGRES_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE SCHEMA "{schema}"'))
    try:
        with run_lock(postgres_url), run_lock(other):
            pass  # neither refused the other
        with run_lock(postgres_url), pytest.raises(LockHeldError), run_lock(postgres_url):
            pass  # the same store still refuses a second run
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
        admin.dispose()
