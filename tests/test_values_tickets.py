"""Ticket references in cells and list items."""

from __future__ import annotations

import pytest

from tracker.model import URL_SYSTEM
from tracker.parse import parse_ticket_refs


def keys(text: str) -> list[tuple[str, str, str | None]]:
    return [(ref.system, ref.key, ref.url) for ref in parse_ticket_refs(text)]


def test_jira_key() -> None:
    assert keys("ENG-1234") == [("jira", "ENG-1234", None)]


def test_github_number_without_repository() -> None:
    assert keys("#12") == [("github", "#12", None)]


def test_github_reference_with_repository() -> None:
    assert keys("owner/repo#12") == [("github", "owner/repo#12", None)]


def test_jira_browse_url() -> None:
    url = "https://acme.atlassian.net/browse/OPS-567"
    assert keys(url) == [("jira", "OPS-567", url)]


@pytest.mark.parametrize("kind", ["issues", "pull"])
def test_github_issue_and_pull_urls(kind: str) -> None:
    url = f"https://github.com/etcd-io/etcd/{kind}/14045"
    assert keys(url) == [("github", "etcd-io/etcd#14045", url)]


def test_markdown_link_takes_its_system_from_the_target() -> None:
    url = "https://github.com/o/r/issues/53"
    assert keys(f"[#53]({url})") == [("github", "o/r#53", url)]


def test_markdown_link_to_an_unknown_host_takes_the_key_from_the_label() -> None:
    assert keys("[ENG-7](https://tracker.internal/x/7)") == [
        ("jira", "ENG-7", "https://tracker.internal/x/7")
    ]


def test_other_urls_are_kept_as_url_references() -> None:
    assert parse_ticket_refs("https://wiki.example.com/page")[0].system == URL_SYSTEM


def test_several_references_keep_their_order_without_duplicates() -> None:
    assert [r.key for r in parse_ticket_refs("ENG-1, #2 and ENG-1")] == ["ENG-1", "#2"]


@pytest.mark.parametrize("text", ["n/a", "-", "", "N/A", "none"])
def test_placeholders_mean_no_tickets(text: str) -> None:
    assert parse_ticket_refs(text) == []


@pytest.mark.parametrize("text", ["UTF-8", "SHA-256", "CVE-2021-44228", "PM2021-011", "SEV-2"])
def test_dash_number_words_that_are_not_jira_keys(text: str) -> None:
    assert parse_ticket_refs(text) == []
