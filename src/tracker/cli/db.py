"""`tracker db upgrade|current|forget-server`: the store's schema and linked servers."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.console import Console

from tracker.cli.app import app
from tracker.cli.options import ConfigOption, load_config_or_default

db_app = typer.Typer(
    help="The store: its schema and the servers it is linked to.", no_args_is_help=True
)
app.add_typer(db_app, name="db")


def _database_url(config_path: ConfigOption) -> str:
    config = load_config_or_default(config_path)
    assert config.database_url is not None, "load_config always resolves the URL"
    return config.database_url


@db_app.command()
def upgrade(config: ConfigOption = None) -> None:
    """Migrate the store (SQLite or PostgreSQL) to this tracker's schema."""
    from tracker.store import upgrade_store
    from tracker.store.db import describe_url, parse_url

    url = _database_url(config)
    before, after = upgrade_store(url)
    where = describe_url(parse_url(url))
    if before == after:
        Console(highlight=False).print(f"{where}: schema already at {after}, nothing to do")
    else:
        Console(highlight=False).print(f"{where}: schema upgraded {before or 'empty'} → {after}")


@db_app.command()
def current(config: ConfigOption = None) -> None:
    """Show the store's schema revision and the one this tracker needs.

    Exit 2 when the store's schema is newer than this tracker knows.
    """
    from tracker.store import current_schema
    from tracker.store.db import describe_url, newer_schema_error, parse_url

    url = _database_url(config)
    state = current_schema(url)
    where = describe_url(parse_url(url))
    if state.newer:  # an error like every other command's on this store, not a verdict
        raise newer_schema_error(parse_url(url), state)
    verdict = "up to date" if state.up_to_date else "behind: run `tracker db upgrade`"
    Console(highlight=False).print(
        f"{where}: schema {state.current or 'empty'} (tracker needs {state.head}): {verdict}"
    )


@db_app.command("forget-server")
def forget_server_command(
    connector: Annotated[str, typer.Argument(help="The connector, e.g. jira, github or gitlab.")],
    config: ConfigOption = None,
) -> None:
    """Forget which server CONNECTOR's tickets live on; the next sync records the one it reaches.

    For re-linking a store on purpose (e.g. Jira Server migrated to Cloud with the same
    keys). Trying tracker on another server wants a fresh store instead (`database_url`).
    """
    from tracker.lock import run_lock
    from tracker.store import open_store
    from tracker.store.db import describe_url, parse_url
    from tracker.sync.servers import forget_server

    url = _database_url(config)
    with run_lock(url, purpose="db forget-server"):
        store = open_store(url, create=False)
        try:
            known = forget_server(store, connector)
        finally:
            store.close()
    where = describe_url(parse_url(url))
    console = Console(highlight=False)
    if known is None:
        console.print(f"{where}: no {connector} server recorded; nothing to forget")
    else:
        console.print(
            f"{where}: forgot {connector} server {known.describe()}; "
            "the next `tracker sync` records the server it reaches"
        )
