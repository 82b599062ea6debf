"""The typer application object every command module registers on."""

from __future__ import annotations

import typer

app = typer.Typer(
    name="tracker",
    help="Make postmortem action items actually get done.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode="rich",
)


@app.callback()
def _root() -> None:
    """tracker: parse postmortems, sync action items to Jira and GitHub, write back, report."""
