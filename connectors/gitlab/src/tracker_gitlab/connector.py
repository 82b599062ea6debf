"""The GitLab connector: tracker's Connector protocol over python-gitlab.

- The client never retries on its own (`retry_transient_errors=False`: a 5xx retried by
  the client would re-POST a create; `obey_rate_limit=False`: its 429 sleep can't be
  paced or interrupted). Our policy retries idempotent calls and resolves an unclear
  create by looking for its identity marker first.
- Creations (issues and notes) go through one pacer under GitLab's documented limits:
  issue creation is limited per user and project (GitLab's setting, 300 a minute in its
  own example; `creations_per_minute`, default 240), notes likewise. A 429 holds every
  write for `Retry-After` (else until `RateLimit-Reset`, else 60 s) and the same request
  is sent again — nothing was done.
- Reads are listings: `iids[]` fetches up to 100 referenced issues of a project in one
  request, `updated_after` (in creation order) gives the incremental read.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from functools import cached_property, partial
from typing import Any, TypeVar
from urllib.parse import urlsplit

import gitlab
import requests
from gitlab.v4.objects import Project

from tracker.connectors import (
    Capabilities,
    ChangeRequest,
    ConnectorError,
    CreateResult,
    RateLimited,
    Redactor,
    RemoteTicket,
    ServerIdentity,
    Target,
    TicketChanges,
    TicketDraft,
    resolve_secret,
    setting_float,
    setting_str,
    transport_error,
)
from tracker.errors import ConfigError
from tracker.model import TicketRef
from tracker.paced_writes import CreateCall, create_once, paced_write
from tracker.retry import GuardedCalls, Pacer, Pacing, RetryPolicy
from tracker_gitlab.mapping import (
    PROJECT_PATH,
    TRACKER_LABEL,
    create_labels,
    issue_key,
    issue_title,
    label_names,
    moved_to_key,
    parse_issue_url,
    parse_key,
    relabel,
    state_event,
    ticket_from_issue,
    username_of,
)
from tracker_gitlab.marker import identity_in, with_marker

log = logging.getLogger(__name__)
T = TypeVar("T")

CREATIONS_PER_MINUTE = 240.0  # GitLab limits issue creation per user and project (300/min)
# GitLab's documented limit, as tracker's core enforces it (tracker.retry.Pacer): creations
# spaced under it; edits are not paced (a 429 still holds every write for Retry-After).
PACING = Pacing(creations_per_minute=CREATIONS_PER_MINUTE)
INDEX_TTL = 60.0  # seconds an identity listing is reused (see find_by_identity)
IIDS_PER_REQUEST = 100  # GitLab's largest page


class GitLabConnector(GuardedCalls):
    """GitLab.com or a self-managed GitLab (`url` = the instance address, with its
    relative root if any: `https://git.example.com/gitlab`)."""

    name = "gitlab"
    capabilities = Capabilities(bulk_create=1, entity_properties=False, incremental_fetch=True)

    def __init__(
        self,
        url: str,
        token: str,
        *,
        timeout: float = 30.0,
        overlap: timedelta = timedelta(seconds=60),
        retry: RetryPolicy | None = None,
        pacer: Pacer | None = None,
    ) -> None:
        self.url = url.rstrip("/")
        self.overlap = overlap
        self.retry = retry or RetryPolicy()
        self.pacer = pacer or Pacer.declared(PACING)
        self.capabilities = replace(self.capabilities, paced_creations=self.pacer.per_minute > 0)
        self._redact = Redactor([token])
        self._last_headers: Mapping[str, str] = {}
        session = requests.Session()
        session.hooks["response"].append(self._remember_headers)
        self._gl = _Client(
            self.url,
            private_token=token,
            timeout=timeout,
            session=session,
            per_page=100,
            keep_base_url=True,  # follow `Link` pages on the address we were given
            user_agent="tracker-gitlab",
        )
        self._projects: dict[str, Project] = {}
        self._user_ids: dict[str, int | None] = {}  # username → id (None: no such user)
        self._members: dict[tuple[str, int], bool] = {}
        self._identity_index: dict[str, tuple[float, dict[str, RemoteTicket]]] = {}

    def __repr__(self) -> str:
        return f"GitLabConnector(url={self.url!r})"

    @classmethod
    def from_settings(
        cls,
        settings: Mapping[str, object],
        *,
        env: Mapping[str, str],
        retry: RetryPolicy | None = None,
        sleep: Callable[[float], None] | None = None,
        clock: Callable[[], float] | None = None,
    ) -> GitLabConnector:
        """Build from `[connectors.gitlab]`: url, token = "${ENV}", timeout_seconds,
        creations_per_minute (0 = no pacing), max_attempts, overlap_seconds."""
        policy = retry or RetryPolicy(attempts=int(setting_float(settings, "max_attempts", 5)))
        if sleep is not None:
            policy.sleep = sleep
        pacing = replace(
            PACING,
            creations_per_minute=setting_float(
                settings, "creations_per_minute", CREATIONS_PER_MINUTE
            ),
        )
        pacer = Pacer.declared(pacing, clock=clock or time.monotonic, sleep=sleep or time.sleep)
        return cls(
            setting_str(settings, "url", "https://gitlab.com"),
            resolve_secret(settings.get("token"), env, setting="connectors.gitlab.token"),
            timeout=setting_float(settings, "timeout_seconds", 30.0),
            retry=policy,
            pacer=pacer,
            overlap=timedelta(seconds=setting_float(settings, "overlap_seconds", 60.0)),
        )

    def _remember_headers(self, response: requests.Response, *args: Any, **kwargs: Any) -> None:
        """Keep the last answer's headers: python-gitlab's errors drop them, and a 429's
        Retry-After / RateLimit-Reset say how long to hold."""
        self._last_headers = {k.lower(): v for k, v in response.headers.items()}

    # ----- doctor -----------------------------------------------------------------------

    def check(self) -> str:
        return f"ok: signed in to {self.url} as {self.account() or '?'}"

    def account(self) -> str:
        """Who tracker signs in as (the token's username, as `RemoteTicket.creator` reads
        issue authors): one `GET /user` per connector instance."""
        return self._own_account

    @cached_property
    def _own_account(self) -> str:
        def who() -> str:
            self._gl.auth()
            return username_of(self._gl.user.attributes if self._gl.user else None) or ""

        return self._call("read the signed-in account", who)

    def check_target(self, target: Target) -> None:
        path = _target_project(target)
        try:
            data = self._call(f"read {path}", lambda: self._gl.projects.get(path).attributes)
        except ConnectorError as error:
            if error.status == 404:
                raise ConnectorError(
                    f"GitLab project {path} does not exist or is not visible to the token",
                    hint="check the team's target project and the token's scope (api)",
                    exit_code=2,
                ) from None
            raise
        if data.get("issues_enabled") is False:
            raise ConnectorError(f"GitLab project {path} has issues turned off", exit_code=2)

    def owns(self, ref: TicketRef) -> bool:
        """Its own `group/project#7` references, and issue URLs on its instance."""
        if ref.system == "gitlab":
            return self._locate_or_none(ref) is not None
        if not ref.url:
            return False
        here = urlsplit(self.url)
        there = urlsplit(ref.url)
        return (
            there.netloc.lower() == here.netloc.lower() and self._located_url(ref.url) is not None
        )

    def server_identity(self) -> ServerIdentity:
        """The instance's address (GitLab publishes no instance id to API users): no
        request. A relative root is part of it: two GitLabs can share a host."""
        web = f"{urlsplit(self.url).scheme.lower()}://{urlsplit(self.url).netloc.lower()}"
        web += urlsplit(self.url).path.rstrip("/")
        kind = "GitLab.com" if web == "https://gitlab.com" else "GitLab self-managed"
        return ServerIdentity(f"gitlab:{web}", web, kind)

    # ----- create -----------------------------------------------------------------------

    def create(self, drafts: Sequence[TicketDraft]) -> list[CreateResult]:
        """Serial, paced creates (GitLab has no bulk issue create)."""
        return [self._create_one(draft) for draft in drafts]

    def _create_one(self, draft: TicketDraft) -> CreateResult:
        path = _target_project(draft.target)
        warnings: list[str] = []
        try:
            assignee_id = self._assignee_id(path, draft.assignee, warnings)
            project = self._project(path)
        except ConnectorError as error:
            return CreateResult(draft.identity, None, error.message)
        payload: dict[str, Any] = {
            "title": issue_title(draft.summary),
            "description": with_marker(draft.description, draft.identity),
            "labels": create_labels(draft),
        }
        if assignee_id is not None:
            payload["assignee_ids"] = [assignee_id]
        if draft.due is not None:
            payload["due_date"] = draft.due.isoformat()

        def send() -> RemoteTicket:
            raw = self._guard(
                "create issue", lambda: dict(project.issues.create(payload).attributes)
            )
            ticket = ticket_from_issue(raw, path)
            self._remember(path, ticket)
            return ticket

        call = CreateCall(
            draft.identity,
            send,
            lookup=lambda: self.find_created(draft.target, [draft.identity], {}),
            forget=lambda: self._identity_index.pop(path, None),
            warnings=warnings,
        )
        return create_once(call, pacer=self.pacer, retry=self.retry)

    def creation_hint(self, target: Target) -> dict[str, object]:
        """Nothing: the issue listing `find_created` reads has no index lag."""
        return {}

    def find_created(
        self,
        target: Target,
        identities: Sequence[str],
        hints: Mapping[str, Mapping[str, object]],
    ) -> tuple[dict[str, RemoteTicket], set[str]]:
        """The project's `tracker`-labelled issues (state=all), listed afresh: GitLab's
        issue listing reads the database, so what it lacks was not made. A failed
        listing leaves every identity unknown."""
        try:
            found = self.find_by_identity(target, identities, fresh=True)
        except ConnectorError:
            return {}, set()
        return found, {identity for identity in identities if identity not in found}

    def _assignee_id(self, path: str, username: str | None, warnings: list[str]) -> int | None:
        """The user id GitLab wants for `username`, if it can be assigned in `path`, else
        None and a warning (never a failure): GitLab would silently drop a non-member.
        One `GET /users?username=` and one membership read per person and run."""
        if not username:
            return None
        key = username.casefold()
        if key not in self._user_ids:

            def lookup() -> int | None:
                found = self._gl.users.list(username=username, get_all=False)
                return int(found[0].id) if found else None

            self._user_ids[key] = self._call(f"look up user {username}", lookup)
        user_id = self._user_ids[key]
        if user_id is not None and (path, user_id) not in self._members:
            self._members[(path, user_id)] = self._call(
                f"check {username} in {path}", lambda: self._is_member(path, user_id)
            )
        if user_id is None or not self._members[(path, user_id)]:
            warnings.append(f"{username} can't be assigned in {path}; created unassigned")
            return None
        return user_id

    def _is_member(self, path: str, user_id: int) -> bool:
        try:
            self._project(path).members_all.get(user_id)
        except gitlab.GitlabGetError as error:
            if error.response_code == 404:
                return False
            raise
        return True

    # ----- update -----------------------------------------------------------------------

    def update(self, ref: TicketRef, changes: TicketChanges) -> RemoteTicket:
        """Read the issue, then one PUT with every change (PUT is idempotent, so the
        whole step is retried). The description keeps its identity marker."""
        path, iid = self._locate(ref)
        return self._call(f"update {ref.key}", lambda: self._apply(path, iid, changes))

    def _apply(self, path: str, iid: int, changes: TicketChanges) -> RemoteTicket:
        project = self._project(path)
        current = self._guard("read issue", lambda: dict(project.issues.get(iid).attributes))
        payload: dict[str, Any] = {}
        if changes.summary is not None:
            payload["title"] = issue_title(changes.summary)
        if changes.description is not None:
            identity = identity_in(current.get("description"))
            payload["description"] = (
                with_marker(changes.description, identity) if identity else changes.description
            )
        labels = list(label_names(current.get("labels") or ()))
        new_labels = relabel(labels, priority=changes.priority, status=changes.status)
        if new_labels != labels:
            payload["labels"] = new_labels
        if changes.clear_due:
            payload["due_date"] = None
        elif changes.due is not None:
            payload["due_date"] = changes.due.isoformat()
        if changes.clear_assignee:
            payload["assignee_ids"] = []
        elif changes.assignee is not None:
            warnings: list[str] = []
            user_id = self._assignee_id(path, changes.assignee, warnings)
            if user_id is not None:
                payload["assignee_ids"] = [user_id]
            else:
                log.warning("%s: %s", issue_key(path, iid), "; ".join(warnings))
        if changes.status is not None:
            event = state_event(str(current.get("state") or "opened"), changes.status)
            if event:
                payload["state_event"] = event
        if not payload:
            return ticket_from_issue(current, path)
        raw = self._paced(
            f"update {issue_key(path, iid)}",
            lambda: dict(project.issues.update(iid, payload)),
            creation=False,
        )
        ticket = ticket_from_issue(raw, path)
        self._remember(path, ticket)
        return ticket

    def add_comment(self, ref: TicketRef, body: str) -> None:
        path, iid = self._locate(ref)
        project = self._project(path)

        def post() -> None:
            project.issues.get(iid, lazy=True).notes.create({"body": body})

        self._call(f"comment on {ref.key}", lambda: self._paced("comment", post), idempotent=False)

    def open_change_request(
        self, repo: str, branch: str, base: str, title: str, body: str
    ) -> ChangeRequest:
        """The merge request for `branch` into `base` in project `repo` (its full path),
        opened or updated (merges.py)."""
        from tracker_gitlab.merges import open_merge_request

        if not PROJECT_PATH.match(repo):
            raise ConfigError(
                f"pull_request_target: {repo!r} is not a GitLab project path",
                hint='pull_request_target = "gitlab:group/project" (its full path)',
            )
        return open_merge_request(self, repo, branch, base, title, body)

    def _paced(self, what: str, write: Callable[[], T], *, creation: bool = True) -> T:
        """One write through the pacer; a 429 (nothing was done) holds every write for
        its Retry-After and sends the same request again."""
        return paced_write(self.pacer, lambda: self._guard(what, write), creation=creation)

    # ----- reads ------------------------------------------------------------------------

    def fetch(self, refs: Sequence[TicketRef]) -> list[RemoteTicket]:
        """Per project, one listing per 100 referenced issues (`iids[]`, state=all); an
        issue the listing lacks is gone (deleted, or no longer visible)."""
        located = {ref: self._locate(ref) for ref in refs}
        wanted: dict[str, set[int]] = {}
        for path, iid in located.values():
            wanted.setdefault(path, set()).add(iid)
        found: dict[tuple[str, int], RemoteTicket] = {}
        for path, iids in wanted.items():
            found.update(self._list_iids(path, sorted(iids)))
        return [found.get(located[ref]) or RemoteTicket.gone(ref) for ref in refs]

    def _list_iids(self, path: str, iids: list[int]) -> dict[tuple[str, int], RemoteTicket]:
        found: dict[tuple[str, int], RemoteTicket] = {}
        for start in range(0, len(iids), IIDS_PER_REQUEST):
            chunk = iids[start : start + IIDS_PER_REQUEST]
            params: dict[str, Any] = {"iids": chunk, "state": "all"}
            try:
                listing = self._call(f"read issues of {path}", partial(self._listed, path, params))
            except ConnectorError as error:
                if error.status == 404:  # the project itself is gone or invisible
                    return found
                raise
            for raw in listing:
                found[(path, int(raw["iid"]))] = self._followed(raw, path)
        return found

    def fetch_changed_since(self, target: Target, since: datetime | None) -> Iterator[RemoteTicket]:
        """One listing: state=all, updated_after=(since − overlap) in UTC, oldest issue
        first. In creation order, not update order: pages are offsets, and an issue
        edited between two pages would move to the end and move every later one up a
        place, so the next page would start one late and skip an issue."""
        path = _target_project(target)
        params: dict[str, Any] = {"state": "all", "order_by": "created_at", "sort": "asc"}
        if since is not None:
            start = (since - self.overlap).astimezone(UTC)
            params["updated_after"] = start.strftime("%Y-%m-%dT%H:%M:%SZ")
        for raw in self._streamed(f"list changed issues of {path}", path, params):
            yield self._followed(raw, path)

    def find_by_identity(
        self, target: Target, identities: Sequence[str], *, fresh: bool = False
    ) -> dict[str, RemoteTicket]:
        """One paged listing of the project's `tracker`-labelled issues (state=all), read
        for markers; kept `INDEX_TTL` seconds (true to our own writes, dropped when a
        create's outcome is unclear) so a run's batches cost one listing. `fresh=True`
        always lists."""
        path = _target_project(target)
        if not identities:
            return {}
        index = None if fresh else self._recent_index(path)
        if index is None:
            index = self._list_identities(path)
            self._identity_index[path] = (self.pacer.clock(), index)
        return {identity: index[identity] for identity in identities if identity in index}

    def _list_identities(self, path: str) -> dict[str, RemoteTicket]:
        params = {
            "state": "all",
            "labels": [TRACKER_LABEL],
            "order_by": "created_at",
            "sort": "asc",
        }
        oldest: dict[str, tuple[int, RemoteTicket]] = {}
        for raw in self._streamed(f"find tracker issues in {path}", path, params):
            identity = identity_in(raw.get("description"))
            iid = int(raw["iid"])
            if identity and (identity not in oldest or iid < oldest[identity][0]):
                oldest[identity] = (iid, ticket_from_issue(raw, path))  # the oldest one wins
        return {identity: ticket for identity, (_, ticket) in oldest.items()}

    def _recent_index(self, path: str) -> dict[str, RemoteTicket] | None:
        cached = self._identity_index.get(path)
        if cached is None or self.pacer.clock() - cached[0] > INDEX_TTL:
            return None
        return cached[1]

    def _remember(self, path: str, ticket: RemoteTicket) -> None:
        """Keep a cached identity listing true to our own writes."""
        cached = self._identity_index.get(path)
        if cached is None or not ticket.identity:
            return
        known = cached[1].get(ticket.identity)
        if known is None or known.ref == ticket.ref:
            cached[1][ticket.identity] = ticket

    def _followed(self, raw: Mapping[str, Any], path: str) -> RemoteTicket:
        """The ticket, with `moved_to` set when GitLab moved it to another project: the
        original stays behind closed with `moved_to_id`, and its system note "moved to
        group/project#N" names the copy (the only way to it without admin rights). One
        notes read per moved issue; unreadable, it stays the closed original."""
        ticket = ticket_from_issue(raw, path)
        if not raw.get("moved_to_id"):
            return ticket
        iid = int(raw["iid"])

        def notes() -> list[dict[str, Any]]:
            handle = self._project(path).issues.get(iid, lazy=True)
            return [dict(note.attributes) for note in handle.notes.list(get_all=True)]

        try:
            found = self._call(f"read where {issue_key(path, iid)} moved", notes)
        except ConnectorError as error:
            log.warning("%s was moved but its notes can't be read: %s", ticket.ref.key, error)
            return ticket
        for note in reversed(found):
            moved = moved_to_key(str(note.get("body") or "")) if note.get("system") else None
            if moved is not None:
                web = str(raw.get("web_url") or "").rsplit(f"/{path}/-/issues/", 1)[0]
                new_path, new_iid = moved
                url = f"{web}/{new_path}/-/issues/{new_iid}" if web else None
                return replace(
                    ticket, moved_to=TicketRef(ticket.ref.system, issue_key(*moved), url)
                )
        return ticket

    # ----- transport --------------------------------------------------------------------

    def _project(self, path: str) -> Project:
        """A lazy project handle: python-gitlab addresses it as `group%2Fproject`."""
        if path not in self._projects:
            self._projects[path] = self._gl.projects.get(path, lazy=True)
        return self._projects[path]

    def _streamed(
        self, what: str, path: str, params: Mapping[str, Any]
    ) -> Iterator[dict[str, Any]]:
        """Like `_listed`, but each issue is handed on as its page arrives, and each page
        is its own retried call: a listing of 100,000 issues is never held whole, and a
        failed page is asked for again, not the listing from its start. python-gitlab's
        lazy list moves on only once a page has arrived, so asking again re-reads the
        page that failed; a page that arrived unreadable (not JSON) is not retried."""
        listing = self._call(
            what, lambda: self._project(path).issues.list(iterator=True, per_page=100, **params)
        )
        items = iter(listing)
        while True:
            issue = self._call(what, partial(next, items, None))
            if issue is None:
                return
            yield dict(issue.attributes)

    def _listed(self, path: str, params: Mapping[str, Any]) -> list[dict[str, Any]]:
        """Every issue of a listing, 100 a page, following GitLab's `Link` pages."""
        issues = self._project(path).issues.list(iterator=True, per_page=100, **params)
        return [dict(issue.attributes) for issue in issues]

    def _locate(self, ref: TicketRef) -> tuple[str, int]:
        located = self._locate_or_none(ref)
        if located is None:
            raise ConnectorError(
                f"{ref.key}: not a GitLab issue reference (group/project#7 or an issue URL)"
            )
        return located

    def _locate_or_none(self, ref: TicketRef) -> tuple[str, int] | None:
        """The URL first when it is on this instance (it knows the relative root a
        key read from text can't), else the `group/project#7` key."""
        if ref.url and urlsplit(ref.url).netloc.lower() == urlsplit(self.url).netloc.lower():
            located = self._located_url(ref.url)
            if located is not None:
                return located
        return parse_key(ref.key)

    def _located_url(self, url: str) -> tuple[str, int] | None:
        return parse_issue_url(url, urlsplit(self.url).path)

    # ----- errors -----------------------------------------------------------------------

    def _translate_errors(self, what: str, operation: Callable[[], T]) -> T:
        """One client call with its exceptions turned into sanitised ConnectorErrors."""
        try:
            return operation()
        except ConnectorError:
            raise
        except gitlab.GitlabError as error:
            raise self._translate(what, error) from None
        except requests.exceptions.RequestException as error:
            raise transport_error("GitLab", what, self.url, error) from None

    def _translate(self, what: str, error: gitlab.GitlabError) -> ConnectorError:
        status = error.response_code
        headers = self._last_headers
        detail = self._redact(_describe(error.error_message))[:300]
        message = f"GitLab {what} failed: HTTP {status}" + (f": {detail}" if detail else "")
        if status == 401:
            return ConnectorError(
                f"GitLab rejected the token for {self.url} (HTTP 401)",
                status=401,
                hint="check the token environment variable in [connectors.gitlab] "
                "(a personal, project or group access token with the api scope)",
                exit_code=2,
            )
        if status == 429:
            return RateLimited(message, retry_after=_rate_wait(headers), status=429)
        if status is not None and status >= 500:
            retry_after = _retry_after(headers)
            return ConnectorError(
                message,
                status=status,
                transient=True,
                unprocessed=status == 503 and retry_after is not None,
                retry_after=retry_after,
            )
        return ConnectorError(message, status=status)


class _Client(gitlab.Gitlab):
    """python-gitlab with its own retries off for every request: it would sleep through a
    429 on its own clock (`obey_rate_limit` is a per-request option) and, asked to retry
    transient errors, re-POST a create."""

    def http_request(self, *args: Any, **kwargs: Any) -> requests.Response:
        kwargs["obey_rate_limit"] = False
        kwargs["retry_transient_errors"] = False
        return super().http_request(*args, **kwargs)


def _target_project(target: Target) -> str:
    path = target.repo or target.project or ""
    if not PROJECT_PATH.match(path):
        raise ConfigError('a GitLab target needs `project = "group/project"` (its full path)')
    return path


def _describe(message: Any) -> str:
    """GitLab's error message in one line: `{"title": ["can't be blank"]}` → `title can't
    be blank`; `{"error": "..."}` → its text."""
    if isinstance(message, Mapping):
        parts = []
        for key, value in message.items():
            texts = value if isinstance(value, list) else [value]
            prefix = "" if key in ("error", "base", "message") else f"{key} "
            parts += [f"{prefix}{text}" for text in texts]
        return "; ".join(parts)
    if isinstance(message, bytes):
        message = message.decode("utf-8", "replace")
    return " ".join(str(message or "").split())


def _retry_after(headers: Mapping[str, str]) -> float | None:
    try:
        return max(0.0, float(headers["retry-after"])) if headers.get("retry-after") else None
    except ValueError:
        return None


def _rate_wait(headers: Mapping[str, str]) -> float:
    """Retry-After if given; else until RateLimit-Reset (a Unix time); else 60 s, the
    window GitLab's limits count in."""
    retry_after = _retry_after(headers)
    if retry_after is not None:
        return retry_after
    if headers.get("ratelimit-reset"):
        try:
            return max(1.0, float(headers["ratelimit-reset"]) - time.time())
        except ValueError:
            pass
    return 60.0
