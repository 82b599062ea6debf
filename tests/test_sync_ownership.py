"""No row can take over a ticket that isn't its own (real syncs against the sandboxes).

A row may link a ticket it names only if no other item owns it, it is an issue (not a
pull request) and it lives where the configuration targets or `[sync] adopt_from`
allows; an identity label or marker counts only on a ticket tracker's own account made.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest
from tracker_github.sandbox.server import GitHubSandbox
from tracker_jira.sandbox.server import JiraSandbox

from tests.sync_support import SyncWorld
from tracker.connectors import Target, TicketDraft, connector_account, load_connector
from tracker.sync import SyncResult, run_sync

A_DOC = """\
---
team: {team}
---

# Postmortem: Pool exhaustion

## Action Items

| Action | Owner | Due | Ticket | Status |
| ------ | ----- | --- | ------ | ------ |
| Restore the connection-pool size to 50 | @{owner} | {due} | | Open |
"""

B_DOC = """\
---
team: {team}
---

# Postmortem: Key rotation

## Action Items

| Action | Owner | Due | Ticket | Status |
| ------ | ----- | --- | ------ | ------ |
| Rotate the signing keys | @{owner} | 2026-05-01 | {ticket} | Done |
"""
B_LINE = 11  # the row's line in B_DOC
A_LINE = 11


@pytest.fixture
def world(
    tmp_path: Path, jira_sandbox: JiraSandbox, github_sandbox: GitHubSandbox
) -> Iterator[SyncWorld]:
    created = SyncWorld(
        tmp_path, jira_sandbox, github_sandbox, sync={"close_ticket_when_done": True}
    )
    yield created
    created.close()


def a_doc(system: str, due: str = "2026-03-20") -> str:
    team, owner = ("payments", "alice") if system == "jira" else ("search", "chen")
    return A_DOC.format(team=team, owner=owner, due=due)


def b_doc(system: str, ticket: str) -> str:
    team, owner = ("payments", "bob") if system == "jira" else ("search", "chen")
    return B_DOC.format(team=team, owner=owner, ticket=ticket)


def ticket_state(world: SyncWorld, system: str, key: str) -> tuple[object, ...]:
    """What a takeover would change: summary, due, assignee, status."""
    if system == "jira":
        assert world.jira is not None
        issue = world.jira.issue(key)
        return issue["summary"], issue["duedate"], issue["assignee"], issue["status"]
    assert world.github is not None
    raw = world.github.issue("acme/app", int(key.split("#")[1]))
    # GitHub keeps the exact due date in the issue body's `- Due:` line (milestones group).
    due = re.search(r"^- Due: (\S+)", raw.get("body") or "", re.MULTILINE)
    return (
        raw["title"],
        due[1] if due else None,
        [a["login"] for a in raw["assignees"]],
        raw["state"],
    )


def created_key(world: SyncWorld, system: str) -> str:
    """The key of the only ticket tracker made (A's)."""
    if system == "jira":
        assert world.jira is not None
        return str(world.jira.issues()[-1]["key"])
    assert world.github is not None
    return f"acme/app#{world.github.issues('acme/app')[-1]['number']}"


def warnings_about(result: SyncResult, key: str) -> list[str]:
    return [warning for warning in result.warnings if key in warning]


def with_adopt_from(world: SyncWorld, entries: list[str]) -> None:
    text = world.config_path.read_text(encoding="utf-8")
    quoted = ", ".join(f'"{entry}"' for entry in entries)
    text = text.replace("[sync]\n", f"[sync]\nadopt_from = [{quoted}]\n")
    world.config_path.write_text(text, encoding="utf-8")


@pytest.mark.parametrize("system", ["jira", "github"])
def test_row_naming_another_items_ticket_leaves_that_ticket_untouched(
    world: SyncWorld, system: str
) -> None:
    world.write("a.md", a_doc(system))
    world.sync()
    key = created_key(world, system)
    before = ticket_state(world, system, key)
    named = key if system == "jira" else f"#{key.split('#')[1]}"
    world.write("b.md", b_doc(system, named))
    first, second = world.sync(), world.sync()
    assert ticket_state(world, system, key) == before  # no update, no close
    for result in (first, second):
        [warning] = warnings_about(result, key)
        assert warning.endswith(
            f"b.md:{B_LINE}: {key} is not this item's ticket "
            f"(linked to another item at {world.docs / 'a.md'}:{A_LINE}); left untouched"
        )
        assert [plan.kind for plan in result.plans if plan.path.endswith("b.md")] == ["skip"]
    row = next(line for line in world.read("b.md").splitlines() if "signing keys" in line)
    assert row.endswith(f"| {named} | Done |")  # no status read back into B's row


@pytest.mark.parametrize("system", ["jira", "github"])
def test_the_rightful_item_keeps_syncing_its_ticket_after_a_takeover_attempt(
    world: SyncWorld, system: str
) -> None:
    world.write("a.md", a_doc(system))
    world.sync()
    key = created_key(world, system)
    named = key if system == "jira" else f"#{key.split('#')[1]}"
    world.write("b.md", b_doc(system, named))
    world.sync()
    world.write("a.md", a_doc(system, due="2026-04-30").replace("| |", f"| {named} |", 1))
    result = world.sync()
    assert result.exit_code == 0
    due = ticket_state(world, system, key)[1]
    assert due == "2026-04-30"


def test_hand_filed_ticket_in_a_targeted_project_named_in_a_row_is_adopted(
    world: SyncWorld, jira_sandbox: JiraSandbox
) -> None:
    key = jira_sandbox.add_issue("ENG", "Rotate the signing keys (filed by hand)")
    world.write("b.md", b_doc("jira", key))
    result = world.sync()
    assert result.exit_code == 0 and not warnings_about(result, key)
    [plan] = [plan for plan in result.plans if plan.kind == "link"]
    assert plan.ref is not None and plan.ref.key == key
    assert len(jira_sandbox.issues()) == 1  # adopted, nothing created for the row


def test_ticket_in_a_project_no_team_targets_is_left_alone(
    world: SyncWorld, jira_sandbox: JiraSandbox
) -> None:
    key = jira_sandbox.add_issue("OPS", "Rotate the signing keys")
    before = jira_sandbox.issue(key)
    world.write("b.md", b_doc("jira", key))
    result = world.sync()
    [warning] = warnings_about(result, key)
    assert warning.endswith(
        f"b.md:{B_LINE}: {key} is in ops, which no team or document targets "
        "(allow it with [sync] adopt_from); left untouched"
    )
    assert jira_sandbox.issue(key) == before


def test_adopt_from_lets_a_row_link_a_ticket_in_an_untargeted_project(
    world: SyncWorld, jira_sandbox: JiraSandbox
) -> None:
    with_adopt_from(world, ["OPS"])
    key = jira_sandbox.add_issue("OPS", "Rotate the signing keys")
    world.write("b.md", b_doc("jira", key))
    result = world.sync()
    assert not warnings_about(result, key)
    assert [plan.ref.key for plan in result.plans if plan.kind == "link" and plan.ref] == [key]


def test_github_pull_request_named_in_a_row_is_left_alone(
    world: SyncWorld, github_sandbox: GitHubSandbox
) -> None:
    [pull] = [i for i in github_sandbox.issues("acme/app", include_pull_requests=True)]
    assert "pull_request" in pull
    world.write("b.md", b_doc("github", f"#{pull['number']}"))
    result = world.sync()
    [warning] = warnings_about(result, f"acme/app#{pull['number']}")
    assert warning.endswith(
        f"b.md:{B_LINE}: acme/app#{pull['number']} is a pull request, not an issue; left untouched"
    )
    after = github_sandbox.issue("acme/app", pull["number"])
    assert (after["state"], after["title"], after["updated_at"]) == (
        pull["state"],
        pull["title"],
        pull["updated_at"],
    )


def _item_id(world: SyncWorld, name: str) -> str:
    # full: a document settled when its links were written is otherwise left unread
    plans = world.sync(dry_run=True, full=True).plans
    return next(plan.item_id for plan in plans if plan.path.endswith(name))


def test_forged_jira_identity_label_on_a_persons_ticket_is_not_adopted(
    world: SyncWorld, jira_sandbox: JiraSandbox
) -> None:
    world.write("a.md", a_doc("jira"))
    identity = _item_id(world, "a.md")
    forged = jira_sandbox.add_issue(
        "ENG", "Looks like tracker's", fields={"labels": [f"tracker-{identity}", "postmortem"]}
    )
    world.later()  # filed earlier: Cloud search has indexed it
    result = world.sync()
    assert result.exit_code == 0
    [made] = [i for i in jira_sandbox.issues() if i["key"] != forged]
    assert made["summary"] == "Restore the connection-pool size to 50"
    assert any(
        f"{forged} carries this item's identity but was filed by someone else" in w
        for w in result.warnings
    )
    assert jira_sandbox.issue(forged)["summary"] == "Looks like tracker's"


def test_forged_github_marker_on_a_persons_issue_is_not_adopted(
    world: SyncWorld, github_sandbox: GitHubSandbox
) -> None:
    from tracker_github.marker import with_marker

    world.write("a.md", a_doc("github"))
    identity = _item_id(world, "a.md")
    number = github_sandbox.add_issue(
        "acme/app", "Looks like tracker's", body=with_marker("", identity), labels=["tracker"]
    )
    result = world.sync()
    assert result.exit_code == 0
    titles = [i["title"] for i in github_sandbox.issues("acme/app")]
    assert titles == ["Looks like tracker's", "Restore the connection-pool size to 50"]
    assert any(
        f"acme/app#{number} carries this item's identity but was filed by someone else" in w
        for w in result.warnings
    )


def test_ticket_tracker_made_for_the_item_is_still_adopted_by_identity(
    world: SyncWorld, jira_sandbox: JiraSandbox
) -> None:
    """A create whose answer was lost: tracker's own ticket with the item's identity."""
    world.write("a.md", a_doc("jira"))
    identity = _item_id(world, "a.md")
    jira = load_connector(
        "jira", world.config.connectors["jira"].model_dump(exclude_none=True), world.env
    )
    target = Target("jira", project="ENG")
    draft = TicketDraft(
        identity,
        target,
        "Restore the connection-pool size to 50",
        "",
        None,
        date(2026, 3, 20),
        None,
    )
    [made] = jira.create([draft])
    assert made.ticket is not None
    world.later()  # made by an earlier run: Cloud search has indexed it
    result = world.sync()
    assert [plan.kind for plan in result.plans] == ["link"]
    assert len(jira_sandbox.issues()) == 1


def test_forged_severity_puts_no_identity_label_on_another_items_ticket(
    world: SyncWorld, jira_sandbox: JiraSandbox
) -> None:
    world.write("a.md", a_doc("jira"))
    victim = _item_id(world, "a.md")
    world.sync()
    forged = b_doc("jira", "").replace("| Done |", "| Open |")
    world.write("b.md", forged.replace("---\n\n", f"severity: Tracker-{victim}\n---\n\n", 1))
    world.sync()
    [issue] = [i for i in jira_sandbox.issues() if i["summary"] == "Rotate the signing keys"]
    identity_labels = [label for label in issue["labels"] if label.startswith("tracker-")]
    assert identity_labels == [f"tracker-{_item_id(world, 'b.md')}"]
    assert f"tracker_{victim}" in issue["labels"]


def test_syncing_only_the_other_document_does_not_hand_it_the_ticket(
    world: SyncWorld, jira_sandbox: JiraSandbox
) -> None:
    """A's row isn't in this run (only b.md is synced): it hasn't vanished, so B's row
    naming A's ticket is not a reworded A and gets no link."""
    world.write("a.md", a_doc("jira"))
    world.sync()
    key = created_key(world, "jira")
    before = ticket_state(world, "jira", key)
    world.write("b.md", b_doc("jira", key))
    result = run_sync(
        world.config, world.store, [world.docs / "b.md"], env=world.env, sleep=world.fake_sleep
    )
    assert warnings_about(result, key)
    final = world.sync()
    assert ticket_state(world, "jira", key) == before
    assert [plan.kind for plan in final.plans if plan.path.endswith("a.md")] == ["nothing"]


def test_jira_server_account_is_the_username_creators_are_compared_with(
    tmp_path: Path, jira_server_sandbox: JiraSandbox
) -> None:
    world = SyncWorld(tmp_path, jira_server_sandbox, None)
    try:
        world.write("a.md", a_doc("jira"))
        world.write("b.md", b_doc("jira", "").replace("| Done |", "| Open |"))
        lost, forged_for = _item_id(world, "a.md"), _item_id(world, "b.md")
        jira = load_connector(
            "jira", world.config.connectors["jira"].model_dump(exclude_none=True), world.env
        )
        draft = TicketDraft(
            lost,
            Target("jira", project="ENG"),
            "Restore the connection-pool size to 50",
            "",
            None,
            None,
            None,
        )
        [made] = jira.create([draft])
        assert made.ticket is not None
        forged = jira_server_sandbox.add_issue(
            "ENG", "Looks like tracker's", fields={"labels": [f"tracker-{forged_for}"]}
        )
        result = world.sync()
        kinds = {plan.path.rsplit("/", 1)[-1]: plan.kind for plan in result.plans}
        assert kinds == {"a.md": "link", "b.md": "create"}
        assert jira_server_sandbox.issue(forged)["summary"] == "Looks like tracker's"
    finally:
        world.close()


def test_jira_creator_stays_tracker_when_a_person_changes_the_reporter(
    world: SyncWorld, jira_sandbox: JiraSandbox
) -> None:
    jira = load_connector(
        "jira", world.config.connectors["jira"].model_dump(exclude_none=True), world.env
    )
    draft = TicketDraft("item-1", Target("jira", project="ENG"), "S", "", None, None, None)
    [made] = jira.create([draft])
    assert made.ticket is not None
    alice = jira_sandbox.user_account("alice")
    jira_sandbox.edit_issue(made.ticket.ref.key, {"reporter": {"accountId": alice}})
    [read] = jira.fetch([made.ticket.ref])
    assert read.creator == connector_account(jira) == jira_sandbox.user_account("tracker")
    assert jira_sandbox.issue(read.ref.key)["reporter"] == alice


def test_tracker_sync_prints_the_refusal_as_a_warning_and_exits_0(world: SyncWorld) -> None:
    world.write("a.md", a_doc("jira"))
    world.sync()
    key = created_key(world, "jira")
    world.write("b.md", b_doc("jira", key))
    done = world.cli()
    assert done.returncode == 0, done.stderr
    output = " ".join(done.stdout.split())  # rich may wrap long lines
    assert f"warning: {world.docs / 'b.md'}:{B_LINE}: {key} is not this item's ticket" in output
