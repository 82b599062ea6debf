"""Retry and pacing shared by every connector.

Connectors turn client exceptions into `ConnectorError`s that say whether a retry can
help (`transient`) and whether the server certainly did nothing (`unprocessed`). This
module decides how long to wait: the server's Retry-After when it sent one, else
exponential backoff with jitter. Creates are never retried here blindly — a connector
resolves an unclear create through its identity lookup first.

Clocks and sleeps are injectable so tests cover minutes of waiting in milliseconds.
"""

from __future__ import annotations

import logging
import random
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TypeVar

from tenacity import (
    RetryCallState,
    Retrying,
    retry_if_exception,
    stop_after_attempt,
)

from tracker.connectors import ConnectorError

log = logging.getLogger(__name__)
T = TypeVar("T")


def is_transient(error: BaseException) -> bool:
    """Worth retrying an idempotent call (GET, PUT, a transition after a status check)."""
    return isinstance(error, ConnectorError) and error.transient


def is_unprocessed(error: BaseException) -> bool:
    """Worth retrying even a non-idempotent call: the server certainly did nothing."""
    return isinstance(error, ConnectorError) and error.transient and error.unprocessed


@dataclass
class RetryPolicy:
    """How often and how long to retry. `sleep` is injectable for tests."""

    attempts: int = 5
    initial_wait: float = 0.5
    max_wait: float = 30.0
    max_retry_after: float = 300.0  # a server asking for longer is reported, not obeyed
    sleep: Callable[[float], None] = time.sleep
    waits: list[float] = field(default_factory=list)  # every wait taken, for reports/tests

    def wait_for(self, retry_state: RetryCallState) -> float:
        """tenacity's wait hook: see `delay_for`."""
        outcome = retry_state.outcome
        error = outcome.exception() if outcome is not None else None
        return self.delay_for(error, retry_state.attempt_number)

    def delay_for(self, error: BaseException | None, attempt: int) -> float:
        """Retry-After when the server sent one, else exponential backoff with jitter."""
        retry_after = getattr(error, "retry_after", None)
        if isinstance(retry_after, int | float) and retry_after >= 0:
            return min(float(retry_after), self.max_retry_after)
        backoff = min(self.max_wait, self.initial_wait * 2 ** max(0, attempt - 1))
        return backoff + random.uniform(0, self.initial_wait)

    def pause(self, error: BaseException | None, attempt: int) -> float:
        """Sleep as `delay_for` says (for loops that can't use `call`); returns the wait."""
        delay = self.delay_for(error, attempt)
        self.waits.append(delay)
        self.sleep(delay)
        return delay

    def call(self, operation: Callable[[], T], *, idempotent: bool = True, what: str = "") -> T:
        """Run `operation`, retrying transient failures (only unprocessed ones if not
        idempotent). The last error is re-raised unchanged."""
        predicate = is_transient if idempotent else is_unprocessed

        def before_sleep(retry_state: RetryCallState) -> None:
            delay = retry_state.upcoming_sleep
            self.waits.append(delay)
            outcome = retry_state.outcome
            error = outcome.exception() if outcome is not None else None
            log.info("retrying %s in %.1fs after: %s", what or "call", delay, error)

        retrying = Retrying(
            stop=stop_after_attempt(max(1, self.attempts)),
            wait=self.wait_for,
            retry=retry_if_exception(predicate),
            sleep=self.sleep,
            before_sleep=before_sleep,
            reraise=True,
        )
        return retrying(operation)


class Pacer:
    """Spaces out content-creating requests (GitHub's secondary limit: 80/min).

    `wait()` before each creation blocks until the next slot; `hold(seconds)` pushes the
    next slot out after the server said "slow down". `per_minute = 0` disables pacing.
    """

    def __init__(
        self,
        per_minute: float,
        *,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.per_minute = per_minute
        self.clock = clock
        self.sleep = sleep
        self._next_slot: float | None = None
        self._lock = threading.Lock()
        self.waited = 0.0  # total seconds spent waiting, for the summary

    @property
    def interval(self) -> float:
        return 60.0 / self.per_minute if self.per_minute > 0 else 0.0

    def wait(self) -> float:
        """Block until a creation may be sent; returns the seconds waited."""
        with self._lock:
            now = self.clock()
            delay = 0.0
            if self._next_slot is not None and self._next_slot > now:
                delay = self._next_slot - now
            if delay > 0:
                self.sleep(delay)
                self.waited += delay
            start = max(now + delay, self.clock())
            self._next_slot = start + self.interval if self.interval else self._next_slot
            return delay

    def hold(self, seconds: float) -> None:
        """The server asked us to wait: no creation before `seconds` from now."""
        with self._lock:
            until = self.clock() + max(0.0, seconds)
            if self._next_slot is None or self._next_slot < until:
                self._next_slot = until

    def eta(self, remaining: int) -> float:
        """Seconds until `remaining` more creations can have been sent."""
        if remaining <= 0:
            return 0.0
        pending = 0.0
        if self._next_slot is not None:
            pending = max(0.0, self._next_slot - self.clock())
        return pending + self.interval * (remaining - 1)


class GuardedCalls:
    """Mixin for connectors: every client call goes through `_translate_errors` and `retry`.

    The client's own exception is never chained onto the ConnectorError raised, because
    client libraries embed request headers (tokens) in their exception text.
    """

    retry: RetryPolicy

    def _translate_errors(self, what: str, operation: Callable[[], T]) -> T:
        raise NotImplementedError

    def _call(self, what: str, operation: Callable[[], T], *, idempotent: bool = True) -> T:
        """`operation` with client errors translated and transient ones retried."""
        return self.retry.call(
            lambda: self._guard(what, operation), idempotent=idempotent, what=what
        )

    def _guard(self, what: str, operation: Callable[[], T]) -> T:
        """`_translate_errors` once, raised with no chained client exception."""
        try:
            return self._translate_errors(what, operation)
        except ConnectorError as error:
            failure = error
        failure.__context__ = failure.__cause__ = None
        raise failure
