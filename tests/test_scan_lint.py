"""`tracker scan --strict`: quality warnings for items that probably won't get done as written."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from tests.cli_helpers import invoke_tracker
from tracker.cli.app import app

HEADER = """\
# Postmortem: Queue backlog

**Date**: 2024-05-10

## Action items

| Action | Owner | Due | Priority |
|--------|-------|-----|----------|
"""

CLEAN_ROW = "| Alert when the queue is 10 minutes behind | @kim | 2024-05-24 | P1 |\n"


def write_doc(folder: Path, rows: str, *, header: str = HEADER, name: str = "pm.md") -> Path:
    path = folder / name
    path.write_text(header + rows, encoding="utf-8")
    return path


def strict_scan(path: Path, *extra: str) -> tuple[int, list[dict[str, object]]]:
    result = CliRunner().invoke(
        app, ["scan", str(path), "--strict", "--format", "json", *extra], catch_exceptions=False
    )
    warnings = json.loads(result.stdout)["documents"][0]["warnings"]
    return result.exit_code, warnings


def codes(warnings: list[dict[str, object]]) -> list[object]:
    return [warning["code"] for warning in warnings]


def test_a_clean_item_passes_strict(tmp_path: Path) -> None:
    assert strict_scan(write_doc(tmp_path, CLEAN_ROW)) == (0, [])


def test_a_vague_action_is_a_warning_at_its_line(tmp_path: Path) -> None:
    doc = write_doc(tmp_path, "| Investigate the backlog | @kim | 2024-05-24 | P2 |\n")
    code, warnings = strict_scan(doc)
    assert code == 1
    assert codes(warnings) == ["vague-action"]
    assert warnings[0]["line"] == 9
    assert "'investigate'" in str(warnings[0]["message"])


def test_a_vague_word_inside_a_longer_word_is_not_vague(tmp_path: Path) -> None:
    doc = write_doc(tmp_path, "| Monitoring dashboard for queue lag | @kim | 2024-05-24 | P2 |\n")
    assert strict_scan(doc) == (0, [])


def test_a_chinese_vague_action_is_a_warning(tmp_path: Path) -> None:
    doc = write_doc(tmp_path, "| 优化数据库连接池 | @kim | 2024-05-24 | P2 |\n")
    assert codes(strict_scan(doc)[1]) == ["vague-action"]


def test_a_team_as_owner_is_a_warning(tmp_path: Path) -> None:
    doc = write_doc(tmp_path, "| Add a queue-depth alert | SRE team | 2024-05-24 | P2 |\n")
    code, warnings = strict_scan(doc)
    assert (code, codes(warnings)) == (1, ["team-owner"])
    assert "'SRE team'" in str(warnings[0]["message"])


def test_a_team_named_in_the_config_is_a_group_owner(tmp_path: Path) -> None:
    (tmp_path / "tracker.toml").write_text('[[teams]]\nname = "payments"\n', encoding="utf-8")
    doc = write_doc(tmp_path, "| Add a queue-depth alert | payments | 2024-05-24 | P2 |\n")
    _, warnings = strict_scan(doc, "--config", str(tmp_path / "tracker.toml"))
    assert codes(warnings) == ["team-owner"]


def test_a_person_whose_alias_looks_like_a_group_is_not_flagged(tmp_path: Path) -> None:
    (tmp_path / "tracker.toml").write_text(
        '[[people]]\nname = "Olga Petrova"\naliases = ["ops"]\n', encoding="utf-8"
    )
    doc = write_doc(tmp_path, "| Add a queue-depth alert | ops | 2024-05-24 | P2 |\n")
    assert strict_scan(doc, "--config", str(tmp_path / "tracker.toml")) == (0, [])


def test_an_urgent_item_without_a_due_date_is_a_warning(tmp_path: Path) -> None:
    doc = write_doc(tmp_path, "| Add a queue-depth alert | @kim | | P0 |\n")
    assert codes(strict_scan(doc)[1]) == ["urgent-without-due"]


def test_a_due_date_before_the_postmortem_is_a_warning(tmp_path: Path) -> None:
    doc = write_doc(tmp_path, "| Add a queue-depth alert | @kim | 2023-05-24 | P2 |\n")
    _, warnings = strict_scan(doc)
    assert codes(warnings) == ["due-before-incident"]
    assert "2024-05-10" in str(warnings[0]["message"])


def test_an_action_of_three_sentences_is_too_long(tmp_path: Path) -> None:
    action = "Add a queue alert. It pages the on-call. Tune it after a week."
    doc = write_doc(tmp_path, f"| {action} | @kim | 2024-05-24 | P2 |\n")
    assert codes(strict_scan(doc)[1]) == ["long-action"]


def test_an_abbreviation_does_not_end_a_sentence(tmp_path: Path) -> None:
    action = "Alert on lag, e.g. 10 minutes behind. Page the on-call."
    doc = write_doc(tmp_path, f"| {action} | @kim | 2024-05-24 | P2 |\n")
    assert strict_scan(doc) == (0, [])


def test_a_disabled_check_is_not_reported(tmp_path: Path) -> None:
    (tmp_path / "tracker.toml").write_text('[lint]\ndisable = ["vague-action"]\n', encoding="utf-8")
    doc = write_doc(tmp_path, "| Investigate the backlog | @kim | 2024-05-24 | P2 |\n")
    assert strict_scan(doc, "--config", str(tmp_path / "tracker.toml")) == (0, [])


def test_the_vague_words_are_configurable(tmp_path: Path) -> None:
    (tmp_path / "tracker.toml").write_text('[lint]\nvague_words = ["revisit"]\n', encoding="utf-8")
    config = ["--config", str(tmp_path / "tracker.toml")]
    assert (
        strict_scan(write_doc(tmp_path, "| Investigate it | @kim | 2024-05-24 | P2 |\n"), *config)[
            1
        ]
        == []
    )
    doc = write_doc(tmp_path, "| Revisit the limits | @kim | 2024-05-24 | P2 |\n", name="b.md")
    assert codes(strict_scan(doc, *config)[1]) == ["vague-action"]


def test_an_unknown_check_name_is_a_config_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "tracker.toml").write_text('[lint]\ndisable = ["vague"]\n', encoding="utf-8")
    doc = write_doc(tmp_path, CLEAN_ROW)
    outcome = invoke_tracker(
        "scan",
        str(doc),
        "--config",
        str(tmp_path / "tracker.toml"),
        capsys=capsys,
        monkeypatch=monkeypatch,
    )
    assert outcome.returncode == 2
    assert "lint.disable[0]: must be 'vague-action'" in outcome.stderr
    assert outcome.stdout == ""


def test_quality_checks_run_only_with_strict(tmp_path: Path) -> None:
    doc = write_doc(tmp_path, "| Investigate the backlog | SRE team | | P0 |\n")
    result = CliRunner().invoke(app, ["scan", str(doc), "--format", "json"])
    assert result.exit_code == 0
    assert json.loads(result.stdout)["documents"][0]["warnings"] == []


def test_the_table_output_lists_quality_warnings_with_file_and_line(tmp_path: Path) -> None:
    doc = write_doc(tmp_path, "| Look into the backlog | @kim | 2024-05-24 | P2 |\n")
    result = CliRunner().invoke(app, ["scan", str(doc), "--strict"])
    assert result.exit_code == 1
    assert f"{doc}:9: vague-action:" in " ".join(result.stdout.split())


CORPUS = Path(__file__).parent / "corpus"


def test_only_open_urgent_items_without_a_date_are_flagged_in_a_real_postmortem() -> None:
    # etcd's v3.5 data-inconsistency postmortem: the P0 rows are done; four P1 rows are open with no date.
    code, warnings = strict_scan(CORPUS / "etcd__v3.5-data-inconsistency.md")
    urgent = [w["line"] for w in warnings if w["code"] == "urgent-without-due"]
    assert code == 1
    assert urgent == [122, 123, 126, 128]


def test_a_closed_item_is_not_checked(tmp_path: Path) -> None:
    header = HEADER.replace("| Priority |", "| Priority | Status |").replace(
        "|----------|", "|----------|--------|"
    )
    doc = write_doc(tmp_path, "| Investigate it | SRE team | | P0 | Done |\n", header=header)
    assert strict_scan(doc) == (0, [])
