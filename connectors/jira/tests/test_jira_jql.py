"""JQL built from document text stays a literal: no value can close its string."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st
from tracker_jira import jql


def read_literal(text: str) -> tuple[str, str]:
    """Parse one JQL double-quoted string at the start of `text`: (value, rest)."""
    assert text[0] == '"'
    unescape = {"n": "\n", "r": "\r", "t": "\t"}
    value, index = [], 1
    while text[index] != '"':
        if text[index] == "\\":
            index += 1
            value.append(unescape.get(text[index], text[index]))
        else:
            value.append(text[index])
        index += 1
    return "".join(value), text[index + 1 :]


@given(st.text())
def test_a_quoted_value_reads_back_as_exactly_itself_and_nothing_more(value: str) -> None:
    assert read_literal(jql.quote(value)) == (value, "")


@given(st.lists(st.text(min_size=1), min_size=1, max_size=5))
def test_an_in_list_holds_exactly_the_values_given(values: list[str]) -> None:
    clause = jql.in_list("labels", values)
    assert clause.startswith("labels in (") and clause.endswith(")")
    rest, parsed = clause[len("labels in (") : -1], []
    while rest:
        value, rest = read_literal(rest)
        parsed.append(value)
        rest = rest.removeprefix(", ")
    assert parsed == values


def test_an_injection_attempt_stays_inside_the_string() -> None:
    assert jql.quote('x" OR project = SECRET OR labels = "y') == (
        '"x\\" OR project = SECRET OR labels = \\"y"'
    )


def test_an_empty_in_list_is_refused_rather_than_sent_as_invalid_jql() -> None:
    with pytest.raises(ValueError):
        jql.in_list("labels", [])


@pytest.mark.parametrize("key", ["ENG-1", "OPS_2-100", "A1-9"])
def test_issue_keys_are_accepted(key: str) -> None:
    assert jql.keys_in([key]) == f'key in ("{key}")'


@pytest.mark.parametrize("key", ["eng-1", "ENG-0", "ENG", 'ENG-1") OR (key = "X-1'])
def test_anything_but_an_issue_key_is_refused(key: str) -> None:
    with pytest.raises(ValueError):
        jql.keys_in([key])


def test_a_datetime_is_floored_to_the_minute_in_the_jira_users_time_zone() -> None:
    moment = datetime(2026, 1, 31, 23, 59, 59, tzinfo=UTC)
    assert jql.jql_datetime(moment) == '"2026/01/31 23:59"'
    assert jql.jql_datetime(moment, ZoneInfo("Asia/Shanghai")) == '"2026/02/01 07:59"'


def test_the_incremental_query_is_bounded_by_project_and_ordered_by_update() -> None:
    since = datetime(2026, 3, 1, 8, 5, tzinfo=UTC)
    assert jql.updated_since("ENG", since) == (
        'project = "ENG" AND updated >= "2026/03/01 08:05" ORDER BY updated ASC'
    )
    assert jql.updated_since("ENG", None) == 'project = "ENG" ORDER BY updated ASC'


def test_the_query_paged_by_key_starts_after_the_last_key_in_key_order() -> None:
    since = datetime(2026, 3, 1, 8, 5, tzinfo=UTC)
    assert jql.updated_since_after_key("ENG", since, "ENG-500") == (
        'project = "ENG" AND updated >= "2026/03/01 08:05" AND issuekey > "ENG-500" '
        "ORDER BY issuekey ASC"
    )
    assert jql.updated_since_after_key("ENG", None, None) == (
        'project = "ENG" ORDER BY issuekey ASC'
    )


def test_the_key_a_page_starts_after_must_be_an_issue_key() -> None:
    with pytest.raises(ValueError):
        jql.updated_since_after_key("ENG", None, 'ENG-1" OR project = "OPS')


def test_a_malformed_project_key_is_refused() -> None:
    with pytest.raises(ValueError):
        jql.project_is('ENG" OR project = "OPS')


def test_a_time_in_a_repeated_dst_hour_is_written_so_no_reading_of_it_is_late() -> None:
    pacific = ZoneInfo("America/Los_Angeles")
    moment = datetime(2026, 11, 1, 8, 30, tzinfo=UTC)  # 01:30 PDT; 01:30 PST is an hour later
    text = jql.jql_datetime(moment, pacific)
    wall = datetime.strptime(text.strip('"'), "%Y/%m/%d %H:%M")
    readings = [wall.replace(tzinfo=pacific, fold=fold).astimezone(UTC) for fold in (0, 1)]
    assert max(readings) <= moment
    assert moment - min(readings) <= timedelta(hours=1)
