"""tracker.toml: search order, validation messages, secrets, people, database URL."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from tracker.config import Config, Secret, load_config
from tracker.errors import ConfigError


def write_config(folder: Path, body: str, name: str = "tracker.toml") -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    path.write_text(textwrap.dedent(body), encoding="utf-8")
    return path


def config_error(folder: Path, body: str, env: dict[str, str] | None = None) -> str:
    path = write_config(folder, body)
    with pytest.raises(ConfigError) as raised:
        load_config(path, env=env or {})
    message = str(raised.value)
    assert "\n" not in message, "config errors are one line"
    assert raised.value.exit_code == 2
    return message


# -- finding the file ------------------------------------------------------------------


def test_without_any_file_the_built_in_defaults_apply(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)

    config = load_config(None, env={})

    assert config.source is None
    assert config.database_url == f"sqlite:///{tmp_path.resolve()}/.tracker/tracker.db"
    assert config.report.due_soon_days == 7 and config.timezone == "UTC"


def test_tracker_toml_in_the_current_folder_is_found(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    write_config(tmp_path, 'timezone = "Asia/Shanghai"\n')
    monkeypatch.chdir(tmp_path)

    assert load_config(None, env={}).timezone == "Asia/Shanghai"


def test_tracker_config_env_var_beats_the_current_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    write_config(tmp_path, 'timezone = "Asia/Shanghai"\n')
    other = write_config(tmp_path, 'timezone = "Europe/Berlin"\n', name="other.toml")
    monkeypatch.chdir(tmp_path)

    assert load_config(None, env={"TRACKER_CONFIG": str(other)}).timezone == "Europe/Berlin"


def test_the_config_option_beats_the_env_var(tmp_path: Path) -> None:
    chosen = write_config(tmp_path, 'timezone = "Asia/Tokyo"\n', name="chosen.toml")
    other = write_config(tmp_path, 'timezone = "Europe/Berlin"\n', name="other.toml")

    config = load_config(chosen, env={"TRACKER_CONFIG": str(other)})

    assert config.timezone == "Asia/Tokyo" and config.source == chosen


def test_a_missing_config_file_names_it(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match=r"nope\.toml not found"):
        load_config(tmp_path / "nope.toml", env={})


# -- database URL ----------------------------------------------------------------------


def test_the_default_database_lives_beside_the_config_file(tmp_path: Path) -> None:
    path = write_config(tmp_path / "conf", "")

    config = load_config(path, env={})

    assert config.database_url == f"sqlite:///{(tmp_path / 'conf').resolve()}/.tracker/tracker.db"


def test_a_relative_sqlite_path_is_relative_to_the_config_file(tmp_path: Path) -> None:
    path = write_config(tmp_path, 'database_url = "sqlite:///data/t.db"\n')

    assert load_config(path, env={}).database_url == f"sqlite:///{tmp_path.resolve()}/data/t.db"


def test_tracker_database_url_overrides_the_file(tmp_path: Path) -> None:
    path = write_config(tmp_path, 'database_url = "sqlite:///data/t.db"\n')
    url = "postgresql+psycopg://tracker@db:5432/tracker"

    assert load_config(path, env={"TRACKER_DATABASE_URL": url}).database_url == url


# -- validation messages ---------------------------------------------------------------


def test_a_wrong_type_names_the_key_path(tmp_path: Path) -> None:
    message = config_error(
        tmp_path,
        """
        [[teams]]
        name = "a"
        [[teams]]
        name = "b"
        [[teams]]
        name = "c"
        members = "alice"
        """,
    )
    assert message == f"{tmp_path / 'tracker.toml'}: teams[2].members: expected a list of strings"


def test_an_unknown_key_is_named_with_its_table(tmp_path: Path) -> None:
    message = config_error(tmp_path, "[sync]\nfoo = 1\n")
    assert message.endswith("tracker.toml: unknown key 'foo' in [sync]")


def test_an_unknown_top_level_key_is_named(tmp_path: Path) -> None:
    assert config_error(tmp_path, "colour = 'red'\n").endswith("unknown key 'colour'")


def test_invalid_toml_is_one_line(tmp_path: Path) -> None:
    assert "invalid TOML" in config_error(tmp_path, "timezone = \n")


def test_the_same_team_defined_twice_is_an_error(tmp_path: Path) -> None:
    message = config_error(tmp_path, "[[teams]]\nname = 'pay'\n[[teams]]\nname = 'pay'\n")
    assert "team 'pay' is defined twice" in message


def test_one_path_routed_to_two_teams_is_an_error(tmp_path: Path) -> None:
    message = config_error(
        tmp_path,
        """
        [[teams]]
        name = "pay"
        paths = ["pm/pay/**"]
        [[teams]]
        name = "search"
        paths = ["pm/pay/**"]
        """,
    )
    assert "path 'pm/pay/**' is routed to two teams ('pay' and 'search')" in message


def test_an_alias_naming_two_people_is_an_error(tmp_path: Path) -> None:
    message = config_error(
        tmp_path,
        """
        [[people]]
        name = "alice"
        aliases = ["@al"]
        [[people]]
        name = "albert"
        aliases = ["AL"]
        """,
    )
    assert "'AL' names both 'alice' and 'albert'" in message


def test_an_unknown_time_zone_is_an_error(tmp_path: Path) -> None:
    assert "timezone: unknown time zone 'Mars/Base'" in config_error(
        tmp_path, "timezone = 'Mars/Base'\n"
    )


def test_a_team_target_is_checked_by_its_installed_connector(tmp_path: Path) -> None:
    message = config_error(
        tmp_path, "[[teams]]\nname = 'a'\ntarget = { system = 'github', repo = 'no-slash' }\n"
    )
    assert "teams[0].target.repo: expected 'owner/name'" in message


def test_a_team_target_of_a_connector_not_installed_is_kept_for_later(tmp_path: Path) -> None:
    path = write_config(
        tmp_path, "[[teams]]\nname = 'a'\ntarget = { system = 'youtrack', board = 'X' }\n"
    )
    target = load_config(path, env={}).teams[0].target
    assert target is not None and target.system == "youtrack"
    with pytest.raises(ConfigError, match="tracker-youtrack"):
        target.to_target()


def test_a_status_word_must_map_to_a_known_status(tmp_path: Path) -> None:
    message = config_error(tmp_path, "[documents.status_words]\nShipped = 'gone'\n")
    assert "documents.status_words.Shipped: must be 'open'" in message


# -- secrets ---------------------------------------------------------------------------


def test_a_literal_token_is_refused_without_echoing_it(tmp_path: Path) -> None:
    message = config_error(tmp_path, "[connectors.github]\ntoken = 'ghp_supersecret'\n")
    assert "connectors.github.token: secrets must be an ${ENV_VAR} reference" in message
    assert "ghp_supersecret" not in message


def test_a_literal_secret_in_a_third_party_connector_is_refused(tmp_path: Path) -> None:
    message = config_error(tmp_path, "[connectors.gitlab]\napi_token = 'glpat-123'\n")
    assert "connectors.gitlab" in message and "glpat-123" not in message


def test_a_secret_resolves_from_the_environment_only_when_used(tmp_path: Path) -> None:
    path = write_config(tmp_path, "[connectors.jira]\ntoken = '${JIRA_API_TOKEN}'\n")

    config = load_config(path, env={"JIRA_API_TOKEN": "tok-123"})

    token = config.connectors["jira"].token
    assert isinstance(token, Secret) and token.get() == "tok-123"


def test_a_secret_never_shows_its_value(tmp_path: Path) -> None:
    path = write_config(tmp_path, "[connectors.jira]\ntoken = '${JIRA_API_TOKEN}'\n")
    config = load_config(path, env={"JIRA_API_TOKEN": "tok-123"})

    shown = [str(config), repr(config), config.model_dump_json(), str(config.connectors)]

    assert not any("tok-123" in text for text in shown)


def test_an_unset_secret_names_the_variable_when_used(tmp_path: Path) -> None:
    path = write_config(tmp_path, "[connectors.jira]\ntoken = '${JIRA_API_TOKEN}'\n")
    token = load_config(path, env={}).connectors["jira"].token
    assert token is not None

    with pytest.raises(ConfigError, match="JIRA_API_TOKEN is not set"):
        token.get()


# -- people ----------------------------------------------------------------------------

PEOPLE = """
[[people]]
name = "jane"
aliases = ["@jane", "Jane Doe", "简"]
email = "jane@corp.com"
jira_account_id = "5b10a2844c20165700ede21g"
github_login = "jdoe"
"""


@pytest.mark.parametrize(
    "written",
    [
        "jane",
        "@jane",
        "Jane Doe",
        "jane doe",
        "JANE@corp.com",
        "5b10a2844c20165700ede21g",
        "@jdoe",
        "简",
    ],
)
def test_every_alias_resolves_to_the_one_person(tmp_path: Path, written: str) -> None:
    config = load_config(write_config(tmp_path, PEOPLE), env={})

    person = config.people.resolve(written)

    assert person is not None and person.name == "jane"


def test_an_unknown_owner_is_kept_as_written_without_the_at_sign(tmp_path: Path) -> None:
    config = load_config(write_config(tmp_path, PEOPLE), env={})

    assert config.people.resolve("@bob") is None
    assert config.people.canonical("@bob") == "bob"


def test_the_starter_defaults_validate() -> None:
    assert Config().sync.status_owner == "ticket"


def test_a_database_password_in_the_file_is_refused_without_echoing_it(tmp_path: Path) -> None:
    message = config_error(
        tmp_path, 'database_url = "postgresql+psycopg://tracker:hunter2@db:5432/t"\n'
    )
    assert "database_url: a password does not belong in the file" in message
    assert "hunter2" not in message


def test_the_example_config_is_valid(tmp_path: Path) -> None:
    example = Path(__file__).resolve().parent.parent / "config.example.toml"

    config = load_config(example, env={})

    assert config.source == example
