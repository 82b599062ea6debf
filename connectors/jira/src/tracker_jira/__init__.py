"""Jira connector for tracker, registered as entry point `jira` in `tracker.connectors`."""

from tracker_jira.connector import JiraConnector

__all__ = ["JiraConnector"]
