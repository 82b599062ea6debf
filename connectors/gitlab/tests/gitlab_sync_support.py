"""A folder of documents synced to the GitLab sandbox through the real engine.

payments → `acme/app`, search → `acme/platform/api` (a project in a subgroup); the
people are mapped to GitLab usernames; the token comes from the environment mapping
passed to the run, as in production.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from tracker_gitlab.marker import identity_in
from tracker_gitlab.sandbox import GitLabSandbox

from tracker.config import Config, load_config
from tracker.model import Status
from tracker.parse import parse_file
from tracker.store import Store, open_store
from tracker.sync import SyncResult, run_sync

TOKEN_VAR = "TEST_GITLAB_TOKEN"
PROJECTS = {"payments": "acme/app", "search": "acme/platform/api"}


def write_config(
    folder: Path,
    sandbox: GitLabSandbox,
    sync: Mapping[str, Any],
    database_url: str = "sqlite:///.tracker/tracker.db",
) -> Path:
    lines = [f'database_url = "{database_url}"', ""]
    members = {"payments": '["alice", "bob"]', "search": '["chen"]'}
    for team, project in PROJECTS.items():
        lines += ["[[teams]]", f'name = "{team}"', f"members = {members[team]}"]
        lines += [f'target = {{ system = "gitlab", project = "{project}" }}', ""]
    for name in ("alice", "bob", "chen"):
        lines += ["[[people]]", f'name = "{name}"', f'aliases = ["@{name}"]']
        lines += [f'gitlab_username = "{name}"', ""]
    lines += ["[connectors.gitlab]", f'url = "{sandbox.base_url}"']
    lines += [f'token = "${{{TOKEN_VAR}}}"', "timeout_seconds = 2", "creations_per_minute = 0"]
    lines.append("")
    if sync:
        lines.append("[sync]")
        for key, value in sync.items():
            rendered = str(value).lower() if isinstance(value, bool) else f'"{value}"'
            lines.append(f"{key} = {rendered}")
    path = folder / "tracker.toml"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


class GitLabWorld:
    """Documents, a config and a store: `sync()` runs the engine once in-process,
    `cli()` runs `tracker sync` as its own process (what cron runs)."""

    def __init__(
        self,
        folder: Path,
        sandbox: GitLabSandbox,
        *,
        sync: Mapping[str, Any] | None = None,
        database_url: str | None = None,
    ) -> None:
        self.folder = folder
        self.docs = folder / "postmortems"
        self.docs.mkdir(parents=True, exist_ok=True)
        self.sandbox = sandbox
        self.env = {TOKEN_VAR: sandbox.token}
        self.config_path = write_config(
            folder, sandbox, sync or {}, database_url or "sqlite:///.tracker/tracker.db"
        )
        self._store: Store | None = None
        self.waits: list[float] = []

    def write(self, name: str, text: str) -> Path:
        path = self.docs / name
        path.write_text(text, encoding="utf-8")
        return path

    def read(self, name: str) -> str:
        return (self.docs / name).read_text(encoding="utf-8")

    def row(self, name: str, action: str) -> str:
        return next(line for line in self.read(name).splitlines() if action in line)

    def statuses(self, name: str) -> dict[str, Status]:
        doc = parse_file(self.docs / name, root=self.docs)
        return {item.action: item.status for item in doc.items}

    def issue(self, project: str, title: str) -> dict[str, Any]:
        return next(i for i in self.sandbox.issues(project) if i["title"] == title)

    def identities(self, project: str) -> list[str | None]:
        return [identity_in(i["description"]) for i in self.sandbox.issues(project)]

    @property
    def config(self) -> Config:
        return load_config(self.config_path, env={**os.environ, **self.env})

    @property
    def store(self) -> Store:
        if self._store is None:
            url = self.config.database_url
            assert url is not None
            self._store = open_store(url)
        return self._store

    def fake_sleep(self, seconds: float) -> None:
        """Waits move the sandbox clock instead of the test's wall time."""
        self.waits.append(seconds)
        self.sandbox.clock.advance(seconds)

    def sync(self, *, dry_run: bool = False, full: bool = False) -> SyncResult:
        return run_sync(
            self.config,
            self.store,
            [self.docs],
            dry_run=dry_run,
            env=self.env,
            sleep=self.fake_sleep,
            full=full,
        )

    def cli(
        self, *args: str, extra_env: Mapping[str, str] | None = None
    ) -> subprocess.CompletedProcess[str]:
        env = {**os.environ, **self.env, **(extra_env or {})}
        env.pop("TRACKER_DATABASE_URL", None)
        command = [sys.executable, "-m", "tracker", "sync", str(self.docs)]
        return subprocess.run(
            [*command, "--config", str(self.config_path), *args],
            cwd=self.folder,
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )

    def close(self) -> None:
        if self._store is not None:
            self._store.close()
            self._store = None
