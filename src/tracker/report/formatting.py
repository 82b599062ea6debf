"""Number and date formatting shared by the human-facing renderers (table, Markdown, HTML)."""

from __future__ import annotations

from datetime import date

NONE_MARK = "—"


def percent(rate: float | None) -> str:
    """A rate as `50.0%`; a dash when it is undefined (nothing left to complete)."""
    return NONE_MARK if rate is None else f"{rate * 100:.1f}%"


def days(value: float | None) -> str:
    return NONE_MARK if value is None else f"{value:.1f}"


def iso(value: date | None) -> str:
    return NONE_MARK if value is None else value.isoformat()


def due(value: date | None, derived: bool) -> str:
    """A due date; one derived from the [policy] SLO (not written) is marked `(SLO)`."""
    return f"{iso(value)} (SLO)" if derived and value is not None else iso(value)


def owners(names: tuple[str, ...]) -> str:
    return ", ".join(names) if names else NONE_MARK


def more_note(hidden: int) -> str:
    """What a view listing only the first items of a list says about the rest."""
    return f"… and {hidden:,} more; --format json for all"
