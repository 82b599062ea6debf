"""A loopback Jira (Cloud or Server/DC) the real `jira` client can't tell from the real
thing; registered as `jira` in the `tracker.sandboxes` entry-point group.

Needs the tracker-sandbox distribution (`pip install tracker-jira[sandbox]`).
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from tracker_sandbox.core import SandboxService
from tracker_sandbox.plugins import SandboxOption


class JiraSandboxPlugin:
    """`--jira-port`, `--jira-project KEY` (repeatable), `--jira-flavour cloud|server`."""

    name = "jira"
    options = (
        SandboxOption(
            "project", "a Jira project key (repeatable; default ENG and OPS)", repeat=True
        ),
        SandboxOption(
            "flavour",
            "Jira Cloud or Server/Data Center",
            choices=("cloud", "server"),
            default="cloud",
        ),
    )

    def build(
        self,
        values: Mapping[str, Any],
        *,
        token: str,
        latency_ms: float,
        state_file: Path | None,
    ) -> SandboxService:
        from tracker_jira.sandbox.server import JiraSandbox

        projects = [key.upper() for key in values.get("project") or ["ENG", "OPS"]]
        return JiraSandbox(
            port=int(values.get("port") or 0),
            token=token,
            latency_ms=latency_ms,
            state_file=state_file,
            flavour=values.get("flavour") or "cloud",
            projects=projects,
        )

    def banner(self, service: SandboxService, values: Mapping[str, Any]) -> str:
        projects = ", ".join(getattr(service, "project_keys", ()))
        flavour = getattr(service, "flavour", "cloud")
        return f"Jira sandbox ({flavour}): {service.base_url}  projects: {projects}"


plugin = JiraSandboxPlugin()
