"""Options several commands share, so they read and behave the same everywhere.

Command modules import only this, typer and the standard library at module level:
`tracker --help` must not pay for pydantic, SQLAlchemy or the connectors.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from tracker.errors import TrackerError

if TYPE_CHECKING:
    from tracker.config import Config

CONFIG_ENV = "TRACKER_CONFIG"  # == tracker.config.CONFIG_ENV (a test keeps them equal)

ConfigOption = Annotated[
    Path | None,
    typer.Option(
        "--config",
        "-c",
        envvar=CONFIG_ENV,
        dir_okay=False,
        show_default=False,
        metavar="FILE",
        help="Configuration file (default: ./tracker.toml if present, else built-in defaults).",
    ),
]


def load_config_or_default(path: Path | None) -> Config:
    """The configuration from --config / TRACKER_CONFIG / ./tracker.toml, else defaults.

    Errors are ConfigError (one line, exit 2), which the CLI's `main` prints.
    """
    from tracker.config import load_config

    return load_config(path)


# Days a report or reminder can be judged at: wide enough for any real postmortem, narrow
# enough that "due soon" windows and trends never leave the calendar's range.
EARLIEST_DAY = date(1970, 1, 1)
LATEST_DAY = date(2199, 12, 31)


def parse_day(value: str | None, *, option: str = "--as-of") -> date | None:
    """A YYYY-MM-DD option value, or a one-line usage error (exit 2)."""
    if value is None:
        return None
    try:
        day = date.fromisoformat(value)
    except ValueError:
        raise TrackerError(f"{option}: expected a date like 2026-03-31, got {value!r}") from None
    if not EARLIEST_DAY <= day <= LATEST_DAY:
        raise TrackerError(f"{option}: {value} is out of range ({EARLIEST_DAY} to {LATEST_DAY})")
    return day
