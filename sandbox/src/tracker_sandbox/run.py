"""`tracker sandbox`: every installed sandbox on loopback, in the foreground until Ctrl-C."""

from __future__ import annotations

import secrets
import signal
import threading
from collections.abc import Callable, Sequence
from pathlib import Path
from types import FrameType

from tracker_sandbox.core import SandboxService, StateFileError
from tracker_sandbox.plugins import SandboxUsageError, installed_sandboxes, parse_options


class SandboxStartError(RuntimeError):
    """A sandbox could not start (port in use, unusable state file, bad option value)."""


def serve(
    args: Sequence[str],
    *,
    token: str | None,
    latency_ms: float,
    state: Path | None,
    echo: Callable[[str], None] = print,
) -> None:
    """Start every installed sandbox with the same token, print where they listen, and
    serve until SIGINT/SIGTERM; `args` are the `--<system>-<option>` words."""
    if latency_ms < 0:
        raise SandboxUsageError("--latency-ms: must be 0 or more")
    plugins = installed_sandboxes()
    values = parse_options(args, plugins)
    token = token or secrets.token_urlsafe(24)
    services: list[tuple[str, SandboxService]] = []
    for name, plugin in plugins.items():
        try:
            service = plugin.build(
                values[name], token=token, latency_ms=latency_ms, state_file=state
            )
        except ValueError as error:
            raise SandboxStartError(f"{name} sandbox: {error}") from error
        services.append((name, service))

    stop = threading.Event()

    def request_stop(signum: int, frame: FrameType | None) -> None:
        stop.set()

    # Explicit handlers: a shell may start us with SIGINT ignored (background job).
    previous = {sig: signal.signal(sig, request_stop) for sig in (signal.SIGINT, signal.SIGTERM)}
    started: list[SandboxService] = []
    try:
        for name, service in services:
            try:
                started.append(service.start())
            except OSError as error:
                raise SandboxStartError(f"{name} sandbox: cannot listen: {error}") from error
            except StateFileError as error:
                raise SandboxStartError(f"--state: {error}") from error
        for name, service in services:
            echo(plugins[name].banner(service, values[name]))
        if not services:
            echo("no sandbox is installed (install a connector's [sandbox] extra)")
        echo(f"token: {token}")
        if state is not None:
            echo(f"state: {state} (saved on exit)")
        echo("Press Ctrl-C to stop.")
        while not stop.wait(0.5):
            pass
    finally:
        for service in reversed(started):
            service.stop()
        for sig, handler in previous.items():
            signal.signal(sig, handler)
    echo("stopped" + (f"; state saved to {state}" if state is not None else ""))
