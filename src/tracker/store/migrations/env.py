"""Alembic environment: run programmatically by `tracker.store.db` (no alembic.ini).

The caller passes an open SQLAlchemy connection in `config.attributes["connection"]`,
so migrations run on exactly the engine tracker opened (SQLite or PostgreSQL).
"""

from __future__ import annotations

from alembic import context

from tracker.store.models import metadata

config = context.config
connection = config.attributes.get("connection")
if connection is None:
    raise RuntimeError("tracker's migrations run through `tracker db upgrade`, not the alembic CLI")

context.configure(
    connection=connection,
    target_metadata=metadata,
    render_as_batch=connection.dialect.name == "sqlite",  # SQLite can't ALTER most things
    compare_type=True,
)
with context.begin_transaction():
    context.run_migrations()
