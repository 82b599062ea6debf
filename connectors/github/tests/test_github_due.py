"""Due dates on GitHub: an exact `- Due:` body line, milestones only group by period."""

from __future__ import annotations

from datetime import date

import pytest
from tracker_github import due


def test_the_due_line_is_read_from_the_body() -> None:
    body = "Action item\n\n- Owner: chen\n- Due: 2026-06-01\n\n<!-- tracker:item=a1 -->"
    assert due.due_in_body(body) == (True, date(2026, 6, 1))


def test_a_due_line_saying_not_set_reads_as_no_date() -> None:
    assert due.due_in_body("- Due: not set") == (True, None)
    assert due.due_in_body("no line here") == (False, None)


def test_a_person_may_write_the_due_line_in_bold_without_a_bullet() -> None:
    assert due.due_in_body("**Due:** 2026-07-04") == (True, date(2026, 7, 4))


def test_rewriting_the_due_line_keeps_everything_else() -> None:
    text = "Intro\n\n- Owner: chen\n- Due: 2026-06-01\n- Source: pm.md:12"
    assert due.with_due(text, date(2026, 6, 9)) == text.replace("2026-06-01", "2026-06-09")
    assert due.with_due(text, None) == text.replace("2026-06-01", "not set")


def test_a_body_without_a_due_line_gets_one_appended() -> None:
    assert due.with_due("Intro", date(2026, 6, 9)) == "Intro\n\n- Due: 2026-06-09"


@pytest.mark.parametrize(
    ("grouping", "expected"),
    [
        ("month", ("due 2026-06", date(2026, 6, 30))),
        ("week", ("due 2026-W23", date(2026, 6, 7))),
        ("day", ("due 2026-06-03", date(2026, 6, 3))),
        ("none", None),
    ],
)
def test_a_date_is_grouped_under_its_period_milestone(grouping: str, expected: object) -> None:
    assert due.milestone_for(date(2026, 6, 3), grouping) == expected  # type: ignore[arg-type]


def test_the_iso_week_of_a_new_year_date_can_belong_to_the_year_before() -> None:
    assert due.milestone_for(date(2027, 1, 1), "week") == ("due 2026-W53", date(2027, 1, 3))


def test_a_day_milestone_title_wins_over_a_stale_body_line() -> None:
    raw = {"body": "- Due: 2026-06-01", "milestone": {"title": "due 2026-06-15"}}
    assert due.issue_due(raw) == date(2026, 6, 15)


def test_a_grouping_milestone_is_never_read_as_the_date() -> None:
    raw = {
        "body": "nothing",
        "milestone": {"title": "due 2026-06", "due_on": "2026-06-30T07:00:00Z"},
    }
    assert due.issue_due(raw) is None
    raw["body"] = "- Due: 2026-06-03"
    assert due.issue_due(raw) == date(2026, 6, 3)


def test_a_foreign_milestone_gives_its_due_on_date_when_the_body_has_no_line() -> None:
    release = {"title": "v2.0", "due_on": "2026-12-01T08:00:00Z"}
    assert due.issue_due({"body": "", "milestone": release}) == date(2026, 12, 1)
    assert due.issue_due({"body": "", "milestone": {"title": "v2.0", "due_on": None}}) is None


def test_milestones_are_due_at_noon_utc_so_pacific_midnight_keeps_the_date() -> None:
    assert due.milestone_due_on(date(2026, 12, 1)).isoformat() == "2026-12-01T12:00:00+00:00"
