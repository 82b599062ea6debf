"""The contract between the sync engine and a ticket system, and how connectors are found.

The core never imports a connector by name: each one is a separate distribution that
registers a class in the `tracker.connectors` entry-point group, so a third party can
add a system without touching this package. Every connector speaks the value types
below; they are all the engine needs to plan and apply a sync.
"""

from __future__ import annotations

import base64
import importlib.metadata
import os
import re
import socket
import ssl
import threading
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any, Protocol, TypeVar, runtime_checkable

from tracker.config import ConnectorConfig as ConnectorSettings
from tracker.config import TargetSettings
from tracker.errors import ConfigError, TrackerError
from tracker.model import Status, TicketRef

ENTRY_POINT_GROUP = "tracker.connectors"
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


@dataclass(frozen=True)
class Target:
    """Where new tickets for a team or document go.

    `scope` is the one name a connector files and reads tickets under: a project key,
    a repository; a connector with a project-shaped scope fills `project`, one with a
    repository-shaped scope `repo` (kept apart so existing connectors read naturally).
    """

    system: str  # the connector's entry-point name
    project: str | None = None
    issue_type: str = "Task"
    repo: str | None = None

    @property
    def scope(self) -> str:
        return self.project or self.repo or ""


@dataclass(frozen=True, slots=True)
class TicketDraft:
    """What the engine wants a new ticket to say (the document-owned fields)."""

    identity: str  # tracker item id, carried on the ticket so a lost create is found again
    target: Target
    summary: str
    description: str
    priority: str | None  # "P0".."P4"
    due: date | None
    assignee: str | None  # Jira accountId (Cloud) / username (Server); GitHub login
    labels: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class RemoteTicket:
    """A ticket as the system reports it, already mapped to tracker's vocabulary."""

    ref: TicketRef
    identity: str | None
    status: Status
    remote_status: str  # the system's own words ("In Progress", "closed:not_planned")
    summary: str
    assignee: str | None
    due: date | None
    priority: str | None  # P0..P4 or None when the system's value has no mapping
    labels: tuple[str, ...]
    updated_at: datetime  # tz-aware UTC
    deleted: bool = False  # 404/410 when fetched by reference
    moved_to: TicketRef | None = None  # Jira key changed / GitHub issue transferred
    # Who filed it (Jira creator accountId / Server name, GitHub login): an identity
    # label or marker only counts on a ticket tracker's own account created.
    creator: str | None = None
    pull_request: bool = False  # GitHub lists pull requests as issues: never linked to a row

    @classmethod
    def gone(cls, ref: TicketRef) -> RemoteTicket:
        """The answer for a reference the system no longer knows (deleted or invisible)."""
        return cls(
            ref=ref,
            identity=None,
            status=Status.OPEN,
            remote_status="deleted",
            summary="",
            assignee=None,
            due=None,
            priority=None,
            labels=(),
            updated_at=_EPOCH,
            deleted=True,
        )


@dataclass(frozen=True)
class TicketChanges:
    """A partial update; None leaves a field alone."""

    summary: str | None = None
    description: str | None = None
    priority: str | None = None
    due: date | None = None
    clear_due: bool = False
    assignee: str | None = None
    clear_assignee: bool = False
    status: Status | None = None  # transition / close with a reason / reopen

    @property
    def is_empty(self) -> bool:
        return self == TicketChanges()


@dataclass(frozen=True)
class CreateResult:
    """One draft's outcome; `error` is a per-item failure and never contains a secret."""

    identity: str
    ticket: RemoteTicket | None
    error: str | None = None
    # Things done differently from the draft without failing (e.g. an owner that can't
    # be assigned: the ticket is created unassigned and the run goes on).
    warnings: tuple[str, ...] = ()
    adopted: bool = False  # found by identity after a failed/unclear create, not made anew
    # The connector could not establish whether the ticket was made (the create's answer
    # was lost and no trusted read could tell): it must not be created again until a
    # later `find_created` says it is absent.
    unresolved: bool = False
    # Not sent: the connector's creation budget is spent (GitHub's 500 an hour). Nothing
    # was made; the item is created by a later run, `postponed` seconds from now or after.
    postponed: float | None = None


@dataclass(frozen=True)
class Capabilities:
    bulk_create: int  # max drafts per create() call (Jira 50, GitHub 1)
    entity_properties: bool
    incremental_fetch: bool
    # Creations are paced per account (GitHub's secondary limit): the engine then sends
    # all of this system's writes through one lane instead of one per project.
    paced_creations: bool = False
    creations_per_hour: int = 0  # the paced budget an hour (0: none), for ETAs


@dataclass(frozen=True)
class ServerIdentity:
    """Which server a connector reaches, so a store is never trusted for another one.

    `id` is what a store compares: the service's stable instance id where it has one
    (Jira Cloud's cloudId), else the server's canonical URL. `url` and `deployment`
    are for people reading the message when they differ.
    """

    id: str
    url: str
    deployment: str = ""

    def describe(self) -> str:
        where = f"{self.url} ({self.deployment})" if self.deployment else self.url
        return where if not self.id or self.url in self.id else f"{where}, id {self.id}"

    def to_json(self) -> dict[str, str]:
        return {"id": self.id, "url": self.url, "deployment": self.deployment}

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> ServerIdentity:
        return cls(str(data["id"]), str(data.get("url", "")), str(data.get("deployment", "")))


@runtime_checkable
class Connector(Protocol):
    """What every ticket system offers the engine. All calls have timeouts and their
    own retry policy; none of them re-sends a create without first looking it up."""

    name: str
    capabilities: Capabilities

    @classmethod
    def from_settings(
        cls, settings: Mapping[str, object], *, env: Mapping[str, str]
    ) -> Connector: ...

    def check(self) -> str: ...

    def owns(self, ref: TicketRef) -> bool: ...

    def check_target(self, target: Target) -> None: ...

    def create(self, drafts: Sequence[TicketDraft]) -> list[CreateResult]: ...

    def update(self, ref: TicketRef, changes: TicketChanges) -> RemoteTicket: ...

    def fetch(self, refs: Sequence[TicketRef]) -> list[RemoteTicket]: ...

    def fetch_changed_since(
        self, target: Target, since: datetime | None
    ) -> Iterator[RemoteTicket]: ...

    def find_by_identity(
        self, target: Target, identities: Sequence[str]
    ) -> dict[str, RemoteTicket]: ...

    def add_comment(self, ref: TicketRef, body: str) -> None: ...

    def server_identity(self) -> ServerIdentity:
        """The server this connector reaches (at most one request, then cached)."""
        ...

    def creation_hint(self, target: Target) -> dict[str, object]:
        """Something cheap, recorded with a create intent before the create call, that
        lets `find_created` later find what a lost create made (Jira: the highest issue
        number known in the project). JSON-serialisable; {} when nothing is needed."""
        ...

    def find_created(
        self,
        target: Target,
        identities: Sequence[str],
        hints: Mapping[str, Mapping[str, object]],
    ) -> tuple[dict[str, RemoteTicket], set[str]]:
        """Which identities have a ticket, by reads that can be trusted (no search-index
        lag): (found, absent). An identity in neither is unknown — the caller must not
        create it. `hints` are the `creation_hint`s recorded per identity."""
        ...


T = TypeVar("T")


class RunMemo:
    """Answers that can't change during a run, shared by a connector's instances.

    The sync builds one connector per worker thread (one per Jira project lane, say), so
    a lookup a connector caches on itself — who it signs in as, the account's time zone —
    would be asked once per lane. A connector with a `run_memo` attribute is handed the
    run's memo for its name (`tracker.sync.connectors.ConnectorPool`) and asks through
    `get`: the first caller computes, concurrent callers wait for that answer, and a
    lookup that raises is not remembered (the next caller tries again).
    """

    def __init__(self) -> None:
        self._values: dict[str, object] = {}
        self._lock = threading.Lock()
        self._key_locks: dict[str, threading.Lock] = {}

    def get(self, key: str, compute: Callable[[], T]) -> T:
        with self._lock:
            if key in self._values:
                return self._values[key]  # type: ignore[return-value]
            key_lock = self._key_locks.setdefault(key, threading.Lock())
        with key_lock:
            with self._lock:
                if key in self._values:
                    return self._values[key]  # type: ignore[return-value]
            value = compute()
            with self._lock:
                self._values[key] = value
            return value


def connector_account(connector: Connector) -> str | None:
    """The account the connector signs in as, in the form `RemoteTicket.creator` uses.

    An optional connector method (`account()`, one call per connector instance, cached
    by the connector); a connector without it has no known account, so identity labels
    or markers on tickets it reads never count alone (see sync/ownership.py).
    """
    account = getattr(connector, "account", None)
    value = account() if callable(account) else None
    return str(value) if value else None


@dataclass(frozen=True)
class ChangeRequest:
    """A proposed change to a documents repository (a pull or merge request)."""

    number: int
    url: str
    action: str  # "opened" | "updated" | "unchanged"
    label: str = ""  # how the system names it ("merge request !3"); "" → "<noun> #3"


class ChangeRequests(Protocol):
    """An optional connector capability: open a change request from a pushed branch.

    `open_change_request(repo, branch, base, title, body)` opens one for `branch` into
    `base` in `repo` (the system's own repository name), or — when one is already open
    for that branch — sets its title and body; it never opens a second one. Used by
    `tracker sync --pull-request` (see tracker.sync.proposal).
    """

    def open_change_request(
        self, repo: str, branch: str, base: str, title: str, body: str
    ) -> ChangeRequest: ...


def change_requests(connector: Connector) -> ChangeRequests | None:
    """The connector as a `ChangeRequests`, or None when it cannot open them."""
    method = getattr(connector, "open_change_request", None)
    return connector if callable(method) else None  # type: ignore[return-value]


class ConnectorError(TrackerError):
    """A ticket system refused or failed a call. The message is already sanitised.

    `transient` says a retry may succeed (429, 5xx, timeouts, dropped connections);
    `unprocessed` says the server certainly did not act on it (safe to re-send even a
    create); `status` is the HTTP status when there was one.
    """

    exit_code = 1

    def __init__(
        self,
        message: str,
        *,
        status: int | None = None,
        transient: bool = False,
        unprocessed: bool = False,
        retry_after: float | None = None,
        hint: str | None = None,
        exit_code: int | None = None,
    ) -> None:
        super().__init__(message, hint=hint, exit_code=exit_code)
        self.status = status
        self.transient = transient
        self.unprocessed = unprocessed
        self.retry_after = retry_after
        # Why the system can't be reached at all ("connection refused", "DNS lookup
        # failed", "TLS handshake failed", "timed out"), or None: see `connection_failure`.
        self.unreachable: str | None = None


def connection_failure(error: BaseException | None) -> str | None:
    """The category of a client library's connection-level failure, or None.

    Walks the exception's chain (and urllib3's `reason`, and exceptions passed as
    arguments) for the standard library's own error types; only the category is kept,
    never the text, which may hold request headers.
    """
    seen: set[int] = set()
    pending = [error] if error is not None else []
    while pending:
        current = pending.pop()
        if id(current) in seen:
            continue
        seen.add(id(current))
        if isinstance(current, ConnectionRefusedError):
            return "connection refused"
        if isinstance(current, socket.gaierror):
            return "DNS lookup failed"
        if isinstance(current, ssl.SSLError | ssl.CertificateError):
            return "TLS handshake failed"
        if isinstance(current, TimeoutError):
            return "timed out"
        linked = [current.__cause__, current.__context__, getattr(current, "reason", None)]
        linked += list(current.args)
        pending += [item for item in linked if isinstance(item, BaseException)]
    return None


class RateLimited(ConnectorError):
    """The system asked us to slow down; nothing was done, try again after `retry_after`."""

    def __init__(self, message: str, *, retry_after: float, status: int | None = None) -> None:
        super().__init__(
            message, status=status, transient=True, unprocessed=True, retry_after=retry_after
        )
        self.retry_after: float = retry_after


class Postponed(ConnectorError):
    """Not sent: waiting for the creation budget would take longer than a run should
    (GitHub's 500 creations an hour). Nothing was done; `retry_after` seconds from now
    creations may go on."""

    def __init__(self, message: str, *, retry_after: float) -> None:
        super().__init__(message, transient=False, unprocessed=True, retry_after=retry_after)
        self.retry_after: float = retry_after


# ----- what a connector distribution registers -------------------------------------------


@runtime_checkable
class TicketSyntax(Protocol):
    """How a system's ticket references read in documents and are written back."""

    # A regex (no named groups) matching a plain reference in text; tried after bare
    # URLs, in `priority` order (lower first) among the installed connectors.
    pattern: str
    priority: int

    def read(self, text: str) -> TicketRef | None:
        """A plain match (or a Markdown link's label) as a reference, or None."""
        ...

    def read_url(self, url: str) -> TicketRef | None:
        """The ticket a URL points at when it is this system's, else None."""
        ...

    def scope_of(self, key: str) -> str:
        """The scope (project, repository) a canonical key belongs to: `ENG` for ENG-12."""
        ...

    def complete(self, ref: TicketRef, scope: str) -> TicketRef:
        """A reference that names no scope (`#3`) completed with the document's scope."""
        ...


@dataclass(frozen=True)
class StarterText:
    """A connector's lines in the starter configuration `tracker init` writes
    (optional: a plug-in without `starter` is simply not shown there)."""

    target: str  # a team's `target = {...}` line
    person: str  # its `[[people]]` key line
    section: str  # its `[connectors.NAME]` table
    env: tuple[str, ...] = ()  # the environment variables its secrets come from


@runtime_checkable
class ConnectorPlugin(Protocol):
    """What a distribution registers in `tracker.connectors`: cheap to import (no client
    library), it validates configuration and reads references; `from_settings` builds
    the working `Connector`. See docs/connectors.md."""

    name: str
    settings_model: type[ConnectorSettings]
    target_model: type[TargetSettings]
    person_field: str | None  # its flat `[[people]]` key, e.g. "github_login"
    syntax: TicketSyntax

    @classmethod
    def from_settings(
        cls, settings: Mapping[str, object], *, env: Mapping[str, str], **options: Any
    ) -> Connector: ...

    @classmethod
    def claims_scope(cls, name: str) -> bool:
        """Is `name` shaped like one of this system's scopes (`adopt_from` entries)?"""
        ...

    @classmethod
    def front_matter_target(cls, front: Mapping[str, object]) -> Target | None:
        """A document's own target from its front matter (`jira_project: OPS`), or None."""
        ...


CONNECTOR_NAME_LIMIT = 32  # the store's ticket.system and status_event.source widths

_PLUGINS: dict[str, ConnectorPlugin] | None = None
_SYNTAXES: tuple[tuple[str, TicketSyntax], ...] | None = None


def connector_plugins() -> dict[str, ConnectorPlugin]:
    """Installed connectors by name (loaded once per process; broken ones skipped: the
    sync that needs one reports why through `load_connector`)."""
    global _PLUGINS
    if _PLUGINS is None:
        found: dict[str, ConnectorPlugin] = {}
        for entry in sorted(importlib.metadata.entry_points(group=ENTRY_POINT_GROUP), key=str):
            try:
                plugin = entry.load()
            except Exception:  # a broken plug-in must not take every command down
                continue
            if isinstance(plugin, ConnectorPlugin):
                found.setdefault(entry.name, plugin)
        _PLUGINS = found
    return _PLUGINS


def forget_connector_plugins() -> None:
    """Look the entry points up again next time (tests that install a connector)."""
    global _PLUGINS, _SYNTAXES
    _PLUGINS = _SYNTAXES = None


def plugin_for_scope(name: str) -> ConnectorPlugin | None:
    """The first installed connector (by name) whose scopes look like `name`."""
    return next((p for p in connector_plugins().values() if p.claims_scope(name)), None)


def ticket_syntaxes() -> tuple[tuple[str, TicketSyntax], ...]:
    """(system, syntax) of every installed connector, in the order they are tried."""
    global _SYNTAXES
    if _SYNTAXES is None:
        pairs = [(name, plugin.syntax) for name, plugin in connector_plugins().items()]
        _SYNTAXES = tuple(sorted(pairs, key=lambda pair: (pair[1].priority, pair[0])))
    return _SYNTAXES


# The longest summary tracker writes for a connector that declares none (`summary_limit`).
DEFAULT_SUMMARY_LIMIT = 250


def summary_limit(system: str) -> int:
    """The longest ticket summary `system` takes: its plug-in's optional `summary_limit`
    (a positive int), else `DEFAULT_SUMMARY_LIMIT`. Summaries are cut to it on both
    sides of a comparison, so an action the system had to shorten is no change."""
    declared = getattr(connector_plugins().get(system), "summary_limit", None)
    if isinstance(declared, int) and not isinstance(declared, bool) and declared > 1:
        return declared
    return DEFAULT_SUMMARY_LIMIT


# What a change request is called where a plug-in declares no `change_request_noun`.
DEFAULT_CHANGE_REQUEST_NOUN = "pull request"


def change_request_noun(system: str) -> str:
    """What `system` calls the change request `--pull-request` opens ("merge request" on
    GitLab): its plug-in's optional `change_request_noun`, else "pull request"."""
    declared = getattr(connector_plugins().get(system), "change_request_noun", None)
    return declared if isinstance(declared, str) and declared else DEFAULT_CHANGE_REQUEST_NOUN


def scope_of(system: str, key: str) -> str:
    """The scope a ticket key belongs to, by its connector's rule (the key itself when
    the connector is not installed)."""
    plugin = connector_plugins().get(system)
    return plugin.syntax.scope_of(key) if plugin is not None else key


# ----- discovery -----------------------------------------------------------------------


def available_connectors() -> dict[str, str]:
    """Installed connectors: entry-point name → "module:Class" (nothing imported)."""
    found = importlib.metadata.entry_points(group=ENTRY_POINT_GROUP)
    return {entry.name: entry.value for entry in sorted(found, key=lambda e: e.name)}


def install_hint(name: str) -> str:
    """How to get the connector `name`: by convention it is the distribution
    `tracker-<name>`, which tracker's repository keeps in `connectors/<name>`."""
    distribution = f"tracker-{name}"
    return (
        f"install the {distribution} distribution: `pip install {distribution}`, or "
        f"`pip install ./connectors/{name}` from tracker's repository; any distribution "
        f"registering {name!r} in the {ENTRY_POINT_GROUP!r} entry-point group works"
    )


def load_connector(
    name: str,
    settings: Mapping[str, object] | Any = None,
    env: Mapping[str, str] | None = None,
    **options: object,
) -> Connector:
    """Build the connector registered as `name` from its `[connectors.<name>]` settings.

    `env` defaults to the process environment (secrets are only ever read from it);
    `options` are passed through to `from_settings` (tests inject clocks and sleeps).
    """
    if len(name) > CONNECTOR_NAME_LIMIT:
        raise ConfigError(
            f"connector name {name[:40]!r} is longer than {CONNECTOR_NAME_LIMIT} characters, "
            "more than the store records for a ticket's system",
            hint="register the connector's entry point under a shorter name",
        )
    matches = [
        entry
        for entry in importlib.metadata.entry_points(group=ENTRY_POINT_GROUP)
        if entry.name == name
    ]
    if not matches:
        known = ", ".join(available_connectors()) or "none"
        raise ConfigError(
            f"no connector named {name!r} is installed (installed: {known})",
            hint=install_hint(name),
        )
    try:
        cls = matches[0].load()
    except Exception as error:  # a broken plug-in must not take the CLI down with a trace
        raise ConfigError(
            f"connector {name!r} is installed but failed to import: {type(error).__name__}"
        ) from None
    if not hasattr(cls, "from_settings"):
        raise ConfigError(f"connector {name!r} ({matches[0].value}) has no from_settings()")
    if settings is not None and not isinstance(settings, Mapping):
        settings = dict(settings)  # a config model: its fields and extras, secrets unrevealed
    connector = cls.from_settings(settings or {}, env=os.environ if env is None else env, **options)
    if not isinstance(connector, Connector):
        raise ConfigError(f"connector {name!r} does not implement the Connector protocol")
    return connector


# ----- settings and secrets --------------------------------------------------------------

_ENV_REF = re.compile(r"^\$\{([A-Za-z_][A-Za-z0-9_]*)\}$")


def transport_error(service: str, what: str, url: str, error: Exception) -> ConnectorError:
    """A `requests` failure as a ConnectorError that says whether the request may have
    reached the server (`unprocessed`: it surely did not), without the exception's text,
    which may quote request headers. `service` names it ("GitHub"); the hint points at
    `[connectors.<service lowercased>]`."""
    import requests

    if isinstance(error, requests.exceptions.ConnectTimeout):
        return ConnectorError(
            f"{service} {what}: could not connect to {url} (timed out)",
            transient=True,
            unprocessed=True,
        )
    if isinstance(error, requests.exceptions.Timeout):
        return ConnectorError(f"{service} {what}: no answer in time", transient=True)
    if isinstance(error, requests.exceptions.ConnectionError):
        unprocessed = "refused" in str(error).lower()
        return ConnectorError(
            f"{service} {what}: connection to {url} " + ("refused" if unprocessed else "dropped"),
            transient=True,
            unprocessed=unprocessed,
            hint=f"check `url` in [connectors.{service.lower()}] and that the host is reachable",
        )
    return ConnectorError(f"{service} {what}: {type(error).__name__}", transient=True)


def resolve_secret(value: object, env: Mapping[str, str], *, setting: str) -> str:
    """The secret behind a setting: a `${ENV}` reference or an already-wrapped secret.

    A literal string is refused so tokens never live in a config file.
    """
    read = getattr(value, "get", None)
    if hasattr(value, "env_var") and callable(read):
        return str(read())  # tracker.config.Secret: reads its own environment
    reveal = getattr(value, "get_secret_value", None)  # pydantic SecretStr
    if callable(reveal):
        return resolve_secret(reveal(), env, setting=setting)
    if isinstance(value, str):
        match = _ENV_REF.match(value.strip())
        if match is None:
            if not value:
                raise ConfigError(f"{setting} is empty", hint="use ${ENV_VAR}")
            raise ConfigError(
                f"{setting} must be an environment reference like ${{TOKEN_VAR}}, not a literal",
                hint="secrets are only read from the environment",
            )
        variable = match.group(1)
        secret = env.get(variable, "")
        if not secret:
            raise ConfigError(f"{setting}: environment variable {variable} is not set")
        return secret
    raise ConfigError(f"{setting} is missing", hint="set it to ${ENV_VAR}")


def setting_str(settings: Mapping[str, object], key: str, default: str | None = None) -> str:
    value = settings.get(key, default)
    if not isinstance(value, str) or not value:
        raise ConfigError(f"connector setting {key!r} is required (a string)")
    return value


def setting_float(settings: Mapping[str, object], key: str, default: float) -> float:
    value = settings.get(key, default)
    if isinstance(value, bool) or not isinstance(value, int | float) or value < 0:
        raise ConfigError(f"connector setting {key!r} must be a number >= 0")
    return float(value)


class Redactor:
    """Removes secrets (and their Basic-auth / URL-encoded forms) from text we surface."""

    def __init__(self, secrets: Iterable[str]) -> None:
        forms: set[str] = set()
        for secret in secrets:
            if not secret:
                continue
            forms.add(secret)
            forms.add(base64.b64encode(secret.encode()).decode())
        self._forms = sorted(forms, key=len, reverse=True)

    def add_basic_auth(self, user: str, secret: str) -> None:
        encoded = base64.b64encode(f"{user}:{secret}".encode()).decode()
        self._forms = sorted({*self._forms, encoded}, key=len, reverse=True)

    def __call__(self, text: str) -> str:
        for form in self._forms:
            text = text.replace(form, "***")
        # Authorization headers of any kind, whatever they carry.
        return re.sub(
            r"(?i)(authorization['\"]?\s*[:=]\s*['\"]?)(basic|bearer|token)\s+[^\s'\",}]+",
            r"\1\2 ***",
            text,
        )
