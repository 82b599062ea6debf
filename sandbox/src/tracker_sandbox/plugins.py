"""How `tracker sandbox` and `tracker demo` find each system's fake server.

A connector distribution registers an object in the `tracker.sandboxes` entry-point
group (same name as its connector). The object says which command-line options its
sandbox takes (`--<name>-<option>`) and builds a `SandboxService` from them, so the
runner here knows no ticket system.
"""

from __future__ import annotations

import importlib.metadata
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol, runtime_checkable

from tracker_sandbox.core import SandboxService

ENTRY_POINT_GROUP = "tracker.sandboxes"


class SandboxUsageError(ValueError):
    """A command-line option a sandbox does not take, or a value it refuses."""


@dataclass(frozen=True)
class SandboxOption:
    """One `--<system>-<name>` option; `repeat` collects every occurrence in a list."""

    name: str
    help: str
    kind: type = str
    repeat: bool = False
    choices: tuple[str, ...] = ()
    default: Any = None

    def convert(self, flag: str, text: str) -> Any:
        if self.choices and text not in self.choices:
            choices = ", ".join(repr(choice) for choice in self.choices)
            raise SandboxUsageError(f"{flag}: {text!r} is not one of {choices}")
        try:
            value = self.kind(text)
        except ValueError:
            raise SandboxUsageError(
                f"{flag}: {text!r} is not a valid {self.kind.__name__}"
            ) from None
        if self.kind is int and not 0 <= value <= 65535 and self.name == "port":
            raise SandboxUsageError(f"{flag}: {value} is not a port (0 to 65535)")
        return value


PORT = SandboxOption("port", "port to listen on (0 = any free one)", kind=int, default=0)


@runtime_checkable
class SandboxPlugin(Protocol):
    """What a connector distribution registers in `tracker.sandboxes`."""

    name: str  # the entry-point name, e.g. "jira"
    options: Sequence[SandboxOption]  # besides `port`, which every sandbox takes

    def build(
        self,
        values: Mapping[str, Any],
        *,
        token: str,
        latency_ms: float,
        state_file: Path | None,
    ) -> SandboxService:
        """A stopped service configured from the option values (by option name)."""
        ...

    def banner(self, service: SandboxService, values: Mapping[str, Any]) -> str:
        """The line `tracker sandbox` prints once the service listens."""
        ...


def installed_sandboxes() -> dict[str, SandboxPlugin]:
    """Every registered sandbox, by name (a broken registration is skipped)."""
    found: dict[str, SandboxPlugin] = {}
    for entry in sorted(importlib.metadata.entry_points(group=ENTRY_POINT_GROUP), key=str):
        try:
            plugin = entry.load()
        except ImportError:
            continue
        if isinstance(plugin, SandboxPlugin):
            found.setdefault(entry.name, plugin)
    return found


def load_sandbox(name: str) -> SandboxPlugin:
    """The sandbox registered as `name`; LookupError naming what is installed."""
    plugins = installed_sandboxes()
    if name not in plugins:
        known = ", ".join(plugins) or "none"
        raise LookupError(f"no sandbox named {name!r} is installed (installed: {known})")
    return plugins[name]


def parse_options(
    args: Sequence[str], plugins: Mapping[str, SandboxPlugin]
) -> dict[str, dict[str, Any]]:
    """`--jira-port 8081 --github-repo a/b` → {"jira": {"port": 8081, ...}, ...}: every
    plugin's options, defaults filled in."""
    specs: dict[str, tuple[str, SandboxOption]] = {}
    values: dict[str, dict[str, Any]] = {}
    for name, plugin in plugins.items():
        values[name] = {}
        for option in (PORT, *plugin.options):
            specs[f"--{name}-{option.name}"] = (name, option)
            values[name][option.name] = [] if option.repeat else option.default
    pending = list(args)
    while pending:
        word = pending.pop(0)
        flag, equals, text = word.partition("=")
        if flag not in specs:
            known = ", ".join(sorted(specs)) or "none (no sandbox is installed)"
            raise SandboxUsageError(f"no such option: {flag} (sandbox options: {known})")
        if not equals:
            if not pending:
                raise SandboxUsageError(f"{flag} needs a value")
            text = pending.pop(0)
        name, option = specs[flag]
        value = option.convert(flag, text)
        if option.repeat:
            values[name][option.name].append(value)
        else:
            values[name][option.name] = value
    return values
