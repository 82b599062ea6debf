"""Status cells and words → the four canonical statuses; the write-back vocabulary."""

from __future__ import annotations

import pytest

from tracker.model import Status
from tracker.parse import parse_status, render_status


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("✅ Done", Status.DONE),
        ("🔄 In Progress", Status.IN_PROGRESS),
        ("📋 Planned", Status.OPEN),
        ("[x]", Status.DONE),
        ("[ ]", Status.OPEN),
        ("Complete", Status.DONE),
        ("Completed", Status.DONE),
        ("Closed", Status.DONE),
        ("DONE", Status.DONE),
        ("**TODO**", Status.OPEN),
        ("WIP", Status.IN_PROGRESS),
        ("in-progress", Status.IN_PROGRESS),
        ("Not started", Status.OPEN),
        ("Open", Status.OPEN),
        ("Deferred", Status.OPEN),
        ("Won't do", Status.WONT_DO),
        ("Won’t fix", Status.WONT_DO),
        ("Cancelled", Status.WONT_DO),
        ("已完成", Status.DONE),
        ("进行中", Status.IN_PROGRESS),
        ("计划中", Status.OPEN),
        ("未开始", Status.OPEN),
        ("待办", Status.OPEN),
        ("不做", Status.WONT_DO),
        ("⚠️ 待部署", Status.OPEN),
    ],
)
def test_status_word_maps_to_canonical_status(text: str, expected: Status) -> None:
    assert parse_status(text) is expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # An attempt that failed leaves the follow-up to do; blocked and deferred work is
        # still planned; superseded and abandoned work will not be done as written.
        ("FAILED", Status.OPEN),
        ("Blocked", Status.OPEN),
        ("Deferred", Status.OPEN),
        ("Superseded", Status.WONT_DO),
        ("Abandoned", Status.WONT_DO),
    ],
)
def test_table_status_words_for_work_that_did_not_finish(text: str, expected: Status) -> None:
    assert parse_status(text) is expected


def test_status_followed_by_a_link_reads_the_leading_word() -> None:
    assert parse_status("Open ([#53](https://github.com/o/r/issues/53))") is Status.OPEN


def test_status_with_trailing_words_reads_the_leading_phrase() -> None:
    assert parse_status("Done for this migration") is Status.DONE


def test_empty_status_is_none() -> None:
    assert parse_status("  ") is None


def test_unknown_status_word_is_none() -> None:
    assert parse_status("Blorked") is None


def test_configured_status_words_win_over_the_builtin_vocabulary() -> None:
    assert parse_status("Shipped to prod", {"shipped to prod": "done"}) is Status.DONE
    assert parse_status("Open", {"open": "in_progress"}) is Status.IN_PROGRESS


@pytest.mark.parametrize(
    ("status", "like", "language", "expected"),
    [
        (Status.DONE, "📋 Planned", "en", "✅ Done"),
        (Status.IN_PROGRESS, "✅ Done", "en", "🔄 In Progress"),
        (Status.OPEN, "🔄 In Progress", "en", "📋 Planned"),
        (Status.DONE, "Open", "en", "Done"),
        (Status.IN_PROGRESS, None, "en", "In Progress"),
        (Status.OPEN, "", "en", "Open"),
        (Status.WONT_DO, "Open", "en", "Won't Do"),
        (Status.DONE, "计划中", "zh", "已完成"),
        (Status.IN_PROGRESS, None, "zh", "进行中"),
        (Status.OPEN, "", "zh", "计划中"),
        (Status.WONT_DO, "", "zh", "不做"),
        (Status.DONE, "**TODO**", "en", "**DONE**"),
        (Status.DONE, "待办", "en", "已完成"),
        (Status.IN_PROGRESS, "✅ 已完成", "zh", "🔄 进行中"),
        (Status.OPEN, "DONE", "en", "TODO"),
    ],
)
def test_status_is_written_in_the_style_of_the_cell_it_replaces(
    status: Status, like: str | None, language: str, expected: str
) -> None:
    assert render_status(status, like=like, language=language) == expected


@pytest.mark.parametrize("status", list(Status))
@pytest.mark.parametrize("like", ["✅ Done", "Open", "**TODO**", ""])
@pytest.mark.parametrize("language", ["en", "zh"])
def test_rendered_status_parses_back_to_the_same_status(
    status: Status, like: str, language: str
) -> None:
    assert parse_status(render_status(status, like=like, language=language)) is status
