"""Cell text → normalised values: status, due date, owners, priority.

Every function takes the text as written (Markdown included) and never raises: an
unrecognised value comes back as None (or `recognised=False` for dates) so the caller
can attach a warning with the file and line.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping
from datetime import date

from tracker.model import Status
from tracker.parse.scan import drop_parenthesised, unlink

# ---------------------------------------------------------------- markdown stripping

_EMPHASIS = re.compile(r"\*\*|__|~~|[*`]")
_HTML_BREAK = re.compile(r"<br\s*/?>", re.IGNORECASE)
_SPACES = re.compile(r"\s+")


def plain(text: str) -> str:
    """Markdown cell text without links' targets, emphasis markers and `<br>`s."""
    if "[" in text:
        text = unlink(text)
    if "<" in text:
        text = _HTML_BREAK.sub(" ", text)
    text = _EMPHASIS.sub("", text).replace("\\", "")
    return _SPACES.sub(" ", text).strip()


def _without_symbols(text: str) -> str:
    """Drop emoji, variation selectors and other symbols; keep letters, digits, CJK."""
    return "".join(c for c in text if unicodedata.category(c) not in ("So", "Sk", "Cf", "Mn", "Co"))


# ---------------------------------------------------------------- status

STATUS_EMOJI: dict[str, Status] = {
    "✅": Status.DONE,
    "✔": Status.DONE,
    "☑": Status.DONE,
    "🟢": Status.DONE,
    "🔄": Status.IN_PROGRESS,
    "⏳": Status.IN_PROGRESS,
    "🚧": Status.IN_PROGRESS,
    "🟡": Status.IN_PROGRESS,
    "📋": Status.OPEN,
    "📅": Status.OPEN,
    "☐": Status.OPEN,
    "□": Status.OPEN,
    "🔴": Status.OPEN,
    "⚠": Status.OPEN,
    "❌": Status.WONT_DO,
    "🚫": Status.WONT_DO,
}

_STATUS_WORDS: dict[str, Status] = {}
for _status, _words in {
    Status.DONE: (
        "done",
        "complete",
        "completed",
        "closed",
        "fixed",
        "resolved",
        "finished",
        "shipped",
        "merged",
        "landed",
        "implemented",
        "deployed",
        "released",
        "[x]",
        "已完成",
        "完成",
        "已落实",
        "已解决",
        "已关闭",
        "已修复",
        "已上线",
        "已落地",
        "已实施",
        "已处理",
    ),
    Status.IN_PROGRESS: (
        "in progress",
        "in-progress",
        "inprogress",
        "wip",
        "ongoing",
        "started",
        "doing",
        "active",
        "in review",
        "in-review",
        "under review",
        "partially done",
        "partial",
        "recurring",
        "进行中",
        "处理中",
        "部分完成",
        "实施中",
        "开发中",
        "修复中",
        "跟进中",
        "测试中",
    ),
    Status.OPEN: (
        "open",
        "todo",
        "to do",
        "to-do",
        "planned",
        "not started",
        "pending",
        "backlog",
        "proposed",
        "recommended",
        "new",
        "deferred",
        "blocked",
        "failed",
        "on hold",
        "[ ]",
        "[]",
        "计划中",
        "未开始",
        "待办",
        "待处理",
        "待部署",
        "待讨论",
        "讨论中",
        "待实施",
        "未完成",
        "待定",
        "待确认",
        "待开始",
        "挂起",
    ),
    Status.WONT_DO: (
        "won't do",
        "wont do",
        "won't fix",
        "wont fix",
        "wontfix",
        "will not do",
        "not doing",
        "cancelled",
        "canceled",
        "dropped",
        "rejected",
        "obsolete",
        "declined",
        "abandoned",
        "superseded",
        "不做",
        "不修复",
        "取消",
        "已取消",
        "放弃",
        "已放弃",
        "关闭不做",
    ),
}.items():
    for _word in _words:
        _STATUS_WORDS[_word] = _status
_STATUS_BY_LENGTH = sorted(_STATUS_WORDS.items(), key=lambda kv: -len(kv[0]))


def _normalise_word(text: str) -> str:
    return plain(text).replace("’", "'").casefold().strip(" .:;,!-—–()（）")


def parse_status(text: str, status_words: Mapping[str, str] | None = None) -> Status | None:
    """`✅ Done`, `**TODO**`, `[x]`, `WIP`, `Open ([#53](…))`, `已完成` … → Status.

    Custom words (from config) win; then the built-in vocabulary, matched whole or as
    the cell's leading phrase; then a status emoji anywhere in the cell. Empty → None.
    """
    word = _normalise_word(text)
    if not word:
        return None
    if status_words:
        for custom, value in status_words.items():
            if _normalise_word(custom) == word:
                return Status(value)
    bare = _without_symbols(word).strip(" .:;,!-—–()（）")
    for candidate in (word, bare):
        if candidate in _STATUS_WORDS:
            return _STATUS_WORDS[candidate]
    for phrase, status in _STATUS_BY_LENGTH:
        if bare.startswith(phrase):
            rest = bare[len(phrase) : len(phrase) + 1]
            if not rest or not (rest.isascii() and rest.isalnum()):
                return status
    for char in text:
        if char in STATUS_EMOJI:
            return STATUS_EMOJI[char]
    return None


def status_word(text: str) -> Status | None:
    """The status `text` names when it is one status word or phrase as a whole (`DONE`,
    `in progress`, `won't fix`); None for anything longer (`active monitoring`)."""
    return _STATUS_WORDS.get(_normalise_word(text))


_CJK_CHAR = re.compile(r"[\u4e00-\u9fff]")
_STATUS_EMOJI_STYLE = {
    Status.DONE: "✅",
    Status.IN_PROGRESS: "🔄",
    Status.OPEN: "📋",
    Status.WONT_DO: "❌",
}
_STATUS_TEXT = {
    "en": {
        Status.DONE: "Done",
        Status.IN_PROGRESS: "In Progress",
        Status.OPEN: "Open",
        Status.WONT_DO: "Won't Do",
    },
    "en-emoji": {
        Status.DONE: "Done",
        Status.IN_PROGRESS: "In Progress",
        Status.OPEN: "Planned",
        Status.WONT_DO: "Won't Do",
    },
    "en-caps": {
        Status.DONE: "DONE",
        Status.IN_PROGRESS: "IN PROGRESS",
        Status.OPEN: "TODO",
        Status.WONT_DO: "WON'T DO",
    },
    "zh": {
        Status.DONE: "已完成",
        Status.IN_PROGRESS: "进行中",
        Status.OPEN: "计划中",
        Status.WONT_DO: "不做",
    },
}


def render_status(status: Status, *, like: str | None, language: str) -> str:
    """Write `status` in the style of the cell it replaces (`like`) and the table's language.

    Emoji style (`✅ Done`, `🔄 In Progress`, `📋 Planned`) stays emoji; Chinese tables get
    已完成/进行中/计划中/不做; `**TODO**`-style upper case and bold are kept; otherwise plain
    Done/In Progress/Open/Won't Do.
    """
    like = (like or "").strip()
    bold = like.startswith("**") and like.endswith("**") and len(like) > 4
    letters = plain(like)
    emoji = any(char in STATUS_EMOJI for char in like)
    if language == "zh" or _CJK_CHAR.search(like):
        word = _STATUS_TEXT["zh"][status]
    elif emoji:
        word = _STATUS_TEXT["en-emoji"][status]
    elif letters.isascii() and any(c.isalpha() for c in letters) and letters.upper() == letters:
        word = _STATUS_TEXT["en-caps"][status]
    else:
        word = _STATUS_TEXT["en"][status]
    if emoji:
        word = f"{_STATUS_EMOJI_STYLE[status]} {word}"
    return f"**{word}**" if bold else word


# ---------------------------------------------------------------- due dates

_MONTHS = {
    name: number
    for number, names in enumerate(
        (
            ("jan", "january"),
            ("feb", "february"),
            ("mar", "march"),
            ("apr", "april"),
            ("may",),
            ("jun", "june"),
            ("jul", "july"),
            ("aug", "august"),
            ("sep", "sept", "september"),
            ("oct", "october"),
            ("nov", "november"),
            ("dec", "december"),
        ),
        start=1,
    )
    for name in names
}
_YMD = re.compile(r"(?<!\d)(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})(?!\d)")
_YMD_ZH = re.compile(r"(\d{4})\s*年\s*(\d{1,2})\s*月\s*(\d{1,2})\s*[日号]?")
_MONTH_DAY_YEAR = re.compile(
    r"\b([A-Za-z]{3,9})\.?\s+(\d{1,2})(?:st|nd|rd|th)?,?\s+(\d{4})\b", re.IGNORECASE
)
_DAY_MONTH_YEAR = re.compile(
    r"\b(\d{1,2})(?:st|nd|rd|th)?\s+([A-Za-z]{3,9})\.?,?\s+(\d{4})\b", re.IGNORECASE
)
_NUMERIC_DMY = re.compile(r"(?<!\d)(\d{1,2})[./](\d{1,2})[./](\d{4})(?!\d)")
_STRUCK = re.compile(r"~~.*?~~")
_NO_DATE = frozenset(
    {
        "",
        "tbd",
        "tba",
        "tbc",
        "-",
        "—",
        "–",
        "?",
        "n/a",
        "na",
        "none",
        "todo",
        "unknown",
        "待定",
        "待确认",
        "无",
        "未定",
    }
)
_DATE_PLACEHOLDER = re.compile(r"^[ymd]{1,4}([-/.年月日][ymd]{1,4}){2}日?$", re.IGNORECASE)


def _safe_date(year: int, month: int, day: int) -> date | None:
    try:
        return date(year, month, day)
    except ValueError:
        return None


def parse_due(text: str) -> tuple[date | None, bool]:
    """A due cell → (date, recognised).

    ISO `2024-01-22`, `2024/01/22`, `Jan 22 2024`, `Jan 22, 2024`, `22 Jan 2024`,
    `2024年1月22日`, `22.01.2024`/`22/01/2024` (day first, as in the corpus; unambiguous
    month-first dates like `01/22/2024` are read month-first). Empty, TBD, 待定 and
    `YYYY-MM-DD` placeholders → (None, True); anything else → (None, False).
    """
    if "~~" in text:
        text = _STRUCK.sub("", text)
    cleaned = plain(text)
    if cleaned.casefold() in _NO_DATE or _DATE_PLACEHOLDER.match(cleaned):
        return None, True
    match = _YMD.search(cleaned)
    if match:
        value = _safe_date(int(match[1]), int(match[2]), int(match[3]))
        return value, value is not None
    match = _YMD_ZH.search(cleaned)
    if match:
        value = _safe_date(int(match[1]), int(match[2]), int(match[3]))
        return value, value is not None
    match = _MONTH_DAY_YEAR.search(cleaned)
    if match and match[1].casefold() in _MONTHS:
        value = _safe_date(int(match[3]), _MONTHS[match[1].casefold()], int(match[2]))
        return value, value is not None
    match = _DAY_MONTH_YEAR.search(cleaned)
    if match and match[2].casefold() in _MONTHS:
        value = _safe_date(int(match[3]), _MONTHS[match[2].casefold()], int(match[1]))
        return value, value is not None
    match = _NUMERIC_DMY.search(cleaned)
    if match:
        first, second, year = int(match[1]), int(match[2]), int(match[3])
        if first <= 12 < second:
            first, second = second, first
        value = _safe_date(year, second, first)
        return value, value is not None
    return None, False


# ---------------------------------------------------------------- owners

_NOBODY = frozenset(
    {
        "",
        "tbd",
        "tba",
        "tbc",
        "?",
        "??",
        "-",
        "—",
        "–",
        "n/a",
        "na",
        "none",
        "nobody",
        "todo",
        "unassigned",
        "unowned",
        "owner",
        "owners",
        "name",
        "someone",
        "待定",
        "待确认",
        "无",
        "未定",
    }
)
_PLACEHOLDER = re.compile(r"^(\[[^\]]*\]|\{\{.*\}\}|<[^>]*>)$")
_OWNER_SEPARATOR = re.compile(r"\s*(?:[,;，；、/&+\n]|\band\b|和)\s*")
# `<b>@eve</b>`: inline HTML around a name; its `/` must not split the name in two.
_HTML_TAG = re.compile(r"</?[A-Za-z][\w-]*(?:\s[^<>]*)?/?>")


def parse_owners(text: str) -> list[str]:
    """`@alice, Jane Doe (On-call)`, `Magnus/Claude`, `QA Team`, e-mails → names.

    Empty, TBD, `?`, `-`, N/A, 待定 and template placeholders (`[Name]`, `{{owner}}`) mean
    nobody owns the item. Parenthesised roles are dropped.
    """
    if "mailto:" in text:
        text = unlink(text, images=False, target_prefix="mailto:")
    if "<" in text:
        text = _HTML_TAG.sub(lambda tag: " / " if tag[0][:3].lower() == "<br" else "", text)
    cleaned = plain(text)
    if cleaned.casefold() in _NOBODY or _PLACEHOLDER.match(cleaned):
        return []
    cleaned = drop_parenthesised(cleaned)
    owners: list[str] = []
    for part in _OWNER_SEPARATOR.split(cleaned):
        name = part.strip(" .:")
        if name.casefold() in _NOBODY or _PLACEHOLDER.match(name) or name in owners:
            continue
        owners.append(name)
    return owners


# ---------------------------------------------------------------- priority

_P_LEVEL = re.compile(r"\bP\s?([0-4])\b", re.IGNORECASE)
_SEV_LEVEL = re.compile(r"\bSEV[-\s]?([0-4])\b", re.IGNORECASE)
_PRIORITY_WORDS = {
    "blocker": "P0",
    "critical": "P0",
    "urgent": "P0",
    "highest": "P0",
    "紧急": "P0",
    "最高": "P0",
    "high": "P1",
    "高": "P1",
    "medium": "P2",
    "normal": "P2",
    "moderate": "P2",
    "med": "P2",
    "中": "P2",
    "low": "P3",
    "低": "P3",
    "lowest": "P4",
    "trivial": "P4",
    "minor": "P4",
    "最低": "P4",
}


def parse_priority(text: str) -> str | None:
    """`P0`…`P4`, `SEV1`…`SEV4` (SEVn → Pn), Critical/High/Medium/Low, 高/中/低 → `P0`…`P4`."""
    cleaned = plain(text)
    if not cleaned:
        return None
    match = _P_LEVEL.search(cleaned)
    if match:
        return f"P{match[1]}"
    match = _SEV_LEVEL.search(cleaned)
    if match:
        return f"P{match[1]}"
    word = _without_symbols(cleaned).casefold().strip(" .:()（）")
    if word in _PRIORITY_WORDS:
        return _PRIORITY_WORDS[word]
    first = word.split(" ", 1)[0] if word else ""
    if first in _PRIORITY_WORDS:
        return _PRIORITY_WORDS[first]
    for zh in ("紧急", "最高", "最低", "高", "中", "低"):
        if word.startswith(zh):
            return _PRIORITY_WORDS[zh]
    return None
