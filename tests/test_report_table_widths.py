"""The terminal report tells rich the width of every column that never wraps (figures,
dates, names): the tables come out exactly as when rich measures every cell itself."""

from __future__ import annotations

import dataclasses

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import tracker.report.render_table as render_table_module
from tests.report_seed import AS_OF, CONFIGURED_TEAMS, seed_example
from tracker.report import ReportData, ReportOptions, build_report
from tracker.report.render_table import render_table
from tracker.store import Store


@pytest.fixture
def report(store: Store) -> ReportData:
    seed_example(store)
    options = ReportOptions(as_of=AS_OF, teams=CONFIGURED_TEAMS, slo=True)
    return build_report(store.engine, options)


def _measured_by_rich(report: ReportData, width: int, monkeypatch: pytest.MonkeyPatch) -> str:
    """The table as rich lays it out when it measures every cell itself."""
    with monkeypatch.context() as patch:
        patch.setattr(render_table_module, "with_known_widths", lambda table: table)
        return render_table(report, width=width)


def _renamed(report: ReportData, teams: list[str], owners: list[str]) -> ReportData:
    """The report with other team and owner names (cycled), figures unchanged."""
    return dataclasses.replace(
        report,
        teams=[
            dataclasses.replace(t, team=teams[k % len(teams)]) for k, t in enumerate(report.teams)
        ],
        owners=[
            dataclasses.replace(o, owner=owners[k % len(owners)])
            for k, o in enumerate(report.owners)
        ],
    )


@pytest.mark.parametrize("width", [40, 80, 120, 149, 150, 160, 240])
def test_the_tables_are_laid_out_as_rich_measures_them(
    report: ReportData, width: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert render_table(report, width=width) == _measured_by_rich(report, width, monkeypatch)


def test_wide_characters_and_combining_marks_get_the_width_they_take(
    report: ReportData, monkeypatch: pytest.MonkeyPatch
) -> None:
    renamed = _renamed(
        report, ["支付平台组", "e\u0301quipe", "[not] markup :smile:"], ["张三", "Zoë"]
    )
    text = render_table(renamed, width=160)
    assert "支付平台组" in text and "[not] markup :smile:" in text
    assert text == _measured_by_rich(renamed, 160, monkeypatch)


_NAMES = st.text(st.characters(blacklist_categories=("Cs",)), min_size=1, max_size=30)


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    teams=st.lists(_NAMES, min_size=1, max_size=4),
    owners=st.lists(_NAMES, min_size=1, max_size=4),
    width=st.integers(min_value=30, max_value=260),
)
def test_any_names_at_any_width_come_out_as_rich_measures_them(
    report: ReportData,
    teams: list[str],
    owners: list[str],
    width: int,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    renamed = _renamed(report, teams, owners)
    assert render_table(renamed, width=width) == _measured_by_rich(renamed, width, monkeypatch)
