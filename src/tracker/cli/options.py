"""Options several commands share, so they read and behave the same everywhere."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from tracker.config import CONFIG_ENV, Config, load_config

ConfigOption = Annotated[
    Path | None,
    typer.Option(
        "--config",
        "-c",
        envvar=CONFIG_ENV,
        dir_okay=False,
        show_default=False,
        help="Configuration file (default: ./tracker.toml if present, else built-in defaults).",
    ),
]


def load_config_or_default(path: Path | None) -> Config:
    """The configuration from --config / TRACKER_CONFIG / ./tracker.toml, else defaults.

    Errors are ConfigError (one line, exit 2), which the CLI's `main` prints.
    """
    return load_config(path)
