"""tracker.store.revisions answers as alembic does, without importing it on the way."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from alembic.config import Config as AlembicConfig
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import create_engine, text

from tracker.errors import StoreError
from tracker.store import Store, open_store
from tracker.store.db import MIGRATIONS_DIR
from tracker.store.revisions import (
    _assigned_names,
    current_revision,
    head_revision,
    known_revisions,
    revision_parents,
)


def _alembic_scripts() -> ScriptDirectory:
    config = AlembicConfig()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    return ScriptDirectory.from_config(config)


def test_the_head_revision_is_alembics_head() -> None:
    assert head_revision() == _alembic_scripts().get_current_head()


def test_the_known_revisions_and_their_order_are_alembics() -> None:
    scripts = {script.revision: script for script in _alembic_scripts().walk_revisions()}
    assert known_revisions() == frozenset(scripts)
    for revision, parents in revision_parents().items():
        assert parents == frozenset(scripts[revision]._versioned_down_revisions)


def test_the_current_revision_is_what_alembic_reads(store: Store) -> None:
    with store.engine.connect() as connection:
        assert current_revision(connection) == (
            MigrationContext.configure(connection).get_current_revision()
        )


def test_a_database_without_a_version_table_has_no_revision(tmp_path: Path) -> None:
    engine = create_engine(f"sqlite:///{tmp_path / 'empty.db'}")
    with engine.connect() as connection:
        assert current_revision(connection) is None


def test_a_version_table_with_two_revisions_is_a_store_error(tmp_path: Path) -> None:
    engine = create_engine(f"sqlite:///{tmp_path / 'odd.db'}")
    with engine.begin() as connection:
        connection.execute(text("CREATE TABLE alembic_version (version_num VARCHAR(32))"))
        connection.execute(text("INSERT INTO alembic_version VALUES ('0003'), ('0004')"))
    with engine.connect() as connection, pytest.raises(StoreError, match="several revisions"):
        current_revision(connection)


def test_annotated_and_quoted_assignments_are_read_as_alembic_reads_them(tmp_path: Path) -> None:
    script = tmp_path / "r9_x.py"
    script.write_text(
        "revision: str = \"9\"\ndown_revision: str | None = '8'\nbranch_labels = None\n"
        "depends_on = compute()\n",
        encoding="utf-8",
    )
    assert _assigned_names(script) == {"revision": "9", "down_revision": "8", "branch_labels": None}


def test_opening_an_up_to_date_store_imports_no_alembic(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'tracker.db'}"
    open_store(url).close()  # created and migrated: alembic runs here
    probe = (
        "import sys\n"
        "from tracker.store import open_store\n"
        f"open_store({url!r}).close()\n"
        "print(sorted(name for name in sys.modules if name.split('.')[0] == 'alembic'))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == "[]"
