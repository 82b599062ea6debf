"""A third party adds a ticket system with no change to the core.

`tinytrack` is written here, into a temporary folder, the way a separate distribution
would be: its own settings and team-target models, its reference syntax (`ops!7`), its
people key and scope rule, and a connector whose "server" is a JSON file (a real file
the test can read, and edit as a person would). It is installed by entry point (a
`*.dist-info` on sys.path, what pip leaves behind) and a document is synced through
the real engine, store and write-back.
"""

from __future__ import annotations

import json
import sys
import textwrap
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
import time_machine

from tracker.config import load_config
from tracker.connectors import forget_connector_plugins
from tracker.errors import ConfigError
from tracker.parse import parse_ticket_refs
from tracker.store import open_store
from tracker.sync import run_sync

TINYTRACK = '''
"""tinytrack: boards of tickets kept in one JSON file (a third party's connector)."""

from __future__ import annotations

import json
import re
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Literal

from pydantic import ConfigDict

from tracker.config import ConnectorConfig, TargetSettings
from tracker.connectors import (
    Capabilities,
    CreateResult,
    RemoteTicket,
    ServerIdentity,
    Target,
)
from tracker.model import Status, TicketRef

KEY = re.compile(r"^([a-z]+)!(\\d+)$")


class TinySettings(ConnectorConfig):
    model_config = ConfigDict(extra="forbid", frozen=True)
    path: str


class TinyTarget(TargetSettings):
    model_config = ConfigDict(extra="forbid", frozen=True)
    system: Literal["tinytrack"]
    board: str

    def scope_name(self) -> str:
        return self.board

    def to_target(self) -> Target:
        return Target("tinytrack", project=self.board)


class TinySyntax:
    pattern = r"(?<![\\w!])[a-z]+!\\d+\\b"
    priority = 30

    def read(self, text):
        return TicketRef("tinytrack", text) if KEY.match(text) else None

    def read_url(self, url):
        match = re.match(r"^https://tiny\\.example/([a-z]+)/(\\d+)$", url)
        return TicketRef("tinytrack", f"{match[1]}!{match[2]}", url) if match else None

    def scope_of(self, key):
        return key.split("!", 1)[0]

    def complete(self, ref, scope):
        return ref


def _url(key):
    board, number = key.split("!")
    return f"https://tiny.example/{board}/{number}"


class TinyConnector:
    name = "tinytrack"
    capabilities = Capabilities(bulk_create=10, entity_properties=False, incremental_fetch=True)

    def __init__(self, path):
        self.path = Path(path)

    @classmethod
    def from_settings(cls, settings, *, env, **options):
        return cls(settings["path"])

    def _load(self):
        if not self.path.exists():
            return {"next": {}, "tickets": {}}
        return json.loads(self.path.read_text())

    def _save(self, data):
        self.path.write_text(json.dumps(data, indent=1))

    def _ticket(self, key, row):
        return RemoteTicket(
            ref=TicketRef("tinytrack", key, _url(key)),
            identity=row["identity"],
            status=Status(row["status"]),
            remote_status=row["status"],
            summary=row["summary"],
            assignee=row["assignee"],
            due=date.fromisoformat(row["due"]) if row["due"] else None,
            priority=row["priority"],
            labels=tuple(row["labels"]),
            updated_at=datetime.fromisoformat(row["updated_at"]),
            creator="bot",
        )

    def account(self):
        return "bot"

    def check(self):
        return "ok: signed in to tinytrack as bot"

    def owns(self, ref):
        return ref.system == "tinytrack"

    def check_target(self, target):
        return None

    def create(self, drafts):
        data = self._load()
        results = []
        for draft in drafts:
            board = draft.target.scope
            number = data["next"].get(board, 1)
            data["next"][board] = number + 1
            key = f"{board}!{number}"
            data["tickets"][key] = {
                "identity": draft.identity,
                "summary": draft.summary,
                "status": "open",
                "assignee": draft.assignee,
                "due": draft.due.isoformat() if draft.due else None,
                "priority": draft.priority,
                "labels": list(draft.labels),
                "updated_at": datetime.now(UTC).isoformat(),
                "comments": [],
            }
            results.append(CreateResult(draft.identity, self._ticket(key, data["tickets"][key])))
        self._save(data)
        return results

    def update(self, ref, changes):
        data = self._load()
        row = data["tickets"][ref.key]
        for name in ("summary", "priority", "assignee"):
            if getattr(changes, name) is not None:
                row[name] = getattr(changes, name)
        if changes.due is not None:
            row["due"] = changes.due.isoformat()
        if changes.clear_due:
            row["due"] = None
        if changes.clear_assignee:
            row["assignee"] = None
        if changes.status is not None:
            row["status"] = changes.status.value
        row["updated_at"] = datetime.now(UTC).isoformat()
        self._save(data)
        return self._ticket(ref.key, row)

    def fetch(self, refs):
        tickets = self._load()["tickets"]
        return [
            self._ticket(ref.key, tickets[ref.key]) if ref.key in tickets
            else RemoteTicket.gone(ref)
            for ref in refs
        ]

    def fetch_changed_since(self, target, since):
        for key, row in self._load()["tickets"].items():
            changed = datetime.fromisoformat(row["updated_at"])
            if key.startswith(target.scope + "!") and (since is None or changed > since):
                yield self._ticket(key, row)

    def find_by_identity(self, target, identities):
        wanted = set(identities)
        return {
            row["identity"]: self._ticket(key, row)
            for key, row in self._load()["tickets"].items()
            if row["identity"] in wanted and key.startswith(target.scope + "!")
        }

    def creation_hint(self, target):
        return {}

    def find_created(self, target, identities, hints):
        found = self.find_by_identity(target, identities)  # the file is the truth: no lag
        return found, set(identities) - set(found)

    def add_comment(self, ref, body):
        data = self._load()
        data["tickets"][ref.key]["comments"].append(body)
        self._save(data)

    def server_identity(self):
        return ServerIdentity(f"tinytrack:{self.path.resolve()}", "https://tiny.example")


class TinyPlugin:
    name = "tinytrack"
    settings_model = TinySettings
    target_model = TinyTarget
    person_field = "tinytrack_user"
    syntax = TinySyntax()

    @classmethod
    def from_settings(cls, settings, *, env, **options):
        return TinyConnector.from_settings(settings, env=env)

    @classmethod
    def claims_scope(cls, name):
        return bool(re.fullmatch(r"[a-z]+", name))

    @classmethod
    def front_matter_target(cls, front):
        board = front.get("tinytrack_board")
        return Target("tinytrack", project=board) if isinstance(board, str) else None
'''

DOCUMENT = """\
# Postmortem: queue backlog

## Action Items

| Action | Owner | Due | Status | Ticket |
|---|---|---|---|---|
| Alert on queue depth | kim | 2026-12-01 | open | |
| Add a runbook for the consumer restart | lee | 2026-12-15 | open | |
"""

CONFIG = """\
[documents]
paths = ["postmortems"]

[[teams]]
name = "ops"
members = ["kim", "lee"]
paths = ["postmortems/**"]
target = { system = "tinytrack", board = "ops" }

[[people]]
name = "kim"
tinytrack_user = "kim-7"

[[people]]
name = "lee"
accounts = { tinytrack = "lee-3" }

[connectors.tinytrack]
path = "{board}"
"""


@pytest.fixture
def tinytrack(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """tinytrack installed into a temporary site folder; the project folder returned."""
    site = tmp_path / "site-packages"
    dist_info = site / "tinytrack-1.0.dist-info"
    dist_info.mkdir(parents=True)
    (dist_info / "METADATA").write_text("Metadata-Version: 2.1\nName: tinytrack\nVersion: 1.0\n")
    (dist_info / "entry_points.txt").write_text(
        "[tracker.connectors]\ntinytrack = tinytrack:TinyPlugin\n"
    )
    (site / "tinytrack.py").write_text(textwrap.dedent(TINYTRACK))
    monkeypatch.syspath_prepend(str(site))
    forget_connector_plugins()
    project = tmp_path / "project"
    (project / "postmortems").mkdir(parents=True)
    (project / "postmortems" / "queue.md").write_text(DOCUMENT, encoding="utf-8")
    config = CONFIG.replace("{board}", str(project / "board.json"))
    (project / "tracker.toml").write_text(config, encoding="utf-8")
    with time_machine.travel(datetime(2026, 11, 20, 9, 0, tzinfo=UTC), tick=True):
        yield project
    forget_connector_plugins()
    sys.modules.pop("tinytrack", None)


def sync(project: Path) -> dict[str, int]:
    config = load_config(project / "tracker.toml", env={})
    store = open_store(config.database_url or "")
    try:
        result = run_sync(config, store, [project / "postmortems"], env={})
    finally:
        store.close()
    assert result.exit_code == 0, (result.failed, result.read_errors, result.warnings)
    return result.counts


def board(project: Path) -> dict[str, dict[str, object]]:
    tickets: dict[str, dict[str, object]] = json.loads((project / "board.json").read_text())[
        "tickets"
    ]
    return tickets


def test_its_references_are_read_from_documents_once_installed(tinytrack: Path) -> None:
    [ref] = parse_ticket_refs("see ops!12 for the follow-up")
    assert (ref.system, ref.key) == ("tinytrack", "ops!12")


def test_its_own_settings_model_checks_its_section(tinytrack: Path) -> None:
    config = (tinytrack / "tracker.toml").read_text(encoding="utf-8")
    (tinytrack / "tracker.toml").write_text(config + "colour = 'red'\n", encoding="utf-8")
    with pytest.raises(ConfigError, match=r"unknown key 'colour' in \[connectors.tinytrack\]"):
        load_config(tinytrack / "tracker.toml", env={})


def test_a_document_syncs_to_it_through_the_real_engine(tinytrack: Path) -> None:
    sync(tinytrack)
    tickets = board(tinytrack)
    assert {row["summary"] for row in tickets.values()} == {
        "Alert on queue depth",
        "Add a runbook for the consumer restart",
    }
    assignees = {row["summary"]: row["assignee"] for row in tickets.values()}
    assert assignees["Alert on queue depth"] == "kim-7"  # its own people key
    assert assignees["Add a runbook for the consumer restart"] == "lee-3"  # `accounts`
    text = (tinytrack / "postmortems" / "queue.md").read_text(encoding="utf-8")
    assert "[ops!1](https://tiny.example/ops/1)" in text
    assert "[ops!2](https://tiny.example/ops/2)" in text


def test_a_second_run_creates_nothing_more(tinytrack: Path) -> None:
    sync(tinytrack)
    before = board(tinytrack)
    sync(tinytrack)
    assert board(tinytrack).keys() == before.keys()


def test_a_ticket_closed_in_the_system_is_written_back_to_the_document(tinytrack: Path) -> None:
    sync(tinytrack)
    data = json.loads((tinytrack / "board.json").read_text())
    data["tickets"]["ops!1"]["status"] = "done"
    data["tickets"]["ops!1"]["updated_at"] = datetime.now(UTC).isoformat()
    (tinytrack / "board.json").write_text(json.dumps(data))
    sync(tinytrack)
    [row] = [
        line
        for line in (tinytrack / "postmortems" / "queue.md").read_text().splitlines()
        if "Alert on queue depth" in line
    ]
    assert "| open |" not in row
    assert "done" in row.lower()


def test_bare_text_two_systems_read_belongs_to_the_documents_target(tinytrack: Path) -> None:
    from tracker.connectors import Target
    from tracker.model import TicketRef
    from tracker.sync.local import in_target_system

    # `ops!3` is tinytrack's; pretend another installed system read it first
    foreign = TicketRef("github", "ops!3")
    assert in_target_system(foreign, Target("tinytrack", project="ops")).system == "tinytrack"
    assert in_target_system(foreign, Target("jira", project="ENG")) == foreign
    linked = TicketRef("github", "ops!3", "https://github.com/o/r/issues/3")
    assert in_target_system(linked, Target("tinytrack", project="ops")) == linked  # a URL decides


def test_summaries_are_cut_to_the_limit_it_declares(
    tinytrack: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import tinytrack as module  # type: ignore[import-not-found]

    monkeypatch.setattr(module.TinyPlugin, "summary_limit", 12, raising=False)
    sync(tinytrack)
    assert {row["summary"] for row in board(tinytrack).values()} == {
        "Alert on qu…",
        "Add a runbo…",
    }
    before = board(tinytrack)
    sync(tinytrack)
    assert board(tinytrack) == before  # the cut summary is no change to push


def test_its_name_is_a_ticket_field_key_in_list_items(tinytrack: Path) -> None:
    from tracker.parse import parse_text

    doc = parse_text("## Action Items\n\n- [ ] Drain the queue, tinytrack: ops!9\n", "pm.md")
    [item] = doc.items
    assert item.action == "Drain the queue"
    assert [(ref.system, ref.key) for ref in item.tickets] == [("tinytrack", "ops!9")]
