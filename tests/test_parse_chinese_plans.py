"""Chinese follow-ups as real retrospectives and postmortems write them.

Every document here is vendored verbatim in tests/corpus (sources and licences in its
SOURCES.md): PaddlePaddle/community project wrap-ups, PFCCLab/blog retrospectives and
DeepSeek Harness postmortems. Each test parses the whole document.
"""

from __future__ import annotations

from pathlib import Path

from tracker.model import ActionItem, Postmortem, Status
from tracker.parse import parse_text
from tracker.parse.sections import heading_status, is_action_heading

CORPUS = Path(__file__).parent / "corpus"


def parse(name: str) -> Postmortem:
    return parse_text((CORPUS / name).read_bytes(), name)


def starting(doc: Postmortem, words: str) -> ActionItem:
    found = [item for item in doc.items if item.action.startswith(words)]
    assert len(found) == 1, [item.action[:30] for item in doc.items]
    return found[0]


def test_bullets_under_a_future_plan_heading_are_items() -> None:
    doc = parse("pfcc-blog__hackathon-7th-summary.md")  # "### 未来计划"
    assert [item.action[:7] for item in doc.items] == [
        "个人贡献挑战赛",
        "护航计划集训营",
        "Fundabl",
    ]


def test_an_others_to_be_decided_bullet_is_not_an_item() -> None:
    doc = parse("pfcc-blog__hackathon-6th-summary.md")  # last bullet "**其他（待定）**"
    assert not [item for item in doc.items if item.action.startswith("其他")]
    assert len(doc.items) == 3


def test_a_numbered_plan_heading_holds_the_bullets_under_its_sub_heading() -> None:
    doc = parse("pfcc-blog__xdoctest-project.md")  # "### 02 - 未来规划" then "#### `>>>` …"
    assert [item.action for item in doc.items] == [
        "合入 Paddle、发布到 PyPI，回馈开源社区",
        "思考是否有工具可以取代 xdoctest？是否单独开发 doctest 工具？",
    ]


def test_safeguards_added_are_done_items() -> None:
    added = parse("deepseek-harness__0001-acp-default-export-drops-inject.zh.md")
    already = parse("deepseek-harness__0002-js-expression-disabled-filesystem-tools.zh.md")
    assert len(added.items) == 5  # "## 新增的防护措施"
    assert len(already.items) == 4  # "## 已添加的防护措施"
    assert {item.status for item in added.items + already.items} == {Status.DONE}


def test_the_one_paragraph_under_a_plan_heading_is_an_item() -> None:
    doc = parse("paddle-community__CINN_milestone_summary.md")  # "### 3. 下一步计划"
    item = starting(doc, "后续会考虑和社区开发者一起进行更多的算子")
    assert (item.found_by, item.status, len(doc.items)) == ("section-paragraph", Status.OPEN, 1)


def test_a_bold_paragraph_used_as_plan_heading_opens_the_next_paragraph() -> None:
    doc = parse("paddle-community__paddle_trt_optimization_milestone_summary.md")
    item = starting(doc, "后续会Paddle-TRT方向会持续参与")  # under "**3. 下一步计划**"
    assert item.found_by == "bold-label"


def test_a_hard_wrapped_plan_paragraph_is_one_item() -> None:
    doc = parse("paddle-community__code_style_flake8_milestone_summary.md")  # five lines
    item = starting(doc, "后续会考虑和社区开发者一起升级&引入更多的代码风格检查工具")
    assert item.action.endswith("进一步提升飞桨代码阅读与开发的便利性！")
    assert len(doc.items) == 1


def test_a_programme_named_plan_is_not_a_plan_heading() -> None:
    # PFCC blog headings: the camp is called 护航计划 / 启航计划 ("escort plan", "launch plan")
    assert not is_action_heading("二、飞桨护航计划集训营")
    assert not is_action_heading("启航计划（社团版）")
    assert is_action_heading("02 - 未来规划")


def test_added_safeguards_headings_say_done() -> None:
    assert heading_status("新增的防护措施") == Status.DONE
    assert heading_status("已添加的防护措施") == Status.DONE
    assert heading_status("下一步计划") is None


def test_a_template_slot_under_an_action_heading_is_not_an_item() -> None:
    doc = parse("learningequality__TEMPLATE.md")  # "<Include any agreed upon … here.>"
    assert doc.items == []


def test_two_paragraphs_under_a_plan_heading_are_prose_not_an_item() -> None:
    text = "## 下一步计划\n\n后续会继续推进。\n\n欢迎大家参与讨论。\n"
    assert parse_text(text, "plan.md").items == []


def test_a_paragraph_that_reports_is_not_a_plan() -> None:
    text = "## 改进措施\n\n本次事故暴露了监控的不足。\n"
    assert parse_text(text, "plan.md").items == []
