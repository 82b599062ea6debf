"""The demo's postmortems, written for tracker (English and Chinese).

Due dates are relative to the day the demo runs, so "overdue" and "due soon" always
mean something in the report; `render_documents` fills them in. The checkout outage's
P1 runbook item has none on purpose: the demo's `[policy]` gives it a derived (SLO) one.
"""

from __future__ import annotations

from datetime import date, timedelta

CHECKOUT_OUTAGE = """\
---
title: "Postmortem: Checkout errors after the payment-gateway certificate rotation"
date: {incident}
severity: SEV1
team: payments
authors: [alice, bob]
---

# Postmortem: Checkout errors after the payment-gateway certificate rotation

**Date**: {incident}
**Severity**: SEV1
**Duration**: 47 minutes

## Summary

A rotated client certificate was deployed to the payment gateway before the partner
trusted it. 18% of checkout attempts failed until the old certificate was restored.

## Timeline

| Time (UTC) | Event |
|------------|-------|
| 09:12 | Certificate rotation deployed |
| 09:19 | Checkout error-rate alert fires |
| 09:59 | Old certificate restored; errors stop |

## Action Items

| Priority | Action | Owner | Due Date | Ticket |
|----------|--------|-------|----------|--------|
| P0 | Alert when the partner rejects our client certificate | @alice | {overdue} | |
| P1 | Stage certificate rotations behind a canary gateway | Bob Brown | {soon} | |
| P1 | Add the partner's trust-store update to the rotation runbook | TBD | | |
| P2 | Dashboard for gateway TLS handshake failures by partner | chen@example.com | {later} | |
"""

DNS_INCIDENT = """\
---
team: platform
severity: SEV2
---

# Incident review: Internal DNS resolver saturation

**Date**: {incident}
**Authors**: Chen Wei

## What happened

A misconfigured batch job issued 40k DNS queries per second against the internal
resolvers; service discovery timed out for 22 minutes.

## Action items

| Action | Owner | Due Date | Priority | Status |
|--------|-------|----------|----------|--------|
| Rate-limit DNS queries per client at the resolver | @chen | {overdue} | High | 🔄 In Progress |
| Cache service-discovery answers in the sidecar | @bob | {soon} | Medium | 📋 Planned |
| Page the platform on-call for resolver saturation | @alice | {later} | High | 📋 Planned |
| Document the batch job's DNS budget | Dana Fox | {later} | Low | 📋 Planned |
"""

SEARCH_LAG = """\
---
team: search
severity: SEV3
---

# Postmortem: Search index lagging behind by six hours

**Date**: {incident}

## Impact

New products did not appear in search results for up to six hours.

## Follow-ups

- [ ] Alert when indexing lag exceeds 15 minutes — owner: @bob, due: {overdue}
- [ ] Replay dead-lettered index updates automatically — owner: @alice, due: {later}
- [ ] Load-test the indexer with a full catalogue rebuild — owner: TBD
"""

DATABASE_FAILOVER_ZH = """\
---
team: storage
severity: SEV1
---

# 事后分析: 订单数据库主从切换失败

**日期**: {incident}
**严重级别**: SEV1

## 概述

主库磁盘写满后自动切换未能完成，订单服务只读 35 分钟。

## 时间线

| 时间 | 事件 |
|------|------|
| 14:02 | 主库磁盘使用率 100% |
| 14:05 | 自动切换开始，从库复制延迟过大，切换中止 |
| 14:37 | 手动提升从库，服务恢复 |

## 行动项

| 优先级 | 行动项 | 负责人 | 截止日期 | 工单 |
|--------|--------|--------|----------|------|
| 高 | 磁盘使用率超过 85% 时告警 | 陈伟 | {overdue_zh} | |
| 高 | 复制延迟超过阈值时阻止自动切换并通知值班 | @alice | {soon_zh} | |
| 中 | 每季度演练一次主从切换 | 待定 | {later_zh} | |
"""

PAGING_OUTAGE = """\
---
team: observability
severity: SEV2
---

# Postmortem: Pages lost while the paging provider was degraded

**Date**: {incident}

## Summary

The paging provider accepted our alerts but delivered none for 40 minutes; nobody was
paged for the two alerts that fired meanwhile.

## Action items

- [ ] Page the secondary provider when deliveries stall — owner: @alice, due: {soon}
- [ ] Alert when no page is acknowledged within 30 minutes — owner: @chen, due: {overdue}
- [ ] Run an end-to-end paging test every month — owner: @bob, due: {later}
"""

# Filed in GitLab (the observability team's target) when tracker-gitlab is installed.
GITLAB_DOCUMENTS = {"2026-observability-paging-outage.md": PAGING_OUTAGE}

DOCUMENTS = {
    "2026-payments-checkout-certificate.md": CHECKOUT_OUTAGE,
    "2026-platform-dns-saturation.md": DNS_INCIDENT,
    "2026-search-index-lag.md": SEARCH_LAG,
    "2026-storage-database-failover-zh.md": DATABASE_FAILOVER_ZH,
}


def _zh(day: date) -> str:
    return f"{day.year}年{day.month}月{day.day}日"


def render_documents(today: date, *, gitlab: bool = False) -> dict[str, str]:
    """The demo documents with due dates placed around `today` (with the GitLab team's
    when `gitlab`)."""
    days = {
        "incident": today - timedelta(days=30),
        "overdue": today - timedelta(days=5),
        "soon": today + timedelta(days=3),
        "later": today + timedelta(days=30),
    }
    values = {name: day.isoformat() for name, day in days.items()}
    values |= {f"{name}_zh": _zh(day) for name, day in days.items()}
    documents = DOCUMENTS | (GITLAB_DOCUMENTS if gitlab else {})
    return {name: text.format(**values) for name, text in documents.items()}
