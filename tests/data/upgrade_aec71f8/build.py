"""Build this fixture with the release before text cleaning (commit aec71f8).

What a team had after syncing with that release: real public postmortems (from
tests/corpus, licences in tests/corpus/SOURCES.md) synced twice to a Jira Cloud sandbox,
a ticket closed in Jira between the runs (so the store holds status history), the
ticket links written back into the documents. It writes here:

  postmortems/*.md   the documents after the second sync (links written back)
  tracker.db         the SQLite store (links, status events, baselines)
  jira.json          the sandbox's state (its issues, the site's cloud id)

Run from the repository root with that release's code first on the path:

    git archive aec71f8 src | tar -x -C /tmp/aec71f8
    PYTHONPATH=/tmp/aec71f8/src .venv/bin/python tests/data/upgrade_aec71f8/build.py

tests/test_sync_upgrade.py syncs these with the current parser.
"""

from __future__ import annotations

import json
import shutil
import sqlite3
import sys
import tempfile
from datetime import UTC, datetime
from pathlib import Path

from tracker_jira.sandbox.server import JiraSandbox

import tracker
from tracker.config import load_config
from tracker.store import open_store
from tracker.sync import run_sync

HERE = Path(__file__).resolve().parent
CORPUS = HERE.parent.parent / "corpus"
DOCUMENTS = (  # each has items whose action text the cleaning changes
    "dfds__PM2023-001-total-node-failure.md",  # "… (done)"
    "univaf__2021-06-03--database-full.md",  # "… **(Done during this incident)**"
    "datahub__2017-03-20-too-many-volumes.md",  # "(Done!)", "[Issue](…)" link words
    "mybinder__2018-07-08-podsnips-aplenty.md",  # "([issue](…))" link words
)
FIRST = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
SECOND = datetime(2026, 3, 9, 9, 0, tzinfo=UTC)


def config_text(jira: JiraSandbox) -> str:
    """One team for every document, its tickets in Jira project ENG (tracker.toml.in)."""
    return (
        (HERE / "tracker.toml.in").read_text(encoding="utf-8").replace("{jira_url}", jira.base_url)
    )


def main() -> None:
    if "aec71f8" not in tracker.__file__:
        sys.exit(f"run with the aec71f8 code first on PYTHONPATH (got {tracker.__file__})")
    jira = JiraSandbox(flavour="cloud").start()
    try:
        with tempfile.TemporaryDirectory() as scratch:
            folder = Path(scratch)
            (folder / "postmortems").mkdir()
            for name in DOCUMENTS:
                shutil.copy(CORPUS / name, folder / "postmortems" / name)
            (folder / "tracker.toml").write_text(config_text(jira), encoding="utf-8")
            env = {"TEST_JIRA_TOKEN": jira.token}
            config = load_config(folder / "tracker.toml", env=env)
            store = open_store(str(config.database_url))
            jira.clock.set(FIRST)
            run_sync(config, store, [folder / "postmortems"], env=env, now=FIRST)
            first = sorted(jira.issues(), key=lambda issue: int(issue["id"]))[0]
            jira.set_status(first["key"], "Done", "Done")  # closed in Jira between runs
            jira.clock.set(SECOND)
            run_sync(config, store, [folder / "postmortems"], env=env, now=SECOND)
            store.close()
            database = folder / "tracker.db"
            with sqlite3.connect(database) as connection:  # fold the WAL into the file
                connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")
                connection.execute("PRAGMA journal_mode=DELETE")
            shutil.rmtree(HERE / "postmortems", ignore_errors=True)
            shutil.copytree(folder / "postmortems", HERE / "postmortems")
            shutil.copy(database, HERE / "tracker.db")
        state = jira.dump_state()
        (HERE / "jira.json").write_text(json.dumps(state, indent=1, sort_keys=True) + "\n")
    finally:
        jira.stop()


if __name__ == "__main__":
    main()
