"""The Jira connector as the connector tests build it: the real `jira` client over real
HTTP against a sandbox, waiting on the sandbox's clock instead of sleeping."""

from __future__ import annotations

from typing import Any

from tracker.connectors import Connector, load_connector


def jira_connector(sandbox: Any, **settings: object) -> Connector:
    """A Jira connector for `sandbox`, with `settings` over the defaults."""
    return load_connector(
        "jira",
        {
            "url": sandbox.base_url,
            "email": "tracker@example.com",
            "token": "${JIRA_API_TOKEN}",
            "timeout_seconds": 5,
            **settings,
        },
        {"JIRA_API_TOKEN": sandbox.token},
        sleep=lambda seconds: sandbox.clock.advance(seconds),
    )
