"""`tracker demo`: the whole loop on the built-in sandboxes, no credentials needed."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from tracker.cli.app import app
from tracker.cli.sandbox import SANDBOX_HINT
from tracker.errors import ConfigError


@app.command()
def demo(
    folder: Annotated[
        Path | None,
        typer.Option(
            "--dir",
            file_okay=False,
            help="Folder for the demo's documents, config and store (new or empty). "
            "Default: a fresh temporary folder, printed.",
            show_default=False,
        ),
    ] = None,
) -> None:
    """Start the sandboxes, sync example postmortems (English and Chinese),
    play a week of work, sync again, and show the document diff and the report."""
    try:
        from tracker_sandbox.demo.run import run_demo  # the fake services: not in the core
    except ImportError:
        raise ConfigError("the demo needs the sandboxes", hint=SANDBOX_HINT) from None

    console = Console(highlight=False)
    started = time.monotonic()
    where = run_demo(folder, console)
    console.print(f"done in {time.monotonic() - started:.1f}s; look around in {where}")
