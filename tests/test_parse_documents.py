"""Whole documents: metadata, encodings, warnings, item ids, and finding files."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from tracker.errors import TrackerError
from tracker.model import Postmortem, Status
from tracker.parse import iter_documents, parse_file, parse_text

TABLE_DOC = """\
# Postmortem: API outage

**Date**: 2024-01-15
**Authors**: @alice, @bob
**Incident Severity**: SEV2

## Action Items

| Priority | Action | Owner | Due Date | Ticket |
|----------|--------|-------|----------|--------|
| P0 | Add integration test | @alice | 2024-01-22 | ENG-1234 |
| P1 | Lower alert threshold | @bob | 2024-01-17 | OPS-567 |
"""


def parse(markdown: str | bytes, path: str = "pm.md") -> Postmortem:
    return parse_text(markdown, path)


def codes(doc: Postmortem) -> list[str]:
    return [warning.code for warning in doc.warnings]


# ---------------------------------------------------------------- metadata


def test_title_is_the_first_h1_without_its_postmortem_prefix() -> None:
    assert parse(TABLE_DOC).title == "API outage"


@pytest.mark.parametrize(
    ("h1", "title"),
    [
        ("Incident review: Disk full", "Disk full"),
        ("事后分析：支付中断", "支付中断"),
        ("Post-Mortem: Changes to SDK", "Changes to SDK"),
        ("Postmortem Template", "Postmortem Template"),
        ("INC-2026-004: Argo CD OOM", "INC-2026-004: Argo CD OOM"),
    ],
)
def test_title_prefixes_need_their_colon(h1: str, title: str) -> None:
    assert parse(f"# {h1}\n").title == title


def test_bold_metadata_lines() -> None:
    doc = parse(TABLE_DOC)
    assert (doc.date, doc.severity, doc.authors) == (date(2024, 1, 15), "SEV2", ["@alice", "@bob"])


def test_chinese_bold_metadata_lines() -> None:
    doc = parse("# 事后分析:支付\n**日期**: 2024-01-15\n**作者**: @alice\n**事件严重性**: SEV2\n")
    assert (doc.date, doc.severity, doc.authors) == (date(2024, 1, 15), "SEV2", ["@alice"])


def test_metadata_fields_on_one_line_separated_by_pipes() -> None:
    doc = parse(
        "# Quick Postmortem: Cache\n**Date**: 2024-01-15 | **Duration**: 12 min | **Severity**: SEV3\n"
    )
    assert (doc.date, doc.severity) == (date(2024, 1, 15), "SEV3")


def test_front_matter_metadata() -> None:
    doc = parse(
        "---\ntitle: Disk full\ndate: 2024-03-01\nseverity: SEV1\nteam: storage\nauthors: [kim, lee]\n---\n\nText\n"
    )
    assert (doc.title, doc.date, doc.severity, doc.team, doc.authors) == (
        "Disk full",
        date(2024, 3, 1),
        "SEV1",
        "storage",
        ["kim", "lee"],
    )
    assert doc.front_matter["team"] == "storage"


def test_metadata_table_near_the_top() -> None:
    doc = parse(
        "# v3.5 data inconsistency\n\n|  |  |\n|--|--|\n| Authors | serathius@ |\n"
        "| Date | 2022-04-20 |\n| Severity | SEV2 |\n| Status | published |\n"
    )
    assert (doc.date, doc.severity, doc.status, doc.authors) == (
        date(2022, 4, 20),
        "SEV2",
        "published",
        ["serathius@"],
    )


def test_metadata_table_with_a_bold_key_in_its_header_row() -> None:
    doc = parse("# T\n\n| **Severity** | SEV2 |\n|---|---|\n| **Date** | 2024-01-02 |\n")
    assert (doc.date, doc.severity) == (date(2024, 1, 2), "SEV2")


def test_metadata_table_date_with_a_time_zone_or_a_range_is_its_first_day() -> None:
    doc = parse(
        "# T\n\n| Field | Value |\n| --- | --- |\n| Date | 2026-08-08 to 2026-08-09 JST |\n"
    )
    assert doc.date == date(2026, 8, 8)


def test_a_timeline_table_header_is_not_a_date() -> None:
    doc = parse("# T\n\n| Date | Event |\n|---|---|\n| 14:02 | paged |\n\n**Date**: 2024-05-06\n")
    assert doc.date == date(2024, 5, 6)


def test_metadata_sections_give_their_first_line() -> None:
    doc = parse(
        "# Sushibar certificate\n\n## Date\nStart: Wednesday, 2018-08-22\nEnd: Thursday\n\n"
        "## Authors\nAron Asor\n\n## Status\nResolved\n\n## Severity\n\n"
        "**Critical** - Complete or major outage.\n"
    )
    assert (doc.date, doc.authors, doc.status, doc.severity) == (
        date(2018, 8, 22),
        ["Aron Asor"],
        "Resolved",
        "Critical",
    )


def test_an_empty_metadata_section_reads_nothing_from_the_next_one() -> None:
    doc = parse("# T\n\n### Date\n\n### Authors\n\nKim\n")
    assert (doc.date, doc.authors) == (None, ["Kim"])


def test_metadata_written_after_the_action_items_is_not_read() -> None:
    doc = parse("# T\n\n## Action Items\n- [ ] Add alert\n\n## Status\nDraft\n")
    assert doc.status is None


def test_a_date_range_gives_its_first_day() -> None:
    doc = parse("# T\n\n**Date:** January 14-19, 2026\n**Severity:** Critical\n")
    assert (doc.date, doc.severity) == (date(2026, 1, 14), "Critical")


@pytest.mark.parametrize(
    "placeholder", ["[SEV-1/SEV-2/SEV-3/SEV-4]", "SEV-N", "SEV1 / SEV2", "TBD"]
)
def test_a_severity_placeholder_is_no_severity(placeholder: str) -> None:
    assert parse(f"# T\n\n**Severity**: {placeholder}\n").severity is None


def test_meeting_date_is_the_date_of_a_retrospective() -> None:
    assert parse("# Sprint 85 复盘\n\n**会议日期**: 2026-05-18\n").date == date(2026, 5, 18)


def test_invalid_front_matter_is_a_warning() -> None:
    doc = parse("---\ntitle: [unclosed\n---\n# T\n")
    assert codes(doc) == ["bad-front-matter"]
    assert doc.title == "T"


# ---------------------------------------------------------------- encodings


def test_utf8_bom_is_ignored_and_lines_keep_their_numbers() -> None:
    plain = parse(TABLE_DOC.encode())
    with_bom = parse(b"\xef\xbb\xbf" + TABLE_DOC.encode())
    assert with_bom.title == plain.title == "API outage"
    assert [(i.id, i.line) for i in with_bom.items] == [(i.id, i.line) for i in plain.items]


def test_crlf_documents_give_the_same_items_and_lines() -> None:
    lf = parse(TABLE_DOC)
    crlf = parse(TABLE_DOC.replace("\n", "\r\n").encode())
    assert [(i.id, i.line, i.raw) for i in crlf.items] == [(i.id, i.line, i.raw) for i in lf.items]


def test_non_utf8_file_is_one_warning_and_no_items() -> None:
    doc = parse("# Caf\xe9\n\n## Action Items\n- x\n".encode("latin-1"))
    assert (doc.items, codes(doc)) == ([], ["not-utf8"])
    assert doc.warnings[0].line == 1


def test_binary_file_is_one_warning_and_no_items() -> None:
    doc = parse(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR")
    assert (doc.items, codes(doc)) == ([], ["binary"])


def test_parse_file_never_raises_on_bad_content(tmp_path: Path) -> None:
    file = tmp_path / "bad.md"
    file.write_bytes(b"\xff\xfe\xfa garbage")
    assert codes(parse_file(file)) == ["not-utf8"]


def test_sha256_is_of_the_bytes_parsed() -> None:
    import hashlib

    data = TABLE_DOC.encode()
    assert parse(data).sha256 == hashlib.sha256(data).hexdigest()


# ---------------------------------------------------------------- warnings


def test_missing_owner_warning_names_the_line() -> None:
    doc = parse("## Action Items\n\n- Add alert\n")
    assert [(w.code, w.line, w.path) for w in doc.warnings] == [("missing-owner", 3, "pm.md")]


def test_unparseable_date_warning() -> None:
    doc = parse("| Action | Owner | Due |\n|---|---|---|\n| A | @a | next sprint |\n")
    assert codes(doc) == ["bad-date"]
    assert doc.items[0].due is None


def test_unknown_status_warning_and_the_item_stays_open() -> None:
    doc = parse("| Action | Owner | Status |\n|---|---|---|\n| A | @a | Blorked |\n")
    assert codes(doc) == ["unknown-status"]
    assert doc.items[0].status is Status.OPEN


def test_duplicate_action_warning_and_distinct_ids() -> None:
    doc = parse("| Action | Owner |\n|---|---|\n| Add alert | @a |\n| add  ALERT | @b |\n")
    assert codes(doc) == ["duplicate-action"]
    assert doc.warnings[0].line == 4
    assert len({item.id for item in doc.items}) == 2


def test_warning_renders_as_file_line_code_message() -> None:
    doc = parse("## Action Items\n\n- Add alert\n")
    assert str(doc.warnings[0]).startswith("pm.md:3: missing-owner: ")


# ---------------------------------------------------------------- ids


def test_ids_survive_reordering_rows_and_editing_other_cells() -> None:
    before = {item.action: item.id for item in parse(TABLE_DOC).items}
    lines = TABLE_DOC.splitlines(keepends=True)
    lines[-2], lines[-1] = (
        lines[-1].replace("@bob", "@carol"),
        lines[-2].replace("ENG-1234", "ENG-9"),
    )
    after = {item.action: item.id for item in parse("".join(lines)).items}
    assert after == before


def test_ids_change_when_the_action_is_reworded() -> None:
    before = parse(TABLE_DOC).items[0].id
    assert parse(TABLE_DOC.replace("Add integration test", "Add unit test")).items[0].id != before


def test_ids_depend_on_the_document_key() -> None:
    assert parse(TABLE_DOC, "a.md").items[0].id != parse(TABLE_DOC, "b.md").items[0].id


def test_front_matter_id_keys_the_ids_instead_of_the_path() -> None:
    text = "---\nid: INC-42\n---\n" + TABLE_DOC
    assert parse(text, "a.md").items[0].id == parse(text, "moved/b.md").items[0].id
    assert parse(text, "a.md").key == "INC-42"


def test_ids_are_twelve_hex_digits() -> None:
    item_id = parse(TABLE_DOC).items[0].id
    assert len(item_id) == 12 and int(item_id, 16) >= 0


# ---------------------------------------------------------------- finding files


@pytest.fixture
def tree(tmp_path: Path) -> Path:
    for name in (
        "b.md",
        "a.markdown",
        "sub/c.md",
        "sub/deep/d.md",
        "notes.txt",
        ".git/x.md",
        "drafts/e.md",
    ):
        file = tmp_path / name
        file.parent.mkdir(parents=True, exist_ok=True)
        file.write_text(
            f"# {name}\n\n## Action Items\n\n- Do {name} — owner: @kim\n", encoding="utf-8"
        )
    return tmp_path


def test_folders_are_searched_recursively_in_sorted_order(tree: Path) -> None:
    paths = [Path(doc.path).relative_to(tree).as_posix() for doc in iter_documents([tree])]
    assert paths == ["a.markdown", "b.md", "drafts/e.md", "sub/c.md", "sub/deep/d.md"]


def test_include_and_exclude_globs(tree: Path) -> None:
    docs = iter_documents([tree], include=["**/*.md"], exclude=["drafts/**", "sub/deep/*"])
    assert [Path(d.path).relative_to(tree).as_posix() for d in docs] == ["b.md", "sub/c.md"]


def test_files_named_directly_are_read(tree: Path) -> None:
    docs = list(iter_documents([tree / "notes.txt", tree / "b.md"]))
    assert [Path(d.path).name for d in docs] == ["notes.txt", "b.md"]


def test_ids_are_keyed_on_the_path_relative_to_the_scanned_folder(tree: Path) -> None:
    doc = next(d for d in iter_documents([tree]) if d.path.endswith("c.md"))
    assert doc.key == "sub/c.md"
    assert doc.items[0].id == parse(Path(doc.path).read_text(), "sub/c.md").items[0].id


def test_unreadable_file_is_a_warning_and_the_scan_goes_on(tree: Path) -> None:
    (tree / "broken.md").symlink_to(tree / "gone.md")  # listed, but reading it fails
    docs = {Path(d.path).name: d for d in iter_documents([tree])}
    assert [w.code for w in docs["broken.md"].warnings] == ["unreadable"]
    assert docs["c.md"].items


def test_missing_path_is_a_usage_error(tmp_path: Path) -> None:
    with pytest.raises(TrackerError) as raised:
        list(iter_documents([tmp_path / "nope"]))
    assert raised.value.exit_code == 2


def test_documents_are_parsed_one_at_a_time(tree: Path) -> None:
    documents = iter_documents([tree])
    first = next(documents)
    (tree / "sub" / "c.md").write_text("# changed\n", encoding="utf-8")
    later = {Path(d.path).name: d for d in documents}
    assert first.title == "a.markdown"
    assert later["c.md"].title == "changed"
