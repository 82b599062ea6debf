"""`tracker sync --pull-request`: write-back proposed as one pull request, end to end.

The CLI runs as a separate process against the sandboxes (PyGithub and `jira` over real
HTTP); the documents live in a real git repository whose `origin` is a bare repository
in tmp_path, which the GitHub sandbox also serves as `acme/app`'s branches.
"""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from tracker_github.sandbox.server import GitHubSandbox
from tracker_jira.sandbox.server import JiraSandbox

from tests.proposal_support import Docs, git
from tests.sync_support import EN_DOC, ZH_DOC, SyncWorld
from tracker.store import upgrade_store

BRANCH = "tracker/write-back"
PROPOSE = {"pull_request_target": "github:acme/app"}


@pytest.fixture
def world(
    tmp_path: Path, store_url: str, jira_sandbox: JiraSandbox, github_sandbox: GitHubSandbox
) -> Iterator[SyncWorld]:
    """On SQLite and on PostgreSQL (`store_url`)."""
    upgrade_store(store_url)
    created = SyncWorld(
        tmp_path / "work", jira_sandbox, github_sandbox, sync=PROPOSE, database_url=store_url
    )
    created.write("en.md", EN_DOC)
    created.write("zh.md", ZH_DOC)
    yield created
    created.close()


@pytest.fixture
def docs(tmp_path: Path, world: SyncWorld, github_sandbox: GitHubSandbox) -> Docs:
    made = Docs(tmp_path, world.folder, world.docs)
    github_sandbox.pulls.set_git_remote("acme/app", made.origin)
    return made


def pulls(github_sandbox: GitHubSandbox, state: str = "all") -> list[dict[str, object]]:
    return github_sandbox.pulls.pull_requests("acme/app", state=state)


def run(world: SyncWorld, *args: str) -> subprocess.CompletedProcess[str]:
    done = world.cli("--pull-request", *args)
    world.later(120)  # the sandboxes' clocks move on between runs
    return done


def close_first_github_issue(github_sandbox: GitHubSandbox) -> None:
    issue = next(i for i in github_sandbox.issues("acme/app") if "pull_request" not in i)
    github_sandbox.set_state("acme/app", int(str(issue["number"])), "closed")


def test_a_pull_request_is_opened_with_the_changes_listed_cell_by_cell(
    docs: Docs, world: SyncWorld, github_sandbox: GitHubSandbox
) -> None:
    done = run(world)
    assert done.returncode == 0, done.stdout + done.stderr
    [pull] = pulls(github_sandbox)
    assert (pull["head"], pull["base"], pull["state"]) == (BRANCH, "main", "open")
    assert pull["title"] == "tracker: ticket links and statuses in 2 postmortems"
    body = str(pull["body"])
    assert "- postmortems/en.md:14 (" in body
    assert "ticket: (empty) → `[ENG-" in body and "— the item's ticket" in body
    assert "postmortems/zh.md:" in body
    assert "/browse/ENG-" in docs.on_branch("postmortems/en.md")
    assert f"pull request #{pull['number']} opened" in done.stdout


def test_the_summary_counts_documents_proposed_on_the_branch_not_written(
    docs: Docs, world: SyncWorld
) -> None:
    done = run(world)
    assert done.returncode == 0, done.stdout + done.stderr
    assert f"2 documents proposed on {BRANCH}" in done.stdout
    assert "documents written" not in done.stdout


def test_a_conflicting_run_counts_no_document_proposed(docs: Docs, world: SyncWorld) -> None:
    run(world)
    row = "| Restore the connection-pool size to 50 | @alice | 2026-03-20 | P1 | | Open |"
    docs.colleague_pushes("postmortems/en.md", row.replace("| | Open", "| OPS-1 | Open"), old=row)
    done = run(world)
    assert done.returncode == 1, done.stdout + done.stderr
    assert f"0 documents proposed on {BRANCH}" in done.stdout


def write_derived_due(world: SyncWorld) -> None:
    config = world.config_path.read_text(encoding="utf-8")
    policy = "\n[policy]\nslo_days_by_priority = { P3 = 90 }\nwrite_derived_due = true\n"
    world.config_path.write_text(config + policy, encoding="utf-8")


def test_a_derived_due_date_is_proposed_not_written_in_place(
    docs: Docs, world: SyncWorld, github_sandbox: GitHubSandbox
) -> None:
    write_derived_due(world)
    before = world.read("en.md")
    done = run(world)
    assert done.returncode == 0, done.stdout + done.stderr
    assert world.read("en.md") == before
    row = "| Add an SDK upgrade checklist | @nobody | 2026-06-02 | P3 |"  # 03-04 + 90 days
    assert row in docs.on_branch("postmortems/en.md")
    [pull] = pulls(github_sandbox)
    assert pull["title"] == "tracker: ticket links, statuses and derived due dates in 2 postmortems"
    assert "due: (empty) → `2026-06-02` — the SLO's due date" in str(pull["body"])
    assert "1 derived due date(s) proposed" in done.stdout


def test_dry_run_lists_a_derived_due_date_among_the_cells_it_would_propose(
    docs: Docs, world: SyncWorld, github_sandbox: GitHubSandbox
) -> None:
    write_derived_due(world)
    done = run(world, "--dry-run")
    assert done.returncode == 0, done.stdout + done.stderr
    proposal = done.stdout.split("would push", 1)[1]
    assert "): due ← 2026-06-02 (derived)" in proposal  # 03-04 + 90 days
    assert "would write" not in done.stdout  # proposed, not written
    assert not docs.has_branch()


def test_a_proposed_due_date_stays_on_the_branch_until_merged(
    docs: Docs, world: SyncWorld, github_sandbox: GitHubSandbox
) -> None:
    write_derived_due(world)
    run(world)
    tip = git(docs.origin, "rev-parse", BRANCH)
    [first] = pulls(github_sandbox)
    done = run(world)
    assert done.returncode == 0, done.stdout + done.stderr
    assert git(docs.origin, "rev-parse", BRANCH) == tip
    assert pulls(github_sandbox) == [first]


def test_the_working_tree_and_the_current_branch_are_left_as_they_were(
    docs: Docs, world: SyncWorld
) -> None:
    git(docs.tree, "checkout", "-q", "-b", "my-work")
    (docs.tree / "notes.txt").write_text("draft\n")
    git(docs.tree, "add", "notes.txt")  # staged, uncommitted: the user's business
    before = docs.snapshot()
    done = run(world)
    assert done.returncode == 0, done.stdout + done.stderr
    assert docs.snapshot() == before
    assert git(docs.tree, "worktree", "list").count("\n") == 0  # the temporary one is gone


def test_uncommitted_edits_to_a_document_stay_out_of_the_pull_request(
    docs: Docs, world: SyncWorld
) -> None:
    edited = world.read("en.md") + "\nA private draft paragraph.\n"
    world.write("en.md", edited)
    done = run(world)
    assert done.returncode == 0, done.stdout + done.stderr
    assert world.read("en.md") == edited
    proposed = docs.on_branch("postmortems/en.md")
    assert "/browse/ENG-" in proposed and "private draft" not in proposed


def test_a_second_run_updates_the_same_pull_request(
    docs: Docs, world: SyncWorld, github_sandbox: GitHubSandbox
) -> None:
    run(world)
    [first] = pulls(github_sandbox)
    close_first_github_issue(github_sandbox)
    done = run(world)
    assert done.returncode == 0, done.stdout + done.stderr
    [again] = pulls(github_sandbox)
    assert again["number"] == first["number"]
    assert "status: `进行中` → `已完成`" in str(again["body"])  # the closed issue's row
    assert "ticket: (empty) → `[ENG-" in str(again["body"])  # the first run's still listed
    assert "已完成" in docs.on_branch("postmortems/zh.md")
    assert f"pull request #{first['number']} updated" in done.stdout
    assert git(docs.origin, "rev-list", "--count", f"main..{BRANCH}") == "1"  # rebuilt on main


def test_a_run_with_nothing_new_pushes_nothing_and_leaves_the_pull_request_alone(
    docs: Docs, world: SyncWorld, github_sandbox: GitHubSandbox
) -> None:
    run(world)
    tip = git(docs.origin, "rev-parse", BRANCH)
    [first] = pulls(github_sandbox)
    done = run(world)
    assert done.returncode == 0, done.stdout + done.stderr
    assert git(docs.origin, "rev-parse", BRANCH) == tip
    assert pulls(github_sandbox) == [first]
    assert f"pull request #{first['number']} unchanged" in done.stdout


def test_nothing_to_write_back_opens_no_pull_request(
    docs: Docs, world: SyncWorld, github_sandbox: GitHubSandbox
) -> None:
    plain = world.cli("--config", str(world.config_path))  # write-back in place first…
    assert plain.returncode == 0, plain.stdout + plain.stderr
    git(docs.tree, "commit", "-q", "-am", "links")
    git(docs.tree, "push", "-q", "origin", "main")  # …and merged by hand
    world.later(120)
    done = run(world)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "nothing to propose" in done.stdout
    assert pulls(github_sandbox) == []
    assert not docs.has_branch()


def test_a_base_that_moved_on_without_conflict_is_rebased_onto(
    docs: Docs, world: SyncWorld, github_sandbox: GitHubSandbox
) -> None:
    run(world)
    docs.colleague_pushes("postmortems/en.md", "\n## Timeline\n\nAdded later.\n")
    close_first_github_issue(github_sandbox)
    done = run(world)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "rebased on the newest main" in done.stdout
    main = git(docs.origin, "rev-parse", "main")
    assert git(docs.origin, "merge-base", "main", BRANCH) == main
    proposed = docs.on_branch("postmortems/en.md")
    assert "Added later." in proposed and "/browse/ENG-" in proposed
    assert len(pulls(github_sandbox)) == 1


def test_a_conflicting_base_is_reported_with_exit_1_and_nothing_forced(
    docs: Docs, world: SyncWorld, github_sandbox: GitHubSandbox
) -> None:
    run(world)
    tip = git(docs.origin, "rev-parse", BRANCH)
    row = "| Restore the connection-pool size to 50 | @alice | 2026-03-20 | P1 | | Open |"
    docs.colleague_pushes(
        "postmortems/en.md",
        "| Restore the connection-pool size to 50 | @alice | 2026-03-20 | P1 | OPS-1 | Open |",
        old=row,
    )
    main = git(docs.origin, "rev-parse", "main")
    done = run(world)
    assert done.returncode == 1, done.stdout + done.stderr
    assert "pull request not updated" in done.stdout
    assert "the ticket cell on main now says 'OPS-1'" in done.stdout
    assert git(docs.origin, "rev-parse", BRANCH) == tip
    assert git(docs.origin, "rev-parse", "main") == main
    assert len(pulls(github_sandbox)) == 1


def test_dry_run_shows_what_would_be_proposed_and_pushes_nothing(
    docs: Docs, world: SyncWorld, github_sandbox: GitHubSandbox
) -> None:
    done = run(world, "--dry-run")
    assert done.returncode == 0, done.stdout + done.stderr
    assert f"would push {BRANCH} to origin" in done.stdout
    assert "postmortems/en.md:14" in done.stdout and "ticket ← the new ticket" in done.stdout
    assert not docs.has_branch()
    assert pulls(github_sandbox) == []


def test_pull_request_without_a_target_is_a_configuration_error(
    tmp_path: Path, jira_sandbox: JiraSandbox, github_sandbox: GitHubSandbox
) -> None:
    world = SyncWorld(tmp_path, jira_sandbox, github_sandbox)
    world.write("en.md", EN_DOC)
    done = world.cli("--pull-request")
    assert done.returncode == 2
    assert "pull_request_target" in done.stdout + done.stderr


def test_the_write_back_setting_proposes_without_the_flag(
    tmp_path: Path, jira_sandbox: JiraSandbox, github_sandbox: GitHubSandbox
) -> None:
    world = SyncWorld(
        tmp_path / "work",
        jira_sandbox,
        github_sandbox,
        sync={**PROPOSE, "write_back": "pull-request"},
    )
    world.write("en.md", EN_DOC)
    docs = Docs(tmp_path, world.folder, world.docs)
    github_sandbox.pulls.set_git_remote("acme/app", docs.origin)
    done = world.cli()
    assert done.returncode == 0, done.stdout + done.stderr
    assert "/browse/ENG-" not in world.read("en.md")
    assert "/browse/ENG-" in docs.on_branch("postmortems/en.md")
    assert len(pulls(github_sandbox)) == 1
    world.close()


def test_a_target_whose_connector_cannot_open_pull_requests_is_a_configuration_error(
    tmp_path: Path, jira_sandbox: JiraSandbox, github_sandbox: GitHubSandbox
) -> None:
    world = SyncWorld(
        tmp_path, jira_sandbox, github_sandbox, sync={"pull_request_target": "jira:ENG"}
    )
    world.write("en.md", EN_DOC)
    done = world.cli("--pull-request")
    assert done.returncode == 2
    assert "the jira connector cannot open pull requests" in done.stdout + done.stderr
    assert jira_sandbox.issues() == []  # stopped before anything was written


def test_pull_request_without_any_connector_is_a_configuration_error(tmp_path: Path) -> None:
    (tmp_path / "postmortems").mkdir()
    (tmp_path / "postmortems" / "en.md").write_text(EN_DOC, encoding="utf-8")
    (tmp_path / "tracker.toml").write_text('database_url = "sqlite:///t.db"\n')
    done = subprocess.run(
        [sys.executable, "-m", "tracker", "sync", "postmortems", "--pull-request"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        check=False,
        timeout=60,
    )
    assert done.returncode == 2
    assert "needs a connector that opens pull requests" in done.stdout + done.stderr
    assert not (tmp_path / "t.db").exists()
