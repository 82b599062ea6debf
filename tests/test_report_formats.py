"""Each output format shows the same hand-checked figures (SQLite and PostgreSQL stores)."""

from __future__ import annotations

import csv
import io
import json
from datetime import date

import pytest
from markdown_it import MarkdownIt

from tests.report_seed import AS_OF, CONFIGURED_TEAMS, SCRIPT_ACTION, seed_example
from tracker.report import ReportData, ReportOptions, build_report
from tracker.report.model import ItemRow, OpenPostmortem, TicketLink
from tracker.report.render_csv import COLUMNS, render_csv
from tracker.report.render_json import (
    item_object,
    item_text,
    open_postmortem_object,
    open_postmortem_text,
    render_json,
    report_object,
)
from tracker.report.render_markdown import render_markdown
from tracker.report.render_table import render_table
from tracker.store import Store

TEAM_KEYS = {
    "team", "total", "open", "in_progress", "done", "wont_do", "completion_rate",
    "overdue", "due_soon", "unowned", "median_days_to_close", "oldest_overdue",
}  # fmt: skip
ITEM_KEYS = {
    "id", "team", "path", "line", "location", "action", "owners", "status", "priority",
    "due", "due_derived", "days_overdue", "doc_url", "tickets",
}  # fmt: skip


@pytest.fixture
def report(store: Store) -> ReportData:
    seed_example(store)
    return build_report(store.engine, ReportOptions(as_of=AS_OF, teams=CONFIGURED_TEAMS))


def test_json_has_exactly_the_documented_top_level_keys(report: ReportData) -> None:
    document = json.loads(render_json(report))
    assert set(document) == {
        "as_of", "teams", "overdue", "unowned", "trend", "owners", "postmortems",
    }  # fmt: skip
    assert document["as_of"] == "2026-03-31"


def test_json_team_objects_carry_the_figures(report: ReportData) -> None:
    teams = {t["team"]: t for t in json.loads(render_json(report))["teams"]}
    assert all(set(t) == TEAM_KEYS for t in teams.values())
    assert teams["payments"] == {
        "team": "payments", "total": 7, "open": 3, "in_progress": 1, "done": 2, "wont_do": 1,
        "completion_rate": 0.3333, "overdue": 3, "due_soon": 1, "unowned": 2,
        "median_days_to_close": 20.0, "oldest_overdue": "2026-03-10",
    }  # fmt: skip
    assert teams["infra"]["completion_rate"] is None
    assert teams["infra"]["median_days_to_close"] is None


def test_json_item_lists_point_at_the_document_line(report: ReportData) -> None:
    document = json.loads(render_json(report))
    assert [i["id"] for i in document["overdue"]] == ["P4", "P3", "P9"]
    p3 = document["overdue"][1]
    assert set(p3) == ITEM_KEYS
    assert (p3["location"], p3["due"], p3["days_overdue"]) == (
        "postmortems/payments/2026-01-04-outage.md:12", "2026-03-20", 11,
    )  # fmt: skip
    assert p3["tickets"] == [
        {"system": "jira", "key": "PAY-1", "url": "https://jira.example.com/browse/PAY-1"}
    ]
    assert document["unowned"][1]["action"] == SCRIPT_ACTION


def test_json_trend_has_twelve_weekly_points(report: ReportData) -> None:
    trend = json.loads(render_json(report))["trend"]
    assert len(trend) == 12
    assert trend[-1] == {
        "week_ending": "2026-03-31", "completion_rate": 0.4444, "open_overdue": 3,
        "total": 10, "done": 4, "wont_do": 1,
    }  # fmt: skip


def test_csv_is_one_row_per_team_with_the_json_team_columns(report: ReportData) -> None:
    rows = list(csv.DictReader(io.StringIO(render_csv(report))))
    assert list(rows[0]) == list(COLUMNS)
    assert [r["team"] for r in rows] == ["infra", "payments", "search"]
    payments = rows[1]
    assert (payments["total"], payments["overdue"], payments["completion_rate"]) == (
        "7", "3", "0.3333",
    )  # fmt: skip
    assert rows[0]["completion_rate"] == ""  # null


def test_markdown_keeps_document_text_literal_inside_its_table(report: ReportData) -> None:
    text = render_markdown(report)
    html = MarkdownIt("commonmark").enable("table").render(text)
    assert "<script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt; | pipes &amp; *stars*" in html
    unowned_table = html.split("<h2>Unowned (2)</h2>")[1].split("</table>")[0]
    rows = unowned_table.split("<tr>")[2:]  # after the header row
    assert len(rows) == 2
    assert all(row.count("<td") == 8 for row in rows)


def test_markdown_team_table_shows_rates_and_totals(report: ReportData) -> None:
    text = render_markdown(report)
    assert "| payments | 7 | 3 | 1 | 2 | 1 | 33.3% | 3 | 1 | 2 | 20.0 | 2026-03-10 |" in text
    assert "| **all teams** | 10 | 4 | 1 | 4 | 1 | 44.4% | 3 | 2 | 2 | 25.5 | 2026-03-10 |" in text


def test_table_shows_the_figures_and_the_raw_action_text(report: ReportData) -> None:
    text = render_table(report, width=200)
    payments = next(line for line in text.splitlines() if "│ payments " in line)
    assert [cell.strip() for cell in payments.split("│")[2:8]] == ["7", "3", "1", "2", "1", "33.3%"]
    assert "Escape <script>alert(1)</script> | pipes & *stars*" in text
    assert "Overdue (3)" in text


def test_table_shows_the_first_items_of_a_long_list_and_counts_the_rest(
    report: ReportData,
) -> None:
    text = render_table(report, width=200, limit=2)
    overdue = text.split("Overdue (3)")[1].split("Unowned (2)")[0]
    assert ":13 " in overdue and ":12 " in overdue and ":18 " not in overdue  # P4, P3 shown
    assert "… and 1 more" in overdue


def test_json_report_is_json_dumps_of_the_report_object(report: ReportData) -> None:
    # The item lists and the open postmortems are written by item_text and
    # open_postmortem_text.
    assert report.overdue and report.unowned and report.closure and report.closure.open_postmortems
    expected = json.dumps(report_object(report), ensure_ascii=False) + "\n"
    assert render_json(report) == expected


@pytest.mark.parametrize(
    "item",
    [
        ItemRow(
            'q"uo\\te', "payments", "pm/a b.md", 7, 'Fix "it" \\ now\n\ttab \x01 \u2028',
            ("ann", "Zoë 张"), "open", "P1", date(2026, 3, 1), 30, "https://x/pm#L7",
            (TicketLink("jira", "OPS-1", None), TicketLink("github", "o/r#2", "https://g/2")),
            True,
        ),
        ItemRow(
            "plain", "search", "p.md", 1, "Émoji 🚀 and ünïcode", (), "in_progress", None,
            None, None, None,
        ),
    ],
)  # fmt: skip
def test_json_item_text_is_json_dumps_of_the_item_object(item: ItemRow) -> None:
    assert item_text(item) == json.dumps(item_object(item), ensure_ascii=False)


def test_json_open_postmortem_text_is_json_dumps_of_its_object() -> None:
    for title in ('Outage "A" \\ B\n', None, "中文 ✓"):
        pm = OpenPostmortem("pm/a.md", title, "payments", date(2026, 1, 2), 88, 3, "Fix", "a:1")
        text = json.dumps(open_postmortem_object(pm), ensure_ascii=False)
        assert open_postmortem_text(pm) == text
