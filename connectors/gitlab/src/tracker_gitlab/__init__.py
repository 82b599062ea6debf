"""GitLab connector for tracker, registered (through `tracker_gitlab.plugin`) as entry point `gitlab` in `tracker.connectors`."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from tracker_gitlab.connector import GitLabConnector

__all__ = ["GitLabConnector"]


def __getattr__(name: str) -> Any:
    """`GitLabConnector` on first use: python-gitlab is imported only when a sync needs it."""
    if name == "GitLabConnector":
        from tracker_gitlab.connector import GitLabConnector

        return GitLabConnector
    raise AttributeError(name)
