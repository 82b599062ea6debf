"""GitHub connector for tracker (filled by the sync work)."""
