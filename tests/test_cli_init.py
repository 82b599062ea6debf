"""`tracker init`: a commented starter config and .env.example, no prompts."""

from __future__ import annotations

from pathlib import Path

from tests.cli_helpers import run_tracker
from tracker.config import load_config


def test_init_writes_a_config_that_loads_and_an_env_example(tmp_path: Path) -> None:
    result = run_tracker("init", "--dir", str(tmp_path / "new"))

    assert result.returncode == 0, result.stderr
    config = load_config(tmp_path / "new" / "tracker.toml", env={})
    assert config.documents.paths == ["postmortems/"]
    assert "# " in (tmp_path / "new" / "tracker.toml").read_text(encoding="utf-8")
    env_example = (tmp_path / "new" / ".env.example").read_text(encoding="utf-8")
    assert "GITHUB_TOKEN" in env_example and "JIRA_API_TOKEN" in env_example


def test_init_does_not_prompt(tmp_path: Path) -> None:
    result = run_tracker("init", cwd=tmp_path)  # stdin is not a terminal: a prompt would fail

    assert result.returncode == 0
    assert (tmp_path / "tracker.toml").is_file()


def test_init_refuses_to_overwrite_without_force(tmp_path: Path) -> None:
    (tmp_path / "tracker.toml").write_text("# mine\n", encoding="utf-8")

    result = run_tracker("init", "--dir", str(tmp_path))

    assert result.returncode == 2
    assert "--force" in result.stderr
    assert (tmp_path / "tracker.toml").read_text(encoding="utf-8") == "# mine\n"
    assert not (tmp_path / ".env.example").exists()


def test_init_force_overwrites(tmp_path: Path) -> None:
    (tmp_path / "tracker.toml").write_text("# mine\n", encoding="utf-8")

    result = run_tracker("init", "--dir", str(tmp_path), "--force")

    assert result.returncode == 0
    assert "[documents]" in (tmp_path / "tracker.toml").read_text(encoding="utf-8")
