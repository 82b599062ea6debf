"""The terminal report at 80 columns (a small terminal or a pipe) stays readable;
wide terminals get every column."""

from __future__ import annotations

import pytest

from tests.report_seed import AS_OF, CONFIGURED_TEAMS, seed_example
from tracker.report import ReportData, ReportOptions, build_report
from tracker.report.render_table import render_table
from tracker.store import Store


@pytest.fixture
def report(store: Store) -> ReportData:
    seed_example(store)
    return build_report(store.engine, ReportOptions(as_of=AS_OF, teams=CONFIGURED_TEAMS))


def _unfolded(text: str) -> str:
    """The text with line breaks and cell padding removed, so folded cells read whole."""
    return "".join(line.strip() for line in text.splitlines())


def test_no_line_is_wider_than_80_columns(report: ReportData) -> None:
    text = render_table(report, width=80)
    assert max(len(line) for line in text.splitlines()) <= 80


def test_nothing_is_cut_short_at_80_columns(report: ReportData) -> None:
    text = render_table(report, width=80)
    assert "…" not in text  # rich's mark for a truncated cell or header


def test_team_rows_keep_the_name_and_figures_at_80_columns(report: ReportData) -> None:
    text = render_table(report, width=80)
    payments = next(line for line in text.splitlines() if line.strip().startswith("payments"))
    assert payments.split() == ["payments", "7", "3", "1", "2", "1", "33.3%", "3", "1", "2"]


def test_team_status_columns_add_up_to_the_total_at_80_columns(report: ReportData) -> None:
    lines = render_table(report, width=80).splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith("Teams as of"))
    for team in [*(t.team for t in report.teams), "all teams"]:
        row = next(line for line in lines[start:] if line.strip().startswith(team))
        total, open_, in_progress, done, wont_do = (
            int(cell) for cell in row.strip().removeprefix(team).split()[:5]
        )
        assert open_ + in_progress + done + wont_do == total, team


def test_paths_and_actions_are_folded_not_truncated_at_80_columns(report: ReportData) -> None:
    text = _unfolded(render_table(report, width=80))
    for item in report.overdue + report.unowned:
        assert item.location in text


def test_narrow_table_drops_the_low_value_columns(report: ReportData) -> None:
    text = render_table(report, width=80)
    assert "Median" not in text and "Oldest overdue" not in text and "Days late" not in text


def test_wide_table_shows_every_column(report: ReportData) -> None:
    text = render_table(report, width=160)
    for header in ("Won't do", "Median d→close", "Oldest overdue", "Days late", "Where"):
        assert header in text
    assert "…" not in text
