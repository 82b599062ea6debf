"""When nightly work runs: slots, missed runs, and the long-running loop.

The slot arithmetic is pure (it takes `now`), so the decisions are testable without
waiting; the loop hands the timing to the `schedule` library and only adds what it
lacks: time zones from config, catching up a run missed while the process was down
(only when asked to), and a graceful stop on SIGTERM/SIGINT.
"""

from __future__ import annotations

import re
import signal
import threading
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta
from types import FrameType
from zoneinfo import ZoneInfo

import schedule

from tracker.errors import ConfigError

WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
_SLOT = re.compile(r"^\s*(?:(?P<day>[a-z]+)\s+)?(?P<hour>\d{1,2}):(?P<minute>\d{2})\s*$", re.I)


@dataclass(frozen=True)
class Slot:
    """A daily (`02:00`) or weekly (`monday 09:00`) time in a given time zone."""

    at: time
    weekday: int | None  # 0 = Monday; None = every day
    zone: ZoneInfo

    @classmethod
    def parse(cls, spec: str, zone: str) -> Slot:
        match = _SLOT.match(spec)
        if not match:
            raise ConfigError(f"schedule: {spec!r} is not a time like '02:00' or 'monday 09:00'")
        hour, minute = int(match["hour"]), int(match["minute"])
        if hour > 23 or minute > 59:
            raise ConfigError(f"schedule: {spec!r} is not a valid time of day")
        day = match["day"]
        weekday = None
        if day is not None:
            if day.lower() not in WEEKDAYS:
                raise ConfigError(f"schedule: {day!r} is not a weekday (monday … sunday)")
            weekday = WEEKDAYS.index(day.lower())
        return cls(time(hour, minute), weekday, ZoneInfo(zone))

    def describe(self) -> str:
        day = f"{WEEKDAYS[self.weekday]} " if self.weekday is not None else "daily "
        return f"{day}{self.at:%H:%M} {self.zone.key}"

    def _candidates(self, around: datetime) -> Iterator[datetime]:
        local = around.astimezone(self.zone)
        for offset in range(-8, 9):
            day = local.date() + timedelta(days=offset)
            if self.weekday is None or day.weekday() == self.weekday:
                yield datetime.combine(day, self.at, tzinfo=self.zone)

    def previous(self, now: datetime) -> datetime:
        """The latest slot time at or before `now`."""
        return max(when for when in self._candidates(now) if when <= now)

    def next(self, now: datetime) -> datetime:
        """The first slot time strictly after `now`."""
        return min(when for when in self._candidates(now) if when > now)


def missed(slot: Slot, now: datetime, last_started: datetime | None) -> datetime | None:
    """The most recent slot if it passed without a run starting at or after it, else None.

    A store that never ran has missed nothing: a fresh install waits for its first slot
    instead of, say, posting last Monday's reminders the moment it starts.
    """
    if last_started is None:
        return None
    previous = slot.previous(now)
    return previous if last_started < previous else None


@dataclass
class Job:
    """A named piece of work run at its slots."""

    name: str
    slots: Sequence[Slot]
    run: Callable[[datetime], None]  # called with the slot time it runs for


class StopFlag:
    """Set by SIGTERM/SIGINT: the loop stops waiting, the running job finishes its item."""

    def __init__(self) -> None:
        self._event = threading.Event()

    def set(self) -> None:
        self._event.set()

    def is_set(self) -> bool:
        return self._event.is_set()

    def wait(self, seconds: float) -> bool:
        return self._event.wait(seconds)


@contextmanager
def stop_on_signals(flag: StopFlag) -> Iterator[None]:
    """Route SIGTERM and SIGINT to `flag` for the duration, restoring the old handlers."""

    def handler(signum: int, frame: FrameType | None) -> None:
        flag.set()

    previous = {sig: signal.signal(sig, handler) for sig in (signal.SIGTERM, signal.SIGINT)}
    try:
        yield
    finally:
        for sig, old in previous.items():
            signal.signal(sig, old)


def _utc_now() -> datetime:
    return datetime.now(UTC)


def build_scheduler(
    jobs: Sequence[Job], now: Callable[[], datetime] = _utc_now
) -> schedule.Scheduler:
    """Register every job's slots with the `schedule` library."""
    scheduler = schedule.Scheduler()
    for job in jobs:
        for slot in job.slots:
            every = scheduler.every()
            unit = every.day if slot.weekday is None else getattr(every, WEEKDAYS[slot.weekday])
            unit.at(slot.at.strftime("%H:%M"), slot.zone.key).do(_at_slot, job, slot, now).tag(
                job.name
            )
    return scheduler


def _at_slot(job: Job, slot: Slot, now: Callable[[], datetime]) -> None:
    job.run(slot.previous(now()))


def next_runs(jobs: Sequence[Job], now: datetime) -> dict[str, datetime]:
    """Each job's next slot after `now` (for `tracker status`)."""
    return {job.name: min(slot.next(now) for slot in job.slots) for job in jobs if job.slots}


def missed_runs(
    jobs: Sequence[Job], *, last_started: Callable[[str], datetime | None], now: datetime
) -> list[tuple[Job, datetime]]:
    """Each job whose latest slot passed while nothing ran it, with that slot."""
    found = []
    for job in jobs:
        slots = [missed(slot, now, last_started(job.name)) for slot in job.slots]
        latest = max((when for when in slots if when is not None), default=None)
        if latest is not None:
            found.append((job, latest))
    return found


def catch_up(
    jobs: Sequence[Job],
    *,
    last_started: Callable[[str], datetime | None],
    now: Callable[[], datetime],
    stop: StopFlag,
) -> list[str]:
    """Run, once each, the jobs whose latest slot passed while nothing ran them."""
    ran: list[str] = []
    for job, slot_time in missed_runs(jobs, last_started=last_started, now=now()):
        if stop.is_set():
            break
        job.run(slot_time)
        ran.append(job.name)
    return ran


def run_forever(
    jobs: Sequence[Job],
    *,
    last_started: Callable[[str], datetime | None],
    now: Callable[[], datetime],
    stop: StopFlag,
    catch_up_missed: bool = False,
    on_not_caught_up: Callable[[Job, datetime], None] | None = None,
    max_wait_seconds: float = 60.0,
) -> None:
    """Run jobs at their slots until `stop` is set.

    A slot missed while the process was down runs once at start only when
    `catch_up_missed` (`[schedule].catch_up`); otherwise `on_not_caught_up` hears of it.
    """
    if catch_up_missed:
        catch_up(jobs, last_started=last_started, now=now, stop=stop)
    elif on_not_caught_up is not None:
        for job, slot_time in missed_runs(jobs, last_started=last_started, now=now()):
            on_not_caught_up(job, slot_time)
    scheduler = build_scheduler(jobs, now)
    while not stop.is_set():
        scheduler.run_pending()
        idle = scheduler.idle_seconds
        wait = max_wait_seconds if idle is None else min(max(idle, 0.0), max_wait_seconds)
        stop.wait(wait)
