"""GitLab connector for tracker, registered as entry point `gitlab` in `tracker.connectors`."""

from tracker_gitlab.connector import GitLabConnector

__all__ = ["GitLabConnector"]
