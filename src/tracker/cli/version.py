"""`tracker version`."""

from __future__ import annotations

import typer

from tracker import __version__
from tracker.cli.app import app


@app.command()
def version() -> None:
    """Print tracker's version."""
    typer.echo(__version__)
