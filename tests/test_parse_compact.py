"""Parsed items share their repeated values: a 100k-item sync holds every item at once."""

from __future__ import annotations

import sys

import pytest

from tracker.model import Postmortem
from tracker.parse import parse_text

TABLE = (
    "## Action Items\n\n"
    "| Action | Owner | Due | Priority | Ticket | Status |\n"
    "| --- | --- | --- | --- | --- | --- |\n"
)


def _two_documents() -> tuple[Postmortem, Postmortem]:
    rows = [
        "| Rotate the keys | @ana | 2027-04-01 | P1 | | Open |",
        "| Add an alert | @ana | 2027-04-01 | P1 | | Open |",
    ]
    return (
        parse_text(TABLE + rows[0] + "\n", "one.md"),
        parse_text(TABLE + rows[1] + "\n", "two.md"),
    )


def test_equal_short_cells_of_different_items_are_one_object() -> None:
    first, second = (doc.items[0] for doc in _two_documents())

    for column in ("owner", "due", "priority", "status"):
        assert first.raw[column] is second.raw[column]


def test_equal_owners_priorities_and_due_dates_are_one_object() -> None:
    first, second = (doc.items[0] for doc in _two_documents())

    assert first.owners[0] is second.owners[0]
    assert first.priority is second.priority
    assert first.due is second.due


def test_an_action_as_written_is_the_cells_own_string() -> None:
    item = _two_documents()[0].items[0]

    assert item.action == "Rotate the keys"
    assert item.action is item.raw["action"]


def test_shared_values_read_as_parsed() -> None:
    item = _two_documents()[0].items[0]

    assert item.owners == ["@ana"]
    assert str(item.due) == "2027-04-01"
    assert (item.priority, item.raw["status"]) == ("P1", "Open")


def test_a_rows_cells_read_as_the_dict_of_its_columns() -> None:
    item = _two_documents()[0].items[0]

    assert item.raw == {
        "action": "Rotate the keys",
        "owner": "@ana",
        "due": "2027-04-01",
        "priority": "P1",
        "ticket": "",
        "status": "Open",
    }
    assert list(item.raw) == ["action", "owner", "due", "priority", "ticket", "status"]
    assert item.raw.get("type") is None and "type" not in item.raw and item.extras == {}


def test_a_rows_cells_are_read_only() -> None:
    item = _two_documents()[0].items[0]

    with pytest.raises(TypeError):
        item.raw["status"] = "Done"  # type: ignore[index]


def test_a_rows_cells_take_half_the_memory_of_a_dict() -> None:
    item = _two_documents()[0].items[0]

    held = sys.getsizeof(item.raw) + sys.getsizeof(tuple(item.raw.values()))
    assert held <= sys.getsizeof(dict(item.raw)) // 2


def test_items_without_extra_columns_share_one_empty_mapping() -> None:
    first, second = (doc.items[0] for doc in _two_documents())

    assert first.extras == {} and first.extras is second.extras


def test_owner_and_ticket_lists_hold_no_spare_room() -> None:
    doc = parse_text(TABLE + "| Rotate the keys | @ana | | | ENG-1 | Open |\n", "one.md")
    item = doc.items[0]

    assert sys.getsizeof(item.owners) == sys.getsizeof(item.owners[:])
    assert sys.getsizeof(item.tickets) == sys.getsizeof(item.tickets[:])
