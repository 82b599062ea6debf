"""What tracker's core needs of Jira without the client library: the settings and
team-target models, how Jira references read, the people key, the scope rule.

Registered as `jira` in the `tracker.connectors` entry-point group; `from_settings`
imports the connector (and the `jira` client) only when a sync needs it.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Literal

from pydantic import ConfigDict, Field, field_validator
from pydantic_core import PydanticCustomError

from tracker.config import ConnectorConfig, TargetSettings, check_zone
from tracker.connectors import StarterText, Target
from tracker.model import TicketRef

if TYPE_CHECKING:
    from tracker_jira.connector import JiraConnector

Attempts = Field(default=5, strict=True, ge=1, le=100)
PROJECT_KEY = re.compile(r"^[A-Z][A-Z0-9_]{0,254}$")


class JiraSettings(ConnectorConfig):
    """`[connectors.jira]`."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    flavour: Literal["cloud", "server"] = "cloud"
    email: str | None = None
    # P0..P4 → Jira priority names (default Highest/High/Medium/Low/Lowest).
    priorities: dict[str, str] | None = None
    # Resolutions that make a done ticket read as wont_do.
    wont_do_resolutions: list[str] | None = None
    # JQL date literals are read in the API account's profile time zone; unset, the
    # connector asks Jira (GET /myself) once per run. Set it to override.
    time_zone: str | None = None
    max_attempts: int = Attempts
    # Also store the identity as entity property `tracker.item` (one PUT per created issue).
    entity_property: bool = Field(default=False, strict=True)
    # Incremental reads start this much before the last sync (JQL has minute precision).
    overlap_seconds: float = Field(default=120, strict=True, ge=0, le=86_400 * 366)

    @field_validator("time_zone")
    @classmethod
    def _known_zone(cls, value: str | None) -> str | None:
        return None if value is None else check_zone(value)


class JiraTarget(TargetSettings):
    """A team's `target = { system = "jira", project = "ENG", issue_type = "Task" }`."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    system: Literal["jira"]
    project: str
    issue_type: str = Field(default="Task", min_length=1, max_length=255)

    @field_validator("project")
    @classmethod
    def _project_key(cls, value: str) -> str:
        # Jira's rule: a capital letter, then capitals, digits or underscores.
        if not PROJECT_KEY.match(value):
            raise PydanticCustomError(
                "project_key",
                "'{key}' is not a Jira project key (capital letters, digits and _, "
                "starting with a letter, like ENG)",
                {"key": value},
            )
        return value

    def scope_name(self) -> str:
        return self.project

    def target_options(self) -> dict[str, str]:
        return {"issue_type": self.issue_type}

    def to_target(self) -> Target:
        return Target("jira", project=self.project, issue_type=self.issue_type)


# Upper-case words with a dash and digits that are not Jira keys.
_NOT_KEYS = frozenset(
    {
        "UTF", "SHA", "SEV", "CVE", "ISO", "RFC", "TLS", "SSL", "HTTP", "IPV", "GPT", "MD",
        "AES", "COVID", "ARM", "RCA", "UTC", "GMT", "PR",
    }
)  # fmt: skip
_YEAR_LIKE = re.compile(r"\d{4}")
_KEY = re.compile(r"^[A-Z][A-Z0-9_]+-\d+$")
_BROWSE_URL = re.compile(r"^https?://[^/]+(?:/[^?#]*)?/browse/([A-Z][A-Z0-9_]+-\d+)(?:[/?#].*)?$")
_SELECTED_URL = re.compile(r"^https?://.*[?&]selectedIssue=([A-Z][A-Z0-9_]+-\d+)")


def is_issue_key(key: str) -> bool:
    """Upper-case key shapes that are not versions, CVEs, years (`PM2021-011`) or encodings."""
    if not _KEY.match(key):
        return False
    project = key.rsplit("-", 1)[0]
    if not any("A" <= char <= "Z" for char in project[1:]):
        return False  # a project names at least two capitals: `A1-2` is no key
    letters = re.match(r"[A-Z]+", project)
    return not ((letters is not None and letters[0] in _NOT_KEYS) or _YEAR_LIKE.search(project))


class JiraSyntax:
    """`ENG-1234`, `…/browse/ENG-1234` and `…?selectedIssue=ENG-1234` URLs."""

    # The project is read possessively (`*+`): `[A-Z][A-Z0-9_]*[A-Z][A-Z0-9_]*`
    # backtracked quadratically over a long run of capitals; `is_issue_key` checks
    # its second capital instead.
    pattern = r"\b[A-Z][A-Z0-9_]*+-\d++\b(?![-.]?\d)"
    priority = 20

    def read(self, text: str) -> TicketRef | None:
        return TicketRef("jira", text) if is_issue_key(text) else None

    def read_url(self, url: str) -> TicketRef | None:
        match = _BROWSE_URL.match(url) or _SELECTED_URL.match(url)
        return TicketRef("jira", match[1], url) if match else None

    def scope_of(self, key: str) -> str:
        return key.rsplit("-", 1)[0]

    def complete(self, ref: TicketRef, scope: str) -> TicketRef:
        return ref  # a Jira key always names its project


class JiraPlugin:
    """The `jira` entry point."""

    name = "jira"
    settings_model = JiraSettings
    target_model = JiraTarget
    person_field: str | None = "jira_account_id"
    summary_limit = 250  # Jira refuses summaries over 255 characters
    # What `tracker init` writes, commented out, for this system.
    starter = StarterText(
        target='target = { system = "jira", project = "PAY", issue_type = "Task" }',
        person='jira_account_id = "5b10a2844c20165700ede21g"',
        section='[connectors.jira]\nurl = "https://acme.atlassian.net"\nflavour = "cloud"         # or "server"\nemail = "bot@acme.com"\ntoken = "${JIRA_API_TOKEN}"',
        env=("JIRA_API_TOKEN",),
    )
    syntax = JiraSyntax()

    @classmethod
    def from_settings(
        cls, settings: Mapping[str, object], *, env: Mapping[str, str], **options: Any
    ) -> JiraConnector:
        from tracker_jira.connector import JiraConnector

        return JiraConnector.from_settings(settings, env=env, **options)

    @classmethod
    def claims_scope(cls, name: str) -> bool:
        return bool(PROJECT_KEY.match(name))

    @classmethod
    def front_matter_target(cls, front: Mapping[str, object]) -> Target | None:
        project, issue_type = front.get("jira_project"), front.get("jira_issue_type")
        if not isinstance(project, str):
            return None
        return Target(
            "jira",
            project=project,
            issue_type=issue_type if isinstance(issue_type, str) else "Task",
        )
