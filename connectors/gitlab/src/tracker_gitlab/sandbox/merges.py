"""The GitLab sandbox's merge requests, and the git repositories their branches live in.

A test gives a sandbox project a real git repository to stand for its branches
(`set_git_remote("acme/docs", path)`, usually a bare repository the test pushes to, or
`POST /_sandbox/gitlab/git` with `{"project": "acme/docs", "path": ...}`). The merge
requests API then answers as GitLab's REST v4 does (docs.gitlab.com/api/merge_requests):

- `GET /projects/:id/merge_requests` with `state` (opened, closed, merged, locked,
  all), `source_branch`, `target_branch`, `order_by`/`sort` and offset pagination;
- `POST /projects/:id/merge_requests` (`source_branch`, `target_branch`, `title`
  required: Grape's 400 "… is missing"): a branch that is not in the repository →
  400 `{"message": {"base": ["Source branch \\"x\\" does not exist"]}}`; the same
  branch as source and target → 422; an open merge request for the same source and
  target already → 409 `{"message": ["Another open merge request already exists for
  this source branch: !3"]}`;
- `GET` / `PUT /projects/:id/merge_requests/:iid` (title, description, target_branch,
  `state_event` close / reopen).

Merge requests have their own `iid`s per project (`!1`), apart from issues (`#1`).
`sha` is the source branch's tip at the time of the request. Saved with the rest of
the state (`state_file`).
"""

from __future__ import annotations

import subprocess
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route
from tracker_sandbox.core import SandboxError, control_body

from tracker_gitlab.sandbox.state import (
    MAX_DESCRIPTION,
    MAX_TITLE,
    GitLabError,
    GitLabState,
    MergeRequest,
    Project,
    Renderer,
    not_found,
    stamp,
)

if TYPE_CHECKING:
    from tracker_gitlab.sandbox.server import Call, GitLabSandbox, Reply

_STATES = ("opened", "closed", "merged", "locked", "all")
_EDITABLE = ("title", "description", "target_branch", "state_event")


class SandboxMergeRequests:
    """The merge request routes; handlers run under the sandbox's lock."""

    def __init__(self, sandbox: GitLabSandbox) -> None:
        self.sandbox = sandbox

    @property
    def state(self) -> GitLabState:
        return self.sandbox.state

    # ----- control plane --------------------------------------------------------------

    def set_git_remote(self, project: str, path: Path | str) -> None:
        """The git repository whose branches stand for `project`'s (a test's bare remote)."""
        with self.sandbox.lock:
            self.state.git_dirs[self.state.project(project).id] = str(path)

    def merge_requests(self, project: str, *, state: str = "all") -> list[dict[str, Any]]:
        """Every merge request of a project as the API renders it, oldest first."""
        with self.sandbox.lock:
            found = self.state.project(project)
            render = Renderer(self.state, self.sandbox.base_url)
            return [
                self.payload(render, found, merge)
                for merge in self._of(found)
                if state in ("all", merge.state)
            ]

    def control_routes(self) -> list[BaseRoute]:
        return [Route("/_sandbox/gitlab/git", self._ctl_git, methods=["POST"])]

    async def _ctl_git(self, request: Request) -> Response:
        body = await control_body(request)
        project, path = body.get("project"), body.get("path")
        if not isinstance(project, str) or not isinstance(path, str) or not path:
            raise SandboxError(400, "expected {'project': 'group/name', 'path': '/repo.git'}")
        try:
            self.set_git_remote(project, path)
        except GitLabError as error:
            raise SandboxError(404, f"no project {project!r} in the sandbox") from error
        return JSONResponse({"project": project, "path": path})

    # ----- REST -----------------------------------------------------------------------

    def routes(self, route: Callable[[str, str, Callable[[Call], Reply]], Route]) -> list[Route]:
        merges = "/projects/{project}/merge_requests"
        return [
            route(merges, "GET", self._list),
            route(merges, "POST", self._create),
            route(merges + "/{iid}", "GET", self._get),
            route(merges + "/{iid}", "PUT", self._edit),
        ]

    def _list(self, call: Call) -> Reply:
        project = call.project(self.state)
        state = call.query("state") or "all"
        if state not in _STATES:
            raise GitLabError(400, "state does not have a valid value", key="error")
        source, target = call.query("source_branch"), call.query("target_branch")
        found = [
            merge
            for merge in self._of(project)
            if state in ("all", merge.state)
            and (source is None or merge.source_branch == source)
            and (target is None or merge.target_branch == target)
        ]
        order = call.query("order_by") or "created_at"
        if order not in ("created_at", "updated_at", "title"):
            raise GitLabError(400, "order_by does not have a valid value", key="error")
        descending = (call.query("sort") or "desc") == "desc"
        found.sort(key=lambda m: (str(getattr(m, order)), m.id), reverse=descending)
        return self.sandbox.page(call, found, lambda m: self.payload(call.render, project, m))

    def _create(self, call: Call) -> Reply:
        from tracker_gitlab.sandbox.server import Reply

        project = call.project(self.state)
        missing = [k for k in ("source_branch", "target_branch", "title") if not call.body.get(k)]
        if missing:
            raise GitLabError(400, ", ".join(f"{k} is missing" for k in missing), key="error")
        source, target = str(call.body["source_branch"]), str(call.body["target_branch"])
        title = _title(call.body["title"])
        description = _description(call.body.get("description"))
        if source == target:
            raise GitLabError(422, ["You can't use same project/branch for source and target"])
        for name, branch in (("Source", source), ("Target", target)):
            if self._tip(project, branch) is None:
                raise GitLabError(400, {"base": [f'{name} branch "{branch}" does not exist']})
        self._refuse_duplicate(project, source, target, None)
        now = stamp(self.sandbox.clock.now())
        iid = self.state.next_mr_iid.get(project.id, 1)
        self.state.next_mr_iid[project.id] = iid + 1
        merge = MergeRequest(
            id=self.state.next_mr_id,
            iid=iid,
            project_id=project.id,
            title=title,
            description=description,
            source_branch=source,
            target_branch=target,
            author_id=self.sandbox.bot.id,
            created_at=now,
            updated_at=now,
        )
        self.state.next_mr_id += 1
        self.state.merge_requests[merge.id] = merge
        return Reply(self.payload(call.render, project, merge), 201)

    def _get(self, call: Call) -> Reply:
        from tracker_gitlab.sandbox.server import Reply

        project = call.project(self.state)
        return Reply(self.payload(call.render, project, self._one(project, call.iid())))

    def _edit(self, call: Call) -> Reply:
        from tracker_gitlab.sandbox.server import Reply

        project = call.project(self.state)
        merge = self._one(project, call.iid())
        body = call.body
        if not any(key in body for key in _EDITABLE):
            raise GitLabError(
                400,
                ", ".join(_EDITABLE) + " are missing, at least one parameter must be provided",
                key="error",
            )
        before = (merge.title, merge.description, merge.target_branch, merge.state)
        if "title" in body:
            merge.title = _title(body["title"])
        if "description" in body:
            merge.description = _description(body["description"])
        if "target_branch" in body:
            target = str(body["target_branch"] or "")
            if self._tip(project, target) is None:
                raise GitLabError(400, {"base": [f'Target branch "{target}" does not exist']})
            merge.target_branch = target
        event = body.get("state_event")
        if event is not None and event not in ("close", "reopen"):
            raise GitLabError(400, "state_event does not have a valid value", key="error")
        now = self.sandbox.clock.now()
        if event == "close" and merge.state == "opened":
            merge.state, merge.closed_at = "closed", stamp(now)
        elif event == "reopen" and merge.state == "closed":
            self._refuse_duplicate(project, merge.source_branch, merge.target_branch, merge.id)
            merge.state, merge.closed_at = "opened", None
        if (merge.title, merge.description, merge.target_branch, merge.state) != before:
            merge.updated_at = stamp(now)
        return Reply(self.payload(call.render, project, merge))

    # ----- records and git --------------------------------------------------------------

    def _of(self, project: Project) -> list[MergeRequest]:
        found = [m for m in self.state.merge_requests.values() if m.project_id == project.id]
        return sorted(found, key=lambda m: m.iid)

    def _one(self, project: Project, iid: int) -> MergeRequest:
        for merge in self._of(project):
            if merge.iid == iid:
                return merge
        raise not_found()

    def _refuse_duplicate(
        self, project: Project, source: str, target: str, itself: int | None
    ) -> None:
        for other in self._of(project):
            if (
                other.state == "opened"
                and other.id != itself
                and (other.source_branch, other.target_branch) == (source, target)
            ):
                raise GitLabError(
                    409,
                    [f"Another open merge request already exists for this source branch: "
                     f"!{other.iid}"],
                )  # fmt: skip

    def _git(self, project: Project, *args: str) -> str | None:
        folder = self.state.git_dirs.get(project.id)
        if folder is None:
            return None
        done = subprocess.run(
            ["git", "--git-dir", folder, *args],
            capture_output=True,
            text=True,
            check=False,
            timeout=30,
        )
        return done.stdout.strip() if done.returncode == 0 else None

    def _tip(self, project: Project, branch: str) -> str | None:
        """The commit the branch points at, None when there is no such branch."""
        return self._git(
            project, "rev-parse", "--verify", "--quiet", f"refs/heads/{branch}^{{commit}}"
        )

    def payload(self, render: Renderer, project: Project, merge: MergeRequest) -> dict[str, Any]:
        """A merge request as GitLab renders it (the fields of a single merge request)."""
        author = render.user(merge.author_id)
        path = project.path_with_namespace
        head = self._tip(project, merge.source_branch)
        base = self._tip(project, merge.target_branch)
        return {
            "id": merge.id,
            "iid": merge.iid,
            "project_id": project.id,
            "title": merge.title,
            "description": merge.description,
            "state": merge.state,
            "created_at": merge.created_at,
            "updated_at": merge.updated_at,
            "merged_by": None,
            "merge_user": None,
            "merged_at": None,
            "closed_by": author if merge.state == "closed" else None,
            "closed_at": merge.closed_at,
            "target_branch": merge.target_branch,
            "source_branch": merge.source_branch,
            "user_notes_count": 0,
            "upvotes": 0,
            "downvotes": 0,
            "author": author,
            "assignees": [],
            "assignee": None,
            "reviewers": [],
            "source_project_id": project.id,
            "target_project_id": project.id,
            "labels": [],
            "draft": False,
            "work_in_progress": False,
            "milestone": None,
            "merge_when_pipeline_succeeds": False,
            "merge_status": "can_be_merged",
            "detailed_merge_status": "mergeable" if merge.state == "opened" else "not_open",
            "sha": head,
            "merge_commit_sha": None,
            "squash_commit_sha": None,
            "discussion_locked": None,
            "should_remove_source_branch": None,
            "force_remove_source_branch": False,
            "reference": f"!{merge.iid}",
            "references": {
                "short": f"!{merge.iid}",
                "relative": f"!{merge.iid}",
                "full": f"{path}!{merge.iid}",
            },
            "web_url": f"{render.base}/{path}/-/merge_requests/{merge.iid}",
            "time_stats": {
                "time_estimate": 0,
                "total_time_spent": 0,
                "human_time_estimate": None,
                "human_total_time_spent": None,
            },
            "squash": False,
            "task_completion_status": {"count": 0, "completed_count": 0},
            "has_conflicts": False,
            "blocking_discussions_resolved": True,
            "subscribed": True,
            "changes_count": self._changes(project, merge),
            "diff_refs": {"base_sha": base, "head_sha": head, "start_sha": base},
        }

    def _changes(self, project: Project, merge: MergeRequest) -> str:
        names = self._git(
            project,
            "diff",
            "--name-only",
            f"refs/heads/{merge.target_branch}...refs/heads/{merge.source_branch}",
        )
        return str(len(names.splitlines())) if names else "0"


def _title(value: Any) -> str:
    title = str(value or "")
    if not title.strip():
        raise GitLabError(400, {"title": ["can't be blank"]})
    if len(title) > MAX_TITLE:
        raise GitLabError(400, {"title": [f"is too long (maximum is {MAX_TITLE} characters)"]})
    return title


def _description(value: Any) -> str:
    text = str(value or "")
    if len(text) > MAX_DESCRIPTION:
        raise GitLabError(
            400, {"description": [f"is too long (maximum is {MAX_DESCRIPTION} characters)"]}
        )
    return text
