"""Source lines and row cells agree with markdown-it, so edits land in the right cell."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st
from markdown_it.common.utils import mdTrim
from markdown_it.rules_block.table import escapedSplit

from tracker.parse.lines import display_width, row_cells, split_lines


def markdown_it_cells(line: str) -> list[str]:
    columns = escapedSplit(mdTrim(line))
    if columns and columns[0] == "":
        columns.pop(0)
    if columns and columns[-1] == "":
        columns.pop()
    return [mdTrim(column) for column in columns]


@settings(max_examples=200, deadline=None)
@given(st.text(alphabet=st.sampled_from(list("|\\ a`\t测")), max_size=16))
def test_row_cells_split_like_markdown_it(line: str) -> None:
    # markdown-it drops the backslash of each escaped pipe while splitting; so do we here
    ours = [line[start:end].replace("\\|", "|").strip(" \t") for start, end in row_cells(line)]
    assert ours == markdown_it_cells(line)


def test_row_cells_of_a_quoted_row_skip_the_quote_marker() -> None:
    line = "> | a | b |\n"
    assert [line[s:e] for s, e in row_cells(line, quoted=True)] == [" a ", " b "]


@given(st.text(alphabet=st.sampled_from(list("ab\r\n\x0b\x0c\u2028 ")), max_size=20))
def test_split_lines_keeps_every_character_and_breaks_only_on_cr_lf(text: str) -> None:
    lines = split_lines(text)
    assert "".join(lines) == text
    assert all(
        line.rstrip("\r\n").count("\n") == line.rstrip("\r\n").count("\r") == 0 for line in lines
    )


def test_wide_characters_take_two_columns() -> None:
    assert (display_width("ab"), display_width("测试"), display_width("✅")) == (2, 4, 2)
