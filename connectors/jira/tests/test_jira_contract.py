"""The Jira connector keeps tracker's connector contract (Cloud and Server/DC sandboxes)."""

from __future__ import annotations

from typing import Any

import pytest

from tracker.connectors import Target
from tracker.model import Status, TicketRef
from tracker.testing.contract import ConnectorContract, ContractHarness

_STATUS_NAMES = {
    Status.OPEN: ("To Do", None),
    Status.IN_PROGRESS: ("In Progress", None),
    Status.DONE: ("Done", "Done"),
    Status.WONT_DO: ("Done", "Won't Do"),
}


class JiraHarness(ContractHarness):
    def user(self, name: str) -> str:
        if self.search_lags:  # Cloud assigns by accountId, Server/DC by username
            return str(self.sandbox.user_account(name))
        return name

    def missing_target(self) -> Target:
        return Target("jira", project="NOPE")

    def foreign_ref(self) -> TicketRef:
        return TicketRef("github", "acme/app#1", "https://elsewhere.example.com/acme/app/issues/1")

    def tickets_carrying(self, identity: str) -> list[dict[str, Any]]:
        return [i for i in self.sandbox.issues() if f"tracker-{identity}" in i["labels"]]

    def set_remote_status(self, ref: TicketRef, status: Status) -> None:
        self.sandbox.set_status(ref.key, *_STATUS_NAMES[status])

    def delete(self, ref: TicketRef) -> None:
        self.sandbox.delete_issue(ref.key)

    def comment_count(self, ref: TicketRef) -> int:
        return len(self.sandbox.issue(ref.key)["comments"])

    def lookup_routes(self) -> list[str]:
        return [self.changed_route, "GET /rest/api/2/issue/{issueIdOrKey}"]

    def set_search_lag(self, seconds: float) -> None:
        self.sandbox.search_lag_seconds = seconds  # Server ignores it: no index lag

    def limit_read_budget(self, monkeypatch: pytest.MonkeyPatch, reads: int) -> bool:
        import tracker_jira.connector

        monkeypatch.setattr(tracker_jira.connector, "PROBE_BUDGET", reads)
        return True


class TestJiraConnectorContract(ConnectorContract):
    @pytest.fixture(params=["cloud", "server"])
    def harness(self, request: pytest.FixtureRequest) -> ContractHarness:
        cloud = request.param == "cloud"
        sandbox = request.getfixturevalue("jira_sandbox" if cloud else "jira_server_sandbox")
        settings: dict[str, object] = {
            "url": sandbox.base_url,
            "flavour": request.param,
            "token": "${JIRA_API_TOKEN}",
            "timeout_seconds": 5,
        }
        if cloud:
            settings["email"] = "tracker@example.com"
        return JiraHarness(
            system="jira",
            sandbox=sandbox,
            target=Target("jira", project="ENG"),
            token=sandbox.token,
            secret_env="JIRA_API_TOKEN",
            create_route="POST /rest/api/2/issue/bulk",
            create_path="/rest/api/2/issue/bulk",
            changed_route="GET /rest/api/2/search/jql" if cloud else "GET /rest/api/2/search",
            base_settings=settings,
            search_lags=cloud,
        )
