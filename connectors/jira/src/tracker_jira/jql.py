"""JQL built from values we don't control (document text, item ids, keys), safely.

Every value goes into JQL as a double-quoted string literal with `\\` and `"` escaped,
so no cell text can close the string and inject a clause.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import UTC, datetime, timedelta, tzinfo

ISSUE_KEY = re.compile(r"^[A-Z][A-Z0-9_]*-[1-9][0-9]*$")
PROJECT_KEY = re.compile(r"^[A-Z][A-Z0-9_]*$")

_ESCAPES = {"\\": "\\\\", '"': '\\"', "'": "\\'", "\n": "\\n", "\r": "\\r", "\t": "\\t"}


def quote(value: str) -> str:
    """A JQL string literal that means exactly `value`."""
    return '"' + "".join(_ESCAPES.get(char, char) for char in value) + '"'


def in_list(field: str, values: Iterable[str]) -> str:
    """`field in ("a", "b")` with every value quoted; refuses an empty list (invalid JQL)."""
    quoted = [quote(value) for value in values]
    if not quoted:
        raise ValueError(f"{field} in () needs at least one value")
    return f"{field} in ({', '.join(quoted)})"


def keys_in(keys: Iterable[str]) -> str:
    """`key in (...)` for issue keys, refusing anything that isn't one."""
    checked = []
    for key in keys:
        if not ISSUE_KEY.match(key):
            raise ValueError(f"not a Jira issue key: {key!r}")
        checked.append(key)
    return in_list("key", checked)


def project_is(project: str) -> str:
    if not PROJECT_KEY.match(project):
        raise ValueError(f"not a Jira project key: {project!r}")
    return f"project = {quote(project)}"


def jql_datetime(moment: datetime, zone: tzinfo = UTC) -> str:
    """`"yyyy/MM/dd HH:mm"` in the Jira user's time zone, floored to the minute (JQL's
    precision) — so the window may start earlier than asked, never later.

    Jira reads JQL date literals in the *searching account's profile time zone*
    (https://confluence.atlassian.com/spaces/JIRA052/pages/314448708/__JQL+Date+Time+Formats;
    `GET /rest/api/2/myself` → `timeZone`). In the hour a DST change repeats, a wall
    time names two instants; the text is moved back until every reading of it is at or
    before `moment`, whichever one Jira picks."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    local = moment.astimezone(zone).replace(second=0, microsecond=0, tzinfo=None)
    while _latest_reading(local, zone) > moment:
        local -= timedelta(minutes=1)
    return quote(local.strftime("%Y/%m/%d %H:%M"))


def _latest_reading(wall: datetime, zone: tzinfo) -> datetime:
    """The later of the instants a naive wall time can mean in `zone` (fold 0 and 1)."""
    return max(wall.replace(tzinfo=zone, fold=fold).astimezone(UTC) for fold in (0, 1))


def updated_since(project: str, since: datetime | None, zone: tzinfo = UTC) -> str:
    """All issues of a project changed at or after `since`, oldest change first."""
    return " AND ".join(_changed_in(project, since, zone)) + " ORDER BY updated ASC"


def updated_since_after_key(
    project: str, since: datetime | None, after: str | None, zone: tzinfo = UTC
) -> str:
    """The same issues in key order, from the one after issue key `after` on: a listing
    paged by key, not by offset. Jira compares issue keys within their project, by
    number (`issuekey > "ENG-9"` is ENG-10 on, no other project's issue)."""
    clauses = _changed_in(project, since, zone)
    if after is not None:
        if not ISSUE_KEY.match(after):
            raise ValueError(f"not a Jira issue key: {after!r}")
        clauses.append(f"issuekey > {quote(after)}")
    return " AND ".join(clauses) + " ORDER BY issuekey ASC"


def _changed_in(project: str, since: datetime | None, zone: tzinfo) -> list[str]:
    clauses = [project_is(project)]
    if since is not None:
        clauses.append(f"updated >= {jql_datetime(since, zone)}")
    return clauses
