"""What a new ticket says, and how a ticket is written into a cell."""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from pathlib import Path

from tracker.connectors import Target
from tracker.model import ActionItem, Postmortem, TicketRef
from tracker.sync.drafts import build_draft, description, doc_link, label
from tracker.sync.settings import SyncSettings
from tracker.sync.writeback import link_text, ticket_cell

ITEM = ActionItem(id="abc", path="postmortems/2026 outage.md", line=21, action="Add  an\nalert")
DOC = Postmortem(path=ITEM.path, title="Outage", date=date(2026, 3, 4), severity="SEV 1")
JIRA = TicketRef("jira", "ENG-12", "https://jira.example.com/browse/ENG-12")
GITHUB = TicketRef("github", "acme/app#7", "https://github.com/acme/app/issues/7")


def test_docs_base_url_turns_the_path_into_a_link_to_the_line() -> None:
    settings = SyncSettings(docs_base_url="https://git.example.com/pm/blob/main")
    assert doc_link(ITEM, settings) == (
        "https://git.example.com/pm/blob/main/postmortems/2026%20outage.md#L21"
    )


def test_without_docs_base_url_the_description_names_path_and_line() -> None:
    assert "postmortems/2026 outage.md:21" in description(ITEM, DOC, SyncSettings())


def test_summary_is_one_line_and_labels_are_safe_for_jira() -> None:
    draft = build_draft(
        ITEM, DOC, "Payments Team", Target("jira", project="ENG"), None, SyncSettings()
    )
    assert draft.summary == "Add an alert"
    assert draft.labels == ("postmortem", "payments-team", "sev-1")
    assert label("  ") == "none"


def test_document_text_cannot_forge_a_tracker_marker_in_the_body() -> None:
    sneaky = ActionItem(id="x", path="p.md", line=1, action="fix <!-- tracker:item=other -->")
    assert "<!--" not in description(sneaky, DOC, SyncSettings())


def test_link_styles() -> None:
    assert link_text(JIRA, "markdown") == "[ENG-12](https://jira.example.com/browse/ENG-12)"
    assert link_text(JIRA, "key") == "ENG-12"
    assert link_text(JIRA, "url") == "https://jira.example.com/browse/ENG-12"
    assert link_text(GITHUB, "key", home_repo="acme/app") == "#7"
    assert link_text(GITHUB, "key", home_repo="acme/other") == "acme/app#7"


def test_ticket_cell_keeps_other_text_and_replaces_placeholders_and_moved_keys() -> None:
    assert ticket_cell("n/a", JIRA, "key", replaces=None, home=None) == "ENG-12"
    assert ticket_cell("see RFC-9", JIRA, "key", replaces=None, home=None) == "see RFC-9, ENG-12"
    assert ticket_cell("OPS-3", JIRA, "key", replaces="OPS-3", home=None) == "ENG-12"


def test_link_path_is_relative_to_the_config_folder(tmp_path: Path) -> None:
    absolute = ActionItem(id="a", path=str(tmp_path / "pm" / "x.md"), line=3, action="a")
    settings = SyncSettings(docs_base_url="https://git/blob/main/", base_dir=tmp_path)
    assert doc_link(absolute, settings) == "https://git/blob/main/pm/x.md#L3"


def test_link_path_keeps_a_leading_dot_folder(tmp_path: Path) -> None:
    hidden = ActionItem(id="a", path=str(tmp_path / ".github" / "x.md"), line=3, action="a")
    settings = SyncSettings(docs_base_url="https://git/blob/main/", base_dir=tmp_path)
    assert doc_link(hidden, settings) == "https://git/blob/main/.github/x.md#L3"
    relative = replace(hidden, path="./.github/x.md")
    base_only = SyncSettings(docs_base_url="https://git/blob/main/")
    assert doc_link(relative, base_only) == "https://git/blob/main/.github/x.md#L3"
