"""Every configuration value is checked on load: one line naming the key, never a traceback.

The fixed cases are values users (and a fuzzing run) actually tried; the property feeds
random TOML values to every key and asserts only two outcomes: a Config or a ConfigError.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tracker.config import Config, parse_config
from tracker.errors import ConfigError

ENV = {"TOKEN": "t0k3n"}


def load(data: dict[str, Any]) -> Config:
    return parse_config(data, label="tracker.toml", base_dir=Path("/tmp"), env=ENV)


def problem(data: dict[str, Any]) -> str:
    with pytest.raises(ConfigError) as caught:
        load(data)
    message = str(caught.value)
    assert "\n" not in message
    return message


@pytest.mark.parametrize(
    "url",
    ["sqlite://x", "psycopg2x://h/x", "not a url", "sqlite:/x.db", "mysql://h/db", "sqlite:///"],
)
def test_a_malformed_database_url_is_refused_on_load(url: str) -> None:
    assert "database_url" in problem({"database_url": url})


def test_an_empty_database_url_is_refused_not_silently_the_default() -> None:
    assert "database_url: is empty" in problem({"database_url": ""})


def test_a_malformed_database_url_in_the_environment_is_refused() -> None:
    with pytest.raises(ConfigError, match="TRACKER_DATABASE_URL"):
        parse_config({}, label="x", base_dir=Path("/tmp"), env={"TRACKER_DATABASE_URL": "x"})


@pytest.mark.parametrize(
    "url", ["sqlite:///rel/tracker.db", "sqlite:///:memory:", "postgresql+psycopg://u@h/db"]
)
def test_well_formed_database_urls_load(url: str) -> None:
    assert load({"database_url": url}).database_url


def test_true_is_not_a_number_of_days() -> None:
    assert "due_soon_days: expected a whole number" in problem({"report": {"due_soon_days": True}})


@pytest.mark.parametrize(
    ("section", "key"),
    [
        ("report", "due_soon_days"),
        ("reminders", "interval_days"),
        ("lock", "stale_after_seconds"),
    ],
)
def test_huge_numbers_are_refused(section: str, key: str) -> None:
    assert f"{section}.{key}: must be less than or equal to" in problem(
        {section: {key: 99_999_999_999}}
    )


def test_a_huge_connector_timeout_is_refused() -> None:
    message = problem(
        {"connectors": {"jira": {"url": "https://x.example", "timeout_seconds": 1e300}}}
    )
    assert "timeout_seconds" in message


@pytest.mark.parametrize("project", ["eng", "ENG-1", "ENG OR x", "1ENG", ""])
def test_a_jira_target_needs_a_project_key(project: str) -> None:
    team = {"name": "a", "target": {"system": "jira", "project": project}}
    assert "teams[0].target.project" in problem({"teams": [team]})


@pytest.mark.parametrize("repo", ["a/b/c", "a", "a b/c", "../x"])
def test_a_github_target_needs_owner_and_name(repo: str) -> None:
    team = {"name": "a", "target": {"system": "github", "repo": repo}}
    assert "teams[0].target.repo" in problem({"teams": [team]})


@pytest.mark.parametrize("url", ["api.github.com", "ftp://x.example", "garbage", "https://"])
def test_a_connector_url_must_be_http_with_a_host(url: str) -> None:
    assert "connectors.github.url: expected an http(s) address" in problem(
        {"connectors": {"github": {"url": url}}}
    )


def test_a_connector_url_with_credentials_is_refused_without_echoing_them() -> None:
    message = problem({"connectors": {"jira": {"url": "https://bot:SECRET@x.example"}}})
    assert "must not carry a user or password" in message
    assert "SECRET" not in message


def test_a_third_party_connector_url_is_checked_too() -> None:
    assert "connectors.gitlab.url" in problem({"connectors": {"gitlab": {"url": "gitlab.com"}}})


def test_an_unknown_jira_account_time_zone_is_refused() -> None:
    message = problem({"connectors": {"jira": {"url": "https://x.example", "time_zone": "Mars"}}})
    assert "connectors.jira.time_zone: unknown time zone" in message


# ----- property: any value at any key is a Config or one ConfigError line ---------------

SCALARS = st.one_of(
    st.booleans(),
    st.integers(min_value=-(2**63), max_value=2**63 - 1),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=40),
    st.sampled_from(["", "${TOKEN}", "${UNSET_VAR}", "https://bot:pw@x", "0", "-1", "true"]),
)
VALUES = st.recursive(
    SCALARS,
    lambda inner: st.one_of(
        st.lists(inner, max_size=3), st.dictionaries(st.text(max_size=8), inner, max_size=3)
    ),
    max_leaves=6,
)
KEYS = {
    "": ["database_url", "timezone", "docs_base_url"],
    "documents": ["paths", "include", "exclude", "status_words"],
    "report": ["due_soon_days", "trend_weeks"],
    "sync": [
        "ticket_link_style",
        "add_missing_columns",
        "close_ticket_when_done",
        "conflict_policy",
        "status_owner",
        "on_row_deleted",
        "on_ticket_deleted",
        "labels",
        "commit",
    ],
    "schedule": ["sync_at", "digest_at"],
    "reminders": ["enabled", "interval_days", "comment", "digest_dir", "webhook_url"],
    "lock": ["stale_after_seconds"],
    "connectors.jira": [
        "url",
        "token",
        "timeout_seconds",
        "flavour",
        "email",
        "priorities",
        "wont_do_resolutions",
        "time_zone",
        "max_attempts",
        "entity_property",
        "overlap_seconds",
    ],
    "connectors.github": ["url", "token", "timeout_seconds", "creations_per_minute"],
}
PLACES = [(section, key) for section, keys in KEYS.items() for key in keys]


def _place(section: str, key: str, value: Any) -> dict[str, Any]:
    data: dict[str, Any] = {}
    node = data
    for part in filter(None, section.split(".")):
        node = node.setdefault(part, {})
    node[key] = value
    return data


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(place=st.sampled_from(PLACES), value=VALUES)
def test_any_value_at_any_key_loads_or_is_one_config_error(
    place: tuple[str, str], value: Any
) -> None:
    try:
        load(_place(*place, value))
    except ConfigError as error:
        assert "\n" not in str(error)


@settings(max_examples=150, deadline=None)
@given(
    target=st.fixed_dictionaries(
        {"system": st.sampled_from(["jira", "github", "gitlab", 3]), "project": VALUES},
        optional={"repo": VALUES, "issue_type": VALUES},
    )
)
def test_any_team_target_loads_or_is_one_config_error(target: dict[str, Any]) -> None:
    try:
        load({"teams": [{"name": "t", "target": target}]})
    except ConfigError as error:
        assert "\n" not in str(error)
