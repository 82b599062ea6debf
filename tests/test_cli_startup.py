"""The CLI starts fast because heavy libraries load only in the commands that use them."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

HEAVY = (
    "sqlalchemy",
    "alembic",
    "sqlmodel",
    "jira",
    "github",
    "gitlab",
    "uvicorn",
    "starlette",
    "jinja2",
)
CLIENTS = ("jira", "github", "gitlab", "requests")  # the ticket systems' client libraries

PROBE = """
import json, sys
{statement}
print(json.dumps(sorted({{name.split(".")[0] for name in sys.modules}})))
"""


def modules_after(statement: str) -> set[str]:
    """Top-level packages loaded in a fresh interpreter after running `statement`."""
    result = subprocess.run(
        [sys.executable, "-c", PROBE.format(statement=statement)],
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    return set(json.loads(result.stdout.strip().splitlines()[-1]))


def test_importing_the_cli_app_loads_no_database_or_connector_library() -> None:
    loaded = modules_after("import tracker.cli")
    assert not loaded & set(HEAVY), sorted(loaded & set(HEAVY))


@pytest.mark.parametrize("argv", [["--help"], ["version"], ["sync", "--help"]], ids=" ".join)
def test_help_and_version_load_no_database_or_connector_library(argv: list[str]) -> None:
    statement = (
        "import contextlib, io\n"
        "from tracker.cli.app import app\n"
        "import tracker.cli\n"
        "with contextlib.redirect_stdout(io.StringIO()):\n"
        f"    app({argv!r}, standalone_mode=False, prog_name='tracker')"
    )
    loaded = modules_after(statement)
    assert not loaded & set(HEAVY), sorted(loaded & set(HEAVY))


@pytest.mark.parametrize("system", ["jira", "github", "gitlab"])
def test_loading_a_config_that_names_a_connector_loads_no_client_library(
    system: str, tmp_path: Path
) -> None:
    """Every command reads its config, and each `[connectors.NAME]` table and team
    target is checked by that connector's plug-in: its settings models, never its client
    library (python-gitlab alone cost `tracker report` 0.12 s)."""
    where = {"jira": 'project = "OPS"', "github": 'repo = "acme/ops"'}
    target = where.get(system, 'project = "acme/ops"')
    config = tmp_path / "tracker.toml"
    config.write_text(f'[[teams]]\nname = "ops"\ntarget = {{ system = "{system}", {target} }}\n')
    loaded = modules_after(
        "from pathlib import Path\n"
        "from tracker.config import load_config\n"
        f"load_config(Path({str(config)!r}))"
    )
    assert not loaded & set(CLIENTS), sorted(loaded & set(CLIENTS))


def test_the_config_option_reads_the_same_variable_as_the_loader() -> None:
    from tracker.cli.options import CONFIG_ENV
    from tracker.config import CONFIG_ENV as LOADER_ENV

    assert CONFIG_ENV == LOADER_ENV
