"""The engine's handle on the configured connectors.

Each worker thread gets its own connector instances (client libraries keep HTTP
sessions that are not promised to be thread-safe); GitHub writes are funnelled through
one lane because its secondary limit counts creations per user, not per repository.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable, Mapping
from typing import Any

from tracker.config import Config
from tracker.connectors import Connector, load_connector
from tracker.errors import ConfigError
from tracker.model import TicketRef, TicketSystem


def connector_settings(config: Config, name: str) -> dict[str, Any]:
    """`[connectors.NAME]` as a plain mapping; secrets stay `${ENV}` references."""
    section = config.connectors.get(name)
    if section is None:
        raise ConfigError(f"no [connectors.{name}] section in the configuration")
    return section.model_dump(exclude_none=True)


class ConnectorPool:
    """Thread-local connector instances, built on first use."""

    def __init__(
        self,
        config: Config,
        *,
        env: Mapping[str, str] | None = None,
        sleep: Callable[[float], None] | None = None,
    ) -> None:
        self.names = tuple(name for name, _ in config.connectors.items())
        self._settings = {name: connector_settings(config, name) for name in self.names}
        self._env = dict(os.environ if env is None else env)
        self._sleep = sleep
        self._local = threading.local()

    def validate(self) -> None:
        """Build every configured connector once, so a bad setting or a token variable
        that isn't set is a ConfigError before the run reads or writes anything
        (building does no I/O)."""
        for name in self.names:
            self.get(name)

    def get(self, name: str) -> Connector:
        cache: dict[str, Connector] | None = getattr(self._local, "cache", None)
        if cache is None:
            cache = self._local.cache = {}
        if name not in cache:
            cache[name] = self._build(name)
        return cache[name]

    def _build(self, name: str) -> Connector:
        if name not in self._settings:
            raise ConfigError(
                f"tickets of system {name!r} found but [connectors.{name}] is missing"
            )
        options: dict[str, object] = {}
        if self._sleep is not None:
            options["sleep"] = self._sleep
        try:
            return load_connector(name, self._settings[name], self._env, **options)
        except TypeError:  # a third-party connector without the `sleep` option
            return load_connector(name, self._settings[name], self._env)

    def owner_of(self, ref: TicketRef) -> str | None:
        """The configured connector that owns a reference written in a document."""
        if ref.system in (TicketSystem.JIRA, TicketSystem.GITHUB):
            return ref.system.value if ref.system.value in self.names else None
        for name in self.names:
            if self.get(name).owns(ref):
                return name
        return None

    def paced(self, name: str) -> bool:
        """Does this connector pace its creations (so writes must share one lane)?"""
        return self.get(name).capabilities.paced_creations
