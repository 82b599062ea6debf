"""`tracker doctor`: check the configuration, the store and each connector."""

from __future__ import annotations

import typer
from rich.console import Console
from rich.markup import escape

from tracker.cli.app import app
from tracker.cli.options import ConfigOption


@app.command()
def doctor(config: ConfigOption = None) -> None:
    """Check config, store and every connector with read-only calls; say how to fix problems.

    Exit 0 when everything is ready, 1 when something needs fixing.
    """
    from tracker.doctor import run_checks

    console = Console(highlight=False)
    checks = run_checks(config)
    for check in checks:
        mark = "[green]✓[/green]" if check.ok else "[red]✗[/red]"
        console.print(f"{mark} [bold]{escape(check.name)}[/bold]: {escape(check.detail)}")
        if check.fix and not check.ok:
            console.print(f"    fix: {escape(check.fix)}")
    failed = [check for check in checks if not check.ok]
    console.print("[green]ready[/green]" if not failed else f"[red]{len(failed)} problem(s)[/red]")
    if failed:
        raise typer.Exit(1)
