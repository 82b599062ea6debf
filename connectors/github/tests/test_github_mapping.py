"""GitHub ↔ tracker vocabulary: state + state_reason + labels, priority labels, due milestones."""

from __future__ import annotations

from datetime import date

import pytest
from tracker_github import mapping

from tracker.model import URL_SYSTEM, Status, TicketRef


@pytest.mark.parametrize(
    ("state", "reason", "labels", "expected", "raw"),
    [
        ("open", None, [], Status.OPEN, "open"),
        ("open", "reopened", ["bug"], Status.OPEN, "open"),
        ("open", None, ["In Progress"], Status.IN_PROGRESS, "open:in-progress"),
        ("open", None, ["in-progress"], Status.IN_PROGRESS, "open:in-progress"),
        ("closed", "completed", [], Status.DONE, "closed:completed"),
        ("closed", None, [], Status.DONE, "closed:completed"),
        ("closed", "not_planned", [], Status.WONT_DO, "closed:not_planned"),
        ("closed", "duplicate", [], Status.WONT_DO, "closed:duplicate"),
        ("closed", "completed", ["in-progress"], Status.DONE, "closed:completed"),
    ],
)
def test_status_comes_from_state_reason_and_the_in_progress_label(
    state: str, reason: str | None, labels: list[str], expected: Status, raw: str
) -> None:
    assert mapping.status_of(state, reason, labels) == (expected, raw)


@pytest.mark.parametrize(
    ("status", "payload"),
    [
        (Status.DONE, {"state": "closed", "state_reason": "completed"}),
        (Status.WONT_DO, {"state": "closed", "state_reason": "not_planned"}),
        (Status.OPEN, {"state": "open"}),
        (Status.IN_PROGRESS, {"state": "open"}),
    ],
)
def test_each_status_has_its_patch(status: Status, payload: dict[str, str]) -> None:
    assert mapping.state_payload(status) == payload


def test_relabel_swaps_the_priority_and_in_progress_labels_only() -> None:
    labels = ["tracker", "priority:P2", "team-a", "In Progress"]
    assert mapping.relabel(labels, priority="P0", status=Status.DONE) == [
        "tracker",
        "team-a",
        "priority:P0",
    ]
    assert mapping.relabel(["tracker"], status=Status.IN_PROGRESS) == ["tracker", "in-progress"]


def test_priority_is_read_from_its_label() -> None:
    assert mapping.priority_of(["bug", "Priority:p1"]) == "P1"
    assert mapping.priority_of(["priority:urgent"]) is None


@pytest.mark.parametrize(
    ("ref", "expected"),
    [
        (TicketRef("github", "acme/app#12"), ("acme/app", 12)),
        (
            TicketRef(URL_SYSTEM, "x", "https://github.com/acme/app/issues/7"),
            ("acme/app", 7),
        ),
        (TicketRef("github", "#12"), None),
    ],
)
def test_references_are_parsed_from_keys_and_urls(
    ref: TicketRef, expected: tuple[str, int] | None
) -> None:
    assert mapping.parse_ref(ref) == expected


def test_pull_requests_are_recognised_without_an_extra_request() -> None:
    assert mapping.is_pull_request({"pull_request": {}, "html_url": "h/acme/app/pull/1"})
    assert not mapping.is_pull_request({"html_url": "https://github.com/acme/app/issues/2"})


def test_a_listing_item_maps_to_a_remote_ticket() -> None:
    raw = {
        "number": 5,
        "title": "Add alerts",
        "body": "x\n\n<!-- tracker:item=pm-9 -->",
        "state": "closed",
        "state_reason": "not_planned",
        "labels": [{"name": "tracker"}, {"name": "priority:P3"}],
        "assignees": [{"login": "alice"}],
        "milestone": {"title": "due 2027-01-02"},
        "html_url": "https://github.com/acme/app/issues/5",
        "repository_url": "https://api.github.com/repos/acme/app",
        "updated_at": "2026-11-02T10:00:00Z",
    }
    ticket = mapping.ticket_from_issue(raw)
    assert (ticket.ref.key, ticket.identity, ticket.status) == (
        "acme/app#5",
        "pm-9",
        Status.WONT_DO,
    )
    assert (ticket.priority, ticket.assignee, ticket.due) == ("P3", "alice", date(2027, 1, 2))
    assert ticket.updated_at.tzinfo is not None


def test_titles_are_one_line_and_cut_to_githubs_limit() -> None:
    assert mapping.issue_title("Fix\nthe  alerts") == "Fix the alerts"
    assert len(mapping.issue_title("x" * 300)) == 256
