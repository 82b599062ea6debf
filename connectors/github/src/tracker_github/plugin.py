"""What tracker's core needs of GitHub without PyGithub: the settings and team-target
models, how GitHub references read, the people key, the scope rule.

Registered as `github` in the `tracker.connectors` entry-point group; `from_settings`
imports the connector (and PyGithub) only when a sync needs it.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Literal

from pydantic import ConfigDict, Field, field_validator
from pydantic_core import PydanticCustomError

from tracker.config import ConnectorConfig, TargetSettings
from tracker.connectors import StarterText, Target
from tracker.model import TicketRef

if TYPE_CHECKING:
    from tracker_github.connector import GitHubConnector

NAME = re.compile(r"^[A-Za-z0-9_.-]{1,100}$")


def is_repo_name(value: str) -> bool:
    """`owner/name` with GitHub's characters (and neither part `.` or `..`)."""
    owner, slash, name = value.partition("/")
    return bool(slash) and all(
        NAME.match(part) and part not in (".", "..") for part in (owner, name)
    )


class GitHubSettings(ConnectorConfig):
    """`[connectors.github]`."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    # 0 = no pacing (benchmarks)
    creations_per_minute: float = Field(default=70, strict=True, ge=0, le=10_000)
    # GitHub allows 500 content creations an hour (issues, comments, milestones)
    creations_per_hour: float = Field(default=450, strict=True, ge=0, le=10_000)
    # a write costs 5 of the 900 points GitHub allows an endpoint a minute
    write_points_per_minute: float = Field(default=800, strict=True, ge=0, le=100_000)
    max_attempts: int = Field(default=5, strict=True, ge=1, le=100)
    overlap_seconds: float = Field(default=60, strict=True, ge=0, le=86_400 * 366)
    # The exact due date is a `- Due:` body line; milestones only group issues by period
    # (a milestone per date would cost a content creation per date).
    due_milestones: Literal["month", "week", "day", "none"] = "month"
    # The hour's creations spent: "stop" postpones the rest to the next run (exit 1 with
    # an ETA); "wait" keeps the run going, sleeping until GitHub's window frees up.
    on_hourly_limit: Literal["stop", "wait"] = "stop"


class GitHubTarget(TargetSettings):
    """A team's `target = { system = "github", repo = "owner/name" }`."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    system: Literal["github"]
    repo: str

    @field_validator("repo")
    @classmethod
    def _owner_slash_name(cls, value: str) -> str:
        if not is_repo_name(value):
            raise PydanticCustomError("repo", "expected 'owner/name'")
        return value

    def scope_name(self) -> str:
        return self.repo

    def to_target(self) -> Target:
        return Target("github", repo=self.repo)


_REF = re.compile(r"^(?:([\w.-]+/[\w.-]+))?#(\d+)$")
_ISSUE_URL = re.compile(
    r"^https?://[^/]+/(?:api/v3/)?(?:repos/)?([\w.-]+)/([\w.-]+)/(?:issues|pull|pulls)/(\d+)(?:[/?#].*)?$"
)


class GitHubSyntax:
    """`owner/repo#12`, `#12` (in the document's repository), issue and pull URLs."""

    pattern = r"(?<![\w/.-])[A-Za-z0-9][\w.-]*+/[\w.-]++\#\d++\b|(?<![\w/&#])\#\d++\b"
    priority = 10

    def read(self, text: str) -> TicketRef | None:
        return TicketRef("github", text) if _REF.match(text) else None

    def read_url(self, url: str) -> TicketRef | None:
        match = _ISSUE_URL.match(url)
        return TicketRef("github", f"{match[1]}/{match[2]}#{match[3]}", url) if match else None

    def scope_of(self, key: str) -> str:
        return key.split("#", 1)[0]

    def complete(self, ref: TicketRef, scope: str) -> TicketRef:
        return TicketRef("github", f"{scope}{ref.key}", ref.url) if ref.key[:1] == "#" else ref


class GitHubPlugin:
    """The `github` entry point."""

    name = "github"
    settings_model = GitHubSettings
    target_model = GitHubTarget
    person_field: str | None = "github_login"
    summary_limit = 250  # GitHub takes 256; 250 keeps earlier releases' baselines equal
    # What `tracker init` writes, commented out, for this system.
    starter = StarterText(
        target='target = { system = "github", repo = "acme/payments" }',
        person='github_login = "alice"',
        section='[connectors.github]\nurl = "https://api.github.com"\ntoken = "${GITHUB_TOKEN}"',
        env=("GITHUB_TOKEN",),
    )
    syntax = GitHubSyntax()

    @classmethod
    def from_settings(
        cls, settings: Mapping[str, object], *, env: Mapping[str, str], **options: Any
    ) -> GitHubConnector:
        from tracker_github.connector import GitHubConnector

        return GitHubConnector.from_settings(settings, env=env, **options)

    @classmethod
    def claims_scope(cls, name: str) -> bool:
        return is_repo_name(name)

    @classmethod
    def front_matter_target(cls, front: Mapping[str, object]) -> Target | None:
        repo = front.get("github_repo")
        return Target("github", repo=repo) if isinstance(repo, str) and repo else None
