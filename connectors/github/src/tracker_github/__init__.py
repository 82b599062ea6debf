"""GitHub connector for tracker, registered (through `tracker_github.plugin`) as entry point `github` in `tracker.connectors`."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from tracker_github.connector import GitHubConnector

__all__ = ["GitHubConnector"]


def __getattr__(name: str) -> Any:
    """`GitHubConnector` on first use: the client library is imported only when a sync needs it."""
    if name == "GitHubConnector":
        from tracker_github.connector import GitHubConnector

        return GitHubConnector
    raise AttributeError(name)
