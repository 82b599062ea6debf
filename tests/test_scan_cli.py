"""`tracker scan`: the table for people, the JSON schema for tools, --strict for CI."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from tracker.cli.app import app
from tracker.parse.identity import item_id

GOOD = """\
# Postmortem: Disk full

**Date**: 2024-03-01
**Severity**: SEV2

## Action Items

| Action | Owner | Due Date | Ticket | Status |
|--------|-------|----------|--------|--------|
| Add disk alert | @kim | 2024-03-08 | [OPS-88](https://acme.atlassian.net/browse/OPS-88) | ✅ Done |
"""

WARNED = """\
# 事后分析：缓存

## 行动项

- [ ] 增加缓存预热（截止：下周）
"""


@pytest.fixture
def docs(tmp_path: Path) -> Path:
    (tmp_path / "sub").mkdir()
    (tmp_path / "good.md").write_text(GOOD, encoding="utf-8")
    (tmp_path / "sub" / "warned.markdown").write_text(WARNED, encoding="utf-8")
    (tmp_path / "notes.txt").write_text("- not a postmortem\n", encoding="utf-8")
    return tmp_path


def scan(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(app, ["scan", *args], catch_exceptions=False)
    return result.exit_code, result.stdout


def test_json_output_follows_the_documented_schema(docs: Path) -> None:
    code, out = scan(str(docs / "good.md"), "--format", "json")
    assert code == 0
    assert json.loads(out) == {
        "documents": [
            {
                "path": str(docs / "good.md"),
                "title": "Disk full",
                "date": "2024-03-01",
                "severity": "SEV2",
                "team": None,
                "items": [
                    {
                        "id": json.loads(out)["documents"][0]["items"][0]["id"],
                        "line": 10,
                        "action": "Add disk alert",
                        "owners": ["@kim"],
                        "due": "2024-03-08",
                        "derived_due": None,
                        "priority": None,
                        "status": "done",
                        "tickets": [
                            {
                                "system": "jira",
                                "key": "OPS-88",
                                "url": "https://acme.atlassian.net/browse/OPS-88",
                            }
                        ],
                        "type": None,
                        "raw": {
                            "action": "Add disk alert",
                            "owner": "@kim",
                            "due": "2024-03-08",
                            "ticket": "[OPS-88](https://acme.atlassian.net/browse/OPS-88)",
                            "status": "✅ Done",
                        },
                        "found_by": "action-table",
                    }
                ],
                "warnings": [],
            }
        ]
    }


def test_folders_are_scanned_recursively_for_markdown_files(docs: Path) -> None:
    code, out = scan(str(docs), "--format", "json")
    paths = [Path(d["path"]).relative_to(docs).as_posix() for d in json.loads(out)["documents"]]
    assert (code, paths) == (0, ["good.md", "sub/warned.markdown"])


def test_warnings_are_listed_with_line_code_and_message(docs: Path) -> None:
    _, out = scan(str(docs / "sub"), "--format", "json")
    warnings = json.loads(out)["documents"][0]["warnings"]
    assert [(w["line"], w["code"]) for w in warnings] == [(5, "bad-date"), (5, "missing-owner")]


def test_table_view_shows_items_and_warnings(docs: Path) -> None:
    code, out = scan(str(docs))
    assert code == 0
    assert "good.md:10" in out and "Add disk alert" in out and "OPS-88" in out
    assert "warned.markdown:5: missing-owner" in out
    assert "2 action items in 2 documents, 2 warnings" in out


def test_strict_exits_1_when_there_is_a_warning(docs: Path) -> None:
    assert scan(str(docs), "--strict")[0] == 1


def test_strict_exits_0_when_the_documents_are_clean(docs: Path) -> None:
    assert scan(str(docs / "good.md"), "--strict", "--format", "json")[0] == 0


def test_include_and_exclude_globs(docs: Path) -> None:
    _, only_txt = scan(str(docs), "--include", "**/*.txt", "--format", "json")
    _, no_sub = scan(str(docs), "--exclude", "sub/**", "--format", "json")
    assert [Path(d["path"]).name for d in json.loads(only_txt)["documents"]] == ["notes.txt"]
    assert [Path(d["path"]).name for d in json.loads(no_sub)["documents"]] == ["good.md"]


def test_missing_path_is_a_usage_error_on_one_line(tmp_path: Path) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "tracker", "scan", str(tmp_path / "nope.md")],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 2
    assert result.stderr.strip().splitlines() == [
        f"error: no such file or directory: {tmp_path / 'nope.md'}"
    ]


def test_unknown_format_is_a_usage_error(docs: Path) -> None:
    result = CliRunner().invoke(app, ["scan", str(docs), "--format", "xml"])
    assert result.exit_code == 2


def test_without_a_config_ids_are_keyed_relative_to_the_current_folder(
    docs: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("TRACKER_CONFIG", raising=False)
    monkeypatch.chdir(docs)
    _, out = scan("sub", "--format", "json")
    document = json.loads(out)["documents"][0]
    action = document["items"][0]["action"]
    assert document["items"][0]["id"] == item_id("sub/warned.markdown", action, 0)


LONG = """\
# Postmortem: Queue backlog

## Action Items

- [ ] Shard the queue — owner: @kim
- [ ] Alert on consumer lag — owner: @bob
- [ ] Document the replay runbook
- [ ] Rotate the broker keys — owner: @kim
- [ ] Load-test the new partitions with a much longer action text than the others — owner: @lee
"""


@pytest.fixture
def long_scan(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    """A scan of 5 items through a table whose page holds 2 (so it streams 3 pages)."""
    import tracker.cli.scan_table as scan_table

    monkeypatch.setattr(scan_table, "TABLE_PAGE", 2)
    (tmp_path / "long.md").write_text(LONG, encoding="utf-8")
    return scan(str(tmp_path / "long.md"))[1]


def test_a_long_table_streams_every_item_once_under_one_header(long_scan: str) -> None:
    for line in (5, 6, 7, 8, 9):
        assert long_scan.count(f"long.md:{line} ") == 1
    assert long_scan.count("file:line") == 1
    assert "5 action items in 1 document, 1 warning" in long_scan


def test_a_streamed_table_keeps_its_columns_aligned_across_pages(long_scan: str) -> None:
    rows = [line for line in long_scan.splitlines() if "long.md:" in line and "│" in line]
    assert len(rows) >= 5
    separators = {tuple(i for i, char in enumerate(row) if char == "│") for row in rows}
    assert len(separators) == 1


def test_warnings_of_a_streamed_table_follow_it(long_scan: str) -> None:
    lines = long_scan.splitlines()
    last_row = max(i for i, line in enumerate(lines) if "long.md:" in line and "│" in line)
    warning = next(i for i, line in enumerate(lines) if line.startswith("warning:"))
    assert warning > last_row
    assert "long.md:7: missing-owner" in lines[warning]
