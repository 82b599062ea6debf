"""The Jira connector: tracker's Connector protocol over the `jira` client library.

Call budget (what makes nightly syncs cheap): bulk create 50 per POST, one JQL search per
100 tickets for reads (`key in`, `labels in`, `updated >=`), no client start-up calls.
The client's own retries are off (`max_retries=0`): it would re-POST a create; our
retry policy retries idempotent calls and resolves unclear creates by identity first.
"""

from __future__ import annotations

import json
import logging
import re
import threading
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import replace
from datetime import UTC, datetime, timedelta, timezone, tzinfo
from functools import cached_property, partial
from typing import Any, TypeVar
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import requests
from jira import JIRA, JIRAError

from tracker.connectors import (
    Capabilities,
    ConnectorError,
    CreateResult,
    RateLimited,
    Redactor,
    RemoteTicket,
    RunMemo,
    ServerIdentity,
    Target,
    TicketChanges,
    TicketDraft,
    resolve_secret,
    setting_float,
    setting_str,
)
from tracker.errors import ConfigError
from tracker.model import Status, TicketRef
from tracker.retry import GuardedCalls, RetryPolicy
from tracker_jira import jql
from tracker_jira.mapping import (
    DEFAULT_PRIORITIES,
    DEFAULT_WONT_DO_RESOLUTIONS,
    SEARCH_FIELDS,
    choose_transition,
    create_fields,
    edit_fields,
    identity_label,
    status_reads_wont_do,
    ticket_from_issue,
    transition_takes_resolution,
    user_id,
    wont_do_resolution,
)

log = logging.getLogger(__name__)
T = TypeVar("T")

BULK_LIMIT = 50
PROPERTY_KEY = "tracker.item"
PAGE_SIZE = 100  # keys, labels or ids named in one JQL `in (...)` list
# Issues asked for per search page. The server gives what it allows for the fields
# asked: Cloud's /search/jql about 100 with fields (up to 5,000 with id/key only),
# Server/Data Center up to `jira.search.views.default.max` (1,000 by default). Pages
# are followed by cursor or `total`, never by their size, so asking more only saves
# calls where the server allows it. 500, not Data Center's 1,000: every project lane
# holds its page while it is compared; in bench/sync.py (five lanes, 100,000 items)
# 1,000-issue pages raised a full read's peak by 20-38 MB for 45 fewer calls of 547,
# 500-issue pages by 8-9 MB.
SEARCH_PAGE = 500
# Wall times in the westernmost zone: read in any zone they mean that instant or earlier.
EARLIEST_READING = timezone(timedelta(hours=-12), "UTC-12")
PROBE_BUDGET = 1000  # issue reads one find_created may spend before calling the rest unknown
MISSING_RUN = 10  # consecutive missing keys that mean "no issue beyond here"


class JiraConnector(GuardedCalls):
    """Jira Cloud (email + API token) or Server/DC (personal access token)."""

    name = "jira"
    capabilities = Capabilities(
        bulk_create=BULK_LIMIT, entity_properties=False, incremental_fetch=True
    )

    def __init__(
        self,
        url: str,
        token: str,
        *,
        email: str | None = None,
        flavour: str = "cloud",
        timeout: float = 30.0,
        priorities: Mapping[str, str] | None = None,
        wont_do_resolutions: Sequence[str] = DEFAULT_WONT_DO_RESOLUTIONS,
        time_zone: tzinfo | None = None,
        overlap: timedelta = timedelta(minutes=2),
        retry: RetryPolicy | None = None,
        entity_property: bool = False,
    ) -> None:
        if flavour not in ("cloud", "server"):
            raise ConfigError(f"jira flavour must be 'cloud' or 'server', not {flavour!r}")
        if flavour == "cloud" and not email:
            raise ConfigError("jira: Cloud needs `email` (basic auth with the API token)")
        self.url = url.rstrip("/")
        self.cloud = flavour == "cloud"
        self.priorities = dict(priorities or DEFAULT_PRIORITIES)
        self.wont_do_resolutions = tuple(wont_do_resolutions)
        self.time_zone = time_zone  # None: the account's own, read once (see _jql_zone)
        self.overlap = overlap
        self.retry = retry or RetryPolicy()
        self.entity_property = entity_property
        if entity_property:
            self.capabilities = replace(self.capabilities, entity_properties=True)
        self._redact = Redactor([token])
        self.run_memo = RunMemo()  # the pool shares one per run across its threads
        if email:
            self._redact.add_basic_auth(email, token)
        auth: dict[str, Any] = (
            {"basic_auth": (email, token)} if self.cloud else {"token_auth": token}
        )
        self._client = JIRA(
            server=self.url,
            options={"rest_api_version": "2"},
            get_server_info=False,  # saves a round trip; the flavour comes from config
            max_retries=0,  # never let the client re-POST a create
            timeout=timeout,
            **auth,
        )
        # Without serverInfo the client can't tell Cloud from Server; Cloud must search
        # through /search/jql (the legacy /search is gone there).
        self._client.deploymentType = "Cloud" if self.cloud else "Server"
        # Searches translate field names through GET /field; our names are already ids.
        self._client._fields_cache_value = {name: name for name in SEARCH_FIELDS}
        self._floors: dict[str, int] = {}  # project → highest issue number known (per run)
        self._floor_lock = threading.Lock()

    def __repr__(self) -> str:
        return f"JiraConnector(url={self.url!r}, flavour={'cloud' if self.cloud else 'server'!r})"

    @classmethod
    def from_settings(
        cls,
        settings: Mapping[str, object],
        *,
        env: Mapping[str, str],
        retry: RetryPolicy | None = None,
        sleep: Callable[[float], None] | None = None,
    ) -> JiraConnector:
        """Build from `[connectors.jira]`: url, flavour, email, token = "${ENV}",
        timeout_seconds, priorities, wont_do_resolutions, time_zone, max_attempts,
        entity_property, overlap_seconds."""
        priorities = settings.get("priorities")
        if priorities is not None and not isinstance(priorities, Mapping):
            raise ConfigError("jira: `priorities` must map P0..P4 to Jira priority names")
        resolutions = settings.get("wont_do_resolutions") or DEFAULT_WONT_DO_RESOLUTIONS
        if not isinstance(resolutions, list | tuple):
            raise ConfigError("jira: `wont_do_resolutions` must be a list of names")
        policy = retry or RetryPolicy(attempts=int(setting_float(settings, "max_attempts", 5)))
        if sleep is not None:
            policy.sleep = sleep
        email = settings.get("email")
        return cls(
            setting_str(settings, "url"),
            resolve_secret(settings.get("token"), env, setting="connectors.jira.token"),
            email=str(email) if email else None,
            flavour=setting_str(settings, "flavour", "cloud"),
            timeout=setting_float(settings, "timeout_seconds", 30.0),
            priorities={str(k): str(v) for k, v in (priorities or DEFAULT_PRIORITIES).items()},
            wont_do_resolutions=[str(r) for r in resolutions],
            time_zone=_zone_setting(settings.get("time_zone")),
            retry=policy,
            entity_property=bool(settings.get("entity_property", False)),
            overlap=timedelta(seconds=setting_float(settings, "overlap_seconds", 120.0)),
        )

    # ----- doctor ---------------------------------------------------------------------

    def check(self) -> str:
        me = self._call("check credentials", self._client.myself)
        who = me.get("displayName") or me.get("name") or me.get("accountId") or "?"
        zone = self.time_zone or me.get("timeZone") or "unknown"
        return f"ok: signed in to {self.url} as {who} (JQL times read in {zone})"

    def account(self) -> str:
        """Who tracker signs in as, in the form `RemoteTicket.creator` uses (accountId
        on Cloud, username on Server): one `myself` call per connector instance."""
        return self._own_account

    @cached_property
    def _own_account(self) -> str:
        return user_id(self._myself("read the signed-in account"), cloud=self.cloud) or ""

    def _myself(self, what: str) -> Mapping[str, Any]:
        """`GET /myself`, at most once per run (the run's memo is shared by every
        project lane's connector): who tracker signs in as and the account's time zone
        both come from it."""
        return self.run_memo.get("myself", lambda: self._call(what, self._client.myself))

    def check_target(self, target: Target) -> None:
        if not target.project:
            raise ConfigError("a Jira target needs `project`")
        try:
            self._call(
                f"read project {target.project}", lambda: self._client.project(target.project or "")
            )
        except ConnectorError as error:
            if error.status == 404:
                raise ConnectorError(
                    f"Jira project {target.project} does not exist or is not visible",
                    hint="check the team's target project key and the token's permissions",
                    exit_code=2,
                ) from None
            raise

    def owns(self, ref: TicketRef) -> bool:
        if ref.system == "jira":
            return True
        if ref.url:
            ours, theirs = urlsplit(self.url), urlsplit(ref.url)
            return ours.netloc.lower() == theirs.netloc.lower() and "/browse/" in theirs.path
        return False

    # ----- server identity --------------------------------------------------------------

    _server: ServerIdentity | None = None

    def server_identity(self) -> ServerIdentity:
        """Which Jira this is, so a store is never used against another one. Cloud: the
        site's cloudId from `/_edge/tenant_info` (a site's URL can change, its cloudId
        doesn't). Server/Data Center has no public instance id: serverInfo's `baseUrl`
        (the server's own idea of its URL) and `deploymentType`. One request, cached."""
        if self._server is None:
            self._server = self._read_server_identity()
        return self._server

    def _read_server_identity(self) -> ServerIdentity:
        if self.cloud:
            tenant = f"{self.url}/_edge/tenant_info"
            try:
                response = self._call(
                    "read the site's cloudId", lambda: self._client._session.get(tenant)
                )
                cloud_id = str(response.json().get("cloudId") or "")
                if cloud_id:
                    return ServerIdentity(f"jira-cloud:{cloud_id}", self.url, "Cloud")
            except ConnectorError as error:
                if error.status != 404:  # not a Cloud site after all: ask serverInfo
                    raise
            except ValueError:  # not JSON: not a Cloud site's answer either
                pass
        info = self._call("read serverInfo", self._client.server_info)
        base = _canonical_url(str(info.get("baseUrl") or self.url))
        kind = str(info.get("deploymentType") or ("Cloud" if self.cloud else "Server"))
        return ServerIdentity(f"jira:{base}", base, kind)

    # ----- create ---------------------------------------------------------------------

    def create(self, drafts: Sequence[TicketDraft]) -> list[CreateResult]:
        """Bulk create (≤50). An unclear POST (its answer lost) is resolved by
        `find_created` — reads by key, not the lagging search — before anything is sent
        again; what that can't settle comes back `unresolved`, never re-sent."""
        if len(drafts) > BULK_LIMIT:
            raise ValueError(f"at most {BULK_LIMIT} drafts per create() call")
        if not drafts:
            return []
        target = drafts[0].target
        hints = self._hints_for(target, drafts)
        results: dict[str, CreateResult] = {}
        pending = list(drafts)
        attempt = 0
        while pending:
            attempt += 1
            try:
                results.update(self._bulk_create(pending))
                break
            except ConnectorError as error:
                if not error.transient:  # refused as a whole: nothing was made
                    for draft in pending:
                        results[draft.identity] = CreateResult(draft.identity, None, error.message)
                    break
                if not error.unprocessed:  # the POST may have worked: look before re-sending
                    pending = self._settle_unclear(target, pending, hints, error, results)
                if pending and attempt >= self.retry.attempts:
                    for draft in pending:
                        results[draft.identity] = CreateResult(draft.identity, None, error.message)
                    break
                if pending:
                    self.retry.pause(error, attempt)
        return [results[d.identity] for d in drafts]

    def _hints_for(
        self, target: Target, drafts: Sequence[TicketDraft]
    ) -> dict[str, Mapping[str, object]]:
        try:
            hint = self.creation_hint(target)
        except ConnectorError:
            hint = {}  # no floor: an unclear outcome then stays unresolved, never re-sent
        return {draft.identity: hint for draft in drafts}

    def _settle_unclear(
        self,
        target: Target,
        pending: list[TicketDraft],
        hints: Mapping[str, Mapping[str, object]],
        error: ConnectorError,
        results: dict[str, CreateResult],
    ) -> list[TicketDraft]:
        """Adopt what the lost POST made, mark what no trusted read could settle as
        unresolved, and return the drafts certainly not made (safe to send again)."""
        try:
            found, absent = self.find_created(target, [d.identity for d in pending], hints)
        except ConnectorError:
            found, absent = {}, set()
        for identity, ticket in found.items():
            results[identity] = CreateResult(identity, ticket, adopted=True)
        for draft in pending:
            if draft.identity not in found and draft.identity not in absent:
                results[draft.identity] = CreateResult(
                    draft.identity,
                    None,
                    f"create outcome unclear ({error.message})",
                    unresolved=True,
                )
        return [draft for draft in pending if draft.identity in absent]

    def creation_hint(self, target: Target) -> dict[str, object]:
        """{"floor": n}: every issue created after this call gets a number above n (keys
        are sequential per project). One `ORDER BY key DESC` search per project and run,
        then raised with the keys we create; a lagging index only lowers the floor."""
        project = target.project or ""
        with self._floor_lock:
            known = self._floors.get(project)
        if known is None:
            known = self._highest_key_number(project)
            with self._floor_lock:
                known = max(known, self._floors.get(project, 0))
                self._floors[project] = known
        return {"floor": known}

    def _highest_key_number(self, project: str) -> int:
        query = jql.project_is(project) + " ORDER BY key DESC"

        def page() -> dict[str, Any]:
            if self.cloud:
                answer = self._client.enhanced_search_issues(
                    query, maxResults=1, fields=["summary"], json_result=True
                )
                assert isinstance(answer, dict)
                return answer
            return self._client.search_issues(
                query, maxResults=1, fields=["summary"], json_result=True
            )

        issues = self._call(f"highest key in {project}", page).get("issues") or []
        return _key_number(str(issues[0]["key"])) if issues else 0

    def _raise_floor(self, key: str) -> None:
        project, _, _ = key.rpartition("-")
        with self._floor_lock:
            if project in self._floors:
                self._floors[project] = max(self._floors[project], _key_number(key))

    def find_created(
        self,
        target: Target,
        identities: Sequence[str],
        hints: Mapping[str, Mapping[str, object]],
    ) -> tuple[dict[str, RemoteTicket], set[str]]:
        """Trusted: a label search hit, or reading issues by key (immediate, unlike the
        search index) upwards from the lowest recorded floor until a run of missing keys
        lies past both the last existing key and the search's highest key. A search miss
        alone never means absent; without a floor, or past the probe budget, the rest
        stay unknown."""
        wanted = list(dict.fromkeys(identities))
        try:
            found = self.find_by_identity(target, wanted)
        except ConnectorError:
            found = {}  # the search is only a shortcut: reading by key still decides
        rest = {i for i in wanted if i not in found}
        floors = [_floor_of(hints.get(i)) for i in rest]
        if not rest or any(floor is None for floor in floors) or not target.project:
            return found, set()
        number = min(f for f in floors if f is not None)
        try:
            ceiling = self._highest_key_number(target.project)
        except ConnectorError:
            ceiling = number
        last_seen = number
        probes = 0
        while rest and probes < PROBE_BUDGET:
            number += 1
            probes += 1
            ref = TicketRef("jira", f"{target.project}-{number}")
            try:
                ticket = self._fetch_one(ref)
            except ConnectorError:
                return found, set()  # can't read on: what isn't found stays unknown
            if ticket.deleted:
                if number > ceiling and number - last_seen >= MISSING_RUN:
                    return found, rest  # past every issue there is: the rest were not made
                continue
            last_seen = number
            if ticket.moved_to is not None:
                ticket = replace(ticket, ref=ticket.moved_to, moved_to=None)
            if ticket.identity in rest:
                found[ticket.identity] = ticket
                rest.discard(ticket.identity)
        return found, set()

    def _bulk_create(self, drafts: Sequence[TicketDraft]) -> dict[str, CreateResult]:
        """One POST /issue/bulk; per-item errors come back as results, not exceptions.
        An item refused only for its assignee is created again unassigned, with a warning."""
        fields = [create_fields(d, cloud=self.cloud, priorities=self.priorities) for d in drafts]
        outcome = self._guard(
            "bulk create", lambda: self._client.create_issues(fields, prefetch=False)
        )
        created: dict[str, str] = {}
        ids: list[int] = []
        results: dict[str, CreateResult] = {}
        unassignable: list[TicketDraft] = []
        for draft, item in zip(drafts, outcome, strict=True):
            if item["status"] == "Success":
                created[draft.identity] = str(item["issue"].key)
                ids.append(int(item["issue"].id))
                continue
            errors: dict[str, Any] = item.get("error") or {}
            if draft.assignee and set(errors) == {"assignee"}:
                unassignable.append(draft)
                continue
            results[draft.identity] = CreateResult(draft.identity, None, self._item_error(errors))
        warnings: dict[str, tuple[str, ...]] = {}
        if self.entity_property:
            for identity, key in created.items():
                problem = self._set_identity_property(key, identity)
                if problem:
                    warnings[identity] = (problem,)
        if unassignable:
            retried = [_without_assignee(d) for d in unassignable]
            for identity, result in self._bulk_create(retried).items():
                if result.error:
                    results[identity] = result
                    continue
                assignee = next(d.assignee for d in unassignable if d.identity == identity)
                warnings[identity] = (
                    f"{assignee} can't be assigned in Jira; created unassigned",
                    *warnings.get(identity, ()),
                    *result.warnings,
                )
                if result.ticket:
                    results[identity] = replace(result, warnings=warnings[identity])
        if created:
            for key in created.values():
                self._raise_floor(key)
            tickets = {t.ref.key: t for t in self._read_back(list(created.values()), ids)}
            for identity, key in created.items():
                results[identity] = CreateResult(
                    identity,
                    tickets.get(key) or _stub(key, self.url, identity),
                    warnings=warnings.get(identity, ()),
                )
        return results

    def _read_back(self, keys: list[str], ids: list[int]) -> list[RemoteTicket]:
        """The new issues as Jira reports them. On Cloud the search names them in
        `reconcileIssues`, so its index lag can't hide them."""
        if not self.cloud or not ids:
            return self.fetch_keys(keys)
        query = jql.keys_in(keys)

        def page() -> dict[str, Any]:
            answer = self._client.enhanced_search_issues(
                query,
                maxResults=PAGE_SIZE,
                fields=list(SEARCH_FIELDS),
                reconcileIssues=ids[:BULK_LIMIT],
                json_result=True,
            )
            assert isinstance(answer, dict)
            return answer

        return [self._ticket(raw) for raw in self._call("read back", page).get("issues") or []]

    def _set_identity_property(self, key: str, identity: str) -> str | None:
        """Entity property `tracker.item` = {"id": ...}: invisible to people, so it survives
        someone removing the label. One PUT per issue, hence opt-in. A failure is a
        warning — the label already identifies the ticket."""
        try:
            self._call(
                f"set property on {key}",
                lambda: self._client.add_issue_property(key, PROPERTY_KEY, {"id": identity}),
            )
        except ConnectorError as error:
            return f"{key}: identity property not set ({error.message})"
        return None

    def _item_error(self, errors: Mapping[str, Any]) -> str:
        text = "; ".join(f"{field}: {message}" for field, message in errors.items())
        return self._redact(f"Jira refused the ticket: {text or 'unknown error'}")[:500]

    # ----- update ---------------------------------------------------------------------

    def update(self, ref: TicketRef, changes: TicketChanges) -> RemoteTicket:
        """PUT the field changes (idempotent, retried), then move the status through a
        transition chosen by target category — only if the ticket isn't there already."""
        key = ref.key
        fields = edit_fields(changes, cloud=self.cloud, priorities=self.priorities)
        if fields:
            try:
                self._put_fields(key, fields)
            except ConnectorError as error:
                # An owner Jira won't take must not block the other edits: apply them,
                # leave the assignee as it is and say so (the result shows the old one).
                if error.status != 400 or not fields.get("assignee"):
                    raise
                rest = {name: value for name, value in fields.items() if name != "assignee"}
                if rest:
                    self._put_fields(key, rest)
                log.warning("%s: Jira refused assignee %s; left unchanged", key, changes.assignee)
        if changes.status is not None:
            self._call(f"transition {key}", lambda: self._ensure_status(key, changes.status))
        return self._fetch_one(ref)

    def _put_fields(self, key: str, fields: Mapping[str, Any]) -> None:
        """One PUT (no reload GET, unlike `Issue.update`); idempotent, so retried."""
        url = self._client._get_url(f"issue/{key}")
        body = json.dumps({"fields": fields})
        self._call(f"update {key}", lambda: self._client._session.put(url, data=body))

    def _ensure_status(self, key: str, target: Status | None) -> None:
        """Idempotent by construction: reads the current status before transitioning."""
        assert target is not None
        current = self._fetch_one(TicketRef("jira", key), retried=False)
        if current.moved_to is not None:
            current = replace(current, ref=current.moved_to)
        if current.deleted:
            raise ConnectorError(f"Jira issue {key} no longer exists", status=404)
        if current.status is target:
            return
        key = current.ref.key
        if target is Status.WONT_DO and current.status is Status.DONE:
            resolution = self._editable_wont_do_resolution(key)
            if resolution is None:
                raise self._cannot_close_as_wont_do(key, "it is done already")
            self._put_fields(key, {"resolution": {"name": resolution}})
            return
        transitions = self._guard(
            f"list transitions of {key}",
            lambda: self._client.transitions(key, expand="transitions.fields"),
        )
        if target is Status.WONT_DO:
            self._close_as_wont_do(key, transitions)
            return
        transition = choose_transition(transitions, target)
        if transition is None:
            raise self._no_transition(key, target, transitions)
        self._transition(key, transition)

    def _close_as_wont_do(self, key: str, transitions: Sequence[Mapping[str, Any]]) -> None:
        """Close so that Jira — and tracker reading it back — says won't do, never done.

        Jira teams record "won't do" either as a resolution chosen on the closing
        transition's screen or as a status of its own ("Won't Do", "Cancelled"), and
        admins can put Resolution on the edit screen to change it later
        (https://confluence.atlassian.com/cloudkb/best-practices-on-using-the-resolution-field-968660796.html).
        In that order: a transition to a won't-do status; one whose screen takes a
        won't-do resolution; a done transition followed by editing the resolution when
        the edit screen allows it. Otherwise the ticket is left open and the error says
        why: closing it would record won't do as done."""
        closing = choose_transition(transitions, Status.WONT_DO)
        if closing is None:
            raise self._no_transition(key, Status.WONT_DO, transitions)
        fields = closing.get("fields")
        field = fields.get("resolution") if isinstance(fields, Mapping) else None
        on_screen = wont_do_resolution(field, self.wont_do_resolutions)
        if status_reads_wont_do(closing) or on_screen:
            self._transition(key, closing, resolution=on_screen)
            return
        editable = self._editable_wont_do_resolution(key)
        if editable is None:
            raise self._cannot_close_as_wont_do(key, f"its {closing.get('name')!s} transition")
        self._transition(key, closing)
        self._put_fields(key, {"resolution": {"name": editable}})

    def _editable_wont_do_resolution(self, key: str) -> str | None:
        """A won't-do resolution the edit screen lets us set (GET editmeta), or None."""
        meta = self._call(
            f"read the edit screen of {key}",
            lambda: self._client._get_json(f"issue/{key}/editmeta"),
        )
        fields = meta.get("fields") if isinstance(meta, Mapping) else None
        field = fields.get("resolution") if isinstance(fields, Mapping) else None
        return wont_do_resolution(field, self.wont_do_resolutions)

    def _transition(
        self, key: str, transition: Mapping[str, Any], *, resolution: str | None = None
    ) -> None:
        payload: dict[str, Any] = {"transition": {"id": str(transition["id"])}}
        if resolution and transition_takes_resolution(transition):
            payload["fields"] = {"resolution": {"name": resolution}}
        url = self._client._get_url(f"issue/{key}/transitions")
        self._guard(
            f"transition {key}", lambda: self._client._session.post(url, data=json.dumps(payload))
        )

    def _no_transition(
        self, key: str, target: Status, transitions: Sequence[Mapping[str, Any]]
    ) -> ConnectorError:
        names = ", ".join(str(t.get("name")) for t in transitions) or "none"
        return ConnectorError(
            f"Jira issue {key}: no transition leads to {target.value} (available: {names})"
        )

    def _cannot_close_as_wont_do(self, key: str, where: str) -> ConnectorError:
        log.warning("%s: not closed as won't do: no way to set a won't-do resolution", key)
        return ConnectorError(
            f"Jira issue {key} left as it is: can't record won't do — {where} sets no "
            "resolution and Resolution is not on the edit screen (closing it would read as done)",
            hint="close it by hand with a Won't Do resolution, or add a Won't Do transition "
            "or the Resolution field to the workflow's screens",
        )

    def add_comment(self, ref: TicketRef, body: str) -> None:
        self._call(
            f"comment on {ref.key}",
            lambda: self._client.add_comment(ref.key, body),
            idempotent=False,
        )

    # ----- reads ----------------------------------------------------------------------

    def fetch(self, refs: Sequence[TicketRef]) -> list[RemoteTicket]:
        """One `key in (...)` search per 100 keys. Jira refuses the whole search when a key
        doesn't exist (HTTP 400 whose errorMessages name it — worded in the account's
        language, so only the key itself is looked for): such keys are dropped and the
        search repeated. A 400 naming none of the keys leaves the batch to per-key GETs,
        as does every key the searches didn't return (404 = deleted, other key = moved)."""
        keys = list(dict.fromkeys(ref.key for ref in refs if jql.ISSUE_KEY.match(ref.key)))
        found: dict[str, RemoteTicket] = {}
        for start in range(0, len(keys), PAGE_SIZE):
            batch = keys[start : start + PAGE_SIZE]
            while batch:
                try:
                    found.update((t.ref.key, t) for t in self.fetch_keys(batch))
                    break
                except ConnectorError as error:
                    if error.status != 400:
                        raise
                    named = _keys_named(error, batch)
                    if not named:
                        log.info("Jira refused a key search (%s); reading keys one by one", error)
                        break
                    batch = [key for key in batch if key not in named]
        return [found.get(ref.key) or self._fetch_one(ref) for ref in refs]

    def fetch_keys(self, keys: Sequence[str]) -> list[RemoteTicket]:
        return list(self._search(jql.keys_in(keys)))

    def _fetch_one(self, ref: TicketRef, *, retried: bool = True) -> RemoteTicket:
        """GET one issue: a 404 means deleted, a different key back means moved."""

        def read() -> Any:
            return self._client._get_json(
                f"issue/{ref.key}", params={"fields": ",".join(SEARCH_FIELDS)}
            )

        try:
            raw = self._call(f"read {ref.key}", read) if retried else self._guard("read", read)
        except ConnectorError as error:
            if error.status in (404, 410):
                return RemoteTicket.gone(TicketRef("jira", ref.key, ref.url))
            raise
        ticket = self._ticket(raw)
        if ticket.ref.key != ref.key:  # the issue moved to another project
            return replace(ticket, ref=ref, moved_to=ticket.ref)
        return ticket

    def fetch_changed_since(self, target: Target, since: datetime | None) -> Iterator[RemoteTicket]:
        """One paged search for the project. JQL has minute precision, so the start is
        floored to the minute and moved `overlap` earlier (clock skew, index lag);
        callers de-duplicate by `updated_at`. Cloud pages by `nextPageToken`; Server and
        Data Center by key (`_walk_by_key`)."""
        if not target.project:
            raise ConfigError("a Jira target needs `project`")
        start = since - self.overlap if since is not None else None
        zone = self._jql_zone() if start is not None else UTC
        if self.cloud:
            yield from self._search(jql.updated_since(target.project, start, zone))
        else:
            yield from self._walk_by_key(target.project, start, zone)

    def _walk_by_key(
        self, project: str, start: datetime | None, zone: tzinfo
    ) -> Iterator[RemoteTicket]:
        """Server/Data Center: page after page in key order, each asking for the issues
        after the last key listed (`startAt` stays 0), as many calls as offset pages.

        Offset pages fail twice on a large or busy project: Data Center's search
        platform answers no page past its result window (10,000 issues by default:
        HTTP 500), so a bigger project could never be listed whole; and in a listing
        ordered by `updated`, an issue edited between two pages moves to the end and
        every later one moves up a place, so one is skipped. An edit doesn't change a
        key. If the last key listed was deleted meanwhile, Jira refuses to compare with
        it: the walk goes on from the one before it. A page that doesn't move the walk
        forward (keys not after the last one) is an error, never an endless loop.
        """
        after: str | None = None
        behind: list[str] = []  # the last page's keys, the cursor and its fallbacks
        while True:
            query = jql.updated_since_after_key(project, start, after, zone)
            try:
                page = self._call("search", partial(self._search_page, query, None, 0))
            except ConnectorError as error:
                if after is None or error.status != 400 or not _keys_named(error, [after]):
                    raise
                behind.pop()
                if not behind:
                    raise
                log.info("Jira issue %s is gone; listing on from %s", after, behind[-1])
                after = behind[-1]
                continue
            issues = page.get("issues") or []
            keys = [str(raw.get("key")) for raw in issues]
            if not _moves_on(after, keys):
                raise ConnectorError(
                    f"Jira listed {project} out of key order (after {after}: "
                    f"{', '.join(keys[:1] + keys[-1:])}): the listing can't be followed",
                )
            for raw in issues:
                yield self._ticket(raw)
            if not issues or len(issues) >= int(page.get("total") or 0):
                return
            after, behind = keys[-1], keys

    def _jql_zone(self) -> tzinfo:
        """The zone Jira reads JQL date literals in: the API account's profile time zone
        (`GET /myself` → `timeZone`), looked up once per connector (one run); the
        `time_zone` setting overrides it. Writing UTC for an account west of UTC would
        start the window hours late and lose those edits for good. When the zone can't
        be learnt, times are written as UTC−12 wall times: read in any zone they mean
        the same instant or earlier — a wider window, never a missed edit."""
        if self.time_zone is None:
            try:
                me = self._myself("read the account's time zone")
            except ConnectorError as error:
                if error.status == 401:
                    raise
                log.warning("Jira account time zone unknown (%s); reading a wider window", error)
                self.time_zone = EARLIEST_READING
                return self.time_zone
            name = str(me.get("timeZone") or "")
            try:
                self.time_zone = ZoneInfo(name) if name else EARLIEST_READING
            except (ZoneInfoNotFoundError, ValueError):
                log.warning("Jira account time zone %r unknown here; reading a wider window", name)
                self.time_zone = EARLIEST_READING
        return self.time_zone

    def find_by_identity(
        self, target: Target, identities: Sequence[str]
    ) -> dict[str, RemoteTicket]:
        """`labels in ("tracker-a", ...)`: one search per 100 identities, any project (a
        moved ticket is still the same ticket)."""
        wanted = list(dict.fromkeys(identities))
        found: dict[str, RemoteTicket] = {}
        for start in range(0, len(wanted), PAGE_SIZE):
            labels = [identity_label(identity) for identity in wanted[start : start + PAGE_SIZE]]
            for ticket in self._search(jql.in_list("labels", labels)):
                if ticket.identity in wanted and ticket.identity not in found:
                    found[ticket.identity] = ticket
        return found

    def _search(self, query: str) -> Iterator[RemoteTicket]:
        """Every issue matching `query`, page by page (nextPageToken on Cloud, startAt on
        Server), each page one request with only the fields we map."""
        token: str | None = None
        start_at = 0
        while True:
            page = self._call("search", partial(self._search_page, query, token, start_at))
            issues = page.get("issues") or []
            for raw in issues:
                yield self._ticket(raw)
            if self.cloud:
                token = page.get("nextPageToken")
                if not token or page.get("isLast"):
                    return
            else:
                start_at += len(issues)
                if not issues or start_at >= int(page.get("total") or 0):
                    return

    def _search_page(self, query: str, token: str | None, start_at: int) -> dict[str, Any]:
        if self.cloud:
            page = self._client.enhanced_search_issues(
                query,
                nextPageToken=token,
                maxResults=SEARCH_PAGE,
                fields=list(SEARCH_FIELDS),
                json_result=True,
            )
            assert isinstance(page, dict)
            return page
        return self._client.search_issues(
            query,
            startAt=start_at,
            maxResults=SEARCH_PAGE,
            fields=list(SEARCH_FIELDS),
            json_result=True,
        )

    def _ticket(self, raw: Mapping[str, Any]) -> RemoteTicket:
        return ticket_from_issue(
            raw,
            server=self.url,
            cloud=self.cloud,
            priorities=self.priorities,
            wont_do_resolutions=self.wont_do_resolutions,
        )

    # ----- errors and retries -----------------------------------------------------------

    def _translate_errors(self, what: str, operation: Callable[[], T]) -> T:
        """Run one client call, turning its exceptions into sanitised ConnectorErrors.

        The client's own exception text embeds request headers (Basic auth), so it is
        never surfaced or chained; only status, Jira's error text and our message are.
        """
        try:
            return operation()
        except JIRAError as error:
            raise self._translate(what, error) from None
        except requests.exceptions.ConnectTimeout:
            raise ConnectorError(
                f"Jira {what}: could not connect to {self.url} (timed out)",
                transient=True,
                unprocessed=True,
            ) from None
        except requests.exceptions.Timeout:
            raise ConnectorError(
                f"Jira {what}: no answer from {self.url} in time", transient=True
            ) from None
        except requests.exceptions.ConnectionError as error:
            unprocessed = "refused" in str(error).lower()
            raise ConnectorError(
                f"Jira {what}: connection to {self.url} failed"
                + (" (refused)" if unprocessed else " (dropped)"),
                transient=True,
                unprocessed=unprocessed,
                hint="check `url` in [connectors.jira] and that the host is reachable",
            ) from None
        except requests.exceptions.RequestException as error:
            raise ConnectorError(f"Jira {what}: {type(error).__name__}") from None

    def _translate(self, what: str, error: JIRAError) -> ConnectorError:
        status = error.status_code
        detail = self._redact(str(error.text or "").strip())[:300]
        retry_after = _retry_after(error.response)
        message = f"Jira {what} failed: HTTP {status}" + (f": {detail}" if detail else "")
        if status == 401:
            return ConnectorError(
                f"Jira rejected the credentials for {self.url} (HTTP 401)",
                status=401,
                hint="check the token environment variable"
                + (" and `email`" if self.cloud else "")
                + " in [connectors.jira]",
                exit_code=2,
            )
        if status == 403:
            return ConnectorError(message, status=403, hint="the Jira user lacks a permission")
        if status == 429:
            if retry_after is not None:
                return RateLimited(message, retry_after=retry_after, status=429)
            return ConnectorError(message, status=429, transient=True, unprocessed=True)
        if status is not None and status >= 500:
            return ConnectorError(
                message,
                status=status,
                transient=True,
                unprocessed=status == 503 and retry_after is not None,
                retry_after=retry_after,
            )
        if status is not None and 400 <= status < 500:
            return JiraRefusal(message, status=status, texts=self._error_texts(error))
        return ConnectorError(message, status=status)

    def _error_texts(self, error: JIRAError) -> tuple[str, ...]:
        """Every errorMessages / errors text of Jira's body, whole and redacted."""
        try:
            body = error.response.json() if error.response is not None else {}
        except ValueError:
            body = {}
        if not isinstance(body, Mapping):
            return (self._redact(str(error.text or "")),)
        texts = [str(t) for t in body.get("errorMessages") or ()]
        errors = body.get("errors")
        if isinstance(errors, Mapping):
            texts += [str(t) for t in errors.values()]
        return tuple(self._redact(t) for t in texts)


class JiraRefusal(ConnectorError):
    """A 4xx from Jira with its error texts kept whole (`message` is cut to 300
    characters), so callers can look for the values Jira names in them."""

    def __init__(self, message: str, *, status: int, texts: tuple[str, ...]) -> None:
        super().__init__(message, status=status)
        self.texts = texts


def _keys_named(error: ConnectorError, keys: Sequence[str]) -> set[str]:
    """The requested keys an error text names. Jira words the "issue does not exist"
    error in the account's profile language (English, German, French, …) but always
    quotes the key itself, so the key — not the words — is what is matched."""
    texts = error.texts if isinstance(error, JiraRefusal) else (error.message,)
    joined = "\n".join(texts)
    return {
        key for key in keys if re.search(rf"(?<![A-Za-z0-9_-]){re.escape(key)}(?![0-9])", joined)
    }


def _retry_after(response: requests.Response | None) -> float | None:
    if response is None:
        return None
    value = response.headers.get("Retry-After")
    try:
        return max(0.0, float(value)) if value is not None else None
    except ValueError:
        return None


def _zone_setting(value: object) -> tzinfo | None:
    """`time_zone` in [connectors.jira]: an override of the account's profile zone."""
    if value is None or value == "":
        return None
    try:
        return ZoneInfo(str(value))
    except (ZoneInfoNotFoundError, ValueError):
        raise ConfigError(f"jira: unknown `time_zone` {value!r} (an IANA name)") from None


def _key_number(key: str) -> int:
    return int(key.rsplit("-", 1)[1])


def _moves_on(after: str | None, keys: Sequence[str]) -> bool:
    """Whether a page of a walk by key (`keys`, after key `after`) holds issue keys,
    the first and last beyond `after`: each page then moves the walk forward."""
    if not all(jql.ISSUE_KEY.match(key) for key in keys):
        return False
    if after is None or not keys:
        return True
    bound = _key_number(after)
    return _key_number(keys[0]) > bound and _key_number(keys[-1]) > bound


def _floor_of(hint: Mapping[str, object] | None) -> int | None:
    value = (hint or {}).get("floor")
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def _without_assignee(draft: TicketDraft) -> TicketDraft:
    return replace(draft, assignee=None)


def _stub(key: str, server: str, identity: str) -> RemoteTicket:
    """Only if the read-back search missed a just-created issue (eventual consistency)."""
    return RemoteTicket(
        ref=TicketRef("jira", key, f"{server}/browse/{key}"),
        identity=identity,
        status=Status.OPEN,
        remote_status="",
        summary="",
        assignee=None,
        due=None,
        priority=None,
        labels=(),
        updated_at=datetime.now(UTC),
    )


def _canonical_url(url: str) -> str:
    """Scheme and host lower-cased, no trailing slash: one server, one spelling."""
    parts = urlsplit(url.strip().rstrip("/"))
    return f"{parts.scheme.lower()}://{parts.netloc.lower()}{parts.path}"
