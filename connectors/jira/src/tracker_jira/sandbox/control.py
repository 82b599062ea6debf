"""The Jira sandbox's people and knobs: what a person does in Jira's web UI (move a
ticket, assign, edit, comment, delete, move to another project, file one by hand), as
Python methods on `JiraSandbox` and over HTTP under `/_sandbox/jira/...`, plus plain-dict
views of the issues for assertions. Changes go through the same field rules as the REST
API, count in no request log, and act as alice unless `by` names someone else.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable
from dataclasses import asdict
from typing import Any
from zoneinfo import ZoneInfo

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from tracker_sandbox.core import SandboxError, control_body

from tracker_jira.sandbox.fields import JiraFieldRules
from tracker_jira.sandbox.state import (
    ISSUE_TYPE_BY_ID,
    PRIORITY_BY_ID,
    RESOLUTION_BY_ID,
    RESOLUTION_BY_NAME,
    STATUS_BY_ID,
    STATUS_BY_NAME,
    STATUSES,
    Issue,
    JiraState,
    Workflow,
)


class JiraControl:
    """Mixin for `JiraSandbox`: the attributes below are the sandbox's."""

    state: JiraState
    lock: threading.RLock
    rules: JiraFieldRules
    search_lag_seconds: float
    workflow: Workflow

    def _now(self) -> str:
        raise NotImplementedError

    # ----- people working (Python control API) ----------------------------------------------------

    def _person(self, by: str | None) -> str:
        """The account id of the person acting in the control API (default: alice)."""
        if by is None:
            return self.state.users[1].account_id
        user = self.state.user_by_account(by) or self.state.user_by_name(by)
        if user is None:
            raise KeyError(f"no such user: {by}")
        return user.account_id

    def _control_issue(self, key: str) -> Issue:
        issue = self.state.issue(key)
        if issue is None:
            raise KeyError(f"no such issue: {key}")
        return issue

    def set_status(
        self, key: str, status: str, resolution: str | None = None, *, by: str | None = None
    ) -> None:
        """Move an issue to `status` ("To Do" / "In Progress" / "Done") as a person would."""
        target = STATUS_BY_NAME.get(status.lower())
        if target is None:
            raise ValueError(
                f"unknown status {status!r}; expected one of {[s.name for s in STATUSES]}"
            )
        resolution_id = None
        if resolution is not None:
            found = RESOLUTION_BY_NAME.get(resolution.lower())
            if found is None:
                raise ValueError(f"unknown resolution {resolution!r}")
            if target.category != "done":
                raise ValueError("a resolution only goes with a done status")
            resolution_id = found[0]
        with self.lock:
            issue = self._control_issue(key)
            if issue.status == target.id and (resolution_id in (None, issue.resolution)):
                return
            self.state.transition(self._now(), issue, target.id, resolution_id, self._person(by))

    def set_assignee(self, key: str, user: str | None, *, by: str | None = None) -> None:
        """Assign to a user (accountId, username or e-mail; None = unassign)."""
        with self.lock:
            issue = self._control_issue(key)
            account = None
            if user is not None:
                found = self.state.user_by_account(user) or self.state.user_by_name(user)
                if found is None:
                    raise KeyError(f"no such user: {user}")
                account = found.account_id
            self.state.apply(self._now(), issue, {"assignee": account}, self._person(by))

    def edit_issue(self, key: str, fields: dict[str, Any], *, by: str | None = None) -> None:
        """Edit fields with the same rules as PUT /issue (ValueError with Jira's messages)."""
        errors: dict[str, str] = {}
        with self.lock:
            issue = self._control_issue(key)
            values = self.rules.validate_fields(fields, creating=False, errors=errors)
            if errors:
                raise ValueError(json.dumps(errors))
            self.state.apply(self._now(), issue, values, self._person(by))

    def add_comment_as(self, key: str, body: str, *, by: str | None = None) -> None:
        with self.lock:
            self.state.add_comment(self._now(), self._control_issue(key), body, self._person(by))

    def add_issue(
        self,
        project: str,
        summary: str,
        *,
        number: int | None = None,
        fields: dict[str, Any] | None = None,
        by: str | None = None,
    ) -> str:
        """A ticket someone filed by hand (optionally with a chosen key number, e.g. a
        ticket a postmortem already names as ENG-1234). Returns its key."""
        errors: dict[str, str] = {}
        with self.lock:
            body = {
                "project": {"key": project},
                "issuetype": {"name": "Task"},
                "summary": summary,
                **(fields or {}),
            }
            values = self.rules.validate_fields(body, creating=True, errors=errors)
            if errors:
                raise ValueError(json.dumps(errors))
            target = self.state.projects[values["project"]]
            if number is not None:
                if f"{target.key}-{number}" in self.state.keys:
                    raise ValueError(f"{target.key}-{number} already exists")
                saved, target.next_number = target.next_number, number
            issue = self.state.create(self._now(), values, self._person(by))
            if number is not None:
                target.next_number = max(saved, number + 1)
            return issue.key

    def delete_issue(self, key: str) -> None:
        """Someone deletes the ticket: every later request for it gets 404."""
        with self.lock:
            self.state.delete(self._control_issue(key))

    def move_issue(self, key: str, project: str, *, by: str | None = None) -> str:
        """Move an issue to another project; it gets a new key and the old key keeps
        answering with the moved issue (as Jira does). Returns the new key."""
        with self.lock:
            issue = self._control_issue(key)
            target = self.state.project(project)
            if target is None:
                raise KeyError(f"no such project: {project}")
            if target.key == issue.project:
                return issue.key
            new_key = f"{target.key}-{target.next_number}"
            target.next_number += 1
            items: list[dict[str, Any]] = [
                {
                    "field": "Key",
                    "fieldtype": "jira",
                    "from": None,
                    "fromString": issue.key,
                    "to": None,
                    "toString": new_key,
                },
                {
                    "field": "project",
                    "fieldtype": "jira",
                    "fieldId": "project",
                    "from": self.state.projects[issue.project].id,
                    "fromString": self.state.projects[issue.project].name,
                    "to": target.id,
                    "toString": target.name,
                },
            ]
            issue.key = new_key
            issue.project = target.key
            self.state.keys[new_key] = issue.id
            self.state.record(self._now(), issue, items, self._person(by))
            return new_key

    def issue(self, key: str) -> dict[str, Any]:
        """One issue as a plain dict, for assertions."""
        with self.lock:
            return self._plain(self._control_issue(key))

    def issues(self) -> list[dict[str, Any]]:
        """All issues as plain dicts (creation order), for assertions."""
        with self.lock:
            return [
                self._plain(i) for i in sorted(self.state.issues.values(), key=lambda i: int(i.id))
            ]

    def _plain(self, issue: Issue) -> dict[str, Any]:
        status = STATUS_BY_ID[issue.status]
        return {
            "id": issue.id,
            "key": issue.key,
            "project": issue.project,
            "summary": issue.summary,
            "description": issue.description,
            "issuetype": ISSUE_TYPE_BY_ID[issue.issuetype][1],
            "status": status.name,
            "status_category": status.category,
            "resolution": RESOLUTION_BY_ID[issue.resolution][1] if issue.resolution else None,
            "priority": PRIORITY_BY_ID[issue.priority][1],
            "labels": list(issue.labels),
            "duedate": issue.duedate,
            "assignee": issue.assignee,
            "reporter": issue.reporter,
            "created": issue.created,
            "updated": issue.updated,
            "comments": [c.body for c in issue.comments],
            "properties": dict(issue.properties),
        }

    def user_account(self, name: str) -> str:
        """The accountId of a seeded user by username or e-mail (alice, bob, chen, tracker)."""
        user = self.state.user_by_name(name)
        if user is None:
            raise KeyError(f"no such user: {name}")
        return user.account_id

    def set_workflow(
        self,
        *,
        done_screen_resolution: bool | None = None,
        resolution_on_edit: bool | None = None,
        wont_do_status: bool | None = None,
    ) -> None:
        """Reconfigure the workflow and screens (see `Workflow`); None keeps a setting."""
        with self.lock:
            if done_screen_resolution is not None:
                self.workflow.done_screen_resolution = done_screen_resolution
            if resolution_on_edit is not None:
                self.workflow.resolution_on_edit = resolution_on_edit
            if wont_do_status is not None:
                self.workflow.wont_do_status = wont_do_status

    def set_profile(
        self, user: str = "tracker", *, time_zone: str | None = None, locale: str | None = None
    ) -> None:
        """An account's profile settings: the zone JQL date literals are read in and the
        language error messages come back in (default: the API account, `tracker`)."""
        with self.lock:
            account = self.state.user_by_account(user) or self.state.user_by_name(user)
            if account is None:
                raise KeyError(f"no such user: {user}")
            if time_zone is not None:
                ZoneInfo(time_zone)  # an unknown zone fails here, not in a later search
                account.time_zone = time_zone
            if locale is not None:
                account.locale = locale

    # ----- control plane (HTTP) ------------------------------------------------------------------

    async def _ctl_workflow(self, request: Request) -> Response:
        if request.method == "POST":
            body = await control_body(request)
            known = {"done_screen_resolution", "resolution_on_edit", "wont_do_status"}
            unknown = set(body) - known
            if unknown or not all(isinstance(v, bool) for v in body.values()):
                raise SandboxError(400, f"expected booleans for {sorted(known)}")
            self.set_workflow(**body)
        return JSONResponse(asdict(self.workflow))

    async def _ctl_profile(self, request: Request) -> Response:
        body = await control_body(request)
        user = str(body.get("user") or "tracker")
        zone, locale = body.get("time_zone"), body.get("locale")
        return _control(
            lambda: self.set_profile(
                user,
                time_zone=str(zone) if zone is not None else None,
                locale=str(locale) if locale is not None else None,
            )
        )

    async def _ctl_search_lag(self, request: Request) -> Response:
        if request.method == "POST":
            seconds = (await control_body(request)).get("seconds")
            if not isinstance(seconds, int | float) or isinstance(seconds, bool) or seconds < 0:
                raise SandboxError(400, "expected {'seconds': number >= 0}")
            self.search_lag_seconds = float(seconds)
        return JSONResponse({"seconds": self.search_lag_seconds})

    async def _ctl_issues(self, request: Request) -> Response:
        if request.method == "POST":
            body = await control_body(request)
            created: list[str] = []
            response = _control(
                lambda: created.append(
                    self.add_issue(
                        str(body.get("project", "")),
                        str(body.get("summary", "")),
                        number=body.get("number"),
                        fields=body.get("fields"),
                        by=body.get("by"),
                    )
                )
            )
            return JSONResponse({"key": created[0]}, status_code=201) if created else response
        return JSONResponse(self.issues())

    async def _ctl_delete(self, request: Request) -> Response:
        return _control(lambda: self.delete_issue(request.path_params["key"]), status=204)

    async def _ctl_transition(self, request: Request) -> Response:
        body = await control_body(request)
        return _control(
            lambda: self.set_status(
                request.path_params["key"],
                str(body.get("status", "")),
                body.get("resolution"),
                by=body.get("by"),
            )
        )

    async def _ctl_assignee(self, request: Request) -> Response:
        body = await control_body(request)
        user = body.get("accountId", body.get("name"))
        return _control(
            lambda: self.set_assignee(request.path_params["key"], user, by=body.get("by"))
        )

    async def _ctl_edit(self, request: Request) -> Response:
        body = await control_body(request)
        return _control(
            lambda: self.edit_issue(
                request.path_params["key"], body.get("fields") or {}, by=body.get("by")
            )
        )

    async def _ctl_move(self, request: Request) -> Response:
        body = await control_body(request)
        moved: list[str] = []
        response = _control(
            lambda: moved.append(
                self.move_issue(
                    request.path_params["key"], str(body.get("project", "")), by=body.get("by")
                )
            )
        )
        return JSONResponse({"key": moved[0]}) if moved else response


def _control(action: Callable[[], object], *, status: int = 200) -> Response:
    try:
        action()
    except KeyError as error:
        return JSONResponse({"error": str(error.args[0])}, status_code=404)
    except ValueError as error:
        return JSONResponse({"error": str(error)}, status_code=400)
    if status == 204:
        return Response(status_code=204)
    return JSONResponse({"ok": True}, status_code=status)
