"""How much one document may cost: a size limit and a parse-time budget.

Parsing is linear in the document's size, but one pasted log or a generated file can
still be huge, and a scan must never stall a pull-request lint or the nightly run that
holds the lock. A document over `max_bytes` is not parsed; a parse that runs past
`timeout` seconds stops at its next block or table row. Either way the document gives
one `file:line` warning and no items, and the scan moves on.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

DEFAULT_MAX_BYTES = 2_000_000
DEFAULT_TIMEOUT = 10.0


@dataclass(frozen=True, slots=True)
class Limits:
    """Per-document limits; 0 (or less) turns one off."""

    max_bytes: int = DEFAULT_MAX_BYTES
    timeout: float = DEFAULT_TIMEOUT


DEFAULT_LIMITS = Limits()


class BudgetExceeded(Exception):
    """The parse of one document ran past its time budget (caught by the parser)."""

    def __init__(self, line: int) -> None:
        super().__init__(line)
        self.line = line  # 1-based line the parse had reached


class Clock:
    """A deadline checked between blocks and rows: `check(line)` raises once it is past."""

    def __init__(self, timeout: float) -> None:
        self.timeout = timeout
        self.deadline = time.monotonic() + timeout if timeout > 0 else None

    def check(self, line: int) -> None:
        if self.deadline is not None and time.monotonic() > self.deadline:
            raise BudgetExceeded(line)


def too_large_message(size: int, limits: Limits) -> str:
    return (
        f"document is {size:,} bytes, over the {limits.max_bytes:,}-byte limit; skipped "
        "(raise [documents].max_document_bytes to read it)"
    )


def timeout_message(line: int, limits: Limits) -> str:
    return (
        f"parsing took over {limits.timeout:g} s (stopped at line {line}); skipped "
        "(raise [documents].parse_timeout_seconds to read it)"
    )
