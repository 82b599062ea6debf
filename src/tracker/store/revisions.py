"""The schema's revisions, read from the migration scripts' text and the version table,
without importing alembic.

Every command opens the store and asks whether its schema is at the head. Importing
alembic (and mako, which it loads) for that costs about 0.1 s of CPU, which a nightly
sync with nothing to do spends in full; only an upgrade needs alembic itself
(tracker.store.db). tests/test_store_revisions.py pins these answers to alembic's own.
"""

from __future__ import annotations

import ast
from functools import cache
from pathlib import Path

from sqlalchemy import inspect, text
from sqlalchemy.engine import Connection

from tracker.errors import StoreError

VERSIONS_DIR = Path(__file__).resolve().parent / "migrations" / "versions"
VERSION_TABLE = "alembic_version"  # alembic's default; env.py keeps it


def _assigned_names(script: Path) -> dict[str, object]:
    """The literal values a migration script assigns at module level (`revision`,
    `down_revision`), as alembic reads them, without running the script."""
    values: dict[str, object] = {}
    for node in ast.parse(script.read_text(encoding="utf-8")).body:
        if isinstance(node, ast.Assign):
            targets, value = node.targets, node.value
        elif isinstance(node, ast.AnnAssign) and node.value is not None:
            targets, value = [node.target], node.value
        else:
            continue
        for target in targets:
            if isinstance(target, ast.Name):
                try:
                    values[target.id] = ast.literal_eval(value)
                except ValueError:
                    continue
    return values


@cache
def revision_parents() -> dict[str, frozenset[str]]:
    """Each revision the shipped migrations define, with the revisions it follows."""
    graph: dict[str, frozenset[str]] = {}
    for script in sorted(VERSIONS_DIR.glob("*.py")):
        values = _assigned_names(script)
        revision = values.get("revision")
        if not isinstance(revision, str):
            continue
        down = values.get("down_revision")
        if isinstance(down, str):
            graph[revision] = frozenset([down])
        elif isinstance(down, tuple | list):  # a merge follows several
            graph[revision] = frozenset(str(parent) for parent in down)
        else:
            graph[revision] = frozenset()
    return graph


def head_revision() -> str:
    """The newest schema revision this tracker knows: the one no other revision follows."""
    graph = revision_parents()
    followed = set().union(*graph.values())
    heads = sorted(revision for revision in graph if revision not in followed)
    if len(heads) != 1:
        raise RuntimeError(f"tracker's migrations must have one head, not {heads}")
    return heads[0]


def known_revisions() -> frozenset[str]:
    return frozenset(revision_parents())


def current_revision(connection: Connection) -> str | None:
    """The revision the database's version table holds, None for a database without one
    (what alembic's MigrationContext.get_current_revision answers)."""
    if not inspect(connection).has_table(VERSION_TABLE):
        return None
    query = text(f"SELECT version_num FROM {VERSION_TABLE}")
    rows = [str(row[0]) for row in connection.execute(query)]
    if len(rows) > 1:
        raise StoreError(
            f"the database's {VERSION_TABLE} table holds several revisions: {', '.join(rows)}",
            hint="it was not migrated by tracker; use a fresh database",
        )
    return rows[0] if rows else None
