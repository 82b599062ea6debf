"""Secrets in connector settings and in text we surface."""

from __future__ import annotations

import base64

from hypothesis import given
from hypothesis import strategies as st

from tracker.config import Secret
from tracker.connectors import Redactor, resolve_secret


def test_a_config_secret_is_read_from_its_own_environment() -> None:
    secret = Secret("JIRA_API_TOKEN", {"JIRA_API_TOKEN": "s3cr3t"})
    assert resolve_secret(secret, {}, setting="connectors.jira.token") == "s3cr3t"


def test_an_env_reference_is_resolved_from_the_given_environment() -> None:
    assert resolve_secret("${TOKEN}", {"TOKEN": "abc"}, setting="token") == "abc"


def test_the_token_and_its_basic_auth_form_are_redacted() -> None:
    redact = Redactor(["tok-123"])
    redact.add_basic_auth("bot@example.com", "tok-123")
    basic = base64.b64encode(b"bot@example.com:tok-123").decode()
    text = f"token tok-123 sent as Basic {basic} and b64 {base64.b64encode(b'tok-123').decode()}"
    assert "tok-123" not in redact(text) and basic not in redact(text)


def test_any_authorization_header_value_is_redacted() -> None:
    redact = Redactor([])
    assert redact("{'Authorization': 'Bearer abc.def'}") == "{'Authorization': 'Bearer ***'}"


@given(
    secret=st.text(alphabet="abcdefghijklmnopqrstuvwxyz0123456789_-", min_size=8), noise=st.text()
)
def test_a_secret_never_survives_redaction(secret: str, noise: str) -> None:
    assert secret not in Redactor([secret])(noise + secret + noise)
