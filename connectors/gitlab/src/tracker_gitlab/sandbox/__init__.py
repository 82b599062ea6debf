"""A loopback GitLab for tests and demos: python-gitlab talks to it over real HTTP.
Registered as `gitlab` in the `tracker.sandboxes` entry-point group (`tracker sandbox
--gitlab-port 0`); needs the tracker-sandbox distribution (`tracker-gitlab[sandbox]`).
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from tracker_sandbox.core import SandboxService

if TYPE_CHECKING:
    from tracker_gitlab.sandbox.server import GitLabSandbox


class GitLabSandboxPlugin:
    """`--gitlab-port` (the seeded projects are acme/app and acme/platform/api)."""

    name = "gitlab"
    options = ()

    def build(
        self,
        values: Mapping[str, Any],
        *,
        token: str,
        latency_ms: float,
        state_file: Path | None,
    ) -> SandboxService:
        from tracker_gitlab.sandbox.server import GitLabSandbox

        return GitLabSandbox(
            port=int(values.get("port") or 0),
            token=token,
            latency_ms=latency_ms,
            state_file=state_file,
        )

    def banner(self, service: SandboxService, values: Mapping[str, Any]) -> str:
        return f"GitLab sandbox: {service.base_url}  projects: acme/app, acme/platform/api"


plugin = GitLabSandboxPlugin()


def __getattr__(name: str) -> Any:
    """`from tracker_gitlab.sandbox import GitLabSandbox` without importing the server
    when only the plug-in is wanted."""
    if name == "GitLabSandbox":
        from tracker_gitlab.sandbox.server import GitLabSandbox

        return GitLabSandbox
    raise AttributeError(name)


__all__ = ["GitLabSandbox", "GitLabSandboxPlugin", "plugin"]
