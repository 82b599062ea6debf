"""Item ids don't depend on which path a run was given: folder, file, or absolute."""

from __future__ import annotations

import os
from datetime import UTC, datetime
from pathlib import Path

from tracker.config import load_config
from tracker.store import open_store
from tracker.store.recording import record_paths

DOC = """\
# Postmortem: Disk full

## Action Items

| Action | Owner | Due |
| ------ | ----- | --- |
| Alert at 85% disk | @alice | 2026-12-01 |
| Rotate logs hourly | @bob | 2026-12-05 |
"""


def test_syncing_one_file_finds_the_items_the_folder_sync_recorded(tmp_path: Path) -> None:
    nested = tmp_path / "postmortems" / "storage"
    nested.mkdir(parents=True)
    (nested / "disk.md").write_text(DOC, encoding="utf-8")
    (tmp_path / "tracker.toml").write_text('[documents]\npaths = ["postmortems"]\n')
    config = load_config(tmp_path / "tracker.toml", env=dict(os.environ))
    assert config.database_url is not None
    store = open_store(config.database_url)
    try:
        first = record_paths(store, config, [tmp_path / "postmortems"], now=datetime.now(UTC))
        assert first.new == 2
        for given in (nested / "disk.md", Path(os.path.relpath(nested / "disk.md"))):
            again = record_paths(store, config, [given], now=datetime.now(UTC))
            assert (again.new, again.removed, again.restored) == (0, 0, 0)
            assert again.unchanged == 2
    finally:
        store.close()
