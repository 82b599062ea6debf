"""The engine's handle on the configured connectors.

Each worker thread gets its own connector instances (client libraries keep HTTP
sessions that are not promised to be thread-safe); GitHub writes are funnelled through
one lane because its secondary limit counts creations per user, not per repository.

A system that can't be reached at all (connection refused, DNS, TLS, timeout) is marked
unreachable on its first such error: every later call to it fails at once with that
cause, so a run stops that system's work after one wait instead of one per item.
"""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Callable, Iterator, Mapping
from functools import partial
from typing import Any

from tracker.config import Config
from tracker.connectors import Connector, ConnectorError, RunMemo, load_connector
from tracker.errors import ConfigError
from tracker.model import URL_SYSTEM, TicketRef

# The connector calls that talk to the ticket system (the rest are pure).
# The protocol's methods that answer without a request; every other public method may
# reach the system, so it is guarded (a new protocol method is guarded by default).
_LOCAL_CALLS = frozenset({"owns", "from_settings"})


class SystemUnreachable(ConnectorError):
    """A call not made because its system was found unreachable earlier in this run."""


def connection_cause(error: ConnectorError) -> str | None:
    """Why a failed call means its system can't be reached at all, or None.

    The connector's own classification when it made one (see `connection_failure`),
    else what its message says of a call that got no HTTP answer.
    """
    if error.unreachable is not None:
        return error.unreachable
    if error.status is not None:
        return None
    message = error.message.lower()
    if "refused" in message:
        return "connection refused"
    if "timed out" in message or "in time" in message:
        return "timed out"
    return None


class _Guarded:
    """A connector whose remote calls fail fast once its system is unreachable."""

    def __init__(self, name: str, connector: Connector, pool: ConnectorPool) -> None:
        self._name = name
        self._connector = connector
        self._pool = pool

    def __getattr__(self, attribute: str) -> Any:
        value = getattr(self._connector, attribute)
        if callable(value) and not attribute.startswith("_") and attribute not in _LOCAL_CALLS:
            return partial(self._call, value)
        return value

    def _call(self, method: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
        self._pool.raise_if_unreachable(self._name)
        try:
            result = method(*args, **kwargs)
        except ConnectorError as error:
            self._pool.note_failure(self._name, error)
            raise
        if isinstance(result, Iterator):  # a listing fails while it is read
            return self._iterate(result)
        return result

    def _iterate(self, items: Iterator[Any]) -> Iterator[Any]:
        try:
            yield from items
        except ConnectorError as error:
            self._pool.note_failure(self._name, error)
            raise


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
        self._lock = threading.Lock()
        self._memos = {name: RunMemo() for name in self.names}  # shared by a name's threads
        # system → "connection refused: Jira fetch: connection to … failed (refused)"
        self.unreachable: dict[str, str] = {}

    def note_failure(self, name: str, error: ConnectorError) -> None:
        """Mark `name` unreachable when `error` is a connection-level failure."""
        if isinstance(error, SystemUnreachable):
            return
        cause = connection_cause(error)
        if cause is not None:
            with self._lock:
                self.unreachable.setdefault(name, f"{cause}: {error.message}")

    def raise_if_unreachable(self, name: str) -> None:
        with self._lock:
            reason = self.unreachable.get(name)
        if reason is not None:
            raise SystemUnreachable(
                f"{name} unreachable ({reason}); skipped for this run",
                transient=True,
                unprocessed=True,
            )

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
            connector = self._build(name)
            if isinstance(getattr(connector, "run_memo", None), RunMemo):
                connector.run_memo = self._memos[name]  # type: ignore[attr-defined]
            cache[name] = _Guarded(name, connector, self)  # type: ignore[assignment]
        return cache[name]

    def _build(self, name: str) -> Connector:
        if name not in self._settings:
            raise ConfigError(
                f"tickets of system {name!r} found but [connectors.{name}] is missing"
            )
        options: dict[str, object] = {"sleep": self._sleep_for(name)}
        try:
            return load_connector(name, self._settings[name], self._env, **options)
        except TypeError:  # a third-party connector without the `sleep` option
            return load_connector(name, self._settings[name], self._env)

    def _sleep_for(self, name: str) -> Callable[[float], None]:
        """The connector's wait (retry backoff, pacing): it gives up as soon as another
        thread found the system unreachable, so parallel calls don't each wait it out."""
        base = self._sleep or time.sleep

        def sleep(seconds: float) -> None:
            self.raise_if_unreachable(name)
            base(seconds)
            self.raise_if_unreachable(name)

        return sleep

    def owner_of(self, ref: TicketRef) -> str | None:
        """The configured connector that owns a reference written in a document."""
        if ref.system != URL_SYSTEM:
            return ref.system if ref.system in self.names else None
        for name in self.names:
            if self.get(name).owns(ref):
                return name
        return None

    def paced(self, name: str) -> bool:
        """Does this connector pace its creations (so writes must share one lane)?"""
        return self.get(name).capabilities.paced_creations
