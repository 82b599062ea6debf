"""GitHub REST JSON for the sandbox's records, field by field as api.github.com renders it.

Field lists follow public recordings (octokit/fixtures `paginate-issues`, `labels`,
`search-issues`; PyGithub's ReplayData). Every URL is rendered under the API root the client
used (`http://127.0.0.1:PORT` or `…/api/v3`), because PyGithub refuses to follow URLs that
leave its base URL. Every field PyGithub reads is present, so reading one never costs a GET.
"""

from __future__ import annotations

import base64
import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from urllib.parse import quote

from tracker_github.sandbox.state import (
    CommentRecord,
    GitHubState,
    IssueRecord,
    LabelRecord,
    MilestoneRecord,
    RepoRecord,
    UserRecord,
)

JSON_TYPE = "application/json; charset=utf-8"


def dumps(payload: Any) -> bytes:
    """Compact UTF-8 JSON, as api.github.com sends it."""
    return json.dumps(payload, ensure_ascii=False, separators=(",", ":")).encode()


def iso(value: datetime | None) -> str | None:
    """GitHub's timestamp form: `2026-01-02T03:04:05Z`."""
    return value.strftime("%Y-%m-%dT%H:%M:%SZ") if value is not None else None


def node_id(kind: str, number: int) -> str:
    """An opaque global id in GitHub's legacy base64 style (e.g. `MDU6SXNzdWUx`)."""
    raw = f"0{len(kind)}:{kind}{number}".encode()
    return base64.b64encode(raw).decode().rstrip("=")


@dataclass(frozen=True)
class Roots:
    """Where URLs point: `api` is the REST root the request came in on, `web` the HTML root."""

    api: str
    web: str


class PayloadBuilder:
    """Renders records as GitHub JSON; needs the state to resolve logins, labels, milestones."""

    def __init__(self, state: GitHubState, roots: Roots) -> None:
        self.state = state
        self.api = roots.api
        self.web = roots.web

    def user(self, login: str) -> dict[str, Any]:
        record = self.state.users.get(login.lower()) or UserRecord(login=login, id=0)
        base = f"{self.api}/users/{record.login}"
        return {
            "login": record.login,
            "id": record.id,
            "node_id": node_id("User", record.id),
            "avatar_url": f"{self.web}/avatars/u/{record.id}?v=4",
            "gravatar_id": "",
            "url": base,
            "html_url": f"{self.web}/{record.login}",
            "followers_url": f"{base}/followers",
            "following_url": f"{base}/following{{/other_user}}",
            "gists_url": f"{base}/gists{{/gist_id}}",
            "starred_url": f"{base}/starred{{/owner}}{{/repo}}",
            "subscriptions_url": f"{base}/subscriptions",
            "organizations_url": f"{base}/orgs",
            "repos_url": f"{base}/repos",
            "events_url": f"{base}/events{{/privacy}}",
            "received_events_url": f"{base}/received_events",
            "type": record.type,
            "user_view_type": "public",
            "site_admin": record.site_admin,
        }

    def authenticated_user(self, login: str) -> dict[str, Any]:
        """`GET /user`: the public profile plus the account fields GitHub adds for its owner."""
        payload = self.user(login)
        payload.update(
            {
                "name": login,
                "company": None,
                "blog": "",
                "location": None,
                "email": None,
                "hireable": None,
                "bio": None,
                "twitter_username": None,
                "public_repos": 0,
                "public_gists": 0,
                "followers": 0,
                "following": 0,
                "created_at": "2020-01-01T00:00:00Z",
                "updated_at": "2020-01-01T00:00:00Z",
            }
        )
        return payload

    def repo_url(self, repo: RepoRecord) -> str:
        return f"{self.api}/repos/{repo.full_name}"

    def repository(self, repo: RepoRecord) -> dict[str, Any]:
        url = self.repo_url(repo)
        open_count = sum(1 for i in repo.issues.values() if i.state == "open")
        stamp = iso(repo.created_at)
        return {
            "id": repo.id,
            "node_id": node_id("Repository", repo.id),
            "name": repo.name,
            "full_name": repo.full_name,
            "private": True,
            "owner": self.user(repo.owner),
            "html_url": f"{self.web}/{repo.full_name}",
            "description": f"Sandbox repository {repo.full_name}",
            "fork": False,
            "url": url,
            "forks_url": f"{url}/forks",
            "keys_url": f"{url}/keys{{/key_id}}",
            "collaborators_url": f"{url}/collaborators{{/collaborator}}",
            "teams_url": f"{url}/teams",
            "hooks_url": f"{url}/hooks",
            "issue_events_url": f"{url}/issues/events{{/number}}",
            "events_url": f"{url}/events",
            "assignees_url": f"{url}/assignees{{/user}}",
            "branches_url": f"{url}/branches{{/branch}}",
            "tags_url": f"{url}/tags",
            "blobs_url": f"{url}/git/blobs{{/sha}}",
            "git_tags_url": f"{url}/git/tags{{/sha}}",
            "git_refs_url": f"{url}/git/refs{{/sha}}",
            "trees_url": f"{url}/git/trees{{/sha}}",
            "statuses_url": f"{url}/statuses/{{sha}}",
            "languages_url": f"{url}/languages",
            "stargazers_url": f"{url}/stargazers",
            "contributors_url": f"{url}/contributors",
            "subscribers_url": f"{url}/subscribers",
            "subscription_url": f"{url}/subscription",
            "commits_url": f"{url}/commits{{/sha}}",
            "git_commits_url": f"{url}/git/commits{{/sha}}",
            "comments_url": f"{url}/comments{{/number}}",
            "issue_comment_url": f"{url}/issues/comments{{/number}}",
            "contents_url": f"{url}/contents/{{+path}}",
            "compare_url": f"{url}/compare/{{base}}...{{head}}",
            "merges_url": f"{url}/merges",
            "archive_url": f"{url}/{{archive_format}}{{/ref}}",
            "downloads_url": f"{url}/downloads",
            "issues_url": f"{url}/issues{{/number}}",
            "pulls_url": f"{url}/pulls{{/number}}",
            "milestones_url": f"{url}/milestones{{/number}}",
            "notifications_url": f"{url}/notifications{{?since,all,participating}}",
            "labels_url": f"{url}/labels{{/name}}",
            "releases_url": f"{url}/releases{{/id}}",
            "deployments_url": f"{url}/deployments",
            "created_at": stamp,
            "updated_at": stamp,
            "pushed_at": stamp,
            "git_url": f"git://sandbox/{repo.full_name}.git",
            "ssh_url": f"git@sandbox:{repo.full_name}.git",
            "clone_url": f"{self.web}/{repo.full_name}.git",
            "svn_url": f"{self.web}/{repo.full_name}",
            "homepage": None,
            "size": 0,
            "stargazers_count": 0,
            "watchers_count": 0,
            "language": "Python",
            "has_issues": True,
            "has_projects": True,
            "has_downloads": True,
            "has_wiki": False,
            "has_pages": False,
            "has_discussions": False,
            "forks_count": 0,
            "mirror_url": None,
            "archived": False,
            "disabled": False,
            "open_issues_count": open_count,
            "license": None,
            "allow_forking": True,
            "is_template": False,
            "web_commit_signoff_required": False,
            "topics": [],
            "visibility": "private",
            "forks": 0,
            "open_issues": open_count,
            "watchers": 0,
            "default_branch": "main",
            "permissions": {
                "admin": True,
                "maintain": True,
                "push": True,
                "triage": True,
                "pull": True,
            },
            "network_count": 0,
            "subscribers_count": 0,
        }

    def label(self, repo: RepoRecord, label: LabelRecord) -> dict[str, Any]:
        return {
            "id": label.id,
            "node_id": node_id("Label", label.id),
            "url": f"{self.repo_url(repo)}/labels/{quote(label.name, safe='')}",
            "name": label.name,
            "color": label.color,
            "default": label.default,
            "description": label.description,
        }

    def milestone(self, repo: RepoRecord, milestone: MilestoneRecord) -> dict[str, Any]:
        url = f"{self.repo_url(repo)}/milestones/{milestone.number}"
        opened, closed = self.state.milestone_counts(repo, milestone.number)
        return {
            "url": url,
            "html_url": f"{self.web}/{repo.full_name}/milestone/{milestone.number}",
            "labels_url": f"{url}/labels",
            "id": milestone.id,
            "node_id": node_id("Milestone", milestone.id),
            "number": milestone.number,
            "title": milestone.title,
            "description": milestone.description,
            "creator": self.user(milestone.creator),
            "open_issues": opened,
            "closed_issues": closed,
            "state": milestone.state,
            "created_at": iso(milestone.created_at),
            "updated_at": iso(milestone.updated_at),
            "due_on": iso(milestone.due_on),
            "closed_at": iso(milestone.closed_at),
        }

    def issue(
        self, repo: RepoRecord, issue: IssueRecord, *, single: bool = False
    ) -> dict[str, Any]:
        """An issue as listed; `single=True` adds what GET /issues/{n} adds (`closed_by`)."""
        url = f"{self.repo_url(repo)}/issues/{issue.number}"
        web_kind = "pull" if issue.pull_request else "issues"
        assignees = [self.user(login) for login in issue.assignees]
        milestone = repo.milestones.get(issue.milestone) if issue.milestone is not None else None
        payload: dict[str, Any] = {
            "url": url,
            "repository_url": self.repo_url(repo),
            "labels_url": f"{url}/labels{{/name}}",
            "comments_url": f"{url}/comments",
            "events_url": f"{url}/events",
            "html_url": f"{self.web}/{repo.full_name}/{web_kind}/{issue.number}",
            "id": issue.id,
            "node_id": node_id("PullRequest" if issue.pull_request else "Issue", issue.id),
            "number": issue.number,
            "title": issue.title,
            "user": self.user(issue.user),
            "labels": [
                self.label(repo, repo.labels[key]) for key in issue.labels if key in repo.labels
            ],
            "state": issue.state,
            "locked": issue.locked,
            "assignee": assignees[0] if assignees else None,
            "assignees": assignees,
            "milestone": self.milestone(repo, milestone) if milestone else None,
            "comments": len(issue.comments),
            "created_at": iso(issue.created_at),
            "updated_at": iso(issue.updated_at),
            "closed_at": iso(issue.closed_at),
            "author_association": "COLLABORATOR" if issue.user != repo.owner else "OWNER",
            "type": None,
            "active_lock_reason": None,
            "sub_issues_summary": {"total": 0, "completed": 0, "percent_completed": 0},
            "issue_dependencies_summary": {
                "blocked_by": 0,
                "total_blocked_by": 0,
                "blocking": 0,
                "total_blocking": 0,
            },
            "body": issue.body,
            "reactions": {
                "url": f"{url}/reactions",
                "total_count": 0,
                "+1": 0,
                "-1": 0,
                "laugh": 0,
                "hooray": 0,
                "confused": 0,
                "heart": 0,
                "rocket": 0,
                "eyes": 0,
            },
            "timeline_url": f"{url}/timeline",
            "performed_via_github_app": None,
            "state_reason": issue.state_reason,
        }
        if issue.pull_request:
            pulls = f"{self.repo_url(repo)}/pulls/{issue.number}"
            html = f"{self.web}/{repo.full_name}/pull/{issue.number}"
            payload["draft"] = False
            payload["pull_request"] = {
                "url": pulls,
                "html_url": html,
                "diff_url": f"{html}.diff",
                "patch_url": f"{html}.patch",
                "merged_at": None,
            }
        if single:
            payload["closed_by"] = self.user(issue.closed_by) if issue.closed_by else None
        return payload

    def comment(
        self, repo: RepoRecord, issue: IssueRecord, comment: CommentRecord
    ) -> dict[str, Any]:
        url = f"{self.repo_url(repo)}/issues/comments/{comment.id}"
        return {
            "url": url,
            "html_url": f"{self.web}/{repo.full_name}/issues/{issue.number}#issuecomment-{comment.id}",
            "issue_url": f"{self.repo_url(repo)}/issues/{issue.number}",
            "id": comment.id,
            "node_id": node_id("IssueComment", comment.id),
            "user": self.user(comment.user),
            "created_at": iso(comment.created_at),
            "updated_at": iso(comment.updated_at),
            "author_association": "COLLABORATOR",
            "body": comment.body,
            "reactions": {
                "url": f"{url}/reactions",
                "total_count": 0,
                "+1": 0,
                "-1": 0,
                "laugh": 0,
                "hooray": 0,
                "confused": 0,
                "heart": 0,
                "rocket": 0,
                "eyes": 0,
            },
            "performed_via_github_app": None,
        }
