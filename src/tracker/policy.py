"""Follow-through policy: an SLO per item, and the due date it implies.

Teams forget items that have no date. With a `[policy]`, every item gets an SLO deadline
(its start plus the SLO for its priority or its postmortem's severity); an item with no
written due date takes that deadline as a *derived* due date, which reports, reminders and
`tracker scan` show as derived. The document is never changed for it.
"""

from __future__ import annotations

from datetime import date, timedelta

from tracker.config import PolicyConfig


def slo_deadline(
    policy: PolicyConfig | None, priority: str | None, severity: str | None, start: date | None
) -> date | None:
    """`start` + the item's SLO; None without a policy, an SLO that applies, or a start."""
    if policy is None or start is None:
        return None
    days = policy.slo_days(priority, severity)
    return start + timedelta(days=days) if days is not None else None
