"""Store fixtures for every test that needs a database (registered in tests/conftest.py).

`store` runs the test once on SQLite (a fresh file) and once on PostgreSQL (a fresh
schema in the `test` database, dropped afterwards). The PostgreSQL variant calls
`unavailable()` when no server answers: it skips locally and fails in CI.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest

from tests.conftest import unavailable
from tracker.store import Store, open_store, upgrade_store

PG_HOST = "127.0.0.1"
PG_PORT = 5432
PG_DATABASE = "test"
PG_USERS = ("postgres", "root")

_pg_user: str | None = None


def _postgres_user() -> str:
    """The first user the local server accepts with trust auth (cached)."""
    global _pg_user
    if _pg_user is not None:
        return _pg_user
    errors = []
    for user in PG_USERS:
        try:
            with psycopg.connect(
                host=PG_HOST, port=PG_PORT, dbname=PG_DATABASE, user=user, connect_timeout=3
            ):
                _pg_user = user
                return user
        except psycopg.OperationalError as error:
            errors.append(str(error).strip().splitlines()[0])
    unavailable(f"no PostgreSQL at {PG_HOST}:{PG_PORT}/{PG_DATABASE}: {'; '.join(errors)}")


@pytest.fixture
def postgres_url() -> Iterator[str]:
    """A URL whose default schema is a fresh, empty schema; dropped after the test."""
    user = _postgres_user()
    schema = f"tracker_test_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(
        host=PG_HOST, port=PG_PORT, dbname=PG_DATABASE, user=user, autocommit=True
    ) as connection:
        connection.execute(f'CREATE SCHEMA "{schema}"')
    try:
        yield (
            f"postgresql+psycopg://{user}@{PG_HOST}:{PG_PORT}/{PG_DATABASE}"
            f"?options=-csearch_path%3D{schema}"
        )
    finally:
        with psycopg.connect(
            host=PG_HOST, port=PG_PORT, dbname=PG_DATABASE, user=user, autocommit=True
        ) as connection:
            connection.execute(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')


@pytest.fixture
def sqlite_url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / '.tracker' / 'tracker.db'}"


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def store_url(request: pytest.FixtureRequest) -> str:
    """A fresh, empty (not yet migrated) database URL on each backend."""
    name = "sqlite_url" if request.param == "sqlite" else "postgres_url"
    url: str = request.getfixturevalue(name)
    return url


@pytest.fixture
def store(store_url: str) -> Iterator[Store]:
    """A fresh store at this tracker's schema, on SQLite and on PostgreSQL."""
    upgrade_store(store_url)
    opened = open_store(store_url)
    try:
        yield opened
    finally:
        opened.close()
