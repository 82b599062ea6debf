"""Loopback fake ticket systems the real clients can't tell from the real thing.

This distribution holds what every fake server shares (`tracker_sandbox.core`: the
HTTP server, request log, latency, faults, lost responses, clock), the registry that
finds each system's server (`tracker_sandbox.plugins`, entry-point group
`tracker.sandboxes`), the `tracker sandbox` runner and the `tracker demo` scenario.
Each system's server lives in its connector distribution (`tracker_jira.sandbox`).
"""

from __future__ import annotations

from tracker_sandbox.core import (
    FaultPlan,
    RequestLog,
    SandboxClock,
    SandboxError,
    SandboxService,
)

__all__ = ["FaultPlan", "RequestLog", "SandboxClock", "SandboxError", "SandboxService"]
