"""The escalation ladder and the per-person digests.

An overdue item's owner hears first (a ticket comment, `reminders.py`). Past
`lead_after_days` overdue, or `unowned_lead_after_days` without an owner, the item also
goes to its team's lead (`[[teams]] lead`). Each person then gets one digest across all
postmortems: what they own that is overdue, and what was escalated to them as a lead,
instead of one message per item.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from sqlmodel import col, select

from tracker.config import Config
from tracker.report.model import ItemRow
from tracker.store import Store
from tracker.store.models import ActionItemRow
from tracker.store.types import as_utc

LEAD_OVERDUE = "lead-overdue"
LEAD_UNOWNED = "lead-unowned"


@dataclass(frozen=True, slots=True)
class Escalation:
    """An item that reached its team lead, and in how many days it got there."""

    item: ItemRow
    reason: str  # LEAD_OVERDUE | LEAD_UNOWNED
    lead: str
    days: int  # days overdue, or days unowned since first seen

    @property
    def detail(self) -> str:
        if self.reason == LEAD_OVERDUE:
            return f"{self.days} days overdue"
        return f"unowned for {self.days} days"


def find_escalations(
    store: Store,
    config: Config,
    overdue: Sequence[ItemRow],
    unowned: Sequence[ItemRow],
    *,
    as_of: date,
) -> list[Escalation]:
    """Items past a lead's rung of the ladder whose team names a lead."""
    ladder = config.reminders.escalation
    found: list[Escalation] = []
    for item in overdue:
        lead = team_lead(config, item.team)
        days = item.days_overdue or 0
        if lead and days >= ladder.lead_after_days:
            found.append(Escalation(item, LEAD_OVERDUE, lead, days))
    first_seen = _first_seen_days(store, (item.id for item in unowned))
    for item in unowned:
        lead = team_lead(config, item.team)
        seen = first_seen.get(item.id)
        days = (as_of - seen).days if seen else 0
        if lead and seen and days >= ladder.unowned_lead_after_days:
            found.append(Escalation(item, LEAD_UNOWNED, lead, days))
    return found


def team_lead(config: Config, team: str) -> str | None:
    """The team's lead by canonical name ([[people]] resolves an alias), if it names one."""
    settings = config.team(team)
    if settings is None or settings.lead is None:
        return None
    return config.people.canonical(settings.lead)


def _first_seen_days(store: Store, ids: Iterable[str]) -> dict[str, date]:
    wanted = list(ids)
    found: dict[str, date] = {}
    with store.session() as session:
        for start in range(0, len(wanted), 500):  # stay under SQL parameter limits
            chunk = wanted[start : start + 500]
            rows = session.exec(
                select(ActionItemRow.id, ActionItemRow.first_seen_at).where(
                    col(ActionItemRow.id).in_(chunk)
                )
            ).all()
            found.update((item_id, as_utc(seen).date()) for item_id, seen in rows)
    return found


@dataclass
class PersonDigest:
    """One person's share: items they own that are overdue, items escalated to them."""

    person: str
    owned_overdue: list[ItemRow] = field(default_factory=list)
    escalated: list[Escalation] = field(default_factory=list)


def person_digests(
    overdue: Sequence[ItemRow], escalations: Sequence[Escalation], *, owner_after_days: int
) -> list[PersonDigest]:
    """One digest per person with something in it, by name."""
    digests: dict[str, PersonDigest] = {}
    for item in overdue:
        if (item.days_overdue or 0) < owner_after_days:
            continue
        for owner in item.owners:
            digests.setdefault(owner, PersonDigest(owner)).owned_overdue.append(item)
    for escalation in escalations:
        digests.setdefault(escalation.lead, PersonDigest(escalation.lead)).escalated.append(
            escalation
        )
    return [digests[name] for name in sorted(digests, key=str.casefold)]


def render_person_digest(digest: PersonDigest, *, as_of: date) -> str:
    """The digest as Markdown: a heading per part, one line per item with where it is."""
    lines = [f"# Postmortem action items for {_md(digest.person)} — {as_of.isoformat()}", ""]
    if digest.owned_overdue:
        lines += [f"## Overdue items you own ({len(digest.owned_overdue)})", ""]
        lines += [
            f"- {_md(item.action)} — {_md(item.location)}, due "
            f"{item.due.isoformat() if item.due else '?'} ({item.days_overdue} days overdue)"
            f"{_tickets(item)}"
            for item in digest.owned_overdue
        ]
        lines.append("")
    if digest.escalated:
        lines += [f"## Escalated to you as team lead ({len(digest.escalated)})", ""]
        lines += [
            f"- {_md(e.item.action)} — {_md(e.item.location)}, team {_md(e.item.team)}, "
            f"{e.detail}, owner {_md(', '.join(e.item.owners) or 'nobody')}{_tickets(e.item)}"
            for e in digest.escalated
        ]
        lines.append("")
    return "\n".join(lines)


def _tickets(item: ItemRow) -> str:
    return "".join(f", {_md(link.key)}" for link in item.tickets)


def _md(text: str) -> str:
    """Text that renders as written: Markdown's inline markup characters escaped."""
    return "".join(f"\\{ch}" if ch in "\\`*_[]<>#|" else ch for ch in text)


def digest_path(folder: Path, person: str, as_of: date) -> Path:
    safe = "".join(ch if ch.isalnum() or ch in "-_" else "_" for ch in person) or "person"
    return folder / "people" / f"{as_of.isoformat()}-{safe}.md"
