"""Jira ↔ tracker vocabulary: statuses by category and resolution, priorities, identity."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

import pytest
from tracker_jira import mapping

from tracker.connectors import Target, TicketChanges, TicketDraft
from tracker.model import Status


def status(category: str, name: str = "Whatever") -> dict[str, Any]:
    return {"name": name, "statusCategory": {"key": category}}


@pytest.mark.parametrize(
    ("category", "resolution", "expected"),
    [
        ("new", None, Status.OPEN),
        ("undefined", None, Status.OPEN),
        ("indeterminate", None, Status.IN_PROGRESS),
        ("done", "Done", Status.DONE),
        ("done", None, Status.DONE),
        ("done", "Won't Do", Status.WONT_DO),
        ("done", "Won’t Fix", Status.WONT_DO),
        ("done", "Duplicate", Status.WONT_DO),
        ("done", "Cannot Reproduce", Status.WONT_DO),
    ],
)
def test_status_comes_from_the_category_and_the_resolution(
    category: str, resolution: str | None, expected: Status
) -> None:
    mapped, _ = mapping.status_of(status(category), {"name": resolution} if resolution else None)
    assert mapped is expected


def test_a_localised_status_name_does_not_matter_only_its_category() -> None:
    mapped, raw = mapping.status_of(status("indeterminate", "进行中"), None)
    assert (mapped, raw) == (Status.IN_PROGRESS, "进行中")


def test_configured_wont_do_resolutions_replace_the_defaults() -> None:
    mapped, _ = mapping.status_of(status("done"), {"name": "Rejected"}, ["Rejected"])
    assert mapped is Status.WONT_DO


@pytest.mark.parametrize("level", ["P0", "P1", "P2", "P3", "P4"])
def test_priorities_round_trip_through_the_default_map(level: str) -> None:
    name = mapping.priority_name(level, mapping.DEFAULT_PRIORITIES)
    assert mapping.priority_level(name, mapping.DEFAULT_PRIORITIES) == level


def test_a_custom_priority_map_is_used_case_insensitively() -> None:
    custom = {"P0": "Blocker", "P1": "Critical"}
    assert mapping.priority_name("P1", custom) == "Critical"
    assert mapping.priority_level("blocker", custom) == "P0"
    assert mapping.priority_level("Trivial", custom) is None


def test_the_identity_label_round_trips_and_refuses_spaces() -> None:
    assert mapping.identity_from_labels(["team", mapping.identity_label("pm-1#3")]) == "pm-1#3"
    with pytest.raises(ValueError):
        mapping.identity_label("has space")


def draft(**fields: Any) -> TicketDraft:
    values: dict[str, Any] = {
        "identity": "pm-1",
        "target": Target("jira", project="ENG", issue_type="Bug"),
        "summary": "Fix  the\nalerts",
        "description": "text",
        "priority": "P0",
        "due": date(2026, 12, 1),
        "assignee": "acc-1",
        "labels": ("postmortem", "Data Platform"),
    }
    values.update(fields)
    return TicketDraft(**values)


def test_create_fields_need_no_lookups_and_carry_the_identity() -> None:
    fields = mapping.create_fields(draft(), cloud=True, priorities=mapping.DEFAULT_PRIORITIES)
    assert fields == {
        "project": {"key": "ENG"},
        "issuetype": {"name": "Bug"},
        "summary": "Fix the alerts",
        "description": "text",
        "labels": ["tracker-pm-1", "postmortem", "Data-Platform"],
        "priority": {"name": "Highest"},
        "duedate": "2026-12-01",
        "assignee": {"accountId": "acc-1"},
    }


def test_server_assignees_are_usernames() -> None:
    fields = mapping.create_fields(draft(), cloud=False, priorities=mapping.DEFAULT_PRIORITIES)
    assert fields["assignee"] == {"name": "acc-1"}


def test_edit_fields_clear_with_null_and_leave_unset_fields_alone() -> None:
    changes = TicketChanges(clear_due=True, clear_assignee=True, summary="New")
    assert mapping.edit_fields(changes, cloud=True, priorities={}) == {
        "summary": "New",
        "duedate": None,
        "assignee": None,
    }


def test_a_long_summary_is_cut_to_jiras_limit() -> None:
    assert len(mapping.one_line("x" * 400)) == 255


def transition(tid: str, name: str, category: str) -> dict[str, Any]:
    return {"id": tid, "name": name, "to": status(category, name)}


WORKFLOW = [
    transition("11", "To Do", "new"),
    transition("21", "Start", "indeterminate"),
    transition("41", "Won't Do", "done"),
    transition("31", "Done", "done"),
]


@pytest.mark.parametrize(
    ("target", "expected"),
    [
        (Status.OPEN, "11"),
        (Status.IN_PROGRESS, "21"),
        (Status.DONE, "31"),
        (Status.WONT_DO, "41"),
    ],
)
def test_the_transition_is_chosen_by_target_category_and_name(
    target: Status, expected: str
) -> None:
    chosen = mapping.choose_transition(WORKFLOW, target)
    assert chosen is not None and chosen["id"] == expected


def test_wont_do_falls_back_to_any_done_transition() -> None:
    chosen = mapping.choose_transition([transition("31", "Done", "done")], Status.WONT_DO)
    assert chosen is not None and chosen["id"] == "31"


def test_no_transition_into_the_category_gives_none() -> None:
    assert mapping.choose_transition([transition("31", "Done", "done")], Status.OPEN) is None


def test_jira_timestamps_become_aware_utc() -> None:
    assert mapping.parse_datetime("2025-01-01T10:00:00.000+0200") == datetime(
        2025, 1, 1, 8, 0, tzinfo=UTC
    )


def test_a_huge_description_is_cut_to_jiras_limit() -> None:
    fields = mapping.create_fields(
        draft(description="x" * 40_000), cloud=True, priorities=mapping.DEFAULT_PRIORITIES
    )
    assert len(fields["description"]) == 32_767
