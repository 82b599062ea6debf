"""The terminal view for a meeting: rich tables, document text printed literally (no markup).

Every table is built for the width it is printed at: on a narrow terminal (or an
80-column pipe) it drops low-value columns, uses short headers and a borderless
layout, and folds long paths instead of cutting them to "postmortem…"; numbers and
team names are never wrapped or truncated.
"""

from __future__ import annotations

import io
import os
import sys
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from rich import box
from rich.cells import cell_len
from rich.console import Console, ConsoleOptions, Group, RenderableType, RenderResult
from rich.table import Table
from rich.text import Text

from tracker.report import formatting as fmt
from tracker.report.gc_pause import without_gc
from tracker.report.model import ItemRow, ReportData, TeamSummary

NARROW_WIDTH = 150  # below this many columns, tables switch to their compact layout
PIPE_WIDTH = 160  # a pipe has no width; rich would assume 80, too narrow for a report


def output_console(*, stderr: bool = False) -> Console:
    """A console for command output: a terminal's own width; a pipe or file gets
    PIPE_WIDTH columns unless COLUMNS says otherwise."""
    stream = sys.stderr if stderr else sys.stdout
    fixed = None if stream.isatty() or os.environ.get("COLUMNS") else PIPE_WIDTH
    return Console(highlight=False, width=fixed, stderr=stderr)


@dataclass(frozen=True)
class ByWidth:
    """A renderable built when printed, for the width it gets (compact when narrow)."""

    build: Callable[[bool], RenderableType]

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
        yield self.build(options.max_width < NARROW_WIDTH)


def new_table(title: str, *, narrow: bool, caption: str | None = None, leading: int = 0) -> Table:
    """A titled table; borderless with tight padding when narrow, to leave room for text."""
    return Table(
        leading=leading,
        title=title,
        title_justify="left",
        caption=caption,
        caption_justify="left",
        box=box.SIMPLE_HEAD if narrow else box.HEAVY_HEAD,
        pad_edge=not narrow,
    )


def _plain_width(cell: RenderableType) -> int | None:
    """The widest line of `cell` in terminal cells, as rich measures it, when that is
    plain to see: a Text, or a str with no markup or emoji code for rich to interpret
    (None otherwise)."""
    if isinstance(cell, Text):
        text = cell.plain
    elif isinstance(cell, str) and "[" not in cell and ":" not in cell:
        text = cell
    else:
        return None
    return max(map(cell_len, text.splitlines()), default=0)


def with_known_widths(table: Table) -> Table:
    """`table` with each no-wrap column's width set to its widest cell or header.

    rich lays a table out by measuring every cell of a column whose width it isn't
    given; a cell that never wraps (a figure, a date) measures as the cells it takes,
    known here: the same layout at any width, and a fifth less time for a large
    report's tables (2,300 cells). Name columns keep rich's measuring: their minimum
    width is what keeps a name whole where the table can't fit, and rich honours it
    only for a column it measures.
    """
    for column in table.columns:
        if not column.no_wrap or column.width is not None or column.min_width is not None:
            continue
        widths = [_plain_width(cell) for cell in (column.header, *column.cells)]
        if None not in widths:
            column.width = max(w for w in widths if w is not None)
    return table


def add_number_columns(table: Table, headers: Iterable[str]) -> None:
    for header in headers:
        table.add_column(header, justify="right", no_wrap=True)


def add_name_column(table: Table, header: str, names: Iterable[str]) -> None:
    """A column of names (teams, owners) wide enough that no name is ever cut."""
    longest = max((len(name) for name in names), default=0)
    table.add_column(header, no_wrap=True, min_width=max(longest, len(header)))


def _team_row(team: TeamSummary, narrow: bool) -> list[RenderableType]:
    overdue_style = "bold red" if team.overdue else ""
    row: list[RenderableType] = [
        Text(team.team),
        str(team.total),
        str(team.open),
        str(team.in_progress),
        str(team.done),
        str(team.wont_do),  # kept when narrow: open + in progress + done + won't do = total
    ]
    row += [
        fmt.percent(team.completion_rate),
        Text(str(team.overdue), style=overdue_style),
        str(team.due_soon),
        Text(str(team.unowned), style="yellow" if team.unowned else ""),
    ]
    if not narrow:
        row += [fmt.days(team.median_days_to_close), fmt.iso(team.oldest_overdue_due)]
    return row


def _teams(report: ReportData, narrow: bool) -> Table:
    table = new_table(f"Teams as of {report.as_of.isoformat()}", narrow=narrow)
    table.collapse_padding = narrow  # ten figures must fit in 80 columns
    add_name_column(table, "Team", [t.team for t in [*report.teams, report.totals]])
    if narrow:
        headers = ["Total", "Open", "Prog.", "Done", "Won't", "Compl.", "Overdue"]
        headers += [f"≤{report.due_soon_days}d", "Unowned"]
    else:
        headers = ["Total", "Open", "In progr.", "Done", "Won't do", "Compl.", "Overdue"]
        headers += [f"Due ≤{report.due_soon_days}d", "Unowned", "Median d→close"]
        headers += ["Oldest overdue"]
    add_number_columns(table, headers)
    for team in report.teams:
        table.add_row(*_team_row(team, narrow))
    if len(report.teams) > 1:
        table.add_section()
        table.add_row(*_team_row(report.totals, narrow), style="bold")
    return table


def _owners(report: ReportData, limit: int, narrow: bool) -> Table:
    """The first `limit` owners by name (hundreds at a large store: the rest are counted)."""
    shown = report.owners[:limit]
    hidden = len(report.owners) - len(shown)
    table = new_table(
        f"Owners ({len(report.owners)})" if hidden else "Owners",
        narrow=narrow,
        caption=fmt.more_note(hidden) if hidden else None,
    )
    add_name_column(table, "Owner", [o.owner for o in shown])
    add_number_columns(
        table,
        ("Total", "Open", "Prog." if narrow else "In progr.", "Done", "Overdue", "Compl."),
    )
    for o in shown:
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


TERMINAL_ITEM_LIMIT = 50  # a meeting reads the first screenful (the CLI's table limit)


def action_with_location(action: str, location: str) -> Text:
    """The action, with its document path:line below it, dimmed (the narrow layout)."""
    return Text.assemble(action, "\n", (location, "dim"))


def _tickets(item: ItemRow) -> Text:
    return Text(", ".join(t.key for t in item.tickets) or fmt.NONE_MARK)


def _items(title: str, items: list[ItemRow], total: int, limit: int, narrow: bool) -> Table:
    """The first `limit` of `items`; `total` counts the whole list (it may not all be here)."""
    shown = items[:limit]
    hidden = total - len(shown)
    table = new_table(
        f"{title} ({total})",
        narrow=narrow,
        caption=fmt.more_note(hidden) if hidden else None,
        leading=int(narrow),
    )  # narrow rows take several lines: a blank line tells one item from the next
    if narrow:
        table.add_column("Action / where", overflow="fold", ratio=1)
    else:
        table.add_column("Where", overflow="fold", ratio=1)
        table.add_column("Action", overflow="fold", ratio=2)
    add_name_column(table, "Team", [item.team for item in shown])
    table.add_column("Owners", overflow="fold")
    table.add_column("Due", justify="right", no_wrap=True)
    if not narrow:
        table.add_column("Days late", justify="right", no_wrap=True)
    table.add_column("Ticket", overflow="fold")
    for item in shown:
        owners = Text(fmt.owners(item.owners))
        due = fmt.due(item.due, item.due_derived)
        if narrow:
            where = action_with_location(item.action, item.location)
            table.add_row(where, Text(item.team), owners, due, _tickets(item))
        else:
            late = "" if item.days_overdue is None else str(item.days_overdue)
            table.add_row(
                Text(item.location), Text(item.action), Text(item.team), owners, due, late,
                _tickets(item),
            )  # fmt: skip
    return table


def _trend(report: ReportData, narrow: bool) -> Table:
    table = new_table(f"{len(report.trend)}-week trend", narrow=narrow)
    table.add_column("Week ending", no_wrap=True)
    add_number_columns(table, ("Completion", "Open overdue"))
    for point in report.trend:
        table.add_row(
            point.week_ending.isoformat(),
            fmt.percent(point.completion_rate),
            str(point.open_overdue),
        )
    return table


def _open_postmortems(report: ReportData, limit: int, narrow: bool) -> Table:
    closure = report.closure
    assert closure is not None
    shown = closure.open_postmortems[:limit]
    hidden = closure.open_count - len(shown)
    aging = ", ".join(f"{label}: {count}" for label, count in closure.buckets.items())
    caption = (
        f"{closure.closed} closed; median {fmt.days(closure.median_days_to_close)}, p90 "
        f"{fmt.days(closure.p90_days_to_close)} days to close · open by age: {aging}"
        + (f" · … and {hidden} more (all of them in --format markdown/json)" if hidden else "")
    )
    table = new_table(f"Open postmortems ({closure.open_count})", narrow=narrow, caption=caption)
    table.add_column("Postmortem", overflow="fold", ratio=2)
    add_name_column(table, "Team", [pm.team for pm in shown])
    add_number_columns(table, ("Age (days)", "Open"))
    table.add_column("Oldest open item", overflow="fold", ratio=2)
    for pm in shown:
        table.add_row(
            Text(pm.title or pm.path), Text(pm.team), str(pm.age_days), str(pm.open_items),
            Text(f"{pm.oldest_open} ({pm.oldest_open_location})"),
        )  # fmt: skip
    return table


def _slo(report: ReportData, narrow: bool) -> Table:
    table = new_table("SLO attainment", narrow=narrow)
    figures = report.slo_teams or []
    add_name_column(table, "Team", [f.team for f in figures])
    add_number_columns(table, ("Met", "Missed", "Past SLO now", "Pending", "Attainment"))
    for f in figures:
        table.add_row(
            Text(f.team), str(f.met), str(f.missed), str(f.past_now), str(f.pending),
            fmt.percent(f.attainment),
        )  # fmt: skip
    return table


def report_renderable(report: ReportData, *, limit: int = TERMINAL_ITEM_LIMIT) -> ByWidth:
    """All tables; owners and each item list show their first `limit` rows (overdue:
    oldest first) and say how many more there are.

    Laid out when printed: compact below NARROW_WIDTH columns, full detail above.
    """

    def build(narrow: bool) -> Group:
        tables = [
            _teams(report, narrow),
            _owners(report, limit, narrow),
            _items("Overdue", report.overdue, report.totals.overdue, limit, narrow),
            _items("Unowned", report.unowned, report.totals.unowned, limit, narrow),
        ]
        if report.closure is not None:
            tables.append(_open_postmortems(report, limit, narrow))
        if report.slo_teams is not None:
            tables.append(_slo(report, narrow))
        tables.append(_trend(report, narrow))
        return Group(*map(with_known_widths, tables))

    return ByWidth(build)


@without_gc
def render_table(
    report: ReportData, *, width: int = 160, color: bool = False, limit: int = TERMINAL_ITEM_LIMIT
) -> str:
    """Plain text at `width` columns, for files and pipes."""
    console = Console(
        file=io.StringIO(), width=width, color_system="standard" if color else None, record=False
    )
    console.print(report_renderable(report, limit=limit))
    output = console.file.getvalue()  # type: ignore[attr-defined]
    return str(output)
