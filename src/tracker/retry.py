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
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TypeVar

from tenacity import (
    RetryCallState,
    Retrying,
    retry_if_exception,
    stop_after_attempt,
)

from tracker.connectors import ConnectorError, Postponed, connection_failure

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
        backoff: float = min(self.max_wait, self.initial_wait * 2 ** max(0, attempt - 1))
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


@dataclass(frozen=True)
class Pacing:
    """A connector's declared write budget, which `Pacer` enforces without knowing the
    system: content creations a minute (spaced evenly; 0 switches pacing off) and an
    hour, points a minute for every write and what one write costs, and how long a
    creation may wait before it is postponed to the next run (None: wait).

    GitHub's, for example, follows its secondary limits (80 creations a minute, 500 an
    hour, 900 points a minute per endpoint, a write costing 5); that is declared in its
    connector, not here.
    """

    creations_per_minute: float = 0.0
    creations_per_hour: int = 0
    points_per_minute: int = 0
    points_per_write: int = 1
    postpone_after: float | None = None


class Pacer:
    """Spaces out a connector's writes under the budget it declares (`Pacing`).

    Every write waits here first: `wait()` for a content creation (spaced evenly at
    `per_minute`, at most `per_hour` in any hour, and charged `write_points`), `wait(
    creation=False)` for an edit (points only). `hold(seconds)` pushes every write out
    after the server said "slow down". `per_minute = 0` disables pacing (holds still
    apply); `per_hour` / `points_per_minute` = 0 switch those budgets off.

    `max_wait`: a creation that would wait longer than this (the hour's budget spent,
    or a long Retry-After) raises `Postponed` instead of sleeping, so a first sync
    larger than an hour's budget stops creating and the next run goes on (None: wait).
    """

    @classmethod
    def declared(
        cls,
        pacing: Pacing,
        *,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> Pacer:
        """The pacer that enforces a connector's `Pacing`."""
        return cls(
            pacing.creations_per_minute,
            per_hour=pacing.creations_per_hour,
            points_per_minute=pacing.points_per_minute,
            write_points=pacing.points_per_write,
            clock=clock,
            sleep=sleep,
            max_wait=pacing.postpone_after,
        )

    def __init__(
        self,
        per_minute: float,
        *,
        per_hour: int = 0,
        points_per_minute: int = 0,
        write_points: int = 1,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
        max_wait: float | None = None,
    ) -> None:
        self.per_minute = per_minute
        self.max_wait = max_wait
        self.per_hour = per_hour if per_minute > 0 else 0
        self.points_per_minute = points_per_minute if per_minute > 0 else 0
        self.write_points = max(1, write_points)
        self.clock = clock
        self.sleep = sleep
        self._next_slot: float | None = None  # next evenly spaced creation
        self._held_until: float | None = None  # the server's Retry-After, for every write
        self._creations: deque[float] = deque()  # start times, last hour
        self._points: deque[tuple[float, int]] = deque()  # (start, points), last minute
        self._lock = threading.Lock()
        self._slept_to = float("-inf")  # the clock can't be behind a sleep we finished
        self.waited = 0.0  # total seconds spent waiting, for the summary

    @property
    def interval(self) -> float:
        return 60.0 / self.per_minute if self.per_minute > 0 else 0.0

    def _now(self) -> float:
        """The clock, but never earlier than the end of our last sleep: an injected
        sleep that doesn't move the clock (tests) still moves the windows on."""
        return max(self.clock(), self._slept_to)

    def wait(self, *, creation: bool = True, points: int | None = None) -> float:
        """Block until the write may be sent, then count it (`points`, default
        `write_points`); returns the seconds waited."""
        points = self.write_points if points is None else points
        with self._lock:
            now = self._now()
            ready = self._ready_at(now, creation, points)
            delay = max(0.0, ready - now)
            if creation and self.max_wait is not None and delay > self.max_wait:
                raise Postponed(
                    f"not sent: the creation budget ({self.per_hour} an hour) is spent; "
                    f"creations resume in {delay / 60:.0f} min",
                    retry_after=delay,
                )
            if delay > 0:
                self.sleep(delay)
                self.waited += delay
                self._slept_to = now + delay
            start = self._now()
            if creation:
                if self.interval:
                    self._next_slot = start + self.interval
                if self.per_hour:
                    self._creations.append(start)
            if self.points_per_minute:
                self._points.append((start, points))
            return delay

    def _ready_at(self, now: float, creation: bool, points: int) -> float:
        """The earliest moment every budget admits this write."""
        while self._creations and self._creations[0] <= now - 3600:
            self._creations.popleft()
        while self._points and self._points[0][0] <= now - 60:
            self._points.popleft()
        ready = now
        if self._held_until is not None:
            ready = max(ready, self._held_until)
        if creation and self._next_slot is not None and self.interval:
            ready = max(ready, self._next_slot)
        if creation and self.per_hour and len(self._creations) >= self.per_hour:
            ready = max(ready, self._creations[-self.per_hour] + 3600)
        if self.points_per_minute:
            used = sum(cost for _, cost in self._points)
            for moment, cost in self._points:  # oldest first: wait until enough expire
                if used + points <= self.points_per_minute:
                    break
                used -= cost
                ready = max(ready, moment + 60)
        return ready

    def hold(self, seconds: float) -> None:
        """The server asked us to wait: no write before `seconds` from now."""
        with self._lock:
            until = self._now() + max(0.0, seconds)
            if self._held_until is None or self._held_until < until:
                self._held_until = until

    def history(self, wall_now: float) -> list[float]:
        """The last hour's creations as wall-clock times (`wall_now` is what the wall
        clock says now), so the next run's pacer can start where this one left off."""
        with self._lock:
            now = self._now()
            return [wall_now - (now - t) for t in self._creations if t > now - 3600]

    def restore(self, times: list[float], wall_now: float) -> None:
        """Count an earlier run's creations (wall-clock `times`) against this pacer's
        hour and minute: a system that paces per account counts them, whoever sent them."""
        with self._lock:
            now = self._now()
            # A time "in the future" (clocks that disagree) counts as now: never less.
            moments = sorted(min(now, now - (wall_now - wall)) for wall in times)
            recent = [t for t in moments if t > now - 3600]
            if self.per_hour:
                self._creations.extendleft(reversed(recent))
                ordered = sorted(self._creations)
                self._creations.clear()
                self._creations.extend(ordered)
            if recent and self.interval:
                self._next_slot = max(self._next_slot or recent[-1], recent[-1] + self.interval)

    def eta(self, remaining: int) -> float:
        """Seconds until `remaining` more creations can have been sent (even spacing
        and holds; the hourly budget only matters past `per_hour` creations)."""
        if remaining <= 0:
            return 0.0
        now = self._now()
        pending = max(0.0, max(self._next_slot or now, self._held_until or now) - now)
        spaced = pending + self.interval * (remaining - 1)
        if self.per_hour and remaining > self.per_hour:
            spaced = max(spaced, 3600.0 * ((remaining - 1) // self.per_hour))
        return spaced


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
        if failure.unreachable is None:  # the category survives, the client's text doesn't
            failure.unreachable = connection_failure(failure.__context__)
        failure.__context__ = failure.__cause__ = None
        raise failure
