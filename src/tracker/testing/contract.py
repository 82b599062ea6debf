"""The contract every connector keeps, checked against its sandbox over real HTTP.

A connector's own tests subclass `ConnectorContract` (vdirsyncer's `StorageTests`
model) and give it a `harness` fixture: a `ContractHarness` subclass that builds the
connector through the entry-point registry and acts on the sandbox as a person would.
The suite itself names no system. Only time is faked (the retry/pacing sleep advances
the sandbox clock instead of waiting); a small loopback proxy plays the network that
loses a response after the server acted.

    class TestGitLabContract(ConnectorContract):
        @pytest.fixture
        def harness(self, gitlab_sandbox): return GitLabHarness(...)
"""

from __future__ import annotations

import base64
import logging
import re
import socket
import threading
import traceback
from abc import ABC, abstractmethod
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
import requests

from tracker.connectors import (
    Connector,
    ConnectorError,
    RemoteTicket,
    Target,
    TicketChanges,
    TicketDraft,
    load_connector,
)
from tracker.model import Status, TicketRef


class LossyProxy:
    """A loopback HTTP proxy that forwards everything to `upstream`, except that it can
    drop the connection *after* the server answered a matching request: the server did
    the work, the client never hears of it (the worst case for a create)."""

    def __init__(self, upstream: str) -> None:
        self.upstream = upstream.rstrip("/")
        self.rules: list[tuple[str, str]] = []  # (method, path suffix) to lose once each
        self.lost = 0
        proxy = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, format: str, *args: Any) -> None:
                pass

            def _forward(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else None
                headers = {
                    k: v
                    for k, v in self.headers.items()
                    if k.lower() not in ("host", "content-length", "connection")
                }
                answer = requests.request(
                    self.command,
                    proxy.upstream + self.path,
                    headers=headers,
                    data=body,
                    allow_redirects=False,
                    timeout=30,
                )
                if proxy.should_lose(self.command, self.path):
                    self.close_connection = True
                    self.connection.shutdown(socket.SHUT_RDWR)
                    return
                self.send_response(answer.status_code)
                for key, value in answer.headers.items():
                    if key.lower() not in (
                        "content-length",
                        "content-encoding",
                        "transfer-encoding",
                        "connection",
                    ):
                        self.send_header(key, value)
                self.send_header("Content-Length", str(len(answer.content)))
                self.end_headers()
                self.wfile.write(answer.content)

            do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = _forward

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.base_url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self._thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def lose_answer_to(self, method: str, path_suffix: str) -> None:
        self.rules.append((method, path_suffix))

    def should_lose(self, method: str, path: str) -> bool:
        for rule in self.rules:
            if method == rule[0] and path.split("?")[0].endswith(rule[1]):
                self.rules.remove(rule)
                self.lost += 1
                return True
        return False

    def __enter__(self) -> LossyProxy:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()


@dataclass
class ContractHarness(ABC):
    """One system under contract: how to build its connector and act on its sandbox."""

    system: str  # the connector's entry-point name
    sandbox: Any  # a tracker_sandbox.core.SandboxService
    target: Target
    token: str
    secret_env: str
    create_route: str  # sandbox route template of a create request
    create_path: str  # the path suffix of a create request (for the lossy proxy)
    changed_route: str  # sandbox route of the incremental read
    base_settings: dict[str, object]
    sleeps: list[float] = field(default_factory=list)
    # Does the system's search lag behind its writes (Jira Cloud), so a search right
    # after a create misses it?
    search_lags: bool = False
    # Can `find_created` say "absent" without a recorded creation hint (its listing
    # has no lag), or only "unknown"?
    absent_without_hint: bool = False
    basic_auth_user: str = "tracker@example.com"  # for the secret-leak check's encodings

    def sleep(self, seconds: float) -> None:
        """Fake time: record the wait and move the sandbox clock instead of sleeping."""
        self.sleeps.append(seconds)
        self.sandbox.clock.advance(seconds)

    def clock(self) -> float:
        return float(self.sandbox.clock.now().timestamp())

    def connector_options(self) -> dict[str, object]:
        """Options passed to `from_settings` (fake time)."""
        return {"sleep": self.sleep}

    def connector(self, url: str | None = None, **overrides: object) -> Connector:
        settings = {**self.base_settings, **overrides}
        if url:
            settings["url"] = url
        env = {self.secret_env: self.token}
        return load_connector(self.system, settings, env, **self.connector_options())

    def user(self, name: str) -> str:
        """The account a sandbox user is assigned by (login, username, account id)."""
        return name

    def draft(self, identity: str, **fields: Any) -> TicketDraft:
        values: dict[str, Any] = {
            "summary": f"Action {identity}",
            "description": "From the postmortem of 2026-11-02 (SEV2).",
            "priority": "P2",
            "due": None,
            "assignee": None,
            "labels": ("postmortem",),
        }
        values.update(fields)
        return TicketDraft(identity=identity, target=self.target, **values)

    def requests_total(self) -> int:
        return int(self.sandbox.requests.snapshot()["total"])

    def search_catches_up(self) -> None:
        """Move the sandbox clock past any search lag: for tests of what the search
        finds, not of how soon."""
        self.sandbox.clock.advance(60)

    # ----- what each system answers -----------------------------------------------------

    @abstractmethod
    def missing_target(self) -> Target:
        """A target (project, repository) the sandbox does not have."""

    @abstractmethod
    def foreign_ref(self) -> TicketRef:
        """A reference on another server that this connector must not claim."""

    @abstractmethod
    def tickets_carrying(self, identity: str) -> list[dict[str, Any]]:
        """Every ticket in the sandbox that carries this tracker identity."""

    @abstractmethod
    def set_remote_status(self, ref: TicketRef, status: Status) -> None:
        """A person moves the ticket to `status` in the system."""

    @abstractmethod
    def delete(self, ref: TicketRef) -> None:
        """A person deletes the ticket."""

    @abstractmethod
    def comment_count(self, ref: TicketRef) -> int: ...

    @abstractmethod
    def lookup_routes(self) -> list[str]:
        """Every sandbox route a create's outcome can be looked up with."""

    @abstractmethod
    def set_search_lag(self, seconds: float) -> None:
        """Make the sandbox's search lag (a no-op where the system's search has none)."""

    def limit_read_budget(self, monkeypatch: pytest.MonkeyPatch, reads: int) -> bool:
        """Cap `find_created`'s reads at `reads`; False when it has no such budget."""
        return False


def create_one(connector: Connector, draft: TicketDraft) -> TicketRef:
    [result] = connector.create([draft])
    assert result.error is None and result.ticket is not None, result.error
    return result.ticket.ref


class ConnectorContract:
    """The suite; a subclass named `Test...` provides the `harness` fixture."""

    @pytest.fixture
    def harness(self) -> ContractHarness:
        raise NotImplementedError("a connector's contract test provides `harness`")

    @pytest.fixture
    def connector(self, harness: ContractHarness) -> Connector:
        return harness.connector()

    # ----- registry and doctor ---------------------------------------------------------

    def test_is_found_through_the_registry_and_implements_the_protocol(
        self, connector: Connector
    ) -> None:
        assert isinstance(connector, Connector)
        assert connector.capabilities.bulk_create >= 1

    def test_check_names_the_signed_in_user(self, connector: Connector) -> None:
        assert connector.check().startswith("ok: signed in to ")

    def test_check_target_refuses_an_unknown_project_or_repository(
        self, harness: ContractHarness, connector: Connector
    ) -> None:
        with pytest.raises(ConnectorError, match="does not exist"):
            connector.check_target(harness.missing_target())

    def test_owns_its_own_references_only(
        self, harness: ContractHarness, connector: Connector
    ) -> None:
        ref = create_one(connector, harness.draft("own-1"))
        assert connector.owns(ref)
        assert not connector.owns(harness.foreign_ref())

    # ----- create ------------------------------------------------------------------------

    def test_create_carries_identity_and_every_document_field(
        self, harness: ContractHarness, connector: Connector
    ) -> None:
        draft = harness.draft(
            "pm-7-1",
            summary="Add a circuit breaker to the payment client",
            priority="P1",
            due=date(2026, 12, 1),
            assignee=harness.user("alice"),
            labels=("postmortem", "payments", "sev2"),
        )
        [result] = connector.create([draft])
        ticket = result.ticket
        assert result.error is None and ticket is not None
        assert ticket.identity == "pm-7-1"
        assert ticket.summary == "Add a circuit breaker to the payment client"
        assert (ticket.priority, ticket.due, ticket.assignee) == (
            "P1",
            date(2026, 12, 1),
            harness.user("alice"),
        )
        assert {"postmortem", "payments", "sev2"} <= set(ticket.labels)
        assert ticket.status is Status.OPEN
        assert ticket.updated_at.tzinfo is not None
        assert len(harness.tickets_carrying("pm-7-1")) == 1

    def test_create_many_uses_few_requests(
        self, harness: ContractHarness, connector: Connector
    ) -> None:
        drafts = [harness.draft(f"bulk-{n}") for n in range(5)]
        before = harness.requests_total()
        results = connector.create(drafts)
        assert [r.identity for r in results] == [d.identity for d in drafts]
        assert all(r.ticket is not None for r in results)
        creates = harness.sandbox.requests.snapshot()["by_route"][harness.create_route]
        expected = 1 if connector.capabilities.bulk_create >= 5 else 5
        assert creates == expected
        # + one read-back, + the creation hint (once per scope and run; Jira only)
        assert harness.requests_total() - before <= expected + 2
        connector.create([harness.draft("bulk-more")])
        assert harness.requests_total() - before <= expected + 2 + 2  # the hint is cached

    def test_a_refused_draft_fails_alone(
        self, harness: ContractHarness, connector: Connector
    ) -> None:
        drafts = [harness.draft("ok-1"), harness.draft("empty", summary=""), harness.draft("ok-2")]
        results = connector.create(drafts)
        assert [r.error is None for r in results] == [True, False, True]
        assert results[1].ticket is None
        assert re.search("summary|title", results[1].error or "", re.IGNORECASE)
        assert harness.tickets_carrying("empty") == []

    def test_an_unassignable_owner_leaves_the_ticket_unassigned_with_a_warning(
        self, harness: ContractHarness, connector: Connector
    ) -> None:
        [result] = connector.create([harness.draft("unassignable", assignee="nobody-at-all")])
        assert result.error is None and result.ticket is not None
        assert result.ticket.assignee is None
        assert any("nobody-at-all" in warning for warning in result.warnings)

    # ----- reads -------------------------------------------------------------------------

    def test_fetch_returns_each_ticket_in_order(
        self, harness: ContractHarness, connector: Connector
    ) -> None:
        refs = [create_one(connector, harness.draft(f"f-{n}")) for n in range(3)]
        fetched = connector.fetch(list(reversed(refs)))
        assert [t.ref.key for t in fetched] == [r.key for r in reversed(refs)]
        assert [t.identity for t in fetched] == ["f-2", "f-1", "f-0"]

    def test_fetch_reports_a_deleted_ticket_as_deleted(
        self, harness: ContractHarness, connector: Connector
    ) -> None:
        kept = create_one(connector, harness.draft("kept"))
        gone = create_one(connector, harness.draft("gone"))
        harness.delete(gone)
        by_key = {t.ref.key: t for t in connector.fetch([kept, gone])}
        assert by_key[gone.key].deleted and not by_key[kept.key].deleted

    def test_fetch_changed_since_returns_only_tickets_changed_after_it_in_one_request(
        self, harness: ContractHarness, connector: Connector
    ) -> None:
        quiet = create_one(connector, harness.draft("quiet"))
        changed = create_one(connector, harness.draft("changed"))
        harness.sandbox.clock.advance(3600)
        since = harness.sandbox.clock.now()
        harness.sandbox.clock.advance(60)
        harness.set_remote_status(changed, Status.DONE)
        list(connector.fetch_changed_since(harness.target, harness.sandbox.clock.now()))
        before = harness.requests_total()  # once-per-run lookups (Jira's time zone) done
        tickets = list(connector.fetch_changed_since(harness.target, since))
        assert [t.ref.key for t in tickets] == [changed.key]
        assert quiet.key not in {t.ref.key for t in tickets}
        assert tickets[0].status is Status.DONE
        assert harness.requests_total() - before == 1

    def test_fetch_changed_since_none_returns_everything(
        self, harness: ContractHarness, connector: Connector
    ) -> None:
        refs = {create_one(connector, harness.draft(f"all-{n}")).key for n in range(3)}
        harness.search_catches_up()
        assert refs <= {t.ref.key for t in connector.fetch_changed_since(harness.target, None)}

    def test_find_by_identity_finds_a_ticket_whose_create_result_was_lost(
        self, harness: ContractHarness, connector: Connector
    ) -> None:
        connector.create([harness.draft("crash-1"), harness.draft("crash-2")])
        # "Crash": the results are gone; a fresh process (new connector) looks again.
        survivor = harness.connector()
        harness.search_catches_up()
        before = harness.requests_total()
        found = survivor.find_by_identity(harness.target, ["crash-1", "crash-2", "never-made"])
        assert harness.requests_total() - before == 1
        assert set(found) == {"crash-1", "crash-2"}
        assert found["crash-1"].identity == "crash-1"

    def test_find_by_identity_treats_quotes_and_clauses_in_ids_as_plain_text(
        self, harness: ContractHarness, connector: Connector
    ) -> None:
        create_one(connector, harness.draft("plain"))
        hostile = 'x")_OR_labels_is_not_EMPTY_OR_labels_in_("y'
        assert connector.find_by_identity(harness.target, [hostile]) == {}

    # ----- updates -----------------------------------------------------------------------

    @pytest.mark.parametrize(
        "field_name", ["summary", "priority", "due", "assignee", "clear_due", "clear_assignee"]
    )
    def test_update_changes_one_field(
        self, harness: ContractHarness, connector: Connector, field_name: str
    ) -> None:
        ref = create_one(
            connector,
            harness.draft("upd", due=date(2026, 12, 1), assignee=harness.user("alice")),
        )
        cases: dict[str, tuple[TicketChanges, Callable[[RemoteTicket], bool]]] = {
            "summary": (
                TicketChanges(summary="Rotate the signing keys"),
                lambda t: t.summary == "Rotate the signing keys",
            ),
            "priority": (TicketChanges(priority="P0"), lambda t: t.priority == "P0"),
            "due": (TicketChanges(due=date(2027, 1, 15)), lambda t: t.due == date(2027, 1, 15)),
            "assignee": (
                TicketChanges(assignee=harness.user("bob")),
                lambda t: t.assignee == harness.user("bob"),
            ),
            "clear_due": (TicketChanges(clear_due=True), lambda t: t.due is None),
            "clear_assignee": (TicketChanges(clear_assignee=True), lambda t: t.assignee is None),
        }
        changes, check = cases[field_name]
        returned = connector.update(ref, changes)
        [fetched] = connector.fetch([ref])
        assert check(returned) and check(fetched)
        assert fetched.identity == "upd"

    def test_an_unassignable_owner_in_an_update_keeps_the_other_changes(
        self, harness: ContractHarness, connector: Connector
    ) -> None:
        ref = create_one(connector, harness.draft("upd-owner", assignee=harness.user("alice")))
        changes = TicketChanges(summary="Renamed", assignee="nobody-at-all")
        updated = connector.update(ref, changes)
        assert updated.summary == "Renamed"
        assert updated.assignee == harness.user("alice")

    def test_update_keeps_the_identity_when_the_description_changes(
        self, harness: ContractHarness, connector: Connector
    ) -> None:
        ref = create_one(connector, harness.draft("desc"))
        connector.update(
            ref, TicketChanges(description="Now with a <!-- tracker:item=evil --> link")
        )
        harness.search_catches_up()
        assert set(connector.find_by_identity(harness.target, ["desc", "evil"])) == {"desc"}

    @pytest.mark.parametrize("status", [Status.IN_PROGRESS, Status.DONE, Status.WONT_DO])
    def test_update_moves_the_status_there_and_back(
        self, harness: ContractHarness, connector: Connector, status: Status
    ) -> None:
        ref = create_one(connector, harness.draft("st"))
        assert connector.update(ref, TicketChanges(status=status)).status is status
        assert connector.fetch([ref])[0].status is status
        assert connector.update(ref, TicketChanges(status=Status.OPEN)).status is Status.OPEN

    def test_update_to_the_current_status_changes_nothing(
        self, harness: ContractHarness, connector: Connector
    ) -> None:
        ref = create_one(connector, harness.draft("same"))
        connector.update(ref, TicketChanges(status=Status.DONE))
        [before] = connector.fetch([ref])
        again = connector.update(ref, TicketChanges(status=Status.DONE))
        assert again.status is Status.DONE and again.remote_status == before.remote_status

    @pytest.mark.parametrize(
        "status", [Status.IN_PROGRESS, Status.DONE, Status.WONT_DO, Status.OPEN]
    )
    def test_a_status_changed_in_the_system_is_read_back(
        self, harness: ContractHarness, connector: Connector, status: Status
    ) -> None:
        ref = create_one(connector, harness.draft("remote"))
        if status is Status.OPEN:
            harness.set_remote_status(ref, Status.DONE)
        harness.set_remote_status(ref, status)
        assert connector.fetch([ref])[0].status is status

    def test_add_comment_posts_one_comment(
        self, harness: ContractHarness, connector: Connector
    ) -> None:
        ref = create_one(connector, harness.draft("comment"))
        connector.add_comment(ref, "Reminder: this action item is overdue.")
        assert harness.comment_count(ref) == 1

    # ----- faults ------------------------------------------------------------------------

    @pytest.mark.parametrize("kind", ["503", "429"])
    def test_a_read_waits_as_told_by_retry_after_and_succeeds(
        self, harness: ContractHarness, connector: Connector, kind: str
    ) -> None:
        create_one(connector, harness.draft("r"))
        harness.sandbox.faults.add(kind, 2, retry_after=7, route=harness.changed_route)
        tickets = list(connector.fetch_changed_since(harness.target, None))
        assert [t.identity for t in tickets if t.identity] == ["r"]
        assert harness.sleeps == [7.0, 7.0]

    @pytest.mark.parametrize("kind", ["500", "502", "drop"])
    def test_a_read_recovers_from_a_server_error_or_dropped_connection(
        self, harness: ContractHarness, connector: Connector, kind: str
    ) -> None:
        create_one(connector, harness.draft("r"))
        harness.search_catches_up()
        harness.sandbox.faults.add(kind, 2, route=harness.changed_route)
        tickets = list(connector.fetch_changed_since(harness.target, None))
        assert "r" in {t.identity for t in tickets}
        assert len(harness.sleeps) == 2

    def test_a_read_that_keeps_failing_raises_a_transient_connector_error(
        self, harness: ContractHarness, connector: Connector
    ) -> None:
        harness.sandbox.faults.add("500", 20, route=harness.changed_route)
        with pytest.raises(ConnectorError) as raised:
            list(connector.fetch_changed_since(harness.target, None))
        assert raised.value.transient and raised.value.status == 500

    @pytest.mark.parametrize("kind", ["500", "503", "429", "drop"])
    def test_a_failed_create_is_sent_again_and_makes_exactly_one_ticket(
        self, harness: ContractHarness, connector: Connector, kind: str
    ) -> None:
        harness.sandbox.faults.add(kind, 1, retry_after=2, route=harness.create_route)
        [result] = connector.create([harness.draft("retry-me")])
        assert result.error is None and result.ticket is not None
        assert len(harness.tickets_carrying("retry-me")) == 1

    def test_a_create_that_times_out_makes_exactly_one_ticket(
        self, harness: ContractHarness, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        monkeypatch.setattr(harness.sandbox, "timeout_hold_seconds", 2.0)
        connector = harness.connector(timeout_seconds=1)
        harness.sandbox.faults.add("timeout", 1, route=harness.create_route)
        [result] = connector.create([harness.draft("slow")])
        assert result.error is None and result.ticket is not None
        assert len(harness.tickets_carrying("slow")) == 1

    def test_a_create_whose_answer_is_lost_is_adopted_not_duplicated(
        self, harness: ContractHarness
    ) -> None:
        with LossyProxy(harness.sandbox.base_url) as proxy:
            connector = harness.connector(url=proxy.base_url)
            proxy.lose_answer_to("POST", harness.create_path)
            results = connector.create([harness.draft("lost-1")])
            assert proxy.lost == 1
        assert results[0].error is None and results[0].adopted
        assert results[0].ticket is not None and results[0].ticket.identity == "lost-1"
        assert len(harness.tickets_carrying("lost-1")) == 1

    def test_find_created_sees_a_lost_create_at_once_though_search_lags(
        self, harness: ContractHarness, connector: Connector
    ) -> None:
        harness.set_search_lag(600)
        hint = connector.creation_hint(harness.target)
        connector.create([harness.draft("made-1"), harness.draft("made-2")])
        survivor = harness.connector()  # a fresh process: only the recorded hint survives
        ids = ["made-1", "made-2", "never-made"]
        found, absent = survivor.find_created(harness.target, ids, dict.fromkeys(ids, hint))
        assert set(found) == {"made-1", "made-2"}
        assert found["made-2"].identity == "made-2"
        assert absent == {"never-made"}

    def test_find_created_without_a_hint_never_calls_a_search_miss_absent(
        self, harness: ContractHarness, connector: Connector
    ) -> None:
        found, absent = connector.find_created(harness.target, ["never-made"], {})
        assert found == {}
        # A system whose reads lag can only prove absence from a recorded floor (a hint);
        # one whose listing has no lag can say "absent" without one.
        assert absent == ({"never-made"} if harness.absent_without_hint else set())

    def test_find_created_past_its_read_budget_says_unknown_not_absent(
        self, harness: ContractHarness, connector: Connector, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        hint = connector.creation_hint(harness.target)
        connector.create([harness.draft(f"busy-{n}") for n in range(6)])
        if not harness.limit_read_budget(monkeypatch, 3):
            pytest.skip("this connector's lookup has no read budget (its listing is read whole)")
        found, absent = harness.connector().find_created(
            harness.target, ["busy-5", "never-made"], {"busy-5": hint, "never-made": hint}
        )
        if harness.search_lags:  # a search without lag finds busy-5 at once
            assert found == {}
        assert absent == set()

    def test_a_lost_create_whose_lookup_fails_is_unresolved_and_not_sent_again(
        self, harness: ContractHarness
    ) -> None:
        with LossyProxy(harness.sandbox.base_url) as proxy:
            connector = harness.connector(url=proxy.base_url)
            connector.creation_hint(harness.target)  # read before the lookups start failing
            proxy.lose_answer_to("POST", harness.create_path)
            for route in harness.lookup_routes():
                harness.sandbox.faults.add("500", 50, route=route)
            [result] = connector.create([harness.draft("unclear")])
        assert result.unresolved and result.ticket is None
        assert len(harness.tickets_carrying("unclear")) == 1  # made once, never re-sent

    # ----- secrets -----------------------------------------------------------------------

    def test_the_token_never_appears_in_errors_results_or_logs(
        self, harness: ContractHarness, connector: Connector, caplog: pytest.LogCaptureFixture
    ) -> None:
        caplog.set_level(logging.DEBUG)
        seen: list[str] = [repr(connector)]

        def collect(action: Callable[[], object]) -> None:
            try:
                action()
            except ConnectorError as error:
                seen.extend([str(error), repr(error), error.message, error.hint or ""])
                seen.append("".join(traceback.format_exception(error)))  # the whole chain
                link: BaseException | None = error
                while link is not None:  # only our own sanitised errors in the chain
                    assert isinstance(link, ConnectorError)
                    link = link.__cause__ or link.__context__

        impostor_token = "impostor-" + harness.token[::-1]
        impostor = load_connector(
            harness.system,
            harness.base_settings,
            {harness.secret_env: impostor_token},
            sleep=harness.sleep,
        )
        collect(impostor.check)
        collect(lambda: connector.check_target(harness.missing_target()))
        harness.sandbox.faults.add("500", 20, route=harness.changed_route)
        collect(lambda: list(connector.fetch_changed_since(harness.target, None)))
        harness.sandbox.faults.clear()
        results = connector.create([harness.draft("no-title", summary="")])
        seen.extend(r.error or "" for r in results)
        seen.extend(record.getMessage() for record in caplog.records)
        text = "\n".join(seen)
        assert "401" in text  # the impostor really was refused
        for secret in (harness.token, impostor_token):
            for form in _forms(secret, harness.basic_auth_user):
                assert form not in text


def _forms(secret: str, user: str) -> Iterator[str]:
    """The secret and the encodings it travels in (Basic auth, base64)."""
    yield secret
    yield base64.b64encode(secret.encode()).decode()
    yield base64.b64encode(f"{user}:{secret}".encode()).decode()
