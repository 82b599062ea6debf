"""`tracker report`: completion, overdue and unowned items per team, in five formats."""

from __future__ import annotations

import sys
from collections.abc import Callable
from enum import StrEnum
from importlib import import_module
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from tracker.cli.app import app
from tracker.cli.options import ConfigOption, load_config_or_default, parse_day
from tracker.errors import TrackerError

if TYPE_CHECKING:
    from tracker.report import ReportData


class ReportFormat(StrEnum):
    TABLE = "table"
    MARKDOWN = "markdown"
    JSON = "json"
    CSV = "csv"
    HTML = "html"


class Gate(StrEnum):
    OVERDUE = "overdue"
    UNOWNED = "unowned"
    SLO = "slo"  # open items past their SLO deadline ([policy])


RENDERERS: dict[ReportFormat, str] = {  # imported when used: jinja2 and pygal are slow
    ReportFormat.TABLE: "tracker.report.render_table:render_table",
    ReportFormat.MARKDOWN: "tracker.report.render_markdown:render_markdown",
    ReportFormat.JSON: "tracker.report.render_json:render_json",
    ReportFormat.CSV: "tracker.report.render_csv:render_csv",
    ReportFormat.HTML: "tracker.report.render_html:render_html",
}


# How many items of each list (overdue, unowned) a format shows; the others are counted
# and the view says how many more there are. JSON carries every item; CSV is teams only.
# The table and HTML show as many open postmortems (see list_limits).
ITEM_LIMITS: dict[ReportFormat, int | None] = {
    ReportFormat.TABLE: 50,  # a meeting reads the first screenful
    ReportFormat.MARKDOWN: 100,  # a weekly note
    ReportFormat.HTML: 500,  # one page a manager scrolls and sorts
    ReportFormat.JSON: None,
    ReportFormat.CSV: 0,
}


def list_limits(output_format: ReportFormat) -> dict[str, int | None]:
    """build_report's limits for a format: as many items, and open postmortems, as it
    shows (Markdown and JSON list every open postmortem)."""
    pages = (ReportFormat.TABLE, ReportFormat.HTML)
    return {
        "item_limit": ITEM_LIMITS[output_format],
        "postmortem_limit": ITEM_LIMITS[output_format] if output_format in pages else None,
    }


def renderer(output_format: ReportFormat) -> Callable[[ReportData], str]:
    """The function that renders a report in `output_format`."""
    module, name = RENDERERS[output_format].split(":")
    function: Callable[[ReportData], str] = getattr(import_module(module), name)
    return function


def _table_limit() -> int:
    limit = ITEM_LIMITS[ReportFormat.TABLE]
    return sys.maxsize if limit is None else limit


def render(output_format: ReportFormat, data: ReportData) -> str:
    """The report as text; the table shows as many items as ITEM_LIMITS says."""
    if output_format is ReportFormat.TABLE:
        from tracker.report.render_table import render_table

        return render_table(data, limit=_table_limit())
    return renderer(output_format)(data)


def _tripped(report: ReportData, gates: list[Gate]) -> list[str]:
    past_slo = sum(f.past_now for f in report.slo_teams or [] if f.team != "all teams")
    counts = {
        Gate.OVERDUE: report.totals.overdue,
        Gate.UNOWNED: report.totals.unowned,
        Gate.SLO: past_slo,
    }
    names = {Gate.SLO: "past-SLO"}
    return [f"{counts[gate]} {names.get(gate, gate.value)}" for gate in gates if counts[gate]]


@app.command()
def report(
    team: Annotated[
        str | None, typer.Option("--team", "-t", help="Only this team.", show_default=False)
    ] = None,
    as_of: Annotated[
        str | None,
        typer.Option(
            "--as-of",
            metavar="DATE",
            help="Report as of this day (YYYY-MM-DD); later items and events are ignored. "
            "Default: today in the configured time zone.",
            show_default=False,
        ),
    ] = None,
    output_format: Annotated[
        ReportFormat, typer.Option("--format", "-f", help="Output format.")
    ] = ReportFormat.TABLE,
    output: Annotated[
        Path | None,
        typer.Option(
            "--output",
            "-o",
            dir_okay=False,
            help="Write to this file (atomically) instead of standard output.",
            show_default=False,
        ),
    ] = None,
    fail_on: Annotated[
        list[Gate] | None,
        typer.Option(
            "--fail-on",
            help="Exit 1 (after the report) when there are such items; repeatable.",
            show_default=False,
        ),
    ] = None,
    config: ConfigOption = None,
) -> None:
    """Per team: totals, completion rate, overdue, due soon, unowned, median days to close;
    per owner; the overdue and unowned items; and a 12-week trend.

    Only reads: where no store exists yet it says so (exit 2) and creates nothing.

    Example: tracker report --format html --output report.html --fail-on overdue
    """
    from rich.console import Console

    from tracker.report import build_report
    from tracker.report.options import options_from_config
    from tracker.report.output import write_atomically
    from tracker.report.render_table import output_console, report_renderable
    from tracker.store import open_store

    if output is not None and not output.parent.is_dir():
        raise TrackerError(
            f"--output: folder {output.parent} does not exist",
            hint="create it first, or write somewhere else",
        )
    settings = load_config_or_default(config)
    if Gate.SLO in (fail_on or []) and settings.policy is None:
        raise TrackerError(
            "--fail-on slo needs SLOs: add a [policy] table to the configuration",
            hint="see config.example.toml, section policy",
        )
    options = options_from_config(settings, team=team, as_of=parse_day(as_of))
    assert settings.database_url is not None, "load_config always resolves the URL"
    store = open_store(settings.database_url, create=False)  # reading never creates a store
    try:
        data = build_report(store.engine, options, **list_limits(output_format))
    finally:
        store.close()
    if output is not None:
        write_atomically(output, render(output_format, data))
        Console(stderr=True, highlight=False).print(
            f"wrote {output_format.value} report to {output}"
        )
    elif output_format is ReportFormat.TABLE:
        output_console().print(report_renderable(data, limit=_table_limit()))
    else:
        sys.stdout.write(render(output_format, data))
        sys.stdout.flush()
    tripped = _tripped(data, fail_on or [])
    if tripped:
        raise TrackerError(f"report gate tripped: {', '.join(tripped)} item(s)", exit_code=1)
