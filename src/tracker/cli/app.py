"""The typer application object every command module registers on."""

from __future__ import annotations

from typing import Annotated

import typer

app = typer.Typer(
    name="tracker",
    help="Make postmortem action items actually get done.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode="rich",
)


def _print_version(value: bool) -> None:
    if value:
        from tracker import __version__

        typer.echo(f"tracker {__version__}")
        raise typer.Exit()


@app.callback()
def _root(
    version: Annotated[
        bool,
        typer.Option(
            "--version",
            is_eager=True,
            callback=_print_version,
            help="Print tracker's version and exit.",
        ),
    ] = False,
) -> None:
    """tracker: parse postmortems, sync action items to ticket systems (Jira, GitHub,
    GitLab, …), write back, report."""
