"""The slice of the configuration the sync engine reads, in one typed place.

Keeping the engine on this small dataclass (rather than on the whole `Config`) lets the
planner be tested without a config file and keeps config-shape changes in one module.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tracker.config import Config
from tracker.connectors import connector_plugins, plugin_for_scope


@dataclass(frozen=True)
class SyncSettings:
    ticket_link_style: str = "markdown"  # markdown | key | url
    add_missing_columns: bool = True
    close_ticket_when_done: bool = False
    conflict_policy: str = "report"  # report | document-wins | ticket-wins
    status_owner: str = "ticket"  # ticket | document
    on_row_deleted: str = "report"  # report | close-ticket
    on_ticket_deleted: str = "report"  # report | unlink
    labels: tuple[str, ...] = ("postmortem",)
    commit: bool = False
    docs_base_url: str | None = None
    base_dir: Path | None = (
        None  # document paths in tickets are relative to it (the config's folder)
    )
    workers: int = 8  # read/apply threads, one scope (Jira project / GitHub repo) each
    # Read scopes ("jira:ENG", "github:acme/app") whose tickets a row may link: every
    # team's target plus `[sync] adopt_from` (build_ownership adds front-matter targets).
    adopt_scopes: frozenset[str] = frozenset()
    extra: dict[str, Any] = field(default_factory=dict)

    @classmethod
    def from_config(cls, config: Config) -> SyncSettings:
        sync = config.sync
        return cls(
            ticket_link_style=sync.ticket_link_style,
            add_missing_columns=sync.add_missing_columns,
            close_ticket_when_done=sync.close_ticket_when_done,
            conflict_policy=sync.conflict_policy,
            status_owner=sync.status_owner,
            on_row_deleted=sync.on_row_deleted,
            on_ticket_deleted=sync.on_ticket_deleted,
            labels=tuple(sync.labels),
            commit=sync.commit or sync.write_back == "commit",
            docs_base_url=config.docs_base_url,
            base_dir=config.base_dir,
            adopt_scopes=adopt_scopes(config),
        )


def adopt_scopes(config: Config) -> frozenset[str]:
    """Every team target's scope and each `adopt_from` entry, in scope form."""
    scopes: set[str] = set()
    for team in config.teams:
        target = team.target
        if target is not None:
            scopes.add(scope_name(target.system, target.scope_name()))
    for entry in config.sync.adopt_from:
        system, _, name = entry.rpartition(":")
        if entry.strip() == "*":
            scopes.add("*")
        else:
            plugin = connector_plugins().get(system) if system else plugin_for_scope(name)
            scopes.add(scope_name(system or (plugin.name if plugin else ""), name))
    return frozenset(scopes)


def scope_name(system: str, name: str) -> str:
    """ "SYSTEM:SCOPE" ("jira:ENG"), case-folded: how adoptable scopes are compared."""
    return f"{system}:{name.strip()}".casefold()
