"""`tracker doctor`: is this install ready to run tonight? Each check says how to fix it.

Only read-only calls: one credentials check per connector and one look-up per
configured target, so doctor is safe to run against production at any time.
"""

from __future__ import annotations

import os
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path

from tracker.config import Config, load_config
from tracker.connectors import Connector, Target, available_connectors, load_connector
from tracker.errors import TrackerError
from tracker.store import current_schema, head_revision
from tracker.sync.local import team_target


@dataclass(frozen=True)
class Check:
    """One thing doctor looked at."""

    name: str
    ok: bool
    detail: str
    fix: str | None = None


def _failed(name: str, error: TrackerError, fix: str | None = None) -> Check:
    return Check(name, False, error.message, error.hint or fix)


def check_config(path: Path | None, env: Mapping[str, str]) -> tuple[Check, Config | None]:
    """The configuration loads and validates (secrets are checked later, per connector)."""
    try:
        config = load_config(path, env=env)
    except TrackerError as error:
        return _failed("configuration", error), None
    where = str(config.source) if config.source else "built-in defaults (no tracker.toml)"
    return Check("configuration", True, f"loaded {where}"), config


def check_store(config: Config) -> Check:
    """The database answers and its schema is one this tracker can use."""
    assert config.database_url is not None
    try:
        state = current_schema(config.database_url)
    except TrackerError as error:
        return _failed("store", error)
    if state.newer:
        return Check(
            "store", False, "the database schema is newer than this tracker", "upgrade tracker"
        )
    if not state.up_to_date:
        return Check(
            "store",
            True,
            f"schema {state.current or 'empty'}; will be upgraded to {head_revision()}",
            "SQLite upgrades itself; for PostgreSQL run `tracker db upgrade`",
        )
    return Check("store", True, f"schema at {state.current}")


def _targets(config: Config, system: str) -> Iterator[tuple[str, Target]]:
    for team in config.teams:
        target = team_target(team)
        if target is not None and target.system == system:
            yield team.name, target


# Doctor asks once and reports: a sync's retries (backoff over ~20 s on a refused
# connection) only make a person wait for the same answer.
DOCTOR_CONNECTOR_SETTINGS: dict[str, object] = {"max_attempts": 1}


def check_connectors(config: Config, env: Mapping[str, str]) -> Iterator[Check]:
    """Per configured connector: installed, credentials accepted, every target visible."""
    installed = available_connectors()
    for name, section in config.connectors.items():
        label = f"connector {name}"
        if name not in installed:
            yield Check(
                label,
                False,
                f"not installed (installed: {', '.join(installed) or 'none'})",
                f"pip install the package that provides the {name!r} connector",
            )
            continue
        try:
            settings = {**section.model_dump(exclude_none=True), **DOCTOR_CONNECTOR_SETTINGS}
            connector: Connector = load_connector(name, settings, env)
            yield Check(label, True, connector.check())
        except TrackerError as error:
            yield _failed(
                label,
                error,
                f"check url and credentials in [connectors.{name}] and that the token's "
                "environment variable is exported where tracker runs",
            )
            continue
        for team, target in _targets(config, name):
            where = target.project or target.repo or "?"
            try:
                connector.check_target(target)
            except TrackerError as error:
                yield _failed(
                    f"{label}: team {team} → {where}",
                    error,
                    "check the team's target and that the token may read it",
                )
            else:
                yield Check(f"{label}: team {team} → {where}", True, "reachable")


def run_checks(path: Path | None, env: Mapping[str, str] | None = None) -> list[Check]:
    """Every check, in the order a person would fix them."""
    environment = dict(os.environ if env is None else env)
    config_check, config = check_config(path, environment)
    checks = [config_check]
    if config is None:
        return checks
    checks.append(check_store(config))
    if not len(config.connectors):
        checks.append(
            Check(
                "connectors",
                True,
                "none configured: `tracker sync` records items without ticket systems",
                "add a [connectors.NAME] section to file tickets (installed: "
                f"{', '.join(available_connectors()) or 'none'})",
            )
        )
    checks.extend(check_connectors(config, environment))
    if not config.teams:
        checks.append(
            Check("teams", True, "no [[teams]]: every item counts as team 'unassigned'", None)
        )
    return checks
