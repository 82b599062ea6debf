"""The API account's profile decides how Jira reads a search: JQL date literals in its
time zone, error messages in its language. Runs against the sandbox on its clock."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from connectors.jira.tests.jira_support import jira_connector
from tracker.connectors import Connector, Target, TicketDraft
from tracker.model import TicketRef

TARGET = Target("jira", project="ENG")
MYSELF = "GET /rest/api/2/myself"
SEARCH = "GET /rest/api/2/search/jql"
GET_ONE = "GET /rest/api/2/issue/{issueIdOrKey}"


def draft(identity: str) -> TicketDraft:
    return TicketDraft(identity, TARGET, f"Action {identity}", "body", "P2", None, None, ())


def created_keys(connector: Connector, count: int) -> list[str]:
    results = connector.create([draft(f"tz-{n}") for n in range(count)])
    return [r.ticket.ref.key for r in results if r.ticket]


def routes(sandbox: Any) -> dict[str, int]:
    return dict(sandbox.requests.snapshot()["by_route"])


@pytest.mark.parametrize("zone", ["America/Los_Angeles", "Pacific/Honolulu", "Asia/Tokyo"])
def test_an_edit_just_after_the_last_run_is_read_by_the_next_run_in_the_accounts_zone(
    jira_sandbox: Any, zone: str
) -> None:
    jira_sandbox.set_profile(time_zone=zone)
    jira_sandbox.clock.set(datetime(2026, 7, 14, 18, 0, tzinfo=UTC))
    connector = jira_connector(jira_sandbox)
    [key] = created_keys(connector, 1)
    jira_sandbox.clock.advance(600)
    last_run = jira_sandbox.clock.now()
    assert [t.ref.key for t in connector.fetch_changed_since(TARGET, last_run)] == []
    jira_sandbox.clock.advance(180)  # past the 2-minute overlap
    jira_sandbox.edit_issue(key, {"summary": "edited right after the run"})
    changed = list(jira_connector(jira_sandbox).fetch_changed_since(TARGET, last_run))
    assert [(t.ref.key, t.summary) for t in changed] == [(key, "edited right after the run")]


def test_the_accounts_zone_is_read_once_per_connector(jira_sandbox: Any) -> None:
    jira_sandbox.set_profile(time_zone="America/Los_Angeles")
    connector = jira_connector(jira_sandbox)
    since = jira_sandbox.clock.now() - timedelta(hours=1)
    list(connector.fetch_changed_since(TARGET, since))
    list(connector.fetch_changed_since(TARGET, since))
    assert routes(jira_sandbox).get(MYSELF) == 1


def test_a_full_read_needs_no_time_zone_lookup(jira_sandbox: Any) -> None:
    jira_sandbox.set_profile(time_zone="America/Los_Angeles")
    list(jira_connector(jira_sandbox).fetch_changed_since(TARGET, None))
    assert MYSELF not in routes(jira_sandbox)


def test_a_configured_time_zone_overrides_the_account_and_costs_no_lookup(
    jira_sandbox: Any,
) -> None:
    jira_sandbox.set_profile(time_zone="America/Los_Angeles")
    jira_sandbox.clock.set(datetime(2026, 7, 14, 18, 0, tzinfo=UTC))
    connector = jira_connector(jira_sandbox, time_zone="America/Los_Angeles")
    [key] = created_keys(connector, 1)
    since = jira_sandbox.clock.now()
    jira_sandbox.clock.advance(300)
    jira_sandbox.edit_issue(key, {"summary": "seen"})
    assert [t.ref.key for t in connector.fetch_changed_since(TARGET, since)] == [key]
    assert MYSELF not in routes(jira_sandbox)


def test_a_utc_override_for_a_pacific_account_would_miss_the_edit(jira_sandbox: Any) -> None:
    """The failure the account lookup prevents: UTC wall times read as Pacific ones."""
    jira_sandbox.set_profile(time_zone="America/Los_Angeles")
    jira_sandbox.clock.set(datetime(2026, 7, 14, 18, 0, tzinfo=UTC))
    connector = jira_connector(jira_sandbox, time_zone="UTC")
    [key] = created_keys(connector, 1)
    since = jira_sandbox.clock.now()
    jira_sandbox.clock.advance(300)
    jira_sandbox.edit_issue(key, {"summary": "lost"})
    assert list(connector.fetch_changed_since(TARGET, since)) == []


@pytest.mark.parametrize("locale", ["en_US", "de_DE", "fr_FR"])
def test_a_deleted_key_is_recognised_whatever_the_accounts_language(
    jira_sandbox: Any, locale: str
) -> None:
    jira_sandbox.set_profile(locale=locale)
    connector = jira_connector(jira_sandbox)
    keys = created_keys(connector, 5)
    jira_sandbox.delete_issue(keys[1])
    jira_sandbox.delete_issue(keys[3])
    jira_sandbox.clock.advance(60)  # created earlier: Cloud search has indexed them
    before = routes(jira_sandbox)
    tickets = connector.fetch([TicketRef("jira", k) for k in keys])
    after = routes(jira_sandbox)
    assert [t.deleted for t in tickets] == [False, True, False, True, False]
    assert [t.ref.key for t in tickets] == keys
    # The sandbox names one missing key per refusal: two refusals, then the rest.
    assert after[SEARCH] - before.get(SEARCH, 0) == 3
    assert after[GET_ONE] - before.get(GET_ONE, 0) == 2  # one 404 per deleted key


def test_the_sandbox_words_the_missing_key_error_in_the_accounts_language(
    jira_sandbox: Any,
) -> None:
    jira_sandbox.set_profile(locale="de_DE")
    connector = jira_connector(jira_sandbox)
    with pytest.raises(Exception) as raised:
        connector.fetch_keys(["ENG-9999"])
    assert "Schlüssel 'ENG-9999'" in str(raised.value)


def test_a_key_is_named_only_as_a_whole_key_in_any_wording() -> None:
    from tracker_jira.connector import JiraRefusal, _keys_named

    error = JiraRefusal(
        "HTTP 400",
        status=400,
        texts=("Un ticket avec la clé « ENG-12 » n'existe pas pour le champ « key ».",),
    )
    assert _keys_named(error, ["ENG-1", "ENG-12", "ENG-120"]) == {"ENG-12"}
    assert _keys_named(JiraRefusal("HTTP 400", status=400, texts=("Bad JQL",)), ["ENG-1"]) == set()


def test_when_the_zone_cannot_be_read_a_wider_window_still_sees_the_edit(
    jira_sandbox: Any,
) -> None:
    jira_sandbox.set_profile(time_zone="America/Los_Angeles")
    jira_sandbox.clock.set(datetime(2026, 7, 14, 18, 0, tzinfo=UTC))
    connector = jira_connector(jira_sandbox, max_attempts=2)
    [key] = created_keys(connector, 1)
    last_run = jira_sandbox.clock.now()
    jira_sandbox.clock.advance(300)
    jira_sandbox.edit_issue(key, {"summary": "still seen"})
    jira_sandbox.faults.add("500", 2, route=MYSELF)
    assert [t.ref.key for t in connector.fetch_changed_since(TARGET, last_run)] == [key]
    assert jira_sandbox.faults.pending() == []


def test_doctor_says_which_zone_jql_times_are_read_in(jira_sandbox: Any) -> None:
    jira_sandbox.set_profile(time_zone="Asia/Tokyo")
    assert jira_connector(jira_sandbox).check().endswith("(JQL times read in Asia/Tokyo)")
