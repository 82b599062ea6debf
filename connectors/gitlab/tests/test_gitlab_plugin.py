"""What the core learns of GitLab through the `gitlab` plug-in alone: its team target,
its people key, its references in documents, its sandbox for `tracker sandbox`."""

from __future__ import annotations

from pathlib import Path

import pytest
from tracker_gitlab.plugin import GitLabPlugin

from tracker.config import load_config
from tracker.errors import ConfigError
from tracker.model import URL_SYSTEM, TicketRef
from tracker.parse import parse_ticket_refs

CONFIG = """\
[[teams]]
name = "infra"
members = ["alice"]
target = {{ system = "gitlab", project = "{project}" }}

[[people]]
name = "alice"
gitlab_username = "alice.w"

[connectors.gitlab]
url = "https://git.example.com"
token = "${{GITLAB_TOKEN}}"
creations_per_minute = 100
"""


def test_a_team_can_target_a_gitlab_project_in_a_subgroup(tmp_path: Path) -> None:
    path = tmp_path / "tracker.toml"
    path.write_text(CONFIG.format(project="acme/platform/api"), encoding="utf-8")
    config = load_config(path, env={"GITLAB_TOKEN": "x"})
    team = config.team("infra")
    assert team is not None and team.target is not None
    assert team.target.to_target().scope == "acme/platform/api"
    person = config.people.resolve("alice.w")
    assert person is not None and person.name == "alice"


def test_a_gitlab_target_without_a_namespace_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "tracker.toml"
    path.write_text(CONFIG.format(project="app"), encoding="utf-8")
    with pytest.raises(ConfigError, match="full path, like 'group/project'"):
        load_config(path, env={"GITLAB_TOKEN": "x"})


def test_an_unknown_connector_setting_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "tracker.toml"
    text = CONFIG.format(project="acme/app") + "creations_per_hour = 5\n"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ConfigError, match="creations_per_hour"):
        load_config(path, env={"GITLAB_TOKEN": "x"})


@pytest.mark.parametrize(
    ("text", "key"),
    [
        ("[#7](https://gitlab.com/acme/app/-/issues/7)", "acme/app#7"),
        ("https://git.example.com/acme/platform/api/-/issues/12#note_3", "acme/platform/api#12"),
        ("https://gitlab.com/acme/app/-/work_items/9", "acme/app#9"),
        ("see acme/platform/api#4 for that", "acme/platform/api#4"),
    ],
)
def test_gitlab_references_in_documents_are_gitlabs(text: str, key: str) -> None:
    [ref] = parse_ticket_refs(text)
    assert (ref.system, ref.key) == ("gitlab", key)


def test_a_merge_request_url_is_no_issue_reference() -> None:
    url = "https://gitlab.com/acme/app/-/merge_requests/3"
    assert parse_ticket_refs(url) == [TicketRef(URL_SYSTEM, url, url)]


def test_a_short_reference_is_completed_with_the_documents_project() -> None:
    syntax = GitLabPlugin.syntax
    ref = syntax.read("#7")
    assert ref is not None and syntax.scope_of(ref.key) == ""
    assert syntax.complete(ref, "acme/app").key == "acme/app#7"


def test_a_bare_adopt_from_entry_with_a_subgroup_is_gitlabs() -> None:
    assert GitLabPlugin.claims_scope("acme/platform/api")
    assert not GitLabPlugin.claims_scope("acme/app")  # GitHub's shape: write gitlab:acme/app
    assert not GitLabPlugin.claims_scope("OPS")


def test_front_matter_can_send_a_document_to_another_project() -> None:
    target = GitLabPlugin.front_matter_target({"gitlab_project": "acme/ops"})
    assert target is not None and target.scope == "acme/ops"
    assert GitLabPlugin.front_matter_target({"gitlab_project": "ops"}) is None


def test_tracker_sandbox_finds_and_starts_the_gitlab_sandbox() -> None:
    import gitlab
    from tracker_sandbox.plugins import installed_sandboxes

    plugin = installed_sandboxes()["gitlab"]
    service = plugin.build({"port": 0}, token="demo-token", latency_ms=0, state_file=None)
    with service:
        assert "acme/platform/api" in plugin.banner(service, {})
        client = gitlab.Gitlab(service.base_url, private_token="demo-token")
        client.auth()
        assert client.user is not None and client.user.username == "tracker-bot"
