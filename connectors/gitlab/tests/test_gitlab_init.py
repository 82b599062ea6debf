"""`tracker init` offers GitLab: its commented lines, uncommented, make a config that
loads and that `tracker doctor` passes against the GitLab sandbox."""

from __future__ import annotations

from pathlib import Path

from tracker_gitlab.plugin import GitLabPlugin
from tracker_gitlab.sandbox import GitLabSandbox

from tests.cli_helpers import run_tracker
from tracker.config import load_config

TEAM_KEYS = ("[[teams]]", "name =", "members =", "paths =")
PERSON_KEYS = ("[[people]]", "name =", "aliases =", "email =", f"{GitLabPlugin.person_field} =")


def keep_gitlab(starter: str) -> str:
    """The starter as someone choosing GitLab edits it: the team (with GitLab's target),
    the person (with GitLab's key) and `[connectors.gitlab]` uncommented, the rest left."""
    lines, block = [], ""
    for line in starter.splitlines():
        if line in ("# [[teams]]", "# [[people]]") or line.startswith("# [connectors."):
            block = line[2:]
        elif not line.startswith("# "):
            block = ""
        body = line[2:].removeprefix("# or: ")
        wanted = (
            (block == "[[teams]]" and (body.startswith(TEAM_KEYS) or '"gitlab"' in body))
            or (block == "[[people]]" and body.startswith(PERSON_KEYS))
            or block == "[connectors.gitlab]"
        )
        lines.append(body if wanted else line)
    return "\n".join(lines) + "\n"


def test_init_offers_gitlab_and_its_lines_make_a_config_that_loads(tmp_path: Path) -> None:
    assert run_tracker("init", "--dir", str(tmp_path)).returncode == 0
    path = tmp_path / "tracker.toml"
    path.write_text(keep_gitlab(path.read_text(encoding="utf-8")), encoding="utf-8")

    config = load_config(path, env={"GITLAB_TOKEN": "x"})

    team = config.team("payments")
    assert team is not None and team.target is not None
    assert team.target.system == "gitlab" and team.target.scope_name() == "acme/payments"
    person = config.people.resolve("alice")
    assert person is not None and person.account("gitlab") == "alice"
    assert "GITLAB_TOKEN=" in (tmp_path / ".env.example").read_text(encoding="utf-8")


def test_the_gitlab_starter_passes_doctor_against_the_sandbox(
    tmp_path: Path, gitlab_sandbox: GitLabSandbox
) -> None:
    assert run_tracker("init", "--dir", str(tmp_path)).returncode == 0
    path = tmp_path / "tracker.toml"
    text = keep_gitlab(path.read_text(encoding="utf-8"))
    text = text.replace('"https://gitlab.com"', f'"{gitlab_sandbox.base_url}"')
    path.write_text(text.replace('"acme/payments"', '"acme/app"'), encoding="utf-8")

    result = run_tracker("doctor", cwd=tmp_path, env={"GITLAB_TOKEN": gitlab_sandbox.token})

    assert result.returncode == 0, result.stdout + result.stderr
    assert "connector gitlab" in result.stdout
