"""Document paths are text from the user's disk: no format lets them break its markup."""

from __future__ import annotations

import re
from datetime import date

import pytest

from tracker.report.model import ItemRow, ReportData, TeamSummary
from tracker.report.render_html import render_html
from tracker.report.render_markdown import render_markdown

AS_OF = date(2026, 11, 25)
HOSTILE = "postmortems/a|b <img src=x onerror=alert(1)>.md"


def _report(doc_url: str | None) -> ReportData:
    item = ItemRow(
        id="x",
        team="t",
        path=HOSTILE,
        line=3,
        action="Fix it",
        owners=("alice",),
        status="open",
        priority=None,
        due=date(2026, 11, 1),
        days_overdue=24,
        doc_url=doc_url,
    )
    team = TeamSummary("t", 1, 1, 0, 0, 0, 1, 0, 0, None, date(2026, 11, 1))
    return ReportData(AS_OF, team, [team], [], [item], [], [])


def _row_with(markdown: str, text: str) -> str:
    return next(line for line in markdown.splitlines() if text in line)


@pytest.mark.parametrize("doc_url", [None, f"https://git.example/blob/main/{HOSTILE}#L3"])
def test_a_pipe_in_a_file_name_does_not_split_a_markdown_report_row(doc_url: str | None) -> None:
    markdown = render_markdown(_report(doc_url))
    row = _row_with(markdown, "Fix it")
    header = _row_with(markdown, "| Where |")
    unescaped = re.compile(r"(?<!\\)\|")
    assert len(unescaped.findall(row)) == len(unescaped.findall(header))


@pytest.mark.parametrize("doc_url", [None, f"https://git.example/blob/main/{HOSTILE}#L3"])
def test_html_in_a_file_name_is_never_markup_in_markdown(doc_url: str | None) -> None:
    assert not re.search(r"(?<!\\)<img", render_markdown(_report(doc_url)))


def test_html_in_a_file_name_is_escaped_in_the_html_report() -> None:
    page = render_html(_report(f"https://git.example/blob/main/{HOSTILE}#L3"))
    assert "<img src=x" not in page
