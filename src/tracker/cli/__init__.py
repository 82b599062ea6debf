"""Command-line entry point: `tracker COMMAND ...`.

Each command lives in its own module and registers itself on the shared `app`;
importing the modules here is what makes them appear.
"""

from __future__ import annotations

import sys

from rich.console import Console
from rich.markup import escape

from tracker.cli.app import app
from tracker.errors import TrackerError

# Command modules (each registers its commands on `app` when imported).
from tracker.cli import version as _version  # noqa: F401  isort: skip
from tracker.cli import scan as _scan  # noqa: F401  isort: skip
from tracker.cli import report as _report  # noqa: F401  isort: skip
from tracker.cli import sandbox as _sandbox  # noqa: F401  isort: skip
from tracker.cli import db as _db, init as _init, sync as _sync  # noqa: F401  isort: skip
from tracker.cli import remind as _remind  # noqa: F401  isort: skip
from tracker.cli import doctor as _doctor  # noqa: F401  isort: skip
from tracker.cli import demo as _demo  # noqa: F401  isort: skip
from tracker.cli import schedule as _schedule  # noqa: F401  isort: skip


def main() -> None:
    """Run the CLI; a TrackerError becomes one line on stderr and its exit code.

    Usage errors are click's (exit 2); anything else is a bug and keeps its traceback.
    """
    try:
        app()
    except TrackerError as error:
        message = escape(str(error))  # "[sync]" in a message is text, not rich markup
        Console(stderr=True, highlight=False, soft_wrap=True).print(f"[red]error:[/red] {message}")
        sys.exit(error.exit_code)
