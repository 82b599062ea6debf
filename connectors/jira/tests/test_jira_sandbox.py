"""Jira-specific behaviour against the sandbox: moved issues, call budgets, Server flavour."""

from __future__ import annotations

from typing import Any

from connectors.jira.tests.jira_support import jira_connector
from tracker.connectors import Target, TicketChanges, TicketDraft, load_connector
from tracker.model import Status

TARGET = Target("jira", project="ENG")


def draft(identity: str) -> TicketDraft:
    return TicketDraft(identity, TARGET, f"Action {identity}", "body", "P2", None, None, ())


def test_an_issue_moved_to_another_project_is_reported_as_moved(jira_sandbox: Any) -> None:
    connector = jira_connector(jira_sandbox)
    [result] = connector.create([draft("mv")])
    assert result.ticket is not None
    old = result.ticket.ref
    new_key = jira_sandbox.move_issue(old.key, "OPS")
    [ticket] = connector.fetch([old])
    assert ticket.ref.key == old.key and not ticket.deleted
    assert ticket.moved_to is not None and ticket.moved_to.key == new_key
    assert ticket.identity == "mv"


def test_a_status_change_follows_a_moved_issue(jira_sandbox: Any) -> None:
    connector = jira_connector(jira_sandbox)
    [result] = connector.create([draft("mv2")])
    assert result.ticket is not None
    new_key = jira_sandbox.move_issue(result.ticket.ref.key, "OPS")
    connector.update(result.ticket.ref, TicketChanges(status=Status.DONE))
    assert jira_sandbox.issue(new_key)["status_category"] == "done"


def test_fifty_drafts_are_one_bulk_create_and_one_read_back(jira_sandbox: Any) -> None:
    connector = jira_connector(jira_sandbox)
    results = connector.create([draft(f"b{n}") for n in range(50)])
    assert all(r.ticket is not None for r in results)
    assert all(r.ticket and r.ticket.summary for r in results)  # read back, lag or not
    assert jira_sandbox.requests.snapshot()["by_route"] == {
        "POST /rest/api/2/issue/bulk": 1,
        # the read-back, and the project's highest key (the creation hint, once a run)
        "GET /rest/api/2/search/jql": 2,
    }


def test_a_wont_do_close_sets_the_wont_do_resolution(jira_sandbox: Any) -> None:
    connector = jira_connector(jira_sandbox)
    [result] = connector.create([draft("wd")])
    assert result.ticket is not None
    connector.update(result.ticket.ref, TicketChanges(status=Status.WONT_DO))
    assert jira_sandbox.issue(result.ticket.ref.key)["resolution"] == "Won't Do"


def test_the_client_makes_no_start_up_requests(jira_sandbox: Any) -> None:
    jira_connector(jira_sandbox)
    assert jira_sandbox.requests.snapshot()["total"] == 0


def test_the_identity_can_also_be_stored_as_an_entity_property(jira_sandbox: Any) -> None:
    connector = load_connector(
        "jira",
        {
            "url": jira_sandbox.base_url,
            "email": "tracker@example.com",
            "token": "${JIRA_API_TOKEN}",
            "entity_property": True,
        },
        {"JIRA_API_TOKEN": jira_sandbox.token},
    )
    [result] = connector.create([draft("prop")])
    assert result.ticket is not None and result.warnings == ()
    assert connector.capabilities.entity_properties
    properties = jira_sandbox.issue(result.ticket.ref.key)["properties"]
    assert properties == {"tracker.item": {"id": "prop"}}


def test_a_deleted_key_costs_one_extra_search_not_a_get_per_key(jira_sandbox: Any) -> None:
    connector = jira_connector(jira_sandbox)
    refs = [r.ticket.ref for r in connector.create([draft(f"k{n}") for n in range(10)]) if r.ticket]
    jira_sandbox.delete_issue(refs[3].key)
    jira_sandbox.clock.advance(60)  # created earlier: Cloud search has indexed them
    before = jira_sandbox.requests.snapshot()["by_route"]
    tickets = connector.fetch(refs)
    after = jira_sandbox.requests.snapshot()["by_route"]
    assert [t.deleted for t in tickets] == [n == 3 for n in range(10)]
    search, get = "GET /rest/api/2/search/jql", "GET /rest/api/2/issue/{issueIdOrKey}"
    assert after[search] - before[search] == 2
    assert after.get(get, 0) - before.get(get, 0) == 1
