"""Jira connector for tracker, registered (through `tracker_jira.plugin`) as entry point `jira` in `tracker.connectors`."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from tracker_jira.connector import JiraConnector

__all__ = ["JiraConnector"]


def __getattr__(name: str) -> Any:
    """`JiraConnector` on first use: the client library is imported only when a sync needs it."""
    if name == "JiraConnector":
        from tracker_jira.connector import JiraConnector

        return JiraConnector
    raise AttributeError(name)
