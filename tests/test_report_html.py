"""The HTML report in real headless Chromium: renders, stays offline, escapes, sorts.

Uses Debian's chromium (/usr/bin/chromium) through Playwright; skips locally without it
and fails in CI (tests.conftest.unavailable).
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import unavailable
from tests.report_seed import AS_OF, CONFIGURED_TEAMS, SCRIPT_ACTION, seed_example
from tracker.report import ReportOptions, build_report
from tracker.report.render_html import render_html
from tracker.store import Store

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    if not Path(CHROMIUM).exists() and shutil.which("chromium") is None:
        unavailable(f"Debian's chromium is not installed at {CHROMIUM}")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        unavailable("the playwright package is not installed")
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield launched
        launched.close()


@dataclass
class OpenedPage:
    """A loaded report page and everything it did while loading."""

    page: Any
    url: str
    requests: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    dialogs: list[str] = field(default_factory=list)


@pytest.fixture
def report_file(store: Store, tmp_path: Path) -> Path:
    seed_example(store)
    options = ReportOptions(
        as_of=AS_OF, teams=CONFIGURED_TEAMS, docs_base_url="https://git.example.com/pm/"
    )
    path = tmp_path / "report.html"
    path.write_text(render_html(build_report(store.engine, options)), encoding="utf-8")
    return path


@pytest.fixture
def opened(browser: Any, report_file: Path) -> Iterator[OpenedPage]:
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    result = OpenedPage(page=page, url=report_file.as_uri())
    page.on("request", lambda request: result.requests.append(request.url))
    page.on("console", lambda m: result.errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda error: result.errors.append(str(error)))

    def refuse(dialog: Any) -> None:
        result.dialogs.append(dialog.message)
        dialog.dismiss()

    page.on("dialog", refuse)
    page.goto(result.url, wait_until="load")
    yield result
    context.close()


def figure(page: Any, name: str) -> str:
    return str(page.locator(f'[data-figure="{name}"]').inner_text())


def column_text(page: Any, table: str, column: int) -> list[str]:
    cells = page.locator(f"#{table} tbody tr td:nth-child({column})")
    return [str(text).strip() for text in cells.all_inner_texts()]


def test_page_shows_the_summary_figures(opened: OpenedPage) -> None:
    page = opened.page
    assert figure(page, "total") == "10"
    assert figure(page, "overdue") == "3"
    assert figure(page, "unowned") == "2"
    assert figure(page, "completion_rate") == "44.4%"
    assert figure(page, "median_days_to_close") == "25.5"
    assert page.locator("#team-bars svg").count() == 1
    assert page.locator("#trend svg").count() == 1


def test_page_loads_without_console_errors(opened: OpenedPage) -> None:
    assert opened.errors == []


def test_page_makes_no_network_request_besides_itself(opened: OpenedPage) -> None:
    opened.page.wait_for_timeout(300)  # anything lazy would have started by now
    assert opened.requests == [opened.url]


def test_script_in_an_action_stays_text(opened: OpenedPage) -> None:
    page = opened.page
    assert SCRIPT_ACTION in column_text(page, "unowned", 3)
    assert opened.dialogs == []
    assert page.locator("script").count() == 1  # only the page's own sorting script


def test_ticket_link_with_a_javascript_url_is_not_a_link(opened: OpenedPage) -> None:
    page = opened.page
    assert page.locator('a[href^="javascript"]').count() == 0
    assert page.locator('#overdue a[href="https://jira.example.com/browse/PAY-1"]').count() == 1


def test_clicking_a_header_sorts_the_table(opened: OpenedPage) -> None:
    page = opened.page
    assert column_text(page, "overdue", 8) == ["21", "11", "1"]  # oldest due first
    header = page.locator("#overdue th", has_text="Days overdue")
    header.click()
    assert column_text(page, "overdue", 8) == ["1", "11", "21"]
    assert header.get_attribute("aria-sort") == "ascending"
    header.click()
    assert column_text(page, "overdue", 8) == ["21", "11", "1"]
    page.locator("#teams th", has_text="Completion").click()
    assert column_text(page, "teams", 1) == ["infra", "payments", "search"]  # — sorts first


def test_screenshot_is_taken(opened: OpenedPage, tmp_path: Path) -> None:
    shot = tmp_path / "report.png"
    opened.page.screenshot(path=str(shot), full_page=True)
    assert shot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert shot.stat().st_size > 20_000


LONG_PATH = "postmortems/" + "a-very-long-folder-name-for-an-incident-review/" * 3 + "final.md"
LONG_ACTION = "Rotate-" + "the-partner-gateway-certificate-" * 8 + "now"


@pytest.fixture
def long_cells_page(browser: Any, store: Store, tmp_path: Path) -> Iterator[Any]:
    """The report with very long paths, actions and ticket keys, in a 1200 px window."""
    seed_example(store)
    data = build_report(store.engine, ReportOptions(as_of=AS_OF, teams=CONFIGURED_TEAMS))
    for item in data.overdue + data.unowned:
        item.path = LONG_PATH
        item.action = LONG_ACTION
    path = tmp_path / "report.html"
    path.write_text(render_html(data), encoding="utf-8")
    context = browser.new_context(viewport={"width": 1200, "height": 900})
    page = context.new_page()
    page.goto(path.as_uri(), wait_until="load")
    yield page
    context.close()


def test_page_does_not_scroll_sideways_at_1200_px(long_cells_page: Any) -> None:
    widths = long_cells_page.evaluate(
        "() => [document.documentElement.scrollWidth, window.innerWidth]"
    )
    assert widths[0] <= widths[1]


def test_no_table_needs_a_sideways_scrollbar_at_1200_px(long_cells_page: Any) -> None:
    overflowing = long_cells_page.evaluate(
        """() => [...document.querySelectorAll('.scroll')]
            .filter(box => box.scrollWidth > box.clientWidth + 1)
            .map(box => box.querySelector('table').id)"""
    )
    assert overflowing == []


def test_no_cell_or_header_is_clipped_at_1200_px(long_cells_page: Any) -> None:
    clipped = long_cells_page.evaluate(
        """() => [...document.querySelectorAll('td, th')]
            .filter(cell => cell.scrollWidth > cell.clientWidth + 1)
            .map(cell => cell.textContent.slice(0, 40))"""
    )
    assert clipped == []


def test_long_paths_and_actions_are_shown_whole(long_cells_page: Any) -> None:
    where = long_cells_page.locator("#unowned tbody td.where").first.inner_text()
    action = long_cells_page.locator("#unowned tbody td.action").first.inner_text()
    assert where.replace("\n", "").startswith(LONG_PATH)
    assert action.replace("\n", "") == LONG_ACTION


def test_screenshot_at_1200_px_for_a_person_to_look_at(
    long_cells_page: Any, tmp_path: Path
) -> None:
    """Set TRACKER_REPORT_SCREENSHOT=/some/file.png to keep it."""
    shot = Path(os.environ.get("TRACKER_REPORT_SCREENSHOT", tmp_path / "report-1200.png"))
    long_cells_page.screenshot(path=str(shot), full_page=True)
    assert shot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
