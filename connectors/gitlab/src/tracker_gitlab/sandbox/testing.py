"""pytest plugin: the `gitlab_sandbox` fixture (enabled with `-p tracker_gitlab.sandbox.testing`).

One server per test session; each test gets it reset to the seeded state, with an empty
request log, no pending faults, no latency and real time.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from tracker_gitlab.sandbox.server import GitLabSandbox


@pytest.fixture(scope="session")
def gitlab_sandbox_server() -> Iterator[GitLabSandbox]:
    """The session's GitLab sandbox; prefer `gitlab_sandbox`."""
    from tracker_gitlab.sandbox.server import GitLabSandbox

    with GitLabSandbox() as sandbox:
        yield sandbox


@pytest.fixture
def gitlab_sandbox(gitlab_sandbox_server: GitLabSandbox) -> GitLabSandbox:
    """A GitLab sandbox in its freshly seeded state."""
    gitlab_sandbox_server.reset()
    return gitlab_sandbox_server
