"""Which tickets a row may link (sync/ownership.py), rule by rule: pure, no sandbox."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from tracker.config import load_config
from tracker.connectors import ConnectorError, RemoteTicket, Target
from tracker.model import ActionItem, Postmortem, Status, TicketRef
from tracker.sync.drafts import document_fields, label, labels_for
from tracker.sync.fields import Fields
from tracker.sync.ownership import (
    Claim,
    Ownership,
    build_ownership,
    identity_doubt,
    refusal,
    ticket_scope,
    vouched,
)
from tracker.sync.plan import LocalItem
from tracker.sync.settings import SyncSettings, adopt_scopes
from tracker.sync.state import Baseline

TRACKER = "acc-tracker"
PERSON = "acc-alice"
OWNED = Ownership(
    claims={"jira:ENG-1": Claim("item-a", "a.md:12")},
    accounts={"jira": TRACKER, "github": "tracker-bot"},
    scopes=frozenset({"jira:eng", "github:acme/app"}),
)


def ticket(
    key: str = "ENG-7",
    *,
    identity: str | None = None,
    creator: str | None = PERSON,
    pull_request: bool = False,
) -> RemoteTicket:
    system = "github" if "#" in key else "jira"
    return RemoteTicket(
        ref=TicketRef(system, key, f"http://example/{key}"),
        identity=identity,
        status=Status.OPEN,
        remote_status="To Do",
        summary="Someone's ticket",
        assignee=None,
        due=None,
        priority=None,
        labels=(),
        updated_at=datetime(2026, 3, 1, tzinfo=UTC),
        creator=creator,
        pull_request=pull_request,
    )


def test_hand_filed_ticket_in_a_targeted_project_may_be_linked() -> None:
    assert refusal("item-b", ticket("ENG-7"), None, OWNED) is None


def test_ticket_the_store_links_to_another_item_is_refused_naming_that_row() -> None:
    reason = refusal("item-b", ticket("ENG-1"), None, OWNED)
    assert reason == (
        "ENG-1 is not this item's ticket (linked to another item at a.md:12); left untouched"
    )


def test_ticket_linked_to_this_very_item_is_not_refused() -> None:
    assert refusal("item-a", ticket("ENG-1"), None, OWNED) is None


def test_moved_ticket_is_checked_under_the_key_the_row_wrote_too() -> None:
    moved = ticket("ENG-9")
    named = TicketRef("jira", "ENG-1")
    assert refusal("item-b", moved, named, OWNED) is not None


def test_ticket_tracker_made_for_another_item_is_refused() -> None:
    made = ticket("ENG-7", identity="item-a", creator=TRACKER)
    reason = refusal("item-b", made, None, OWNED)
    assert reason is not None and "tracker created it for another item, item-a" in reason


def test_forged_identity_label_on_a_persons_ticket_does_not_make_it_another_items() -> None:
    forged = ticket("ENG-7", identity="item-a", creator=PERSON)
    assert refusal("item-b", forged, None, OWNED) is None


def test_identity_the_store_records_for_the_ticket_counts_whoever_filed_it() -> None:
    recorded = Ownership(recorded={"jira:ENG-7": "item-a"}, scopes=OWNED.scopes)
    assert vouched(ticket("ENG-7", identity="item-a"), "item-a", recorded) is True


def test_unknown_tracker_account_refuses_a_ticket_carrying_another_identity() -> None:
    unknown = Ownership(accounts={"jira": None}, scopes=OWNED.scopes)
    assert refusal("item-b", ticket("ENG-7", identity="item-a"), None, unknown) is not None


def test_pull_request_is_refused() -> None:
    pull = ticket("acme/app#1", pull_request=True)
    reason = refusal("item-b", pull, None, OWNED)
    assert reason == "acme/app#1 is a pull request, not an issue; left untouched"


@pytest.mark.parametrize("key", ["OPS-3", "acme/legacy#4"])
def test_ticket_outside_every_target_is_refused(key: str) -> None:
    reason = refusal("item-b", ticket(key), None, OWNED)
    assert reason is not None and "which no team or document targets" in reason


@pytest.mark.parametrize("allowed", ["ops", "*"])
def test_adopt_from_scope_allows_an_untargeted_project(allowed: str) -> None:
    scopes = OWNED.scopes | {"jira:ops" if allowed == "ops" else "*"}
    allowing = Ownership(accounts=OWNED.accounts, scopes=frozenset(scopes))
    assert refusal("item-b", ticket("OPS-3"), None, allowing) is None


def test_ticket_scope_is_the_project_or_repository_case_folded() -> None:
    assert ticket_scope(TicketRef("jira", "DATA-12")) == "jira:data"
    assert ticket_scope(TicketRef("github", "Acme/App#3")) == "github:acme/app"


def test_ticket_found_by_identity_is_adopted_when_tracker_made_it() -> None:
    made = ticket("ENG-7", identity="item-b", creator=TRACKER)
    assert identity_doubt("item-b", made, OWNED) is None


def test_ticket_found_by_identity_filed_by_a_person_is_not_adopted() -> None:
    forged = ticket("ENG-7", identity="item-b", creator=PERSON)
    assert identity_doubt("item-b", forged, OWNED) == (
        "ENG-7 carries this item's identity but was filed by someone else; "
        "not adopted, a new ticket is created"
    )


def test_ticket_found_by_identity_but_linked_to_another_item_is_not_adopted() -> None:
    made = ticket("ENG-1", identity="item-b", creator=TRACKER)
    doubt = identity_doubt("item-b", made, OWNED)
    assert doubt is not None and "linked to another item at a.md:12" in doubt


# ----- building the facts ------------------------------------------------------------------


def local(item_id: str, line: int, named: str | None = None) -> LocalItem:
    item = ActionItem(id=item_id, path="pm.md", line=line, action=f"Do {item_id}")
    ref = TicketRef("jira", named) if named else None
    return LocalItem(
        item=item,
        postmortem=Postmortem(path="pm.md"),
        team="payments",
        target=Target("jira", project="ENG"),
        named=ref,
        doc=document_fields(item, None, "jira"),
        draft=None,
    )


def baseline(item_id: str, key: str, *, retired: str | None = None) -> Baseline:
    fields = Fields(summary="x", assignee=None, due=None, priority=None, status="open")
    return Baseline(item_id, "jira", key, None, fields, fields, retired=retired, path="a.md")


class Accounts:
    """Counts the (lazy) account look-ups."""

    def __init__(self, answer: str | None = TRACKER, *, fails: bool = False) -> None:
        self.asked: list[str] = []
        self.answer = answer
        self.fails = fails

    def __call__(self, system: str) -> str | None:
        self.asked.append(system)
        if self.fails:
            raise ConnectorError("403 Resource not accessible by integration")
        return self.answer


def build(
    baselines: list[Baseline],
    locals_: list[LocalItem],
    accounts: Accounts,
    *,
    tickets: dict[str, RemoteTicket] | None = None,
    by_identity: dict[str, RemoteTicket] | None = None,
) -> Ownership:
    return build_ownership(
        baselines, locals_, tickets or {}, by_identity or {}, SyncSettings(), accounts
    )


def test_store_baselines_claim_their_tickets_with_the_rows_location_when_present() -> None:
    built = build([baseline("item-a", "ENG-1")], [local("item-a", 12)], Accounts())
    claim = built.claims["jira:ENG-1"]
    assert (claim.item_id, claim.where) == ("item-a", "pm.md:12")


def test_claims_and_links_read_as_system_key_mappings() -> None:
    built = build([baseline("item-a", "ENG-1")], [local("item-b", 5, named="ENG-7")], Accounts())

    assert sorted(built.claims) == ["jira:ENG-1", "jira:ENG-7"]
    assert dict(built.recorded) == {"jira:ENG-1": "item-a"}
    assert dict(built.rows) == {"item-b": "pm.md:5"}
    assert "github:ENG-1" not in built.claims


def test_claims_are_those_of_the_baselines_given_when_built() -> None:
    baselines = {"item-a": baseline("item-a", "ENG-1")}
    built = build_ownership(baselines.values(), [], {}, {}, SyncSettings(), Accounts())

    baselines["item-b"] = baseline("item-b", "ENG-2")  # the caller's dict moves on

    assert "jira:ENG-1" in built.claims and "jira:ENG-2" not in built.claims


def test_retired_baseline_claims_nothing() -> None:
    built = build([baseline("item-a", "ENG-1", retired="row deleted")], [], Accounts())
    assert "jira:ENG-1" not in built.claims


def test_first_row_of_the_run_naming_an_unclaimed_ticket_gets_it() -> None:
    rows = [local("item-b", 5, named="ENG-7"), local("item-c", 9, named="ENG-7")]
    built = build([], rows, Accounts())
    assert refusal("item-b", ticket("ENG-7"), None, built) is None
    assert refusal("item-c", ticket("ENG-7"), None, built) is not None


def test_front_matter_and_team_targets_are_adoptable_scopes() -> None:
    built = build([], [local("item-b", 5)], Accounts())
    assert "jira:eng" in built.scopes


def test_account_is_not_asked_when_no_identity_is_at_stake() -> None:
    accounts = Accounts()
    rows = [local("item-b", 5, named="ENG-7")]
    build([], rows, accounts, tickets={"jira:ENG-7": ticket("ENG-7")})
    assert accounts.asked == []


def test_account_is_asked_once_per_system_when_identities_must_be_vouched_for() -> None:
    accounts = Accounts()
    rows = [local("item-b", 5, named="ENG-7"), local("item-c", 9)]
    built = build(
        [],
        rows,
        accounts,
        tickets={"jira:ENG-7": ticket("ENG-7", identity="item-a")},
        by_identity={"item-c": ticket("ENG-8", identity="item-c")},
    )
    assert accounts.asked == ["jira"]
    assert built.accounts == {"jira": TRACKER}


def test_account_that_cannot_be_read_vouches_for_nothing() -> None:
    rows = [local("item-c", 9)]
    found = ticket("ENG-8", identity="item-c", creator=TRACKER)
    built = build([], rows, Accounts(fails=True), by_identity={"item-c": found})
    doubt = identity_doubt("item-c", found, built)
    assert doubt is not None and "jira account could not be read" in doubt


# ----- settings and labels -----------------------------------------------------------------


def test_adopt_from_entries_become_scopes_next_to_team_targets(tmp_path: Path) -> None:
    path = tmp_path / "tracker.toml"
    path.write_text(
        "[[teams]]\n"
        'name = "payments"\n'
        'target = { system = "jira", project = "ENG" }\n\n'
        "[sync]\n"
        'adopt_from = ["OPS", "acme/legacy", "github:Acme/Old", "*"]\n',
        encoding="utf-8",
    )
    config = load_config(path, env={})
    assert adopt_scopes(config) == frozenset(
        {"jira:eng", "jira:ops", "github:acme/legacy", "github:acme/old", "*"}
    )


@pytest.mark.parametrize("text", ["tracker-abc123", "Tracker-ABC123", " TRACKER abc123 "])
def test_label_from_document_text_never_takes_the_identity_label_shape(text: str) -> None:
    made = label(text)
    assert not made.startswith("tracker-") and made.startswith("tracker_")


def test_forged_team_and_severity_give_no_identity_labels() -> None:
    doc = Postmortem(path="pm.md", severity="tracker-0123456789ab")
    labels = labels_for(doc, "tracker-feedbeef0000", SyncSettings())
    assert [name for name in labels if name.startswith("tracker-")] == []


def test_plain_labels_are_unchanged() -> None:
    assert label("Data Platform") == "data-platform" and label("tracker") == "tracker"


# ----- who filed a ticket, as the connectors map it ----------------------------------------


def test_jira_creator_is_the_creator_account_else_the_reporter() -> None:
    from tracker_jira.mapping import ticket_from_issue

    def made_by(fields: dict[str, object]) -> str | None:
        raw = {"key": "ENG-1", "fields": {"summary": "s", **fields}}
        return ticket_from_issue(raw, server="http://j", cloud=True, priorities={}).creator

    assert made_by({"creator": {"accountId": "c-1"}, "reporter": {"accountId": "r-1"}}) == "c-1"
    assert made_by({"reporter": {"accountId": "r-1"}}) == "r-1"
    assert made_by({}) is None


def test_github_creator_is_the_issue_authors_login_and_pull_requests_are_marked() -> None:
    from tracker_github.mapping import ticket_from_issue

    issue = {"number": 3, "title": "t", "user": {"login": "alice"}, "state": "open"}
    assert ticket_from_issue(issue, "acme/app").creator == "alice"
    assert ticket_from_issue(issue, "acme/app").pull_request is False
    pull = {**issue, "pull_request": {"url": "http://api/pulls/3"}}
    assert ticket_from_issue(pull, "acme/app").pull_request is True


@pytest.mark.parametrize("entry", ["ops", "acme/", "github:OPS", "jira:acme/app", ""])
def test_adopt_from_entry_that_is_no_project_or_repository_is_a_config_error(
    tmp_path: Path, entry: str
) -> None:
    from tracker.errors import ConfigError

    path = tmp_path / "tracker.toml"
    path.write_text(f'[sync]\nadopt_from = ["{entry}"]\n', encoding="utf-8")
    with pytest.raises(ConfigError, match="adopt_from"):
        load_config(path, env={})
