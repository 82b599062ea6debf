"""The terminal view for a meeting: rich tables, document text printed literally (no markup)."""

from __future__ import annotations

import io

from rich.console import Console, Group, RenderableType
from rich.table import Table
from rich.text import Text

from tracker.report import formatting as fmt
from tracker.report.model import ItemRow, ReportData, TeamSummary


def _team_row(team: TeamSummary) -> list[RenderableType]:
    overdue_style = "bold red" if team.overdue else ""
    return [
        Text(team.team),
        str(team.total),
        str(team.open),
        str(team.in_progress),
        str(team.done),
        str(team.wont_do),
        fmt.percent(team.completion_rate),
        Text(str(team.overdue), style=overdue_style),
        str(team.due_soon),
        Text(str(team.unowned), style="yellow" if team.unowned else ""),
        fmt.days(team.median_days_to_close),
        fmt.iso(team.oldest_overdue_due),
    ]


def _teams(report: ReportData) -> Table:
    table = Table(title=f"Teams as of {report.as_of.isoformat()}", title_justify="left")
    table.add_column("Team")
    for name in ("Total", "Open", "In progr.", "Done", "Won't do", "Compl.", "Overdue"):
        table.add_column(name, justify="right")
    table.add_column(f"Due ≤{report.due_soon_days}d", justify="right")
    for name in ("Unowned", "Median d→close", "Oldest overdue"):
        table.add_column(name, justify="right")
    for team in report.teams:
        table.add_row(*_team_row(team))
    if len(report.teams) > 1:
        table.add_section()
        table.add_row(*_team_row(report.totals), style="bold")
    return table


def _owners(report: ReportData) -> Table:
    table = Table(title="Owners", title_justify="left")
    table.add_column("Owner")
    for name in ("Total", "Open", "In progr.", "Done", "Overdue", "Compl."):
        table.add_column(name, justify="right")
    for o in report.owners:
        table.add_row(
            Text(o.owner),
            str(o.total),
            str(o.open),
            str(o.in_progress),
            str(o.done),
            str(o.overdue),
            fmt.percent(o.completion_rate),
        )
    return table


TERMINAL_ITEM_LIMIT = 50  # a meeting reads the first screenful; other formats list all


def _items(title: str, items: list[ItemRow], limit: int) -> Table:
    hidden = max(0, len(items) - limit)
    caption = (
        f"… and {hidden} more (all of them in --format markdown/json/html)" if hidden else None
    )
    table = Table(
        title=f"{title} ({len(items)})",
        title_justify="left",
        caption=caption,
        caption_justify="left",
    )
    table.add_column("Where", overflow="fold")
    table.add_column("Team")
    table.add_column("Action", overflow="fold", ratio=3)
    table.add_column("Owners")
    table.add_column("Due", justify="right")
    table.add_column("Late d", justify="right")
    table.add_column("Ticket")
    for item in items[:limit]:
        table.add_row(
            Text(item.location),
            Text(item.team),
            Text(item.action),
            Text(fmt.owners(item.owners)),
            fmt.iso(item.due),
            "" if item.days_overdue is None else str(item.days_overdue),
            Text(", ".join(t.key for t in item.tickets) or fmt.NONE_MARK),
        )
    return table


def _trend(report: ReportData) -> Table:
    table = Table(title="12-week trend", title_justify="left")
    table.add_column("Week ending")
    table.add_column("Completion", justify="right")
    table.add_column("Open overdue", justify="right")
    for point in report.trend:
        table.add_row(
            point.week_ending.isoformat(),
            fmt.percent(point.completion_rate),
            str(point.open_overdue),
        )
    return table


def report_renderable(report: ReportData, *, limit: int = TERMINAL_ITEM_LIMIT) -> Group:
    """All tables; each item list shows its first `limit` items (overdue: oldest first)."""
    return Group(
        _teams(report),
        _owners(report),
        _items("Overdue", report.overdue, limit),
        _items("Unowned", report.unowned, limit),
        _trend(report),
    )


def render_table(
    report: ReportData, *, width: int = 160, color: bool = False, limit: int = TERMINAL_ITEM_LIMIT
) -> str:
    """Plain text for files and pipes; the CLI prints `report_renderable` itself on a terminal."""
    console = Console(
        file=io.StringIO(), width=width, color_system="standard" if color else None, record=False
    )
    console.print(report_renderable(report, limit=limit))
    output = console.file.getvalue()  # type: ignore[attr-defined]
    return str(output)
