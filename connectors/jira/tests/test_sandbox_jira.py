"""Jira sandbox fidelity: the real `jira` 3.10 client drives every route, and the
payloads carry the fields, types and shapes recorded from real Jira
(../shared/reference/jira-client.md §2-§4, Appendix A/B)."""

from __future__ import annotations

import re
from typing import Any

import pytest
import requests
from jira import JIRA, JIRAError
from tracker_jira.sandbox.server import JiraSandbox

# These tests check the sandbox's JQL and paging on issues they have just created; the
# index lag (on by default, as on Cloud) is tested on its own below, with its own value.
pytestmark = pytest.mark.no_search_lag

JIRA_TIME = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}\+0000$")
TASK = {"name": "Task"}


def create(client: JIRA, project: str = "ENG", **fields: Any) -> Any:
    return client.create_issue(
        fields={"project": {"key": project}, "issuetype": TASK, "summary": "S", **fields}
    )


def raw(sandbox: JiraSandbox, method: str, path: str, **kwargs: Any) -> requests.Response:
    return requests.request(
        method,
        f"{sandbox.base_url}{path}",
        auth=("tracker@example.com", sandbox.token),
        timeout=10,
        **kwargs,
    )


# --- start-up and metadata -------------------------------------------------------------


def test_client_init_reads_server_info_once_and_detects_cloud(
    jira_sandbox: JiraSandbox, jira_client: JIRA
) -> None:
    assert jira_client.deploymentType == "Cloud"
    assert jira_client._is_cloud
    assert jira_sandbox.requests.snapshot()["by_route"] == {"GET /rest/api/2/serverInfo": 1}


def test_validate_true_checks_the_credentials_through_the_auth_session(
    jira_sandbox: JiraSandbox,
) -> None:
    JIRA(
        options={"server": jira_sandbox.base_url},
        basic_auth=("alice@example.com", jira_sandbox.token),
        validate=True,
        max_retries=0,
    )
    assert jira_sandbox.requests.snapshot()["by_route"]["GET /rest/auth/1/session"] == 1
    with pytest.raises(JIRAError) as error:
        JIRA(
            options={"server": jira_sandbox.base_url},
            basic_auth=("alice@example.com", "wrong"),
            validate=True,
            max_retries=0,
        )
    assert error.value.status_code == 401


def test_server_info_has_version_numbers_and_deployment_type(jira_client: JIRA) -> None:
    info = jira_client.server_info()
    assert info["versionNumbers"] == [1001, 0, 0]
    assert info["deploymentType"] == "Cloud"
    assert isinstance(info["buildNumber"], int)
    assert JIRA_TIME.match(info["serverTime"])


def test_myself_is_the_token_owner_with_an_account_id(jira_client: JIRA) -> None:
    me = jira_client.myself()
    assert me["emailAddress"] == "tracker@example.com"
    assert me["accountId"] and "accountId=" in me["self"]
    assert me["active"] is True and me["timeZone"]


def test_field_list_carries_clause_names_so_the_client_caches_it(
    jira_sandbox: JiraSandbox, jira_client: JIRA
) -> None:
    fields = {f["id"]: f for f in jira_client.fields()}
    assert fields["issuekey"]["clauseNames"] == ["id", "issue", "issuekey", "key"]
    assert fields["duedate"]["schema"] == {"type": "date", "system": "duedate"}
    jira_client.search_issues("project = ENG", fields="summary")
    jira_client.search_issues("project = ENG", fields="summary")
    assert jira_sandbox.requests.snapshot()["by_route"]["GET /rest/api/2/field"] == 2  # 1 + ours


def test_project_has_issue_types_and_unknown_project_is_404(jira_client: JIRA) -> None:
    project = jira_client.project("ENG")
    assert (project.key, project.name, project.id) == ("ENG", "Engineering", "10000")
    assert "Task" in [t.name for t in project.issueTypes]
    with pytest.raises(JIRAError) as error:
        jira_client.project("NOPE")
    assert error.value.status_code == 404
    assert error.value.response.json() == {
        "errorMessages": ["No project could be found with key 'NOPE'."],
        "errors": {},
    }


def test_priorities_follow_the_default_cloud_scheme(jira_client: JIRA) -> None:
    assert [(p.id, p.name) for p in jira_client.priorities()] == [
        ("1", "Highest"),
        ("2", "High"),
        ("3", "Medium"),
        ("4", "Low"),
        ("5", "Lowest"),
    ]


def test_statuses_carry_their_category(jira_client: JIRA) -> None:
    categories = {s.name: s.statusCategory.key for s in jira_client.statuses()}
    assert categories == {"To Do": "new", "In Progress": "indeterminate", "Done": "done"}


def test_resolutions_include_done_and_wont_do(jira_client: JIRA) -> None:
    names = [r.name for r in jira_client.resolutions()]
    assert names[:2] == ["Done", "Won't Do"]


# --- create ---------------------------------------------------------------------------


def test_create_issue_with_string_project_resolves_it_and_prefetches(
    jira_sandbox: JiraSandbox, jira_client: JIRA
) -> None:
    alice = jira_sandbox.user_account("alice")
    issue = jira_client.create_issue(
        project="ENG",
        summary="S",
        description="D",
        issuetype={"name": "Task"},
        priority={"name": "High"},
        duedate="2025-01-31",
        labels=["x", "y"],
        assignee={"accountId": alice},
    )
    assert issue.key == "ENG-1"
    by_route = jira_sandbox.requests.snapshot()["by_route"]
    assert by_route["GET /rest/api/2/project/{projectIdOrKey}"] == 1
    assert by_route["POST /rest/api/2/issue"] == 1
    assert by_route["GET /rest/api/2/issue/{issueIdOrKey}"] == 1
    fields = issue.fields
    assert (fields.summary, fields.description, fields.duedate) == ("S", "D", "2025-01-31")
    assert fields.labels == ["x", "y"]
    assert fields.priority.name == "High" and fields.assignee.accountId == alice


def test_create_without_prefetch_is_one_request_returning_id_key_self(
    jira_sandbox: JiraSandbox, jira_client: JIRA
) -> None:
    jira_sandbox.requests.reset()
    issue = jira_client.create_issue(
        fields={"project": {"key": "ENG"}, "issuetype": TASK, "summary": "S"}, prefetch=False
    )
    assert issue.raw == {
        "id": "10000",
        "key": "ENG-1",
        "self": f"{jira_sandbox.base_url}/rest/api/2/issue/10000",
    }
    assert jira_sandbox.requests.snapshot() == {
        "total": 1,
        "by_route": {"POST /rest/api/2/issue": 1},
    }


def test_created_issue_payload_has_the_recorded_shape(
    jira_sandbox: JiraSandbox, jira_client: JIRA
) -> None:
    issue = create(jira_client)
    body = raw(jira_sandbox, "GET", f"/rest/api/2/issue/{issue.key}").json()
    assert body["id"] == "10000" and body["key"] == "ENG-1"
    assert body["self"] == f"{jira_sandbox.base_url}/rest/api/2/issue/10000"
    fields = body["fields"]
    assert fields["status"]["name"] == "To Do"
    assert fields["status"]["statusCategory"] == {
        "self": f"{jira_sandbox.base_url}/rest/api/2/statuscategory/2",
        "id": 2,
        "key": "new",
        "colorName": "blue-gray",
        "name": "To Do",
    }
    assert fields["priority"]["name"] == "Medium" and fields["priority"]["id"] == "3"
    assert fields["issuetype"]["subtask"] is False and fields["issuetype"]["id"] == "10001"
    assert fields["project"]["key"] == "ENG" and fields["project"]["self"].endswith(
        "/project/10000"
    )
    assert fields["resolution"] is None and fields["resolutiondate"] is None
    assert fields["assignee"] is None
    assert fields["reporter"]["accountId"] == jira_sandbox.user_account("tracker")
    assert JIRA_TIME.match(fields["created"]) and JIRA_TIME.match(fields["updated"])
    assert fields["comment"]["comments"] == [] and fields["comment"]["total"] == 0


def test_keys_number_per_project(jira_client: JIRA) -> None:
    keys = [create(jira_client, p).key for p in ("ENG", "OPS", "ENG")]
    assert keys == ["ENG-1", "OPS-1", "ENG-2"]


def test_cloud_create_silently_ignores_an_assignee_given_by_name(
    jira_sandbox: JiraSandbox, jira_client: JIRA
) -> None:
    issue = create(jira_client, assignee={"name": "alice"})
    assert issue.fields.assignee is None


def test_bulk_create_reports_failed_elements_by_index(
    jira_sandbox: JiraSandbox, jira_client: JIRA
) -> None:
    result = jira_client.create_issues(
        [
            {"project": {"key": "ENG"}, "summary": "A", "issuetype": TASK},
            {"project": {"key": "ENG"}, "issuetype": TASK},
            {"project": {"key": "ENG"}, "summary": "C", "issuetype": TASK},
        ],
        prefetch=False,
    )
    assert [(r["status"], r["issue"].key if r["issue"] else None) for r in result] == [
        ("Success", "ENG-1"),
        ("Error", None),
        ("Success", "ENG-2"),
    ]
    assert result[1]["error"] == {"summary": "You must specify a summary of the issue."}


def test_bulk_create_wire_body_has_issues_and_errors_with_failed_element_number(
    jira_sandbox: JiraSandbox,
) -> None:
    response = raw(
        jira_sandbox,
        "POST",
        "/rest/api/2/issue/bulk",
        json={
            "issueUpdates": [
                {"fields": {"project": {"key": "ENG"}, "issuetype": TASK}},
                {"fields": {"project": {"key": "ENG"}, "summary": "B", "issuetype": TASK}},
            ]
        },
    )
    assert response.status_code == 201
    body = response.json()
    assert [i["key"] for i in body["issues"]] == ["ENG-1"]
    assert body["errors"] == [
        {
            "status": 400,
            "elementErrors": {
                "errorMessages": [],
                "errors": {"summary": "You must specify a summary of the issue."},
            },
            "failedElementNumber": 0,
        }
    ]


def test_bulk_create_with_every_element_failing_is_400_and_creates_nothing(
    jira_sandbox: JiraSandbox,
) -> None:
    response = raw(
        jira_sandbox,
        "POST",
        "/rest/api/2/issue/bulk",
        json={"issueUpdates": [{"fields": {"summary": "no project"}}]},
    )
    assert response.status_code == 400
    assert response.json()["issues"] == []
    assert jira_sandbox.issues() == []


def test_bulk_create_refuses_more_than_fifty(jira_sandbox: JiraSandbox, jira_client: JIRA) -> None:
    fields = {"project": {"key": "ENG"}, "summary": "x", "issuetype": TASK}
    with pytest.raises(JIRAError) as error:
        jira_client._session.post(
            jira_client._get_url("issue/bulk"),
            data=__import__("json").dumps({"issueUpdates": [{"fields": fields}] * 51}),
        )
    assert error.value.status_code == 400
    assert jira_sandbox.issues() == []
    assert len(jira_client.create_issues([fields] * 50, prefetch=False)) == 50


# --- read and edit ----------------------------------------------------------------------


def test_issue_is_readable_by_key_and_by_numeric_id(jira_client: JIRA) -> None:
    issue = create(jira_client)
    assert jira_client.issue(issue.id).key == issue.key
    assert jira_client.issue(issue.key).id == issue.id


def test_issue_fields_parameter_limits_the_fields(jira_client: JIRA) -> None:
    create(jira_client, labels=["a"])
    issue = jira_client.issue("ENG-1", fields="summary,status")
    assert set(issue.raw["fields"]) == {"summary", "status"}


def test_missing_issue_is_404_in_jiras_shape(jira_client: JIRA) -> None:
    with pytest.raises(JIRAError) as error:
        jira_client.issue("ENG-999")
    assert error.value.status_code == 404
    assert error.value.response.json() == {
        "errorMessages": ["Issue does not exist or you do not have permission to see it."],
        "errors": {},
    }


def test_update_puts_to_the_numeric_id_then_reloads(
    jira_sandbox: JiraSandbox, jira_client: JIRA
) -> None:
    issue = create(jira_client)
    jira_sandbox.requests.reset()
    issue.update(fields={"summary": "new", "labels": ["z"], "priority": {"name": "Low"}})
    assert (issue.fields.summary, issue.fields.labels, issue.fields.priority.name) == (
        "new",
        ["z"],
        "Low",
    )
    assert jira_sandbox.requests.snapshot()["by_route"] == {
        "PUT /rest/api/2/issue/{issueIdOrKey}": 1,
        "GET /rest/api/2/issue/{issueIdOrKey}": 1,
    }


def test_updated_moves_on_every_edit(jira_sandbox: JiraSandbox, jira_client: JIRA) -> None:
    issue = create(jira_client)
    before = issue.fields.updated
    jira_sandbox.clock.advance(90)
    issue.update(fields={"summary": "again"})
    assert issue.fields.updated > before
    assert issue.fields.created == before


def test_update_verbs_add_and_remove_labels_and_add_a_comment(jira_client: JIRA) -> None:
    issue = create(jira_client, labels=["keep", "drop"])
    issue.update(
        update={"labels": [{"add": "new"}, {"remove": "drop"}]},
        fields={},
        comment="via update",
        notify=False,
    )
    assert issue.fields.labels == ["keep", "new"]
    assert [c.body for c in jira_client.comments(issue.key)] == ["via update"]


def test_clearing_due_date_and_assignee_with_null(
    jira_sandbox: JiraSandbox, jira_client: JIRA
) -> None:
    issue = create(
        jira_client, duedate="2026-01-01", assignee={"accountId": jira_sandbox.user_account("bob")}
    )
    issue.update(fields={"duedate": None, "assignee": None})
    assert issue.fields.duedate is None and issue.fields.assignee is None


def test_changelog_expansion_records_status_changes(jira_client: JIRA) -> None:
    issue = create(jira_client)
    jira_client.transition_issue(issue, "Done")
    histories = jira_client.issue(issue.key, expand="changelog").changelog.histories
    items = [(i.field, i.fromString, i.toString) for h in histories for i in h.items]
    assert ("status", "To Do", "Done") in items
    assert ("resolution", None, "Done") in items


# --- workflow ------------------------------------------------------------------------------


def test_transitions_list_ids_names_and_target_status(jira_client: JIRA) -> None:
    issue = create(jira_client)
    transitions = jira_client.transitions(issue)
    assert [(t["id"], t["name"], t["to"]["statusCategory"]["key"]) for t in transitions] == [
        ("21", "In Progress", "indeterminate"),
        ("31", "Done", "done"),
    ]


def test_transition_by_name_to_in_progress(jira_client: JIRA) -> None:
    issue = create(jira_client)
    jira_client.transition_issue(issue, "In Progress")
    fields = jira_client.issue(issue.key).fields
    assert fields.status.name == "In Progress"
    assert fields.status.statusCategory.key == "indeterminate"
    assert fields.resolution is None


def test_done_without_resolution_gets_resolution_done(jira_client: JIRA) -> None:
    issue = create(jira_client)
    jira_client.transition_issue(issue, "31")
    fields = jira_client.issue(issue.key).fields
    assert fields.resolution.name == "Done"
    assert JIRA_TIME.match(fields.resolutiondate)


def test_done_with_resolution_wont_do(jira_client: JIRA) -> None:
    issue = create(jira_client)
    jira_client.transition_issue(issue, "Done", resolution={"name": "Won't Do"})
    assert jira_client.issue(issue.key).fields.resolution.name == "Won't Do"


def test_reopening_clears_the_resolution(jira_client: JIRA) -> None:
    issue = create(jira_client)
    jira_client.transition_issue(issue, "Done")
    jira_client.transition_issue(issue, "To Do", comment="reopened")
    fields = jira_client.issue(issue.key).fields
    assert (fields.status.name, fields.resolution, fields.resolutiondate) == ("To Do", None, None)
    assert [c.body for c in jira_client.comments(issue.key)] == ["reopened"]


def test_transition_with_integer_id_is_accepted(jira_client: JIRA) -> None:
    issue = create(jira_client)
    jira_client.transition_issue(issue.key, 21)
    assert jira_client.issue(issue.key).fields.status.name == "In Progress"


def test_invalid_transition_is_400(jira_client: JIRA) -> None:
    issue = create(jira_client)
    with pytest.raises(JIRAError) as error:
        jira_client.transition_issue(issue.key, "99")
    assert error.value.status_code == 400
    assert error.value.response.json()["errorMessages"] == [
        "Transition id '99' is not valid for this issue."
    ]


# --- comments, users, assignment, properties ---------------------------------------------


def test_add_comment_returns_a_full_comment(jira_sandbox: JiraSandbox, jira_client: JIRA) -> None:
    issue = create(jira_client)
    comment = jira_client.add_comment(issue.key, "hello")
    assert comment.body == "hello" and comment.id
    assert comment.author.accountId == jira_sandbox.user_account("tracker")
    assert JIRA_TIME.match(comment.created)
    page = raw(jira_sandbox, "GET", f"/rest/api/2/issue/{issue.key}/comment").json()
    assert (page["total"], page["startAt"], len(page["comments"])) == (1, 0, 1)


def test_user_search_by_query_returns_account_ids(
    jira_sandbox: JiraSandbox, jira_client: JIRA
) -> None:
    users = jira_client.search_users(query="alice")
    assert [(u.accountId, u.displayName) for u in users] == [
        ("5b10ac8d82e05b22cc7d4ef5", "Alice Anderson")
    ]
    assert "accountId=5b10ac8d82e05b22cc7d4ef5" in users[0].self


def test_cloud_user_search_refuses_username_as_gdpr_strict(jira_client: JIRA) -> None:
    with pytest.raises(JIRAError) as error:
        jira_client.search_users(user="alice")
    assert error.value.status_code == 400


def test_user_lookup_by_account_id(jira_sandbox: JiraSandbox, jira_client: JIRA) -> None:
    assert jira_client.user(jira_sandbox.user_account("chen")).displayName == "Chen Wei"


def test_assign_issue_uses_the_latest_alias_and_account_id(
    jira_sandbox: JiraSandbox, jira_client: JIRA
) -> None:
    issue = create(jira_client)
    jira_sandbox.requests.reset()
    jira_client.assign_issue(issue.key, "bob")
    assert jira_client.issue(issue.key).fields.assignee.displayName == "Bob Brown"
    assert (
        jira_sandbox.requests.snapshot()["by_route"][
            "PUT /rest/api/latest/issue/{issueIdOrKey}/assignee"
        ]
        == 1
    )


def test_unassign_with_none(jira_sandbox: JiraSandbox, jira_client: JIRA) -> None:
    issue = create(jira_client, assignee={"accountId": jira_sandbox.user_account("bob")})
    jira_client.assign_issue(issue.key, None)
    assert jira_client.issue(issue.key).fields.assignee is None


def test_entity_properties_round_trip(jira_client: JIRA) -> None:
    issue = create(jira_client)
    assert (
        jira_client.add_issue_property(issue.key, "tracker", {"item": "pm-1#3"}).status_code == 201
    )
    assert (
        jira_client.add_issue_property(issue.key, "tracker", {"item": "pm-1#4"}).status_code == 200
    )
    assert jira_client.issue_property(issue.key, "tracker").raw["value"] == {"item": "pm-1#4"}
    assert [p.key for p in jira_client.issue_properties(issue.key)] == ["tracker"]


def test_delete_issue_then_it_is_404(jira_client: JIRA) -> None:
    issue = create(jira_client)
    issue.delete()
    with pytest.raises(JIRAError) as error:
        jira_client.issue(issue.key)
    assert error.value.status_code == 404


# --- search ---------------------------------------------------------------------------------


def test_cloud_search_goes_to_search_jql_with_requested_fields(
    jira_sandbox: JiraSandbox, jira_client: JIRA
) -> None:
    create(jira_client, labels=["x"])
    create(jira_client, labels=["y"])
    found = jira_client.search_issues(
        'project = ENG AND labels = "x"', maxResults=50, fields="summary,status,labels"
    )
    assert [i.key for i in found] == ["ENG-1"]
    assert set(found[0].raw["fields"]) == {"summary", "status", "labels"}
    assert found.nextPageToken is None
    assert jira_sandbox.requests.snapshot()["by_route"]["GET /rest/api/2/search/jql"] == 1


def test_search_jql_without_fields_returns_only_id_key_and_self(
    jira_sandbox: JiraSandbox,
) -> None:
    raw(
        jira_sandbox,
        "POST",
        "/rest/api/2/issue",
        json={"fields": {"project": {"key": "ENG"}, "summary": "s", "issuetype": TASK}},
    )
    body = raw(
        jira_sandbox, "GET", "/rest/api/2/search/jql", params={"jql": "project = ENG"}
    ).json()
    assert body["isLast"] is True and "nextPageToken" not in body
    assert body["issues"] == [
        {"id": "10000", "key": "ENG-1", "self": f"{jira_sandbox.base_url}/rest/api/2/issue/10000"}
    ]
    assert "total" not in body and "startAt" not in body


def test_the_client_copes_with_searches_without_fields(jira_client: JIRA) -> None:
    create(jira_client)
    found = jira_client.enhanced_search_issues("project = ENG", fields=None)
    assert [i.key for i in found] == ["ENG-1"]


def test_search_jql_pages_with_next_page_token_until_the_last_page(
    jira_sandbox: JiraSandbox, jira_client: JIRA
) -> None:
    jira_client.create_issues(
        [{"project": {"key": "ENG"}, "summary": f"n{n}", "issuetype": TASK} for n in range(5)],
        prefetch=False,
    )
    first = jira_client.enhanced_search_issues(
        "project = ENG ORDER BY key ASC", maxResults=2, fields=["summary"]
    )
    assert [i.key for i in first] == ["ENG-1", "ENG-2"] and first.nextPageToken
    second = jira_client.enhanced_search_issues(
        "project = ENG ORDER BY key ASC",
        maxResults=2,
        fields=["summary"],
        nextPageToken=first.nextPageToken,
        use_post=True,
    )
    assert [i.key for i in second] == ["ENG-3", "ENG-4"]
    third = jira_client.enhanced_search_issues(
        "project = ENG ORDER BY key ASC",
        maxResults=2,
        fields=["summary"],
        nextPageToken=second.nextPageToken,
    )
    assert [i.key for i in third] == ["ENG-5"] and third.nextPageToken is None


def test_issues_edited_between_pages_are_neither_skipped_nor_repeated(
    jira_sandbox: JiraSandbox, jira_client: JIRA
) -> None:
    jira_client.create_issues(
        [{"project": {"key": "ENG"}, "summary": f"n{n}", "issuetype": TASK} for n in range(4)],
        prefetch=False,
    )
    jql = "project = ENG ORDER BY updated ASC, key ASC"
    first = jira_client.enhanced_search_issues(jql, maxResults=2, fields=["updated"])
    jira_sandbox.clock.advance(60)
    jira_sandbox.edit_issue(first[0].key, {"summary": "edited mid-scan"})
    second = jira_client.enhanced_search_issues(
        jql, maxResults=2, fields=["updated"], nextPageToken=first.nextPageToken
    )
    seen = [i.key for i in first] + [i.key for i in second]
    assert sorted(seen) == ["ENG-1", "ENG-2", "ENG-3", "ENG-4"]


def test_search_lag_hides_new_issues_until_reconciled_or_indexed(
    jira_sandbox: JiraSandbox, jira_client: JIRA
) -> None:
    requests.post(
        f"{jira_sandbox.base_url}/_sandbox/jira/search-lag", json={"seconds": 30}, timeout=5
    )
    issue = create(jira_client, labels=["tracker-x"])
    assert jira_client.enhanced_search_issues("labels = tracker-x", fields=["labels"]) == []
    assert jira_client.issue(issue.key).key == issue.key  # reads by key are not lagged
    reconciled = raw(
        jira_sandbox,
        "POST",
        "/rest/api/2/search/jql",
        json={
            "jql": "labels = tracker-x",
            "fields": ["labels"],
            "reconcileIssues": [int(issue.id)],
        },
    ).json()
    assert [i["key"] for i in reconciled["issues"]] == [issue.key]
    jira_sandbox.clock.advance(31)
    assert [
        i.key for i in jira_client.enhanced_search_issues("labels = tracker-x", fields=["labels"])
    ] == [issue.key]


def test_search_with_max_results_false_fetches_every_page(jira_client: JIRA) -> None:
    jira_client.create_issues(
        [{"project": {"key": "OPS"}, "summary": f"n{n}", "issuetype": TASK} for n in range(50)],
        prefetch=False,
    )
    jira_client.create_issues(
        [{"project": {"key": "OPS"}, "summary": f"m{n}", "issuetype": TASK} for n in range(50)],
        prefetch=False,
    )
    jira_client.create_issues(
        [{"project": {"key": "OPS"}, "summary": "last", "issuetype": TASK}], prefetch=False
    )
    assert len(jira_client.search_issues("project = OPS", maxResults=False)) == 101


def test_search_updated_since_uses_the_sandbox_clock(
    jira_sandbox: JiraSandbox, jira_client: JIRA
) -> None:
    old = create(jira_client)
    jira_sandbox.clock.advance(3600)
    cutoff = jira_sandbox.clock.now().strftime("%Y/%m/%d %H:%M")
    new = create(jira_client)
    found = jira_client.search_issues(
        f'project = ENG AND updated >= "{cutoff}" ORDER BY updated ASC', fields="updated"
    )
    assert [i.key for i in found] == [new.key]
    old.update(fields={"summary": "touched"})
    found = jira_client.search_issues(
        f'project = ENG AND updated >= "{cutoff}" ORDER BY updated ASC', fields="updated"
    )
    assert [i.key for i in found] == [new.key, old.key]


def test_search_key_in_and_labels_in_with_or(jira_client: JIRA) -> None:
    a = create(jira_client, labels=["tracker-a"])
    create(jira_client, labels=["other"])
    c = create(jira_client, "OPS", labels=["tracker-c"])
    found = jira_client.search_issues(
        f'key in ({a.key}) OR (project = OPS AND labels in (tracker-c, "tracker-z")) ORDER BY key DESC',
        fields="labels",
    )
    assert [i.key for i in found] == [c.key, a.key]


def test_search_unknown_field_is_400_in_jiras_shape(jira_client: JIRA) -> None:
    with pytest.raises(JIRAError) as error:
        jira_client.search_issues("colour = red")
    assert error.value.status_code == 400
    assert error.value.response.json() == {
        "errorMessages": [
            "Field 'colour' does not exist or you do not have permission to view it."
        ],
        "errors": {},
    }


def test_search_for_a_missing_key_fails_the_whole_query(jira_client: JIRA) -> None:
    create(jira_client)
    with pytest.raises(JIRAError) as error:
        jira_client.search_issues("key in (ENG-1, ENG-77)")
    assert error.value.response.json()["errorMessages"] == [
        "An issue with key 'ENG-77' does not exist for field 'key'."
    ]


def test_unbounded_search_is_refused_on_cloud(jira_client: JIRA) -> None:
    with pytest.raises(JIRAError) as error:
        jira_client.search_issues("ORDER BY created DESC")
    assert error.value.status_code == 400


def test_legacy_search_is_gone_on_cloud(jira_sandbox: JiraSandbox) -> None:
    response = raw(jira_sandbox, "GET", "/rest/api/2/search", params={"jql": "project = ENG"})
    assert response.status_code == 410
    assert "CHANGE-2046" in response.json()["errorMessages"][0]


def test_approximate_count(jira_sandbox: JiraSandbox, jira_client: JIRA) -> None:
    create(jira_client)
    create(jira_client)
    assert jira_client.approximate_issue_count("project = ENG") == 2


# --- people working (control API) -----------------------------------------------------------


def test_person_closing_as_wont_do_is_seen_by_the_client(
    jira_sandbox: JiraSandbox, jira_client: JIRA
) -> None:
    issue = create(jira_client)
    jira_sandbox.set_status(issue.key, "Done", resolution="Won't Do")
    fields = jira_client.issue(issue.key).fields
    assert (fields.status.statusCategory.key, fields.resolution.name) == ("done", "Won't Do")


def test_person_assigning_over_the_control_plane(
    jira_sandbox: JiraSandbox, jira_client: JIRA
) -> None:
    issue = create(jira_client)
    chen = jira_sandbox.user_account("chen")
    response = requests.post(
        f"{jira_sandbox.base_url}/_sandbox/jira/issues/{issue.key}/assignee",
        json={"accountId": chen},
        timeout=5,
    )
    assert response.status_code == 200
    assert jira_client.issue(issue.key).fields.assignee.accountId == chen


def test_person_transition_over_the_control_plane(
    jira_sandbox: JiraSandbox, jira_client: JIRA
) -> None:
    issue = create(jira_client)
    response = requests.post(
        f"{jira_sandbox.base_url}/_sandbox/jira/issues/{issue.key}/transition",
        json={"status": "In Progress"},
        timeout=5,
    )
    assert response.status_code == 200
    assert jira_sandbox.issue(issue.key)["status_category"] == "indeterminate"


def test_person_deleting_a_ticket_over_the_control_plane(
    jira_sandbox: JiraSandbox, jira_client: JIRA
) -> None:
    issue = create(jira_client)
    response = requests.delete(
        f"{jira_sandbox.base_url}/_sandbox/jira/issues/{issue.key}", timeout=5
    )
    assert response.status_code == 204
    with pytest.raises(JIRAError) as error:
        jira_client.issue(issue.key)
    assert error.value.status_code == 404


def test_moved_issue_answers_under_its_old_key_with_the_new_key(
    jira_sandbox: JiraSandbox, jira_client: JIRA
) -> None:
    issue = create(jira_client)
    new_key = jira_sandbox.move_issue(issue.key, "OPS")
    assert new_key == "OPS-1"
    moved = jira_client.issue(issue.key)
    assert (moved.key, moved.id, moved.fields.project.key) == ("OPS-1", issue.id, "OPS")


def test_person_edit_bumps_updated(jira_sandbox: JiraSandbox, jira_client: JIRA) -> None:
    issue = create(jira_client)
    jira_sandbox.clock.advance(120)
    jira_sandbox.edit_issue(issue.key, {"summary": "edited by alice", "duedate": "2027-01-01"})
    fields = jira_client.issue(issue.key).fields
    assert (fields.summary, fields.duedate) == ("edited by alice", "2027-01-01")
    assert fields.updated > issue.fields.updated


# --- Server / Data Center flavour --------------------------------------------------------------


def test_server_flavour_is_detected_from_server_info(jira_server_client: JIRA) -> None:
    assert jira_server_client.deploymentType == "Server"
    assert not jira_server_client._is_cloud


def test_server_users_have_name_and_key(jira_server_client: JIRA) -> None:
    users = jira_server_client.search_users(user="alice")
    assert [(u.name, u.key) for u in users] == [("alice", "JIRAUSER10001")]
    assert "username=alice" in users[0].self


def test_server_assign_by_name(jira_server_client: JIRA) -> None:
    issue = create(jira_server_client, "OPS", assignee={"name": "alice"})
    assert issue.fields.assignee.name == "alice"
    jira_server_client.assign_issue(issue.key, "bob")
    assert jira_server_client.issue(issue.key).fields.assignee.name == "bob"


def test_server_search_pages_with_start_at_and_total(
    jira_server_sandbox: JiraSandbox, jira_server_client: JIRA
) -> None:
    jira_server_client.create_issues(
        [{"project": {"key": "ENG"}, "summary": f"n{n}", "issuetype": TASK} for n in range(3)],
        prefetch=False,
    )
    page = jira_server_client.search_issues(
        "project = ENG ORDER BY key ASC", startAt=1, maxResults=1
    )
    assert ([i.key for i in page], page.total, page.startAt) == (["ENG-2"], 3, 1)
    by_route = jira_server_sandbox.requests.snapshot()["by_route"]
    assert by_route["GET /rest/api/2/search"] == 1


def test_server_refuses_a_search_page_past_ten_thousand_results_with_a_500(
    jira_server_client: JIRA,
) -> None:
    with pytest.raises(JIRAError) as error:
        jira_server_client.search_issues("project = ENG", startAt=9_950, maxResults=100)
    assert error.value.status_code == 500
    assert "requests 10,050 results" in error.value.text
    assert "search platform limit of 10,000" in error.value.text


def test_server_answers_a_page_that_ends_at_the_search_window(
    jira_server_sandbox: JiraSandbox, jira_server_client: JIRA
) -> None:
    jira_server_sandbox.search_window = 3
    jira_server_client.create_issues(
        [{"project": {"key": "ENG"}, "summary": f"n{n}", "issuetype": TASK} for n in range(4)],
        prefetch=False,
    )
    page = jira_server_client.search_issues("project = ENG ORDER BY key", startAt=1, maxResults=2)
    assert ([i.key for i in page], page.total) == (["ENG-2", "ENG-3"], 4)
    response = requests.get(
        f"{jira_server_sandbox.base_url}/rest/api/2/search",
        params={"jql": "project = ENG", "startAt": 2, "maxResults": 2},
        headers={"Authorization": f"Bearer {jira_server_sandbox.token}"},
        timeout=5,
    )
    body = response.json()
    assert (response.status_code, body["status-code"]) == (500, 500)
    assert body["message"].startswith("Search limit exceeded.")
    assert "referral number" in body["stack-trace"]


def test_server_has_no_search_jql(jira_server_sandbox: JiraSandbox) -> None:
    response = requests.get(
        f"{jira_server_sandbox.base_url}/rest/api/2/search/jql",
        headers={"Authorization": f"Bearer {jira_server_sandbox.token}"},
        timeout=5,
    )
    assert response.status_code == 404


def test_server_rejects_a_wrong_personal_access_token(jira_server_sandbox: JiraSandbox) -> None:
    with pytest.raises(JIRAError) as error:
        JIRA(
            options={"server": jira_server_sandbox.base_url},
            token_auth="wrong",
            max_retries=0,
            get_server_info=False,
        ).myself()
    assert error.value.status_code == 401


# --- shapes of nested objects (reference notes §4) ----------------------------------------


def test_user_comment_and_transition_objects_have_the_recorded_keys(
    jira_sandbox: JiraSandbox, jira_client: JIRA
) -> None:
    issue = create(jira_client, assignee={"accountId": jira_sandbox.user_account("alice")})
    jira_client.add_comment(issue.key, "note")
    body = raw(
        jira_sandbox, "GET", f"/rest/api/2/issue/{issue.key}", params={"expand": "transitions"}
    ).json()
    assignee = body["fields"]["assignee"]
    assert {"self", "accountId", "displayName", "active", "emailAddress", "timeZone"} <= set(
        assignee
    )
    assert (
        assignee["self"]
        == f"{jira_sandbox.base_url}/rest/api/2/user?accountId={assignee['accountId']}"
    )
    comment = body["fields"]["comment"]["comments"][0]
    assert {"self", "id", "author", "body", "updateAuthor", "created", "updated"} <= set(comment)
    transition = body["transitions"][0]
    assert isinstance(transition["id"], str)
    assert {"id", "name", "to", "hasScreen", "isGlobal"} <= set(transition)
    assert set(transition["to"]["statusCategory"]) == {"self", "id", "key", "colorName", "name"}


def test_changelog_endpoint_pages_histories(jira_sandbox: JiraSandbox, jira_client: JIRA) -> None:
    issue = create(jira_client)
    issue.update(fields={"summary": "one"})
    issue.update(fields={"summary": "two"})
    page = jira_client._get_json(f"issue/{issue.key}/changelog", params={"maxResults": 1})
    assert (page["total"], page["isLast"], len(page["values"])) == (2, False, 1)
    assert page["values"][0]["items"][0]["toString"] == "one"


# --- control plane errors ---------------------------------------------------------------------


def test_control_plane_names_an_unknown_issue_with_404(jira_sandbox: JiraSandbox) -> None:
    response = requests.post(
        f"{jira_sandbox.base_url}/_sandbox/jira/issues/ENG-9/transition",
        json={"status": "Done"},
        timeout=5,
    )
    assert response.status_code == 404
    assert response.json() == {"error": "no such issue: ENG-9"}


def test_control_plane_refuses_an_unknown_status(
    jira_sandbox: JiraSandbox, jira_client: JIRA
) -> None:
    issue = create(jira_client)
    response = requests.post(
        f"{jira_sandbox.base_url}/_sandbox/jira/issues/{issue.key}/transition",
        json={"status": "Blocked"},
        timeout=5,
    )
    assert response.status_code == 400
    assert jira_sandbox.issue(issue.key)["status"] == "To Do"


def test_control_plane_move_and_list(jira_sandbox: JiraSandbox, jira_client: JIRA) -> None:
    issue = create(jira_client)
    moved = requests.post(
        f"{jira_sandbox.base_url}/_sandbox/jira/issues/{issue.key}/move",
        json={"project": "OPS"},
        timeout=5,
    )
    assert moved.json() == {"key": "OPS-1"}
    listed = requests.get(f"{jira_sandbox.base_url}/_sandbox/jira/issues", timeout=5).json()
    assert [(i["key"], i["project"]) for i in listed] == [("OPS-1", "OPS")]


def test_a_hand_filed_ticket_can_take_a_chosen_key(
    jira_sandbox: JiraSandbox, jira_client: JIRA
) -> None:
    key = jira_sandbox.add_issue("ENG", "Filed by hand", number=1234, fields={"labels": ["x"]})
    assert key == "ENG-1234"
    assert jira_client.issue("ENG-1234").fields.reporter.displayName == "Alice Anderson"
    assert create(jira_client).key == "ENG-1235"
    response = requests.post(
        f"{jira_sandbox.base_url}/_sandbox/jira/issues",
        json={"project": "OPS", "summary": "over HTTP", "number": 7},
        timeout=5,
    )
    assert (response.status_code, response.json()) == (201, {"key": "OPS-7"})


def test_api_v3_speaks_atlassian_document_format(jira_sandbox: JiraSandbox) -> None:
    client = JIRA(
        options={"server": jira_sandbox.base_url, "rest_api_version": "3"},
        basic_auth=("tracker@example.com", jira_sandbox.token),
        max_retries=0,
    )
    doc = {
        "type": "doc",
        "version": 1,
        "content": [
            {"type": "paragraph", "content": [{"type": "text", "text": "From the postmortem."}]}
        ],
    }
    issue = client.create_issue(
        fields={"project": {"key": "ENG"}, "issuetype": TASK, "summary": "S", "description": doc}
    )
    assert issue.raw["fields"]["description"] == doc
    assert jira_sandbox.issue(issue.key)["description"] == "From the postmortem."
    v2 = raw(jira_sandbox, "GET", f"/rest/api/2/issue/{issue.key}").json()
    assert v2["fields"]["description"] == "From the postmortem."
    assert jira_sandbox.requests.snapshot()["by_route"]["POST /rest/api/3/issue"] == 1


def test_api_v3_refuses_a_plain_string_description(jira_sandbox: JiraSandbox) -> None:
    response = raw(
        jira_sandbox,
        "POST",
        "/rest/api/3/issue",
        json={
            "fields": {
                "project": {"key": "ENG"},
                "issuetype": TASK,
                "summary": "S",
                "description": "plain",
            }
        },
    )
    assert response.status_code == 400
    assert response.json()["errors"] == {
        "description": "Operation value must be an Atlassian Document (see the Atlassian Document Format)"
    }


def test_the_workflow_and_account_profile_are_set_over_the_control_plane(
    jira_sandbox: JiraSandbox,
) -> None:
    base = f"{jira_sandbox.base_url}/_sandbox/jira"
    answer = requests.post(f"{base}/workflow", json={"wont_do_status": True}, timeout=5)
    assert answer.status_code == 200 and answer.json()["wont_do_status"] is True
    assert requests.post(f"{base}/workflow", json={"x": 1}, timeout=5).status_code == 400
    answer = requests.post(
        f"{base}/profile", json={"time_zone": "Asia/Tokyo", "locale": "de_DE"}, timeout=5
    )
    assert answer.status_code == 200
    tracker = jira_sandbox.state.user_by_name("tracker")
    assert tracker is not None and (tracker.time_zone, tracker.locale) == ("Asia/Tokyo", "de_DE")
