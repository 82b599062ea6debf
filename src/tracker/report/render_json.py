"""The stable, documented JSON shape for dashboards and scripts (see README, section report).

Top-level keys are exactly as_of, teams, overdue, unowned, trend, plus the documented
extra `owners`; each team object has the documented keys plus `oldest_overdue`.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from datetime import date
from json.encoder import encode_basestring
from typing import Any

from tracker.report.gc_pause import without_gc
from tracker.report.model import (
    Closure,
    ItemRow,
    OpenPostmortem,
    OwnerSummary,
    ReportData,
    SloFigures,
    TeamSummary,
    TrendPoint,
)


def _rate(value: float | None) -> float | None:
    return None if value is None else round(value, 4)


def _date(value: date | None) -> str | None:
    return None if value is None else value.isoformat()


def team_object(team: TeamSummary) -> dict[str, Any]:
    return {
        "team": team.team,
        "total": team.total,
        "open": team.open,
        "in_progress": team.in_progress,
        "done": team.done,
        "wont_do": team.wont_do,
        "completion_rate": _rate(team.completion_rate),
        "overdue": team.overdue,
        "due_soon": team.due_soon,
        "unowned": team.unowned,
        "median_days_to_close": (
            None if team.median_days_to_close is None else round(team.median_days_to_close, 2)
        ),
        "oldest_overdue": _date(team.oldest_overdue_due),
    }


def item_object(item: ItemRow) -> dict[str, Any]:
    path, line, due, tickets = item.path, item.line, item.due, item.tickets
    return {
        "id": item.id,
        "team": item.team,
        "path": path,
        "line": line,
        "location": f"{path}:{line}",
        "action": item.action,
        "owners": list(item.owners),
        "status": item.status,
        "priority": item.priority,
        "due": None if due is None else due.isoformat(),
        "due_derived": item.due_derived,
        "days_overdue": item.days_overdue,
        "doc_url": item.doc_url,
        "tickets": [{"system": t.system, "key": t.key, "url": t.url} for t in tickets]
        if tickets
        else [],
    }


def _string(value: str | None) -> str:
    return "null" if value is None else encode_basestring(value)


def item_text(item: ItemRow) -> str:
    """`item_object` as `json.dumps(..., ensure_ascii=False)` writes it, written directly.

    JSON lists every overdue and unowned item (17,000 at 100,000 items): building a dict
    per item and encoding it cost twice this (0.10 → 0.05 s). Strings go through the
    json module's own encoder; tests/test_report_formats.py pins the text to item_object.
    """
    path, line, due, tickets, days = item.path, item.line, item.due, item.tickets, item.days_overdue
    links = ", ".join(
        f'{{"system": {_string(t.system)}, "key": {_string(t.key)}, "url": {_string(t.url)}}}'
        for t in tickets
    )
    return (
        f'{{"id": {_string(item.id)}, "team": {_string(item.team)}, "path": {_string(path)}, '
        f'"line": {int(line)}, "location": {_string(f"{path}:{line}")}, '
        f'"action": {_string(item.action)}, "owners": [{", ".join(map(_string, item.owners))}], '
        f'"status": {_string(item.status)}, "priority": {_string(item.priority)}, '
        f'"due": {"null" if due is None else f"{chr(34)}{due.isoformat()}{chr(34)}"}, '
        f'"due_derived": {"true" if item.due_derived else "false"}, '
        f'"days_overdue": {"null" if days is None else int(days)}, '
        f'"doc_url": {_string(item.doc_url)}, "tickets": [{links}]}}'
    )


def owner_object(owner: OwnerSummary) -> dict[str, Any]:
    return {
        "owner": owner.owner,
        "total": owner.total,
        "open": owner.open,
        "in_progress": owner.in_progress,
        "done": owner.done,
        "wont_do": owner.wont_do,
        "overdue": owner.overdue,
        "completion_rate": _rate(owner.completion_rate),
    }


def trend_object(point: TrendPoint) -> dict[str, Any]:
    return {
        "week_ending": point.week_ending.isoformat(),
        "completion_rate": _rate(point.completion_rate),
        "open_overdue": point.open_overdue,
        "total": point.total,
        "done": point.done,
        "wont_do": point.wont_do,
    }


def slo_object(figures: SloFigures) -> dict[str, Any]:
    found: dict[str, Any] = {"team": figures.team}
    if figures.quarter is not None:
        found["quarter"] = figures.quarter
    return {
        **found,
        "met": figures.met,
        "missed": figures.missed,
        "past_slo_now": figures.past_now,
        "pending": figures.pending,
        "attainment": _rate(figures.attainment),
    }


def open_postmortem_object(pm: OpenPostmortem) -> dict[str, Any]:
    return {
        "path": pm.path,
        "title": pm.title,
        "team": pm.team,
        "start": pm.start.isoformat(),
        "age_days": pm.age_days,
        "open_items": pm.open_items,
        "oldest_open": pm.oldest_open,
        "oldest_open_location": pm.oldest_open_location,
    }


def open_postmortem_text(pm: OpenPostmortem) -> str:
    """`open_postmortem_object` as json.dumps writes it (see `item_text`: JSON lists
    every open postmortem, 9,000 at 100,000 items)."""
    return (
        f'{{"path": {_string(pm.path)}, "title": {_string(pm.title)}, '
        f'"team": {_string(pm.team)}, "start": "{pm.start.isoformat()}", '
        f'"age_days": {int(pm.age_days)}, "open_items": {int(pm.open_items)}, '
        f'"oldest_open": {_string(pm.oldest_open)}, '
        f'"oldest_open_location": {_string(pm.oldest_open_location)}}}'
    )


def closure_object(closure: Closure, *, with_open: bool = True) -> dict[str, Any]:
    """The closure figures as JSON values (`with_open=False`: the open list left empty)."""
    return {
        "closed": closure.closed,
        "open": [open_postmortem_object(pm) for pm in closure.open_postmortems]
        if with_open
        else [],
        "aging": closure.buckets,
        "median_days_to_close": closure.median_days_to_close,
        "p90_days_to_close": closure.p90_days_to_close,
    }


def report_object(report: ReportData, *, with_items: bool = True) -> dict[str, Any]:
    """The whole report as JSON values (`with_items=False`: the item and open postmortem
    lists left empty, for `render_json` to write)."""
    found = _base_object(report, with_items)
    if report.closure is not None:
        found["postmortems"] = closure_object(report.closure, with_open=with_items)
    if report.slo_teams is not None:
        found["slo"] = {
            "teams": [slo_object(f) for f in report.slo_teams],
            "quarters": [slo_object(f) for f in report.slo_quarters or []],
        }
    return found


def _base_object(report: ReportData, with_items: bool) -> dict[str, Any]:
    return {
        "as_of": report.as_of.isoformat(),
        "teams": [team_object(t) for t in report.teams],
        "overdue": [item_object(i) for i in report.overdue] if with_items else [],
        "unowned": [item_object(i) for i in report.unowned] if with_items else [],
        "trend": [trend_object(p) for p in report.trend],
        "owners": [owner_object(o) for o in report.owners],
    }


def _object_text(members: dict[str, Any], written: dict[str, str]) -> str:
    """json.dumps(members, ensure_ascii=False) with the values of `written` as given."""
    texts = (
        f"{encode_basestring(key)}: "
        + (written[key] if key in written else json.dumps(value, ensure_ascii=False))
        for key, value in members.items()
    )
    return f"{{{', '.join(texts)}}}"


def _list_text(texts: Iterable[str]) -> str:
    return f"[{', '.join(texts)}]"


@without_gc
def render_json(report: ReportData) -> str:
    """`json.dumps(report_object(report), ensure_ascii=False)`, byte for byte, with the
    long lists (items, open postmortems) written by `item_text` and
    `open_postmortem_text`."""
    written = {
        "overdue": _list_text(map(item_text, report.overdue)),
        "unowned": _list_text(map(item_text, report.unowned)),
    }
    if report.closure is not None:
        closure = closure_object(report.closure, with_open=False)
        open_text = _list_text(map(open_postmortem_text, report.closure.open_postmortems))
        written["postmortems"] = _object_text(closure, {"open": open_text})
    return _object_text(report_object(report, with_items=False), written) + "\n"
