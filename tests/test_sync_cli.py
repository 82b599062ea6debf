"""`tracker sync` as a process: crash safety, exit codes, secrets, --commit, PostgreSQL."""

from __future__ import annotations

import base64
import sqlite3
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
from tracker_github.sandbox.server import GitHubSandbox
from tracker_jira.sandbox.server import JiraSandbox

from tests.sync_support import EN_DOC, ZH_DOC, SyncWorld
from tracker.sync.apply import CRASH_HOOK_ENV


@pytest.fixture
def world(
    tmp_path: Path, jira_sandbox: JiraSandbox, github_sandbox: GitHubSandbox
) -> Iterator[SyncWorld]:
    created = SyncWorld(tmp_path, jira_sandbox, github_sandbox)
    yield created
    created.close()


def _links_in_store(world: SyncWorld) -> int:
    database = world.folder / ".tracker" / "tracker.db"
    with sqlite3.connect(database) as connection:
        return int(connection.execute("SELECT count(*) FROM ticket_link").fetchone()[0])


# ----- the kill test -----------------------------------------------------------------------


def test_sigkill_right_after_a_jira_create_leaves_exactly_one_ticket_per_item(
    world: SyncWorld, jira_sandbox: JiraSandbox
) -> None:
    world.write("en.md", EN_DOC)
    crashed = world.cli(extra_env={CRASH_HOOK_ENV: "create"})
    assert crashed.returncode == -9  # killed after POST /issue/bulk returned
    assert len(jira_sandbox.issues()) == 3
    assert "/browse/" not in world.read("en.md")
    assert _links_in_store(world) == 0  # nothing was recorded before the kill

    jira_sandbox.requests.reset()
    again = world.cli()
    assert again.returncode == 0, again.stdout + again.stderr
    assert len(jira_sandbox.issues()) == 3
    assert "POST /rest/api/2/issue/bulk" not in jira_sandbox.requests.snapshot()["by_route"]
    for issue in jira_sandbox.issues():
        assert f"[{issue['key']}]({jira_sandbox.base_url}/browse/{issue['key']})" in world.read(
            "en.md"
        )


def test_sigkill_right_after_a_github_create_leaves_exactly_one_issue_per_item(
    world: SyncWorld, github_sandbox: GitHubSandbox
) -> None:
    world.write("zh.md", ZH_DOC)
    crashed = world.cli(extra_env={CRASH_HOOK_ENV: "create"})
    assert crashed.returncode == -9
    assert len(github_sandbox.issues("acme/app")) == 1  # GitHub creates one per call

    again = world.cli()
    assert again.returncode == 0, again.stdout + again.stderr
    issues = github_sandbox.issues("acme/app")
    assert sorted(i["title"] for i in issues) == ["为回调接口增加幂等校验", "增加对账告警"]
    for issue in issues:
        assert issue["html_url"] in world.read("zh.md")


# ----- exit codes and output ---------------------------------------------------------------


def test_dry_run_prints_the_plan_and_exits_zero(world: SyncWorld) -> None:
    world.write("en.md", EN_DOC)
    done = world.cli("--dry-run")
    assert done.returncode == 0, done.stderr
    assert "Tickets to create (3)" in done.stdout
    assert "Nothing was written" in done.stdout
    assert not (world.folder / ".tracker").exists()  # not even an empty store is created


def test_run_with_failed_items_exits_one_and_names_them(
    world: SyncWorld, jira_sandbox: JiraSandbox
) -> None:
    world.write("en.md", EN_DOC)
    jira_sandbox.faults.add("500", count=40, route="POST /rest/api/2/issue/bulk")
    done = world.cli()
    assert done.returncode == 1
    assert "failed" in done.stdout and "en.md:14" in done.stdout
    assert "retried on the next run" in done.stdout


def test_literal_token_in_config_is_a_configuration_error(world: SyncWorld) -> None:
    world.config_path.write_text(
        world.config_path.read_text().replace('"${TEST_JIRA_TOKEN}"', '"abc123"')
    )
    done = world.cli()
    assert done.returncode == 2
    assert "error:" in done.stderr and "abc123" not in done.stderr


def _store_rows(world: SyncWorld) -> list[tuple[object, ...]]:
    tables = ["postmortem", "action_item", "status_event", "ticket_link", "sync_state", "sync_run"]
    with sqlite3.connect(world.folder / ".tracker" / "tracker.db") as connection:
        return [row for table in tables for row in connection.execute(f"SELECT * FROM {table}")]


def _files(folder: Path) -> dict[str, bytes]:
    return {
        str(path.relative_to(folder)): path.read_bytes()
        for path in sorted(folder.rglob("*"))
        if path.is_file()
    }


def test_unset_token_variable_exits_two_before_anything_is_written(world: SyncWorld) -> None:
    world.write("en.md", EN_DOC)
    world.write("zh.md", ZH_DOC)
    world.config_path.write_text(
        world.config_path.read_text().replace("${TEST_GITHUB_TOKEN}", "${NOPE_NOT_SET}")
    )
    before = _files(world.folder)
    done = world.cli()
    assert done.returncode == 2
    assert done.stderr.strip().splitlines() == [
        "error: connectors.github.token: environment variable NOPE_NOT_SET is not set"
    ]
    assert _files(world.folder) == before  # no store, no lock file, no document touched


def test_unset_token_variable_leaves_an_existing_store_untouched(world: SyncWorld) -> None:
    world.write("en.md", EN_DOC)
    assert world.cli().returncode == 0
    world.write("en.md", world.read("en.md").replace("| Open |", "| Done |", 1))
    rows = _store_rows(world)
    done = world.cli(extra_env={"TEST_JIRA_TOKEN": ""})
    assert done.returncode == 2 and "TEST_JIRA_TOKEN is not set" in done.stderr
    assert _store_rows(world) == rows  # no items recorded, no failed run logged


@pytest.mark.parametrize(
    ("variable", "expected"),
    [
        ("TEST_JIRA_TOKEN", "error: Jira rejected the credentials for"),
        ("TEST_GITHUB_TOKEN", "error: GitHub rejected the token for"),
    ],
)
def test_rejected_token_is_one_configuration_error_and_nothing_is_written(
    world: SyncWorld, variable: str, expected: str
) -> None:
    world.write("en.md", EN_DOC)
    world.write("zh.md", ZH_DOC)
    assert world.cli().returncode == 0
    world.write("en.md", world.read("en.md").replace("2026-03-20", "2026-03-21"))
    rows, files = _store_rows(world), _files(world.docs)
    for args in ((), ("--dry-run",)):
        done = world.cli(*args, extra_env={variable: "not-the-token"})
        assert done.returncode == 2, done.stdout + done.stderr
        lines = done.stderr.strip().splitlines()
        assert len(lines) == 1 and lines[0].startswith(expected)
        assert "(HTTP 401)" in lines[0] and "token environment variable" in lines[0]
        assert "could not read" not in done.stdout
    assert _store_rows(world) == rows
    assert _files(world.docs) == files


def test_dry_run_in_a_folder_without_a_store_creates_nothing(world: SyncWorld) -> None:
    world.write("en.md", EN_DOC)
    world.write("zh.md", ZH_DOC)
    before = _files(world.folder)
    done = world.cli("--dry-run")
    assert done.returncode == 0, done.stderr
    assert "Tickets to create (5)" in done.stdout
    assert _files(world.folder) == before
    assert not (world.folder / ".tracker").exists()


def test_tokens_never_appear_in_output_store_or_documents(
    world: SyncWorld, jira_sandbox: JiraSandbox, github_sandbox: GitHubSandbox
) -> None:
    world.write("en.md", EN_DOC)
    world.write("zh.md", ZH_DOC)
    outputs = [world.cli("--dry-run"), world.cli()]
    jira_sandbox.faults.add("500", count=40)
    github_sandbox.faults.add("502", count=40)
    world.write("en.md", world.read("en.md").replace("2026-03-20", "2026-03-22"))
    outputs.append(world.cli())
    bad = dict(world.env, TEST_JIRA_TOKEN="wrong-" + jira_sandbox.token)
    outputs.append(
        subprocess.run(
            outputs[0].args,
            cwd=world.folder,
            env={**__import__("os").environ, **bad},
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
    )
    database = world.folder / ".tracker" / "tracker.db"
    with sqlite3.connect(database) as connection:
        dump = "\n".join(connection.iterdump())
    texts = [o.stdout + o.stderr for o in outputs] + [
        dump,
        world.read("en.md"),
        world.read("zh.md"),
    ]
    for token in (jira_sandbox.token, github_sandbox.token):
        forms = [token, base64.b64encode(token.encode()).decode()]
        forms.append(base64.b64encode(f"tracker@example.com:{token}".encode()).decode())
        for form in forms:
            assert all(form not in text for text in texts)
    assert outputs[-1].returncode != 0  # the wrong token really was refused


def test_commit_makes_one_git_commit_of_the_documents_written(world: SyncWorld) -> None:
    def git(*args: str) -> str:
        return subprocess.run(
            ["git", *args], cwd=world.folder, capture_output=True, text=True, check=True
        ).stdout

    world.write("en.md", EN_DOC)
    git("init", "-q")
    git("config", "user.email", "t@example.com")
    git("config", "user.name", "Test")
    git("add", "postmortems")
    git("commit", "-q", "-m", "docs")
    done = world.cli("--commit")
    assert done.returncode == 0, done.stderr
    log = git("log", "--format=%s", "-n", "2").splitlines()
    assert log[0] == "tracker sync: update ticket links and status in 1 postmortem(s)"
    assert git("status", "--porcelain", "--", "postmortems") == ""
    assert "/browse/ENG-" in git("show", "HEAD:postmortems/en.md")


# ----- PostgreSQL --------------------------------------------------------------------------


@pytest.mark.postgres
def test_full_sync_on_postgresql(
    tmp_path: Path, postgres_url: str, jira_sandbox: JiraSandbox, github_sandbox: GitHubSandbox
) -> None:
    from tracker.store import upgrade_store

    upgrade_store(postgres_url)
    world = SyncWorld(tmp_path, jira_sandbox, github_sandbox, database_url=postgres_url)
    try:
        world.write("en.md", EN_DOC)
        world.write("zh.md", ZH_DOC)
        first = world.sync()
        assert first.exit_code == 0
        assert len(jira_sandbox.issues()) == 3 and len(github_sandbox.issues("acme/app")) == 2
        key = str(next(i["key"] for i in jira_sandbox.issues() if "pool size" in i["summary"]))
        world.later()  # someone edits the ticket later: Cloud search has indexed it
        jira_sandbox.set_status(key, "Done")
        second = world.sync()
        assert [p.kind for p in second.actions] == ["update"]
        assert world.sync().actions == []
        assert len(jira_sandbox.issues()) == 3
    finally:
        world.close()


def test_sigkill_after_create_on_an_incremental_run_is_also_recovered(
    world: SyncWorld, jira_sandbox: JiraSandbox
) -> None:
    world.write("en.md", EN_DOC)
    assert world.cli().returncode == 0  # high-water marks exist from now on
    world.write("more.md", EN_DOC.replace("Checkout latency spike", "Second incident"))
    crashed = world.cli(extra_env={CRASH_HOOK_ENV: "create"})
    assert crashed.returncode == -9
    assert len(jira_sandbox.issues()) == 6  # three more, created before the kill
    again = world.cli()
    assert again.returncode == 0, again.stdout + again.stderr
    assert len(jira_sandbox.issues()) == 6
    assert world.read("more.md").count("/browse/ENG-") == 3
