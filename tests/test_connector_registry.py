"""Connectors are found through the `tracker.connectors` entry-point group only.

A third party's connector is installed for real during the test: a tiny distribution
(`*.dist-info` with `entry_points.txt`) and its module are written to a directory on
sys.path, exactly what pip leaves behind, and importlib.metadata discovers it.
"""

from __future__ import annotations

import sys
import textwrap
from collections.abc import Iterator
from pathlib import Path

import pytest

from tracker.config import parse_config
from tracker.connectors import (
    Connector,
    available_connectors,
    load_connector,
    resolve_secret,
)
from tracker.errors import ConfigError

PLUGIN_MODULE = '''
from tracker.connectors import Capabilities, ServerIdentity, resolve_secret


class FakeTrackerConnector:
    """A minimal third-party connector: reads its token from the environment."""

    name = "faketracker"
    capabilities = Capabilities(bulk_create=10, entity_properties=False, incremental_fetch=False)

    def __init__(self, url, token):
        self.url = url
        self._token = token

    @classmethod
    def from_settings(cls, settings, *, env):
        return cls(settings.get("url"), resolve_secret(settings.get("token"), env, setting="token"))

    def check(self):
        return "ok: fake"

    def owns(self, ref):
        return False

    def check_target(self, target):
        return None

    def create(self, drafts):
        return []

    def update(self, ref, changes):
        raise NotImplementedError

    def fetch(self, refs):
        return []

    def fetch_changed_since(self, target, since):
        return iter(())

    def find_by_identity(self, target, identities):
        return {}

    def creation_hint(self, target):
        return {}

    def find_created(self, target, identities, hints):
        return {}, set(identities)

    def add_comment(self, ref, body):
        return None

    def server_identity(self):
        return ServerIdentity("faketracker:" + self.url, self.url)
'''


def install_distribution(
    site: Path, name: str, entry_points: str, modules: dict[str, str] | None = None
) -> None:
    """Write what an installer writes: the modules and a dist-info with entry points."""
    dist_info = site / f"{name}-1.0.dist-info"
    dist_info.mkdir(parents=True)
    (dist_info / "METADATA").write_text(f"Metadata-Version: 2.1\nName: {name}\nVersion: 1.0\n")
    (dist_info / "entry_points.txt").write_text(textwrap.dedent(entry_points))
    for module, source in (modules or {}).items():
        (site / f"{module}.py").write_text(source)


@pytest.fixture
def site(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    folder = tmp_path / "site-packages"
    folder.mkdir()
    monkeypatch.syspath_prepend(str(folder))
    yield folder
    for module in [m for m in sys.modules if m.startswith("faketracker")]:
        del sys.modules[module]


def test_the_bundled_jira_and_github_connectors_are_registered() -> None:
    installed = available_connectors()
    assert installed["jira"] == "tracker_jira.plugin:JiraPlugin"
    assert installed["github"] == "tracker_github.plugin:GitHubPlugin"


def test_a_third_party_connector_is_discovered_and_built_from_its_settings(site: Path) -> None:
    install_distribution(
        site,
        "tracker_faketracker",
        """
        [tracker.connectors]
        faketracker = faketracker_plugin:FakeTrackerConnector
        """,
        {"faketracker_plugin": PLUGIN_MODULE},
    )
    assert available_connectors()["faketracker"] == "faketracker_plugin:FakeTrackerConnector"
    connector = load_connector(
        "faketracker",
        {"url": "https://fake.example", "token": "${FAKE_TOKEN}"},
        {"FAKE_TOKEN": "t"},
    )
    assert isinstance(connector, Connector)
    assert connector.check() == "ok: fake"
    assert connector.capabilities.bulk_create == 10


def test_an_unknown_connector_name_is_a_config_error_listing_the_installed_ones() -> None:
    with pytest.raises(ConfigError, match=r"no connector named 'nosuch'.*jira") as raised:
        load_connector("nosuch", {})
    assert raised.value.exit_code == 2


def test_a_connector_name_longer_than_the_store_keeps_is_a_config_error() -> None:
    with pytest.raises(ConfigError, match=r"longer than 32 characters") as raised:
        load_connector("x" * 33, {})
    assert raised.value.exit_code == 2


def test_a_connector_that_fails_to_import_is_a_config_error_not_a_traceback(site: Path) -> None:
    install_distribution(
        site,
        "tracker_faketracker_broken",
        """
        [tracker.connectors]
        faketracker-broken = faketracker_broken:Connector
        """,
        {"faketracker_broken": "raise RuntimeError('boom')\n"},
    )
    with pytest.raises(ConfigError, match="failed to import: RuntimeError"):
        load_connector("faketracker-broken", {})


def test_an_object_without_the_protocol_is_refused(site: Path) -> None:
    install_distribution(
        site,
        "tracker_faketracker_half",
        """
        [tracker.connectors]
        faketracker-half = faketracker_half:Half
        """,
        {
            "faketracker_half": (
                "class Half:\n"
                "    @classmethod\n"
                "    def from_settings(cls, settings, *, env):\n"
                "        return cls()\n"
            )
        },
    )
    with pytest.raises(ConfigError, match="does not implement the Connector protocol"):
        load_connector("faketracker-half", {})


def test_a_validated_config_section_is_accepted_and_its_secret_read_from_the_environment() -> None:
    config = parse_config(
        {
            "connectors": {
                "jira": {
                    "url": "http://127.0.0.1:9",
                    "email": "bot@example.com",
                    "token": "${JIRA_API_TOKEN}",
                    "priorities": {"P0": "Blocker", "P1": "Critical"},
                }
            }
        },
        label="tracker.toml",
        base_dir=Path.cwd(),
        env={"JIRA_API_TOKEN": "from-env"},
    )
    connector = load_connector("jira", config.connectors["jira"], {})
    assert repr(connector) == "JiraConnector(url='http://127.0.0.1:9', flavour='cloud')"
    assert connector.priorities["P0"] == "Blocker"  # type: ignore[attr-defined]


def test_a_literal_secret_is_refused() -> None:
    with pytest.raises(ConfigError, match="environment reference"):
        resolve_secret("ghp_literal", {}, setting="connectors.github.token")


def test_an_unset_environment_variable_is_named() -> None:
    with pytest.raises(ConfigError, match="GITHUB_TOKEN is not set"):
        resolve_secret("${GITHUB_TOKEN}", {}, setting="connectors.github.token")
