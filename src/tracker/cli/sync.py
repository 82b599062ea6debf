"""`tracker sync PATH...`: without a ticket system, record the documents in the store."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from tracker.cli.app import app
from tracker.cli.options import ConfigOption, load_config_or_default
from tracker.config import Config
from tracker.errors import ConfigError
from tracker.store import open_store
from tracker.store.recording import RecordResult, record_paths


def document_paths(paths: list[Path] | None, config: Config) -> list[Path]:
    """PATH arguments, else [documents].paths (relative to the config file's folder)."""
    if paths:
        return paths
    configured = [config.base_dir / path for path in config.documents.paths]
    if not configured:
        raise ConfigError(
            "no documents to scan",
            hint="give PATH arguments or set [documents].paths in tracker.toml",
        )
    return configured


def print_summary(console: Console, result: RecordResult, where: str) -> None:
    for warning in result.warnings:
        console.print(f"[yellow]warning:[/yellow] {warning}")
    console.print(
        f"recorded {result.documents} documents into {where}: "
        f"[bold]{result.new}[/bold] new, [bold]{result.changed}[/bold] changed "
        f"({result.status_changes} status changes, {result.restored} restored), "
        f"[bold]{result.removed}[/bold] removed, {result.unchanged} unchanged items"
    )


@app.command()
def sync(
    paths: Annotated[
        list[Path] | None,
        typer.Argument(help="Postmortem files or folders (default: [documents].paths)."),
    ] = None,
    config: ConfigOption = None,
) -> None:
    """Scan postmortems and record their action items and status changes in the store."""
    loaded = load_config_or_default(config)
    assert loaded.database_url is not None, "load_config always resolves the URL"
    targets = document_paths(paths, loaded)
    missing = [str(path) for path in targets if not path.exists()]
    if missing:
        raise ConfigError(f"no such file or folder: {', '.join(missing)}")
    store = open_store(loaded.database_url)
    try:
        result = record_paths(store, loaded, targets, now=datetime.now(UTC))
        print_summary(Console(highlight=False), result, store.describe())
    finally:
        store.close()
