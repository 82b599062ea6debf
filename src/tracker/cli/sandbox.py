"""`tracker sandbox`: run the Jira and GitHub sandboxes in the foreground until Ctrl-C."""

from __future__ import annotations

import signal
import threading
from enum import StrEnum
from pathlib import Path
from types import FrameType
from typing import TYPE_CHECKING, Annotated

import typer

from tracker.cli.app import app
from tracker.errors import ConfigError

if TYPE_CHECKING:
    from tracker.sandbox.core import SandboxService


class JiraFlavour(StrEnum):
    cloud = "cloud"
    server = "server"


@app.command()
def sandbox(
    jira_port: Annotated[
        int,
        typer.Option(
            "--jira-port", min=0, max=65535, help="Port for the Jira sandbox (0 = any free one)."
        ),
    ] = 0,
    github_port: Annotated[
        int,
        typer.Option(
            "--github-port",
            min=0,
            max=65535,
            help="Port for the GitHub sandbox (0 = any free one).",
        ),
    ] = 0,
    token: Annotated[
        str | None,
        typer.Option(
            "--token",
            envvar="TRACKER_SANDBOX_TOKEN",
            help="The token both sandboxes accept (default: a random one, printed).",
        ),
    ] = None,
    jira_project: Annotated[
        list[str] | None,
        typer.Option(
            "--jira-project", help="A Jira project key (repeatable; default ENG and OPS)."
        ),
    ] = None,
    github_repo: Annotated[
        list[str] | None,
        typer.Option(
            "--github-repo", help="A GitHub repository OWNER/NAME (repeatable; default acme/app)."
        ),
    ] = None,
    latency_ms: Annotated[
        float, typer.Option("--latency-ms", help="Added latency per request, in milliseconds.")
    ] = 0.0,
    state: Annotated[
        Path | None,
        typer.Option("--state", help="JSON file that keeps both sandboxes' data across restarts."),
    ] = None,
    jira_flavour: Annotated[
        JiraFlavour, typer.Option("--jira-flavour", help="Jira Cloud or Server/Data Center.")
    ] = JiraFlavour.cloud,
) -> None:
    """Run a Jira and a GitHub sandbox on 127.0.0.1 until Ctrl-C.

    The real `jira` and PyGithub clients can't tell them from the real services;
    nothing leaves this machine.
    """
    from tracker.sandbox.core import StateFileError
    from tracker.sandbox.jira import JiraSandbox

    if latency_ms < 0:
        raise ConfigError("--latency-ms: must be 0 or more")
    projects = [p.upper() for p in (jira_project or ["ENG", "OPS"])]
    repos = list(github_repo or ["acme/app"])
    jira = JiraSandbox(
        port=jira_port,
        token=token,
        latency_ms=latency_ms,
        state_file=state,
        flavour=jira_flavour.value,
        projects=projects,
    )
    services: list[SandboxService] = [jira]
    github_note = ""
    try:
        from tracker.sandbox.github import GitHubSandbox
    except ImportError as error:  # pragma: no cover - only while the module is missing
        github_note = f"GitHub sandbox unavailable: {error}"
    else:
        try:
            services.append(
                GitHubSandbox(
                    repos=repos,
                    port=github_port,
                    token=jira.token,
                    latency_ms=latency_ms,
                    state_file=state,
                )
            )
        except ValueError as error:
            raise ConfigError(f"--github-repo: {error}") from error

    stop = threading.Event()

    def request_stop(signum: int, frame: FrameType | None) -> None:
        stop.set()

    # Explicit handlers: a shell may start us with SIGINT ignored (background job).
    previous = {sig: signal.signal(sig, request_stop) for sig in (signal.SIGINT, signal.SIGTERM)}
    started: list[SandboxService] = []
    try:
        for service in services:
            try:
                started.append(service.start())
            except OSError as error:
                raise ConfigError(f"{service.name} sandbox: cannot listen: {error}") from error
            except StateFileError as error:
                raise ConfigError(f"--state: {error}") from error
        typer.echo(
            f"Jira sandbox ({jira.flavour}): {jira.base_url}  projects: {', '.join(projects)}"
        )
        if len(started) > 1:
            typer.echo(f"GitHub sandbox: {started[1].base_url}  repositories: {', '.join(repos)}")
        elif github_note:
            typer.echo(github_note)
        typer.echo(f"token: {jira.token}")
        if state is not None:
            typer.echo(f"state: {state} (saved on exit)")
        typer.echo("Press Ctrl-C to stop.")
        while not stop.wait(0.5):
            pass
    finally:
        for service in reversed(started):
            service.stop()
        for sig, handler in previous.items():
            signal.signal(sig, handler)
    typer.echo("stopped" + (f"; state saved to {state}" if state is not None else ""))
