"""The hidden identity marker: invisible, round-trips any id, can't be forged by text."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st
from tracker_github.marker import identity_in, marker, strip_markers, with_marker


@given(identity=st.text(min_size=1), description=st.text())
def test_any_identity_reads_back_from_the_body(identity: str, description: str) -> None:
    assert identity_in(with_marker(description, identity)) == identity


@given(st.text(min_size=1))
def test_the_marker_is_one_html_comment_that_nothing_closes_early(identity: str) -> None:
    text = marker(identity)
    assert text.startswith("<!-- tracker:item=") and text.endswith(" -->")
    assert text.count("-->") == 1 and "\n" not in text


def test_a_marker_pasted_into_the_description_cannot_claim_another_identity() -> None:
    body = with_marker("see <!-- tracker:item=someone-else --> here", "mine")
    assert identity_in(body) == "mine"
    assert "someone-else" not in body


def test_the_human_part_is_kept_and_the_marker_ends_the_body() -> None:
    body = with_marker("Add a runbook.\n", "pm-1")
    assert body == "Add a runbook.\n\n<!-- tracker:item=pm-1 -->"
    assert strip_markers(body) == "Add a runbook."


def test_a_body_without_a_marker_has_no_identity() -> None:
    assert identity_in("plain text") is None and identity_in(None) is None


def test_a_huge_description_is_cut_but_the_marker_survives() -> None:
    body = with_marker("x" * 70_000, "pm-1")
    assert len(body) <= 65_536 and identity_in(body) == "pm-1"
