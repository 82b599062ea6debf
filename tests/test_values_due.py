"""Due cells → ISO dates; placeholders are 'no date', anything else a warning."""

from __future__ import annotations

from datetime import date

import pytest

from tracker.parse import parse_due


@pytest.mark.parametrize(
    "text",
    [
        "2024-01-22",
        "2024/01/22",
        "Jan 22 2024",
        "Jan 22, 2024",
        "January 22, 2024",
        "22 Jan 2024",
        "2024年1月22日",
        "2024 年 1 月 22 日",
        "22.01.2024",
        "22/01/2024",
        "**2024-01-22**",
        "`2024-01-22`",
    ],
)
def test_recognised_date_forms(text: str) -> None:
    assert parse_due(text) == (date(2024, 1, 22), True)


@pytest.mark.parametrize("text", ["", "TBD", "tbd", "-", "N/A", "待定", "YYYY-MM-DD", "DD/MM/YYYY"])
def test_placeholders_mean_no_date_without_a_problem(text: str) -> None:
    assert parse_due(text) == (None, True)


@pytest.mark.parametrize("text", ["2 weeks", "Q3", "Sprint 6 Planning", "上线前", "soon"])
def test_relative_deadlines_are_not_dates(text: str) -> None:
    assert parse_due(text) == (None, False)


def test_impossible_calendar_date_is_not_a_date() -> None:
    assert parse_due("2024-02-30") == (None, False)


def test_month_first_numeric_date_is_read_when_unambiguous() -> None:
    assert parse_due("01/22/2024") == (date(2024, 1, 22), True)


def test_struck_through_date_is_ignored_for_the_new_one() -> None:
    assert parse_due("~~2024-01-01~~ 2024-02-01") == (date(2024, 2, 1), True)
