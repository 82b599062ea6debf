"""pytest plugin: the `jira_sandbox` fixtures (enabled with `-p tracker_jira.sandbox.testing`).

One server per service per test session (starting uvicorn per test is slow-ish);
each test gets it reset to the seeded state, with an empty request log, no pending
faults, no latency and real time.

The Cloud-flavour Jira sandbox lags its search index by `CLOUD_SEARCH_LAG_SECONDS`
(of the sandbox clock), as Jira Cloud does: new issues take seconds to show in JQL
search. A test that must see a just-created issue in search opts out with
`@pytest.mark.no_search_lag`, saying why; most should advance `sandbox.clock` instead.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from jira import JIRA

    from tracker_jira.sandbox.server import JiraSandbox


CLOUD_SEARCH_LAG_SECONDS = 5.0


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers",
        "no_search_lag: the Jira Cloud sandbox's search index is up to date at once "
        "(real Cloud lags a few seconds; say in a comment why the test can't live with it)",
    )


@pytest.fixture(scope="session")
def jira_sandbox_server() -> Iterator[JiraSandbox]:
    """The session's Jira sandbox (Cloud flavour); prefer `jira_sandbox`."""
    from tracker_jira.sandbox.server import JiraSandbox

    with JiraSandbox() as sandbox:
        yield sandbox


@pytest.fixture(scope="session")
def jira_server_sandbox_server() -> Iterator[JiraSandbox]:
    """The session's Jira sandbox in Server/Data Center flavour; prefer `jira_server_sandbox`."""
    from tracker_jira.sandbox.server import JiraSandbox

    with JiraSandbox(flavour="server") as sandbox:
        yield sandbox


@pytest.fixture
def jira_sandbox(jira_sandbox_server: JiraSandbox, request: pytest.FixtureRequest) -> JiraSandbox:
    """A Jira Cloud sandbox in its freshly seeded state, search lagging as on Cloud."""
    jira_sandbox_server.reset()
    if request.node.get_closest_marker("no_search_lag") is None:
        jira_sandbox_server.search_lag_seconds = CLOUD_SEARCH_LAG_SECONDS
    return jira_sandbox_server


@pytest.fixture
def jira_server_sandbox(jira_server_sandbox_server: JiraSandbox) -> JiraSandbox:
    """A Jira Server/DC sandbox in its freshly seeded state."""
    jira_server_sandbox_server.reset()
    return jira_server_sandbox_server


@pytest.fixture
def jira_client(jira_sandbox: JiraSandbox) -> JIRA:
    """The real `jira` client logged in to the Cloud sandbox (basic auth e-mail + token).

    `max_retries=0` and a timeout: a test sees each fault instead of the client's
    own 10-60 s backoff.
    """
    from jira import JIRA

    return JIRA(
        options={"server": jira_sandbox.base_url},
        basic_auth=("tracker@example.com", jira_sandbox.token),
        max_retries=0,
        timeout=10,
    )


@pytest.fixture
def jira_server_client(jira_server_sandbox: JiraSandbox) -> JIRA:
    """The real `jira` client on the Server/DC sandbox with a personal access token."""
    from jira import JIRA

    return JIRA(
        options={"server": jira_server_sandbox.base_url},
        token_auth=jira_server_sandbox.token,
        max_retries=0,
        timeout=10,
    )
