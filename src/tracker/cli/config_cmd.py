"""`tracker config example`: print the commented configuration reference."""

from __future__ import annotations

import sys
from importlib import resources
from pathlib import Path

import typer

from tracker.cli.app import app
from tracker.errors import TrackerError

config_app = typer.Typer(
    help="The configuration file: its commented reference.", no_args_is_help=True
)
app.add_typer(config_app, name="config")

REFERENCE = "config.example.toml"


def example_config() -> str:
    """Every configuration key, commented: shipped in the package (a wheel), or read from
    the repository root in a development checkout (an editable install)."""
    shipped = resources.files("tracker") / REFERENCE
    if shipped.is_file():
        return shipped.read_text(encoding="utf-8")
    checkout = Path(__file__).resolve().parents[3] / REFERENCE
    if checkout.is_file():
        return checkout.read_text(encoding="utf-8")
    raise TrackerError(f"{REFERENCE} is missing from this installation", exit_code=1)


@config_app.command("example")
def example() -> None:
    """Print every configuration key, commented (redirect it to a file to start from)."""
    sys.stdout.write(example_config())
