"""`tracker db upgrade` / `tracker db current`, and the store's bad-input errors at the CLI."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.cli_helpers import Outcome, invoke_tracker
from tracker.store import current_schema, head_revision, upgrade_store


@pytest.fixture
def tracker(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> Callable[..., Outcome]:
    def run(*args: str, cwd: Path | None = None, env: dict[str, str] | None = None) -> Outcome:
        return invoke_tracker(*args, capsys=capsys, monkeypatch=monkeypatch, cwd=cwd, env=env)

    return run


def one_error_line(stderr: str) -> str:
    lines = stderr.strip().splitlines()
    assert len(lines) == 1, stderr
    assert lines[0].startswith("error: ")
    return lines[0]


def test_db_upgrade_creates_the_default_sqlite_store_beside_the_config(
    tmp_path: Path, tracker: Callable[..., Outcome]
) -> None:
    (tmp_path / "tracker.toml").write_text("", encoding="utf-8")

    result = tracker("db", "upgrade", cwd=tmp_path)

    assert result.returncode == 0, result.stderr
    assert f"schema upgraded empty → {head_revision()}" in result.stdout
    assert current_schema(f"sqlite:///{tmp_path / '.tracker' / 'tracker.db'}").up_to_date


def test_db_upgrade_twice_says_there_is_nothing_to_do(
    tmp_path: Path, tracker: Callable[..., Outcome]
) -> None:
    tracker("db", "upgrade", cwd=tmp_path)

    result = tracker("db", "upgrade", cwd=tmp_path)

    assert result.returncode == 0
    assert "nothing to do" in result.stdout


def test_db_upgrade_migrates_postgresql(
    postgres_url: str, tmp_path: Path, tracker: Callable[..., Outcome]
) -> None:
    result = tracker("db", "upgrade", cwd=tmp_path, env={"TRACKER_DATABASE_URL": postgres_url})

    assert result.returncode == 0, result.stderr
    assert current_schema(postgres_url).up_to_date


def test_db_current_tells_a_behind_store_to_upgrade(
    tmp_path: Path, tracker: Callable[..., Outcome]
) -> None:
    config = tmp_path / "tracker.toml"
    config.write_text('database_url = "sqlite:///t.db"\n', encoding="utf-8")
    sqlite3.connect(tmp_path / "t.db").close()

    result = tracker("db", "current", "--config", str(config))

    assert result.returncode == 0
    assert "behind: run `tracker db upgrade`" in result.stdout


def test_a_newer_schema_is_exit_2_and_nothing_is_written(
    tmp_path: Path, tracker: Callable[..., Outcome]
) -> None:
    database = tmp_path / "t.db"
    upgrade_store(f"sqlite:///{database}")
    with sqlite3.connect(database) as connection:
        connection.execute("UPDATE alembic_version SET version_num = '9999_future'")
        connection.commit()
        connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    before = database.read_bytes()

    result = tracker("db", "upgrade", env={"TRACKER_DATABASE_URL": f"sqlite:///{database}"})

    assert result.returncode == 2
    assert "9999_future" in one_error_line(result.stderr)
    assert database.read_bytes() == before


def test_a_corrupt_database_is_exit_2_naming_the_file(
    tmp_path: Path, tracker: Callable[..., Outcome]
) -> None:
    database = tmp_path / "t.db"
    database.write_bytes(b"\x00garbage" * 1000)

    result = tracker("db", "upgrade", env={"TRACKER_DATABASE_URL": f"sqlite:///{database}"})

    assert result.returncode == 2
    assert str(database) in one_error_line(result.stderr)


def test_unreachable_postgresql_is_exit_2_naming_host_port_not_password(
    tmp_path: Path, tracker: Callable[..., Outcome]
) -> None:
    url = "postgresql+psycopg://tracker:pw-do-not-show@127.0.0.1:1/tracker"

    result = tracker("db", "upgrade", cwd=tmp_path, env={"TRACKER_DATABASE_URL": url})

    assert result.returncode == 2
    line = one_error_line(result.stderr)
    assert "127.0.0.1:1" in line
    assert "pw-do-not-show" not in result.stderr + result.stdout


def test_a_config_with_an_unknown_key_is_exit_2_and_creates_no_store(
    tmp_path: Path, tracker: Callable[..., Outcome]
) -> None:
    (tmp_path / "tracker.toml").write_text("[sync]\nfoo = 1\n", encoding="utf-8")

    result = tracker("db", "upgrade", cwd=tmp_path)

    assert result.returncode == 2
    assert "unknown key 'foo' in [sync]" in one_error_line(result.stderr)
    assert not (tmp_path / ".tracker").exists()


def test_a_team_routed_to_twice_is_exit_2(tmp_path: Path, tracker: Callable[..., Outcome]) -> None:
    (tmp_path / "tracker.toml").write_text(
        '[[teams]]\nname = "pay"\npaths = ["pm/**"]\n[[teams]]\nname = "ops"\npaths = ["pm/**"]\n',
        encoding="utf-8",
    )

    result = tracker("db", "upgrade", cwd=tmp_path)

    assert result.returncode == 2
    assert "routed to two teams" in one_error_line(result.stderr)
    assert not (tmp_path / ".tracker").exists()


def test_db_current_on_a_newer_schema_is_exit_2_with_one_line(
    tmp_path: Path, tracker: Callable[..., Outcome]
) -> None:
    database = tmp_path / "t.db"
    upgrade_store(f"sqlite:///{database}")
    with sqlite3.connect(database) as connection:
        connection.execute("UPDATE alembic_version SET version_num = '9999_future'")
        connection.commit()

    result = tracker("db", "current", env={"TRACKER_DATABASE_URL": f"sqlite:///{database}"})

    assert result.returncode == 2
    line = one_error_line(result.stderr)
    assert "9999_future" in line and "newer than this tracker" in line
