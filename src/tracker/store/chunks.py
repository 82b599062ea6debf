"""Long `IN (...)` lists cut into pieces every database accepts.

SQLite binds at most 32,766 parameters a statement (999 before 3.32) and PostgreSQL
65,535; 500 values a statement stays far under both, whatever else the statement binds.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import TypeVar

IN_CHUNK = 500

T = TypeVar("T")


def chunks(values: Sequence[T], size: int = IN_CHUNK) -> Iterator[Sequence[T]]:
    """`values` in consecutive slices of at most `size` (none for an empty sequence)."""
    for start in range(0, len(values), size):
        yield values[start : start + size]
