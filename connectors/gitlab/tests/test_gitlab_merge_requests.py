"""`tracker sync --pull-request` with `pull_request_target = "gitlab:group/project"`:
the write-back proposed as one GitLab merge request, end to end.

`tracker sync` runs as its own process against the GitLab sandbox (python-gitlab over
real HTTP), on SQLite and on PostgreSQL; the documents live in a real git repository
whose `origin` is a bare repository that the sandbox serves as `acme/app`'s branches.
The sandbox's merge requests API is checked first, through python-gitlab itself.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import gitlab
import pytest
from gitlab_sync_support import GitLabWorld
from tracker_gitlab.sandbox import GitLabSandbox

from tests.proposal_support import Docs, git
from tests.store_fixtures import postgres_url, sqlite_url, store_url  # noqa: F401 (fixtures)
from tests.sync_support import EN_DOC
from tracker.connectors import ChangeRequests, ConnectorError, change_requests, load_connector
from tracker.errors import ConfigError
from tracker.store import upgrade_store

APP = "acme/app"
BRANCH = "tracker/write-back"
MERGES = "/api/v4/projects/{project}/merge_requests"
ROW = "| Restore the connection-pool size to 50 | @alice | 2026-03-20 | P1 | | Open |"


def repository(tmp_path: Path, sandbox: GitLabSandbox) -> Path:
    """A bare repository with `main` and a `feature` branch one commit ahead, served as
    acme/app's branches."""
    origin = tmp_path / "api-origin.git"
    work = tmp_path / "api-work"
    git(tmp_path, "init", "-q", "--bare", "-b", "main", str(origin))
    git(tmp_path, "init", "-q", "-b", "main", str(work))
    for args in (("config", "user.email", "t@example.com"), ("config", "user.name", "T")):
        git(work, *args)
    git(work, "commit", "-q", "--allow-empty", "-m", "root")
    git(work, "checkout", "-q", "-b", "feature")
    git(work, "commit", "-q", "--allow-empty", "-m", "change")
    git(work, "push", "-q", str(origin), "main", "feature")
    sandbox.set_git_remote(APP, origin)
    return origin


@pytest.fixture
def client(gitlab_sandbox: GitLabSandbox) -> gitlab.Gitlab:
    return gitlab.Gitlab(gitlab_sandbox.base_url, private_token=gitlab_sandbox.token)


# ----- the sandbox's API, through python-gitlab ------------------------------------------


def test_the_sandbox_opens_a_merge_request_between_two_branches(
    tmp_path: Path, gitlab_sandbox: GitLabSandbox, client: gitlab.Gitlab
) -> None:
    repository(tmp_path, gitlab_sandbox)
    project = client.projects.get(APP, lazy=True)
    made = project.mergerequests.create(
        {"source_branch": "feature", "target_branch": "main", "title": "Feature"}
    )
    assert (made.iid, made.state, made.source_branch, made.target_branch) == (
        1,
        "opened",
        "feature",
        "main",
    )
    assert made.web_url.endswith("/acme/app/-/merge_requests/1")
    assert made.references["full"] == "acme/app!1"


def test_the_sandbox_lists_merge_requests_by_source_branch_and_state(
    tmp_path: Path, gitlab_sandbox: GitLabSandbox, client: gitlab.Gitlab
) -> None:
    repository(tmp_path, gitlab_sandbox)
    project = client.projects.get(APP, lazy=True)
    project.mergerequests.create(
        {"source_branch": "feature", "target_branch": "main", "title": "F"}
    )
    listed = project.mergerequests.list(state="opened", source_branch="feature", get_all=True)
    assert [m.iid for m in listed] == [1]
    assert project.mergerequests.list(state="opened", source_branch="other", get_all=True) == []
    assert project.mergerequests.list(state="merged", get_all=True) == []


def test_the_sandbox_refuses_a_second_open_merge_request_for_a_branch_with_409(
    tmp_path: Path, gitlab_sandbox: GitLabSandbox, client: gitlab.Gitlab
) -> None:
    repository(tmp_path, gitlab_sandbox)
    project = client.projects.get(APP, lazy=True)
    wanted = {"source_branch": "feature", "target_branch": "main", "title": "F"}
    project.mergerequests.create(wanted)
    with pytest.raises(gitlab.GitlabCreateError) as refused:
        project.mergerequests.create(wanted)
    assert refused.value.response_code == 409
    assert "Another open merge request already exists for this source branch: !1" in str(
        refused.value.error_message
    )


def test_the_sandbox_refuses_a_branch_the_repository_lacks(
    tmp_path: Path, gitlab_sandbox: GitLabSandbox, client: gitlab.Gitlab
) -> None:
    repository(tmp_path, gitlab_sandbox)
    project = client.projects.get(APP, lazy=True)
    with pytest.raises(gitlab.GitlabCreateError) as refused:
        project.mergerequests.create(
            {"source_branch": "nope", "target_branch": "main", "title": "F"}
        )
    assert refused.value.response_code == 400
    assert 'Source branch \\"nope\\" does not exist' in str(refused.value.error_message) or (
        'Source branch "nope" does not exist' in str(refused.value.error_message)
    )


def test_the_sandbox_updates_a_merge_requests_title_and_description(
    tmp_path: Path, gitlab_sandbox: GitLabSandbox, client: gitlab.Gitlab
) -> None:
    repository(tmp_path, gitlab_sandbox)
    project = client.projects.get(APP, lazy=True)
    made = project.mergerequests.create(
        {"source_branch": "feature", "target_branch": "main", "title": "F"}
    )
    made.title, made.description = "New title", "Why"
    made.save()
    again = project.mergerequests.get(made.iid)
    assert (again.title, again.description) == ("New title", "Why")


# ----- the connector ------------------------------------------------------------------------


def connector(sandbox: GitLabSandbox) -> ChangeRequests:
    made = load_connector(
        "gitlab",
        {"url": sandbox.base_url, "token": "${GITLAB_TOKEN}", "creations_per_minute": 0},
        {"GITLAB_TOKEN": sandbox.token},
        sleep=sandbox.clock.advance,
    )
    requests = change_requests(made)
    assert requests is not None
    return requests


def test_the_connector_opens_then_updates_one_merge_request(
    tmp_path: Path, gitlab_sandbox: GitLabSandbox
) -> None:
    repository(tmp_path, gitlab_sandbox)
    requests = connector(gitlab_sandbox)
    opened = requests.open_change_request(APP, "feature", "main", "T", "B")
    same = requests.open_change_request(APP, "feature", "main", "T", "B")
    updated = requests.open_change_request(APP, "feature", "main", "T2", "B2")
    assert [opened.action, same.action, updated.action] == ["opened", "unchanged", "updated"]
    assert {opened.number, same.number, updated.number} == {1}
    assert opened.label == "merge request !1"
    assert [(m["title"], m["description"]) for m in gitlab_sandbox.merge_requests(APP)] == [
        ("T2", "B2")
    ]


def test_a_create_whose_answer_was_lost_is_found_not_made_twice(
    tmp_path: Path, gitlab_sandbox: GitLabSandbox
) -> None:
    repository(tmp_path, gitlab_sandbox)
    requests = connector(gitlab_sandbox)
    gitlab_sandbox.faults.add("drop-after", route=f"POST {MERGES}")
    with pytest.raises(ConnectorError):
        requests.open_change_request(APP, "feature", "main", "T", "B")
    again = requests.open_change_request(APP, "feature", "main", "T", "B")
    assert (again.action, again.number) == ("unchanged", 1)
    assert len(gitlab_sandbox.merge_requests(APP)) == 1


def test_a_target_that_is_not_a_project_path_is_a_configuration_error(
    gitlab_sandbox: GitLabSandbox,
) -> None:
    with pytest.raises(ConfigError):
        connector(gitlab_sandbox).open_change_request("app", "feature", "main", "T", "B")


# ----- tracker sync --pull-request ---------------------------------------------------------


@pytest.fixture
def world(
    tmp_path: Path,
    store_url: str,  # noqa: F811 (the fixture imported above)
    gitlab_sandbox: GitLabSandbox,
) -> Iterator[GitLabWorld]:
    """On SQLite and on PostgreSQL (`store_url`)."""
    upgrade_store(store_url)
    created = GitLabWorld(
        tmp_path / "work",
        gitlab_sandbox,
        sync={"pull_request_target": f"gitlab:{APP}"},
        database_url=store_url,
    )
    created.write("en.md", EN_DOC)
    yield created
    created.close()


@pytest.fixture
def docs(tmp_path: Path, world: GitLabWorld, gitlab_sandbox: GitLabSandbox) -> Docs:
    made = Docs(tmp_path, world.folder, world.docs)
    gitlab_sandbox.set_git_remote(APP, made.origin)
    return made


def run(world: GitLabWorld, *args: str) -> Any:
    done = world.cli("--pull-request", *args)
    world.sandbox.clock.advance(120)
    return done


def test_a_merge_request_is_opened_with_the_changes_listed_cell_by_cell(
    docs: Docs, world: GitLabWorld, gitlab_sandbox: GitLabSandbox
) -> None:
    before = world.read("en.md")
    done = run(world)
    assert done.returncode == 0, done.stdout + done.stderr
    [merge] = gitlab_sandbox.merge_requests(APP)
    assert (merge["source_branch"], merge["target_branch"], merge["state"]) == (
        BRANCH,
        "main",
        "opened",
    )
    assert merge["title"] == "tracker: ticket links and statuses in 1 postmortem"
    assert "- postmortems/en.md:14 (" in merge["description"]
    assert "ticket: (empty) → `[#1](" in merge["description"]
    assert "/acme/app/-/issues/" in docs.on_branch("postmortems/en.md")
    assert world.read("en.md") == before  # the working tree is left alone
    assert f"merge request !{merge['iid']} opened: {merge['web_url']}" in done.stdout


def test_a_second_run_updates_the_same_merge_request(
    docs: Docs, world: GitLabWorld, gitlab_sandbox: GitLabSandbox
) -> None:
    run(world)
    [first] = gitlab_sandbox.merge_requests(APP)
    issue = world.issue(APP, "Restore the connection-pool size to 50")
    gitlab_sandbox.edit_issue(APP, issue["iid"], state_event="close")
    done = run(world)
    assert done.returncode == 0, done.stdout + done.stderr
    [again] = gitlab_sandbox.merge_requests(APP)
    assert again["iid"] == first["iid"]
    assert "status: `Open` → `Done`" in again["description"]
    assert f"merge request !{first['iid']} updated" in done.stdout


def test_a_run_with_nothing_new_leaves_the_merge_request_alone(
    docs: Docs, world: GitLabWorld, gitlab_sandbox: GitLabSandbox
) -> None:
    run(world)
    tip = git(docs.origin, "rev-parse", BRANCH)
    [first] = gitlab_sandbox.merge_requests(APP)
    done = run(world)
    assert done.returncode == 0, done.stdout + done.stderr
    assert git(docs.origin, "rev-parse", BRANCH) == tip
    assert gitlab_sandbox.merge_requests(APP) == [first]
    assert f"merge request !{first['iid']} unchanged" in done.stdout


def test_a_merge_request_edited_by_hand_gets_trackers_title_back(
    docs: Docs, world: GitLabWorld, gitlab_sandbox: GitLabSandbox, client: gitlab.Gitlab
) -> None:
    run(world)
    [first] = gitlab_sandbox.merge_requests(APP)
    client.projects.get(APP, lazy=True).mergerequests.update(
        first["iid"], {"title": "renamed by hand"}
    )
    done = run(world)
    assert done.returncode == 0, done.stdout + done.stderr
    [again] = gitlab_sandbox.merge_requests(APP)
    assert again["title"] == "tracker: ticket links and statuses in 1 postmortem"


def test_a_merge_request_opened_by_hand_for_the_branch_is_updated_not_duplicated(
    docs: Docs, world: GitLabWorld, gitlab_sandbox: GitLabSandbox, client: gitlab.Gitlab
) -> None:
    git(docs.tree, "push", "-q", "origin", f"main:refs/heads/{BRANCH}")
    client.projects.get(APP, lazy=True).mergerequests.create(
        {"source_branch": BRANCH, "target_branch": "main", "title": "by hand"}
    )
    done = run(world)
    assert done.returncode == 0, done.stdout + done.stderr
    [merge] = gitlab_sandbox.merge_requests(APP)
    assert merge["title"] == "tracker: ticket links and statuses in 1 postmortem"
    assert "merge request !1 updated" in done.stdout


def test_a_conflicting_base_is_reported_with_exit_1_and_nothing_forced(
    docs: Docs, world: GitLabWorld, gitlab_sandbox: GitLabSandbox
) -> None:
    run(world)
    tip = git(docs.origin, "rev-parse", BRANCH)
    docs.colleague_pushes("postmortems/en.md", ROW.replace("| | Open |", "| OPS-1 | Open |"), ROW)
    main = git(docs.origin, "rev-parse", "main")
    done = run(world)
    assert done.returncode == 1, done.stdout + done.stderr
    assert "merge request not updated" in done.stdout
    assert "the ticket cell on main now says 'OPS-1'" in done.stdout
    assert git(docs.origin, "rev-parse", BRANCH) == tip
    assert git(docs.origin, "rev-parse", "main") == main
    assert len(gitlab_sandbox.merge_requests(APP)) == 1


def test_the_output_says_merge_request_never_pull_request(docs: Docs, world: GitLabWorld) -> None:
    done = run(world)
    assert done.returncode == 0, done.stdout + done.stderr
    assert f"1 documents proposed on {BRANCH}" in done.stdout
    assert "pull request" not in done.stdout.lower()


def test_dry_run_says_it_would_open_a_merge_request(docs: Docs, world: GitLabWorld) -> None:
    done = run(world, "--dry-run")
    assert done.returncode == 0, done.stdout + done.stderr
    assert f"merge request: would push {BRANCH} to origin and open or update one merge request" in (
        done.stdout.replace("\n", " ")
    )
    assert "pull request" not in done.stdout.lower()
