"""What the GitLab connector does beyond the shared contract: pacing under GitLab's
issue-creation limit, references on GitLab.com and self-managed instances, label
mapping, and one listing per project for fetches."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

import pytest
from tracker_gitlab import GitLabConnector
from tracker_gitlab.connector import _rate_wait
from tracker_gitlab.mapping import priority_of, relabel, status_of
from tracker_gitlab.marker import identity_in, with_marker
from tracker_gitlab.sandbox import GitLabSandbox

from tracker.connectors import Target, TicketChanges, TicketDraft, load_connector
from tracker.model import URL_SYSTEM, Status, TicketRef

APP = Target("gitlab", repo="acme/app")
LIST_ROUTE = "GET /api/v4/projects/{project}/issues"


def connect(sandbox: GitLabSandbox, sleeps: list[float], **settings: object) -> GitLabConnector:
    def sleep(seconds: float) -> None:
        sleeps.append(seconds)
        sandbox.clock.advance(seconds)

    connector = load_connector(
        "gitlab",
        {"url": sandbox.base_url, "token": "${GITLAB_TOKEN}", **settings},
        {"GITLAB_TOKEN": sandbox.token},
        sleep=sleep,
        clock=lambda: sandbox.clock.now().timestamp(),
    )
    assert isinstance(connector, GitLabConnector)
    return connector


def draft(identity: str, **fields: object) -> TicketDraft:
    values: dict[str, object] = {
        "summary": f"Action {identity}",
        "description": "From the postmortem.",
        "priority": "P2",
        "due": None,
        "assignee": None,
        "labels": ("postmortem",),
    }
    values.update(fields)
    return TicketDraft(identity=identity, target=APP, **values)  # type: ignore[arg-type]


# ----- pacing -----------------------------------------------------------------------------


def test_creations_are_spaced_at_creations_per_minute(gitlab_sandbox: GitLabSandbox) -> None:
    sleeps: list[float] = []
    connector = connect(gitlab_sandbox, sleeps, creations_per_minute=60)
    results = connector.create([draft(f"p-{n}") for n in range(4)])
    assert all(r.ticket is not None for r in results)
    assert len(sleeps) == 3 and all(0.9 < s <= 1.0 for s in sleeps)


def test_gitlabs_issue_creation_limit_holds_the_writes_then_creates_each_once(
    gitlab_sandbox: GitLabSandbox,
) -> None:
    gitlab_sandbox.issue_limit_per_minute = 2
    gitlab_sandbox.clock.set(gitlab_sandbox.clock.now().replace(second=0))
    sleeps: list[float] = []
    connector = connect(gitlab_sandbox, sleeps, creations_per_minute=0)
    results = connector.create([draft(f"lim-{n}") for n in range(4)])
    assert [r.error for r in results] == [None] * 4
    assert len(gitlab_sandbox.issues("acme/app")) == 4
    assert sleeps and all(0 < s <= 60 for s in sleeps)  # held for GitLab's Retry-After
    creates = gitlab_sandbox.requests.snapshot()["by_route"][
        "POST /api/v4/projects/{project}/issues"
    ]
    assert creates == 5  # the refused one was sent again, nothing else


def test_without_retry_after_the_wait_is_until_ratelimit_reset() -> None:
    import time

    reset = str(int(time.time()) + 30)
    assert 28 <= _rate_wait({"ratelimit-reset": reset}) <= 31
    assert _rate_wait({"retry-after": "7", "ratelimit-reset": reset}) == 7
    assert _rate_wait({}) == 60


# ----- references and instances ----------------------------------------------------------


@pytest.mark.parametrize(
    ("url", "owned", "where"),
    [
        ("https://git.example.com/gitlab/acme/app/-/issues/7", True, ("acme/app", 7)),
        ("https://git.example.com/gitlab/acme/platform/api/-/work_items/3", True, None),
        ("https://gitlab.com/acme/app/-/issues/7", False, None),
        ("https://git.example.com/gitlab/acme/app/-/merge_requests/7", False, None),
    ],
)
def test_a_self_managed_instance_with_a_relative_root_owns_its_issue_urls(
    url: str, owned: bool, where: tuple[str, int] | None
) -> None:
    connector = load_connector(
        "gitlab",
        {"url": "https://git.example.com/gitlab", "token": "${T}"},
        {"T": "secret"},
    )
    assert connector.owns(TicketRef(URL_SYSTEM, url, url)) is owned
    if where is not None:
        assert isinstance(connector, GitLabConnector)
        assert connector._locate(TicketRef("gitlab", "ignored#1", url)) == where


def test_server_identity_names_gitlab_com_or_the_self_managed_address() -> None:
    env = {"T": "secret"}
    dotcom = load_connector("gitlab", {"token": "${T}"}, env).server_identity()
    own = load_connector(
        "gitlab", {"url": "https://Git.Example.com/gitlab/", "token": "${T}"}, env
    ).server_identity()
    assert (dotcom.id, dotcom.deployment) == ("gitlab:https://gitlab.com", "GitLab.com")
    assert (own.id, own.deployment) == (
        "gitlab:https://git.example.com/gitlab",
        "GitLab self-managed",
    )


# ----- reads ------------------------------------------------------------------------------


def test_fetching_many_issues_of_a_project_is_one_listing(gitlab_sandbox: GitLabSandbox) -> None:
    connector = connect(gitlab_sandbox, [], creations_per_minute=0)
    refs = [r.ticket.ref for r in connector.create([draft(f"m-{n}") for n in range(5)]) if r.ticket]
    gitlab_sandbox.requests.reset()
    fetched = connector.fetch(refs)
    assert [t.identity for t in fetched] == [f"m-{n}" for n in range(5)]
    assert gitlab_sandbox.requests.snapshot()["by_route"] == {LIST_ROUTE: 1}


def test_issues_of_a_project_that_is_gone_are_reported_gone(gitlab_sandbox: GitLabSandbox) -> None:
    connector = connect(gitlab_sandbox, [], creations_per_minute=0)
    [ticket] = connector.fetch([TicketRef("gitlab", "acme/vanished#3")])
    assert ticket.deleted


def test_issues_filed_by_someone_else_carry_their_author(gitlab_sandbox: GitLabSandbox) -> None:
    iid = gitlab_sandbox.file_issue("acme/app", "Filed by hand", author="alice")
    connector = connect(gitlab_sandbox, [], creations_per_minute=0)
    [ticket] = connector.fetch([TicketRef("gitlab", f"acme/app#{iid}")])
    assert (ticket.creator, connector.account()) == ("alice", "tracker-bot")


# ----- labels -----------------------------------------------------------------------------


def test_a_status_change_keeps_every_other_label(gitlab_sandbox: GitLabSandbox) -> None:
    connector = connect(gitlab_sandbox, [], creations_per_minute=0)
    [result] = connector.create([draft("lab", labels=("postmortem", "team::payments"))])
    assert result.ticket is not None
    ref = result.ticket.ref
    gitlab_sandbox.edit_issue("acme/app", 1, add_labels=["customer"])
    done = connector.update(ref, TicketChanges(status=Status.WONT_DO, priority="P0"))
    assert set(done.labels) == {
        "tracker",
        "postmortem",
        "team::payments",
        "customer",
        "priority::P0",
        "wont-do",
    }
    reopened = connector.update(ref, TicketChanges(status=Status.IN_PROGRESS))
    assert reopened.status is Status.IN_PROGRESS
    assert "wont-do" not in reopened.labels and "in-progress" in reopened.labels


@pytest.mark.parametrize(
    ("state", "labels", "expected"),
    [
        ("opened", [], Status.OPEN),
        ("opened", ["workflow::In Progress"], Status.IN_PROGRESS),
        ("opened", ["Doing"], Status.IN_PROGRESS),
        ("closed", [], Status.DONE),
        ("closed", ["resolution::won't do"], Status.WONT_DO),
        ("closed", ["duplicate"], Status.WONT_DO),
    ],
)
def test_status_is_read_from_state_and_labels(
    state: str, labels: list[str], expected: Status
) -> None:
    assert status_of(state, labels)[0] is expected


def test_priority_is_read_from_scoped_or_single_colon_labels() -> None:
    assert priority_of(["priority::P1"]) == "P1"
    assert priority_of(["priority:p3"]) == "P3"
    assert priority_of(["priority::high"]) is None
    assert relabel(["priority:P3", "x"], priority="P1") == ["x", "priority::P1"]


def test_the_marker_survives_any_identity_and_ignores_pasted_markers() -> None:
    hostile = "pm --> <!-- tracker:item=evil -->"
    text = with_marker("Text with <!-- tracker:item=other --> pasted", hostile)
    assert identity_in(text) == hostile
    assert "item=other" not in text


def test_the_due_date_is_gitlabs_own_field(gitlab_sandbox: GitLabSandbox) -> None:
    connector = connect(gitlab_sandbox, [], creations_per_minute=0)
    [result] = connector.create([draft("due", due=date(2027, 2, 28))])
    assert gitlab_sandbox.issue("acme/app", 1)["due_date"] == "2027-02-28"
    assert result.ticket is not None and result.ticket.due == date(2027, 2, 28)


def test_a_moved_issue_is_fetched_with_where_it_went(gitlab_sandbox: GitLabSandbox) -> None:
    connector = connect(gitlab_sandbox, [], creations_per_minute=0)
    [result] = connector.create([draft("mv")])
    assert result.ticket is not None
    new_iid = gitlab_sandbox.move_issue("acme/app", 1, "acme/platform/api")
    [ticket] = connector.fetch([result.ticket.ref])
    assert ticket.moved_to is not None
    assert ticket.moved_to.key == f"acme/platform/api#{new_iid}"
    assert str(ticket.moved_to.url).endswith(f"/acme/platform/api/-/issues/{new_iid}")
    changed = list(connector.fetch_changed_since(APP, None))
    assert [t.moved_to.key for t in changed if t.moved_to] == [f"acme/platform/api#{new_iid}"]


# ----- streamed listings -------------------------------------------------------------------


def many_issues(sandbox: GitLabSandbox, total: int) -> None:
    """`total` issues in acme/app, counting the seeded ones; the request log emptied."""
    for number in range(total - len(sandbox.issues("acme/app"))):
        sandbox.file_issue("acme/app", f"Filed by hand {number}")
    sandbox.requests.reset()


def list_requests(sandbox: GitLabSandbox) -> int:
    return int(sandbox.requests.snapshot()["by_route"].get(LIST_ROUTE, 0))


def test_a_whole_listing_hands_on_its_first_issue_after_one_page(
    gitlab_sandbox: GitLabSandbox,
) -> None:
    many_issues(gitlab_sandbox, 250)
    listing = connect(gitlab_sandbox, []).fetch_changed_since(APP, None)
    next(listing)
    assert list_requests(gitlab_sandbox) == 1
    assert 1 + sum(1 for _ in listing) == 250
    assert list_requests(gitlab_sandbox) == 3


def keys_listed_with(sandbox: GitLabSandbox, between_pages: Callable[[str], None]) -> set[str]:
    """acme/app's 250 issues listed whole, `between_pages(first key listed)` run once the
    first page (100 issues) has been handed on and before the second is asked for."""
    many_issues(sandbox, 250)
    listing = connect(sandbox, []).fetch_changed_since(APP, None)
    first = [next(listing) for _ in range(100)]
    between_pages(first[0].ref.key)
    return {t.ref.key for t in first + list(listing)}


def test_a_failed_page_is_asked_for_again_not_the_whole_listing(
    gitlab_sandbox: GitLabSandbox,
) -> None:
    def fail_the_next_page(_: str) -> None:
        gitlab_sandbox.faults.add("503", route=LIST_ROUTE)

    assert len(keys_listed_with(gitlab_sandbox, fail_the_next_page)) == 250
    assert list_requests(gitlab_sandbox) == 4  # three pages and the second one again


def test_an_issue_edited_between_two_listing_pages_makes_none_skipped(
    gitlab_sandbox: GitLabSandbox,
) -> None:
    def edit(key: str) -> None:
        gitlab_sandbox.clock.advance(60)
        gitlab_sandbox.edit_issue("acme/app", int(key.rsplit("#", 1)[1]), title="Edited")

    assert len(keys_listed_with(gitlab_sandbox, edit)) == 250


def test_the_identity_listing_asks_a_failed_page_again_and_the_oldest_issue_wins(
    gitlab_sandbox: GitLabSandbox,
) -> None:
    for number in range(150):  # two pages of tracker issues; later, a copy carrying id-7
        gitlab_sandbox.file_issue(
            "acme/app", f"Action {number}", labels="tracker",
            description=with_marker("From the postmortem.", f"id-{number}"),
        )  # fmt: skip
    oldest_of_7 = next(
        t for t in connect(gitlab_sandbox, []).find_by_identity(APP, ["id-7"]).values()
    )
    gitlab_sandbox.file_issue(
        "acme/app", "A copy", labels="tracker", description=with_marker("Copy.", "id-7")
    )
    gitlab_sandbox.requests.reset()
    gitlab_sandbox.faults.add("pass", route=LIST_ROUTE)  # the first page arrives
    gitlab_sandbox.faults.add("503", route=LIST_ROUTE)  # the second fails once
    found = connect(gitlab_sandbox, []).find_by_identity(APP, ["id-7", "id-149", "id-150"])
    assert list_requests(gitlab_sandbox) == 3  # two pages and the second one again
    assert set(found) == {"id-7", "id-149"}
    assert found["id-7"].ref == oldest_of_7.ref
