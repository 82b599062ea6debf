"""The README's GitLab example: the connector against the loopback GitLab sandbox."""

from datetime import date

from tracker_gitlab.sandbox import GitLabSandbox

from tracker.connectors import Target, TicketChanges, TicketDraft, load_connector
from tracker.model import Status

with GitLabSandbox() as sandbox:  # a loopback GitLab; use https://gitlab.com or yours
    gitlab = load_connector(
        "gitlab",
        {"url": sandbox.base_url, "token": "${GITLAB_TOKEN}", "creations_per_minute": 240},
        env={"GITLAB_TOKEN": sandbox.token},
    )
    print(gitlab.check())
    target = Target("gitlab", repo="acme/platform/api")  # a project in a subgroup
    drafts = [
        TicketDraft(
            "pm-2026-11-02-db#1",
            target,
            "Add a replica lag alert",
            "From the 2026-11-02 postmortem.",
            "P1",
            date(2026, 12, 1),
            "alice",
            ("postmortem", "payments"),
        ),
        TicketDraft(
            "pm-2026-11-02-db#2",
            target,
            "Write the failover runbook",
            "From the 2026-11-02 postmortem.",
            "P2",
            None,
            "mallory",  # exists on the instance, but is no member of the project
            ("postmortem",),
        ),
    ]
    results = gitlab.create(drafts)
    for result in results:
        t = result.ticket
        assert t is not None
        print(t.ref.key, t.status.value, t.priority, t.due, t.assignee, t.labels, result.warnings)
    assert results[0].ticket is not None
    closed = gitlab.update(results[0].ticket.ref, TicketChanges(status=Status.WONT_DO))
    print(closed.ref.key, closed.status.value, closed.remote_status, closed.labels)
    print(sandbox.issue("acme/platform/api", 1)["description"])
    print(sandbox.requests.snapshot()["by_route"])
