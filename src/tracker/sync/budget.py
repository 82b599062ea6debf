"""Creation budgets: creates a connector postponed, when they may resume, and the ETA.

A connector may declare an hourly creation budget (GitHub's is 500; see its `Pacing`),
so a first sync of thousands of items can't finish in one run. The connector stops
sending creations once the hour's budget is spent (`Postponed`); the engine leaves
those items unlinked — no intent, nothing made — says how many wait and when they will
be done, and exits 1. The time creations may resume is kept in the store
(`sync.pause:<system>`): a run started before it sends no creation at all (the system
would refuse it), and the first run after it carries on where the last one stopped.
The last hour's creation times are kept too (`sync.creations:<system>`), so a run soon
after one that did *not* use up the budget still counts what that one made (the system
does). Nothing is created twice: a postponed item has no ticket and no pending intent,
so it is simply planned again.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta

from tracker.store import Store
from tracker.sync.state import read_state, write_state

PAUSE_PREFIX = "sync.pause:"
HISTORY_PREFIX = "sync.creations:"  # a paced system's creations of the last hour


@dataclass(frozen=True)
class Postponement:
    """One system's creates left for later runs."""

    system: str
    items: int
    resume_at: datetime
    per_hour: int  # the connector's paced budget (0: unknown)

    @property
    def runs(self) -> int:
        """Runs needed, one an hour, each making up to `per_hour`."""
        return -(-self.items // self.per_hour) if self.per_hour else 1

    @property
    def last_run_at(self) -> datetime:
        """When the run that creates the last of them can start."""
        return self.resume_at + timedelta(hours=self.runs - 1)

    def describe(self) -> str:
        budget = f" ({self.per_hour} an hour)" if self.per_hour else ""
        return (
            f"{self.items} {self.system} item(s) postponed: this run spent the hour's "
            f"{self.system} creation budget{budget}. Run `tracker sync` again from "
            f"{self.resume_at:%Y-%m-%d %H:%M} UTC; they need {self.runs} more run(s) an "
            f"hour apart, the last from about {self.last_run_at:%Y-%m-%d %H:%M} UTC. "
            "Nothing is created twice."
        )


def forecast(creates: int, system: str, per_hour: int, now: datetime) -> str | None:
    """Said before a run creates anything: a first sync bigger than an hour's budget
    takes several runs (None when it fits in one)."""
    if per_hour <= 0 or creates <= per_hour:
        return None
    runs = -(-creates // per_hour)
    last = now + timedelta(hours=runs - 1)
    return (
        f"{creates} {system} tickets to create at {per_hour} creations an hour: this takes "
        f"{runs} runs an hour apart. This run creates up to {per_hour}, "
        f"the rest are postponed (exit 1) and created by the next runs, the last from "
        f"about {last:%Y-%m-%d %H:%M} UTC."
    )


def load_pauses(store: Store) -> dict[str, datetime]:
    """system → the time its creations may resume (as the last run left it)."""
    pauses: dict[str, datetime] = {}
    for system, value in read_state(store, PAUSE_PREFIX).items():
        try:
            pauses[system] = datetime.fromisoformat(value)
        except ValueError:
            continue
    return pauses


def save_pauses(store: Store, pauses: Mapping[str, datetime], *, now: datetime) -> None:
    write_state(store, PAUSE_PREFIX, {s: t.isoformat() for s, t in pauses.items()}, now=now)


def load_history(store: Store) -> dict[str, list[float]]:
    """system → wall-clock times (epoch seconds) of its last hour's creations."""
    history: dict[str, list[float]] = {}
    for system, value in read_state(store, HISTORY_PREFIX).items():
        try:
            history[system] = [float(t) for t in json.loads(value)]
        except (ValueError, TypeError):
            continue
    return history


def save_history(store: Store, history: Mapping[str, list[float]], *, now: datetime) -> None:
    values = {system: json.dumps([round(t, 3) for t in times]) for system, times in history.items()}
    write_state(store, HISTORY_PREFIX, values, now=now)


class CreationHistory:
    """The store's record of each paced system's last-hour creations, lent to the
    connector that writes before its first write and taken back after its last (sync
    lanes and reminders alike): a paced system counts creations per account, whichever
    run or command sent them."""

    def __init__(self, store: Store, clock: Callable[[], datetime]) -> None:
        self.store = store
        self.clock = clock
        self.times = load_history(store)
        self.kept: dict[str, list[float]] = {}
        self._lock = threading.Lock()

    def lend(self, system: str, connector: object) -> None:
        restore = getattr(connector, "restore_creation_history", None)
        if restore is not None and self.times.get(system):
            restore(self.times[system], self.clock().timestamp())

    def take_back(self, system: str, connector: object) -> None:
        export = getattr(connector, "creation_history", None)
        if export is not None:
            times = export(self.clock().timestamp())
            with self._lock:
                self.kept[system] = times

    def save(self, *, now: datetime) -> None:
        if self.kept:
            save_history(self.store, self.kept, now=now)
