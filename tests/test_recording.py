"""Recording scans into the store (issue 4 item 4), on SQLite and PostgreSQL."""

from __future__ import annotations

import tempfile
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select, text
from sqlmodel import col

from tracker.config import parse_config
from tracker.model import ActionItem, Postmortem, Status, TicketRef
from tracker.store import Store, open_store
from tracker.store.models import (
    ActionItemRow,
    ItemOwner,
    PostmortemRow,
    StatusEvent,
    TicketLink,
)
from tracker.store.recording import record_documents

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
T1 = T0 + timedelta(days=1)
T2 = T0 + timedelta(days=2)

CONFIG = parse_config(
    {
        "teams": [
            {"name": "payments", "members": ["alice", "@bob"], "paths": ["pm/payments/**"]},
            {"name": "search", "members": ["carol"]},
        ],
        "people": [
            {"name": "alice", "aliases": ["@alice", "Alice Smith"], "email": "alice@corp.com"},
            {"name": "bob", "github_login": "bobby"},
            {"name": "carol", "aliases": ["Carol K"]},
        ],
    },
    label="test",
    base_dir=Path.cwd(),  # the documents' relative paths are relative to the config
    env={},
)


def item(
    item_id: str,
    path: str = "pm/payments/2026-03-01-outage.md",
    *,
    line: int = 10,
    action: str | None = None,
    owners: list[str] | None = None,
    status: Status = Status.OPEN,
    due: date | None = None,
    tickets: list[TicketRef] | None = None,
) -> ActionItem:
    return ActionItem(
        id=item_id,
        path=path,
        line=line,
        action=action or f"Do {item_id}",
        owners=owners if owners is not None else ["@alice"],
        status=status,
        due=due,
        tickets=tickets or [],
    )


def doc(
    path: str = "pm/payments/2026-03-01-outage.md", *items: ActionItem, team: str | None = None
) -> Postmortem:
    for entry in items:
        entry.path = path  # an item lives in the document it is listed in
    return Postmortem(
        path=path,
        title="Checkout outage",
        date=date(2026, 3, 1),
        severity="SEV2",
        team=team,
        items=list(items),
        sha256="a" * 64,
    )


def record(store: Store, docs: list[Postmortem], now: datetime = T0, **kwargs: Any) -> Any:
    return record_documents(store, docs, CONFIG, now=now, **kwargs)


def items_by_id(store: Store) -> dict[str, ActionItemRow]:
    with store.session() as session:
        return {row.id: row for row in session.execute(select(ActionItemRow)).scalars()}


def events(store: Store) -> list[StatusEvent]:
    with store.session() as session:
        return list(session.execute(select(StatusEvent).order_by(col(StatusEvent.id))).scalars())


def snapshot(store: Store) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every table, to prove a run wrote nothing."""
    tables = ["postmortem", "action_item", "item_owner", "ticket_link", "status_event"]
    with store.engine.connect() as connection:
        return {
            name: sorted(map(tuple, connection.execute(text(f"SELECT * FROM {name}"))), key=repr)
            for name in tables
        }


def test_first_recording_stores_every_item_with_a_first_status_event(store: Store) -> None:
    result = record(store, [doc("pm/payments/a.md", item("i1"), item("i2", status=Status.DONE))])

    assert (result.new, result.changed, result.unchanged) == (2, 0, 0)
    rows = items_by_id(store)
    assert rows["i1"].status == "open" and rows["i1"].first_seen_at == T0
    assert rows["i1"].closed_at is None
    assert rows["i2"].closed_at == T0
    assert [(e.item_id, e.from_status, e.to_status, e.source) for e in events(store)] == [
        ("i1", None, "open", "document"),
        ("i2", None, "done", "document"),
    ]


def test_rerunning_on_unchanged_documents_writes_nothing(store: Store) -> None:
    docs = [doc("pm/payments/a.md", item("i1"), item("i2", tickets=[ticket("PAY-1")]))]
    record(store, docs)
    before = snapshot(store)

    result = record(store, docs, now=T1)

    assert (result.new, result.changed, result.removed, result.unchanged) == (0, 0, 0, 2)
    assert snapshot(store) == before


def test_a_status_change_is_recorded_as_an_event_with_its_time(store: Store) -> None:
    record(store, [doc("pm/payments/a.md", item("i1"))])

    result = record(store, [doc("pm/payments/a.md", item("i1", status=Status.DONE))], now=T1)

    assert result.status_changes == 1
    assert [(e.from_status, e.to_status, e.at) for e in events(store)][-1] == ("open", "done", T1)
    row = items_by_id(store)["i1"]
    assert (row.status, row.closed_at, row.updated_at, row.first_seen_at) == ("done", T1, T1, T0)


def test_a_status_change_from_a_connector_with_a_long_name_is_recorded(store: Store) -> None:
    """A third-party connector's entry-point name (up to 32 characters, as wide as a
    ticket's system) fits the event's source on both stores."""
    from tracker.sync.state import record_status_events

    record(store, [doc("pm/payments/a.md", item("i1"))])
    source = "azure-devops-boards-enterprise-x"  # 32 characters

    record_status_events(store, [("i1", "open", "done", source)], now=T1)

    assert (events(store)[-1].to_status, events(store)[-1].source) == ("done", source)


def test_reopening_an_item_clears_its_closed_time(store: Store) -> None:
    record(store, [doc("pm/payments/a.md", item("i1", status=Status.DONE))])

    record(store, [doc("pm/payments/a.md", item("i1", status=Status.IN_PROGRESS))], now=T1)

    assert items_by_id(store)["i1"].closed_at is None


def test_done_to_wont_do_keeps_the_original_closed_time(store: Store) -> None:
    record(store, [doc("pm/payments/a.md", item("i1", status=Status.DONE))])

    record(store, [doc("pm/payments/a.md", item("i1", status=Status.WONT_DO))], now=T1)

    assert items_by_id(store)["i1"].closed_at == T0


def test_a_row_that_disappears_is_marked_removed_not_deleted(store: Store) -> None:
    record(store, [doc("pm/payments/a.md", item("i1"), item("i2"))])

    result = record(store, [doc("pm/payments/a.md", item("i1"))], now=T1)

    assert result.removed == 1
    rows = items_by_id(store)
    assert rows["i2"].removed_at == T1 and rows["i1"].removed_at is None


def test_a_removed_row_that_comes_back_is_restored(store: Store) -> None:
    record(store, [doc("pm/payments/a.md", item("i1"), item("i2"))])
    record(store, [doc("pm/payments/a.md", item("i1"))], now=T1)

    result = record(store, [doc("pm/payments/a.md", item("i1"), item("i2"))], now=T2)

    assert (result.restored, result.changed) == (1, 1)
    assert items_by_id(store)["i2"].removed_at is None


def test_a_document_missing_from_a_scanned_folder_is_marked_removed(store: Store) -> None:
    record(store, [doc("pm/payments/a.md", item("i1")), doc("pm/payments/b.md", item("i2"))])

    result = record(store, [doc("pm/payments/a.md", item("i1"))], now=T1, scope=["pm"])

    assert result.removed == 1
    assert items_by_id(store)["i2"].removed_at == T1
    with store.session() as session:
        removed = session.execute(
            select(col(PostmortemRow.path)).where(col(PostmortemRow.removed_at).is_not(None))
        ).all()
    assert [row[0] for row in removed] == ["pm/payments/b.md"]


def test_a_document_left_unread_as_unchanged_keeps_its_items(store: Store) -> None:
    record(store, [doc("pm/payments/a.md", item("i1")), doc("pm/payments/b.md", item("i2"))])
    before = snapshot(store)

    result = record(
        store,
        [doc("pm/payments/a.md", item("i1"))],
        now=T1,
        scope=["pm"],
        unchanged=["pm/payments/b.md"],
    )

    assert (result.removed, result.changed, result.unchanged) == (0, 0, 1)
    assert snapshot(store) == before


def test_an_item_moving_into_a_read_document_from_an_unread_one_is_moved(store: Store) -> None:
    record(store, [doc("pm/payments/a.md", item("i1")), doc("pm/payments/b.md", item("i2"))])

    result = record(
        store,
        [doc("pm/payments/a.md", item("i1"), item("i2"))],
        now=T1,
        scope=["pm"],
        unchanged=["pm/payments/b.md"],
    )

    assert (result.new, result.changed) == (0, 1)
    assert items_by_id(store)["i2"].path == "pm/payments/a.md"


def test_documents_outside_the_scanned_paths_are_left_alone(store: Store) -> None:
    record(store, [doc("pm/payments/a.md", item("i1")), doc("other/b.md", item("i2"))])

    result = record(store, [doc("pm/payments/a.md", item("i1"))], now=T1, scope=["pm"])

    assert result.removed == 0
    assert items_by_id(store)["i2"].removed_at is None


def test_owner_aliases_resolve_to_one_person_counted_once(store: Store) -> None:
    record(
        store,
        [
            doc(
                "pm/payments/a.md",
                item("i1", owners=["@alice", "Alice Smith"]),
                item("i2", owners=["ALICE@corp.com", "@bobby"]),
                item("i3", owners=[]),
            )
        ],
    )

    with store.session() as session:
        per_owner = dict(
            session.execute(
                select(col(ItemOwner.person), func.count()).group_by(col(ItemOwner.person))
            ).all()
        )
        unowned = session.execute(
            select(func.count())
            .select_from(ActionItemRow)
            .where(~col(ActionItemRow.id).in_(select(col(ItemOwner.item_id))))
        ).one()
    assert per_owner == {"alice": 2, "bob": 1}
    assert unowned[0] == 1
    assert items_by_id(store)["i1"].owners == ["alice"]


def test_changing_owners_replaces_the_owner_rows(store: Store) -> None:
    record(store, [doc("pm/payments/a.md", item("i1", owners=["@alice"]))])

    record(store, [doc("pm/payments/a.md", item("i1", owners=["Carol K"]))], now=T1)

    with store.session() as session:
        owners = session.execute(select(col(ItemOwner.item_id), col(ItemOwner.person))).all()
    assert [tuple(row) for row in owners] == [("i1", "carol")]


def test_front_matter_team_wins_over_the_path_glob(store: Store) -> None:
    record(store, [doc("pm/payments/a.md", item("i1"), team="Search")])

    assert items_by_id(store)["i1"].team == "search"


def test_path_glob_routes_a_document_to_its_team(store: Store) -> None:
    record(store, [doc("pm/payments/a.md", item("i1", owners=["carol"]))])

    assert items_by_id(store)["i1"].team == "payments"


def test_owners_majority_team_routes_a_document_without_team_or_glob(store: Store) -> None:
    record(
        store,
        [
            doc(
                "pm/misc/a.md",
                item("i1", path="pm/misc/a.md", owners=["carol"]),
                item("i2", path="pm/misc/a.md", owners=["Carol K", "@alice"]),
            )
        ],
    )

    assert {row.team for row in items_by_id(store).values()} == {"search"}


def test_a_document_nobody_claims_is_unassigned(store: Store) -> None:
    record(store, [doc("pm/misc/a.md", item("i1", path="pm/misc/a.md", owners=["zed"]))])

    assert items_by_id(store)["i1"].team == "unassigned"


def ticket(key: str) -> TicketRef:
    return TicketRef("jira", key, f"https://jira.example.com/browse/{key}")


def test_tickets_named_in_a_document_are_linked_to_the_item(store: Store) -> None:
    record(store, [doc("pm/payments/a.md", item("i1", tickets=[ticket("PAY-7")]))])

    with store.session() as session:
        link = session.execute(select(TicketLink)).scalars().one()
    assert (link.item_id, link.system, link.key, link.created_by_tracker) == (
        "i1",
        "jira",
        "PAY-7",
        False,
    )


def test_a_duplicate_item_id_is_recorded_once_with_a_warning(store: Store) -> None:
    result = record(
        store,
        [doc("pm/payments/a.md", item("i1", line=3), item("i1", line=9, action="Other"))],
    )

    assert result.new == 1
    assert result.warnings and "i1" in result.warnings[0]


def test_an_item_without_action_text_is_not_recorded(store: Store) -> None:
    blank = item("blank", due=date(2026, 1, 1))
    blank.action = "  "
    result = record(store, [doc("pm/payments/a.md", item("i1"), blank)])

    assert result.new == 1
    assert set(items_by_id(store)) == {"i1"}
    assert [e.item_id for e in events(store)] == ["i1"]


def test_editing_an_action_changes_the_document_hash(store: Store) -> None:
    record(store, [doc("pm/payments/a.md", item("i1", action="Add alert"))])
    before = items_by_id(store)["i1"].doc_hash

    result = record(store, [doc("pm/payments/a.md", item("i1", action="Add an alert"))], now=T1)

    assert result.changed == 1 and result.status_changes == 0
    assert items_by_id(store)["i1"].doc_hash != before


def test_thousands_of_items_record_and_rerun_as_unchanged(store: Store) -> None:
    docs = [
        doc(
            f"pm/payments/{n}.md",
            *(item(f"d{n}i{k}", path=f"pm/payments/{n}.md", line=k) for k in range(20)),
        )
        for n in range(100)
    ]

    first = record(store, docs)
    second = record(store, docs, now=T1)

    assert (first.new, second.unchanged) == (2_000, 2_000)
    with store.session() as session:
        assert session.execute(select(func.count()).select_from(StatusEvent)).one()[0] == 2_000


# -- property: the store always mirrors the latest scan ----------------------------------

scan_states = st.lists(
    st.dictionaries(
        st.sampled_from([f"i{n}" for n in range(6)]), st.sampled_from(list(Status)), max_size=6
    ),
    min_size=1,
    max_size=5,
)


@settings(max_examples=15, deadline=None)
@given(scans=scan_states)
def test_the_store_mirrors_the_latest_scan_and_its_history(
    scans: list[dict[str, Status]],
) -> None:
    with tempfile.TemporaryDirectory() as folder:
        store = open_store(f"sqlite:///{folder}/t.db")
        try:
            last_seen: dict[str, Status] = {}
            expected_events = 0
            for step, scan in enumerate(scans):
                docs = [doc("pm/a.md", *(item(i, status=s) for i, s in sorted(scan.items())))]
                now = T0 + timedelta(days=step)
                record(store, docs, now=now)
                expected_events += sum(1 for i, s in scan.items() if last_seen.get(i) != s)
                last_seen.update(scan)

                rows = items_by_id(store)
                active = {i: row for i, row in rows.items() if row.removed_at is None}
                assert {i: Status(row.status) for i, row in active.items()} == scan
                assert all(
                    (row.closed_at is not None) == Status(row.status).is_closed
                    for row in active.values()
                )
                assert len(events(store)) == expected_events

                again = record(store, docs, now=now + timedelta(hours=1))
                assert again.unchanged == len(scan) and not again.wrote_anything
        finally:
            store.close()


# ----- batches: items are compared with the store a batch of documents at a time ---------


def test_an_item_moving_across_a_batch_boundary_is_moved_not_removed(
    store: Store, monkeypatch: Any
) -> None:
    """One document per batch: an item that moved to a later (or an earlier) document is
    seen by a later batch than its stored row's document, and must not be removed."""
    import tracker.store.recording as recording

    monkeypatch.setattr(recording, "RECORD_BATCH", 1)
    record(store, [doc("pm/payments/a.md", item("i1")), doc("pm/payments/b.md", item("i2"))])

    result = record(
        store,
        [doc("pm/payments/a.md", item("i2")), doc("pm/payments/b.md", item("i1"))],
        now=T1,
        scope=["pm"],
    )

    assert (result.new, result.changed, result.removed, result.restored) == (0, 2, 0, 0)
    rows = items_by_id(store)
    assert rows["i1"].path == "pm/payments/b.md" and rows["i1"].removed_at is None
    assert rows["i2"].path == "pm/payments/a.md" and rows["i2"].removed_at is None
    assert [e.item_id for e in events(store)] == ["i1", "i2"]  # no removal, no status change


def test_a_duplicate_id_in_a_later_batch_is_recorded_once(store: Store, monkeypatch: Any) -> None:
    import tracker.store.recording as recording

    monkeypatch.setattr(recording, "RECORD_BATCH", 1)
    result = record(
        store,
        [
            doc("pm/payments/a.md", item("i1", line=3)),
            doc("pm/payments/b.md", item("i1", line=9, action="Other")),
        ],
    )

    assert result.new == 1
    assert result.warnings == [
        "pm/payments/b.md:9: item id i1 also used at pm/payments/a.md:3; recorded once"
    ]
    assert items_by_id(store)["i1"].path == "pm/payments/a.md"


def test_batches_record_what_one_pass_records(store: Store, monkeypatch: Any) -> None:
    """The same scans, recorded in batches of one document and in one batch, leave the
    same rows: items moved, removed, restored, documents vanished."""
    import tracker.store.recording as recording

    def scans() -> list[tuple[list[Postmortem], datetime]]:
        return [
            ([doc(f"pm/payments/{n}.md", item(f"a{n}"), item(f"b{n}")) for n in range(4)], T0),
            (
                [
                    doc("pm/payments/0.md", item("a0"), item("b3")),
                    doc("pm/payments/1.md", item("a1", status=Status.DONE)),
                    doc("pm/payments/3.md", item("a3"), item("b0")),
                ],
                T1,
            ),
            ([doc(f"pm/payments/{n}.md", item(f"a{n}"), item(f"b{n}")) for n in range(4)], T2),
        ]

    def run(target: Store) -> list[tuple[int, ...]]:
        counts = []
        for docs, moment in scans():
            result = record(target, docs, now=moment, scope=["pm"])
            counts.append(
                (result.new, result.changed, result.removed, result.restored, result.unchanged)
            )
        return counts

    monkeypatch.setattr(recording, "RECORD_BATCH", 1)
    batched = run(store)
    with tempfile.TemporaryDirectory() as folder:
        whole = open_store(f"sqlite:///{folder}/whole.db")
        monkeypatch.setattr(recording, "RECORD_BATCH", 1000)
        assert run(whole) == batched
        assert _state(whole) == _state(store)
        whole.engine.dispose()
    assert batched[1] == (0, 3, 3, 0, 2)  # a1 done, b3 and b0 moved; b1, b2, a2 removed


def _state(target: Store) -> tuple[list[tuple[Any, ...]], list[tuple[Any, ...]]]:
    """Items and status events as the ORM reads them (two stores' ids differ)."""
    rows = [
        (r.id, r.path, r.line, r.status, r.updated_at, r.closed_at, r.removed_at, r.doc_hash)
        for r in sorted(items_by_id(target).values(), key=lambda r: r.id)
    ]
    history = [(e.item_id, e.from_status, e.to_status, e.at) for e in events(target)]
    return rows, sorted(history, key=repr)


def test_recording_holds_one_batch_of_stored_rows_at_a_time(store: Store) -> None:
    """Re-recording 10× the documents must not take anywhere near 10× the memory: the
    stored rows and scanned values are held a batch at a time (issue 13)."""
    import tracemalloc

    def peak(documents: int) -> int:
        docs = [
            doc(f"pm/payments/{n:05d}.md", *(item(f"i{n}-{k}") for k in range(5)))
            for n in range(documents)
        ]
        record(store, docs, now=T0)
        tracemalloc.start()
        try:
            result = record(store, docs, now=T1)
            return tracemalloc.get_traced_memory()[1]
        finally:
            tracemalloc.stop()
            assert result.unchanged == 5 * documents

    small, large = peak(200), peak(2000)
    # Measured: 1.7× on SQLite, 3.9× on PostgreSQL; every row at once was 9–11×.
    assert large < 5 * small, (small, large)
