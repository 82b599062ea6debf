"""Report settings taken from the configuration, shared by `report`, `remind` and `demo`."""

from __future__ import annotations

from datetime import date, datetime

from tracker.config import Config
from tracker.report.query import ReportOptions


def options_from_config(
    config: Config, *, team: str | None = None, as_of: date | None = None
) -> ReportOptions:
    """The report's settings from the configuration; as-of defaults to today in its zone."""
    zone = config.tz
    return ReportOptions(
        as_of=as_of or datetime.now(zone).date(),
        timezone=zone,
        timezone_name=config.timezone,
        due_soon_days=config.report.due_soon_days,
        trend_weeks=config.report.trend_weeks,
        team=team,
        teams=tuple(t.name for t in config.teams),
        docs_base_url=config.docs_base_url,
        slo=config.policy is not None,
    )
