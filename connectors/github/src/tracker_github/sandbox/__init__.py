"""A loopback GitHub REST API that PyGithub can't tell from the real thing; registered
as `github` in the `tracker.sandboxes` entry-point group.

Needs the tracker-sandbox distribution (`pip install tracker-github[sandbox]`).
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from tracker_sandbox.core import SandboxService
from tracker_sandbox.plugins import SandboxOption


class GitHubSandboxPlugin:
    """`--github-port`, `--github-repo OWNER/NAME` (repeatable)."""

    name = "github"
    options = (
        SandboxOption(
            "repo", "a repository OWNER/NAME (repeatable; default acme/app)", repeat=True
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
        from tracker_github.sandbox.server import GitHubSandbox

        return GitHubSandbox(
            repos=list(values.get("repo") or ["acme/app"]),
            port=int(values.get("port") or 0),
            token=token,
            latency_ms=latency_ms,
            state_file=state_file,
        )

    def banner(self, service: SandboxService, values: Mapping[str, Any]) -> str:
        repos = ", ".join(values.get("repo") or ["acme/app"])
        return f"GitHub sandbox: {service.base_url}  repositories: {repos}"


plugin = GitHubSandboxPlugin()
