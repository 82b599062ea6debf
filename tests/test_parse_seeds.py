"""The seeds' templates: the English and Chinese copies give the same items.

The fixtures are cut-down copies of the two guides the project grew from (wshobson's
postmortem-writing, in English and in Chinese, and patricio's postmortem-writer with a
Status column), keeping the distractors: the timeline table, "what went well" lists,
the 5-whys lists and the systemic-improvements table. The last test reads the English
guide as published (tests/corpus/seeds, MIT; see tests/corpus/SOURCES.md).
"""

from __future__ import annotations

from datetime import date

from tests.conftest import CORPUS_DIR
from tracker.model import ActionItem, Postmortem, Status
from tracker.parse import parse_text

ENGLISH = """\
# Postmortem: [Incident Title]

**Date**: 2024-01-15
**Authors**: @alice, @bob
**Status**: Draft | In Review | Final
**Incident Severity**: SEV2
**Incident Duration**: 47 minutes

## Timeline (All times UTC)

| Time | Event |
| ----- | ----------------------------------------------- |
| 14:23 | Deployment v2.3.4 completed to production |
| 14:33 | On-call engineer @alice acknowledges alert |

## Root Cause Analysis

3. **5 Whys Analysis**:
- Why did the service fail? → Database connections exhausted

## Lessons Learned

### What Went Well

1. Alerting detected the issue before customer reports
2. Team collaborated effectively under pressure

## Action Items

| Priority | Action | Owner | Due Date | Ticket |
|----------|--------|-------|----------|--------|
| P0 | Add integration test for connection pool behavior | @alice | 2024-01-22 | ENG-1234 |
| P0 | Lower database connection alert threshold to 70% | @bob | 2024-01-17 | OPS-567 |
| P1 | Document connection management patterns | @alice | 2024-01-29 | DOC-89 |
| P1 | Implement deployment-correlated alerting | @bob | 2024-02-05 | OPS-568 |
| P2 | Evaluate canary deployment strategy | @charlie | 2024-02-15 | ENG-1235 |
| P2 | Load test staging with production-like traffic | @dave | 2024-02-28 | QA-123 |

## Systemic Improvements

| Root Cause | Improvement | Type |
| ------------- | --------------------------------- | ---------- |
| Missing tests | Add infrastructure behavior tests | Prevention |
| No canary | Implement canary deployments | Mitigation |
"""

CHINESE = """\
# 事后分析:[事件标题]

**日期**: 2024-01-15
**作者**: @alice, @bob
**状态**: 草案 | 审核中 | 终稿
**事件严重性**: SEV2
**事件持续时间**: 47 分钟

## 时间线(所有时间均为 UTC)

| 时间 | 事件 |
| ----- | ----------------------------------------------- |
| 14:23 | 部署 v2.3.4 到生产环境完成 |
| 14:33 | 值班工程师 @alice 确认告警 |

## 根本原因分析

3. **5个为什么分析**:
- 为什么服务失败? → 数据库连接耗尽

## 经验教训

### 做得好的地方

1. 告警在客户报告之前检测到问题
2. 团队在压力下有效协作

## 行动项

| 优先级 | 行动项 | 负责人 | 截止日期 | 工单 |
|----------|--------|-------|----------|--------|
| P0 | 为连接池行为添加集成测试 | @alice | 2024-01-22 | ENG-1234 |
| P0 | 将数据库连接告警阈值降低到 70% | @bob | 2024-01-17 | OPS-567 |
| P1 | 记录连接管理模式 | @alice | 2024-01-29 | DOC-89 |
| P1 | 实施部署关联告警 | @bob | 2024-02-05 | OPS-568 |
| P2 | 评估金丝雀部署策略 | @charlie | 2024-02-15 | ENG-1235 |
| P2 | 使用类生产流量对预发布环境进行负载测试 | @dave | 2024-02-28 | QA-123 |

## 系统性改进

| 根本原因 | 改进措施 | 类型 |
| ------------- | --------------------------------- | ---------- |
| 缺少测试 | 添加基础设施行为测试 | 预防 |
| 无金丝雀 | 实施金丝雀部署 | 缓解 |
"""

STATUS_TEMPLATE = """\
# Postmortem: API Outage - Database Connection Pool Exhausted

**Date:** 2024-01-15
**Authors:** Jane Doe (On-call), John Smith (DBA)
**Status:** Complete
**Severity:** P1 (Critical)

## What Went Well

1. ✅ **Fast detection:** Alert fired within 3 minutes

## Action Items

| Action                                        | Owner   | Due Date   | Priority | Status         |
| --------------------------------------------- | ------- | ---------- | -------- | -------------- |
| Add connection pool metrics to dashboards     | Jane    | 2024-01-20 | P0       | ✅ Done        |
| Extend load tests to 30 minutes minimum       | QA Team | 2024-01-25 | P1       | 🔄 In Progress |
| Implement canary deployment (10% → 100%)      | DevOps  | 2024-02-01 | P1       | 📋 Planned     |

## Prevention

To prevent similar incidents:

1. ✅ Add connection management to code review checklist
2. ✅ Monitor connection pool utilization
"""


def fields(item: ActionItem) -> tuple[object, ...]:
    """Everything but the (translated) action text."""
    tickets = tuple(ref.key for ref in item.tickets)
    return (item.line, tuple(item.owners), item.due, item.priority, item.status, tickets)


def parse(text: str) -> Postmortem:
    return parse_text(text, "seed.md")


def test_english_seed_lists_the_six_action_table_rows() -> None:
    items = parse(ENGLISH).items
    assert [item.action for item in items] == [
        "Add integration test for connection pool behavior",
        "Lower database connection alert threshold to 70%",
        "Document connection management patterns",
        "Implement deployment-correlated alerting",
        "Evaluate canary deployment strategy",
        "Load test staging with production-like traffic",
    ]
    assert fields(items[0]) == (
        32,
        ("@alice",),
        date(2024, 1, 22),
        "P0",
        Status.OPEN,
        ("ENG-1234",),
    )


def test_chinese_seed_gives_the_same_items_as_the_english_one() -> None:
    english, chinese = parse(ENGLISH), parse(CHINESE)
    assert [fields(i) for i in chinese.items] == [fields(i) for i in english.items]
    assert chinese.items[0].action == "为连接池行为添加集成测试"


def test_seed_metadata_in_both_languages() -> None:
    for doc in (parse(ENGLISH), parse(CHINESE)):
        assert (doc.date, doc.severity, doc.authors) == (
            date(2024, 1, 15),
            "SEV2",
            ["@alice", "@bob"],
        )
    assert parse(ENGLISH).title == "[Incident Title]"
    assert parse(CHINESE).title == "[事件标题]"


def test_seed_languages() -> None:
    assert (parse(ENGLISH).language, parse(CHINESE).language) == ("en", "zh")


def test_status_template_reads_emoji_statuses_and_the_prevention_list() -> None:
    doc = parse(STATUS_TEMPLATE)
    assert [(i.kind, i.status, i.owners) for i in doc.items] == [
        ("table", Status.DONE, ["Jane"]),
        ("table", Status.IN_PROGRESS, ["QA Team"]),
        ("table", Status.OPEN, ["DevOps"]),
        ("list", Status.DONE, []),
        ("list", Status.DONE, []),
    ]
    assert doc.items[3].action == "Add connection management to code review checklist"
    assert (doc.severity, doc.authors) == ("P1 (Critical)", ["Jane Doe", "John Smith"])


def test_the_seed_guides_meeting_agenda_gives_no_action_items() -> None:
    seed = CORPUS_DIR / "seeds" / "wshobson-postmortem-writing.en.txt"
    doc = parse_text(seed.read_bytes(), seed.name)
    agenda = ("Brainstorm improvements", "Prioritize by impact", "Confirm action item owners")
    assert not [i.action for i in doc.items if i.action.startswith(agenda)]
    assert [i.action for i in doc.items if i.action.startswith("Add integration test")] == [
        "Add integration test for connection pool behavior"
    ]
