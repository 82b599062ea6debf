"""Closing as won't do must never read back as done, whatever the workflow offers.

Workflows differ: a Resolution field on the Done screen, a dedicated "Won't Do" status,
Resolution on the edit screen, or none of these. The sandbox is set up each way.
"""

from __future__ import annotations

from typing import Any

import pytest
from tracker_jira import mapping

from connectors.jira.tests.jira_support import jira_connector
from tracker.connectors import (
    Connector,
    ConnectorError,
    Target,
    TicketChanges,
    TicketDraft,
)
from tracker.model import Status, TicketRef

TARGET = Target("jira", project="ENG")
WONT_DO = TicketChanges(status=Status.WONT_DO)


def new_ticket(connector: Connector, identity: str = "wd") -> TicketRef:
    [result] = connector.create(
        [TicketDraft(identity, TARGET, f"Action {identity}", "body", "P2", None, None, ())]
    )
    assert result.ticket is not None
    return result.ticket.ref


def test_with_a_resolution_on_the_done_screen_the_ticket_is_closed_as_wont_do(
    jira_sandbox: Any,
) -> None:
    connector = jira_connector(jira_sandbox)
    ref = new_ticket(connector)
    ticket = connector.update(ref, WONT_DO)
    assert ticket.status is Status.WONT_DO
    assert jira_sandbox.issue(ref.key)["resolution"] == "Won't Do"


def test_a_dedicated_wont_do_status_is_used_when_the_workflow_has_one(jira_sandbox: Any) -> None:
    jira_sandbox.set_workflow(wont_do_status=True, done_screen_resolution=False)
    connector = jira_connector(jira_sandbox)
    ref = new_ticket(connector)
    ticket = connector.update(ref, WONT_DO)
    assert ticket.status is Status.WONT_DO
    issue = jira_sandbox.issue(ref.key)
    assert (issue["status"], issue["resolution"]) == ("Won't Do", "Won't Do")


def test_without_a_screen_resolution_it_is_set_by_editing_when_the_edit_screen_allows(
    jira_sandbox: Any,
) -> None:
    jira_sandbox.set_workflow(done_screen_resolution=False, resolution_on_edit=True)
    connector = jira_connector(jira_sandbox)
    ref = new_ticket(connector)
    ticket = connector.update(ref, WONT_DO)
    assert ticket.status is Status.WONT_DO
    issue = jira_sandbox.issue(ref.key)
    assert (issue["status"], issue["resolution"]) == ("Done", "Won't Do")


def test_with_no_way_to_say_wont_do_the_ticket_is_left_open_and_the_error_names_it(
    jira_sandbox: Any,
) -> None:
    jira_sandbox.set_workflow(done_screen_resolution=False)
    connector = jira_connector(jira_sandbox)
    ref = new_ticket(connector)
    with pytest.raises(ConnectorError) as raised:
        connector.update(ref, WONT_DO)
    assert ref.key in raised.value.message and "won't do" in raised.value.message
    issue = jira_sandbox.issue(ref.key)
    assert (issue["status"], issue["resolution"]) == ("To Do", None)
    [ticket] = connector.fetch([ref])
    assert ticket.status is Status.OPEN  # not silently done


def test_a_done_ticket_becomes_wont_do_by_editing_its_resolution(jira_sandbox: Any) -> None:
    jira_sandbox.set_workflow(resolution_on_edit=True)
    connector = jira_connector(jira_sandbox)
    ref = new_ticket(connector)
    jira_sandbox.set_status(ref.key, "Done")
    ticket = connector.update(ref, WONT_DO)
    assert ticket.status is Status.WONT_DO
    assert jira_sandbox.issue(ref.key)["resolution"] == "Won't Do"


def test_the_sandbox_refuses_a_resolution_on_a_done_transition_without_a_screen(
    jira_sandbox: Any, jira_client: Any
) -> None:
    jira_sandbox.set_workflow(done_screen_resolution=False)
    issue = jira_client.create_issue(
        fields={"project": {"key": "ENG"}, "summary": "s", "issuetype": {"name": "Task"}},
        prefetch=False,
    )
    [done] = [
        t
        for t in jira_client.transitions(issue.key, expand="transitions.fields")
        if t["name"] == "Done"
    ]
    assert done["fields"] == {}
    with pytest.raises(Exception) as raised:
        jira_client.transition_issue(issue.key, done["id"], resolution={"name": "Won't Do"})
    assert getattr(raised.value, "status_code", None) == 400
    assert jira_sandbox.issue(issue.key)["status"] == "To Do"


def test_the_sandbox_lists_resolution_in_editmeta_only_when_it_is_on_the_edit_screen(
    jira_sandbox: Any, jira_client: Any
) -> None:
    issue = jira_client.create_issue(
        fields={"project": {"key": "ENG"}, "summary": "s", "issuetype": {"name": "Task"}},
        prefetch=False,
    )
    assert "resolution" not in jira_client.editmeta(issue.key)["fields"]
    jira_sandbox.set_workflow(resolution_on_edit=True)
    assert "resolution" in jira_client.editmeta(issue.key)["fields"]


def test_a_done_category_status_named_like_cancelled_reads_as_wont_do() -> None:
    status = {"name": "Cancelled", "statusCategory": {"key": "done"}}
    assert mapping.status_of(status, {"name": "Done"})[0] is Status.WONT_DO
    done = {"name": "Done", "statusCategory": {"key": "done"}}
    assert mapping.status_of(done, {"name": "Done"})[0] is Status.DONE


def test_the_wont_do_resolution_sent_is_one_the_field_allows() -> None:
    field = {"allowedValues": [{"name": "Done"}, {"name": "Won't Fix"}]}
    assert mapping.wont_do_resolution(field, ["Won't Do", "Won't Fix"]) == "Won't Fix"
    assert mapping.wont_do_resolution({"allowedValues": [{"name": "Done"}]}, ["Won't Do"]) is None
    assert mapping.wont_do_resolution(None, ["Won't Do"]) is None


def test_only_a_target_status_named_like_wont_do_counts_as_saying_it() -> None:
    named_only = {"name": "Won't Do", "to": {"name": "Done"}}
    dedicated = {"name": "Close", "to": {"name": "Cancelled"}}
    assert not mapping.status_reads_wont_do(named_only)
    assert mapping.status_reads_wont_do(dedicated)
