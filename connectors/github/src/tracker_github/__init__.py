"""GitHub connector for tracker, registered as entry point `github` in `tracker.connectors`."""

from tracker_github.connector import GitHubConnector

__all__ = ["GitHubConnector"]
