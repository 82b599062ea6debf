"""Markdown for a weekly note: GFM tables, document text escaped so a cell can't break the table."""

from __future__ import annotations

import re
from urllib.parse import quote

from tracker.report import formatting as fmt
from tracker.report.gc_pause import without_gc
from tracker.report.model import Closure, ItemRow, ReportData, SloFigures, TeamSummary

_SPECIAL = re.compile(r"([\\`*_\[\]<>|#!~])")


def escape(text: str) -> str:
    """Backslash-escape Markdown punctuation and fold newlines, so text stays literal text."""
    return _SPECIAL.sub(r"\\\1", " ".join(text.split()))


def _row(cells: list[str]) -> str:
    return "| " + " | ".join(cells) + " |"


def _table(header: list[str], rows: list[list[str]], *, numeric: bool = True) -> list[str]:
    """A GFM table; with `numeric`, every column after the first is right-aligned."""
    align = ["--:" if numeric and i else "---" for i in range(len(header))]
    return [_row(header), _row(align), *(_row(r) for r in rows)]


def _team_cells(team: TeamSummary, *, bold: bool = False) -> list[str]:
    name = escape(team.team)
    return [
        f"**{name}**" if bold else name,
        str(team.total),
        str(team.open),
        str(team.in_progress),
        str(team.done),
        str(team.wont_do),
        fmt.percent(team.completion_rate),
        str(team.overdue),
        str(team.due_soon),
        str(team.unowned),
        fmt.days(team.median_days_to_close),
        fmt.iso(team.oldest_overdue_due),
    ]


def _link(text: str, url: str | None) -> str:
    return f"[{escape(text)}](<{link_destination(url)}>)" if url else escape(text)


def link_destination(url: str) -> str:
    """A URL that stays one link inside a table cell: characters that end a `<...>`
    destination, split a GFM row or start HTML are percent-encoded."""
    return quote(url, safe=":/?#[]@!$&'()*+,;=%~-._")


def _item_cells(item: ItemRow) -> list[str]:
    tickets = ", ".join(_link(t.key, t.url) for t in item.tickets) or fmt.NONE_MARK
    return [
        _link(item.location, item.doc_url),
        escape(item.team),
        escape(item.action),
        escape(fmt.owners(item.owners)),
        fmt.due(item.due, item.due_derived),
        fmt.NONE_MARK if item.days_overdue is None else str(item.days_overdue),
        escape(item.status.replace("_", " ")),
        tickets,
    ]


_ITEM_HEADER = ["Where", "Team", "Action", "Owners", "Due", "Days overdue", "Status", "Ticket"]


_SLO_HEADER = ["Met", "Missed", "Past SLO now", "Pending", "Attainment"]


def _slo_cells(figures: SloFigures) -> list[str]:
    return [
        str(figures.met),
        str(figures.missed),
        str(figures.past_now),
        str(figures.pending),
        fmt.percent(figures.attainment),
    ]


def _closure_section(closure: Closure) -> list[str]:
    """Open postmortems, oldest first, with aging buckets and time to close."""
    open_count = closure.open_count
    lines = [f"## Open postmortems ({open_count})", ""]
    aging = ", ".join(f"{label}: {count}" for label, count in closure.buckets.items())
    lines += [
        f"{closure.closed} closed (every item done or won't do); median "
        f"{fmt.days(closure.median_days_to_close)} and p90 {fmt.days(closure.p90_days_to_close)} "
        f"days to close. Open by age: {aging}.",
        "",
    ]
    if closure.open_postmortems:
        header = ["Postmortem", "Team", "Age (days)", "Open items", "Oldest open item"]
        rows = [
            [
                escape(pm.title or pm.path),
                escape(pm.team),
                str(pm.age_days),
                str(pm.open_items),
                f"{escape(pm.oldest_open)} ({escape(pm.oldest_open_location)})",
            ]
            for pm in closure.open_postmortems
        ]
        lines += [*_table(header, rows, numeric=False), ""]
    return lines


def _slo_section(report: ReportData) -> list[str]:
    """SLO attainment per team, then per team and quarter of the deadline."""
    lines = ["## SLO attainment", ""]
    teams = report.slo_teams or []
    if not teams:
        return [*lines, "No item has an SLO.", ""]
    rows = [[escape(f.team), *_slo_cells(f)] for f in teams]
    lines += [*_table(["Team", *_SLO_HEADER], rows), ""]
    quarters = report.slo_quarters or []
    lines += ["### By quarter of the SLO deadline", ""]
    rows = [[escape(f.team), f.quarter or "", *_slo_cells(f)] for f in quarters]
    lines += [*_table(["Team", "Quarter", *_SLO_HEADER], rows), ""]
    return lines


@without_gc
def render_markdown(report: ReportData) -> str:
    scope = f" — team {escape(report.team_filter)}" if report.team_filter else ""
    lines = [f"# Action items as of {report.as_of.isoformat()}{scope}", ""]
    lines += ["## Teams", ""]
    team_header = [
        "Team",
        "Total",
        "Open",
        "In progress",
        "Done",
        "Won't do",
        "Completion",
        "Overdue",
        f"Due ≤ {report.due_soon_days} d",
        "Unowned",
        "Median days to close",
        "Oldest overdue",
    ]
    team_rows = [_team_cells(t) for t in report.teams]
    if len(report.teams) > 1:
        team_rows.append(_team_cells(report.totals, bold=True))
    lines += [*_table(team_header, team_rows), ""]

    lines += ["## Owners", ""]
    owner_rows = [
        [
            escape(o.owner),
            str(o.total),
            str(o.open),
            str(o.in_progress),
            str(o.done),
            str(o.overdue),
            fmt.percent(o.completion_rate),
        ]
        for o in report.owners
    ]
    owner_header = ["Owner", "Total", "Open", "In progress", "Done", "Overdue", "Completion"]
    lines += [*(_table(owner_header, owner_rows) if owner_rows else ["No owned items."]), ""]

    lists = (
        ("Overdue", report.overdue, report.totals.overdue),
        ("Unowned", report.unowned, report.totals.unowned),
    )
    for title, items, total in lists:
        lines += [f"## {title} ({total})", ""]
        if items:
            lines += _table(_ITEM_HEADER, [_item_cells(i) for i in items], numeric=False)
            if total > len(items):
                lines += ["", fmt.more_note(total - len(items))]
        else:
            lines.append(f"No {title.lower()} items.")
        lines.append("")

    if report.closure is not None:
        lines += _closure_section(report.closure)
    if report.slo_teams is not None:
        lines += _slo_section(report)

    lines += ["## 12-week trend", ""]
    trend_rows = [
        [p.week_ending.isoformat(), fmt.percent(p.completion_rate), str(p.open_overdue)]
        for p in report.trend
    ]
    lines += [*_table(["Week ending", "Completion", "Open overdue"], trend_rows), ""]
    return "\n".join(lines)
