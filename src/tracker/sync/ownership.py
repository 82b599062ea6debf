"""Which existing tickets a row may link: nobody else's, issues only, in targeted places.

A row that names a ticket tracker has not linked yet adopts it (a person filed it and
wrote its key in the row). That must never take over a ticket that belongs to another
item, or the next sync overwrites that ticket with this row's fields. The rules, pure
so each one is a unit test:

- **another item owns it** when the store links it to another item (a live baseline),
  when an earlier row of this run already names it, or when it carries another item's
  identity (Jira label `tracker-<id>`, GitHub body marker) *and* that identity is
  vouched for — tracker's own account created the ticket, or the store records the
  ticket under that identity. An identity label or marker anyone could type is not
  proof on its own: a ticket a person filed (creator not tracker) counts as that
  person's, whatever labels it carries, so a row may adopt it;
- it must be an issue, not a GitHub pull request;
- it must live in a project or repository the configuration targets (a team's target,
  a document's front-matter target) or one `[sync] adopt_from` allows.

A ticket found only by the identity it carries (no row names it, e.g. after a create
whose answer was lost) is adopted only when vouched for in the same way; otherwise the
item gets a new ticket and a warning.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, TypeVar

from tracker.connectors import ConnectorError, RemoteTicket
from tracker.model import ActionItem, TicketRef
from tracker.sync.settings import SyncSettings, scope_name
from tracker.sync.state import Baseline

if TYPE_CHECKING:
    from tracker.sync.plan import LocalItem

LEFT_ALONE = "left untouched"
V = TypeVar("V")


@dataclass(frozen=True, slots=True)
class Claim:
    """The item that owns a ticket, and where its row is (for the warning). The text is
    made only when a warning needs it: a run at 100,000 items holds a claim per item."""

    item_id: str
    path: str  # the document (or "path:line" whole, as written by hand)
    line: int | None = None  # the row's line; None when the row isn't in this run

    @property
    def where(self) -> str:
        """ "path:line", or the document path when the row isn't in this run."""
        return self.path if self.line is None else f"{self.path}:{self.line}"


class Rows(Mapping[str, str]):
    """Item id → "path:line" of this run's rows, the text made on lookup (the planner
    asks only when it warns about a ticket carrying another item's identity)."""

    __slots__ = ("_items",)

    def __init__(self, items: Mapping[str, ActionItem]) -> None:
        self._items = items

    def __getitem__(self, item_id: str) -> str:
        item = self._items[item_id]
        return f"{item.path}:{item.line}"

    def __iter__(self) -> Iterator[str]:
        return iter(self._items)

    def __len__(self) -> int:
        return len(self._items)


class BySystem(Mapping[str, V]):
    """A mapping keyed "system:name" held as one dict per system keyed by the name
    itself: the keys are the baselines' own key and URL strings, not 200,000 new
    "system:…" strings at 100,000 linked items."""

    __slots__ = ("_by",)

    def __init__(self) -> None:
        self._by: dict[str, dict[str, V]] = {}

    def at(self, system: str) -> dict[str, V]:
        """The names of one system (to add to)."""
        return self._by.setdefault(system, {})

    def __getitem__(self, key: str) -> V:
        system, _, name = key.partition(":")
        return self._by[system][name]

    def __contains__(self, key: object) -> bool:
        if not isinstance(key, str):
            return False
        system, _, name = key.partition(":")
        return name in self._by.get(system, ())

    def __iter__(self) -> Iterator[str]:
        for system, names in self._by.items():
            for name in names:
                yield f"{system}:{name}"

    def __len__(self) -> int:
        return sum(len(names) for names in self._by.values())


@dataclass(frozen=True)
class Ownership:
    """What the planner knows about who owns which ticket (built by the engine)."""

    claims: Mapping[str, Claim] = field(default_factory=dict)  # "system:key|url" → owner
    recorded: Mapping[str, str] = field(default_factory=dict)  # "system:key" → stored item id
    rows: Mapping[str, str] = field(default_factory=dict)  # item id → "path:line" this run
    accounts: Mapping[str, str | None] = field(default_factory=dict)  # system → tracker's login
    scopes: frozenset[str] = frozenset()  # adoptable scopes (scope_name form), "*" = any


def refusal(
    item_id: str, ticket: RemoteTicket, named: TicketRef | None, ownership: Ownership
) -> str | None:
    """Why this item may not link `ticket` (named in its row), or None if it may.

    `named` is the reference as the row wrote it (a moved ticket is checked under both
    its old and new key). The message is the warning, without the row's location.
    """
    key = ticket.ref.key
    if ticket.pull_request:
        return f"{key} is a pull request, not an issue; {LEFT_ALONE}"
    for ref in (ticket.ref, named):
        claim = _claim_on(ref, ticket.ref.system, ownership) if ref else None
        if claim is not None and claim.item_id != item_id:
            owner = f"linked to another item at {claim.where}"
            return f"{key} is not this item's ticket ({owner}); {LEFT_ALONE}"
    identity = ticket.identity
    if identity and identity != item_id and vouched(ticket, identity, ownership) is not False:
        where = ownership.rows.get(identity)
        owner = f"another item at {where}" if where else f"another item, {identity}"
        return f"{key} is not this item's ticket (tracker created it for {owner}); {LEFT_ALONE}"
    scope = ticket_scope(ticket.ref)
    if "*" not in ownership.scopes and scope not in ownership.scopes:
        return (
            f"{key} is in {scope.split(':', 1)[1]}, which no team or document targets "
            f"(allow it with [sync] adopt_from); {LEFT_ALONE}"
        )
    return None


def identity_doubt(item_id: str, ticket: RemoteTicket, ownership: Ownership) -> str | None:
    """Why a ticket found by this item's identity is not adopted, or None if it is."""
    key = ticket.ref.key
    claim = _claim_on(ticket.ref, ticket.ref.system, ownership)
    verdict = vouched(ticket, item_id, ownership)
    if claim is not None and claim.item_id != item_id:
        why = f"is linked to another item at {claim.where}"
    elif verdict:
        return None
    elif verdict is False:
        why = "was filed by someone else"
    else:
        why = f"tracker's {ticket.ref.system} account could not be read"
    return f"{key} carries this item's identity but {why}; not adopted, a new ticket is created"


def vouched(ticket: RemoteTicket, identity: str, ownership: Ownership) -> bool | None:
    """Does the identity the ticket carries really belong to it? True when the store
    records the ticket under it or tracker's own account created the ticket; False
    when neither; None when tracker's account could not be read (unknown)."""
    system = ticket.ref.system
    if ownership.recorded.get(f"{system}:{ticket.ref.key}") == identity:
        return True
    if system not in ownership.accounts:
        return False if ticket.creator is None else None
    account = ownership.accounts[system]
    if account is None:
        return None
    return ticket.creator is not None and ticket.creator == account


def ticket_scope(ref: TicketRef) -> str:
    """The project / repository a ticket key lives in, in `scope_name` form."""
    key = ref.key
    if "#" in key:
        return scope_name(ref.system, key.split("#", 1)[0])
    return scope_name(ref.system, key.rsplit("-", 1)[0])


def build_ownership(
    baselines: Iterable[Baseline],
    locals_: Iterable[LocalItem],
    tickets: Mapping[str, RemoteTicket],
    by_identity: Mapping[str, RemoteTicket],
    settings: SyncSettings,
    account: Callable[[str], str | None],
) -> Ownership:
    """Claims from the store and this run's rows, the adoptable scopes (settings plus
    every target of this run's documents), and tracker's own account for the systems
    where an identity must be vouched for: `account` is called at most once per
    system, and only when a decision depends on it.

    The claims, recorded links and row places are built from this call's baselines and
    rows the first time a plan asks (a row naming a ticket not linked to it, a ticket
    found by identity): a night where every row keeps its link never builds them, and
    at 100,000 items they are tens of MB held through planning."""
    baselines, locals_ = list(baselines), list(locals_)
    recorded = Lazy(lambda: _recorded(baselines))
    targets = {
        scope_name(local.target.system, local.target.project or local.target.repo or "")
        for local in locals_
        if local.target is not None
    }
    linked = {b.item_id: b for b in baselines if not b.retired}  # item id → live link
    wanted: set[str] = set()
    for local in locals_:
        ticket = _identity_at_stake(local, linked, tickets, by_identity)
        if ticket is not None and recorded.get(_key(ticket)) != ticket.identity:
            wanted.add(ticket.ref.system)
    return Ownership(
        claims=Lazy(lambda: _claims(baselines, locals_)),
        recorded=recorded,
        rows=Lazy(lambda: Rows({local.item.id: local.item for local in locals_})),
        accounts={system: _safe(account, system) for system in sorted(wanted)},
        scopes=settings.adopt_scopes | targets,
    )


class Lazy(Mapping[str, V]):
    """A mapping built by `build` on first use."""

    __slots__ = ("_build", "_built")

    def __init__(self, build: Callable[[], Mapping[str, V]]) -> None:
        self._build = build
        self._built: Mapping[str, V] | None = None

    def _mapping(self) -> Mapping[str, V]:
        if self._built is None:
            self._built = self._build()
        return self._built

    def __getitem__(self, key: str) -> V:
        return self._mapping()[key]

    def __contains__(self, key: object) -> bool:
        return key in self._mapping()

    def __iter__(self) -> Iterator[str]:
        return iter(self._mapping())

    def __len__(self) -> int:
        return len(self._mapping())


def _recorded(baselines: list[Baseline]) -> BySystem[str]:
    """ "system:key" → the item the store links to it (a live link's item wins)."""
    recorded: BySystem[str] = BySystem()
    for baseline in baselines:
        keys = recorded.at(baseline.system)
        if baseline.retired:
            keys.setdefault(baseline.key, baseline.item_id)
        else:
            keys[baseline.key] = baseline.item_id
    return recorded


def _claims(baselines: list[Baseline], locals_: list[LocalItem]) -> BySystem[Claim]:
    """ "system:key|url" → the owning item: live links, then the first row of the run
    that names an unclaimed ticket."""
    here = {local.item.id: local.item for local in locals_}
    claims: BySystem[Claim] = BySystem()
    for baseline in baselines:
        if baseline.retired:
            continue
        row = here.get(baseline.item_id)
        claim = (
            Claim(baseline.item_id, row.path, row.line)
            if row is not None
            else Claim(baseline.item_id, baseline.path or "?")
        )
        names = claims.at(baseline.system)
        names[baseline.key] = claim
        if baseline.url:
            names[baseline.url] = claim
    for local in locals_:
        if local.named is not None:
            item = local.item
            names = claims.at(local.named.system)
            names.setdefault(local.named.key, Claim(item.id, item.path, item.line))
    return claims


def _identity_at_stake(
    local: LocalItem,
    linked: Mapping[str, Baseline],
    tickets: Mapping[str, RemoteTicket],
    by_identity: Mapping[str, RemoteTicket],
) -> RemoteTicket | None:
    """The ticket whose identity (label / marker) decides this item's plan, if any: the
    one its row newly names when that carries another identity, else the one found by
    its own identity when it isn't linked yet. Only known creators can be checked."""
    item_id = local.item.id
    ticket = None
    if local.named is not None:
        key = f"{local.named.system}:{local.named.key}"
        link = linked.get(item_id)
        if link is None or (link.system, link.key) != (local.named.system, local.named.key):
            found = tickets.get(key)
            ticket = found if found is not None and found.identity != item_id else None
    elif item_id not in linked:
        ticket = by_identity.get(item_id)
    if ticket is None or not ticket.identity or ticket.creator is None:
        return None
    return ticket


def _key(ticket: RemoteTicket) -> str:
    return f"{ticket.ref.system}:{ticket.ref.key}"


def _safe(account: Callable[[str], str | None], system: str) -> str | None:
    """tracker's account on `system`; None when it can't be read (nothing is adopted
    on an identity alone then)."""
    try:
        return account(system) or None
    except ConnectorError:
        return None


def _claim_on(ref: TicketRef, system: str, ownership: Ownership) -> Claim | None:
    claim = ownership.claims.get(f"{system}:{ref.key}")
    if claim is None and ref.url:
        claim = ownership.claims.get(f"{system}:{ref.url}")
    return claim
