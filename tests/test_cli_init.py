"""`tracker init`: a commented starter config and .env.example, no prompts."""

from __future__ import annotations

import os
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


def test_init_twice_names_both_files_in_plural(tmp_path: Path) -> None:
    assert run_tracker("init", "--dir", str(tmp_path)).returncode == 0

    result = run_tracker("init", "--dir", str(tmp_path))

    assert result.returncode == 2
    assert "tracker.toml" in result.stderr and ".env.example" in result.stderr
    assert "already exist (" in result.stderr


def test_init_creates_the_documents_folder_so_scan_works_right_after(tmp_path: Path) -> None:
    assert run_tracker("init", cwd=tmp_path).returncode == 0

    result = run_tracker("scan", cwd=tmp_path)

    assert (tmp_path / "postmortems").is_dir()
    assert result.returncode == 0, result.stderr
    assert "0 action items in 0 documents" in result.stdout


def test_init_adds_the_store_and_secrets_to_an_existing_gitignore_once(tmp_path: Path) -> None:
    (tmp_path / ".gitignore").write_text("node_modules\n.env", encoding="utf-8")

    run_tracker("init", "--dir", str(tmp_path))
    run_tracker("init", "--dir", str(tmp_path), "--force")

    lines = (tmp_path / ".gitignore").read_text(encoding="utf-8").splitlines()
    assert lines == ["node_modules", ".env", ".tracker/"]


def test_init_writes_a_gitignore_where_there_is_none(tmp_path: Path) -> None:
    run_tracker("init", "--dir", str(tmp_path))

    assert (tmp_path / ".gitignore").read_text(encoding="utf-8") == ".tracker/\n.env\n"


def test_init_files_are_readable_by_others_as_the_umask_allows(tmp_path: Path) -> None:
    previous = os.umask(0o022)  # the child process inherits it
    try:
        run_tracker("init", "--dir", str(tmp_path))
    finally:
        os.umask(previous)

    assert (tmp_path / "tracker.toml").stat().st_mode & 0o044 == 0o044


def test_config_example_prints_the_reference_and_it_loads(tmp_path: Path) -> None:
    result = run_tracker("config", "example")
    assert result.returncode == 0, result.stderr
    reference = Path(__file__).resolve().parent.parent / "config.example.toml"
    assert result.stdout == reference.read_text(encoding="utf-8")
    (tmp_path / "tracker.toml").write_text(result.stdout, encoding="utf-8")
    assert load_config(tmp_path / "tracker.toml", env={}).schedule.catch_up is False


def test_the_starter_config_points_to_a_reference_every_install_has(tmp_path: Path) -> None:
    assert run_tracker("init", "--dir", str(tmp_path)).returncode == 0
    starter = (tmp_path / "tracker.toml").read_text(encoding="utf-8")
    assert "`tracker config example`" in starter
    assert "repository" not in starter


def test_the_env_example_does_not_promise_that_tracker_reads_a_dotenv_file(
    tmp_path: Path,
) -> None:
    assert run_tracker("init", "--dir", str(tmp_path)).returncode == 0
    text = (tmp_path / ".env.example").read_text(encoding="utf-8")
    assert "never from a file" in text
    assert "Copy to .env" not in text
