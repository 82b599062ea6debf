"""pytest plugin: the `github_sandbox` fixture (enabled with `-p tracker_github.sandbox.testing`).

One server per test session (starting uvicorn per test is slow-ish); each test gets it
reset to the seeded state, with an empty request log, no pending faults, no latency
and real time.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from tracker_github.sandbox.server import GitHubSandbox


@pytest.fixture(scope="session")
def github_sandbox_server() -> Iterator[GitHubSandbox]:
    """The session's GitHub sandbox; prefer `github_sandbox`."""
    from tracker_github.sandbox.server import GitHubSandbox

    with GitHubSandbox() as sandbox:
        yield sandbox


@pytest.fixture
def github_sandbox(github_sandbox_server: GitHubSandbox) -> GitHubSandbox:
    """A GitHub sandbox in its freshly seeded state."""
    github_sandbox_server.reset()
    return github_sandbox_server
