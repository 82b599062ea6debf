"""The escalation ladder: owner first, then the team lead; one digest per person."""

from __future__ import annotations

import io
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import time_machine
from rich.console import Console
from tracker_github.sandbox.server import GitHubSandbox
from tracker_jira.sandbox.server import JiraSandbox

from tests.cli_helpers import invoke_tracker
from tests.sync_support import EN_DOC, ZH_DOC, SyncWorld
from tracker.cli.remind import run_reminders
from tracker.config import parse_config
from tracker.errors import ConfigError
from tracker.store import upgrade_store

AS_OF = date(2026, 11, 25)
CLOCK = datetime(2026, 11, 25, 9, 0, tzinfo=UTC)  # the first sync: items first seen today
# EN_DOC (payments, Jira): open items due 2026-03-20 (250 days overdue on AS_OF) and
# 2026-04-01 (238). ZH_DOC (search, GitHub): due 2026-06-01 (177) and 2026-06-15 (163).
UNOWNED_DOC = """\
---
team: payments
---

# Postmortem: Webhook retries

**Date**: 2026-11-20

## Action Items

| Action | Owner | Due | Status |
| ------ | ----- | --- | ------ |
| Cap webhook retries at five | | 2027-03-01 | Open |
"""


def with_ladder(world: SyncWorld, ladder: str, *, lead: str = "dana") -> None:
    """The world's config with a lead for payments and an [reminders.escalation] table."""
    text = world.config_path.read_text(encoding="utf-8")
    text = text.replace('name = "payments"\n', f'name = "payments"\nlead = "{lead}"\n', 1)
    text += f"\n[reminders.escalation]\n{ladder}\n"
    world.config_path.write_text(text, encoding="utf-8")


@pytest.fixture
def world(
    tmp_path: Path, store_url: str, jira_sandbox: JiraSandbox, github_sandbox: GitHubSandbox
) -> Iterator[SyncWorld]:
    """Synced documents on SQLite and on PostgreSQL (`store_url`)."""
    traveller = time_machine.travel(CLOCK, tick=True)
    traveller.start()
    upgrade_store(store_url)
    world = SyncWorld(tmp_path, jira_sandbox, github_sandbox, database_url=store_url)
    world.write("checkout.md", EN_DOC)
    world.write("search-zh.md", ZH_DOC)
    world.write("webhooks.md", UNOWNED_DOC)
    assert not world.sync().failed
    yield world
    world.close()
    traveller.stop()


def remind(world: SyncWorld, *, as_of: date = AS_OF, **options: Any) -> Any:
    return run_reminders(
        world.config,
        as_of=as_of,
        console=Console(file=io.StringIO(), width=200),
        env=world.env,
        **options,
    )


def escalated(result: Any) -> list[tuple[str, str, str]]:
    return sorted((step.item.action, step.reason, step.lead) for step, _ in result.escalated)


def jira_comment_bodies(world: SyncWorld) -> list[str]:
    assert world.jira is not None
    issues = world.jira.dump_state()["issues"]
    return [comment["body"] for issue in issues for comment in issue["comments"]]


def test_an_item_overdue_past_lead_after_days_goes_to_the_team_lead(world: SyncWorld) -> None:
    with_ladder(world, "lead_after_days = 240")
    result = remind(world, digest=False)
    # Only the payments item 250 days overdue; search names no lead.
    assert escalated(result) == [("Restore the connection-pool size to 50", "lead-overdue", "dana")]


def test_a_team_without_a_lead_escalates_nothing(world: SyncWorld) -> None:
    world.config_path.write_text(
        world.config_path.read_text(encoding="utf-8")
        + "\n[reminders.escalation]\nlead_after_days = 1\n",
        encoding="utf-8",
    )
    assert remind(world, digest=False).escalated == []


def test_owner_after_days_holds_back_the_owners_comment(world: SyncWorld) -> None:
    with_ladder(world, "owner_after_days = 200\nlead_after_days = 400")
    result = remind(world, digest=False)
    overdue = sorted(n.item.action for n in result.commented if n.reason == "overdue")
    assert overdue == ["Alert on pool saturation", "Restore the connection-pool size to 50"]


def test_an_escalation_is_not_repeated_inside_the_interval(world: SyncWorld) -> None:
    with_ladder(world, "lead_after_days = 240")
    first = remind(world, digest=False)
    second = remind(world, digest=False)
    assert len(first.escalated) == 1
    assert second.escalated == []
    assert second.recently_reminded == len(first.commented) + 1


def test_an_escalation_comes_back_after_the_interval(world: SyncWorld) -> None:
    with_ladder(world, "lead_after_days = 240\nunowned_lead_after_days = 1000")
    remind(world, digest=False)
    with time_machine.travel(CLOCK + timedelta(days=8), tick=True):
        again = remind(world, as_of=AS_OF + timedelta(days=8), digest=False)
    # Eight days later the second payments item (238 + 8 days) has reached the lead too.
    assert [reason for _, reason, _ in escalated(again)] == ["lead-overdue", "lead-overdue"]


def test_the_ticket_says_who_it_was_escalated_to_when_asked(world: SyncWorld) -> None:
    with_ladder(world, "lead_after_days = 240\ncomment_on_ticket = true")
    result = remind(world, digest=False)
    assert [commented for _, commented in result.escalated] == [True]
    bodies = jira_comment_bodies(world)
    assert sum("Escalated to dana (lead of payments)" in body for body in bodies) == 1
    assert any("250 days overdue" in body for body in bodies)


def test_an_item_nudged_and_escalated_gets_one_comment_saying_both(world: SyncWorld) -> None:
    with_ladder(world, "lead_after_days = 240\ncomment_on_ticket = true")
    remind(world, digest=False)
    bodies = [body for body in jira_comment_bodies(world) if "Escalated to dana" in body]
    assert len(bodies) == 1
    assert "Reminder: this postmortem action item is overdue" in bodies[0]


def test_without_comment_on_ticket_the_escalation_posts_nothing(world: SyncWorld) -> None:
    with_ladder(world, "lead_after_days = 240")
    remind(world, digest=False)
    assert not any("Escalated" in body for body in jira_comment_bodies(world))


def test_an_unowned_item_goes_to_the_lead_after_k_days(world: SyncWorld) -> None:
    with_ladder(world, "lead_after_days = 1000\nunowned_lead_after_days = 7")
    assert remind(world, as_of=AS_OF + timedelta(days=6), dry_run=True).escalated == []
    later = remind(world, as_of=AS_OF + timedelta(days=7), dry_run=True)
    assert escalated(later) == [("Cap webhook retries at five", "lead-unowned", "dana")]
    assert later.escalated[0][0].detail == "unowned for 7 days"


def test_a_dry_run_records_no_escalation(world: SyncWorld) -> None:
    with_ladder(world, "lead_after_days = 240")
    assert len(remind(world, dry_run=True).escalated) == 1
    assert len(remind(world, digest=False).escalated) == 1


def test_each_person_gets_one_digest_across_all_postmortems(world: SyncWorld) -> None:
    with_ladder(world, "lead_after_days = 240")
    result = remind(world, comments=False)
    people = world.folder / ".tracker" / "digests" / "people"
    assert sorted(p.name for p in people.iterdir()) == [
        "2026-11-25-alice.md",
        "2026-11-25-bob.md",
        "2026-11-25-chen.md",
        "2026-11-25-dana.md",
    ]
    bob = (people / "2026-11-25-bob.md").read_text(encoding="utf-8")
    # bob owns an overdue item in the English (Jira) and in the Chinese (GitHub) postmortem.
    assert "## Overdue items you own (2)" in bob
    assert "Alert on pool saturation" in bob and "增加对账告警" in bob
    dana = (people / "2026-11-25-dana.md").read_text(encoding="utf-8")
    assert "## Escalated to you as team lead (1)" in dana
    assert "Restore the connection-pool size to 50" in dana and "250 days overdue" in dana
    assert sorted(result.person_digests) == sorted(people.iterdir())


def test_people_digests_can_be_turned_off(world: SyncWorld) -> None:
    with_ladder(world, "people_digests = false")
    remind(world, comments=False)
    assert not (world.folder / ".tracker" / "digests" / "people").exists()


def test_tracker_remind_shows_the_escalation(
    world: SyncWorld, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    with_ladder(world, "lead_after_days = 240")
    outcome = invoke_tracker(
        "remind",
        "--config",
        str(world.config_path),
        "--as-of",
        "2026-11-25",
        "--no-digest",
        capsys=capsys,
        monkeypatch=monkeypatch,
        env={"COLUMNS": "200", **world.env},
    )
    assert outcome.returncode == 0
    assert "escalated to dana (250 days overdue)" in outcome.stdout


def test_a_lead_after_the_owner_is_the_only_order_accepted(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="lead_after_days \\(3\\) comes before"):
        parse_config(
            {"reminders": {"escalation": {"owner_after_days": 5, "lead_after_days": 3}}},
            label="tracker.toml",
            base_dir=tmp_path,
            env={},
        )
