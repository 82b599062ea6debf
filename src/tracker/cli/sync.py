"""`tracker sync PATH...`: arguments in, the sync use case (tracker.application.sync) out.

`run_sync_once` is re-exported for callers of its old home."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from tracker.application.sync import run_sync_once
from tracker.cli.app import app
from tracker.cli.options import ConfigOption, load_config_or_default


@app.command()
def sync(
    paths: Annotated[
        list[Path] | None,
        typer.Argument(help="Postmortem files or folders (default: \\[documents].paths)."),
    ] = None,
    config: ConfigOption = None,
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Print the plan; only read from ticket systems.")
    ] = False,
    commit: Annotated[
        bool, typer.Option("--commit", help="Make one git commit of the documents written.")
    ] = False,
    pull_request: Annotated[
        bool,
        typer.Option(
            "--pull-request",
            help="Leave the documents alone; push their changes on a branch and open "
            "(or update) one pull request (a merge request on GitLab).",
        ),
    ] = False,
    full: Annotated[
        bool,
        typer.Option(
            "--full",
            help="Re-read every document and list every ticket whole (no incremental shortcuts).",
        ),
    ] = False,
) -> None:
    """Scan postmortems; with connectors configured, sync them with ticket systems.

    Without \\[connectors] it records action items and status changes in the store.
    Exit 0 all done, 1 some items failed or the pull/merge request could not be
    updated (retried next run), 2 configuration error.
    """
    loaded = load_config_or_default(config)
    raise typer.Exit(
        run_sync_once(
            loaded, paths, dry_run=dry_run, commit=commit, pull_request=pull_request, full=full
        )
    )


__all__ = ["run_sync_once", "sync"]
