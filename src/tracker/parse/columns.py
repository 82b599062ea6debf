"""Table header text → canonical column (action, owner, due, ticket, status, priority, type).

Headers are matched case-insensitively after removing Markdown, a trailing `#`/`(s)` and
any parenthesised hint (`Type (Mitigate/ Prevent/ Process/ Other)`); a header that starts
with a known alias followed by a space (`Owner for Execution`, `Target Completion Date`)
counts too. Unknown headers stay extras.
"""

from __future__ import annotations

import re

from tracker.connectors import connector_plugins
from tracker.parse.scan import closing_brackets
from tracker.parse.values import plain

CANONICAL_COLUMNS = ("action", "owner", "due", "ticket", "status", "priority", "type")
DETAIL_COLUMNS = frozenset({"owner", "due", "ticket", "status", "priority"})

_ALIASES: dict[str, tuple[str, ...]] = {
    "action": (
        "action",
        "action item",
        "action items",
        "item",
        "task",
        "tasks",
        "description",
        "improvement",
        "remediation",
        "what",
        "deliverable",
        "corrective action",
        "action item description",
        "follow-up",
        "follow up",
        "todo",
        "measure",
        "行动项",
        "行动",
        "任务",
        "改进措施",
        "改进项",
        "措施",
        "改进行动",
        "整改措施",
        "事项",
    ),
    "owner": (
        "owner",
        "owners",
        "owner(s)",
        "assignee",
        "assignees",
        "assigned to",
        "responsible",
        "dri",
        "who",
        "负责人",
        "责任人",
        "跟进人",
        "执行人",
        "owner/dri",
    ),
    "due": (
        "due",
        "due date",
        "deadline",
        "eta",
        "target",
        "target date",
        "by",
        "due by",
        "when",
        "timeline",
        "截止日期",
        "截止",
        "截止时间",
        "期限",
        "完成时间",
        "完成期限",
        "目标完成日",
        "目标日期",
        "预计完成时间",
        "时限",
        "计划完成时间",
        "目标完成时间",
    ),
    "ticket": (
        "ticket",
        "tickets",
        "bug",
        "bugs",
        "issue",
        "issues",
        "link",
        "links",
        "tracking",
        "pr",
        "bug/ticket",
        "工单",
        "链接",
        "关联工单",
    ),
    "status": ("status", "state", "progress", "状态", "进度", "完成情况"),
    "priority": ("priority", "pri", "prio", "severity", "优先级"),
    "type": ("type", "category", "kind", "类型", "分类", "类别"),
}
_BY_ALIAS = {alias: column for column, aliases in _ALIASES.items() for alias in aliases}
_SPACES = re.compile(r"\s+")


def normalise_header(text: str) -> str:
    header = _SPACES.sub(" ", plain(text)).casefold().strip(" :：")
    hint = closing_brackets(header, len(header))
    if hint is not None and hint[0]:  # a trailing `(hint)`: from its first opening bracket
        header = header[: hint[0][0]].strip()
    return header.rstrip(" #").strip()


def canonical_column(header: str) -> str | None:
    """The canonical column a header names, or None for an extra column."""
    name = normalise_header(header)
    if name in _BY_ALIAS:
        return _BY_ALIAS[name]
    if name.partition(" ")[0] in connector_plugins():  # named after a system ("Jira key")
        return "ticket"
    for alias, column in _BY_ALIAS.items():
        if alias.isascii() and name.startswith(alias + " ") and column != "type":
            return column
    return None


def map_columns(headers: list[str]) -> dict[str, int]:
    """Canonical column → index; the first header wins when two name the same column.

    An `Issue`/`问题` column before the action column describes the problem, not a
    ticket, so it stays an extra.
    """
    found = [canonical_column(header) for header in headers]
    action = found.index("action") if "action" in found else -1
    columns: dict[str, int] = {}
    for index, column in enumerate(found):
        if (
            column == "ticket"
            and index < action
            and normalise_header(headers[index])
            in (
                "issue",
                "issues",
            )
        ):
            continue  # the problem, not a ticket: a later Ticket column is the ticket
        if column is not None and column not in columns:
            columns[column] = index
    return columns


def is_action_table(columns: dict[str, int]) -> bool:
    """An action column plus at least one of owner, due, ticket, status, priority."""
    return "action" in columns and any(column in columns for column in DETAIL_COLUMNS)


DEFAULT_HEADERS = {
    "en": {
        "action": "Action",
        "owner": "Owner",
        "due": "Due Date",
        "ticket": "Ticket",
        "status": "Status",
        "priority": "Priority",
        "type": "Type",
    },
    "zh": {
        "action": "行动项",
        "owner": "负责人",
        "due": "截止日期",
        "ticket": "工单",
        "status": "状态",
        "priority": "优先级",
        "type": "类型",
    },
}
