"""`tracker init`: write a commented starter tracker.toml and .env.example (no prompts)."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from tracker.cli.app import app
from tracker.errors import ConfigError

STARTER_CONFIG = """\
# tracker configuration. Every key, commented: `tracker config example`.
# Secrets never go in this file: write ${ENV_VAR} references (see .env.example).

# Where tracker keeps what it knows. Default: .tracker/tracker.db beside this file
# (SQLite). For a shared install use PostgreSQL, then run `tracker db upgrade` once:
# database_url = "postgresql+psycopg://tracker@db.example.com:5432/tracker"
# (TRACKER_DATABASE_URL overrides this key.)

timezone = "UTC"            # IANA name: decides "today", due dates and schedules
# docs_base_url = "https://git.example.com/org/postmortems/blob/main/"

[documents]
paths = ["postmortems/"]    # scanned by `tracker sync` / `tracker scan` without PATH
include = ["**/*.md", "**/*.markdown"]
exclude = ["**/TEMPLATE*.md"]

# [documents.status_words]  # your own words for a status: open, in_progress, done, wont_do
# "Shipped" = "done"

[report]
due_soon_days = 7           # "due soon" = due within this many days
trend_weeks = 12

# A team: its members (names from [[people]] or aliases), the documents it owns
# (path globs; `team:` in a document's front matter wins) and where its tickets go.
# A document no team claims goes to the team most of its owners are in, else "unassigned".
# [[teams]]
# name = "payments"
# members = ["alice", "bob"]
# paths = ["postmortems/payments/**"]
{targets}

# One person and every way documents and ticket systems name them, so they count once.
# [[people]]
# name = "alice"
# aliases = ["@alice", "Alice Smith"]
# email = "alice@example.com"
{people}

# Ticket systems. Without any, `tracker sync` only records documents in the store.
{sections}

[sync]
ticket_link_style = "markdown"   # "markdown" → [ENG-12](url), "key" → ENG-12, "url"
status_owner = "ticket"          # which side owns status: "ticket" | "document"
conflict_policy = "report"       # "report" | "document-wins" | "ticket-wins"
close_ticket_when_done = false
labels = ["postmortem"]

# `tracker schedule` runs only the jobs named here (and refuses to start without them).
[schedule]
sync_at = ["02:00"]              # daily, in `timezone`
digest_at = "monday 09:00"       # weekly: comments on overdue items' tickets, team digests
catch_up = false                 # true: a slot missed while it was down runs at start

[reminders]
enabled = true
interval_days = 7
# webhook_url = "${SLACK_WEBHOOK_URL}"
"""

STARTER_ENV = """\
# Environment variables tracker reads. tracker reads them from its environment only,
# never from a file: keep them in .env (never commit it) and load it yourself, e.g.
#   set -a; . ./.env; set +a            (a shell)
#   EnvironmentFile=/srv/postmortems/.env   (a systemd unit)
{variables}
# SLACK_WEBHOOK_URL=
# TRACKER_DATABASE_URL=postgresql+psycopg://tracker@db.example.com:5432/tracker
"""


def starter_files() -> tuple[str, str]:
    """The starter tracker.toml and .env.example, with each installed connector's lines
    (its `starter`) where a team target, a person's account and its section go."""
    from tracker.connectors import StarterText, connector_plugins

    starters = [
        starter
        for plugin in connector_plugins().values()
        if isinstance(starter := getattr(plugin, "starter", None), StarterText)
    ]

    def commented(text: str) -> str:
        return "\n".join(f"# {line}" for line in text.splitlines())

    targets = [commented(s.target) for s in starters[:1]]
    targets += [f"# # or: {s.target}" for s in starters[1:]]
    config = (
        STARTER_CONFIG.replace("{targets}", "\n".join(targets) or "# target = { system = ... }")
        .replace("{people}", "\n".join(commented(s.person) for s in starters))
        .replace("{sections}", "\n\n".join(commented(s.section) for s in starters))
    )
    variables = [f"# {name}=" for s in starters for name in s.env]
    return config, STARTER_ENV.replace("{variables}", "\n".join(variables))


def _file_mode(path: Path) -> int:
    """The mode to write `path` with: its current one, else what the umask allows a new
    file (mkstemp alone would leave every file private to its owner)."""
    if path.exists():
        return path.stat().st_mode & 0o777
    umask = os.umask(0)
    os.umask(umask)
    return 0o666 & ~umask


def _write_atomically(path: Path, text: str) -> None:
    mode = _file_mode(path)
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as file:
            file.write(text)
        os.chmod(temporary, mode)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


DOCUMENTS_FOLDER = "postmortems"  # the starter config's [documents] paths
GITIGNORE_LINES = (".tracker/", ".env")  # the store and the secrets never go in git


def _ignore_in_git(gitignore: Path) -> list[str]:
    """Append the lines .gitignore lacks; returns those added (none on a second run)."""
    text = gitignore.read_text(encoding="utf-8") if gitignore.exists() else ""
    present = {line.strip() for line in text.splitlines()}
    missing = [line for line in GITIGNORE_LINES if line not in present]
    if missing:
        separator = "\n" if text and not text.endswith("\n") else ""
        _write_atomically(gitignore, text + separator + "".join(f"{m}\n" for m in missing))
    return missing


@app.command()
def init(
    directory: Annotated[
        Path, typer.Option("--dir", file_okay=False, help="Where to write the files.")
    ] = Path("."),
    force: Annotated[bool, typer.Option("--force", help="Overwrite existing files.")] = False,
) -> None:
    """Write a commented starter tracker.toml and a .env.example, create the postmortems/
    folder it scans, and add .tracker/ and .env to .gitignore."""
    config_text, env_text = starter_files()
    files = {directory / "tracker.toml": config_text, directory / ".env.example": env_text}
    existing = [path for path in files if path.exists()]
    if existing and not force:
        names = ", ".join(str(path) for path in existing)
        verb = "exists" if len(existing) == 1 else "exist"
        raise ConfigError(f"{names} already {verb}", hint="use --force to overwrite")
    directory.mkdir(parents=True, exist_ok=True)
    console = Console(highlight=False)
    for path, text in files.items():
        _write_atomically(path, text)
        console.print(f"wrote {path}")
    documents = directory / DOCUMENTS_FOLDER
    if not documents.is_dir():
        documents.mkdir()
        (documents / ".gitkeep").touch()  # git keeps the empty folder
        console.print(f"created {documents}/ (put postmortems here)")
    added = _ignore_in_git(directory / ".gitignore")
    if added:
        console.print(f"added {', '.join(added)} to {directory / '.gitignore'}")
    console.print("next: edit tracker.toml, then run `tracker sync`")
