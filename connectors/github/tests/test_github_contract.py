"""The GitHub connector keeps tracker's connector contract (against the GitHub sandbox)."""

from __future__ import annotations

from typing import Any

import pytest

from tracker.connectors import Target
from tracker.model import Status, TicketRef
from tracker.testing.contract import ConnectorContract, ContractHarness

REPO = "acme/app"


def _number(ref: TicketRef) -> int:
    return int(ref.key.split("#")[1])


class GitHubHarness(ContractHarness):
    def connector_options(self) -> dict[str, object]:
        return {**super().connector_options(), "clock": self.clock}  # pacing on fake time

    def missing_target(self) -> Target:
        return Target("github", repo="acme/nope")

    def foreign_ref(self) -> TicketRef:
        return TicketRef("jira", "ENG-1", "https://elsewhere.example.com/browse/ENG-1")

    def tickets_carrying(self, identity: str) -> list[dict[str, Any]]:
        marker = f"<!-- tracker:item={identity} -->"
        return [i for i in self.sandbox.issues(REPO) if marker in (i["body"] or "")]

    def set_remote_status(self, ref: TicketRef, status: Status) -> None:
        number = _number(ref)
        labels = [label["name"] for label in self.sandbox.issue(REPO, number)["labels"]]
        labels = [label for label in labels if label != "in-progress"]
        if status is Status.IN_PROGRESS:
            labels.append("in-progress")
        self.sandbox.edit_issue(REPO, number, labels=labels)
        if status is Status.DONE:
            self.sandbox.set_state(REPO, number, "closed", state_reason="completed")
        elif status is Status.WONT_DO:
            self.sandbox.set_state(REPO, number, "closed", state_reason="not_planned")
        else:
            self.sandbox.set_state(REPO, number, "open")

    def delete(self, ref: TicketRef) -> None:
        self.sandbox.delete_issue(REPO, _number(ref))

    def comment_count(self, ref: TicketRef) -> int:
        return int(self.sandbox.issue(REPO, _number(ref))["comments"])

    def lookup_routes(self) -> list[str]:
        return ["GET /repos/{owner}/{repo}/issues"]

    def set_search_lag(self, seconds: float) -> None:
        self.sandbox.set_search_lag(seconds)


class TestGitHubConnectorContract(ConnectorContract):
    @pytest.fixture
    def harness(self, github_sandbox: Any) -> ContractHarness:
        return GitHubHarness(
            system="github",
            sandbox=github_sandbox,
            target=Target("github", repo=REPO),
            token=github_sandbox.token,
            secret_env="GITHUB_TOKEN",
            create_route="POST /repos/{owner}/{repo}/issues",
            create_path="/repos/acme/app/issues",
            changed_route="GET /repos/{owner}/{repo}/issues",
            base_settings={
                "url": github_sandbox.base_url,
                "token": "${GITHUB_TOKEN}",
                "timeout_seconds": 5,
                "creations_per_minute": 70,
            },
            absent_without_hint=True,
        )
