"""Document metadata, wherever real postmortems state it.

YAML front matter, the seeds' bold `**Date**:` lines, a two-column key/value table near
the top (`| Date | 2022-04-20 |`), a `## Date` / `## Severity` section's first line, and
the H1 title.
"""

from __future__ import annotations

import re
from datetime import date, datetime
from typing import Any

import yaml

from tracker.parse.values import parse_due, parse_owners, plain

try:  # libyaml is ~10x faster; fall back to the pure-Python loader.
    _Loader: Any = yaml.CSafeLoader
except AttributeError:  # pragma: no cover
    _Loader = yaml.SafeLoader

_TITLE_PREFIX = re.compile(
    r"^(?:quick\s+|blameless\s+)?(?:post[- ]?mortem|incident\s+(?:review|report|postmortem|retrospective)|"
    r"rca|retrospective|事后分析|事后复盘|事故复盘|故障复盘|复盘|事故报告|故障报告)\s*[:：]\s*",
    re.IGNORECASE,
)
_NUMBERING = re.compile(r"^(?:\d+(?:\.\d+)*[.)、]?|[一二三四五六七八九十]+[、.])\s*")
_DAY_RANGE = re.compile(r"\b([A-Za-z]{3,9})\.?\s+(\d{1,2})\s*[-–—]\s*\d{1,2},?\s+(\d{4})\b")
_SEVERITY_PLACEHOLDER = re.compile(
    r"^(?:\[.*\]|<.*>|\{\{.*\}\}|(?:sev|p)[-\s]?[nx?]+|tbd|n/?a|-)$", re.IGNORECASE
)
_SEVERITY_LEVEL = re.compile(r"\b(?:sev|p)[-\s]?\d\b", re.IGNORECASE)
_LEADING_BOLD = re.compile(r"^\*\*([^*\n]+)\*\*")
# The label ends on a non-space so the spaces after it are read once, not once per
# label length (quadratic on a long run of spaces).
_BOLD_FIELD = re.compile(r"\*\*([^*\n]{0,39}?[^*\s])\s*+[:：]?\s*+\*\*\s*+[:：]?\s*+([^|\n]*)")

# Label (case-folded, as written in bold or in front matter) → metadata field.
_FIELDS = {
    "date": "date",
    "incident date": "date",
    "日期": "date",
    "事件日期": "date",
    "发生日期": "date",
    "meeting date": "date",
    "会议日期": "date",
    "severity": "severity",
    "incident severity": "severity",
    "sev": "severity",
    "严重性": "severity",
    "事件严重性": "severity",
    "严重程度": "severity",
    "级别": "severity",
    "事故级别": "severity",
    "status": "status",
    "状态": "status",
    "文档状态": "status",
    "authors": "authors",
    "author": "authors",
    "作者": "authors",
    "编写人": "authors",
    "team": "team",
    "owning team": "team",
    "团队": "team",
    "负责团队": "team",
    "title": "title",
    "标题": "title",
}


def strip_title_prefix(title: str) -> str:
    """`Postmortem: API outage` → `API outage`; `事后分析:[事件标题]` → `[事件标题]`."""
    return _TITLE_PREFIX.sub("", title.strip()).strip() or title.strip()


def load_front_matter(text: str) -> dict[str, Any]:
    """Parse YAML front matter; raises yaml.YAMLError, which the caller turns into a warning."""
    data = yaml.load(text, Loader=_Loader)
    return data if isinstance(data, dict) else {}


def bold_fields(paragraph: str) -> dict[str, str]:
    """`**Date**: 2024-01-15 | **Severity**: SEV3` → {"date": "2024-01-15", "severity": "SEV3"}."""
    found: dict[str, str] = {}
    for match in _BOLD_FIELD.finditer(paragraph):
        field = _FIELDS.get(match[1].strip().casefold())
        if field and field not in found:
            found[field] = match[2].strip()
    return found


def label_field(label: str) -> str | None:
    """`Date`, `**Severity**:`, `## 2. 日期` as a key → the metadata field it names."""
    text = plain(label).strip().rstrip(":：").strip()
    text = _NUMBERING.sub("", text).strip()
    return _FIELDS.get(text.casefold())


def pair_value(field: str, value: str) -> str | None:
    """The value of a `| Date | 2024-01-02 |` row or a `## Date` section's first line.

    None when it does not hold the field (a timeline's `| Date | Event |` header, a
    `YYYY-MM-DD` placeholder), so it never hides a real value found later. A value
    that opens with bold (`**Critical** - Complete outage`) is that bold part.
    """
    bold = _LEADING_BOLD.match(value.strip())
    text = bold[1].strip() if bold else plain(value)
    if not text:
        return None
    if field == "date" and as_date(text) is None:
        return None
    return text


def as_date(value: object) -> date | None:
    """A date, or the first day of a range (`January 14-19, 2026`, `2026-08-08 to …`)."""
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if isinstance(value, str):
        found = parse_due(value)[0]
        if found is None and (days := _DAY_RANGE.search(value)) is not None:
            found = parse_due(f"{days[1]} {days[2]}, {days[3]}")[0]
        return found
    return None


def as_severity(value: object) -> str | None:
    """Severity text; a template's placeholder (`SEV-N`, `[SEV-1/SEV-2/…]`) is none."""
    text = as_text(value)
    if text is None or _SEVERITY_PLACEHOLDER.match(text) or len(_SEVERITY_LEVEL.findall(text)) > 1:
        return None
    return text


def as_text(value: object) -> str | None:
    if value is None:
        return None
    text = plain(str(value))
    return text or None


def as_people(value: object) -> list[str]:
    if isinstance(value, list):
        return [person for item in value for person in parse_owners(str(item))]
    if value is None:
        return []
    return parse_owners(str(value))


def front_matter_fields(data: dict[str, Any]) -> dict[str, object]:
    """Front matter keys (any case, English or Chinese) → metadata fields."""
    found: dict[str, object] = {}
    for key, value in data.items():
        field = _FIELDS.get(str(key).strip().casefold())
        if field and field not in found:
            found[field] = value
    return found
