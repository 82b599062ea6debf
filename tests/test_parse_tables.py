"""Action tables: which tables count, how columns are recognised, how cells are read."""

from __future__ import annotations

from datetime import date

import pytest

from tracker.model import Postmortem, Status
from tracker.parse import parse_text


def parse(markdown: str) -> Postmortem:
    return parse_text(markdown, "pm.md")


def codes(doc: Postmortem) -> list[str]:
    return [warning.code for warning in doc.warnings]


@pytest.mark.parametrize(
    "header",
    [
        "Action",
        "Action Item",
        "Item",
        "Task",
        "Description",
        "Improvement",
        "Remediation",
        "行动项",
        "行动",
        "任务",
        "改进措施",
        "**Action Item**",
        "ACTION",
    ],
)
def test_action_column_aliases(header: str) -> None:
    doc = parse(f"| {header} | Owner |\n|---|---|\n| Add alert | @kim |\n")
    assert [item.action for item in doc.items] == ["Add alert"]


@pytest.mark.parametrize(
    "header",
    [
        "Owner",
        "Owner(s)",
        "Owners",
        "Assignee",
        "Responsible",
        "DRI",
        "Who",
        "负责人",
        "责任人",
        "Owner for Execution",
    ],
)
def test_owner_column_aliases(header: str) -> None:
    doc = parse(f"| Action | {header} |\n|---|---|\n| Add alert | @kim |\n")
    assert doc.items[0].owners == ["@kim"]


@pytest.mark.parametrize(
    "header",
    [
        "Due",
        "Due Date",
        "Deadline",
        "ETA",
        "Target",
        "Target Date",
        "截止日期",
        "期限",
        "完成时间",
        "截止",
        "Target Completion Date",
    ],
)
def test_due_column_aliases(header: str) -> None:
    doc = parse(f"| Action | {header} |\n|---|---|\n| Add alert | 2024-01-22 |\n")
    assert doc.items[0].due == date(2024, 1, 22)


@pytest.mark.parametrize(
    "header", ["Ticket", "Bug", "Bug #", "Issue", "Link", "Tracking", "Jira", "工单", "链接"]
)
def test_ticket_column_aliases(header: str) -> None:
    doc = parse(f"| Action | {header} |\n|---|---|\n| Add alert | ENG-1234 |\n")
    assert [ref.key for ref in doc.items[0].tickets] == ["ENG-1234"]


@pytest.mark.parametrize("header", ["Status", "State", "状态"])
def test_status_column_aliases(header: str) -> None:
    doc = parse(f"| Action | {header} |\n|---|---|\n| Add alert | Done |\n")
    assert doc.items[0].status is Status.DONE


@pytest.mark.parametrize("header", ["Priority", "Pri", "优先级"])
def test_priority_column_aliases(header: str) -> None:
    doc = parse(f"| Action | {header} |\n|---|---|\n| Add alert | P1 |\n")
    assert doc.items[0].priority == "P1"


@pytest.mark.parametrize(
    "header", ["Type", "Category", "Kind", "类型", "Type (Mitigate/ Prevent/ Process/ Other)"]
)
def test_type_column_aliases(header: str) -> None:
    doc = parse(f"## Action Items\n\n| Action | {header} |\n|---|---|\n| Add alert | Prevent |\n")
    assert doc.items[0].type == "Prevent"


def test_columns_are_found_in_any_order() -> None:
    doc = parse(
        "| Due | Ticket | Owner | Task | Status | Pri |\n|---|---|---|---|---|---|\n"
        "| 2024-02-01 | OPS-1 | @lee | Rotate keys | WIP | P2 |\n"
    )
    item = doc.items[0]
    assert (item.action, item.owners, item.due, item.status, item.priority) == (
        "Rotate keys",
        ["@lee"],
        date(2024, 2, 1),
        Status.IN_PROGRESS,
        "P2",
    )
    assert [ref.key for ref in item.tickets] == ["OPS-1"]


def test_unknown_columns_are_kept_as_extras() -> None:
    doc = parse("| Action | Owner | Notes |\n|---|---|---|\n| Add alert | @kim | by Friday |\n")
    assert doc.items[0].extras == {"Notes": "by Friday"}


def test_raw_cell_text_is_kept_beside_the_values() -> None:
    doc = parse(
        "| Action | Owner | Due |\n|---|---|---|\n| Add alert | **@kim** | Jan 22, 2024 |\n"
    )
    assert doc.items[0].raw == {"action": "Add alert", "owner": "**@kim**", "due": "Jan 22, 2024"}


def test_table_without_action_column_is_not_an_action_table() -> None:
    assert parse("| Time | Event |\n|---|---|\n| 14:23 | deploy |\n").items == []


def test_action_column_alone_outside_an_action_section_is_not_enough() -> None:
    doc = parse(
        "## Systemic Improvements\n\n| Root Cause | Improvement | Type |\n|---|---|---|\n| x | y | z |\n"
    )
    assert doc.items == []


def test_any_table_under_an_action_heading_counts() -> None:
    doc = parse("## Follow-ups\n\n| Improvement | Notes |\n|---|---|\n| Add canary | soon |\n")
    assert [item.action for item in doc.items] == ["Add canary"]


def test_timeline_table_under_an_action_heading_is_ignored() -> None:
    doc = parse("## Action Items\n\n| Time | Description |\n|---|---|\n| 11:56 | Missing files |\n")
    assert doc.items == []


def test_table_inside_a_code_fence_is_ignored() -> None:
    doc = parse(
        "## Action Items\n\n```\n| Action | Owner |\n|---|---|\n| Add alert | @kim |\n```\n"
    )
    assert doc.items == []


def test_escaped_pipe_stays_inside_its_cell() -> None:
    doc = parse("| Action | Owner |\n|---|---|\n| Use a \\| b | @kim |\n")
    assert (doc.items[0].action, doc.items[0].owners) == ("Use a | b", ["@kim"])


def test_inline_code_with_an_escaped_pipe_stays_inside_its_cell() -> None:
    doc = parse("| Action | Owner |\n|---|---|\n| Run `grep a\\|b` nightly | @kim |\n")
    assert (doc.items[0].action, doc.items[0].owners) == ("Run grep a|b nightly", ["@kim"])


def test_markdown_escapes_in_the_action_are_undone() -> None:
    doc = parse("| Action | Owner |\n|---|---|\n| Fix \\*all\\* the **things** | @kim |\n")
    assert doc.items[0].action == "Fix *all* the things"


def test_ragged_row_is_read_and_warned_about() -> None:
    doc = parse("| Action | Owner | Due |\n|---|---|---|\n| Add alert | @kim |\n")
    assert doc.items[0].owners == ["@kim"]
    assert "ragged-row" in codes(doc)


def test_row_padded_with_empty_cells_is_read_as_the_writer_meant() -> None:
    doc = parse(
        "| Action Item | Type | Owner | Bug |\n| --- | --- | --- | --- |\n"
        "|New policy|\t|prevent|\t|Tufayl Ahmed|\t|**DONE**|\n"
    )
    item = doc.items[0]
    assert (item.action, item.type, item.owners, item.status) == (
        "New policy",
        "prevent",
        ["Tufayl Ahmed"],
        Status.DONE,
    )


def test_bold_status_word_in_the_bug_cell_is_a_status_not_a_ticket() -> None:
    doc = parse(
        "| Action Item | Owner | Bug |\n|---|---|---|\n"
        "| Fix deployer | mlafeldt | [#560](https://github.com/J/d/issues/560) **TODO** |\n"
    )
    item = doc.items[0]
    assert item.status is Status.OPEN
    assert [ref.key for ref in item.tickets] == ["J/d#560"]


def test_status_cell_with_a_link_gives_status_and_ticket() -> None:
    doc = parse(
        "| Action | Status |\n|---|---|\n| Alert | Open ([#53](https://github.com/o/r/issues/53)) |\n"
    )
    assert doc.items[0].status is Status.OPEN
    assert [ref.key for ref in doc.items[0].tickets] == ["o/r#53"]


def test_issue_column_before_the_action_describes_the_problem() -> None:
    doc = parse("| Issue | Action | Owner |\n|---|---|---|\n| Slow DB | Add index | @kim |\n")
    assert doc.items[0].tickets == []
    assert doc.items[0].extras == {"Issue": "Slow DB"}


def test_table_row_numbers_and_lines() -> None:
    doc = parse("# T\n\n| Action | Owner |\n|---|---|\n| A | @a |\n| B | @b |\n")
    assert [(i.line, i.table_index, i.row_index, i.kind) for i in doc.items] == [
        (5, 0, 0, "table"),
        (6, 0, 1, "table"),
    ]


def test_table_index_counts_every_table_of_the_document() -> None:
    doc = parse(
        "| Time | Event |\n|---|---|\n| 1 | x |\n\n| Action | Owner |\n|---|---|\n| A | @a |\n"
    )
    assert doc.items[0].table_index == 1


def test_chinese_action_table_sets_the_document_language() -> None:
    doc = parse(
        "| 优先级 | 行动项 | 负责人 | 截止日期 |\n|---|---|---|---|\n| P0 | 加测试 | @alice | 2024-01-22 |\n"
    )
    assert doc.language == "zh"
    assert (doc.items[0].action, doc.items[0].priority) == ("加测试", "P0")


def test_blank_template_row_is_an_item_with_empty_fields() -> None:
    doc = parse("| Action | Owner | Due |\n|---|---|---|\n|  |  |  |\n")
    assert [(i.action, i.owners, i.due) for i in doc.items] == [("", [], None)]
    assert "empty-action" in codes(doc)


def test_html_around_an_owner_does_not_split_it() -> None:
    doc = parse_text("| Action | Owner |\n|---|---|\n| Add alert | <b>@eve</b> |\n", "pm.md")
    assert doc.items[0].owners == ["@eve"]


def test_a_ticket_column_after_an_issue_column_holds_the_tickets() -> None:
    doc = parse(
        "| Issue | Action | Owner | Ticket |\n|---|---|---|---|\n"
        "| Slow DB | Add index | @kim | ENG-4 |\n"
    )

    item = doc.items[0]
    assert [ref.key for ref in item.tickets] == ["ENG-4"]
    assert item.extras == {"Issue": "Slow DB"}
