"""Reminders: overdue/unowned tickets get one comment per interval; digests per team."""

from __future__ import annotations

import io
import json
import os
import threading
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path
from typing import Any, ClassVar

import pytest
import time_machine
from rich.console import Console
from sqlmodel import select
from tracker_github.sandbox.server import GitHubSandbox
from tracker_jira.sandbox.server import JiraSandbox

from tests.sync_support import EN_DOC, ZH_DOC, SyncWorld
from tracker.cli.remind import run_reminders
from tracker.config import load_config
from tracker.errors import ConfigError, TrackerError
from tracker.reminders import Nudge, comment_text, slack_payload
from tracker.report.model import ItemRow
from tracker.store.models import Reminder, SyncRun

AS_OF = date(2026, 11, 25)
# The wall clock every test here runs at: sync records and reminders stamp "now",
# so the day judged (AS_OF) and the clock must agree whatever today's date is.
CLOCK = datetime(2026, 11, 25, 9, 0, tzinfo=UTC)
JIRA_COMMENT = "POST /rest/api/2/issue/{issueIdOrKey}/comment"


@pytest.fixture
def world(
    tmp_path: Path, jira_sandbox: JiraSandbox, github_sandbox: GitHubSandbox
) -> Iterator[SyncWorld]:
    traveller = time_machine.travel(CLOCK, tick=True)
    traveller.start()
    world = SyncWorld(tmp_path, jira_sandbox, github_sandbox)
    world.write("checkout.md", EN_DOC)
    world.write("search-zh.md", ZH_DOC)
    result = world.sync()
    assert not result.failed
    yield world
    world.close()
    traveller.stop()


def remind(world: SyncWorld, **options: Any) -> Any:
    return run_reminders(
        world.config,
        as_of=AS_OF,
        console=Console(file=io.StringIO(), width=200),
        env=world.env,
        **options,
    )


def jira_comments(world: SyncWorld) -> int:
    assert world.jira is not None
    return int(world.jira.requests.snapshot()["by_route"].get(JIRA_COMMENT, 0))


def github_comment_counts(world: SyncWorld) -> int:
    assert world.github is not None
    return sum(issue["comments"] for issue in world.github.issues("acme/app"))


def test_overdue_items_with_tickets_get_a_comment(world: SyncWorld) -> None:
    result = remind(world, digest=False)
    # EN_DOC: two open items due in March/April 2026 → overdue on Jira tickets.
    # ZH_DOC: two open items due June 2026 → overdue on GitHub issues.
    reasons = sorted((n.item.action, n.reason) for n in result.commented)
    assert ("Restore the connection-pool size to 50", "overdue") in reasons
    assert ("增加对账告警", "overdue") in reasons
    assert jira_comments(world) == 2
    assert github_comment_counts(world) == 2


def test_second_run_within_the_interval_repeats_nothing(world: SyncWorld) -> None:
    first = remind(world, digest=False)
    second = remind(world, digest=False)
    assert first.commented
    assert second.commented == []
    assert second.recently_reminded == len(first.commented)
    assert jira_comments(world) == 2


def test_reminder_is_sent_again_after_the_interval(world: SyncWorld) -> None:
    remind(world, digest=False)
    with world.store.session() as session:
        for row in session.exec(select(Reminder)).all():
            row.last_sent_at = datetime.now(UTC) - timedelta(days=8)
            session.add(row)
    again = remind(world, digest=False)
    assert len(again.commented) == 4
    assert jira_comments(world) == 4


def test_dry_run_posts_nothing_and_records_nothing(world: SyncWorld) -> None:
    result = remind(world, dry_run=True)
    assert len(result.commented) == 4
    assert jira_comments(world) == 0
    assert github_comment_counts(world) == 0
    with world.store.session() as session:
        assert session.exec(select(Reminder)).all() == []
    assert result.digests == []


def test_dry_run_needs_no_credentials(world: SyncWorld) -> None:
    without_tokens = {k: v for k, v in os.environ.items() if not k.startswith("TEST_")}
    result = run_reminders(
        load_config(world.config_path, env=without_tokens),
        as_of=AS_OF,
        console=Console(file=io.StringIO(), width=200),
        env=without_tokens,
        dry_run=True,
    )
    assert len(result.commented) == 4


UNOWNED_DOC = """\
---
team: payments
---

# Postmortem: Cache stampede

## Action Items

| Action | Owner | Due |
| ------ | ----- | --- |
| Add jitter to cache expiry | TBD | 2027-01-15 |
"""


def test_unowned_item_gets_a_comment_on_its_ticket(world: SyncWorld) -> None:
    world.write("cache.md", UNOWNED_DOC)
    assert not world.sync().failed
    result = remind(world, digest=False)
    unowned = [n for n in result.commented if n.reason == "unowned"]
    assert [n.item.action for n in unowned] == ["Add jitter to cache expiry"]
    assert jira_comments(world) == 3


def test_digest_is_written_per_team(world: SyncWorld) -> None:
    result = remind(world, comments=False)
    names = sorted(path.name for path in result.digests)
    assert names == ["2026-11-25-payments.md", "2026-11-25-search.md"]
    payments = (world.folder / ".tracker/digests/2026-11-25-payments.md").read_text()
    assert "Restore the connection-pool size to 50" in payments
    assert "增加对账告警" not in payments


class _Capture(BaseHTTPRequestHandler):
    received: ClassVar[list[dict[str, Any]]] = []

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers["Content-Length"]))
        _Capture.received.append(json.loads(body))
        self.send_response(200)
        self.end_headers()
        self.wfile.write(b"ok")

    def log_message(self, *args: Any) -> None:
        pass


@pytest.fixture
def webhook() -> Iterator[str]:
    _Capture.received = []
    server = HTTPServer(("127.0.0.1", 0), _Capture)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/hooks/T000/B000/secret-path"
    server.shutdown()
    server.server_close()


def test_digest_is_posted_to_the_webhook_as_slack_json(
    world: SyncWorld, webhook: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    config_text = world.config_path.read_text()
    world.config_path.write_text(
        config_text + '\n[reminders]\nwebhook_url = "${TEST_WEBHOOK}"\n', encoding="utf-8"
    )
    world.env["TEST_WEBHOOK"] = webhook
    result = remind(world, comments=False)
    assert result.webhook_posted
    [payload] = _Capture.received
    assert payload["text"].startswith("Postmortem action items — 2026-11-25")
    sections = [b["text"]["text"] for b in payload["blocks"] if b["type"] == "section"]
    assert any(s.startswith("*payments*") for s in sections)
    assert any("Restore the connection-pool size to 50" in s for s in sections)


def _item(action: str) -> ItemRow:
    return ItemRow(
        id="x",
        team="t",
        path="doc.md",
        line=3,
        action=action,
        owners=("alice",),
        status="open",
        priority=None,
        due=date(2026, 11, 1),
        days_overdue=24,
        doc_url=None,
    )


def test_comment_wording_fills_the_configured_placeholders() -> None:
    text = comment_text(
        "{action} is {reason}, due {due}, {owner} ({location})", Nudge(_item("Fix it"), "overdue")
    )
    assert text == "Fix it is overdue, due 2026-11-01, alice (doc.md:3)"


def test_slack_text_from_documents_is_escaped() -> None:
    from tracker.report.model import ReportData, TeamSummary

    team = TeamSummary("t", 1, 1, 0, 0, 0, 1, 0, 0, None, date(2026, 11, 1))
    report = ReportData(AS_OF, team, [team], [], [_item("<!channel> & run")], [], [])
    payload = slack_payload(AS_OF, [("t", report)])
    section = payload["blocks"][1]["text"]["text"]
    assert "&lt;!channel&gt; &amp; run" in section
    assert "<!channel>" not in section


def _with_reminders(world: SyncWorld, section: str) -> None:
    world.config_path.write_text(
        world.config_path.read_text() + "\n[reminders]\n" + section, encoding="utf-8"
    )


def _last_digest_run(world: SyncWorld) -> SyncRun:
    with world.store.session() as session:
        runs = session.exec(select(SyncRun).where(SyncRun.kind == "digest")).all()
    return runs[-1]


def test_a_failing_webhook_closes_the_run_as_failed_and_lists_the_comments_posted(
    world: SyncWorld,
) -> None:
    _with_reminders(world, 'webhook_url = "${TEST_WEBHOOK}"\n')
    world.env["TEST_WEBHOOK"] = "http://127.0.0.1:9/hooks/refused"
    out = io.StringIO()
    with pytest.raises(TrackerError, match="digest webhook unreachable"):
        run_reminders(
            world.config, as_of=AS_OF, console=Console(file=out, width=200), env=world.env
        )
    run = _last_digest_run(world)
    assert run.outcome == "failed"
    assert run.counts["commented"] == 4
    assert "Restore the connection-pool size to 50" in out.getvalue()
    with world.store.session() as session:
        assert len(session.exec(select(Reminder)).all()) == 4  # each comment recorded as posted


def test_an_unset_webhook_variable_is_said_not_skipped_silently(world: SyncWorld) -> None:
    _with_reminders(world, 'webhook_url = "${TEST_UNSET_WEBHOOK}"\n')
    out = io.StringIO()
    result = run_reminders(
        world.config, as_of=AS_OF, console=Console(file=out, width=200), env=world.env
    )
    assert not result.webhook_posted
    assert "environment variable TEST_UNSET_WEBHOOK (reminders.webhook_url) is not set" in (
        out.getvalue()
    )


def test_a_bad_comment_placeholder_is_a_config_error_before_anything_is_posted(
    world: SyncWorld,
) -> None:
    _with_reminders(world, 'comment = "{reason} {nope}"\n')
    with pytest.raises(ConfigError, match=r"reminders\.comment: bad placeholder 'nope'"):
        remind(world)
    assert jira_comments(world) == 0
