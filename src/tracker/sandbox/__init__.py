"""Loopback Jira and GitHub servers the real clients can't tell from the real thing.

`tracker.sandbox.jira.JiraSandbox` and `tracker.sandbox.github.GitHubSandbox` are
imported from their modules (kept out of here so importing the core stays cheap).
"""

from __future__ import annotations

from tracker.sandbox.core import (
    FaultPlan,
    RequestLog,
    SandboxClock,
    SandboxError,
    SandboxService,
)

__all__ = ["FaultPlan", "RequestLog", "SandboxClock", "SandboxError", "SandboxService"]
