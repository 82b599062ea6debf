"""GitHub refuses label names over 50 characters; tracker never sends one."""

from __future__ import annotations

from typing import Any

import pytest
import requests
from tracker_github import mapping

from tracker.connectors import Connector, Target, TicketChanges, TicketDraft, load_connector
from tracker.model import Status

REPO = "acme/app"
TARGET = Target("github", repo=REPO)
LONG_TEAM = "platform-reliability-and-developer-experience-infrastructure"  # 60 characters


def github(sandbox: Any) -> Connector:
    return load_connector(
        "github",
        {"url": sandbox.base_url, "token": "${GITHUB_TOKEN}", "creations_per_minute": 0},
        {"GITHUB_TOKEN": sandbox.token},
        sleep=lambda seconds: sandbox.clock.advance(seconds),
    )


def draft(identity: str, labels: tuple[str, ...]) -> TicketDraft:
    return TicketDraft(identity, TARGET, f"Action {identity}", "body", "P2", None, None, labels)


def post(sandbox: Any, path: str, body: dict[str, Any]) -> requests.Response:
    return requests.post(
        f"{sandbox.base_url}{path}",
        json=body,
        headers={"Authorization": f"token {sandbox.token}"},
        timeout=5,
    )


def test_a_long_label_is_shortened_to_fifty_characters_the_same_way_every_time() -> None:
    short = mapping.fit_label(LONG_TEAM)
    assert len(short) == 50
    assert short == mapping.fit_label(LONG_TEAM)
    assert short.startswith(LONG_TEAM[:41])
    assert mapping.fit_label(LONG_TEAM + "-2") != short  # same prefix, different label


def test_a_label_within_the_limit_is_sent_unchanged() -> None:
    name = "x" * 50
    assert mapping.fit_label(name) == name


def test_relabelling_keeps_every_label_within_the_limit() -> None:
    labels = mapping.relabel(["tracker", LONG_TEAM], priority="P1", status=Status.IN_PROGRESS)
    assert all(len(name) <= 50 for name in labels)
    assert "priority:P1" in labels and "in-progress" in labels


def test_an_issue_with_a_long_team_label_is_created_and_found_by_identity(
    github_sandbox: Any,
) -> None:
    connector = github(github_sandbox)
    [result] = connector.create([draft("long-1", ("postmortem", LONG_TEAM))])
    assert result.error is None and result.ticket is not None
    assert mapping.fit_label(LONG_TEAM) in result.ticket.labels
    assert all(len(name) <= 50 for name in result.ticket.labels)
    found = connector.find_by_identity(TARGET, ["long-1"])
    assert found["long-1"].ref == result.ticket.ref


def test_a_second_issue_of_the_same_team_reuses_the_shortened_label(github_sandbox: Any) -> None:
    connector = github(github_sandbox)
    first, second = connector.create([draft("long-a", (LONG_TEAM,)), draft("long-b", (LONG_TEAM,))])
    assert first.ticket is not None and second.ticket is not None
    repo_labels = [name for name in first.ticket.labels if name.startswith(LONG_TEAM[:41])]
    assert repo_labels and repo_labels == [
        n for n in second.ticket.labels if n.startswith(LONG_TEAM[:41])
    ]


def test_an_update_of_an_issue_with_a_long_label_succeeds(github_sandbox: Any) -> None:
    connector = github(github_sandbox)
    [result] = connector.create([draft("long-u", (LONG_TEAM,))])
    assert result.ticket is not None
    updated = connector.update(result.ticket.ref, TicketChanges(priority="P0"))
    assert "priority:P0" in updated.labels


def test_the_sandbox_refuses_an_issue_naming_a_label_over_fifty_characters(
    github_sandbox: Any,
) -> None:
    response = post(github_sandbox, f"/repos/{REPO}/issues", {"title": "t", "labels": [LONG_TEAM]})
    assert response.status_code == 422
    body = response.json()
    assert body["message"] == "Validation Failed"
    assert body["errors"] == [
        {"value": LONG_TEAM, "resource": "Label", "field": "name", "code": "invalid"}
    ]
    assert all(issue["title"] != "t" for issue in github_sandbox.issues(REPO))


@pytest.mark.parametrize("length,status", [(50, 201), (51, 422)])
def test_the_sandbox_creates_a_label_only_up_to_fifty_characters(
    github_sandbox: Any, length: int, status: int
) -> None:
    response = post(
        github_sandbox, f"/repos/{REPO}/labels", {"name": "n" * length, "color": "aaaaaa"}
    )
    assert response.status_code == status
    if status == 422:
        assert response.json()["errors"] == [
            {
                "resource": "Label",
                "code": "custom",
                "field": "name",
                "message": "name is too long (maximum is 50 characters)",
            }
        ]
