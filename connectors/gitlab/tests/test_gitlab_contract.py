"""The GitLab connector keeps tracker's connector contract (against the GitLab sandbox,
through python-gitlab over real HTTP)."""

from __future__ import annotations

from typing import Any

import pytest

from tracker.connectors import Target
from tracker.model import Status, TicketRef
from tracker.testing.contract import ConnectorContract, ContractHarness

PROJECT = "acme/app"


def _iid(ref: TicketRef) -> int:
    return int(ref.key.split("#")[1])


class GitLabHarness(ContractHarness):
    def connector_options(self) -> dict[str, object]:
        return {**super().connector_options(), "clock": self.clock}  # pacing on fake time

    def missing_target(self) -> Target:
        return Target("gitlab", repo="acme/nope")

    def foreign_ref(self) -> TicketRef:
        url = "https://elsewhere.example.com/acme/app/-/issues/1"
        return TicketRef("url", url, url)

    def tickets_carrying(self, identity: str) -> list[dict[str, Any]]:
        marker = f"<!-- tracker:item={identity} -->"
        return [i for i in self.sandbox.issues(PROJECT) if marker in (i["description"] or "")]

    def set_remote_status(self, ref: TicketRef, status: Status) -> None:
        iid = _iid(ref)
        labels = [
            name
            for name in self.sandbox.issue(PROJECT, iid)["labels"]
            if name not in ("in-progress", "wont-do")
        ]
        if status is Status.IN_PROGRESS:
            labels.append("in-progress")
        if status is Status.WONT_DO:
            labels.append("wont-do")
        event = "close" if status.is_closed else "reopen"
        self.sandbox.edit_issue(PROJECT, iid, labels=labels, state_event=event)

    def delete(self, ref: TicketRef) -> None:
        self.sandbox.delete_issue(PROJECT, _iid(ref))

    def comment_count(self, ref: TicketRef) -> int:
        return int(self.sandbox.issue(PROJECT, _iid(ref))["user_notes_count"])

    def lookup_routes(self) -> list[str]:
        return [self.changed_route]

    def set_search_lag(self, seconds: float) -> None:
        """GitLab's issue listing reads the database: it has no search lag."""


class TestGitLabConnectorContract(ConnectorContract):
    @pytest.fixture
    def harness(self, gitlab_sandbox: Any) -> ContractHarness:
        return GitLabHarness(
            system="gitlab",
            sandbox=gitlab_sandbox,
            target=Target("gitlab", repo=PROJECT),
            token=gitlab_sandbox.token,
            secret_env="GITLAB_TOKEN",
            create_route="POST /api/v4/projects/{project}/issues",
            create_path="/api/v4/projects/acme%2Fapp/issues",
            changed_route="GET /api/v4/projects/{project}/issues",
            base_settings={
                "url": gitlab_sandbox.base_url,
                "token": "${GITLAB_TOKEN}",
                "timeout_seconds": 5,
                "creations_per_minute": 240,
            },
            absent_without_hint=True,
        )
