"""A store knows which servers its tickets live on and refuses to sync with another one.

A second sandbox object is "another server": its Jira Cloud site has another cloudId,
its GitHub another web origin, though its tickets have the same keys (ENG-1, acme/app#2).
"""

from __future__ import annotations

import io
import sqlite3
import subprocess
from collections.abc import Iterator
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
import time_machine
from rich.console import Console
from tracker_github.sandbox.server import GitHubSandbox
from tracker_jira.sandbox.server import JiraSandbox

from tests.cli_helpers import run_tracker
from tests.sync_support import EN_DOC, ZH_DOC, SyncWorld
from tracker.cli.remind import run_reminders
from tracker.connectors import load_connector
from tracker.store import open_store
from tracker.sync.servers import ServerMismatchError, known_servers


@pytest.fixture
def world(
    tmp_path: Path, jira_sandbox: JiraSandbox, github_sandbox: GitHubSandbox
) -> Iterator[SyncWorld]:
    created = SyncWorld(tmp_path, jira_sandbox, github_sandbox)
    created.write("en.md", EN_DOC)
    created.write("zh.md", ZH_DOC)
    yield created
    created.close()


@pytest.fixture
def other_jira() -> Iterator[JiraSandbox]:
    with JiraSandbox() as sandbox:
        yield sandbox


@pytest.fixture
def other_github() -> Iterator[GitHubSandbox]:
    with GitHubSandbox() as sandbox:
        yield sandbox


def store_file(world: SyncWorld) -> Path:
    return world.folder / ".tracker" / "tracker.db"


def store_rows(world: SyncWorld) -> list[tuple[object, ...]]:
    """Every row of every table, read with plain sqlite3 (no engine of ours involved)."""
    with sqlite3.connect(store_file(world)) as connection:
        tables = [
            name
            for (name,) in connection.execute("SELECT name FROM sqlite_master WHERE type='table'")
        ]
        return [
            (table, *row)
            for table in sorted(tables)
            for row in connection.execute(f"SELECT * FROM {table} ORDER BY 1")
        ]


def documents(world: SyncWorld) -> dict[str, bytes]:
    return {path.name: path.read_bytes() for path in sorted(world.docs.iterdir())}


def tracker(world: SyncWorld, *args: str) -> subprocess.CompletedProcess[str]:
    """`tracker ARGS --config` the world's config, in a subprocess."""
    return run_tracker(*args, "--config", str(world.config_path), cwd=world.folder, env=world.env)


def pointed_at(world: SyncWorld, jira: JiraSandbox, github: GitHubSandbox) -> SyncWorld:
    """The same folder and store, with the connector URLs (and tokens) of other servers."""
    world.close()
    return SyncWorld(world.folder, jira, github)


def test_first_sync_records_the_server_of_each_connector(
    world: SyncWorld, jira_sandbox: JiraSandbox, github_sandbox: GitHubSandbox
) -> None:
    assert world.cli().returncode == 0
    store = open_store(f"sqlite:///{store_file(world)}")
    try:
        servers = known_servers(store)
    finally:
        store.close()
    assert servers["jira"].id == f"jira-cloud:{jira_sandbox.cloud_id}"
    assert (servers["jira"].url, servers["jira"].deployment) == (jira_sandbox.base_url, "Cloud")
    assert servers["github"].id == f"github:{github_sandbox.base_url}"


def test_the_same_servers_again_sync_normally_with_one_identity_request_each(
    world: SyncWorld, jira_sandbox: JiraSandbox, github_sandbox: GitHubSandbox
) -> None:
    assert world.sync().exit_code == 0
    jira_sandbox.requests.reset()
    github_sandbox.requests.reset()
    again = world.cli()
    assert again.returncode == 0, again.stderr
    assert jira_sandbox.requests.snapshot()["by_route"]["GET /_edge/tenant_info"] == 1
    assert github_sandbox.requests.snapshot()["by_route"]["GET /user"] == 1


def test_a_sandbox_keeps_its_identity_across_reset_and_a_second_one_differs(
    jira_sandbox: JiraSandbox, other_jira: JiraSandbox
) -> None:
    before = jira_sandbox.cloud_id
    jira_sandbox.reset()
    assert jira_sandbox.cloud_id == before
    assert other_jira.cloud_id != before


@pytest.mark.parametrize("dry_run", [False, True], ids=["sync", "dry-run"])
def test_another_jira_stops_with_exit_2_before_writing_anything(
    world: SyncWorld,
    jira_sandbox: JiraSandbox,
    github_sandbox: GitHubSandbox,
    other_jira: JiraSandbox,
    dry_run: bool,
) -> None:
    assert world.sync().exit_code == 0
    docs_before, rows_before = documents(world), store_rows(world)
    first_issues = jira_sandbox.issues()
    moved = pointed_at(world, other_jira, github_sandbox)

    outcome = moved.cli(*(["--dry-run"] if dry_run else []))

    assert outcome.returncode == 2, outcome.stdout + outcome.stderr
    assert "Traceback" not in outcome.stderr
    message = " ".join(outcome.stderr.split())
    assert str(store_file(world)) in message
    assert jira_sandbox.cloud_id in message and other_jira.cloud_id in message
    assert "database_url" in message and "tracker db forget-server jira" in message
    assert documents(world) == docs_before
    assert store_rows(world) == rows_before
    assert other_jira.issues() == [] and jira_sandbox.issues() == first_issues
    writes = [r for r in other_jira.requests.snapshot()["by_route"] if not r.startswith("GET")]
    assert writes == []


def test_another_github_stops_with_exit_2_before_writing_anything(
    world: SyncWorld,
    jira_sandbox: JiraSandbox,
    github_sandbox: GitHubSandbox,
    other_github: GitHubSandbox,
) -> None:
    assert world.sync().exit_code == 0
    docs_before, rows_before = documents(world), store_rows(world)
    moved = pointed_at(world, jira_sandbox, other_github)

    outcome = moved.cli()

    assert outcome.returncode == 2, outcome.stdout + outcome.stderr
    assert other_github.base_url in outcome.stderr.replace("\n", "")
    assert documents(world) == docs_before
    assert store_rows(world) == rows_before
    assert [i for i in other_github.issues("acme/app") if "pull_request" not in i] == []


def test_forget_server_relinks_the_store_to_a_migrated_jira_that_kept_the_keys(
    world: SyncWorld,
    jira_sandbox: JiraSandbox,
    github_sandbox: GitHubSandbox,
    other_jira: JiraSandbox,
) -> None:
    assert world.sync().exit_code == 0
    migrated = {k: v for k, v in jira_sandbox.dump_state().items() if k != "cloud_id"}
    other_jira.load_state(migrated)  # same tickets and keys on a new site
    moved = pointed_at(world, other_jira, github_sandbox)
    assert moved.cli().returncode == 2

    forgot = tracker(moved, "db", "forget-server", "jira")
    assert forgot.returncode == 0, forgot.stderr
    assert jira_sandbox.cloud_id in forgot.stdout.replace("\n", "")
    relinked = moved.cli()

    assert relinked.returncode == 0, relinked.stdout + relinked.stderr
    assert "0 tickets created" in " ".join(relinked.stdout.split())
    assert len(other_jira.issues()) == len(jira_sandbox.issues())
    store = open_store(f"sqlite:///{store_file(world)}")
    try:
        assert known_servers(store)["jira"].id == f"jira-cloud:{other_jira.cloud_id}"
    finally:
        store.close()


def test_forget_server_with_nothing_recorded_says_so(world: SyncWorld) -> None:
    assert world.cli("--dry-run").returncode == 0
    assert world.store.is_sqlite  # opening it creates the store, with nothing synced
    world.close()
    outcome = tracker(world, "db", "forget-server", "jira")
    assert outcome.returncode == 0, outcome.stderr
    assert "no jira server recorded" in outcome.stdout


def test_reminders_refuse_to_comment_on_another_server(
    world: SyncWorld,
    jira_sandbox: JiraSandbox,
    github_sandbox: GitHubSandbox,
    other_jira: JiraSandbox,
) -> None:
    with time_machine.travel(datetime(2026, 11, 25, 9, 0, tzinfo=UTC), tick=True):
        assert world.sync().exit_code == 0
        migrated = {k: v for k, v in jira_sandbox.dump_state().items() if k != "cloud_id"}
        other_jira.load_state(migrated)  # the same keys: comments would land on them
        moved = pointed_at(world, other_jira, github_sandbox)
        rows_before = store_rows(world)

        with pytest.raises(ServerMismatchError):
            run_reminders(
                moved.config,
                as_of=date(2026, 11, 25),
                console=Console(file=io.StringIO()),
                env=moved.env,
            )

    assert all(not issue["comments"] for issue in other_jira.issues())
    assert store_rows(world) == rows_before


def test_jira_data_center_is_known_by_its_server_info_base_url_in_one_request(
    jira_server_sandbox: JiraSandbox,
) -> None:
    connector = load_connector(
        "jira",
        {"url": jira_server_sandbox.base_url, "flavour": "server", "token": "${T}"},
        env={"T": jira_server_sandbox.token},
    )
    jira_server_sandbox.requests.reset()

    first, again = connector.server_identity(), connector.server_identity()

    assert first == again
    assert (first.id, first.url, first.deployment) == (
        f"jira:{jira_server_sandbox.base_url}",
        jira_server_sandbox.base_url,
        "Server",
    )
    assert jira_server_sandbox.requests.snapshot()["by_route"] == {"GET /rest/api/2/serverInfo": 1}


def test_a_sandbox_state_file_keeps_the_site_id_across_restarts(tmp_path: Path) -> None:
    state = tmp_path / "sandbox.json"
    with JiraSandbox(state_file=state) as first:
        site = first.cloud_id
    with JiraSandbox(state_file=state) as restarted:
        assert restarted.cloud_id == site
