"""Merge requests for `tracker sync --pull-request`: one open merge request per branch.

The branch is already pushed (tracker.sync.proposal does the git side). Here: look for
the open merge request from `branch` into `base` in the project; edit its title and
description when they changed, else open one. Opening is a content creation, so it goes
through the connector's pacer like an issue; an edit does not count as one. An open
that fails with 409 "Another open merge request already exists for this source branch"
(an earlier attempt whose answer was lost, or one opened by hand meanwhile) is settled
by finding that merge request and editing it: there is never a second one.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from tracker.connectors import ChangeRequest, ConnectorError

if TYPE_CHECKING:
    from tracker_gitlab.connector import GitLabConnector


def open_merge_request(
    connector: GitLabConnector, path: str, branch: str, base: str, title: str, body: str
) -> ChangeRequest:
    """Open the merge request for `branch` into `base` in project `path`, or update the
    open one."""
    found = _open_for(connector, path, branch, base)
    if found is not None:
        return _update(connector, path, found, title, body)
    project = connector._project(path)
    what = f"open a merge request in {path}"
    payload = {"source_branch": branch, "target_branch": base, "title": title, "description": body}
    try:
        created: dict[str, Any] = connector._call(
            what,
            lambda: connector._paced(
                what, lambda: dict(project.mergerequests.create(payload).attributes)
            ),
            idempotent=False,
        )
    except ConnectorError as error:
        if error.status != 409 or "already exists" not in error.message:
            raise
        found = _open_for(connector, path, branch, base)
        if found is None:
            raise
        return _update(connector, path, found, title, body)
    return _request(created, "opened")


def _open_for(
    connector: GitLabConnector, path: str, branch: str, base: str
) -> dict[str, Any] | None:
    project = connector._project(path)
    listed = connector._call(
        f"list merge requests in {path}",
        lambda: [
            dict(merge.attributes)
            for merge in project.mergerequests.list(
                state="opened", source_branch=branch, target_branch=base, get_all=True
            )
        ],
    )
    return listed[0] if listed else None


def _update(
    connector: GitLabConnector, path: str, merge: dict[str, Any], title: str, body: str
) -> ChangeRequest:
    if merge.get("title") == title and (merge.get("description") or "") == body:
        return _request(merge, "unchanged")
    iid = int(merge["iid"])
    what = f"update merge request !{iid} in {path}"
    project = connector._project(path)
    updated: dict[str, Any] = connector._call(
        what,
        lambda: connector._paced(
            what,
            lambda: dict(project.mergerequests.update(iid, {"title": title, "description": body})),
            creation=False,
        ),
    )
    return _request({**merge, **updated}, "updated")


def _request(merge: dict[str, Any], action: str) -> ChangeRequest:
    iid = int(merge["iid"])
    return ChangeRequest(iid, str(merge.get("web_url") or ""), action, f"merge request !{iid}")
