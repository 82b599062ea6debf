"""Item lists fetched only as far as a format shows them; the counts always cover every item.

SQLite and PostgreSQL stores, the hand-checked example (overdue P4, P3, P9; unowned 2).
"""

from __future__ import annotations

import pytest

from tests.report_seed import AS_OF, CONFIGURED_TEAMS, seed_example
from tracker.cli.report import ITEM_LIMITS, ReportFormat, list_limits
from tracker.report import ReportData, ReportOptions, build_report
from tracker.report.render_html import render_html
from tracker.report.render_markdown import render_markdown
from tracker.report.render_table import render_table
from tracker.store import Store

OPTIONS = ReportOptions(as_of=AS_OF, teams=CONFIGURED_TEAMS)


@pytest.fixture
def seeded(store: Store) -> Store:
    seed_example(store)
    return store


def limited(store: Store, limit: int | None) -> ReportData:
    return build_report(store.engine, OPTIONS, item_limit=limit)


def test_a_limited_report_lists_the_first_items_of_each_list(seeded: Store) -> None:
    full, first = limited(seeded, None), limited(seeded, 2)
    assert [i.id for i in first.overdue] == ["P4", "P3"]
    assert first.overdue == full.overdue[:2]  # same rows, tickets and all
    assert first.unowned == full.unowned  # two unowned: nothing left out


def test_a_limited_report_still_counts_every_item(seeded: Store) -> None:
    report = limited(seeded, 2)
    assert (report.totals.overdue, report.more_overdue) == (3, 1)
    assert (report.totals.unowned, report.more_unowned) == (2, 0)
    assert report.teams == limited(seeded, None).teams


def test_a_zero_limit_fetches_no_items_and_keeps_the_figures(seeded: Store) -> None:
    report = limited(seeded, 0)
    assert (report.overdue, report.unowned) == ([], [])
    assert (report.more_overdue, report.more_unowned) == (3, 2)
    assert report.owners == limited(seeded, None).owners


def test_table_says_how_many_more_items_exist_than_it_shows(seeded: Store) -> None:
    text = render_table(limited(seeded, 1), width=200)
    overdue = text.split("Overdue (3)")[1].split("Unowned (2)")[0]
    assert "… and 2 more; --format json for all" in overdue


def test_table_lists_the_first_owners_and_counts_the_rest(seeded: Store) -> None:
    report = limited(seeded, None)
    text = render_table(report, width=200, limit=1)
    owners = text.split(f"Owners ({len(report.owners)})")[1].split("Overdue (3)")[0]
    assert report.owners[0].owner in owners and report.owners[1].owner not in owners
    assert f"… and {len(report.owners) - 1} more; --format json for all" in owners


def test_markdown_says_how_many_more_items_exist_than_it_shows(seeded: Store) -> None:
    text = render_markdown(limited(seeded, 1))
    overdue = text.split("## Overdue (3)")[1].split("## Unowned (2)")[0]
    rows = [line for line in overdue.splitlines() if line.startswith("| ")]
    assert len(rows) == 3  # header, alignment, one item
    assert "… and 2 more; --format json for all" in overdue


def test_markdown_of_a_complete_report_has_no_more_line(seeded: Store) -> None:
    assert "more; --format json" not in render_markdown(limited(seeded, None))


def test_html_says_how_many_more_items_exist_than_it_shows(seeded: Store) -> None:
    page = render_html(limited(seeded, 1))
    assert '<p class="more" id="overdue-more">… and 2 more; --format json for all</p>' in page
    assert 'id="unowned-more"' not in render_html(limited(seeded, 2))  # both listed


def test_html_lists_the_oldest_open_postmortems_and_says_how_many_more(seeded: Store) -> None:
    report = build_report(seeded.engine, OPTIONS, postmortem_limit=1)
    assert report.closure is not None and report.closure.open_count == 2
    page = render_html(report)
    assert "<h2>Open postmortems (2)</h2>" in page
    assert report.closure.open_postmortems[0].title in page
    assert '<p class="more" id="open-postmortems-more">… and 1 more; --format json for all</p>' in (
        page
    )


def test_the_table_and_html_fetch_as_many_open_postmortems_as_they_show() -> None:
    for shown in (ReportFormat.TABLE, ReportFormat.HTML):
        assert list_limits(shown)["postmortem_limit"] == ITEM_LIMITS[shown]
    for every in (ReportFormat.MARKDOWN, ReportFormat.JSON):
        assert list_limits(every)["postmortem_limit"] is None
