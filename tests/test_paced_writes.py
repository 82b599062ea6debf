"""The shared create loop (tracker.paced_writes): a create is sent at most once unless the
server certainly did nothing, and an unclear outcome is settled by a trusted read.

The connectors' own tests drive it over HTTP against the sandboxes' fault injection;
these pin each rule with plain callables standing in for the connector's request."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import UTC, datetime

import pytest

from tracker.connectors import ConnectorError, CreateResult, RateLimited, RemoteTicket
from tracker.model import Status, TicketRef
from tracker.paced_writes import RATE_LIMIT_HOLDS, CreateCall, create_once, paced_write
from tracker.retry import Pacer, RetryPolicy

IDENTITY = "pm-1#abc"


def _ticket(number: int = 1) -> RemoteTicket:
    return RemoteTicket(
        ref=TicketRef("github", f"acme/app#{number}"),
        identity=IDENTITY,
        status=Status.OPEN,
        remote_status="open",
        summary="Add alert",
        assignee=None,
        due=None,
        priority=None,
        labels=(),
        updated_at=datetime(2026, 1, 1, tzinfo=UTC),
    )


class Server:
    """Answers each create with the next scripted outcome; counts what was sent."""

    def __init__(self, *outcomes: ConnectorError | None) -> None:
        self.outcomes = list(outcomes)
        self.sent = 0
        self.made: list[RemoteTicket] = []

    def send(self) -> RemoteTicket:
        self.sent += 1
        outcome = self.outcomes.pop(0) if self.outcomes else None
        if outcome is not None:
            raise outcome
        ticket = _ticket(self.sent)
        self.made.append(ticket)
        return ticket


def _call(
    server: Server,
    lookup: Callable[[], tuple[Mapping[str, RemoteTicket], set[str]]] | None = None,
    mend: Callable[[ConnectorError], bool] | None = None,
) -> CreateCall:
    forgotten: list[bool] = []
    call = CreateCall(
        IDENTITY,
        server.send,
        lookup=lookup or (lambda: ({}, {IDENTITY})),
        forget=lambda: forgotten.append(True),
    )
    if mend is not None:
        call.mend = mend
    return call


def _run(call: CreateCall, attempts: int = 3) -> tuple[CreateResult, list[float]]:
    retry = RetryPolicy(attempts=attempts, sleep=lambda _seconds: None)
    pacer = Pacer(0, sleep=lambda _seconds: None)
    return create_once(call, pacer=pacer, retry=retry), retry.waits


def lost_answer() -> ConnectorError:
    return ConnectorError("502 Bad Gateway", status=502, transient=True)


def test_a_created_ticket_is_returned_after_one_request() -> None:
    server = Server(None)
    result, _ = _run(_call(server))
    assert result.ticket == server.made[0]
    assert server.sent == 1


def test_a_lost_answer_whose_ticket_exists_adopts_it_without_sending_again() -> None:
    server = Server(lost_answer())
    existing = _ticket(41)
    result, _ = _run(_call(server, lookup=lambda: ({IDENTITY: existing}, set())))
    assert result.adopted and result.ticket == existing
    assert server.sent == 1


def test_a_lost_answer_the_lookup_cannot_settle_is_unresolved_and_not_sent_again() -> None:
    server = Server(lost_answer())
    result, _ = _run(_call(server, lookup=lambda: ({}, set())))
    assert result.unresolved and result.ticket is None
    assert "create outcome unclear" in (result.error or "")
    assert server.sent == 1


def test_a_lost_answer_whose_ticket_is_certainly_absent_is_sent_again() -> None:
    server = Server(lost_answer(), None)
    result, waits = _run(_call(server))
    assert result.ticket == server.made[0] and not result.adopted
    assert server.sent == 2 and len(waits) == 1


def test_an_unprocessed_failure_is_sent_again_without_a_lookup() -> None:
    def lookup() -> tuple[Mapping[str, RemoteTicket], set[str]]:
        raise AssertionError("the server did nothing: no lookup needed")

    server = Server(ConnectorError("503", status=503, transient=True, unprocessed=True), None)
    result, _ = _run(_call(server, lookup=lookup))
    assert result.ticket is not None
    assert server.sent == 2


def test_a_permanent_refusal_is_reported_after_one_request() -> None:
    server = Server(ConnectorError("422 Validation Failed", status=422))
    result, _ = _run(_call(server))
    assert result.error == "422 Validation Failed"
    assert server.sent == 1


def test_transient_failures_stop_after_the_retry_budget() -> None:
    busy = ConnectorError("503", status=503, transient=True, unprocessed=True)
    server = Server(busy, busy, busy, None)
    result, _ = _run(_call(server), attempts=3)
    assert result.ticket is None and result.error == "503"
    assert server.sent == 3


def test_a_mended_request_is_sent_again_without_counting_a_failure() -> None:
    refused = ConnectorError("assignee invalid", status=422)
    mended: list[ConnectorError] = []

    def mend(error: ConnectorError) -> bool:
        mended.append(error)
        return len(mended) == 1

    call = _call(Server(refused, None), mend=mend)
    call.warnings.append("alice can't be assigned")
    result, _ = _run(call, attempts=1)
    assert result.ticket is not None
    assert result.warnings == ("alice can't be assigned",)


def test_slow_down_answers_hold_the_pacer_and_send_the_same_request_again() -> None:
    slept: list[float] = []
    pacer = Pacer(0, clock=lambda: 0.0, sleep=slept.append)
    server = Server(RateLimited("403 secondary rate limit", retry_after=60), None)
    retry = RetryPolicy(sleep=lambda _seconds: None)
    result = create_once(_call(server), pacer=pacer, retry=retry)
    assert result.ticket is not None and slept == [60]
    assert server.sent == 2


def test_paced_write_gives_up_after_its_holds_with_the_last_answer() -> None:
    pacer = Pacer(0, sleep=lambda _seconds: None)
    sent: list[int] = []

    def write() -> None:
        sent.append(1)
        raise RateLimited("429", retry_after=0)

    with pytest.raises(RateLimited):
        paced_write(pacer, write)
    assert len(sent) == RATE_LIMIT_HOLDS + 1
