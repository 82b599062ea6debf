"""Which headings introduce action items, and which end them.

A heading is normalised (numbering such as `7.`, `四、`, `5.3` and emoji removed,
lower-cased) and matched against English and Chinese phrases seen in real postmortems.
Parenthesised parts are ignored: `行动项（Action Items）` is read as `行动项`, and
`预防（Prevention）` (a field list in a Chinese template) is not an action heading.
"""

from __future__ import annotations

import re

from tracker.model import Status
from tracker.parse.scan import drop_parenthesised
from tracker.parse.values import plain

# `7.`, `5.3`, `02 - ` (PFCC blog), `四、`, `iv.`, `a)`
_NUMBERING = re.compile(
    r"^(?:\d+(?:\.\d+)*(?:[.)、]|\s*+-(?=\s))?|[一二三四五六七八九十]+[、.)]|[ivx]+\.|[a-z]\))\s*",
    re.IGNORECASE,
)
_SYMBOLS = re.compile(r"[^\w\s()（）&'’/:,.-]")

_ACTION_EN = re.compile(
    r"""^(?:
        action[ -]?items?(?:\s*(?:&|and)\s*follow[- ]?ups?)?
      | actions?(?:\s+plan)?
      | action\s+plan
      | follow[- ]?ups?(?:\s+(?:actions?|tasks?|items?))?
      | remediation(?:\s+(?:items?|actions?|plan))?
      | (?:corrective|preventive|preventative)(?:\s+(?:and|&)\s+(?:corrective|preventive|preventative))?
        \s+(?:actions?|measures?|action\s+items?)
      | prevention(?:\s+(?:actions?|measures?|items?))?
      | next\s+steps?
      | recommendations?
      | (?:immediate|planned|short[- ]term|medium[- ]term|long[- ]term|future)\s+(?:actions?|fix(?:es)?|improvements?|items?)
      | how\s+are\s+we\s+preventing\s+it\s+from\s+happening\s+again
      | to[- ]?dos?
      | future\s+work | (?:lessons\s+learned\s+and\s+)?future\s+improvements?
      | improvements? | remediations | follow[- ]?up\s+items?
      | what\s+we(?:'ll|’ll|\s+will|\s+are\s+going\s+to|\s+are)?\s+(?:do|doing)
        (?:\s+(?:about\s+it|next|to\s+prevent\s+(?:it|this|recurrence)))?
    )$""",
    re.VERBOSE,
)
# Chinese wording seen in real documents: incident postmortems (改进措施, 预防措施, 整改,
# "新增的防护措施" / "已添加的防护措施" in DeepSeek Harness) and project retrospectives
# (下一步计划, 未来计划, "02 - 未来规划" in PaddlePaddle and PFCC). A programme's name
# such as 护航计划 or 启航计划 is not a plan heading: plan words need their qualifier.
_ACTION_ZH = re.compile(
    r"行动项|改进措施|后续行动|改进行动|改进项|整改|行动计划|待办|预防措施|跟进事项|改进计划"
    r"|后续改进|后续跟进|改进方案|优化措施|跟进项|防护措施"
    r"|(?:后续|下一步|未来|下阶段|下一阶段)(?:计划|规划|行动|工作)"
)
_NOT_ACTION = re.compile(
    r"timeline|lessons?|what went|went well|went wrong|got lucky|impact|root cause|summary|"
    r"background|detection|response|appendix|supporting|glossary|notes?\b|verification|"
    r"criteria|时间线|经验|教训|根因|根本原因|影响|摘要|背景|附录|完成标准|验收|做得"
)
# `### 4. Action Items (15 min)`, `### 4. 行动项（15 分钟）`: a meeting agenda's time slot,
# whose bullets are what to discuss, not action items. Minutes only: "Immediate actions
# (24 hours)" is a deadline for real actions.
_DURATION = re.compile(
    r"[(（]\s*+(?:(?:~|约|大约)\s*+)?\d++\s*+(?:[-–~]\s*+\d++\s*+)?"
    r"(?:min(?:ute)?s?\.?|分钟)\s*+[)）]",
    re.IGNORECASE,
)
# "Safeguards added" (已添加的 / 新增的防护措施) are in place: done.
_DONE_HINT = re.compile(r"\bcompleted?\b|\bdone\b|已(?:完成|添加|新增|落实|实施)|新增的")
_OPEN_HINT = re.compile(r"\bplanned\b|\bpending\b|\bin[- ]progress\b|待实施|计划中")


def normalise_heading(text: str) -> str:
    heading = plain(text).casefold().strip()
    heading = _SYMBOLS.sub(" ", heading).strip()
    heading = _NUMBERING.sub("", heading).strip()
    return heading.rstrip(" :：").strip()


def is_action_heading(text: str) -> bool:
    """`Action Items`, `Follow-ups`, `Remediation`, `改进措施`, `## 7. 行动项（Action Items）` …"""
    heading = normalise_heading(text)
    if not heading or is_agenda_heading(text):
        return False
    if _ACTION_ZH.search(heading):
        return True
    main = drop_parenthesised(heading, space_before=False).strip()
    return bool(main) and _ACTION_EN.match(main) is not None


def is_agenda_heading(text: str) -> bool:
    """A heading with a time slot, `Action Items (15 min)` / `行动项（15分钟）`: an agenda item."""
    return _DURATION.search(text) is not None


def is_non_action_heading(text: str) -> bool:
    """Sub-headings that end an action section (`Timeline`, `Lessons learned`, `经验教训` …)."""
    if is_agenda_heading(text):
        return True
    return _NOT_ACTION.search(normalise_heading(text)) is not None


def heading_status(text: str) -> Status | None:
    """`Immediate actions (completed)` → done; `Planned actions` → open; otherwise None."""
    heading = normalise_heading(text)
    if _DONE_HINT.search(heading):
        return Status.DONE
    if _OPEN_HINT.search(heading):
        return Status.OPEN
    return None
