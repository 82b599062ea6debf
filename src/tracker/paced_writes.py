"""Writes through a connector's pacer: one paced write, and one create that never duplicates.

Both wait in the connector's `Pacer` and, on a "slow down" answer (nothing was done),
hold every write for its Retry-After and send the same request again. A create is not
idempotent, so it is never retried blindly otherwise: an answer that says the server did
nothing is retried with backoff; any other failure may have made the ticket, so a trusted read by
identity decides — found: adopt it; certainly absent: send again; unknown: stop and
report it unresolved, so no later step creates it twice. GitHub and GitLab share this;
what differs (the request, the lookup, a request that can be mended) is passed in.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import TypeVar

from tracker.connectors import (
    ConnectorError,
    CreateResult,
    Postponed,
    RateLimited,
    RemoteTicket,
)
from tracker.retry import Pacer, RetryPolicy

RATE_LIMIT_HOLDS = 10  # "slow down" answers per write before giving up on it this run

T = TypeVar("T")


def paced_write(pacer: Pacer, write: Callable[[], T], *, creation: bool = True) -> T:
    """`write` once it is its turn; resent after each "slow down" (up to RATE_LIMIT_HOLDS,
    then the last RateLimited is raised)."""
    holds = 0
    while True:
        pacer.wait(creation=creation)
        try:
            return write()
        except RateLimited as error:
            holds += 1
            if holds > RATE_LIMIT_HOLDS:
                raise
            pacer.hold(error.retry_after)


def _never_mended(_error: ConnectorError) -> bool:
    return False


@dataclass
class CreateCall:
    """How one connector sends one create and checks, afterwards, whether it was made.

    `send` makes the ticket (and remembers it); `lookup` is the connector's trusted
    `find_created` for this identity alone (found, certainly absent); `forget` drops any
    cached listing, which an unclear outcome makes stale; `mend` may change the request
    after a refusal it can work around (GitHub: an owner who can't be assigned) and
    says whether to send it again; `warnings` collects what was done differently.
    """

    identity: str
    send: Callable[[], RemoteTicket]
    lookup: Callable[[], tuple[Mapping[str, RemoteTicket], set[str]]]
    forget: Callable[[], object]
    mend: Callable[[ConnectorError], bool] = _never_mended
    warnings: list[str] = field(default_factory=list)


def create_once(call: CreateCall, *, pacer: Pacer, retry: RetryPolicy) -> CreateResult:
    """Create `call.identity`'s ticket at most once, whatever the server answers."""
    identity = call.identity
    failures = 0
    while True:
        try:
            ticket = paced_write(pacer, call.send)
        except Postponed as error:  # the creation budget is spent: a later run creates it
            return CreateResult(identity, None, error.message, postponed=error.retry_after)
        except RateLimited as error:  # held RATE_LIMIT_HOLDS times: nothing was created
            return CreateResult(identity, None, error.message)
        except ConnectorError as error:
            if call.mend(error):
                continue
            failures += 1
            call.forget()
            if not error.transient:
                return CreateResult(identity, None, error.message)
            if not error.unprocessed:  # it may have worked: a trusted read decides
                found, absent = call.lookup()
                if identity in found:
                    return CreateResult(
                        identity, found[identity], warnings=tuple(call.warnings), adopted=True
                    )
                if identity not in absent:
                    return CreateResult(
                        identity,
                        None,
                        f"create outcome unclear ({error.message})",
                        unresolved=True,
                    )
            if failures >= retry.attempts:
                return CreateResult(identity, None, error.message)
            retry.pause(error, failures)
        else:
            return CreateResult(identity, ticket, warnings=tuple(call.warnings))
