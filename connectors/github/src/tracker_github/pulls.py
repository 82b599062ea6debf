"""Pull requests for `tracker sync --pull-request`: one open pull request per branch.

The branch is already pushed (tracker.sync.proposal does the git side). Here: look for
the open pull request from `owner:branch` into `base`; edit its title and body when they
changed, else open one. Opening is a content creation, so it goes through the
connector's pacer like an issue; an edit costs write points. An open that fails with
422 "A pull request already exists" (an earlier attempt whose answer was lost, or one
opened by hand meanwhile) is settled by finding that pull request and editing it:
there is never a second one.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from github.PullRequest import PullRequest

from tracker.connectors import ChangeRequest, ConnectorError

if TYPE_CHECKING:
    from tracker_github.connector import GitHubConnector


def open_pull_request(
    connector: GitHubConnector, repo: str, branch: str, base: str, title: str, body: str
) -> ChangeRequest:
    """Open the pull request for `branch` into `base`, or update the open one."""
    owner = repo.split("/", 1)[0]
    found = _open_for(connector, repo, owner, branch, base)
    if found is not None:
        return _update(connector, repo, found, title, body)
    project = connector._gh.get_repo(repo)  # the client is lazy: no GET
    what = f"open a pull request in {repo}"
    try:
        created: PullRequest = connector._call(
            what,
            lambda: connector._paced(
                what,
                lambda: project.create_pull(
                    base=base, head=f"{owner}:{branch}", title=title, body=body
                ),
            ),
            idempotent=False,
        )
    except ConnectorError as error:
        if error.status != 422 or "already exists" not in error.message:
            raise
        found = _open_for(connector, repo, owner, branch, base)
        if found is None:
            raise
        return _update(connector, repo, found, title, body)
    return ChangeRequest(created.number, created.html_url, "opened")


def _open_for(
    connector: GitHubConnector, repo: str, owner: str, branch: str, base: str
) -> PullRequest | None:
    project = connector._gh.get_repo(repo)  # the client is lazy: no GET
    listed = connector._call(
        f"list pull requests in {repo}",
        lambda: list(project.get_pulls(state="open", head=f"{owner}:{branch}", base=base)),
    )
    return listed[0] if listed else None


def _update(
    connector: GitHubConnector, repo: str, pull: PullRequest, title: str, body: str
) -> ChangeRequest:
    if pull.title == title and (pull.body or "") == body:
        return ChangeRequest(pull.number, pull.html_url, "unchanged")
    what = f"update pull request #{pull.number} in {repo}"
    connector._call(
        what,
        lambda: connector._paced(what, lambda: pull.edit(title=title, body=body), creation=False),
    )
    return ChangeRequest(pull.number, pull.html_url, "updated")
