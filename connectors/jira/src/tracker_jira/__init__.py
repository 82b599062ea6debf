"""Jira connector for tracker (filled by the sync work)."""
