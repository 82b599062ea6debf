"""A damaged SQLite store is exit 2 with advice, never a traceback and never used silently.

A real store (a real sync against the sandboxes) has each of its pages in turn overwritten
with random bytes; `tracker report` and `tracker sync --dry-run` then run through the real
CLI entry point. A page on SQLite's free list holds nothing live: those runs must print
exactly what they print on the undamaged store. Any other page must give exit 2 with the
advice; an unexpected exception would escape `main()` and fail the test.
"""

from __future__ import annotations

import random
import sqlite3
import struct
from collections.abc import Iterator
from pathlib import Path

import pytest
import time_machine
from tracker_github.sandbox.server import GitHubSandbox
from tracker_jira.sandbox.server import JiraSandbox

from tests.cli_helpers import Outcome, invoke_tracker
from tests.sync_support import EN_DOC, ZH_DOC, SyncWorld
from tracker.errors import StoreError
from tracker.store import open_store

ADVICE = "restore it from a backup, or move it aside and run `tracker sync` again"


@pytest.fixture
def world(
    tmp_path: Path, jira_sandbox: JiraSandbox, github_sandbox: GitHubSandbox
) -> Iterator[SyncWorld]:
    with time_machine.travel("2026-07-01T08:00:00Z", tick=True):
        created = SyncWorld(tmp_path, jira_sandbox, github_sandbox)
        created.write("en.md", EN_DOC)
        created.write("zh.md", ZH_DOC)
        assert created.sync().exit_code == 0
        created.write("later.md", EN_DOC.replace("Checkout latency", "Login latency"))
        created.close()  # the last connection closes: the WAL is checkpointed into the file
        leave_free_pages(store_path(created))
        yield created


def store_path(world: SyncWorld) -> Path:
    return world.folder / ".tracker" / "tracker.db"


def leave_free_pages(path: Path) -> None:
    """What a migration that drops a table leaves behind: pages on the free list."""
    with sqlite3.connect(path) as connection:
        connection.execute("CREATE TABLE scratch (data BLOB)")
        connection.executemany(
            "INSERT INTO scratch VALUES (?)", [(bytes(3000),) for _ in range(12)]
        )
        connection.execute("DROP TABLE scratch")
    connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    connection.close()


def free_pages(data: bytes) -> set[int]:
    """Leaf pages of the free list (file format §1.5): trunk pages hold its structure,
    leaves hold nothing."""
    page_size = struct.unpack(">H", data[16:18])[0] or 65536
    leaves: set[int] = set()
    trunk = struct.unpack(">I", data[32:36])[0]
    while trunk:
        page = data[(trunk - 1) * page_size : trunk * page_size]
        next_trunk, count = struct.unpack(">II", page[:8])
        leaves.update(struct.unpack(f">{count}I", page[8 : 8 + 4 * count]))
        trunk = next_trunk
    return leaves


def run_commands(
    world: SyncWorld, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> list[Outcome]:
    config = str(world.config_path)
    commands = [
        ("report", "--config", config, "--as-of", "2026-07-01", "--format", "json"),
        ("sync", str(world.docs), "--config", config, "--dry-run"),
    ]
    return [
        invoke_tracker(*args, capsys=capsys, monkeypatch=monkeypatch, env=world.env)
        for args in commands
    ]


def put_store(world: SyncWorld, data: bytes) -> None:
    path = store_path(world)
    for side in ("-wal", "-shm"):
        Path(f"{path}{side}").unlink(missing_ok=True)
    path.write_bytes(data)


def test_every_damaged_page_is_exit_2_with_advice_unless_it_held_nothing(
    world: SyncWorld, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    pristine = store_path(world).read_bytes()
    page_size = struct.unpack(">H", pristine[16:18])[0] or 65536
    pages = len(pristine) // page_size
    free = free_pages(pristine)
    with time_machine.travel("2026-07-01T08:00:00Z", tick=True):
        undamaged = run_commands(world, capsys, monkeypatch)
        assert [o.returncode for o in undamaged] == [0, 0]
        rng = random.Random(20261206)
        outcomes: dict[int, list[Outcome]] = {}
        for number in range(1, pages + 1):
            damaged = bytearray(pristine)
            start = (number - 1) * page_size
            damaged[start : start + page_size] = rng.randbytes(page_size)
            put_store(world, bytes(damaged))
            outcomes[number] = run_commands(world, capsys, monkeypatch)
    put_store(world, pristine)

    wrong: list[str] = []
    for number, runs in outcomes.items():
        for outcome, clean in zip(runs, undamaged, strict=True):
            if number in free:
                ok = (outcome.returncode, outcome.stdout) == (0, clean.stdout)
            else:
                error = " ".join(outcome.stderr.split())
                ok = outcome.returncode == 2 and "is damaged" in error and ADVICE in error
                ok = ok and str(store_path(world)) in error and outcome.stdout == ""
            if not ok:
                wrong.append(f"page {number}: exit {outcome.returncode}: {outcome.stderr[:200]}")
    assert wrong == []
    assert pages - len(free) >= 10 and len(free) >= 5  # both kinds of page were hit


def test_a_damaged_store_is_refused_on_open_with_the_advice(world: SyncWorld) -> None:
    data = bytearray(store_path(world).read_bytes())
    page_size = struct.unpack(">H", data[16:18])[0] or 65536
    number = min(set(range(2, len(data) // page_size + 1)) - free_pages(bytes(data)))
    data[(number - 1) * page_size : number * page_size] = random.Random(7).randbytes(page_size)
    put_store(world, bytes(data))

    with pytest.raises(StoreError) as raised:
        open_store(f"sqlite:///{store_path(world)}", create=False)

    assert ADVICE in str(raised.value) and raised.value.exit_code == 2
