"""pytest, for the whole repository: every installed sandbox's fixtures.

A connector's sandbox (its `tracker.sandboxes` entry point, `tracker_<name>.sandbox`)
keeps its pytest fixtures in a `testing` module beside it; they are enabled here by
entry point, so adding a system changes nothing outside its own folder.
"""

from __future__ import annotations

from importlib.metadata import entry_points
from importlib.util import find_spec


def _sandbox_fixtures() -> list[str]:
    modules = sorted({entry.module for entry in entry_points(group="tracker.sandboxes")})
    return [f"{module}.testing" for module in modules if _importable(f"{module}.testing")]


def _importable(name: str) -> bool:
    """False for a sandbox without fixtures, or installed without its server's extras."""
    try:
        return find_spec(name) is not None
    except ImportError:
        return False


pytest_plugins = _sandbox_fixtures()
