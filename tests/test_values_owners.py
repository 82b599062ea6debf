"""Owner cells → lists of names; placeholders mean unowned."""

from __future__ import annotations

import pytest

from tracker.parse import parse_owners, parse_priority


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("@alice", ["@alice"]),
        ("Jane Doe", ["Jane Doe"]),
        ("QA Team", ["QA Team"]),
        ("jane@example.com", ["jane@example.com"]),
        ("@alice, @bob", ["@alice", "@bob"]),
        ("Jane Doe (On-call), John Smith (DBA)", ["Jane Doe", "John Smith"]),
        ("Magnus/Claude", ["Magnus", "Claude"]),
        ("@backend/@frontend", ["@backend", "@frontend"]),
        ("<b>@eve</b>", ["@eve"]),
        ("<strong>Jane Doe</strong>, <i>@bob</i>", ["Jane Doe", "@bob"]),
        ('<span class="x">@a</span>/@b', ["@a", "@b"]),
        ("Alice<br>Bob", ["Alice", "Bob"]),
        ("Alice and Bob", ["Alice", "Bob"]),
        ("张三、李四", ["张三", "李四"]),
        ("**@lee**", ["@lee"]),
        ("[Kim](mailto:kim@example.com)", ["Kim"]),
    ],
)
def test_owner_cells_become_lists_of_names(text: str, expected: list[str]) -> None:
    assert parse_owners(text) == expected


@pytest.mark.parametrize(
    "text", ["", "TBD", "?", "-", "N/A", "待定", "unassigned", "[Name]", "{{owner}}"]
)
def test_placeholders_mean_nobody_owns_the_item(text: str) -> None:
    assert parse_owners(text) == []


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("P0", "P0"),
        ("p3", "P3"),
        ("P1 (Critical)", "P1"),
        ("SEV1", "P1"),
        ("Sev-2", "P2"),
        ("Critical", "P0"),
        ("High", "P1"),
        ("Medium", "P2"),
        ("Low", "P3"),
        ("🔴 HIGH", "P1"),
        ("高", "P1"),
        ("中", "P2"),
        ("低", "P3"),
    ],
)
def test_priority_forms_map_to_p0_to_p4(text: str, expected: str) -> None:
    assert parse_priority(text) == expected


@pytest.mark.parametrize("text", ["", "soon", "-"])
def test_unrecognised_priority_is_none(text: str) -> None:
    assert parse_priority(text) is None
