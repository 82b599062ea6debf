"""Fixtures and conventions shared by every test module.

A test that needs something outside the project (PostgreSQL, chromium, ../shared)
calls `unavailable(reason)`: it skips on a developer's machine and fails in CI
(CI=true), where everything must be present.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import NoReturn

import pytest

REPO_ROOT = Path(__file__).resolve().parent.parent
SHARED_DIR = REPO_ROOT.parent / "shared"
IN_CI = os.environ.get("CI", "").lower() == "true"


def unavailable(reason: str) -> NoReturn:
    """Skip locally, fail in CI: CI promises every service and file is there."""
    if IN_CI:
        pytest.fail(f"required in CI: {reason}")
    pytest.skip(reason)


pytest_plugins = ["tests.store_fixtures"]
