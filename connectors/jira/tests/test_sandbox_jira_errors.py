"""Jira sandbox bad input and error paths: Jira's status codes and body shapes
(`{"errorMessages": [...], "errors": {...}}`), and nothing changes on a refusal."""

from __future__ import annotations

from typing import Any

import pytest
import requests
from jira import JIRA, JIRAError
from tracker_jira.sandbox.server import JiraSandbox

VALID = {"project": {"key": "ENG"}, "issuetype": {"name": "Task"}, "summary": "S"}


def post(sandbox: JiraSandbox, path: str, **kwargs: Any) -> requests.Response:
    return requests.post(
        f"{sandbox.base_url}{path}",
        auth=("tracker@example.com", sandbox.token),
        timeout=5,
        **kwargs,
    )


def create_errors(sandbox: JiraSandbox, **fields: Any) -> dict[str, Any]:
    response = post(sandbox, "/rest/api/2/issue", json={"fields": {**VALID, **fields}})
    assert response.status_code == 400
    assert sandbox.issues() == []
    body: dict[str, Any] = response.json()
    return body


# --- authentication ------------------------------------------------------------------------


def test_wrong_token_is_401_in_jiras_shape(jira_sandbox: JiraSandbox) -> None:
    response = requests.get(
        f"{jira_sandbox.base_url}/rest/api/2/myself", auth=("a@example.com", "wrong"), timeout=5
    )
    assert response.status_code == 401
    assert response.json() == {
        "errorMessages": [
            "You are not authenticated. Authentication required to perform this operation."
        ],
        "errors": {},
    }
    assert response.headers["X-Seraph-LoginReason"] == "AUTHENTICATED_FAILED"


def test_wrong_token_fails_the_real_client_at_start_up(jira_sandbox: JiraSandbox) -> None:
    with pytest.raises(JIRAError) as error:
        JIRA(
            options={"server": jira_sandbox.base_url},
            basic_auth=("tracker@example.com", "wrong"),
            max_retries=0,
        )
    assert error.value.status_code == 401


def test_server_info_is_public_but_the_rest_needs_credentials(jira_sandbox: JiraSandbox) -> None:
    base = jira_sandbox.base_url
    assert requests.get(f"{base}/rest/api/2/serverInfo", timeout=5).status_code == 200
    assert requests.get(f"{base}/rest/api/2/myself", timeout=5).status_code == 401


def test_cloud_refuses_a_bearer_token(jira_sandbox: JiraSandbox) -> None:
    response = requests.get(
        f"{jira_sandbox.base_url}/rest/api/2/myself",
        headers={"Authorization": f"Bearer {jira_sandbox.token}"},
        timeout=5,
    )
    assert response.status_code == 401


def test_server_flavour_accepts_basic_auth_with_the_token(jira_server_sandbox: JiraSandbox) -> None:
    response = requests.get(
        f"{jira_server_sandbox.base_url}/rest/api/2/myself",
        auth=("tracker", jira_server_sandbox.token),
        timeout=5,
    )
    assert response.status_code == 200
    assert response.json()["name"] == "tracker"


# --- bad create input -----------------------------------------------------------------------


def test_malformed_json_is_400_with_an_error_message(jira_sandbox: JiraSandbox) -> None:
    response = post(
        jira_sandbox,
        "/rest/api/2/issue",
        data="{not json",
        headers={"Content-Type": "application/json"},
    )
    assert response.status_code == 400
    body = response.json()
    assert body["errors"] == {} and body["errorMessages"][0].startswith("Unexpected character")
    assert jira_sandbox.issues() == []


def test_a_json_array_body_is_400(jira_sandbox: JiraSandbox) -> None:
    response = post(jira_sandbox, "/rest/api/2/issue", json=[VALID])
    assert response.status_code == 400
    assert "START_ARRAY" in response.json()["errorMessages"][0]


def test_missing_summary(jira_sandbox: JiraSandbox) -> None:
    response = post(
        jira_sandbox,
        "/rest/api/2/issue",
        json={"fields": {"project": {"key": "ENG"}, "issuetype": {"name": "Task"}}},
    )
    assert response.status_code == 400
    assert response.json() == {
        "errorMessages": [],
        "errors": {"summary": "You must specify a summary of the issue."},
    }


def test_summary_of_the_wrong_type(jira_sandbox: JiraSandbox) -> None:
    assert create_errors(jira_sandbox, summary=42)["errors"] == {
        "summary": "Operation value must be a string"
    }


def test_unknown_field(jira_sandbox: JiraSandbox) -> None:
    assert create_errors(jira_sandbox, colour="red")["errors"] == {
        "colour": "Field 'colour' cannot be set. It is not on the appropriate screen, or unknown."
    }


def test_unknown_project(jira_sandbox: JiraSandbox) -> None:
    assert create_errors(jira_sandbox, project={"key": "NOPE"})["errors"] == {
        "project": "Specify a valid project ID or key"
    }


def test_unknown_issue_type(jira_sandbox: JiraSandbox) -> None:
    assert create_errors(jira_sandbox, issuetype={"name": "Saga"})["errors"] == {
        "issuetype": "Specify a valid issue type"
    }


def test_label_with_a_space(jira_sandbox: JiraSandbox) -> None:
    assert create_errors(jira_sandbox, labels=["two words"])["errors"] == {
        "labels": "The label 'two words' contains spaces which is invalid."
    }


def test_labels_not_a_list(jira_sandbox: JiraSandbox) -> None:
    assert create_errors(jira_sandbox, labels="x")["errors"] == {"labels": "data was not an array"}


def test_bad_due_date(jira_sandbox: JiraSandbox) -> None:
    assert create_errors(jira_sandbox, duedate="31/01/2025")["errors"] == {
        "duedate": "Error parsing date string: 31/01/2025"
    }


def test_unknown_priority(jira_sandbox: JiraSandbox) -> None:
    assert create_errors(jira_sandbox, priority={"name": "Urgent"})["errors"] == {
        "priority": "The priority selected is invalid."
    }


def test_unknown_assignee_account(jira_sandbox: JiraSandbox) -> None:
    assert create_errors(jira_sandbox, assignee={"accountId": "nobody"})["errors"] == {
        "assignee": "Specify a valid value for assignee"
    }


def test_every_problem_is_reported_at_once(jira_sandbox: JiraSandbox) -> None:
    errors = create_errors(jira_sandbox, summary="", labels=["a b"], duedate="soon")["errors"]
    assert set(errors) == {"summary", "labels", "duedate"}


def test_the_client_surfaces_field_errors_as_jira_error_text(jira_client: JIRA) -> None:
    with pytest.raises(JIRAError) as error:
        jira_client.create_issue(fields={**VALID, "summary": ""}, prefetch=False)
    assert error.value.status_code == 400
    assert error.value.text == "You must specify a summary of the issue."


# --- bad edits leave the issue unchanged ---------------------------------------------------


def test_an_edit_with_one_bad_field_changes_nothing(
    jira_sandbox: JiraSandbox, jira_client: JIRA
) -> None:
    issue = jira_client.create_issue(fields=VALID)
    before = jira_sandbox.issue(issue.key)
    with pytest.raises(JIRAError) as error:
        issue.update(fields={"summary": "changed", "duedate": "tomorrow"})
    assert error.value.status_code == 400
    assert error.value.response.json()["errors"] == {
        "duedate": "Error parsing date string: tomorrow"
    }
    assert jira_sandbox.issue(issue.key) == before


def test_edit_of_a_field_not_on_the_edit_screen(jira_client: JIRA) -> None:
    issue = jira_client.create_issue(fields=VALID)
    with pytest.raises(JIRAError) as error:
        issue.update(fields={"resolution": {"name": "Done"}})
    assert error.value.response.json()["errors"] == {
        "resolution": "Field 'resolution' cannot be set. It is not on the appropriate screen, or unknown."
    }


def test_empty_comment_is_refused(jira_sandbox: JiraSandbox, jira_client: JIRA) -> None:
    issue = jira_client.create_issue(fields=VALID)
    response = post(jira_sandbox, f"/rest/api/2/issue/{issue.key}/comment", json={"body": ""})
    assert response.status_code == 400
    assert response.json() == {
        "errorMessages": [],
        "errors": {"comment": "Comment body can not be empty!"},
    }


def test_transition_without_an_id_is_refused(jira_sandbox: JiraSandbox, jira_client: JIRA) -> None:
    issue = jira_client.create_issue(fields=VALID)
    response = post(
        jira_sandbox, f"/rest/api/2/issue/{issue.key}/transitions", json={"transition": {}}
    )
    assert response.status_code == 400
    assert jira_sandbox.issue(issue.key)["status"] == "To Do"


def test_resolution_on_a_non_done_transition_is_refused(jira_client: JIRA) -> None:
    issue = jira_client.create_issue(fields=VALID)
    with pytest.raises(JIRAError) as error:
        jira_client.transition_issue(issue, "In Progress", resolution={"name": "Done"})
    assert error.value.status_code == 400
    assert jira_client.issue(issue.key).fields.status.name == "To Do"


# --- bad searches ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("jql", "message"),
    [
        (
            "project = ENG AND",
            "Error in the JQL Query: Expecting a field name but got end of query. (line 1, character 18)",
        ),
        (
            'summary ~ "open',
            "Error in the JQL Query: The quoted string has not been completed. (line 1, character 11)",
        ),
        ("project = NOPE", "The value 'NOPE' does not exist for the field 'project'."),
        ("project ~ ENG", "The operator '~' is not supported by the 'project' field."),
        ("assignee in membersOf(devs)", "Unable to find JQL function 'membersOf(devs)'."),
        (
            "updated >= lunchtime",
            "Date value 'lunchtime' for field 'updated' is invalid. Valid formats include: 'yyyy/MM/dd HH:mm', 'yyyy-MM-dd HH:mm', 'yyyy/MM/dd', 'yyyy-MM-dd', or a period format e.g. '-5d', '4w 2d'.",
        ),
        (
            "project = ENG ORDER BY colour",
            "Field 'colour' does not exist or you do not have permission to view it.",
        ),
    ],
)
def test_jql_the_sandbox_cannot_answer_is_400_not_a_wrong_answer(
    jira_client: JIRA, jql: str, message: str
) -> None:
    with pytest.raises(JIRAError) as error:
        jira_client.search_issues(jql)
    assert error.value.status_code == 400
    assert error.value.response.json() == {"errorMessages": [message], "errors": {}}


def test_invalid_next_page_token(jira_sandbox: JiraSandbox) -> None:
    response = requests.get(
        f"{jira_sandbox.base_url}/rest/api/2/search/jql",
        params={"jql": "project = ENG", "nextPageToken": "garbage!"},
        auth=("tracker@example.com", jira_sandbox.token),
        timeout=5,
    )
    assert response.status_code == 400
    assert response.json()["errorMessages"] == [
        "The provided next page token is invalid or expired."
    ]


def test_unknown_rest_path_is_404_in_jiras_shape(jira_sandbox: JiraSandbox) -> None:
    response = requests.get(
        f"{jira_sandbox.base_url}/rest/api/2/nothing-here",
        auth=("tracker@example.com", jira_sandbox.token),
        timeout=5,
    )
    assert response.status_code == 404
    assert set(response.json()) == {"errorMessages", "errors"}


def test_wrong_method_is_405(jira_sandbox: JiraSandbox) -> None:
    response = requests.patch(
        f"{jira_sandbox.base_url}/rest/api/2/myself",
        auth=("tracker@example.com", jira_sandbox.token),
        timeout=5,
    )
    assert response.status_code == 405
