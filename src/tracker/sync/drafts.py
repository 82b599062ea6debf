"""What a new ticket says, built from the item and its postmortem.

The summary is the action; the description gives the context a ticket reader needs
without opening the document (title, date, severity, a link to the exact line). Owners
become assignees through the people map; an owner who can't be mapped leaves the ticket
unassigned with a warning rather than failing the run.
"""

from __future__ import annotations

import re
from urllib.parse import quote

from tracker.config import Config
from tracker.connectors import Target, TicketDraft
from tracker.model import ActionItem, Postmortem
from tracker.sync.fields import Fields, iso, summary_text
from tracker.sync.settings import SyncSettings

_LABEL_UNSAFE = re.compile(r"[^\w.-]+")
# Labels of this shape carry an item's identity (a connector may file `tracker-<id>`):
# a label built from document text (front matter `team:`, `severity:`) must never take
# it, or a document could put another item's identity on its ticket.
IDENTITY_LABEL_PREFIX = "tracker-"


def label(text: str) -> str:
    """The neutral label rule: a tag — lower case, no spaces, only word characters,
    `.` and `-` — never identity-shaped. Each connector fits it to its own system when
    it files it (a length cap, a character the API reserves): see docs/connectors.md."""
    name = _LABEL_UNSAFE.sub("-", text.strip().lower()).strip("-") or "none"
    if name.startswith(IDENTITY_LABEL_PREFIX):
        name = "tracker_" + name[len(IDENTITY_LABEL_PREFIX) :]
    return name


def assignee_for(owners: list[str], system: str, config: Config) -> tuple[str | None, str | None]:
    """(the ticket system's user for the first owner, a warning if it can't be mapped)."""
    if not owners:
        return None, None
    owner = owners[0]
    person = config.people.resolve(owner)
    account = person.account(system) if person is not None else None
    if account:
        return account, None
    return None, (
        f"owner {owner!r} has no {system} account in [[people]]; the ticket stays unassigned"
    )


def doc_link(item: ActionItem, settings: SyncSettings) -> str:
    """Where the row lives: a URL under docs_base_url, else the path, with its line.

    Paths are relative to the config's folder (the docs repository), as the store keeps them.
    """
    path = item.path
    if settings.base_dir is not None:
        from tracker.store.recording import canonical_path

        path = canonical_path(item.path, settings.base_dir)
    if settings.docs_base_url:
        base = settings.docs_base_url.rstrip("/") + "/"
        return f"{base}{quote(path.removeprefix('./'))}#L{item.line}"
    return f"{path}:{item.line}"


def _plain(text: str) -> str:
    """Document text in a ticket body: one line, no markup that could break out."""
    return " ".join(text.replace("<!--", "< !--").replace("-->", "-- >").split())


def description(item: ActionItem, postmortem: Postmortem, settings: SyncSettings) -> str:
    lines = [
        f"Action item from the postmortem: {_plain(postmortem.title or postmortem.path)}",
        "",
        f"- Action: {_plain(item.action)}",
        f"- Postmortem date: {iso(postmortem.date) or 'unknown'}",
        f"- Severity: {_plain(postmortem.severity or 'unknown')}",
        f"- Owner: {_plain(', '.join(item.owners)) or 'unowned'}",
        f"- Due: {iso(item.due) or 'not set'}",
        f"- Source: {doc_link(item, settings)}",
        "",
        "Created by tracker; edit the action, owner, due date or priority in the document.",
    ]
    return "\n".join(lines)


def labels_for(postmortem: Postmortem, team: str, settings: SyncSettings) -> tuple[str, ...]:
    wanted = [*settings.labels, team]
    if postmortem.severity:
        wanted.append(postmortem.severity)
    seen: dict[str, None] = {}
    for text in wanted:
        seen.setdefault(label(text), None)
    return tuple(seen)


def build_draft(
    item: ActionItem,
    postmortem: Postmortem,
    team: str,
    target: Target,
    assignee: str | None,
    settings: SyncSettings,
) -> TicketDraft:
    return TicketDraft(
        identity=item.id,
        target=target,
        summary=summary_text(item.action, target.system),
        description=description(item, postmortem, settings),
        priority=item.priority,
        due=item.due,
        assignee=assignee,
        labels=labels_for(postmortem, team, settings),
    )


def document_fields(item: ActionItem, assignee: str | None, system: str) -> Fields:
    """The document's side of the comparison with a ticket in `system`, owner already
    mapped to that system's user."""
    return Fields(
        summary=summary_text(item.action, system),
        assignee=assignee,
        due=iso(item.due),
        priority=item.priority,
        status=item.status.value,
    )
