"""`tracker sync PATH...` with no ticket system: real documents on disk, real parser."""

from __future__ import annotations

import sqlite3
import textwrap
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from tests.cli_helpers import run_tracker
from tests.conftest import CORPUS_DIR
from tracker.config import load_config
from tracker.store import Store, open_store
from tracker.store.recording import RecordResult, record_paths

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)

PEOPLE = """
[[people]]
name = "alice"
aliases = ["@alice", "Alice Smith"]

[[teams]]
name = "payments"
members = ["alice"]
"""

DOC = """\
# Postmortem: Checkout outage

**Date**: 2026-03-01

## Action Items

| Action | Owner | Due | Status |
| --- | --- | --- | --- |
| Add pool-size alert | @alice | 2026-03-10 | {first} |
| Pin SDK version | Alice Smith | 2026-03-05 | ✅ Done |
{extra}"""

ZH_DOC = """\
# 事后分析：支付回调超时

**日期**：2026-05-20

## 行动项

| 行动 | 负责人 | 截止日期 | 状态 |
| --- | --- | --- | --- |
| 增加回调重试 | @alice | 2026-06-01 | 进行中 |
| 补充监控告警 | 待定 | 2026-06-10 | 计划中 |
"""


def write_doc(folder: Path, *, first: str = "Planned", extra: bool = True) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    row = "| Write runbook | TBD | 2026-04-01 | In progress |\n" if extra else ""
    path = folder / "2026-03-01-checkout.md"
    path.write_text(DOC.format(first=first, extra=row), encoding="utf-8")
    return path


@pytest.fixture
def project(tmp_path: Path, store_url: str) -> Path:
    (tmp_path / "tracker.toml").write_text(
        f'database_url = "{store_url}"\n{textwrap.dedent(PEOPLE)}', encoding="utf-8"
    )
    write_doc(tmp_path / "postmortems")
    (tmp_path / "postmortems" / "2026-05-20-callback.zh.md").write_text(ZH_DOC, encoding="utf-8")
    return tmp_path


def sync_in_process(project: Path, store: Store, now: datetime = T0) -> RecordResult:
    config = load_config(project / "tracker.toml", env={})
    return record_paths(store, config, [project / "postmortems"], now=now)


def rows(store: Store, sql: str) -> list[tuple[object, ...]]:
    with store.engine.connect() as connection:
        return [tuple(row) for row in connection.exec_driver_sql(sql)]


def test_sync_records_english_and_chinese_items_through_the_cli(
    project: Path, store: Store
) -> None:
    result = run_tracker("sync", "postmortems", cwd=project)

    assert result.returncode == 0, result.stderr
    assert "recorded 2 documents" in result.stdout and "5 new" in result.stdout
    statuses = sorted(rows(store, "SELECT status, team FROM action_item"))
    assert statuses == [
        ("done", "payments"),
        ("in_progress", "payments"),
        ("in_progress", "payments"),
        ("open", "payments"),
        ("open", "payments"),
    ]
    assert rows(store, "SELECT kind, outcome FROM sync_run") == [("sync", "ok")]


def test_a_second_sync_of_unchanged_documents_changes_nothing(project: Path, store: Store) -> None:
    sync_in_process(project, store)
    before = rows(store, "SELECT id, updated_at, status, removed_at FROM action_item ORDER BY id")

    result = sync_in_process(project, store, T0 + timedelta(hours=1))

    assert result.unchanged == 5 and not result.wrote_anything
    after = rows(store, "SELECT id, updated_at, status, removed_at FROM action_item ORDER BY id")
    assert after == before
    assert rows(store, "SELECT count(*) FROM status_event") == [(5,)]


def test_a_status_edited_in_the_document_becomes_a_status_event(
    project: Path, store: Store
) -> None:
    sync_in_process(project, store)
    write_doc(project / "postmortems", first="✅ Done")

    sync_in_process(project, store, T0 + timedelta(days=1))

    events = rows(
        store,
        "SELECT e.from_status, e.to_status, e.source FROM status_event e "
        "JOIN action_item i ON i.id = e.item_id "
        "WHERE i.action = 'Add pool-size alert' ORDER BY e.id",
    )
    assert events == [(None, "open", "document"), ("open", "done", "document")]


def test_a_row_deleted_from_the_document_is_marked_removed(project: Path, store: Store) -> None:
    sync_in_process(project, store)
    write_doc(project / "postmortems", extra=False)

    sync_in_process(project, store, T0 + timedelta(days=1))

    removed = rows(store, "SELECT action FROM action_item WHERE removed_at IS NOT NULL")
    assert removed == [("Write runbook",)]
    assert rows(store, "SELECT count(*) FROM action_item") == [(5,)]


def test_owner_aliases_in_documents_count_as_one_person(project: Path, store: Store) -> None:
    sync_in_process(project, store)

    per_owner = rows(store, "SELECT person, count(*) FROM item_owner GROUP BY person")

    assert per_owner == [("alice", 3)]


def test_the_same_folder_named_two_ways_records_the_same_documents(
    project: Path, store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    sync_in_process(project, store)
    monkeypatch.chdir(project)
    config = load_config(project / "tracker.toml", env={})

    result = record_paths(store, config, [Path("postmortems")], now=T0 + timedelta(days=1))

    assert result.unchanged == 5 and result.new == 0
    assert rows(store, "SELECT count(*) FROM postmortem") == [(2,)]


def test_sync_of_a_missing_path_is_exit_2(tmp_path: Path) -> None:
    result = run_tracker("sync", "nope", cwd=tmp_path)

    assert result.returncode == 2
    assert "nope" in result.stderr
    assert not (tmp_path / ".tracker").exists()


def test_the_corpus_records_and_rerecords_as_unchanged(tmp_path: Path) -> None:
    corpus = CORPUS_DIR
    (tmp_path / "tracker.toml").write_text("", encoding="utf-8")
    config = load_config(tmp_path / "tracker.toml", env={})
    store = open_store(config.database_url or "")
    try:
        first = record_paths(store, config, [corpus], now=T0)
        second = record_paths(store, config, [corpus], now=T0 + timedelta(days=1))
    finally:
        store.close()

    assert first.new > 50 and first.documents > 20
    assert (second.new, second.changed, second.removed) == (0, 0, 0)
    assert second.unchanged == first.new
    with sqlite3.connect(tmp_path / ".tracker" / "tracker.db") as connection:
        assert connection.execute("SELECT count(*) FROM action_item").fetchone()[0] == first.new
