"""CSV: one row per team, the same columns as the JSON team objects (for spreadsheets)."""

from __future__ import annotations

import csv
import io

from tracker.report.gc_pause import without_gc
from tracker.report.model import ReportData, SloFigures
from tracker.report.render_json import slo_object, team_object

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


SLO_COLUMNS: dict[str, str] = {  # CSV column → key of the JSON `slo` team object
    "slo_met": "met",
    "slo_missed": "missed",
    "slo_past_now": "past_slo_now",
    "slo_pending": "pending",
    "slo_attainment": "attainment",
}


@without_gc
def render_csv(report: ReportData) -> str:
    """Empty cells stand for JSON null (an undefined rate, no closed item, nothing overdue).

    With a [policy], each team row also carries its SLO figures (the `slo_` columns)."""
    with_slo = report.slo_teams is not None
    slo = {f.team: slo_object(f) for f in report.slo_teams or []}
    columns = COLUMNS + (tuple(SLO_COLUMNS) if with_slo else ())
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=columns, lineterminator="\n")
    writer.writeheader()
    for team in report.teams:
        row = team_object(team)
        if with_slo:
            figures = slo.get(team.team) or slo_object(SloFigures(team.team, None, 0, 0, 0, 0))
            row.update({column: figures[key] for column, key in SLO_COLUMNS.items()})
        writer.writerow({key: "" if row[key] is None else row[key] for key in columns})
    return buffer.getvalue()
