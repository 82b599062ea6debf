"""`tracker report`: per-team completion, overdue and unowned items, and a 12-week trend.

`query.build_report` computes a `model.ReportData` in SQL; one `render_*` module per
output format turns it into text.
"""

from __future__ import annotations

from tracker.report.model import ReportData
from tracker.report.query import ReportOptions, build_report

__all__ = ["ReportData", "ReportOptions", "build_report"]
