"""Retry and pacing policy shared by the connectors (fake clock and sleep: no waiting)."""

from __future__ import annotations

import pytest

from tracker.connectors import ConnectorError, Postponed, RateLimited
from tracker.retry import Pacer, Pacing, RetryPolicy


class Flaky:
    """Fails with the given errors, then answers "ok"."""

    def __init__(self, *errors: Exception) -> None:
        self.errors = list(errors)
        self.calls = 0

    def __call__(self) -> str:
        self.calls += 1
        if self.errors:
            raise self.errors.pop(0)
        return "ok"


def policy(attempts: int = 5) -> tuple[RetryPolicy, list[float]]:
    slept: list[float] = []
    return RetryPolicy(attempts=attempts, sleep=slept.append), slept


def test_a_transient_error_is_retried_until_it_succeeds() -> None:
    retry, slept = policy()
    flaky = Flaky(ConnectorError("502", transient=True), ConnectorError("502", transient=True))
    assert retry.call(flaky) == "ok"
    assert flaky.calls == 3 and len(slept) == 2


def test_retry_after_is_honoured_exactly() -> None:
    retry, slept = policy()
    assert retry.call(Flaky(RateLimited("429", retry_after=12))) == "ok"
    assert slept == [12.0]


def test_without_retry_after_the_backoff_grows() -> None:
    retry, slept = policy()
    errors = [ConnectorError("500", transient=True) for _ in range(4)]
    retry.call(Flaky(*errors))
    assert slept[0] < slept[2] < slept[3] <= retry.max_wait + retry.initial_wait


def test_an_absurd_retry_after_is_capped() -> None:
    retry, slept = policy()
    retry.call(Flaky(RateLimited("429", retry_after=86_400)))
    assert slept == [retry.max_retry_after]


def test_a_permanent_error_is_raised_at_once() -> None:
    retry, slept = policy()
    flaky = Flaky(ConnectorError("404"))
    with pytest.raises(ConnectorError, match="404"):
        retry.call(flaky)
    assert flaky.calls == 1 and slept == []


def test_the_last_error_is_raised_after_the_attempts_run_out() -> None:
    retry, _ = policy(attempts=3)
    flaky = Flaky(*[ConnectorError(f"boom {n}", transient=True) for n in range(5)])
    with pytest.raises(ConnectorError, match="boom 2"):
        retry.call(flaky)
    assert flaky.calls == 3


def test_a_non_idempotent_call_is_retried_only_when_the_server_did_nothing() -> None:
    retry, _ = policy()
    assert retry.call(Flaky(RateLimited("429", retry_after=1)), idempotent=False) == "ok"
    unclear = Flaky(ConnectorError("500", transient=True))
    with pytest.raises(ConnectorError):
        retry.call(unclear, idempotent=False)
    assert unclear.calls == 1


class FakeTime:
    def __init__(self) -> None:
        self.now = 1000.0
        self.slept: list[float] = []

    def clock(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.now += seconds


def test_the_pacer_spaces_creations_evenly() -> None:
    time = FakeTime()
    pacer = Pacer(60, clock=time.clock, sleep=time.sleep)
    for _ in range(4):
        pacer.wait()
    assert time.slept == [1.0, 1.0, 1.0]


def test_time_spent_elsewhere_counts_towards_the_spacing() -> None:
    time = FakeTime()
    pacer = Pacer(60, clock=time.clock, sleep=time.sleep)
    pacer.wait()
    time.now += 0.75
    pacer.wait()
    assert time.slept == [pytest.approx(0.25)]


def test_hold_pushes_the_next_creation_out() -> None:
    time = FakeTime()
    pacer = Pacer(60, clock=time.clock, sleep=time.sleep)
    pacer.wait()
    pacer.hold(30)
    pacer.wait()
    assert time.slept == [30.0] and pacer.waited == 30.0


def test_zero_per_minute_disables_pacing_but_still_honours_holds() -> None:
    time = FakeTime()
    pacer = Pacer(0, clock=time.clock, sleep=time.sleep)
    pacer.wait()
    pacer.wait()
    assert time.slept == []
    pacer.hold(5)
    pacer.wait()
    assert time.slept == [5.0]


def test_the_eta_counts_the_remaining_slots() -> None:
    time = FakeTime()
    pacer = Pacer(70, clock=time.clock, sleep=time.sleep)
    assert pacer.eta(0) == 0.0
    pacer.wait()
    assert pacer.eta(71) == pytest.approx(60.0 + 60 / 70)


def test_edits_spend_points_but_no_creation_slot() -> None:
    time = FakeTime()
    pacer = Pacer(60, points_per_minute=900, clock=time.clock, sleep=time.sleep)
    pacer.wait()
    for _ in range(5):
        pacer.wait(creation=False)
    assert time.slept == []  # edits don't wait for the next creation slot
    pacer.wait()
    assert time.slept == [1.0]


def test_writes_wait_when_the_minutes_points_are_spent() -> None:
    time = FakeTime()
    pacer = Pacer(600, points_per_minute=20, write_points=5, clock=time.clock, sleep=time.sleep)
    for _ in range(4):
        pacer.wait(creation=False)  # 4 × 5 points: the minute's budget
    assert time.slept == []
    pacer.wait(creation=False)
    assert time.slept == [60.0]  # until the first write's points leave the window


def test_each_write_costs_the_points_its_connector_declares() -> None:
    time = FakeTime()
    pacing = Pacing(creations_per_minute=600, points_per_minute=6, points_per_write=3)
    pacer = Pacer.declared(pacing, clock=time.clock, sleep=time.sleep)
    pacer.wait(creation=False)
    pacer.wait(creation=False)  # 2 × 3 points: the minute's budget
    assert time.slept == []
    pacer.wait(creation=False)
    assert time.slept == [60.0]


def test_a_write_costs_one_point_when_the_connector_declares_no_cost() -> None:
    time = FakeTime()
    pacer = Pacer.declared(Pacing(600, points_per_minute=3), clock=time.clock, sleep=time.sleep)
    for _ in range(3):
        pacer.wait(creation=False)
    assert time.slept == []


def test_a_declared_hourly_budget_postpones_creations_after_its_wait() -> None:
    time = FakeTime()
    pacing = Pacing(60, creations_per_hour=2, postpone_after=120)
    pacer = Pacer.declared(pacing, clock=time.clock, sleep=time.sleep)
    pacer.wait()
    pacer.wait()
    with pytest.raises(Postponed):
        pacer.wait()


def test_creations_wait_when_the_hours_budget_is_spent() -> None:
    time = FakeTime()
    pacer = Pacer(60, per_hour=3, clock=time.clock, sleep=time.sleep)
    for _ in range(4):
        pacer.wait()
    assert time.slept == [1.0, 1.0, pytest.approx(3598.0)]


def test_a_creation_that_would_wait_past_max_wait_is_postponed_not_slept() -> None:
    time = FakeTime()
    pacer = Pacer(60, per_hour=3, clock=time.clock, sleep=time.sleep, max_wait=300)
    for _ in range(3):
        pacer.wait()
    with pytest.raises(Postponed) as raised:
        pacer.wait()
    assert raised.value.retry_after == pytest.approx(3598.0)
    assert time.slept == [1.0, 1.0]  # nothing slept for the hour
    pacer.wait(creation=False)  # edits are not creations: they go on


def test_a_long_server_hold_postpones_creations_too() -> None:
    time = FakeTime()
    pacer = Pacer(60, clock=time.clock, sleep=time.sleep, max_wait=300)
    pacer.hold(1800)
    with pytest.raises(Postponed):
        pacer.wait()


def test_a_hold_delays_edits_too() -> None:
    time = FakeTime()
    pacer = Pacer(60, points_per_minute=900, clock=time.clock, sleep=time.sleep)
    pacer.hold(20)
    pacer.wait(creation=False)
    assert time.slept == [20.0]


def test_a_sleep_that_does_not_move_the_clock_still_moves_the_windows() -> None:
    """An injected sleep (tests) may not move the clock the pacer reads."""
    slept: list[float] = []
    pacer = Pacer(60, points_per_minute=10, write_points=5, clock=lambda: 0.0, sleep=slept.append)
    for _ in range(5):
        pacer.wait(creation=False)
    assert slept == [60.0, 60.0]  # two writes a minute: at 0, 0, 60, 60, 120


def test_an_earlier_runs_creations_count_against_the_hour() -> None:
    earlier = FakeTime()
    first = Pacer(60, per_hour=3, clock=earlier.clock, sleep=earlier.sleep, max_wait=300)
    for _ in range(3):
        first.wait()
    times = first.history(wall_now=50_000.0)  # the wall clock said 50,000 s at the end
    later = FakeTime()
    later.now = 7.0  # another process: its own monotonic clock
    second = Pacer(60, per_hour=3, clock=later.clock, sleep=later.sleep, max_wait=300)
    second.restore(times, wall_now=50_060.0)  # a minute later
    with pytest.raises(Postponed) as raised:
        second.wait()
    assert raised.value.retry_after == pytest.approx(3600 - 60 - 2)


def test_creations_older_than_an_hour_are_forgotten() -> None:
    time = FakeTime()
    pacer = Pacer(60, per_hour=1, clock=time.clock, sleep=time.sleep, max_wait=300)
    pacer.restore([1_000.0], wall_now=1_000.0 + 3_601)
    assert pacer.wait() == 0.0


def test_a_restored_creation_stamped_after_now_counts_as_now() -> None:
    """Two processes' clocks may disagree by a little: never count fewer creations."""
    time = FakeTime()
    pacer = Pacer(60, per_hour=1, clock=time.clock, sleep=time.sleep, max_wait=300)
    pacer.restore([2_005.0], wall_now=2_000.0)
    with pytest.raises(Postponed):
        pacer.wait()
