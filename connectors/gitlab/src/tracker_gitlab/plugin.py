"""What tracker's core needs of GitLab without python-gitlab: the settings and team-target
models, how GitLab references read, the people key, the scope rule.

Registered as `gitlab` in the `tracker.connectors` entry-point group; `from_settings`
imports the connector (and python-gitlab) only when a sync needs it.
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
from tracker_gitlab.mapping import PROJECT_PATH, parse_issue_url, parse_key

if TYPE_CHECKING:
    from tracker_gitlab.connector import GitLabConnector


class GitLabSettings(ConnectorConfig):
    """`[connectors.gitlab]`."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    # GitLab limits issue creation per user and project (300 a minute); 0 = no pacing
    creations_per_minute: float = Field(default=240, strict=True, ge=0, le=10_000)
    max_attempts: int = Field(default=5, strict=True, ge=1, le=100)
    overlap_seconds: float = Field(default=60, strict=True, ge=0, le=86_400 * 366)


class GitLabTarget(TargetSettings):
    """A team's `target = { system = "gitlab", project = "group/subgroup/project" }`."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    system: Literal["gitlab"]
    project: str  # the project's full path

    @field_validator("project")
    @classmethod
    def _full_path(cls, value: str) -> str:
        if not PROJECT_PATH.match(value):
            raise PydanticCustomError(
                "project_path", "expected the project's full path, like 'group/project'"
            )
        return value

    def scope_name(self) -> str:
        return self.project

    def to_target(self) -> Target:
        return Target("gitlab", repo=self.project)


class GitLabSyntax:
    """`group/project#7`, `group/subgroup/project#7`, `#7` (in the document's project) and
    issue URLs (`/-/issues/7`, `/-/work_items/7`). A two-part `owner/name#7` has GitHub's
    shape too: with both connectors installed GitHub's pattern is tried first, and the
    document's target tells them apart."""

    pattern = r"(?<![\w/.-])[A-Za-z0-9_][\w.-]*+(?:/[\w.-]++)++\#\d++\b"
    priority = 20

    def read(self, text: str) -> TicketRef | None:
        if text.startswith("#") and text[1:].isdigit():
            return TicketRef("gitlab", text)
        return TicketRef("gitlab", text) if parse_key(text) else None

    def read_url(self, url: str) -> TicketRef | None:
        located = parse_issue_url(url) if "/-/" in url else None
        return TicketRef("gitlab", f"{located[0]}#{located[1]}", url) if located else None

    def scope_of(self, key: str) -> str:
        return key.split("#", 1)[0]

    def complete(self, ref: TicketRef, scope: str) -> TicketRef:
        return TicketRef("gitlab", f"{scope}{ref.key}", ref.url) if ref.key[:1] == "#" else ref


_THREE_PARTS = re.compile(r"^[^/]+/[^/]+/.+$")


class GitLabPlugin:
    """The `gitlab` entry point."""

    name = "gitlab"
    settings_model = GitLabSettings
    target_model = GitLabTarget
    person_field: str | None = "gitlab_username"
    summary_limit = 250  # GitLab takes 255; 250 keeps earlier releases' baselines equal
    # What `tracker init` writes, commented out, for this system.
    starter = StarterText(
        target='target = { system = "gitlab", project = "acme/payments" }',
        person='gitlab_username = "alice"',
        section='[connectors.gitlab]\nurl = "https://gitlab.com"      # or your self-managed GitLab\ntoken = "${GITLAB_TOKEN}"',
        env=("GITLAB_TOKEN",),
    )
    change_request_noun = "merge request"  # what `--pull-request` opens here
    syntax = GitLabSyntax()

    @classmethod
    def from_settings(
        cls, settings: Mapping[str, object], *, env: Mapping[str, str], **options: Any
    ) -> GitLabConnector:
        from tracker_gitlab.connector import GitLabConnector

        return GitLabConnector.from_settings(settings, env=env, **options)

    @classmethod
    def claims_scope(cls, name: str) -> bool:
        """A bare `adopt_from` entry with a subgroup (`acme/platform/api`); a two-part
        one is GitHub's shape, so GitLab's are written `gitlab:group/project`."""
        return bool(PROJECT_PATH.match(name) and _THREE_PARTS.match(name))

    @classmethod
    def front_matter_target(cls, front: Mapping[str, object]) -> Target | None:
        project = front.get("gitlab_project")
        if isinstance(project, str) and PROJECT_PATH.match(project):
            return Target("gitlab", repo=project)
        return None
