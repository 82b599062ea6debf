"""Scheduler decisions, checked on a controlled clock (no test waits for a slot)."""

from __future__ import annotations

import os
import signal
from datetime import UTC, datetime

import pytest
import time_machine

from tracker.errors import ConfigError
from tracker.scheduling import (
    Job,
    Slot,
    StopFlag,
    build_scheduler,
    catch_up,
    missed,
    next_runs,
    run_forever,
    stop_on_signals,
)

BERLIN = "Europe/Berlin"


def utc(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


def test_daily_slot_is_read_in_the_configured_time_zone() -> None:
    slot = Slot.parse("02:00", BERLIN)
    # 02:00 in Berlin in winter is 01:00 UTC.
    assert slot.next(utc("2026-11-25T00:30:00")) == utc("2026-11-25T01:00:00")


def test_weekly_slot_falls_on_its_weekday() -> None:
    slot = Slot.parse("monday 09:00", "UTC")
    # 2026-11-25 is a Wednesday.
    assert slot.next(utc("2026-11-25T12:00:00")) == utc("2026-11-30T09:00:00")
    assert slot.previous(utc("2026-11-25T12:00:00")) == utc("2026-11-23T09:00:00")


def test_slot_across_a_daylight_saving_change_keeps_local_time() -> None:
    slot = Slot.parse("02:30", "America/New_York")
    # The night clocks go back (2026-11-01), 02:30 local is 07:30 UTC (EST).
    assert slot.next(utc("2026-11-01T03:00:00")) == utc("2026-11-01T07:30:00")


@pytest.mark.parametrize("spec", ["25:00", "noon", "someday 09:00", "9"])
def test_bad_slot_is_a_config_error(spec: str) -> None:
    with pytest.raises(ConfigError):
        Slot.parse(spec, "UTC")


def test_run_missed_while_down_is_detected() -> None:
    slot = Slot.parse("02:00", "UTC")
    last_night_run = utc("2026-11-24T02:00:05")
    # Process was down over 2026-11-25 02:00; now it is 08:00.
    assert missed(slot, utc("2026-11-25T08:00:00"), last_night_run) == utc("2026-11-25T02:00:00")


def test_run_that_happened_is_not_missed() -> None:
    slot = Slot.parse("02:00", "UTC")
    assert missed(slot, utc("2026-11-25T08:00:00"), utc("2026-11-25T02:00:03")) is None


def test_never_run_store_has_missed_nothing() -> None:
    # A fresh install waits for its first slot instead of running last Monday's digest.
    assert missed(Slot.parse("monday 09:00", "UTC"), utc("2026-12-02T08:00:00"), None) is None


def test_next_runs_names_each_jobs_earliest_slot() -> None:
    jobs = [
        Job("sync", [Slot.parse("02:00", "UTC"), Slot.parse("14:00", "UTC")], lambda slot: None),
        Job("digest", [Slot.parse("monday 09:00", "UTC")], lambda slot: None),
    ]
    assert next_runs(jobs, utc("2026-11-25T08:00:00")) == {
        "sync": utc("2026-11-25T14:00:00"),
        "digest": utc("2026-11-30T09:00:00"),
    }


def test_job_runs_when_the_clock_reaches_its_slot_and_is_told_that_slot() -> None:
    ran: list[datetime] = []
    job = Job("sync", [Slot.parse("02:00", "UTC")], ran.append)
    with time_machine.travel(utc("2026-11-25T01:59:00"), tick=False) as clock:
        scheduler = build_scheduler([job])
        scheduler.run_pending()
        assert ran == []
        clock.move_to(utc("2026-11-25T02:00:01"))
        scheduler.run_pending()
        assert ran == [utc("2026-11-25T02:00:00")]
        scheduler.run_pending()
        assert ran == [utc("2026-11-25T02:00:00")]


def test_missed_slot_runs_once_at_start_when_catch_up_is_on() -> None:
    stop = StopFlag()
    ran: list[datetime] = []

    def sync(slot: datetime) -> None:
        ran.append(slot)
        stop.set()  # end the loop after the catch-up run

    job = Job("sync", [Slot.parse("02:00", "UTC")], sync)
    with time_machine.travel(utc("2026-11-25T08:00:00"), tick=False):
        run_forever(
            [job],
            last_started=lambda name: utc("2026-11-24T02:00:00"),
            now=lambda: datetime.now(UTC),
            stop=stop,
            catch_up_missed=True,
        )
    assert ran == [utc("2026-11-25T02:00:00")]


def test_missed_slot_is_only_reported_when_catch_up_is_off() -> None:
    stop = StopFlag()
    ran: list[datetime] = []
    skipped: list[tuple[str, datetime]] = []

    def not_caught_up(job: Job, slot: datetime) -> None:
        skipped.append((job.name, slot))
        stop.set()  # end the loop before it waits for the next slot

    job = Job("sync", [Slot.parse("02:00", "UTC")], ran.append)
    with time_machine.travel(utc("2026-11-25T08:00:00"), tick=False):
        run_forever(
            [job],
            last_started=lambda name: utc("2026-11-24T02:00:00"),
            now=lambda: datetime.now(UTC),
            stop=stop,
            on_not_caught_up=not_caught_up,
        )
    assert ran == []
    assert skipped == [("sync", utc("2026-11-25T02:00:00"))]


def test_nothing_runs_at_start_when_no_slot_was_missed() -> None:
    ran: list[str] = []
    job = Job("sync", [Slot.parse("02:00", "UTC")], lambda slot: ran.append("sync"))
    caught_up = catch_up(
        [job],
        last_started=lambda name: utc("2026-11-25T02:00:01"),
        now=lambda: utc("2026-11-25T08:00:00"),
        stop=StopFlag(),
    )
    assert caught_up == []
    assert ran == []


def test_only_the_job_that_missed_its_slot_catches_up() -> None:
    ran: list[str] = []
    jobs = [
        Job("sync", [Slot.parse("02:00", "UTC")], lambda slot: ran.append("sync")),
        Job("digest", [Slot.parse("monday 09:00", "UTC")], lambda slot: ran.append("digest")),
    ]
    last = {"sync": utc("2026-11-24T02:00:00"), "digest": utc("2026-11-23T09:00:00")}
    caught_up = catch_up(
        jobs,
        last_started=last.get,
        now=lambda: utc("2026-11-25T08:00:00"),
        stop=StopFlag(),
    )
    assert caught_up == ["sync"]
    assert ran == ["sync"]


def test_sigterm_sets_the_stop_flag_and_handlers_are_restored() -> None:
    previous = signal.getsignal(signal.SIGTERM)
    stop = StopFlag()
    with stop_on_signals(stop):
        os.kill(os.getpid(), signal.SIGTERM)
        assert stop.wait(5)
    assert signal.getsignal(signal.SIGTERM) == previous
