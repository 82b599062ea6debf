"""The GitHub sandbox's pull requests, and the git repositories their branches live in.

A test gives a sandbox repository a real git repository to stand for its branches
(`set_git_remote("acme/docs", path)`, usually a bare repository the test pushes to, or
`POST /_sandbox/github/repos/{owner}/{repo}/git` with `{"path": ...}`). The pulls API
then answers as GitHub does: `head` and `base` must be branches there (422 `invalid`
otherwise), one open pull request per head branch (422 "A pull request already exists
for owner:branch."), none without commits between them, and `head.sha` / `base.sha`
are the branches' tips at the time of the request. A pull request takes the next issue
number and shows in issue listings with the `pull_request` key, as on GitHub.

Pull requests and the git repositories' paths are saved with the rest of the state
(`state_file`, key "pulls").
"""

from __future__ import annotations

import subprocess
from collections.abc import Callable
from dataclasses import asdict, dataclass
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route
from tracker_sandbox.core import SandboxError, control_body

from tracker_github.sandbox.input import (
    MAX_BODY,
    optional_str,
    parse_json_object,
    query_choice,
    too_long,
)
from tracker_github.sandbox.payloads import JSON_TYPE, PayloadBuilder, dumps, iso, node_id
from tracker_github.sandbox.state import (
    GitHubError,
    GitHubState,
    IssueRecord,
    RepoRecord,
    not_found,
    validation_failed,
)

if TYPE_CHECKING:
    from tracker_github.sandbox.server import Call, Reply

DOCS = "https://docs.github.com/rest/pulls/pulls"
RouteMaker = Callable[..., Route]


@dataclass
class PullRecord:
    """What a pull request has beyond its issue: the branches it joins."""

    number: int
    head: str  # branch name in the repository itself (no forks in the sandbox)
    base: str
    draft: bool = False
    maintainer_can_modify: bool = False
    merged: bool = False


class SandboxPulls:
    """Pull requests per repository; REST handlers run under the sandbox's locks."""

    def __init__(self, state: GitHubState, now: Callable[[], datetime]) -> None:
        self.state = state
        self.now = now
        self.git_dirs: dict[str, Path] = {}  # repo full name (lower case) → git directory
        self.pulls: dict[tuple[str, int], PullRecord] = {}

    def reset(self) -> None:
        self.git_dirs.clear()
        self.pulls.clear()

    def dump(self) -> dict[str, Any]:
        """The state file's "pulls" section."""
        with self.state.lock:
            return {
                "git_dirs": {name: str(path) for name, path in self.git_dirs.items()},
                "pulls": [{"repo": name, **asdict(pull)} for (name, _), pull in self.pulls.items()],
            }

    def load(self, data: dict[str, Any]) -> None:
        with self.state.lock:
            self.git_dirs = {name: Path(path) for name, path in data.get("git_dirs", {}).items()}
            self.pulls = {}
            for raw in data.get("pulls", []):
                fields = {key: value for key, value in raw.items() if key != "repo"}
                self.pulls[(str(raw["repo"]), int(raw["number"]))] = PullRecord(**fields)

    # ----- control plane --------------------------------------------------------------

    def set_git_remote(self, repo: str, path: Path | str) -> None:
        """The git repository whose branches stand for `repo`'s (a test's bare remote)."""
        owner, _, name = repo.partition("/")
        with self.state.lock:
            self.state.repo(owner, name)  # a repository the sandbox serves
            self.git_dirs[repo.lower()] = Path(path)

    def pull_requests(self, repo: str, *, state: str = "all") -> list[dict[str, Any]]:
        """Number, state, head, base, title and body of each pull request, oldest first."""
        owner, _, name = repo.partition("/")
        with self.state.lock:
            record = self.state.repo(owner, name)
            return [
                {
                    "number": pull.number,
                    "state": issue.state,
                    "head": pull.head,
                    "base": pull.base,
                    "title": issue.title,
                    "body": issue.body,
                }
                for pull, issue in self._pulls_of(record)
                if state in ("all", issue.state)
            ]

    def control_routes(self) -> list[BaseRoute]:
        base = "/_sandbox/github/repos/{owner}/{repo}"
        return [
            Route(base + "/git", self._ctl_git, methods=["POST"]),
            Route(base + "/pulls", self._ctl_pulls, methods=["GET"]),
        ]

    async def _ctl_git(self, request: Request) -> Response:
        repo = f"{request.path_params['owner']}/{request.path_params['repo']}"
        path = (await control_body(request)).get("path")
        if not isinstance(path, str) or not path:
            raise SandboxError(400, "expected {'path': '/path/to/repo.git'}")
        try:
            self.set_git_remote(repo, path)
        except GitHubError as error:
            raise SandboxError(404, f"no repository {repo!r} in the sandbox") from error
        return Response(dumps({"repository": repo, "path": path}), media_type=JSON_TYPE)

    async def _ctl_pulls(self, request: Request) -> Response:
        repo = f"{request.path_params['owner']}/{request.path_params['repo']}"
        try:
            listed = self.pull_requests(repo)
        except GitHubError as error:
            raise SandboxError(404, f"no repository {repo!r} in the sandbox") from error
        return Response(dumps(listed), media_type=JSON_TYPE)

    # ----- REST -----------------------------------------------------------------------

    def routes(self, route: RouteMaker, repo_of: Callable[[Call], RepoRecord]) -> list[Route]:
        """The pulls routes, built by the sandbox's `route` (limits, errors, ETags)."""
        from tracker_github.sandbox.server import Reply, _paginate

        self._reply = Reply
        self._paginate = _paginate
        self._repo_of = repo_of
        pulls = "/repos/{owner}/{repo}/pulls"
        return [
            route(pulls, "GET", self._list, f"{DOCS}#list-pull-requests"),
            route(pulls, "POST", self._create, f"{DOCS}#create-a-pull-request", creates=True),
            route(pulls + "/{number}", "GET", self._get, f"{DOCS}#get-a-pull-request"),
            route(pulls + "/{number}", "PATCH", self._edit, f"{DOCS}#update-a-pull-request"),
        ]

    def _list(self, call: Call) -> Reply:
        repo = self._repo_of(call)
        state = query_choice(call.query("state"), ("open", "closed", "all"), "open", "state")
        sort = query_choice(
            call.query("sort"),
            ("created", "updated", "popularity", "long-running"),
            "created",
            "sort",
        )
        direction = query_choice(call.query("direction"), ("asc", "desc"), "desc", "direction")
        head = call.query("head")
        base = call.query("base")
        selected = [
            (pull, issue)
            for pull, issue in self._pulls_of(repo)
            if (state == "all" or issue.state == state)
            and (head is None or _head_matches(head, repo, pull))
            and (base is None or pull.base == base)
        ]
        updated = sort == "updated"
        selected.sort(
            key=lambda p: (p[1].updated_at if updated else p[1].created_at, p[0].number),
            reverse=direction == "desc",
        )
        page, link = self._paginate(call, selected, f"{call.build.repo_url(repo)}/pulls")
        payload = [self._payload(call.build, repo, pull, issue) for pull, issue in page]
        return self._reply(payload, headers=link)

    def _create(self, call: Call) -> Reply:
        repo = self._repo_of(call)
        body = parse_json_object(call.body)
        title = optional_str(body, "title")
        text = optional_str(body, "body")
        too_long(text, "PullRequest", "body", MAX_BODY)
        head = _branch_of(body.get("head"), repo, "head")
        base = _branch_of(body.get("base"), repo, "base")
        head_sha = self._tip(repo, head)
        base_sha = self._tip(repo, base)
        if head_sha is None:
            raise _invalid("head")
        if base_sha is None:
            raise _invalid("base")
        if not title:
            raise validation_failed(
                {"resource": "PullRequest", "field": "title", "code": "missing_field"}
            )
        for pull, issue in self._pulls_of(repo):
            if issue.state == "open" and pull.head == head and pull.base == base:
                raise _custom(f"A pull request already exists for {repo.owner}:{head}.")
        if not self._commits_between(repo, base, head):
            raise _custom(f"No commits between {base} and {head}")
        issue = self.state.create_issue(
            repo, self.state.bot_login, self.now(), title=title, body=text
        )
        issue.pull_request = True
        pull = PullRecord(
            issue.number,
            head,
            base,
            draft=body.get("draft") is True,
            maintainer_can_modify=body.get("maintainer_can_modify") is True,
        )
        self.pulls[(repo.full_name.lower(), issue.number)] = pull
        url = f"{call.build.repo_url(repo)}/pulls/{issue.number}"
        payload = self._payload(call.build, repo, pull, issue, single=True)
        return self._reply(payload, 201, {"location": url})

    def _get(self, call: Call) -> Reply:
        repo = self._repo_of(call)
        pull, issue = self._pull(repo, call.number())
        return self._reply(self._payload(call.build, repo, pull, issue, single=True))

    def _edit(self, call: Call) -> Reply:
        repo = self._repo_of(call)
        pull, issue = self._pull(repo, call.number())
        body = parse_json_object(call.body)
        if "title" in body:
            title = optional_str(body, "title")
            if not title:
                raise validation_failed(
                    {"resource": "PullRequest", "field": "title", "code": "missing_field"}
                )
            issue.title = title
        if "body" in body:
            text = optional_str(body, "body")
            too_long(text, "PullRequest", "body", MAX_BODY)
            issue.body = text
        if "base" in body:
            base = _branch_of(body.get("base"), repo, "base")
            if self._tip(repo, base) is None:
                raise _invalid("base")
            pull.base = base
        if "state" in body:
            self._set_state(repo, pull, issue, body.get("state"))
        if "maintainer_can_modify" in body:
            pull.maintainer_can_modify = body.get("maintainer_can_modify") is True
        issue.updated_at = self.now()
        return self._reply(self._payload(call.build, repo, pull, issue, single=True))

    def _set_state(
        self, repo: RepoRecord, pull: PullRecord, issue: IssueRecord, state: Any
    ) -> None:
        if state not in ("open", "closed"):
            raise validation_failed(
                {"resource": "PullRequest", "field": "state", "code": "invalid", "value": state}
            )
        if state == issue.state:
            return
        if state == "open":
            for other, other_issue in self._pulls_of(repo):
                if (
                    other_issue.state == "open"
                    and other.head == pull.head
                    and other.base == pull.base
                ):
                    raise _custom(f"A pull request already exists for {repo.owner}:{pull.head}.")
            issue.state, issue.closed_at, issue.closed_by = "open", None, None
        else:
            issue.state, issue.closed_at = "closed", self.now()
            issue.closed_by = self.state.bot_login

    # ----- records and git --------------------------------------------------------------

    def _pulls_of(self, repo: RepoRecord) -> list[tuple[PullRecord, IssueRecord]]:
        key = repo.full_name.lower()
        found = []
        for (name, number), pull in sorted(self.pulls.items()):
            issue = repo.issues.get(number)
            if name == key and issue is not None:
                found.append((pull, issue))
        return found

    def _pull(self, repo: RepoRecord, number: int) -> tuple[PullRecord, IssueRecord]:
        pull = self.pulls.get((repo.full_name.lower(), number))
        issue = repo.issues.get(number)
        if pull is None or issue is None:
            raise not_found()
        return pull, issue

    def _git(self, repo: RepoRecord, *args: str) -> str | None:
        folder = self.git_dirs.get(repo.full_name.lower())
        if folder is None:
            return None
        done = subprocess.run(
            ["git", "--git-dir", str(folder), *args],
            capture_output=True,
            text=True,
            check=False,
            timeout=30,
        )
        return done.stdout.strip() if done.returncode == 0 else None

    def _tip(self, repo: RepoRecord, branch: str) -> str | None:
        """The commit the branch points at, None when there is no such branch."""
        return self._git(
            repo, "rev-parse", "--verify", "--quiet", f"refs/heads/{branch}^{{commit}}"
        )

    def _commits_between(self, repo: RepoRecord, base: str, head: str) -> int:
        count = self._git(repo, "rev-list", "--count", f"refs/heads/{base}..refs/heads/{head}")
        return int(count) if count and count.isdigit() else 0

    def _payload(
        self,
        build: PayloadBuilder,
        repo: RepoRecord,
        pull: PullRecord,
        issue: IssueRecord,
        *,
        single: bool = False,
    ) -> dict[str, Any]:
        """A pull request as GitHub renders it: listed, or whole (`single`, as returned by
        GET/POST/PATCH, with the merge and size fields)."""
        api = f"{build.repo_url(repo)}/pulls/{pull.number}"
        html = f"{build.web}/{repo.full_name}/pull/{pull.number}"
        issue_api = f"{build.repo_url(repo)}/issues/{pull.number}"
        head_sha = self._tip(repo, pull.head) or "0" * 40
        statuses = f"{build.repo_url(repo)}/statuses/{head_sha}"
        listed = build.issue(repo, issue)
        payload: dict[str, Any] = {
            "url": api,
            "id": issue.id,
            "node_id": node_id("PullRequest", issue.id),
            "html_url": html,
            "diff_url": f"{html}.diff",
            "patch_url": f"{html}.patch",
            "issue_url": issue_api,
            "commits_url": f"{api}/commits",
            "review_comments_url": f"{api}/comments",
            "review_comment_url": f"{build.repo_url(repo)}/pulls/comments{{/number}}",
            "comments_url": f"{issue_api}/comments",
            "statuses_url": statuses,
            "number": pull.number,
            "state": issue.state,
            "locked": issue.locked,
            "title": issue.title,
            "user": build.user(issue.user),
            "body": issue.body,
            "labels": listed["labels"],
            "milestone": listed["milestone"],
            "active_lock_reason": None,
            "created_at": iso(issue.created_at),
            "updated_at": iso(issue.updated_at),
            "closed_at": iso(issue.closed_at),
            "merged_at": None,
            "merge_commit_sha": None,
            "assignee": listed["assignee"],
            "assignees": listed["assignees"],
            "requested_reviewers": [],
            "requested_teams": [],
            "head": self._part(build, repo, pull.head, head_sha),
            "base": self._part(build, repo, pull.base, self._tip(repo, pull.base) or "0" * 40),
            "_links": {
                "self": {"href": api},
                "html": {"href": html},
                "issue": {"href": issue_api},
                "comments": {"href": f"{issue_api}/comments"},
                "review_comments": {"href": f"{api}/comments"},
                "review_comment": {"href": f"{build.repo_url(repo)}/pulls/comments{{/number}}"},
                "commits": {"href": f"{api}/commits"},
                "statuses": {"href": statuses},
            },
            "author_association": listed["author_association"],
            "auto_merge": None,
            "draft": pull.draft,
        }
        if single:
            open_ = issue.state == "open"
            payload.update(
                merged=pull.merged,
                mergeable=True if open_ else None,
                rebaseable=True if open_ else None,
                mergeable_state="clean" if open_ else "unknown",
                merged_by=None,
                comments=len(issue.comments),
                review_comments=0,
                maintainer_can_modify=pull.maintainer_can_modify,
                commits=self._commits_between(repo, pull.base, pull.head),
                additions=0,
                deletions=0,
                changed_files=self._changed_files(repo, pull),
            )
        return payload

    def _changed_files(self, repo: RepoRecord, pull: PullRecord) -> int:
        names = self._git(
            repo, "diff", "--name-only", f"refs/heads/{pull.base}...refs/heads/{pull.head}"
        )
        return len(names.splitlines()) if names else 0

    @staticmethod
    def _part(build: PayloadBuilder, repo: RepoRecord, branch: str, sha: str) -> dict[str, Any]:
        return {
            "label": f"{repo.owner}:{branch}",
            "ref": branch,
            "sha": sha,
            "user": build.user(repo.owner),
            "repo": build.repository(repo),
        }


def _branch_of(value: Any, repo: RepoRecord, field_name: str) -> str:
    """`branch` or `owner:branch` (the repository's own owner: no forks here)."""
    if not isinstance(value, str) or not value.strip():
        raise validation_failed(
            {"resource": "PullRequest", "field": field_name, "code": "missing_field"}
        )
    owner, sep, branch = value.strip().rpartition(":")
    if sep and owner.lower() != repo.owner.lower():
        raise _invalid(field_name)
    return branch


def _head_matches(head: str, repo: RepoRecord, pull: PullRecord) -> bool:
    """GitHub's `head` filter: `user:ref-name` (or just the user)."""
    owner, sep, branch = head.partition(":")
    if owner.lower() != repo.owner.lower():
        return False
    return not sep or branch == pull.head


def _invalid(field_name: str) -> GitHubError:
    return validation_failed({"resource": "PullRequest", "field": field_name, "code": "invalid"})


def _custom(message: str) -> GitHubError:
    return validation_failed({"resource": "PullRequest", "code": "custom", "message": message})
