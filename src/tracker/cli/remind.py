"""`tracker remind`: comment on overdue/unowned items' tickets and write team digests."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

import typer

from tracker.application.remind import preview_reminders, run_reminders
from tracker.cli.app import app
from tracker.cli.options import ConfigOption, load_config_or_default, parse_day

if TYPE_CHECKING:
    pass


@app.command()
def remind(
    config: ConfigOption = None,
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Show who would be nudged; post and write nothing.")
    ] = False,
    as_of: Annotated[
        str | None,
        typer.Option("--as-of", metavar="DATE", help="Judge overdue as of this day (YYYY-MM-DD)."),
    ] = None,
    comments: Annotated[
        bool, typer.Option("--comments/--no-comments", help="Comment on tickets.")
    ] = True,
    digest: Annotated[
        bool, typer.Option("--digest/--no-digest", help="Write (and post) the team digests.")
    ] = True,
) -> None:
    """Nudge owners of overdue and unowned items; write a Markdown digest per team.

    A ticket gets at most one comment per reason every `interval_days` (see the reminders
    section of the config).
    """
    loaded = load_config_or_default(config)
    day = parse_day(as_of)
    result = run_reminders(loaded, as_of=day, comments=comments, digest=digest, dry_run=dry_run)
    if result.failed:
        raise typer.Exit(1)


__all__ = ["preview_reminders", "remind", "run_reminders"]
