"""Baselines held once and compactly: what lets a 100k-item night fit in memory."""

from __future__ import annotations

import sys
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import func, select

from tracker.model import ActionItem, TicketRef
from tracker.store import Store
from tracker.store.models import ActionItemRow, PostmortemRow, TicketLink
from tracker.sync.fields import Fields
from tracker.sync.state import Baseline, load_baselines, save_baselines, tickets_linked

NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
AGREED = Fields("Rotate the keys", "ana", "2026-04-01", "P1", "open")


def _items(store: Store, count: int) -> list[str]:
    """`count` recorded items in one document (ticket links need their item)."""
    ids = [f"item-{number:05d}" for number in range(count)]
    with store.session() as session:
        document = PostmortemRow(path="pm.md", team="infra", last_scanned_at=NOW, title="pm")
        session.add(document)
        session.flush()
        assert document.id is not None
        for line, item_id in enumerate(ids, 1):
            session.add(
                ActionItemRow(
                    id=item_id,
                    postmortem_id=document.id,
                    path="pm.md",
                    line=line,
                    action="Rotate the keys",
                    owners=[],
                    team="infra",
                    status="open",
                    first_seen_at=NOW,
                    updated_at=NOW,
                    doc_hash="x" * 64,
                )
            )
    return ids


def _baseline(item_id: str, number: int) -> Baseline:
    key = f"ENG-{number}"
    return Baseline(item_id, "jira", key, f"https://jira/browse/{key}", AGREED, AGREED, AGREED)


def test_items_already_loaded_are_left_out_of_a_selection(store: Store) -> None:
    first, second = _items(store, 2)
    save_baselines(store, [_baseline(first, 1), _baseline(second, 2)], now=NOW)

    found = load_baselines(
        store, item_ids=(), tickets={("jira", "ENG-1"), ("jira", "ENG-2")}, loaded={first}
    )

    assert list(found) == [second]


def test_loaded_baselines_keep_their_fields_and_path(store: Store) -> None:
    (item_id,) = _items(store, 1)
    ticket = AGREED.with_value("status", "done")
    saved = Baseline(item_id, "jira", "ENG-1", None, AGREED, ticket, ticket)
    save_baselines(store, [saved], now=NOW)

    loaded = load_baselines(store, item_ids=[item_id])[item_id]

    assert loaded == Baseline(item_id, "jira", "ENG-1", None, AGREED, ticket, ticket, path="pm.md")


def test_sides_that_agree_share_one_fields_object_once_loaded(store: Store) -> None:
    (item_id,) = _items(store, 1)
    save_baselines(store, [_baseline(item_id, 1)], now=NOW)

    loaded = load_baselines(store)[item_id]

    assert loaded.ticket is loaded.doc and loaded.seen is loaded.doc


def test_saving_more_baselines_than_a_session_batch_keeps_every_one(store: Store) -> None:
    ids = _items(store, 1_203)
    save_baselines(store, [_baseline(item_id, n) for n, item_id in enumerate(ids)], now=NOW)
    # Saved again (as every run does): found and updated, not inserted twice.
    save_baselines(store, [_baseline(item_id, n) for n, item_id in enumerate(ids)], now=NOW)

    with store.session() as session:
        links = session.scalar(select(func.count()).select_from(TicketLink))
    assert len(load_baselines(store)) == 1_203 and links == 1_203


def test_more_tickets_than_one_chunk_find_their_items_by_key_and_by_url(store: Store) -> None:
    ids = _items(store, 700)
    save_baselines(store, [_baseline(item_id, n) for n, item_id in enumerate(ids)], now=NOW)
    by_url = {("jira", f"https://jira/browse/ENG-{n}") for n in range(350)}
    by_key = {("jira", f"ENG-{n}") for n in range(350, 700)}

    found = load_baselines(store, item_ids=(), tickets=by_url | by_key, loaded={ids[0]})

    assert sorted(found) == ids[1:]


def _row(item_id: str, key: str, url: str) -> ActionItem:
    """The item as this run parsed it: its own strings, equal to the stored ones."""
    copy = "".join  # a new string object with the same text
    return ActionItem(
        id=copy(item_id),
        path="pm.md",
        line=1,
        action=copy(AGREED.summary),
        tickets=[TicketRef("jira", copy(key), copy(url))],
    )


def test_loaded_baselines_share_the_parsed_rows_equal_strings(store: Store) -> None:
    (item_id,) = _items(store, 1)
    save_baselines(store, [_baseline(item_id, 1)], now=NOW)
    row = _row(item_id, "ENG-1", "https://jira/browse/ENG-1")

    loaded = load_baselines(store, item_ids=[item_id], rows={item_id: row})[row.id]

    assert loaded.item_id is row.id and loaded.doc.summary is row.action
    assert loaded.key is row.tickets[0].key and loaded.url is row.tickets[0].url
    assert loaded == Baseline(
        item_id, "jira", "ENG-1", "https://jira/browse/ENG-1", AGREED, AGREED, AGREED, path="pm.md"
    )


def test_a_row_naming_another_ticket_shares_nothing_of_it(store: Store) -> None:
    (item_id,) = _items(store, 1)
    save_baselines(store, [_baseline(item_id, 1)], now=NOW)
    row = _row(item_id, "ENG-2", "https://jira/browse/ENG-2")

    loaded = load_baselines(store, item_ids=[item_id], rows={item_id: row})[item_id]

    assert (loaded.key, loaded.url) == ("ENG-1", "https://jira/browse/ENG-1")


def test_every_loaded_baseline_holds_one_string_for_its_system(store: Store) -> None:
    first, second = _items(store, 2)
    save_baselines(store, [_baseline(first, 1), _baseline(second, 2)], now=NOW)

    loaded = load_baselines(store)

    assert loaded[first].system is loaded[second].system is sys.intern("jira")


def test_of_the_tickets_asked_only_those_a_baseline_links_are_named() -> None:
    baselines = {f"item-{n}": _baseline(f"item-{n}", n) for n in range(3)}

    linked = tickets_linked(baselines, {("jira", "ENG-1"), ("jira", "ENG-9"), ("github", "ENG-2")})

    assert linked == {("jira", "ENG-1")}


def test_asking_about_no_ticket_reads_no_baseline() -> None:
    class Untouchable(dict[str, Baseline]):
        def values(self) -> Any:
            raise AssertionError("every baseline read for nothing")

    assert tickets_linked(Untouchable(), set()) == set()
