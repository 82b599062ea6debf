"""Creation budgets: creates a connector postponed, when they may resume, and the ETA.

GitHub allows 500 content creations an hour, so a first sync of thousands of items
can't finish in one run. The connector stops sending creations once the hour's budget
is spent (`Postponed`); the engine leaves those items unlinked — no intent, nothing
made — says how many wait and when they will be done, and exits 1. The time creations
may resume is kept in the store (`sync.pause:<system>`): a run started before it sends
no creation at all (GitHub would refuse it with a secondary-limit 403), and the first
run after it carries on where the last one stopped. Nothing is created twice: a
postponed item has no ticket and no pending intent, so it is simply planned again.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta

from tracker.store import Store
from tracker.sync.state import read_state, write_state

PAUSE_PREFIX = "sync.pause:"


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
        budget = f"{self.per_hour} creations an hour" if self.per_hour else "its creation budget"
        return (
            f"{self.items} {self.system} item(s) postponed: {self.system} allows {budget}, "
            f"spent by this run. Run `tracker sync` again from "
            f"{self.resume_at:%Y-%m-%d %H:%M} UTC; they need {self.runs} more run(s) an "
            f"hour apart, the last from about {self.last_run_at:%Y-%m-%d %H:%M} UTC. "
            "Nothing is created twice."
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
