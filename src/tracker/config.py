"""tracker's configuration: one TOML file, validated into frozen models.

Schema: /tmp/team/CONFIG_SPEC.md, documented for users in config.example.toml. Every
mistake becomes one `ConfigError` line naming the file, the key path and the problem
(`tracker.toml: teams[2].members: expected a list of strings`), never a traceback.
Secrets are only ever `${ENV_VAR}` references, resolved when used, never printed.
"""

from __future__ import annotations

import os
import re
import tomllib
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, Literal
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    PrivateAttr,
    RootModel,
    ValidationError,
    ValidationInfo,
    field_validator,
    model_validator,
)
from pydantic_core import PydanticCustomError, core_schema

from tracker.errors import ConfigError
from tracker.model import Status

if TYPE_CHECKING:
    from tracker.connectors import Target
    from tracker.parse.budget import Limits

CONFIG_FILE_NAME = "tracker.toml"
CONFIG_ENV = "TRACKER_CONFIG"
DATABASE_URL_ENV = "TRACKER_DATABASE_URL"
DEFAULT_DATABASE_PATH = Path(".tracker") / "tracker.db"
UNASSIGNED_TEAM = "unassigned"

_ENV_REFERENCE = re.compile(r"^\$\{([A-Za-z_][A-Za-z0-9_]*)\}$")
_SECRET_KEY_NAMES = re.compile(r"(token|password|secret|api_key)$", re.IGNORECASE)


class Secret:
    """A secret named by an `${ENV_VAR}` reference; its value is read only when needed.

    str() and repr() are `'***'` so a secret can't leak into logs, errors or reports.
    """

    __slots__ = ("_env", "env_var")

    def __init__(self, env_var: str, env: Mapping[str, str] | None = None):
        self.env_var = env_var
        self._env = env if env is not None else os.environ

    def get(self) -> str:
        """The secret's value; a ConfigError naming the variable when it is unset."""
        value = self._env.get(self.env_var)
        if not value:
            raise ConfigError(
                f"environment variable {self.env_var} is not set",
                hint="export it, or put it in a .env file your shell loads",
            )
        return value

    @property
    def is_set(self) -> bool:
        return bool(self._env.get(self.env_var))

    def __repr__(self) -> str:
        return "'***'"

    __str__ = __repr__

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Secret) and other.env_var == self.env_var

    def __hash__(self) -> int:
        return hash(("Secret", self.env_var))

    @classmethod
    def __get_pydantic_core_schema__(cls, _source: Any, _handler: Any) -> core_schema.CoreSchema:
        return core_schema.with_info_plain_validator_function(
            cls._validate,
            serialization=core_schema.plain_serializer_function_ser_schema(
                lambda secret: f"${{{secret.env_var}}}"
            ),
        )

    @classmethod
    def _validate(cls, value: Any, info: ValidationInfo) -> Secret:
        if isinstance(value, Secret):
            return value
        if not isinstance(value, str):
            raise PydanticCustomError("secret_type", "expected an ${ENV_VAR} reference string")
        match = _ENV_REFERENCE.match(value.strip())
        if match is None:
            raise PydanticCustomError(
                "secret_literal",
                'secrets must be an ${ENV_VAR} reference (e.g. "${GITHUB_TOKEN}"), '
                "not a literal value",
            )
        env = (info.context or {}).get("env")
        return cls(match.group(1), env)


def _string_list(value: Any) -> Any:
    if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
        raise PydanticCustomError("string_list", "expected a list of strings")
    return value


StringList = Annotated[list[str], BeforeValidator(_string_list)]

# Whole numbers and switches are taken as TOML wrote them: `true` is not 1, 1 is not `true`.
# Upper bounds keep every value inside what dates, timers and SQL integers can hold.
Days = Annotated[int, Field(strict=True, ge=0, le=36_500)]
Seconds = Annotated[float, Field(strict=True, ge=0, le=86_400 * 366)]
Switch = Annotated[bool, Field(strict=True)]
Attempts = Annotated[int, Field(strict=True, ge=1, le=100)]


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


# <section:documents> (owned by the parser engineer)
class DocumentsConfig(_Section):
    """What to scan."""

    paths: StringList = Field(default_factory=list)
    include: StringList = Field(default_factory=lambda: ["**/*.md", "**/*.markdown"])
    exclude: StringList = Field(default_factory=list)
    status_words: dict[str, Status] = Field(default_factory=dict)
    # A bigger document, or one whose parse takes longer, is skipped with a warning.
    max_document_bytes: int = Field(default=2_000_000, ge=0)  # 0: no limit
    parse_timeout_seconds: float = Field(default=10.0, ge=0)  # 0: no limit

    def limits(self) -> Limits:
        from tracker.parse.budget import Limits

        return Limits(self.max_document_bytes, self.parse_timeout_seconds)


# </section:documents>


# <section:report>
class ReportConfig(_Section):
    due_soon_days: Days = 7
    trend_weeks: int = Field(default=12, strict=True, ge=1, le=520)


# </section:report>


# <section:lint>
LintCode = Literal[
    "vague-action", "team-owner", "urgent-without-due", "due-before-incident", "long-action"
]


class LintConfig(_Section):
    """`tracker scan --strict`'s quality checks (see tracker.lint): what reads as vague,
    who is a group rather than a person, how long an action may be."""

    vague_words: StringList = Field(
        default_factory=lambda: [
            "investigate",
            "look into",
            "look at",
            "monitor",
            "improve",
            "follow up",
            "follow-up",
            "consider",
            "explore",
            "think about",
            "research",
            "调查",
            "研究",
            "优化",
            "关注",
            "持续关注",
            "跟进",
            "加强",
            "完善",
        ]
    )
    group_owners: StringList = Field(
        default_factory=lambda: [
            "everyone",
            "all",
            "all hands",
            "engineering",
            "ops",
            "devops",
            "sre",
            "on-call",
            "oncall",
            "大家",
            "全员",
            "所有人",
            "运维",
        ]
    )
    urgent_priorities: StringList = Field(default_factory=lambda: ["P0", "P1"])
    max_sentences: int = Field(default=2, strict=True, ge=1, le=100)
    max_chars: int = Field(default=300, strict=True, ge=20, le=100_000)
    disable: list[LintCode] = Field(default_factory=list)

    @field_validator("group_owners")
    @classmethod
    def _compared_as_names(cls, value: list[str]) -> list[str]:
        return [identity_key(name) for name in value]


# </section:lint>


# <section:policy>
class PolicyConfig(_Section):
    """Service-level objectives for follow-ups: how long an item may take, by priority and
    by the postmortem's severity (the shorter applies), from the postmortem's date (else
    the day tracker first saw the item). An item with no written due date gets the SLO's
    date as a derived due date; it is written into the document only with
    `write_derived_due` (by the sync's write-back; from then on it is a written date)."""

    slo_days_by_priority: dict[str, Days] = Field(
        default_factory=lambda: {"P0": 28, "P1": 28, "P2": 56}
    )
    slo_days_by_severity: dict[str, Days] = Field(default_factory=dict)
    write_derived_due: Switch = False

    def slo_days(self, priority: str | None, severity: str | None) -> int | None:
        """The SLO in days for an item (None: no SLO applies)."""
        found = [
            days
            for table, key in (
                (self.slo_days_by_priority, priority),
                (self.slo_days_by_severity, severity),
            )
            if key is not None
            for name, days in table.items()
            if name.casefold() == key.casefold()
        ]
        return min(found) if found else None


# </section:policy>


class TargetSettings(_Section):
    """A team's `target = {system = "NAME", ...}`: where its new tickets go.

    A connector subclasses this (its `target_model`) with its own keys, e.g. a project
    key or a repository; without the connector installed the table is kept unchecked
    (`tracker scan` and `report` still work; `sync` then says what to install).
    """

    model_config = ConfigDict(extra="allow", frozen=True)

    system: str = Field(min_length=1)

    def scope_name(self) -> str:
        """The one name tickets are filed and read under (a project, a repository)."""
        raise ConfigError(
            f"target system {self.system!r}: its connector is not installed",
            hint=f"install the tracker-{self.system} distribution",
        )

    def to_target(self) -> Target:
        """The engine's `Target` for this table (the connector's model says how)."""
        raise ConfigError(
            f"target system {self.system!r}: its connector is not installed",
            hint=f"install the tracker-{self.system} distribution",
        )


class TeamConfig(_Section):
    """A team: who is in it, which documents are its own, where its tickets go."""

    name: str = Field(min_length=1)
    members: StringList = Field(default_factory=list)
    paths: StringList = Field(default_factory=list)
    target: TargetSettings | None = None
    lead: str | None = Field(default=None, min_length=1)  # who escalations go to


def identity_key(text: str) -> str:
    """How names and aliases are compared: case-insensitive, `@` and spacing ignored."""
    return " ".join(text.strip().lstrip("@").casefold().split())


class Person(_Section):
    """One person and every way documents and ticket systems name them."""

    name: str = Field(min_length=1)
    aliases: StringList = Field(default_factory=list)
    email: str | None = None
    # Connector name → this person's account there (what an assignee is set to). A
    # connector may also accept a flat key of its own (its `person_field`, e.g.
    # `github_login = "alice"`), moved in here when the configuration is read.
    accounts: dict[str, str] = Field(default_factory=dict)

    def account(self, system: str) -> str | None:
        """The person's account in `system`, if the configuration names one."""
        return self.accounts.get(system) or None

    def identities(self) -> list[str]:
        """Every string that names this person (the name first)."""
        names = [self.name, *self.aliases]
        names += [v for v in (self.email, *self.accounts.values()) if v]
        return names


class People(RootModel[list[Person]]):
    """The [[people]] map: resolves any alias to one person so they count once."""

    model_config = ConfigDict(frozen=True)
    root: list[Person] = Field(default_factory=list)
    _index: dict[str, Person] = PrivateAttr(default_factory=dict)

    def model_post_init(self, _context: Any) -> None:
        index: dict[str, Person] = {}
        for position, person in enumerate(self.root):
            for identity in person.identities():
                key = identity_key(identity)
                other = index.get(key)
                if other is not None and other.name != person.name:
                    raise PydanticCustomError(
                        "alias_twice",
                        "'{identity}' names both '{first}' and '{second}' (at people[{position}])",
                        {
                            "identity": identity,
                            "first": other.name,
                            "second": person.name,
                            "position": position,
                        },
                    )
                index[key] = person
        self._index = index

    def resolve(self, name_or_alias: str) -> Person | None:
        """The person a name, alias, e-mail or ticket-system account refers to."""
        return self._index.get(identity_key(name_or_alias))

    def canonical(self, name_or_alias: str) -> str:
        """The person's name if known, else the text as written (without a leading @)."""
        person = self.resolve(name_or_alias)
        return person.name if person else name_or_alias.strip().lstrip("@").strip()

    def __iter__(self) -> Iterator[Person]:  # type: ignore[override]
        return iter(self.root)

    def __len__(self) -> int:
        return len(self.root)


class ConnectorConfig(_Section):
    """Settings every connector understands. A connector subclasses this (its
    `settings_model`, usually `extra="forbid"`) with its own keys; without the connector
    installed its own keys are kept as extras, secret-looking ones still `${ENV}` only."""

    model_config = ConfigDict(extra="allow", frozen=True)

    url: str | None = None
    token: Secret | None = None
    timeout_seconds: float = Field(default=30, strict=True, gt=0, le=3600)

    @field_validator("url")
    @classmethod
    def _web_address(cls, value: str | None) -> str | None:
        return None if value is None else check_service_url(value)

    @model_validator(mode="after")
    def _no_literal_secrets(self) -> ConnectorConfig:
        for key, value in (self.model_extra or {}).items():
            is_reference = isinstance(value, str) and _ENV_REFERENCE.match(value.strip())
            if _SECRET_KEY_NAMES.search(key) and not is_reference:
                raise PydanticCustomError(
                    "secret_literal",
                    "{key}: secrets must be an ${ENV_VAR} reference, not a literal value",
                    {"key": key},
                )
        return self


# <section:sync>
class SyncConfig(_Section):
    ticket_link_style: Literal["markdown", "key", "url"] = "markdown"
    add_missing_columns: Switch = True
    close_ticket_when_done: Switch = False
    conflict_policy: Literal["report", "document-wins", "ticket-wins"] = "report"
    status_owner: Literal["ticket", "document"] = "ticket"
    on_row_deleted: Literal["report", "close-ticket"] = "report"
    on_ticket_deleted: Literal["report", "unlink"] = "report"
    labels: StringList = Field(default_factory=lambda: ["postmortem"])
    commit: Switch = False
    # How written documents reach the repository: "files" (saved, nothing more),
    # "commit" (as commit = true) or "pull-request" (as --pull-request: a branch and a
    # pull request; the working tree is left alone, see tracker.sync.proposal).
    write_back: Literal["files", "commit", "pull-request"] = "files"
    pull_request_target: str | None = None  # "github:owner/name": where the PR is opened
    pull_request_remote: str = "origin"  # the documents repository's remote to push to
    pull_request_base: str | None = None  # default: the remote's default branch (HEAD)
    pull_request_branch: str = "tracker/write-back"
    # Projects / repositories besides the targeted ones whose tickets a row may link
    # ("OPS", "acme/legacy", "jira:OPS", "github:acme/legacy"; "*" for any).
    adopt_from: StringList = Field(default_factory=list)

    @field_validator("pull_request_target")
    @classmethod
    def _system_and_repo(cls, value: str | None) -> str | None:
        if value is None:
            return value
        system, sep, name = value.partition(":")
        if not sep or not system.strip() or not name.strip():
            raise PydanticCustomError(
                "pull_request_target",
                "'{value}' is not SYSTEM:REPOSITORY (e.g. \"github:acme/postmortems\")",
                {"value": value},
            )
        return value

    @field_validator("adopt_from")
    @classmethod
    def _project_or_repo(cls, value: list[str]) -> list[str]:
        from tracker.connectors import connector_plugins, plugin_for_scope

        plugins = connector_plugins()
        for entry in value:
            system, _, name = entry.rpartition(":")
            if entry == "*":
                continue
            plugin = plugins.get(system) if system else plugin_for_scope(name)
            if (system and plugin is None and name) or (
                plugin is not None and plugin.claims_scope(name)
            ):
                continue  # a scope of its installed connector, or one we can't check
            raise PydanticCustomError(
                "adopt_from",
                "'{entry}' is not a project or repository an installed connector knows "
                '(like OPS or owner/name, or SYSTEM:NAME), or "*"',
                {"entry": entry},
            )
        return value


# </section:sync>

_CLOCK = re.compile(r"^([01]?\d|2[0-3]):[0-5]\d$")
_WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")


# <section:ops>
class ScheduleConfig(_Section):
    sync_at: StringList = Field(default_factory=lambda: ["02:00"])
    digest_at: str = "monday 09:00"
    catch_up: bool = False  # run a slot missed while `tracker schedule` was down, at start

    @field_validator("sync_at")
    @classmethod
    def _clock_times(cls, value: list[str]) -> list[str]:
        for text in value:
            if not _CLOCK.match(text):
                raise PydanticCustomError("clock", 'expected times like "02:00"')
        return value

    @field_validator("digest_at")
    @classmethod
    def _weekday_and_time(cls, value: str) -> str:
        parts = value.split()
        if len(parts) != 2 or parts[0].lower() not in _WEEKDAYS or not _CLOCK.match(parts[1]):
            raise PydanticCustomError("weekly", 'expected a weekday and a time like "monday 09:00"')
        return value


class EscalationConfig(_Section):
    """The escalation ladder: when an item's nudge goes past its owner to the team lead."""

    owner_after_days: Days = 0  # overdue by this many days: the owner (ticket comment)
    lead_after_days: Days = 14  # overdue by this many days: the team lead too
    unowned_lead_after_days: Days = 7  # unowned this long since first seen: the team lead
    comment_on_ticket: Switch = False  # also say so on the ticket (the lead by name)
    lead_comment: str = (
        "Escalated to {lead} (lead of {team}): this postmortem action item is {detail}."
    )
    people_digests: Switch = True  # one digest per person across all postmortems

    @model_validator(mode="after")
    def _lead_after_owner(self) -> EscalationConfig:
        if self.lead_after_days < self.owner_after_days:
            raise PydanticCustomError(
                "ladder_order",
                "lead_after_days ({lead}) comes before owner_after_days ({owner}): the lead "
                "hears of an item after its owner",
                {"lead": self.lead_after_days, "owner": self.owner_after_days},
            )
        return self

    @field_validator("lead_comment")
    @classmethod
    def _known_placeholders(cls, value: str) -> str:
        sample = {"lead": "dana", "team": "payments", "detail": "x", "action": "x", "owner": "x"}
        try:
            value.format_map(sample)
        except (KeyError, ValueError, IndexError, AttributeError, TypeError) as error:
            raise PydanticCustomError(
                "placeholder",
                "bad placeholder {problem} (use {{lead}}, {{team}}, {{detail}}, {{action}}, "
                "{{owner}})",
                {"problem": str(error)},
            ) from None
        return value


class RemindersConfig(_Section):
    enabled: Switch = True
    interval_days: int = Field(default=7, strict=True, ge=1, le=36_500)
    comment: str = "Reminder: this postmortem action item is {reason} (due {due}). Owner: {owner}."
    digest_dir: str = ".tracker/digests"
    webhook_url: Secret | None = None
    escalation: EscalationConfig = Field(default_factory=EscalationConfig)

    @field_validator("comment")
    @classmethod
    def _known_placeholders(cls, value: str) -> str:
        sample = {
            "reason": "overdue",
            "due": "2026-01-01",
            "owner": "bob",
            "action": "x",
            "location": "a.md:1",
            "days_overdue": 1,
        }
        try:
            value.format_map(sample)
        except (KeyError, ValueError, IndexError, AttributeError, TypeError) as error:
            raise PydanticCustomError(
                "placeholder",
                "bad placeholder {problem} (use {{reason}}, {{due}}, {{owner}}, {{action}}, "
                "{{location}}, {{days_overdue}})",
                {"problem": str(error)},
            ) from None
        return value


class LockConfig(_Section):
    stale_after_seconds: int = Field(default=3600, strict=True, ge=1, le=86_400 * 366)


# </section:ops>


class ConnectorsConfig(_Section):
    """[connectors.NAME] tables: NAME is the connector's entry-point name, each table
    validated by that connector's `settings_model` (see `_validate_by_connectors`)."""

    model_config = ConfigDict(extra="allow", frozen=True)
    __pydantic_extra__: dict[str, ConnectorConfig] = Field(init=False)

    def _all(self) -> dict[str, ConnectorConfig]:
        return dict(self.model_extra or {})

    def __getitem__(self, name: str) -> ConnectorConfig:
        return self._all()[name]

    def get(self, name: str) -> ConnectorConfig | None:
        return self._all().get(name)

    def __contains__(self, name: object) -> bool:
        return name in self._all()

    def __iter__(self) -> Iterator[str]:  # type: ignore[override]
        return iter(self._all())

    def __len__(self) -> int:
        return len(self._all())

    def items(self) -> list[tuple[str, ConnectorConfig]]:
        return list(self._all().items())


class Config(_Section):
    """The whole configuration. Use `load_config`, which also resolves the database URL."""

    database_url: str | None = None
    timezone: str = "UTC"
    docs_base_url: str | None = None
    documents: DocumentsConfig = Field(default_factory=DocumentsConfig)
    report: ReportConfig = Field(default_factory=ReportConfig)
    lint: LintConfig = Field(default_factory=LintConfig)
    policy: PolicyConfig | None = None  # no [policy]: no SLOs, no derived due dates
    teams: list[TeamConfig] = Field(default_factory=list)
    people: People = Field(default_factory=lambda: People([]))
    connectors: ConnectorsConfig = Field(default_factory=ConnectorsConfig)
    sync: SyncConfig = Field(default_factory=SyncConfig)
    schedule: ScheduleConfig = Field(default_factory=ScheduleConfig)
    reminders: RemindersConfig = Field(default_factory=RemindersConfig)
    lock: LockConfig = Field(default_factory=LockConfig)

    _source: Path | None = PrivateAttr(default=None)
    _base_dir: Path = PrivateAttr(default_factory=Path.cwd)

    @property
    def source(self) -> Path | None:
        """The file this configuration was read from (None: built-in defaults)."""
        return self._source

    @property
    def base_dir(self) -> Path:
        """Where relative paths in the configuration are relative to."""
        return self._base_dir

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    def team(self, name: str) -> TeamConfig | None:
        return next((team for team in self.teams if team.name == name), None)

    @field_validator("database_url")
    @classmethod
    def _no_password_in_file(cls, value: str | None) -> str | None:
        if value is None:
            return None
        if value and re.match(r"^[a-z0-9+]+://[^/@:]*:[^/@]+@", value):
            raise PydanticCustomError(
                "secret_literal",
                "a password does not belong in the file: use PGPASSWORD or ~/.pgpass, "
                "or put the whole URL in TRACKER_DATABASE_URL",
            )
        problem = database_url_problem(value)
        if problem:
            raise PydanticCustomError("database_url", problem)
        return value

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        return check_zone(value)

    @model_validator(mode="after")
    def _teams_routed_once(self) -> Config:
        seen_names: dict[str, int] = {}
        seen_globs: dict[str, str] = {}
        for position, team in enumerate(self.teams):
            if team.name in seen_names:
                raise PydanticCustomError(
                    "team_twice",
                    "team '{name}' is defined twice (teams[{first}] and teams[{second}]); "
                    "merge them into one [[teams]] entry",
                    {"name": team.name, "first": seen_names[team.name], "second": position},
                )
            seen_names[team.name] = position
            for glob in team.paths:
                owner = seen_globs.get(glob)
                if owner is not None:
                    raise PydanticCustomError(
                        "glob_twice",
                        "path '{glob}' is routed to two teams ('{first}' and '{second}'); "
                        "keep it in one team's paths",
                        {"glob": glob, "first": owner, "second": team.name},
                    )
                seen_globs[glob] = team.name
        return self


def check_zone(value: str) -> str:
    """An IANA time zone name, or a one-line error saying what is expected."""
    try:
        ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError) as error:
        raise PydanticCustomError(
            "timezone",
            "unknown time zone '{zone}' (use an IANA name like \"Europe/Berlin\")",
            {"zone": value},
        ) from error
    return value


def check_service_url(value: str) -> str:
    """A ticket system's address: http(s), a host, no credentials, query or fragment.

    Credentials in the URL would be copied into every ticket link, document, commit and
    report; tokens belong in `token = "${ENV_VAR}"`."""
    parts = urlsplit(value.strip())
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise PydanticCustomError(
            "url", "expected an http(s) address like https://example.atlassian.net"
        )
    if parts.username is not None or parts.password is not None:
        raise PydanticCustomError(
            "url_credentials",
            "the address must not carry a user or password: "
            'put the token in `token = "${ENV_VAR}"`',
        )
    if parts.query or parts.fragment:
        raise PydanticCustomError("url", "the address must not have a ?query or #fragment")
    try:
        parts.port  # noqa: B018 - raises ValueError for a port out of range
    except ValueError:
        raise PydanticCustomError("url", "the port must be a number from 1 to 65535") from None
    return value.strip()


_SQL_SCHEMES = ("sqlite", "sqlite+pysqlite", "postgresql", "postgresql+psycopg")


def database_url_problem(url: str) -> str | None:
    """What is wrong with a database URL, in one line (None: nothing).

    Checked by hand rather than with SQLAlchemy so loading a config stays cheap."""
    example = "use sqlite:///path/to/tracker.db or postgresql+psycopg://user@host:5432/db"
    if not url.strip():
        return f"is empty (leave it out for the default store, or {example})"
    scheme, separator, rest = url.partition("://")
    if not separator:
        return f"{url!r} is not a database URL ({example})"
    if scheme not in _SQL_SCHEMES:
        known = ", ".join(_SQL_SCHEMES)
        return f"unsupported database scheme {scheme!r} (tracker speaks {known})"
    if scheme.startswith("sqlite"):
        if not rest.startswith("/") or rest == "/":
            return f"a SQLite URL needs three slashes and a path ({example})"
        return None
    host = urlsplit(url).netloc.rpartition("@")[2]
    if not host and "host=" not in url:
        return f"a PostgreSQL URL needs a host ({example})"
    return None


def _key_path(location: tuple[int | str, ...]) -> str:
    text = ""
    for part in location:
        if isinstance(part, int):
            text += f"[{part}]"
        else:
            text += f".{part}" if text else str(part)
    return text


def _describe_error(error: Mapping[str, Any]) -> str:
    """One error as `key.path: problem`, in words a TOML author understands."""
    # Drop pydantic's own segments: RootModel's "root" and a tagged union's tag.
    raw = error["loc"]
    location = tuple(part for part in raw if part != "root")
    kind = error["type"]
    if kind == "extra_forbidden":
        parent = _key_path(location[:-1])
        where = (
            f" in [{parent}]"
            if parent and not parent.endswith("]")
            else (f" in {parent}" if parent else "")
        )
        return f"unknown key {location[-1]!r}{where}"
    path = _key_path(location)
    message = _FRIENDLY.get(kind) or error["msg"].replace("Input should be ", "must be ")
    if kind == "missing":
        return f"{path}: required key is missing"
    return f"{path}: {message}" if path else message


_FRIENDLY = {
    "string_type": "expected a string",
    "int_type": "expected a whole number",
    "int_parsing": "expected a whole number",
    "float_type": "expected a number",
    "float_parsing": "expected a number",
    "bool_type": "expected true or false",
    "bool_parsing": "expected true or false",
    "list_type": "expected a list",
    "dict_type": "expected a table",
    "model_type": "expected a table",
    "model_attributes_type": "expected a table",
}


def _resolve_database_url(url: str | None, base_dir: Path, env: Mapping[str, str]) -> str:
    """TRACKER_DATABASE_URL wins; a relative SQLite path is relative to the config file."""
    from_env = env.get(DATABASE_URL_ENV)
    if from_env is not None and from_env.strip():
        problem = database_url_problem(from_env)
        if problem:
            raise ConfigError(f"{DATABASE_URL_ENV}: {problem}")
    chosen = from_env or url
    if not chosen:
        return f"sqlite:///{(base_dir / DEFAULT_DATABASE_PATH).resolve()}"
    prefix = "sqlite:///"
    if chosen.startswith(prefix) and chosen != prefix + ":memory:":
        path = Path(chosen[len(prefix) :])
        if not path.is_absolute():
            return prefix + str((base_dir / path).resolve())
    return chosen


def find_config_file(path: Path | None, env: Mapping[str, str]) -> Path | None:
    """--config, else TRACKER_CONFIG, else ./tracker.toml, else None (built-in defaults)."""
    explicit = path or (Path(env[CONFIG_ENV]) if env.get(CONFIG_ENV) else None)
    if explicit is not None:
        if not explicit.is_file():
            raise ConfigError(
                f"config file {explicit} not found",
                hint="create one with `tracker init`, or fix --config / TRACKER_CONFIG",
            )
        return explicit
    default = Path.cwd() / CONFIG_FILE_NAME
    return default if default.is_file() else None


def parse_config(
    data: Mapping[str, Any], *, label: str, base_dir: Path, env: Mapping[str, str]
) -> Config:
    """Validate already-parsed TOML data into a Config (errors: one ConfigError line)."""
    try:
        data = _validate_by_connectors(data, env)
        config = Config.model_validate(data, context={"env": env})
    except ValidationError as error:
        problems = error.errors(include_url=False, include_input=False)
        prefix = getattr(error, "tracker_location", ())
        first = _describe_error({**problems[0], "loc": (*prefix, *problems[0]["loc"])})
        more = f" (and {len(problems) - 1} more)" if len(problems) > 1 else ""
        raise ConfigError(f"{label}: {first}{more}") from None
    resolved = config.model_copy(
        update={"database_url": _resolve_database_url(config.database_url, base_dir, env)}
    )
    resolved._base_dir = base_dir
    return resolved


def _validate_by_connectors(data: Mapping[str, Any], env: Mapping[str, str]) -> dict[str, Any]:
    """Each `[connectors.NAME]` table and each team `target` validated by the installed
    connector NAME's own models, and its people keys moved into `accounts`: the core
    knows no system. A ValidationError carries where it happened (`tracker_location`)."""
    from tracker.connectors import connector_plugins

    plugins = connector_plugins()
    data = dict(data)
    context = {"env": env}

    def validate(model: Any, value: Any, where: tuple[int | str, ...]) -> Any:
        try:
            return model.model_validate(value, context=context)
        except ValidationError as error:
            error.tracker_location = where  # type: ignore[attr-defined]
            raise

    connectors = data.get("connectors")
    if isinstance(connectors, Mapping):
        checked = dict(connectors)
        for name, table in connectors.items():
            plugin = plugins.get(name)
            if plugin is not None and isinstance(table, Mapping):
                checked[name] = validate(plugin.settings_model, table, ("connectors", name))
        data["connectors"] = checked
    teams = data.get("teams")
    if isinstance(teams, list):
        data["teams"] = [
            _team_target(team, index, plugins, validate) for index, team in enumerate(teams)
        ]
    people = data.get("people")
    if isinstance(people, list):
        fields = {p.person_field: n for n, p in plugins.items() if p.person_field}
        data["people"] = [_person_accounts(entry, fields) for entry in people]
    return data


def _team_target(team: Any, index: int, plugins: Mapping[str, Any], validate: Any) -> Any:
    target = team.get("target") if isinstance(team, Mapping) else None
    if not isinstance(target, Mapping):
        return team
    plugin = plugins.get(str(target.get("system", "")))
    if plugin is None:
        return team
    model = validate(plugin.target_model, dict(target), ("teams", index, "target"))
    return {**team, "target": model}


def _person_accounts(entry: Any, fields: Mapping[str, str]) -> Any:
    """`github_login = "x"` → `accounts = {github = "x"}` for each connector's key."""
    if not isinstance(entry, Mapping) or not any(key in fields for key in entry):
        return entry
    moved = {key: value for key, value in entry.items() if key not in fields}
    accounts = (
        dict(entry.get("accounts") or {}) if isinstance(entry.get("accounts"), Mapping) else {}
    )
    for key, system in fields.items():
        if key in entry:
            accounts.setdefault(system, entry[key])
    return {**moved, "accounts": accounts}


def load_config(path: Path | None = None, *, env: Mapping[str, str] = os.environ) -> Config:
    """Find, read and validate the configuration; built-in defaults when there is no file."""
    source = find_config_file(path, env)
    if source is None:
        return parse_config({}, label="defaults", base_dir=Path.cwd().resolve(), env=env)
    try:
        data = tomllib.loads(source.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as error:
        raise ConfigError(f"{source}: invalid TOML: {error}") from None
    except (OSError, UnicodeDecodeError) as error:
        raise ConfigError(f"{source}: cannot read: {error}") from None
    config = parse_config(data, label=str(source), base_dir=source.resolve().parent, env=env)
    config._source = source
    return config
