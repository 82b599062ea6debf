"""Shared setup for the sync tests: documents, a config pointing at the sandboxes, runs.

Every test drives the real engine and the real connectors (the `jira` and PyGithub
clients) over real HTTP against the loopback sandboxes; tokens come from the
environment mapping passed to the run, exactly as in production.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Mapping
from datetime import datetime
from pathlib import Path
from typing import Any

from tracker_github.sandbox.server import GitHubSandbox
from tracker_jira.sandbox.server import JiraSandbox

from tracker.config import Config, load_config
from tracker.store import Store, open_store
from tracker.sync import SyncProgress, SyncResult, run_sync

EN_DOC = """\
---
team: payments
severity: SEV2
---

# Postmortem: Checkout latency spike

**Date**: 2026-03-04

## Action Items

| Action | Owner | Due | Priority | Ticket | Status |
| ------ | ----- | --- | -------- | ------ | ------ |
| Restore the connection-pool size to 50 | @alice | 2026-03-20 | P1 | | Open |
| Alert on pool saturation | @bob | 2026-04-01 | P2 | | In Progress |
| Add an SDK upgrade checklist | @nobody | | P3 | | Open |
| Write the customer apology | @alice | | | | ✅ Done |
"""

ZH_DOC = """\
---
team: search
---

# 事后分析：搜索索引延迟

**日期**: 2026-05-20

## 行动项

| 行动项 | 负责人 | 截止日期 | 状态 |
| ------ | ------ | -------- | ---- |
| 为回调接口增加幂等校验 | @chen | 2026-06-01 | 进行中 |
| 增加对账告警 | @bob | 2026-06-15 | 计划中 |
"""


def write_config(
    folder: Path,
    jira: JiraSandbox | None,
    github: GitHubSandbox | None,
    *,
    database_url: str | None = None,
    sync: Mapping[str, Any] | None = None,
    github_pacing: float = 0,
    timeout: float = 5,
    github_settings: Mapping[str, Any] | None = None,
) -> Path:
    """A tracker.toml: payments → Jira ENG, search → GitHub acme/app, people mapped."""
    lines = [f'database_url = "{database_url or "sqlite:///.tracker/tracker.db"}"', ""]
    lines += ["[[teams]]", 'name = "payments"', 'members = ["alice", "bob"]']
    lines += ['target = { system = "jira", project = "ENG", issue_type = "Task" }', ""]
    lines += ["[[teams]]", 'name = "search"', 'members = ["chen"]']
    lines += ['target = { system = "github", repo = "acme/app" }', ""]
    for name in ("alice", "bob", "chen"):
        lines += ["[[people]]", f'name = "{name}"', f'aliases = ["@{name}"]']
        if jira is not None:
            lines.append(f'jira_account_id = "{jira.user_account(name)}"')
        lines += [f'github_login = "{name}"', ""]
    if jira is not None:
        lines += ["[connectors.jira]", f'url = "{jira.base_url}"', f'flavour = "{jira.flavour}"']
        if jira.cloud:
            lines.append('email = "tracker@example.com"')
        lines.append('token = "${TEST_JIRA_TOKEN}"')
        lines += [f"timeout_seconds = {timeout}", ""]
    if github is not None:
        lines += ["[connectors.github]", f'url = "{github.base_url}"']
        lines += ['token = "${TEST_GITHUB_TOKEN}"', f"timeout_seconds = {timeout}"]
        lines.append(f"creations_per_minute = {github_pacing}")  # 0: no pacing
        for key, value in (github_settings or {}).items():
            lines.append(f"{key} = {value!r}" if isinstance(value, str) else f"{key} = {value}")
        lines.append("")
    if sync:
        lines.append("[sync]")
        for key, value in sync.items():
            rendered = str(value).lower() if isinstance(value, bool) else f'"{value}"'
            lines.append(f"{key} = {rendered}")
    path = folder / "tracker.toml"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def sandbox_env(jira: JiraSandbox | None, github: GitHubSandbox | None) -> dict[str, str]:
    env = {}
    if jira is not None:
        env["TEST_JIRA_TOKEN"] = jira.token
    if github is not None:
        env["TEST_GITHUB_TOKEN"] = github.token
    return env


class SyncWorld:
    """A folder of documents, a config and a store: `sync()` runs the engine once."""

    def __init__(
        self,
        folder: Path,
        jira: JiraSandbox | None,
        github: GitHubSandbox | None,
        *,
        database_url: str | None = None,
        sync: Mapping[str, Any] | None = None,
        github_pacing: float = 0,
        timeout: float = 5,
        github_settings: Mapping[str, Any] | None = None,
    ) -> None:
        self.folder = folder
        self.docs = folder / "postmortems"
        self.docs.mkdir(parents=True, exist_ok=True)
        self.jira = jira
        self.github = github
        self.env = sandbox_env(jira, github)
        self.config_path = write_config(
            folder,
            jira,
            github,
            database_url=database_url,
            sync=sync,
            github_pacing=github_pacing,
            timeout=timeout,
            github_settings=github_settings,
        )
        self._store: Store | None = None
        self.waits: list[float] = []

    def write(self, name: str, text: str) -> Path:
        path = self.docs / name
        path.write_text(text, encoding="utf-8")
        return path

    def read(self, name: str) -> str:
        return (self.docs / name).read_text(encoding="utf-8")

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
        """Waits move the sandboxes' clocks instead of the test's wall time."""
        self.waits.append(seconds)
        for sandbox in (self.jira, self.github):
            if sandbox is not None:
                sandbox.clock.advance(seconds)

    def later(self, seconds: float = 60) -> None:
        """Time passes between runs: the sandboxes' clocks move on, so Jira Cloud's
        lagging search index (on by default in the fixtures) has caught up."""
        for sandbox in (self.jira, self.github):
            if sandbox is not None:
                sandbox.clock.advance(seconds)

    def sync(
        self,
        *,
        dry_run: bool = False,
        commit: bool = False,
        progress: SyncProgress | None = None,
        full: bool = False,
        now: datetime | None = None,
    ) -> SyncResult:
        return run_sync(
            self.config,
            self.store,
            [self.docs],
            dry_run=dry_run,
            commit=commit,
            env=self.env,
            progress=progress,
            sleep=self.fake_sleep,
            full=full,
            now=now,
        )

    def cli(
        self, *args: str, extra_env: Mapping[str, str] | None = None
    ) -> subprocess.CompletedProcess[str]:
        """`tracker sync` as a separate process (what cron runs)."""
        env = {**os.environ, **self.env, **(extra_env or {})}
        env.pop("TRACKER_DATABASE_URL", None)
        return subprocess.run(
            [
                sys.executable,
                "-m",
                "tracker",
                "sync",
                str(self.docs),
                "--config",
                str(self.config_path),
                *args,
            ],
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
