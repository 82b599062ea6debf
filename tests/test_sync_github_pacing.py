"""A big first sync to GitHub stays under GitHub's secondary limits at the default pace.

The sandbox enforces the documented limits (80 content creations a minute, 500 an hour,
900 points a minute per endpoint) on its clock; the engine's sleeps advance that clock,
so the minutes of pacing take no real time.
"""

from __future__ import annotations

import io
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
import time_machine
from rich.console import Console
from tracker_github.sandbox.server import GitHubSandbox

from tests.sync_support import ZH_DOC, SyncWorld
from tracker.cli.remind import run_reminders
from tracker.sync.render import render_plan, render_summary

ITEMS = 200
DAYS = 100  # two items due on each day, 2026-08-01 to 2026-11-08
MONTHS = 4  # one due-date milestone per month, not per day


def big_document() -> str:
    first = date(2026, 8, 1)
    rows = [
        f"| Harden dependency {n} | @chen | {first + timedelta(days=n % DAYS)} | Open |"
        for n in range(ITEMS)
    ]
    return "\n".join(
        [
            "---",
            "team: search",
            "---",
            "",
            "# Postmortem: Index rebuild storm",
            "",
            "**Date**: 2026-07-20",
            "",
            "## Action Items",
            "",
            "| Action | Owner | Due | Status |",
            "| ------ | ----- | --- | ------ |",
            *rows,
            "",
        ]
    )


@pytest.fixture
def world(tmp_path: Path, github_sandbox: GitHubSandbox) -> Iterator[SyncWorld]:
    github_sandbox.clock.set(datetime(2026, 7, 21, 9, 0, tzinfo=UTC))
    created = SyncWorld(tmp_path, None, github_sandbox, github_pacing=70)
    yield created
    created.close()


def test_a_200_item_first_sync_with_due_dates_gets_no_secondary_limit_refusal(
    world: SyncWorld, github_sandbox: GitHubSandbox
) -> None:
    world.write("2026-07-20-index.md", big_document())
    result = world.sync(now=datetime(2026, 7, 21, 9, 0, tzinfo=UTC))
    assert result.failed == {}
    assert len(github_sandbox.issues("acme/app")) >= ITEMS
    routes = github_sandbox.requests.snapshot()["by_route"]
    assert routes["POST /repos/{owner}/{repo}/milestones"] == MONTHS
    assert routes["POST /repos/{owner}/{repo}/issues"] == ITEMS
    assert github_sandbox.limits.secondary_refusals == 0
    assert sum(world.waits) >= (ITEMS + MONTHS - 1) * 60 / 70 - 1  # paced, on the fake clock


HOURLY = 20  # GitHub's 500 an hour, scaled down: the sandbox refuses the 21st creation
BIG = 30  # items, all due in August: one milestone + 30 issues = 31 creations


def bigger_than_an_hour(count: int = BIG, first: int = 0) -> str:
    rows = [
        f"| Rotate key {n} | @chen | 2026-08-{1 + n % 28:02d} | Open |"
        for n in range(first, first + count)
    ]
    return big_document().split("| ------ | ----- | --- | ------ |")[0] + "\n".join(
        ["| ------ | ----- | --- | ------ |", *rows, ""]
    )


@pytest.fixture
def hourly_world(tmp_path: Path, github_sandbox: GitHubSandbox) -> Iterator[SyncWorld]:
    github_sandbox.clock.set(datetime(2026, 7, 21, 9, 0, tzinfo=UTC))
    github_sandbox.set_rate_limits(creation_per_hour=HOURLY)
    created = SyncWorld(
        tmp_path,
        None,
        github_sandbox,
        github_pacing=70,
        github_settings={"creations_per_hour": HOURLY},
    )
    created.write("2026-07-20-keys.md", bigger_than_an_hour())
    yield created
    created.close()


def tracker_issues(sandbox: GitHubSandbox) -> list[dict]:
    return [i for i in sandbox.issues("acme/app") if "tracker:item=" in (i["body"] or "")]


def test_a_sync_over_the_hourly_budget_stops_creating_and_says_when_it_will_be_done(
    hourly_world: SyncWorld, github_sandbox: GitHubSandbox
) -> None:
    result = hourly_world.sync(now=datetime(2026, 7, 21, 9, 0, tzinfo=UTC))
    assert result.exit_code == 1 and result.failed == {}
    assert len(tracker_issues(github_sandbox)) == HOURLY - 1  # + the August milestone
    assert len(result.postponed) == BIG - (HOURLY - 1)
    assert github_sandbox.limits.secondary_refusals == 0
    assert max(hourly_world.waits) < 300  # no hour-long sleep inside the run
    [later] = result.postponements
    assert later.system == "github" and later.items == BIG - (HOURLY - 1)
    assert later.resume_at > datetime(2026, 7, 21, 9, 59, tzinfo=UTC)  # an hour after 09:00
    assert later.runs == 1
    summary = "\n".join(render_summary(result))
    assert "11 github item(s) postponed" in summary and "1 more run(s)" in summary


def test_a_run_before_the_pause_ends_sends_no_creation(
    hourly_world: SyncWorld, github_sandbox: GitHubSandbox
) -> None:
    hourly_world.sync(now=datetime(2026, 7, 21, 9, 0, tzinfo=UTC))
    github_sandbox.requests.reset()
    hourly_world.later(600)
    again = hourly_world.sync(now=datetime(2026, 7, 21, 9, 10, tzinfo=UTC))
    assert len(again.postponed) == BIG - (HOURLY - 1)
    routes = github_sandbox.requests.snapshot()["by_route"]
    assert "POST /repos/{owner}/{repo}/issues" not in routes
    assert github_sandbox.limits.secondary_refusals == 0


def test_the_next_run_after_the_hour_finishes_without_a_duplicate(
    hourly_world: SyncWorld, github_sandbox: GitHubSandbox
) -> None:
    hourly_world.sync(now=datetime(2026, 7, 21, 9, 0, tzinfo=UTC))
    hourly_world.later(3660)
    result = hourly_world.sync(now=datetime(2026, 7, 21, 10, 1, tzinfo=UTC))
    assert result.exit_code == 0, result.postponed
    identities = [i["body"].rsplit("tracker:item=", 1)[1] for i in tracker_issues(github_sandbox)]
    assert len(identities) == BIG and len(set(identities)) == BIG
    assert github_sandbox.limits.secondary_refusals == 0
    assert hourly_world.read("2026-07-20-keys.md").count("| [#") == BIG  # every row linked


def test_a_dry_run_says_beforehand_that_the_creates_take_several_runs(
    hourly_world: SyncWorld,
) -> None:
    plan = hourly_world.sync(dry_run=True, now=datetime(2026, 7, 21, 9, 0, tzinfo=UTC))
    assert plan.forecasts == [
        "30 github tickets to create at 20 creations an hour: this takes 2 runs an hour "
        "apart. This run creates up to 20, the rest are postponed (exit 1) and created by "
        "the next runs, the last from about 2026-07-21 10:00 UTC."
    ]
    assert any(plan.forecasts[0] in line for line in render_plan(plan))


def test_a_second_run_within_the_hour_counts_what_the_first_one_made(
    tmp_path: Path, github_sandbox: GitHubSandbox
) -> None:
    github_sandbox.clock.set(datetime(2026, 7, 21, 9, 0, tzinfo=UTC))
    github_sandbox.set_rate_limits(creation_per_hour=HOURLY)
    world = SyncWorld(
        tmp_path,
        None,
        github_sandbox,
        github_pacing=70,
        github_settings={"creations_per_hour": HOURLY},
    )
    try:
        world.write("a.md", bigger_than_an_hour(10))
        first = world.sync(now=datetime(2026, 7, 21, 9, 0, tzinfo=UTC))
        assert first.exit_code == 0  # 1 milestone + 10 issues: within the hour's 20
        world.later(600)
        world.write("b.md", bigger_than_an_hour(15, first=100))
        second = world.sync(now=datetime(2026, 7, 21, 9, 10, tzinfo=UTC))
        assert len(tracker_issues(github_sandbox)) == HOURLY - 1  # 9 more fit in the hour
        assert len(second.postponed) == 6
        assert github_sandbox.limits.secondary_refusals == 0  # GitHub never had to say no
    finally:
        world.close()


def test_reminder_comments_count_the_creations_sync_just_made(
    tmp_path: Path, github_sandbox: GitHubSandbox
) -> None:
    """Comments are content creations too: `tracker remind` right after a sync that
    spent the hour's budget posts none (they wait for the next run), and GitHub never
    has to refuse one."""
    clock = datetime(2026, 11, 25, 9, 0, tzinfo=UTC)
    with time_machine.travel(clock, tick=True):
        github_sandbox.set_rate_limits(creation_per_hour=3)
        world = SyncWorld(
            tmp_path,
            None,
            github_sandbox,
            github_pacing=70,
            github_settings={"creations_per_hour": 3},
        )
        try:
            world.write("zh.md", ZH_DOC)  # 2 items due in June: 1 milestone + 2 issues
            assert world.sync().exit_code == 0
            result = run_reminders(
                world.config,
                as_of=clock.date(),
                console=Console(file=io.StringIO(), width=200),
                env=world.env,
                digest=False,
            )
            assert len(result.failed) == 2 and not result.commented
            assert all("creation budget" in why for _, why in result.failed)
            assert github_sandbox.limits.secondary_refusals == 0
        finally:
            world.close()
