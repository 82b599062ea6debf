"""CSV: one row per team, the same columns as the JSON team objects (for spreadsheets)."""

from __future__ import annotations

import csv
import io

from tracker.report.model import ReportData
from tracker.report.render_json import team_object

COLUMNS: tuple[str, ...] = (
    "team",
    "total",
    "open",
    "in_progress",
    "done",
    "wont_do",
    "completion_rate",
    "overdue",
    "due_soon",
    "unowned",
    "median_days_to_close",
    "oldest_overdue",
)


def render_csv(report: ReportData) -> str:
    """Empty cells stand for JSON null (an undefined rate, no closed item, nothing overdue)."""
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=COLUMNS, lineterminator="\n")
    writer.writeheader()
    for team in report.teams:
        row = team_object(team)
        writer.writerow({key: "" if row[key] is None else row[key] for key in COLUMNS})
    return buffer.getvalue()
