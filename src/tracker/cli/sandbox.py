"""`tracker sandbox`: run every installed fake ticket system until Ctrl-C.

The servers and their runner live in the tracker-sandbox distribution and each
connector's `sandbox` module; this command only hands them its arguments.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from typer._click.exceptions import UsageError  # typer vendors click

from tracker.cli.app import app
from tracker.errors import ConfigError

SANDBOX_HINT = "install tracker-sandbox: `pip install ./sandbox` from tracker's repository"


@app.command(context_settings={"allow_extra_args": True, "ignore_unknown_options": True})
def sandbox(
    ctx: typer.Context,
    token: Annotated[
        str | None,
        typer.Option(
            "--token",
            envvar="TRACKER_SANDBOX_TOKEN",
            help="The token every sandbox accepts (default: a random one, printed).",
        ),
    ] = None,
    latency_ms: Annotated[
        float, typer.Option("--latency-ms", help="Added latency per request, in milliseconds.")
    ] = 0.0,
    state: Annotated[
        Path | None,
        typer.Option("--state", help="JSON file that keeps the sandboxes' data across restarts."),
    ] = None,
) -> None:
    """Run each installed system's sandbox on 127.0.0.1 until Ctrl-C.

    Each sandbox takes `--SYSTEM-port N` (0 = any free one) and the options its
    connector's README lists. The real client libraries can't tell them from the real
    services; nothing leaves this machine.
    """
    try:
        from tracker_sandbox.plugins import SandboxUsageError
        from tracker_sandbox.run import SandboxStartError, serve
    except ImportError:
        raise ConfigError("the sandboxes are not installed", hint=SANDBOX_HINT) from None
    try:
        serve(ctx.args, token=token, latency_ms=latency_ms, state=state, echo=typer.echo)
    except SandboxUsageError as error:
        raise UsageError(str(error), ctx=ctx) from None  # `--jira-port: ...`, exit 2
    except SandboxStartError as error:
        raise ConfigError(str(error)) from error
