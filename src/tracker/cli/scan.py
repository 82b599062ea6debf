"""`tracker scan PATH...`: list every action item found, with the problems in the documents.

The JSON output is a stable schema (documented in README, section `scan`):
{"documents": [{"path", "title", "date", "severity", "team",
                "items": [{"id", "line", "action", "owners", "due", "derived_due",
                           "priority", "status",
                           "tickets": [{"system", "key", "url"}], "type", "raw",
                           "found_by"}],
                "warnings": [{"line", "code", "message"}]}]}
Documents are written one at a time as they are parsed, so a large scan streams; so
does the table (scan_table.py).
"""

from __future__ import annotations

import json
import sys
from collections.abc import Iterable
from datetime import date
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, TextIO

import typer

from tracker.cli.app import app
from tracker.cli.options import ConfigOption, load_config_or_default
from tracker.errors import TrackerError

if TYPE_CHECKING:
    from tracker.config import PolicyConfig
    from tracker.model import ActionItem, Postmortem


class OutputFormat(StrEnum):
    TABLE = "table"
    JSON = "json"


def item_json(item: ActionItem, derived_due: date | None = None) -> dict[str, Any]:
    return {
        "id": item.id,
        "line": item.line,
        "action": item.action,
        "owners": list(item.owners),
        "due": item.due.isoformat() if item.due else None,
        "derived_due": derived_due.isoformat() if derived_due else None,
        "priority": item.priority,
        "status": item.status.value,
        "tickets": [{"system": ref.system, "key": ref.key, "url": ref.url} for ref in item.tickets],
        "type": item.type,
        "raw": dict(item.raw),
        "found_by": item.found_by,
    }


def derived_due(doc: Postmortem, item: ActionItem, policy: PolicyConfig | None) -> date | None:
    """The [policy] SLO's date for an item with no written due date (scan counts from the
    postmortem's date; `sync` records the first-seen day for undated documents)."""
    if item.due is not None:
        return None
    from tracker.policy import slo_deadline

    return slo_deadline(policy, item.priority, doc.severity, doc.date)


def document_json(doc: Postmortem, policy: PolicyConfig | None = None) -> dict[str, Any]:
    return {
        "path": doc.path,
        "title": doc.title,
        "date": doc.date.isoformat() if doc.date else None,
        "severity": doc.severity,
        "team": doc.team,
        "items": [item_json(item, derived_due(doc, item, policy)) for item in doc.items],
        "warnings": [
            {"line": warning.line, "code": warning.code, "message": warning.message}
            for warning in doc.warnings
        ],
    }


def write_json(
    documents: Iterable[Postmortem], out: TextIO, policy: PolicyConfig | None = None
) -> int:
    """Stream `{"documents": [...]}`; return the number of warnings seen."""
    warnings = 0
    out.write('{"documents": [')
    for index, doc in enumerate(documents):
        warnings += len(doc.warnings)
        out.write(",\n  " if index else "\n  ")
        out.write(json.dumps(document_json(doc, policy), ensure_ascii=False))
    out.write("\n]}\n")
    return warnings


@app.command()
def scan(
    paths: Annotated[
        list[Path] | None,
        typer.Argument(
            show_default=False,
            help="Files or folders (searched recursively); default: \\[documents].paths.",
        ),
    ] = None,
    output: Annotated[
        OutputFormat, typer.Option("--format", "-f", help="table (for people) or json.")
    ] = OutputFormat.TABLE,
    explain: Annotated[
        bool,
        typer.Option("--explain", help="Show which rule found each item (table output)."),
    ] = False,
    strict: Annotated[
        bool,
        typer.Option(
            "--strict",
            help="Also check each item's quality (vague action, team as owner, urgent "
            "with no date …; see \\[lint]) and exit 1 when any document has a warning.",
        ),
    ] = False,
    include: Annotated[
        list[str] | None,
        typer.Option("--include", help="Glob of files to read in folders (repeatable)."),
    ] = None,
    exclude: Annotated[
        list[str] | None,
        typer.Option("--exclude", help="Glob of files to skip in folders (repeatable)."),
    ] = None,
    config: ConfigOption = None,
) -> None:
    """List the action items in postmortems, and what is wrong with them."""
    from tracker.parse import iter_documents

    loaded = load_config_or_default(config)
    documents_config = loaded.documents
    targets: list[Path | str] = list(paths or [loaded.base_dir / p for p in documents_config.paths])
    if not targets:
        raise TrackerError("no paths given and [documents].paths is empty")
    missing = [str(path) for path in targets if not Path(path).exists()]
    if missing:
        raise TrackerError(f"no such file or directory: {', '.join(missing)}")
    documents = iter_documents(
        targets,
        include=include or documents_config.include,
        exclude=[*documents_config.exclude, *(exclude or [])],
        status_words=documents_config.status_words or None,
        root=loaded.base_dir,  # the config's folder, or the current one: ids match `sync`
        limits=documents_config.limits(),
    )
    if strict:
        from tracker.lint import make_linter, with_quality_warnings

        linter = make_linter(
            loaded.lint,
            team_names=(team.name for team in loaded.teams),
            people=(identity for person in loaded.people for identity in person.identities()),
        )
        documents = with_quality_warnings(documents, linter)
    if output is OutputFormat.JSON:
        warnings = write_json(documents, sys.stdout, loaded.policy)
    else:
        from rich.console import Console

        from tracker.cli.scan_table import write_table

        console = Console(highlight=False, width=None if sys.stdout.isatty() else 160)
        warnings = write_table(documents, console, explain=explain, policy=loaded.policy)
    if strict and warnings:
        raise typer.Exit(1)
