"""List items under action headings: which lists count and the fields packed in the text."""

from __future__ import annotations

from datetime import date

import pytest

from tracker.model import Postmortem, Status
from tracker.parse import parse_text


def parse(markdown: str) -> Postmortem:
    return parse_text(markdown, "pm.md")


@pytest.mark.parametrize(
    "heading",
    [
        "Action Items",
        "Action items",
        "Follow-ups",
        "Follow-up actions",
        "Remediation",
        "Corrective actions",
        "Corrective and Preventative Measures",
        "Next steps",
        "Prevention",
        "行动项",
        "改进措施",
        "后续行动",
        "7. Action Items",
        "✅ Action Items",
        "行动项（Action Items）",
        "四、行动项（Action Items）",
        "Action Items & Followups",
    ],
)
def test_action_headings_in_english_and_chinese(heading: str) -> None:
    doc = parse(f"## {heading}\n\n- [ ] Add alert\n")
    assert [item.action for item in doc.items] == ["Add alert"]


@pytest.mark.parametrize(
    "heading", ["Timeline", "What Went Well", "Lessons Learned", "经验教训", "Impact"]
)
def test_lists_under_other_headings_are_not_action_items(heading: str) -> None:
    assert parse(f"## {heading}\n\n- [ ] Add alert\n1. Another\n").items == []


def test_checkbox_item_with_inline_fields() -> None:
    doc = parse("## Action Items\n\n- [ ] Add alert — owner: @kim, due: 2025-03-14, OPS-88\n")
    item = doc.items[0]
    assert (item.action, item.owners, item.due, item.status, item.kind) == (
        "Add alert",
        ["@kim"],
        date(2025, 3, 14),
        Status.OPEN,
        "list",
    )
    assert [ref.key for ref in item.tickets] == ["OPS-88"]


def test_an_installed_connectors_name_is_a_ticket_field_key() -> None:
    doc = parse("## Action Items\n\n- [ ] Drain the queue, gitlab: acme/app#9\n")
    [item] = doc.items
    assert item.action == "Drain the queue"
    assert [(ref.system, ref.key) for ref in item.tickets] == [("gitlab", "acme/app#9")]


def test_a_field_named_after_a_system_reads_bare_text_as_that_systems_reference() -> None:
    github = parse("## Action Items\n\n- [ ] Drain the queue — ticket: acme/app#9\n")
    gitlab = parse("## Action Items\n\n- [ ] Drain the queue — gitlab: acme/app#9\n")
    assert github.items[0].tickets[0].system == "github"  # the first system to read it
    assert gitlab.items[0].tickets[0].system == "gitlab"


def test_a_ticket_in_any_installed_systems_shape_never_runs_on_as_an_owner() -> None:
    doc = parse("## Action Items\n\n- [ ] Rotate keys — owner: @kim, Acme/Platform/App#7\n")
    [item] = doc.items
    assert item.owners == ["@kim"]
    assert [(ref.system, ref.key) for ref in item.tickets] == [("gitlab", "Acme/Platform/App#7")]


def test_a_ticket_written_back_in_any_installed_systems_shape_keeps_the_action() -> None:
    before = parse("## Action Items\n\n- [ ] Rotate certs\n").items[0]
    after = parse("## Action Items\n\n- [ ] Rotate certs (acme/platform/api#8)\n").items[0]
    assert (after.action, after.id) == ("Rotate certs", before.id)  # a GitLab subgroup's key


def test_numbered_item_with_status_emoji_and_owner_mention() -> None:
    item = parse("## Prevention\n\n1. ✅ Add X (@lee)\n").items[0]
    assert (item.action, item.owners, item.status) == ("Add X", ["@lee"], Status.DONE)


def test_ticked_checkbox_is_done() -> None:
    assert parse("## Follow-ups\n\n- [x] Add X\n").items[0].status is Status.DONE


def test_chinese_fields_with_full_width_colons() -> None:
    item = parse("## 后续行动\n\n- [ ] 增加告警（负责人：@王五，截止：2024-02-01）\n").items[0]
    assert (item.action, item.owners, item.due) == ("增加告警", ["@王五"], date(2024, 2, 1))


def test_priority_tag_in_front_of_the_item() -> None:
    item = parse("## Action Items\n\n- **P1** Rotate keys — owner: @lee\n").items[0]
    assert (item.priority, item.action) == ("P1", "Rotate keys")


def test_status_field_in_the_text() -> None:
    item = parse("## Action Items\n\n- Rotate keys — status: in progress\n").items[0]
    assert item.status is Status.IN_PROGRESS


def test_item_without_status_under_an_action_heading_is_open() -> None:
    assert parse("## Action Items\n\n- Rotate keys\n").items[0].status is Status.OPEN


def test_heading_saying_completed_makes_its_items_done() -> None:
    doc = parse(
        "## Remediation\n\n### Immediate actions (completed)\n\n- A\n\n### Long-term\n\n- B\n"
    )
    assert [(i.action, i.status) for i in doc.items] == [("A", Status.DONE), ("B", Status.OPEN)]


def test_bold_lead_label_sets_the_status_of_the_list_below() -> None:
    doc = parse("## Follow-ups\n\n**In progress (next 2 weeks):**\n\n- A\n\n**Later:**\n\n- B\n")
    assert [(i.action, i.status) for i in doc.items] == [
        ("A", Status.IN_PROGRESS),
        ("B", Status.OPEN),
    ]


def test_nested_sub_bullets_belong_to_their_parent_item() -> None:
    doc = parse("## Action Items\n\n- Improve probes\n    - write wiki article\n- Add alerts\n")
    assert [i.action for i in doc.items] == ["Improve probes write wiki article", "Add alerts"]


def test_link_in_a_sub_bullet_is_a_ticket_of_the_parent() -> None:
    doc = parse("## Action Items\n\n- ✅ Add tests\n  - [PR](https://github.com/o/r/pull/7)\n")
    assert [ref.key for ref in doc.items[0].tickets] == ["o/r#7"]


def test_hard_wrapped_item_is_one_item_on_its_first_line() -> None:
    doc = parse("## Action Items\n\n- We should alert on\nconfig load failures\n\n- Next\n")
    assert [(i.line, i.action) for i in doc.items] == [
        (3, "We should alert on config load failures"),
        (6, "Next"),
    ]


def test_plain_action_items_line_introduces_a_list() -> None:
    doc = parse(
        "## Detection\nPeople told us.\n\nAction Items\n- Set up alerting\n\n## Lessons\n- x\n"
    )
    assert [i.action for i in doc.items] == ["Set up alerting"]


def test_list_inside_a_code_block_is_ignored() -> None:
    assert parse("## Action Items\n\n```\n- [ ] Add alert\n```\n").items == []


def test_lists_explaining_an_action_table_are_not_items() -> None:
    doc = parse(
        "## Action items\n\nTypes:\n* Prevent - stop it\n\n| Action Item | Priority |\n|---|---|\n| Add X | P0 |\n"
    )
    assert [i.action for i in doc.items] == ["Add X"]


def test_bullets_after_bold_numbered_items_are_their_detail() -> None:
    doc = parse(
        "## Follow-ups\n\n1.  **Root cause discovery**\nWe looked at:\n\n-   Query plans\n\n2. **Migration**\n"
    )
    assert doc.items[0].action.startswith("Root cause discovery")
    assert "Query plans" in doc.items[0].action
    assert len(doc.items) == 2


def test_empty_checkbox_item_is_a_blank_item() -> None:
    doc = parse("## Follow-ups\n\n- [ ] \n")
    assert [(i.action, i.status) for i in doc.items] == [("", Status.OPEN)]


def test_ticket_link_written_back_after_inline_fields_stays_out_of_them() -> None:
    doc = parse(
        "## Follow-ups\n\n"
        "- [ ] Load-test the indexer — owner: TBD ([#8](https://github.com/acme/app/issues/8))\n"
        "- [ ] Alert on lag — owner: @bob, due: 2026-11-20 ([ENG-6](https://x.atlassian.net/browse/ENG-6))\n"
    )
    first, second = doc.items
    assert (first.action, first.owners, [t.key for t in first.tickets]) == (
        "Load-test the indexer",
        [],
        ["acme/app#8"],
    )
    assert (second.owners, second.due, [t.key for t in second.tickets]) == (
        ["@bob"],
        date(2026, 11, 20),
        ["ENG-6"],
    )


@pytest.mark.parametrize(
    ("line", "owners"),
    [
        ("- [ ] Add alert — owner: @kim, @bob", ["@kim", "@bob"]),
        ("- [ ] Add alert — owners: @a; @b", ["@a", "@b"]),
        ("- [ ] Add alert — owner: Jane Doe, QA Team", ["Jane Doe", "QA Team"]),
        ("- [ ] Add alert, 负责人：@王，@李", ["@王", "@李"]),
    ],
)
def test_an_owner_field_keeps_every_owner_listed(line: str, owners: list[str]) -> None:
    assert parse(f"## Action Items\n\n{line}\n").items[0].owners == owners


def test_several_owners_stop_at_the_next_field() -> None:
    item = parse("## Action Items\n\n- [ ] C — owner: @kim, @bob, due: 2026-03-01\n").items[0]
    assert (item.action, item.owners, item.due) == ("C", ["@kim", "@bob"], date(2026, 3, 1))


def test_several_owners_stop_at_a_ticket_or_a_sentence() -> None:
    doc = parse(
        "## Action Items\n\n"
        "- [ ] A — owner: @kim, OPS-88\n"
        "- [ ] B — owner: @kim, will follow up with the vendor\n"
        "- [ ] C — owner: @kim, Review the logs first\n"
        "- [ ] D，负责人：@王，需要和供应商确认\n"
    )
    assert [(i.owners, [t.key for t in i.tickets]) for i in doc.items] == [
        (["@kim"], ["OPS-88"]),
        (["@kim"], []),
        (["@kim"], []),
        (["@王"], []),
    ]


def test_ticket_link_after_several_owners_stays_out_of_them() -> None:
    item = parse(
        "## Follow-ups\n\n"
        "- [ ] Alert on lag — owner: @bob, @amy ([ENG-6](https://x.atlassian.net/browse/ENG-6))\n"
    ).items[0]
    assert (item.owners, [t.key for t in item.tickets]) == (["@bob", "@amy"], ["ENG-6"])


def test_checkbox_list_next_to_an_action_table_is_items() -> None:
    doc = parse(
        "## Action items\n\n| Action Item | Priority |\n|---|---|\n| Add X | P0 |\n\n"
        "- [ ] Rotate keys\n- [x] Page the DBA\n"
    )
    assert [(i.action, i.kind, i.status) for i in doc.items] == [
        ("Add X", "table", Status.OPEN),
        ("Rotate keys", "list", Status.OPEN),
        ("Page the DBA", "list", Status.DONE),
    ]


def test_numbered_items_with_inline_fields_next_to_an_action_table_are_items() -> None:
    doc = parse(
        "## Action items\n\n1. Rotate keys — owner: @kim\n2. Review alerts, due: 2026-03-01\n\n"
        "| Action Item | Priority |\n|---|---|\n| Add X | P0 |\n"
    )
    assert [(i.action, i.owners, i.due) for i in doc.items] == [
        ("Rotate keys", ["@kim"], None),
        ("Review alerts", [], date(2026, 3, 1)),
        ("Add X", [], None),
    ]


@pytest.mark.parametrize(
    "heading",
    [
        "### 4. Action Items (15 min)",
        "### 4. 行动项(15 分钟)",
        "### 行动项（15分钟）",
        "## Next steps (30-45 minutes)",
    ],
)
def test_an_agenda_slot_is_not_an_action_heading(heading: str) -> None:
    doc = parse(
        f"## Meeting structure (60 min)\n{heading}\n- Brainstorm improvements\n- Assign owners\n"
    )
    assert doc.items == []


def test_an_agenda_slot_ends_an_action_section() -> None:
    doc = parse("## Action Items\n- [ ] Add alert\n### Review (10 min)\n- Discuss\n")
    assert [i.action for i in doc.items] == ["Add alert"]


@pytest.mark.parametrize(
    "heading", ["Action Items (next 2 weeks)", "Immediate actions (24 hours)", "Action Items (P0)"]
)
def test_action_heading_with_other_parentheses_is_still_an_action_heading(heading: str) -> None:
    doc = parse(f"## {heading}\n- [ ] Add alert\n")
    assert [i.action for i in doc.items] == ["Add alert"]


@pytest.mark.parametrize(
    ("line", "status"),
    [
        ("- [ ] 🔄 Add alert", Status.IN_PROGRESS),
        ("- [x] ❌ Add alert", Status.WONT_DO),
        ("- [ ] 📋 Add alert", Status.OPEN),
        ("- [ ] Add alert, status: In Progress", Status.IN_PROGRESS),
        ("- [x] Add alert, status: Won't do", Status.WONT_DO),
    ],
)
def test_a_status_emoji_or_field_beside_the_checkbox_is_the_status(
    line: str, status: Status
) -> None:
    item = parse(f"## Action Items\n\n{line}\n").items[0]
    assert (item.action, item.status) == ("Add alert", status)


def test_an_unknown_status_field_falls_back_to_the_checkbox() -> None:
    doc = parse("## Action Items\n\n- [x] Add alert, status: someday\n")
    assert doc.items[0].status is Status.DONE
    assert "unknown-status" in [w.code for w in doc.warnings]
