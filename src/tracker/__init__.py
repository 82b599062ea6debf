"""tracker: parse postmortem action items, sync them to ticket systems, write back, report."""

__version__ = "0.1.0"
