"""Follow-ups written without an action heading's list, read from real public postmortems.

Every document here is vendored verbatim in tests/corpus (sources and licences in its
SOURCES.md); each test parses the whole document and looks at the items one shape gives.
"""

from __future__ import annotations

from pathlib import Path

from tracker.model import ActionItem, Postmortem, Status
from tracker.parse import parse_text
from tracker.parse.sections import is_action_heading

CORPUS = Path(__file__).parent / "corpus"
OPTIMISM_VULN = "optimism__2022-02-02-inflation-vuln.md"


def parse(name: str) -> Postmortem:
    return parse_text((CORPUS / name).read_bytes(), name)


def source_line(name: str, item: ActionItem) -> str:
    return (CORPUS / name).read_text(encoding="utf-8").splitlines()[item.line - 1]


def starting(doc: Postmortem, words: str) -> ActionItem:
    found = [item for item in doc.items if item.action.startswith(words)]
    assert len(found) == 1, [item.action[:50] for item in doc.items]
    return found[0]


def test_bullets_under_a_bold_actions_planned_label_are_open_items() -> None:
    item = starting(parse(OPTIMISM_VULN), "We will ensure the common Ethereum tests")
    assert (item.status, item.found_by) == (Status.OPEN, "label-list")


def test_a_numbered_list_under_actions_taken_is_done() -> None:
    item = starting(parse(OPTIMISM_VULN), "We have extended the scope of the Immunefi program")
    assert (item.status, item.found_by) == (Status.DONE, "label-list")


def test_an_action_taken_label_with_its_text_on_the_same_line_is_one_done_item() -> None:
    item = starting(parse(OPTIMISM_VULN), "This disclosure process is now documented")
    assert item.status is Status.DONE
    assert item.found_by == "bold-label"
    assert source_line(OPTIMISM_VULN, item).startswith("**Action taken:** This disclosure")


def test_an_action_planned_label_on_the_same_line_is_open() -> None:
    item = starting(parse(OPTIMISM_VULN), "We will expand the set of monitoring")
    assert (item.status, item.found_by) == (Status.OPEN, "bold-label")


def test_the_paragraph_after_a_label_alone_is_the_item() -> None:
    item = starting(parse(OPTIMISM_VULN), "Our incident response documentation is now easier")
    assert (item.status, item.found_by) == (Status.DONE, "bold-label")


def test_a_label_covers_only_the_next_block() -> None:
    """'We've established guiding criteria …:' is the item; its criteria bullets are not."""
    doc = parse(OPTIMISM_VULN)
    starting(doc, "We've established guiding criteria for disabling the system")
    assert not [item for item in doc.items if item.action.startswith("If an attack is ongoing")]


def test_timeline_bullets_and_reasoning_lists_outside_labels_are_not_items() -> None:
    doc = parse(OPTIMISM_VULN)
    assert len(doc.items) == 16
    assert not [item for item in doc.items if "smartcontracts" in item.action]
    assert not [item for item in doc.items if item.action.startswith("This impacts the way")]


def test_numbered_sub_lists_stay_parts_of_their_bullet() -> None:
    item = starting(parse(OPTIMISM_VULN), "We are redesigning our code review process")
    assert "encourage reviewers to" in item.action


def test_a_lead_in_sentence_promising_the_following_list_labels_it() -> None:
    doc = parse("optimism__2023-04-26-transaction-delays.md")
    assert [item.action[:38] for item in doc.items] == [
        "We will add monitoring for replica lag",
        "Though rate limits were not the direct",
    ]
    assert {item.found_by for item in doc.items} == {"label-list"}


def test_an_inline_action_item_label_in_an_action_section_keeps_its_owner_field() -> None:
    name = "posthog__2025-10-03-surveys-sdk-bug.md"
    item = starting(parse(name), "Start incidents earlier")
    assert item.owners == ["@lucasheriques"]
    assert item.found_by == "bold-label"


def test_the_only_paragraph_under_an_action_sub_heading_is_an_item() -> None:
    doc = parse("mybinder__2017-11-30-oom-proxy.md")
    item = starting(doc, "Limit memory available to build pods")
    assert item.found_by == "section-paragraph"
    assert [ref.key for ref in item.tickets] == ["jupyterhub/repo2docker#159"]


def test_narrative_under_an_action_sub_heading_is_not_an_item() -> None:
    doc = parse("mybinder__2018-03-31-server-start-fail.md")
    assert not [item for item in doc.items if item.action.startswith("The outage seemed")]


def test_none_under_an_action_sub_heading_is_not_an_item() -> None:
    doc = parse("datahub__2024-core-node-incidents.md")
    assert not [item for item in doc.items if item.action.startswith("None")]


def test_each_line_of_a_paragraph_of_imperative_sentences_is_an_item() -> None:
    doc = parse("chia__2021-10-31-employee-compromise.md")
    assert [item.action[:24] for item in doc.items] == [
        "Develop better technique",
        "Hire a professional SecO",
        "Add a feature to the Chi",
    ]
    assert [item.line for item in doc.items] == [53, 54, 55]
    assert {item.found_by for item in doc.items} == {"section-paragraph"}


def test_narrative_lines_under_an_action_heading_are_not_items() -> None:
    assert parse("chia__2021-05-26-website-outage.md").items == []


def test_lessons_learned_and_future_improvements_is_an_action_heading() -> None:
    assert is_action_heading("Lessons Learned and Future Improvements")
    assert len(parse("chia__2021-05-09-negative-coin-values.md").items) == 7


def test_a_bullet_that_only_introduces_its_sub_bullets_gives_them_as_items() -> None:
    doc = parse("univaf__2021-06-28--external-id-migration.md")
    assert [item.action[:30] for item in doc.items] == [
        "Add integration tests that exe",
        "More carefully test and review",
        "More closely monitor for error",
        "Lower cutoffs in Sentry for AP",
    ]


def test_a_checklist_about_the_report_itself_is_not_items() -> None:
    doc = parse("datahub__2022-01-20-package-dependency-upgrade-incident.md")
    assert not [item for item in doc.items if "filled out" in item.action]
    assert not [item for item in doc.items if item.action.startswith("Incident has been")]


def test_a_template_slot_is_not_an_item() -> None:
    doc = parse("datahub__2022-01-20-package-dependency-upgrade-incident.md")
    assert not [item for item in doc.items if "{{ summary }}" in item.action]
    starting(doc, "{{ Start writing after action reports")  # a slot with real words is one


def test_above_as_a_preposition_does_not_make_a_report_checklist() -> None:
    # bench/parse.py's follow-up lists: one "above the agreed threshold" item dropped them all
    text = (
        "## Follow-ups\n\n"
        "- [x] Add an alert on ledger above the agreed threshold — owner: @chen.wei, due: TBD\n"
        "- [ ] Load-test ledger before every dependency upgrade — owner: @chen.wei\n"
    )
    doc = parse_text(text, "follow-ups.md")
    assert [item.action[:20] for item in doc.items] == [
        "Add an alert on ledg",
        "Load-test ledger bef",
    ]


def test_one_item_about_the_postmortem_does_not_drop_its_list() -> None:
    text = "## Action items\n\n- Share the postmortem with support\n- Add a retry budget\n"
    assert len(parse_text(text, "actions.md").items) == 2


GUIDANCE_DOC = """\
# Postmortem: chain halt

## Prevention

- Node operators should upgrade to v1.4.2 before block 1,200,000
- Add a fork-choice regression test for the halt scenario
- Users must rotate the keys they exported before 12 May — owner: @ana
- Tell users to rotate the keys they exported before 12 May
- 建议用户尽快升级到 1.4.2 版本
"""


def test_guidance_addressed_to_readers_is_not_an_item() -> None:
    actions = [item.action for item in parse_text(GUIDANCE_DOC, "halt.md").items]
    assert "Node operators should upgrade to v1.4.2 before block 1,200,000" not in actions
    assert "建议用户尽快升级到 1.4.2 版本" not in actions


def test_the_teams_own_work_next_to_reader_guidance_stays() -> None:
    actions = [item.action for item in parse_text(GUIDANCE_DOC, "halt.md").items]
    assert "Add a fork-choice regression test for the halt scenario" in actions
    assert "Tell users to rotate the keys they exported before 12 May" in actions


def test_reader_guidance_with_an_owner_is_the_owners_item() -> None:
    doc = parse_text(GUIDANCE_DOC, "halt.md")
    owned = [item for item in doc.items if item.owners == ["@ana"]]
    assert [item.action for item in owned] == [
        "Users must rotate the keys they exported before 12 May"
    ]
