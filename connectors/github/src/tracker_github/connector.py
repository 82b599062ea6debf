"""The GitHub connector: tracker's Connector protocol over PyGithub.

- `retry=None` on the client: PyGithub's default retry re-POSTs a create on a 5xx (a
  duplicate issue); our policy retries idempotent calls and resolves an unclear create
  by looking for its identity marker first.
- Every write goes through one pacer under GitHub's secondary limits: content creation
  (issues, comments and due-date milestones: `creations_per_minute`, default 70 of the
  80 allowed, and `creations_per_hour`, 450 of 500) and points (a write costs 5 of the
  900 an endpoint allows a minute: `write_points_per_minute`, default 800, edits
  included); a 403/429 secondary-limit answer holds every write for Retry-After, then
  the same request is sent again (nothing was done). A creation that would wait longer
  than `POSTPONE_AFTER` (the hour's budget spent) is not sent: its item is postponed
  to a later run (`on_hourly_limit = "wait"` sleeps instead).
- Lazy objects and raw JSON: no GET before a write, no per-item completion calls when
  reading listings; single-issue GETs are conditional (ETag) so unchanged issues cost
  a 304.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from functools import cached_property, partial
from typing import Any, TypeVar
from urllib.parse import quote, urlsplit

import requests
from github import Auth, Github, GithubException, RateLimitExceededException
from github.Repository import Repository

from tracker.connectors import (
    Capabilities,
    ChangeRequest,
    ConnectorError,
    CreateResult,
    Postponed,
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
from tracker_github.due import (
    GROUPINGS,
    MILESTONE_PREFIX,
    Grouping,
    due_in_body,
    milestone_due_on,
    milestone_for,
    with_due,
)
from tracker_github.mapping import (
    TRACKER_LABEL,
    create_labels,
    is_pull_request,
    issue_key,
    issue_title,
    label_names,
    login_of,
    parse_ref,
    relabel,
    repo_of,
    state_payload,
    ticket_from_issue,
)
from tracker_github.marker import identity_in, strip_markers, with_marker

log = logging.getLogger(__name__)
T = TypeVar("T")

LISTING_THRESHOLD = 20  # more refs than this in one repo: one listing beats N GETs
INDEX_TTL = 60.0  # seconds an identity listing is reused (see find_by_identity)
CREATIONS_PER_MINUTE = 70.0  # GitHub allows 80 content creations a minute
CREATIONS_PER_HOUR = 450  # GitHub allows 500 content creations an hour
WRITE_POINTS_PER_MINUTE = 800  # GitHub allows 900 points a minute per endpoint
WRITE_POINTS = 5  # what GitHub charges a POST/PATCH/PUT/DELETE (a GET: 1)
POSTPONE_AFTER = 300.0  # seconds: a creation that would wait longer goes to the next run
# GitHub's secondary limits, as tracker's core enforces them (tracker.retry.Pacer).
PACING = Pacing(
    creations_per_minute=CREATIONS_PER_MINUTE,
    creations_per_hour=CREATIONS_PER_HOUR,
    points_per_minute=WRITE_POINTS_PER_MINUTE,
    points_per_write=WRITE_POINTS,
    postpone_after=POSTPONE_AFTER,
)


class GitHubConnector(GuardedCalls):
    """github.com or GitHub Enterprise (`url = https://HOST/api/v3`)."""

    name = "github"
    capabilities = Capabilities(bulk_create=1, entity_properties=False, incremental_fetch=True)

    def __init__(
        self,
        url: str,
        token: str,
        *,
        timeout: float = 30.0,
        creations_per_minute: float = CREATIONS_PER_MINUTE,
        overlap: timedelta = timedelta(seconds=60),
        retry: RetryPolicy | None = None,
        pacer: Pacer | None = None,
        due_milestones: Grouping = "month",
    ) -> None:
        self.url = url.rstrip("/")
        self.due_milestones = due_milestones
        self.overlap = overlap
        self.retry = retry or RetryPolicy()
        self.pacer = pacer or Pacer.declared(
            replace(PACING, creations_per_minute=creations_per_minute)
        )
        self.capabilities = replace(
            self.capabilities,
            paced_creations=self.pacer.per_minute > 0,
            creations_per_hour=self.pacer.per_hour,
        )
        self._redact = Redactor([token])
        self._gh = Github(
            base_url=self.url,
            auth=Auth.Token(token),
            retry=None,  # never let the client re-POST a create
            timeout=max(1, round(timeout)),  # PyGithub insists on whole seconds
            per_page=100,
            lazy=True,
            seconds_between_requests=None,  # we pace creations ourselves
            seconds_between_writes=None,
        )
        self._repos: dict[str, Repository] = {}
        self._milestones: dict[str, dict[str, int]] = {}  # repo → title → number, per run
        self._assignable: dict[tuple[str, str], bool] = {}
        self._etags: dict[str, tuple[str, dict[str, Any]]] = {}  # url → (etag, issue JSON)
        self._identity_index: dict[str, tuple[float, dict[str, RemoteTicket]]] = {}

    def __repr__(self) -> str:
        return f"GitHubConnector(url={self.url!r})"

    @classmethod
    def from_settings(
        cls,
        settings: Mapping[str, object],
        *,
        env: Mapping[str, str],
        retry: RetryPolicy | None = None,
        sleep: Callable[[float], None] | None = None,
        clock: Callable[[], float] | None = None,
    ) -> GitHubConnector:
        """Build from `[connectors.github]`: url, token = "${ENV}", timeout_seconds,
        creations_per_minute (0 = no pacing), creations_per_hour, write_points_per_minute,
        max_attempts, overlap_seconds, due_milestones (month | week | day | none),
        on_hourly_limit (stop: postpone the rest to the next run | wait)."""
        policy = retry or RetryPolicy(attempts=int(setting_float(settings, "max_attempts", 5)))
        if sleep is not None:
            policy.sleep = sleep
        pacing = replace(
            PACING,
            creations_per_minute=setting_float(
                settings, "creations_per_minute", CREATIONS_PER_MINUTE
            ),
            creations_per_hour=int(
                setting_float(settings, "creations_per_hour", CREATIONS_PER_HOUR)
            ),
            points_per_minute=int(
                setting_float(settings, "write_points_per_minute", WRITE_POINTS_PER_MINUTE)
            ),
            postpone_after=_max_wait(setting_str(settings, "on_hourly_limit", "stop")),
        )
        pacer = Pacer.declared(pacing, clock=clock or time.monotonic, sleep=sleep or time.sleep)
        return cls(
            setting_str(settings, "url", "https://api.github.com"),
            resolve_secret(settings.get("token"), env, setting="connectors.github.token"),
            timeout=setting_float(settings, "timeout_seconds", 30.0),
            retry=policy,
            pacer=pacer,
            overlap=timedelta(seconds=setting_float(settings, "overlap_seconds", 60.0)),
            due_milestones=_grouping(setting_str(settings, "due_milestones", "month")),
        )

    # ----- doctor ---------------------------------------------------------------------

    def check(self) -> str:
        me = self._call("check credentials", lambda: self._get_json("/user"))
        return f"ok: signed in to {self.url} as {me.get('login', '?')}"

    def account(self) -> str:
        """Who tracker signs in as (the token's login, as `RemoteTicket.creator` reads
        issue authors): one `GET /user` per connector instance."""
        return self._own_account

    @cached_property
    def _own_account(self) -> str:
        return login_of(self._user) or ""

    @cached_property
    def _user(self) -> dict[str, Any]:
        """`GET /user`, once per connector: the account's login and the instance it lives on
        (`account()` and `server_identity()` share it)."""
        return self._call("read the signed-in account", lambda: self._get_json("/user"))

    def check_target(self, target: Target) -> None:
        repo = _target_repo(target)
        try:
            data = self._call(f"read {repo}", lambda: self._get_json(f"/repos/{repo}"))
        except ConnectorError as error:
            if error.status == 404:
                raise ConnectorError(
                    f"GitHub repository {repo} does not exist or is not visible to the token",
                    hint="check the team's target repo and the token's scopes",
                    exit_code=2,
                ) from None
            raise
        if data.get("has_issues") is False:
            raise ConnectorError(f"GitHub repository {repo} has issues turned off", exit_code=2)

    def owns(self, ref: TicketRef) -> bool:
        if ref.system == "github":
            return True
        if not ref.url:
            return False
        api = urlsplit(self.url).netloc.lower()
        web = api.removeprefix("api.")
        return urlsplit(ref.url).netloc.lower() in (api, web) and parse_ref(ref) is not None

    # ----- server identity --------------------------------------------------------------

    _server: ServerIdentity | None = None

    def server_identity(self) -> ServerIdentity:
        """Which GitHub this is, so a store is never used against another one. GitHub has
        no public instance id; the token's account knows its instance: the origin of
        `html_url` from GET /user (github.com whatever the API URL; the host of a GitHub
        Enterprise Server or GHE.com tenant). A token that may not read /user (a GitHub
        App installation: 403) falls back to the origin the API URL implies. One
        request, cached."""
        if self._server is None:
            try:
                web = _origin(str(self._user.get("html_url") or "")) or _web_origin(self.url)
            except ConnectorError as error:
                if error.status != 403:
                    raise
                web = _web_origin(self.url)
            kind = "GitHub" if web == "https://github.com" else "GitHub Enterprise"
            self._server = ServerIdentity(f"github:{web}", web, kind)
        return self._server

    # ----- create ---------------------------------------------------------------------

    def create(self, drafts: Sequence[TicketDraft]) -> list[CreateResult]:
        """Serial, paced creates. Accepts several drafts (each is its own request)."""
        return [self._create_one(draft) for draft in drafts]

    def _create_one(self, draft: TicketDraft) -> CreateResult:
        repo_name = _target_repo(draft.target)
        warnings: list[str] = []
        try:
            assignees = self._assignees_for(repo_name, draft.assignee, warnings)
            milestone = self._milestone_number(repo_name, draft.due) if draft.due else None
        except Postponed as error:
            return CreateResult(draft.identity, None, error.message, postponed=error.retry_after)
        except ConnectorError as error:
            return CreateResult(draft.identity, None, error.message)
        payload: dict[str, Any] = {
            "title": issue_title(draft.summary),
            "body": with_marker(with_due(draft.description, draft.due), draft.identity),
            "labels": create_labels(draft),
        }
        if assignees:
            payload["assignees"] = assignees
        if milestone is not None:
            payload["milestone"] = milestone
        url = f"/repos/{repo_name}/issues"

        def send() -> RemoteTicket:
            raw = self._guard("create issue", lambda: self._post_json(url, payload))
            ticket = ticket_from_issue(raw, repo_name)
            self._remember(repo_name, ticket)
            return ticket

        def mend(error: ConnectorError) -> bool:
            """Unassignable owner: create the issue unassigned, with a warning."""
            if error.status == 422 and "assignees" in payload and "assignee" in error.message:
                warnings.append(f"{draft.assignee} can't be assigned in {repo_name}")
                del payload["assignees"]
                return True
            return False

        call = CreateCall(
            draft.identity,
            send,
            lookup=lambda: self.find_created(draft.target, [draft.identity], {}),
            forget=lambda: self._identity_index.pop(repo_name, None),
            mend=mend,
            warnings=warnings,
        )
        return create_once(call, pacer=self.pacer, retry=self.retry)

    def creation_history(self, wall_now: float) -> list[float]:
        """The last hour's content creations (epoch seconds): GitHub counts them per
        account across runs, so the engine keeps them for the next run."""
        return self.pacer.history(wall_now)

    def restore_creation_history(self, times: list[float], wall_now: float) -> None:
        self.pacer.restore(times, wall_now)

    def creation_hint(self, target: Target) -> dict[str, object]:
        """Nothing: the issue listing `find_created` reads has no index lag."""
        return {}

    def find_created(
        self,
        target: Target,
        identities: Sequence[str],
        hints: Mapping[str, Mapping[str, object]],
    ) -> tuple[dict[str, RemoteTicket], set[str]]:
        """The repo's `tracker`-labelled issues (state=all), listed afresh: a listing is
        consistent with writes, so what it lacks was not made. A failed listing leaves
        every identity unknown."""
        try:
            found = self.find_by_identity(target, identities, fresh=True)
        except ConnectorError:
            return {}, set()
        return found, {identity for identity in identities if identity not in found}

    def _assignees_for(self, repo: str, login: str | None, warnings: list[str]) -> list[str]:
        """[login] if GitHub will accept it, else [] and a warning (never a failure).

        The check is what `Repository.has_in_assignees` sends (204 yes / 404 no), but a
        5xx is retried instead of being read as "not assignable"; cached per run."""
        if not login:
            return []
        key = (repo, login.casefold())
        if key not in self._assignable:
            path = f"/repos/{repo}/assignees/{quote(login, safe='')}"
            self._assignable[key] = self._call(
                f"check assignee {login}", lambda: self._status_of(path) == 204
            )
        if not self._assignable[key]:
            warnings.append(f"{login} can't be assigned in {repo}; created unassigned")
            return []
        return [login]

    def _milestone_number(self, repo: str, due: Any) -> int | None:
        """The milestone grouping `due` (`due 2026-06` by default; None with
        `due_milestones = "none"`), listed once per run and created on demand.

        A milestone title is unique per repository (a second POST answers 422
        already_exists), so an unclear create — 5xx, timeout, lost response — is
        resolved by listing the milestones again before sending it again: it can never
        make two, and a transient fault doesn't fail the items due that day."""
        group = milestone_for(due, self.due_milestones)
        if group is None:
            return None
        title, last_day = group
        known = self._milestones.get(repo)
        if known is None:
            known = self._list_milestones(repo)
        if title in known:
            return known[title]
        body = {
            "title": title,
            "due_on": milestone_due_on(last_day).strftime("%Y-%m-%dT%H:%M:%SZ"),
            "description": (
                "Postmortem action items due in this period (managed by tracker); "
                "each issue's exact date is its `Due:` line."
            ),
        }
        url = f"/repos/{repo}/milestones"
        failures = 0
        while True:
            try:
                created = self._paced(
                    f"create milestone {title}", lambda: self._post_json(url, body)
                )
                number = int(created["number"])
                self._milestones.setdefault(repo, {})[title] = number
                return number
            except ConnectorError as error:
                if not (error.transient or error.status == 422):
                    raise
                failures += 1
                found = self._relisted_milestone(repo, title)
                if found is not None:
                    return found
                # 422 with no such milestone listed is a real refusal; else try again
                if error.status == 422 or failures >= self.retry.attempts:
                    raise
                self.retry.pause(error, failures)

    def _list_milestones(self, repo: str) -> dict[str, int]:
        listing = self._call(
            f"list milestones of {repo}",
            lambda: list(self._paged(f"/repos/{repo}/milestones", {"state": "all"})),
        )
        self._milestones[repo] = {str(m["title"]): int(m["number"]) for m in listing}
        return self._milestones[repo]

    def _relisted_milestone(self, repo: str, title: str) -> int | None:
        """After an unclear create: the milestone's number if it exists now. A listing
        that fails too says nothing; the create is sent again (it can't duplicate)."""
        try:
            return self._list_milestones(repo).get(title)
        except ConnectorError:
            return None

    # ----- update ---------------------------------------------------------------------

    def update(self, ref: TicketRef, changes: TicketChanges) -> RemoteTicket:
        """Read the issue, then one PATCH with every change (PATCH is idempotent, so the
        whole step is retried). The body keeps its identity marker."""
        repo, number = self._locate(ref)
        return self._call(f"update {ref.key}", lambda: self._apply(repo, number, changes))

    def _apply(self, repo: str, number: int, changes: TicketChanges) -> RemoteTicket:
        current = self._guard("read issue", lambda: self._get_issue(repo, number))
        if current is None:
            raise ConnectorError(
                f"GitHub issue {issue_key(repo, number)} no longer exists", status=404
            )
        repo = repo_of(current) or repo
        number = int(current["number"])
        payload: dict[str, Any] = {}
        if changes.summary is not None:
            payload["title"] = issue_title(changes.summary)
        body = _new_body(current.get("body"), changes)
        if body is not None:
            payload["body"] = body
        labels = label_names(current.get("labels") or ())
        new_labels = relabel(labels, priority=changes.priority, status=changes.status)
        if new_labels != list(labels):
            payload["labels"] = new_labels
        milestone = self._milestone_number(repo, changes.due) if changes.due else None
        if milestone is not None:
            payload["milestone"] = milestone
        elif (changes.clear_due or changes.due) and _is_ours(current.get("milestone")):
            payload["milestone"] = None  # a person's milestone (a release) stays
        if changes.clear_assignee:
            payload["assignees"] = []
        elif changes.assignee is not None:
            warnings: list[str] = []
            accepted = self._assignees_for(repo, changes.assignee, warnings)
            if accepted:
                payload["assignees"] = accepted
            else:
                log.warning("%s: %s", issue_key(repo, number), "; ".join(warnings))
        if changes.status is not None:
            payload.update(state_payload(changes.status))
        if not payload:
            return ticket_from_issue(current, repo)
        url = f"/repos/{repo}/issues/{number}"
        raw = self._paced(
            f"update {issue_key(repo, number)}",
            lambda: self._patch_json(url, payload),
            creation=False,
        )
        ticket = ticket_from_issue(raw, repo)
        self._remember(repo, ticket)
        return ticket

    def add_comment(self, ref: TicketRef, body: str) -> None:
        repo, number = self._locate(ref)
        url = f"/repos/{repo}/issues/{number}/comments"
        self._call(
            f"comment on {ref.key}",
            lambda: self._paced("comment", lambda: self._post_json(url, {"body": body})),
            idempotent=False,
        )

    def open_change_request(
        self, repo: str, branch: str, base: str, title: str, body: str
    ) -> ChangeRequest:
        """The pull request for `branch` into `base`, opened or updated (pulls.py)."""
        from tracker_github.pulls import open_pull_request

        return open_pull_request(self, repo, branch, base, title, body)

    def _paced(self, what: str, write: Callable[[], T], *, creation: bool = True) -> T:
        """One write through the pacer. A secondary-limit answer (nothing was done)
        holds every write for its Retry-After and sends the same request again."""
        return paced_write(self.pacer, lambda: self._guard(what, write), creation=creation)

    # ----- reads ----------------------------------------------------------------------

    def fetch(self, refs: Sequence[TicketRef]) -> list[RemoteTicket]:
        """Per repository: one listing when many refs, else conditional GETs."""
        located: dict[TicketRef, tuple[str, int]] = {ref: self._locate(ref) for ref in refs}
        by_repo: dict[str, set[int]] = {}
        for repo, number in located.values():
            by_repo.setdefault(repo, set()).add(number)
        listed: dict[tuple[str, int], RemoteTicket] = {}
        for repo, numbers in by_repo.items():
            if len(numbers) > LISTING_THRESHOLD:
                listed.update(self._list_numbers(repo, numbers))
        answers = []
        for ref in refs:
            repo, number = located[ref]
            ticket = listed.get((repo, number)) or self._fetch_one(ref, repo, number)
            answers.append(ticket)
        return answers

    def _list_numbers(self, repo: str, numbers: set[int]) -> dict[tuple[str, int], RemoteTicket]:
        """Walk the repo's issues (newest first) until every wanted number was seen."""
        wanted = set(numbers)
        found: dict[tuple[str, int], RemoteTicket] = {}

        def walk() -> None:
            for raw in self._paged(f"/repos/{repo}/issues", {"state": "all"}):
                number = int(raw["number"])
                if number in wanted and not is_pull_request(raw):
                    found[(repo, number)] = ticket_from_issue(raw, repo)
                    wanted.discard(number)
                    if not wanted:
                        return

        self._call(f"list issues of {repo}", walk)
        return found

    def _fetch_one(self, ref: TicketRef, repo: str, number: int) -> RemoteTicket:
        raw = self._call(f"read {ref.key}", lambda: self._get_issue(repo, number))
        if raw is None:
            return RemoteTicket.gone(ref)
        ticket = ticket_from_issue(raw, repo)
        if (repo_of(raw) or repo).casefold() != repo.casefold() or int(raw["number"]) != number:
            return replace(ticket, ref=ref, moved_to=ticket.ref)
        return ticket

    def fetch_changed_since(self, target: Target, since: datetime | None) -> Iterator[RemoteTicket]:
        """One listing: state=all, since=(since − overlap) in UTC (PyGithub would drop
        the time zone), oldest issue first, pull requests skipped. In creation order, not
        update order: pages are offsets, and an issue edited between two pages would
        move to the end and every later one up a place, so the next page would start one
        late and skip an issue."""
        repo = _target_repo(target)
        params = {"state": "all", "sort": "created", "direction": "asc"}
        if since is not None:
            start = (since - self.overlap).astimezone(UTC)
            params["since"] = start.strftime("%Y-%m-%dT%H:%M:%SZ")
        for raw in self._streamed(
            f"list changed issues of {repo}", f"/repos/{repo}/issues", params
        ):
            if not is_pull_request(raw):
                yield ticket_from_issue(raw, repo)

    def find_by_identity(
        self, target: Target, identities: Sequence[str], *, fresh: bool = False
    ) -> dict[str, RemoteTicket]:
        """One paged listing of the repo's `tracker`-labelled issues (state=all), read for
        markers — not search, which has a 30/min limit and lags behind writes.

        The listing covers every identity at once, so it is kept for `INDEX_TTL` seconds
        (updated by our own creates and edits, dropped when a create's outcome is
        unclear): the engine's batches of identities then cost one listing, not one each.
        `fresh=True` always lists."""
        repo = _target_repo(target)
        if not identities:
            return {}
        index = None if fresh else self._recent_index(repo)
        if index is None:
            index = self._list_identities(repo)
            self._identity_index[repo] = (self.pacer.clock(), index)
        return {identity: index[identity] for identity in identities if identity in index}

    def _list_identities(self, repo: str) -> dict[str, RemoteTicket]:
        params = {"state": "all", "labels": TRACKER_LABEL}
        listing = self._call(
            f"find tracker issues in {repo}",
            lambda: list(self._paged(f"/repos/{repo}/issues", params)),
        )
        index: dict[str, RemoteTicket] = {}
        for raw in sorted(listing, key=lambda item: int(item["number"])):
            identity = identity_in(raw.get("body"))
            if identity and identity not in index and not is_pull_request(raw):
                index[identity] = ticket_from_issue(raw, repo)  # the oldest one wins
        return index

    def _recent_index(self, repo: str) -> dict[str, RemoteTicket] | None:
        cached = self._identity_index.get(repo)
        if cached is None or self.pacer.clock() - cached[0] > INDEX_TTL:
            return None
        return cached[1]

    def _remember(self, repo: str, ticket: RemoteTicket) -> None:
        """Keep a cached identity listing true to our own writes: a new ticket is added,
        an edited one replaced (never another ticket carrying the same identity)."""
        cached = self._identity_index.get(repo)
        if cached is None or not ticket.identity:
            return
        known = cached[1].get(ticket.identity)
        if known is None or known.ref == ticket.ref:
            cached[1][ticket.identity] = ticket

    # ----- transport ----------------------------------------------------------------------

    def _locate(self, ref: TicketRef) -> tuple[str, int]:
        located = parse_ref(ref)
        if located is None:
            raise ConnectorError(
                f"{ref.key}: not a GitHub issue reference with a repository (owner/repo#N or URL)"
            )
        return located

    def _get_json(self, path: str) -> dict[str, Any]:
        _, data = self._gh.requester.requestJsonAndCheck("GET", path)
        return data if isinstance(data, dict) else {}

    def _post_json(self, path: str, body: Mapping[str, Any]) -> dict[str, Any]:
        _, data = self._gh.requester.requestJsonAndCheck("POST", path, input=dict(body))
        return data if isinstance(data, dict) else {}

    def _patch_json(self, path: str, body: Mapping[str, Any]) -> dict[str, Any]:
        _, data = self._gh.requester.requestJsonAndCheck("PATCH", path, input=dict(body))
        return data if isinstance(data, dict) else {}

    def _status_of(self, path: str) -> int:
        status, _, _ = self._gh.requester.requestJson("GET", path)
        if status >= 500 or status == 429:
            raise ConnectorError(f"GitHub answered HTTP {status}", status=status, transient=True)
        return status

    def _get_issue(self, repo: str, number: int) -> dict[str, Any] | None:
        """Conditional GET: an unchanged issue costs a 304 and no rate limit. None when
        the issue is gone (404/410)."""
        url = f"/repos/{repo}/issues/{number}"
        cached = self._etags.get(url)
        headers = {"If-None-Match": cached[0]} if cached else None
        try:
            response_headers, data = self._gh.requester.requestJsonAndCheck(
                "GET", url, headers=headers
            )
        except GithubException as error:
            if error.status in (404, 410):
                self._etags.pop(url, None)
                return None
            raise
        if cached and not data:  # 304 Not Modified
            return cached[1]
        if not isinstance(data, dict):
            return None
        etag = response_headers.get("etag")
        if etag:
            self._etags[url] = (etag, data)
        return data

    def _streamed(
        self, what: str, path: str, params: Mapping[str, str]
    ) -> Iterator[dict[str, Any]]:
        """Like `_paged`, but each page is its own retried call and is handed on before
        the next is asked for: a listing of 100,000 issues is never held whole."""
        url: str | None = path
        query: dict[str, Any] | None = {**params, "per_page": 100}
        while url:
            request = partial(self._gh.requester.requestJsonAndCheck, "GET", url, parameters=query)
            headers, data = self._call(what, request)
            yield from (item for item in data or () if isinstance(item, dict))
            url, query = _next_link(headers.get("link")), None

    def _paged(self, path: str, params: Mapping[str, str]) -> Iterator[dict[str, Any]]:
        """Every item of a listing, 100 a page, following the `Link: rel="next"` URLs."""
        url: str | None = path
        query: dict[str, Any] | None = {**params, "per_page": 100}
        while url:
            headers, data = self._gh.requester.requestJsonAndCheck("GET", url, parameters=query)
            yield from (item for item in data or () if isinstance(item, dict))
            url, query = _next_link(headers.get("link")), None

    # ----- errors and retries -----------------------------------------------------------

    def _translate_errors(self, what: str, operation: Callable[[], T]) -> T:
        """One client call with its exceptions turned into sanitised ConnectorErrors."""
        try:
            return operation()
        except ConnectorError:
            raise
        except GithubException as error:
            raise self._translate(what, error) from None
        except requests.exceptions.RequestException as error:
            raise transport_error("GitHub", what, self.url, error) from None

    def _translate(self, what: str, error: GithubException) -> ConnectorError:
        status = error.status
        data = error.data if isinstance(error.data, dict) else {}
        detail = str(data.get("message") or "")
        problems = data.get("errors")
        if isinstance(problems, list) and problems:
            detail += " (" + "; ".join(_describe(p) for p in problems) + ")"
        detail = self._redact(detail)[:300]
        message = f"GitHub {what} failed: HTTP {status}" + (f": {detail}" if detail else "")
        headers = {k.lower(): v for k, v in (error.headers or {}).items()}
        if isinstance(error, RateLimitExceededException) or (
            status in (403, 429) and "rate limit" in detail.lower()
        ):
            return RateLimited(message, retry_after=_rate_wait(headers), status=status)
        if status == 401:
            return ConnectorError(
                f"GitHub rejected the token for {self.url} (HTTP 401)",
                status=401,
                hint="check the token environment variable in [connectors.github]",
                exit_code=2,
            )
        if status == 429:
            return RateLimited(message, retry_after=_rate_wait(headers), status=429)
        if status >= 500:
            retry_after = _retry_after(headers)
            return ConnectorError(
                message,
                status=status,
                transient=True,
                unprocessed=status == 503 and retry_after is not None,
                retry_after=retry_after,
            )
        return ConnectorError(message, status=status)


def _new_body(current: str | None, changes: TicketChanges) -> str | None:
    """The issue body after `changes` (None: unchanged): a new description keeps the
    identity marker and the due line; a due change rewrites the due line."""
    due_changed = changes.clear_due or changes.due is not None
    if changes.description is None and not due_changed:
        return None
    identity = identity_in(current)
    text = strip_markers(current) if changes.description is None else changes.description
    if due_changed:
        text = with_due(text, None if changes.clear_due else changes.due)
    elif due_in_body(current)[0]:
        text = with_due(text, due_in_body(current)[1])
    return with_marker(text, identity) if identity else text


def _is_ours(milestone: Any) -> bool:
    """A milestone tracker made for due dates (`due …`), not one a person set."""
    return isinstance(milestone, dict) and str(milestone.get("title") or "").startswith(
        MILESTONE_PREFIX
    )


def _max_wait(policy: str) -> float | None:
    if policy not in ("stop", "wait"):
        raise ConfigError(f'on_hourly_limit must be "stop" or "wait", not {policy!r}')
    return None if policy == "wait" else POSTPONE_AFTER


def _grouping(value: str) -> Grouping:
    for grouping in GROUPINGS:
        if value == grouping:
            return grouping
    raise ConfigError(f"due_milestones must be one of {', '.join(GROUPINGS)}, not {value!r}")


def _target_repo(target: Target) -> str:
    if not target.repo or "/" not in target.repo:
        raise ConfigError('a GitHub target needs `repo = "owner/name"`')
    return target.repo


def _describe(problem: Any) -> str:
    if not isinstance(problem, dict):
        return str(problem)
    if problem.get("message"):
        return str(problem["message"])
    parts = [str(problem.get(k)) for k in ("field", "code", "value") if problem.get(k) is not None]
    return " ".join(parts)


def _retry_after(headers: Mapping[str, str]) -> float | None:
    try:
        return max(0.0, float(headers["retry-after"])) if headers.get("retry-after") else None
    except ValueError:
        return None


def _rate_wait(headers: Mapping[str, str]) -> float:
    """Retry-After if given; else until the primary reset; else GitHub's advice: 60 s."""
    retry_after = _retry_after(headers)
    if retry_after is not None:
        return retry_after
    if headers.get("x-ratelimit-remaining") == "0" and headers.get("x-ratelimit-reset"):
        try:
            return max(1.0, float(headers["x-ratelimit-reset"]) - time.time() + 1)
        except ValueError:
            pass
    return 60.0


def _next_link(link: str | None) -> str | None:
    for part in (link or "").split(","):
        section = part.split(";")
        if len(section) >= 2 and section[1].strip() == 'rel="next"':
            return section[0].strip().strip("<>")
    return None


def _origin(url: str) -> str:
    """`scheme://host[:port]`, lower-cased; "" for something that isn't a URL."""
    parts = urlsplit(url.strip())
    return f"{parts.scheme.lower()}://{parts.netloc.lower()}" if parts.netloc else ""


def _web_origin(api_url: str) -> str:
    """The web origin an API URL belongs to: api.github.com → github.com,
    https://HOST/api/v3 → https://HOST."""
    origin = _origin(api_url)
    return origin.replace("://api.", "://", 1) if "://api." in origin else origin
