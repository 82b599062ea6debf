"""The sync use case: one sync (or recording) run, shared by `tracker sync` and the
scheduler."""

from __future__ import annotations

from collections.abc import Callable
from contextlib import nullcontext
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

from tracker.errors import ConfigError

if TYPE_CHECKING:
    from rich.console import Console

    from tracker.config import Config
    from tracker.store.recording import RecordResult
    from tracker.sync.connectors import ConnectorPool


def document_paths(paths: list[Path] | None, config: Config) -> list[Path]:
    """PATH arguments, else [documents].paths (relative to the config file's folder)."""
    if paths:
        return paths
    configured = [config.base_dir / path for path in config.documents.paths]
    if not configured:
        raise ConfigError(
            "no documents to scan",
            hint="give PATH arguments or set [documents].paths in tracker.toml",
        )
    return configured


def print_summary(console: Console, result: RecordResult, where: str) -> None:
    from rich.markup import escape

    for warning in result.warnings:
        console.print(f"[yellow]warning:[/yellow] {escape(warning)}")
    console.print(
        f"recorded {result.documents} documents into {escape(where)}: "
        f"[bold]{result.new}[/bold] new, [bold]{result.changed}[/bold] changed "
        f"({result.status_changes} status changes, {result.restored} restored), "
        f"[bold]{result.removed}[/bold] removed, {result.unchanged} unchanged items"
    )


def run_sync_once(
    config: Config,
    paths: list[Path] | None,
    *,
    dry_run: bool = False,
    commit: bool = False,
    should_stop: Callable[[], bool] | None = None,
    pull_request: bool = False,
    full: bool = False,
) -> int:
    """One sync (or recording) run under the store's run lock; returns the exit code.

    Shared by `tracker sync` and the scheduler. A dry run only reads, so it takes no lock.
    """
    from rich.console import Console

    from tracker.lock import run_lock
    from tracker.store import open_store
    from tracker.store.recording import record_paths

    assert config.database_url is not None, "load_config always resolves the URL"
    targets = document_paths(paths, config)
    missing = [str(path) for path in targets if not path.exists()]
    if missing:
        raise ConfigError(f"no such file or folder: {', '.join(missing)}")
    wants_pull_request = pull_request or config.sync.write_back == "pull-request"
    if wants_pull_request and not len(config.connectors):
        raise ConfigError(
            "--pull-request needs a connector that opens pull requests",
            hint="add the [connectors.NAME] of the system hosting the documents' repository "
            "and [sync] pull_request_target",
        )
    if len(config.connectors):
        from tracker.store.db import store_exists
        from tracker.sync.connectors import ConnectorPool

        pool = ConnectorPool(config)
        pool.validate()  # a token variable not set: exit 2, nothing written
        if not dry_run and not store_exists(config.database_url):
            _check_credentials(pool)  # a first run with a rejected token creates no store
    lock = nullcontext() if dry_run else run_lock(config.database_url, purpose="sync")
    with lock:
        if len(config.connectors):
            from tracker.sync.console import sync_with_connectors

            return sync_with_connectors(
                config,
                targets,
                dry_run=dry_run,
                commit=commit,
                should_stop=should_stop,
                pull_request=pull_request,
                full=full,
            )
        if dry_run:
            return _scan_only(config, targets)
        store = open_store(config.database_url)
        try:
            result = record_paths(store, config, targets, now=datetime.now(UTC))
            print_summary(Console(highlight=False), result, store.describe())
        finally:
            store.close()
    return 0


def _check_credentials(pool: ConnectorPool) -> None:
    """One read-only call per system; rejected credentials are a ConfigError (exit 2).
    Other failures (e.g. a system that is down) are left for the run to report."""
    from tracker.connectors import ConnectorError
    from tracker.sync.reads import credentials_rejected

    for name in pool.names:
        try:
            pool.get(name).check()
        except ConnectorError as error:
            if credentials_rejected(error):
                raise ConfigError(error.message, hint=error.hint) from None


def _scan_only(config: Config, targets: list[Path]) -> int:
    """--dry-run without ticket systems: say what would be recorded, record nothing."""
    from rich.console import Console

    from tracker.documents import configured_documents

    documents = items = warnings = 0
    for doc in configured_documents(config, targets):
        documents += 1
        items += len(doc.items)
        warnings += len(doc.warnings)
    Console(highlight=False).print(
        f"dry run: {items} items in {documents} documents ({warnings} warnings) "
        "would be recorded; nothing was written."
    )
    return 0
