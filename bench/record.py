"""Benchmark: recording scans into the store (`tracker sync` without a ticket system).

Builds N action items in N/20 documents (synthetic Postmortem objects, fixed seed) and
times, on SQLite and on PostgreSQL (if reachable at 127.0.0.1:5432/test):

- first: recording them into an empty store;
- no-op: recording the same scan again (must write nothing);
- 1% changed: recording with 1% of statuses changed;
- baseline: a naive ORM recording of the same first scan (one `session.merge` per
  item and per status event, one commit) — the ratio first/baseline is printed.

Usage: .venv/bin/python bench/record.py [--n 10000] [--no-postgres]
"""

from __future__ import annotations

import argparse
import random
import tempfile
import time
import uuid
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import psycopg
from sqlmodel import Session

from tracker.config import parse_config
from tracker.model import ActionItem, Postmortem, Status
from tracker.store import Store, open_store, upgrade_store
from tracker.store.models import ActionItemRow, PostmortemRow, StatusEvent
from tracker.store.recording import record_documents

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
CONFIG = parse_config(
    {"teams": [{"name": f"team{t}", "paths": [f"pm/team{t}/**"]} for t in range(50)]},
    label="bench",
    base_dir=Path.cwd(),
    env={},
)


def build_documents(n_items: int, seed: int = 7) -> list[Postmortem]:
    rng = random.Random(seed)
    docs = []
    for d in range(n_items // 20):
        path = f"pm/team{d % 50}/{d:05d}.md"
        items = [
            ActionItem(
                id=f"{d:05d}-{k:02d}",
                path=path,
                line=20 + k,
                action=f"Action {k} of document {d}",
                owners=[f"person{rng.randrange(300)}"],
                due=date(2026, 1, 1) + timedelta(days=rng.randrange(365)),
                priority=f"P{rng.randrange(5)}",
                status=rng.choice(list(Status)),
            )
            for k in range(20)
        ]
        docs.append(Postmortem(path=path, title=f"Doc {d}", items=items, sha256=f"{d:064d}"))
    return docs


def changed_copy(docs: list[Postmortem], fraction: float, seed: int = 11) -> list[Postmortem]:
    rng = random.Random(seed)
    out = []
    for doc in docs:
        items = []
        for item in doc.items:
            status = item.status
            if rng.random() < fraction:
                status = Status.DONE if status != Status.DONE else Status.OPEN
            items.append(
                ActionItem(**{**{f: getattr(item, f) for f in item.__slots__}, "status": status})
            )
        out.append(Postmortem(path=doc.path, title=doc.title, items=items, sha256=doc.sha256))
    return out


def naive_record(store: Store, docs: list[Postmortem]) -> None:
    """What a straightforward ORM version does: one object per row, one commit."""
    with Session(store.engine) as session:
        for doc in docs:
            row = PostmortemRow(path=doc.path, title=doc.title, team="x", last_scanned_at=T0)
            session.add(row)
            session.flush()
            for item in doc.items:
                session.merge(
                    ActionItemRow(
                        id=item.id,
                        postmortem_id=row.id or 0,
                        path=item.path,
                        line=item.line,
                        action=item.action,
                        owners=item.owners,
                        team="x",
                        due=item.due,
                        priority=item.priority,
                        status=str(item.status),
                        type=None,
                        first_seen_at=T0,
                        updated_at=T0,
                        doc_hash="",
                    )
                )
                session.flush()
                session.add(
                    StatusEvent(
                        item_id=item.id, to_status=str(item.status), at=T0, source="document"
                    )
                )
        session.commit()


def timed(action: Callable[[], object]) -> float:
    start = time.perf_counter()
    action()
    return time.perf_counter() - start


def run_backend(name: str, make_url: Callable[[], str], n: int) -> None:
    docs = build_documents(n)
    changed = changed_copy(docs, 0.01)
    url = make_url()
    upgrade_store(url)
    store = open_store(url)
    first = timed(lambda: record_documents(store, docs, CONFIG, now=T0))
    noop = timed(lambda: record_documents(store, docs, CONFIG, now=T0 + timedelta(hours=1)))
    one_pct = timed(lambda: record_documents(store, changed, CONFIG, now=T0 + timedelta(hours=2)))
    store.close()
    baseline_url = make_url()
    upgrade_store(baseline_url)
    baseline_store = open_store(baseline_url)
    baseline = timed(lambda: naive_record(baseline_store, docs))
    baseline_store.close()
    print(
        f"{name:<10} n={n:>7,}  first {first:6.2f}s  no-op {noop:6.2f}s  "
        f"1% changed {one_pct:6.2f}s  | naive ORM first {baseline:6.2f}s  "
        f"(ratio first/naive {first / baseline:4.2f}x)"
    )


def sqlite_url_factory(folder: Path) -> Callable[[], str]:
    return lambda: f"sqlite:///{folder / uuid.uuid4().hex}.db"


def postgres_url_factory(schemas: list[str]) -> Callable[[], str]:
    def make() -> str:
        schema = f"tracker_bench_{uuid.uuid4().hex[:10]}"
        with psycopg.connect("host=127.0.0.1 dbname=test user=postgres", autocommit=True) as c:
            c.execute(f'CREATE SCHEMA "{schema}"')
        schemas.append(schema)
        return f"postgresql+psycopg://postgres@127.0.0.1:5432/test?options=-csearch_path%3D{schema}"

    return make


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=10_000)
    parser.add_argument("--no-postgres", action="store_true")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        run_backend("sqlite", sqlite_url_factory(Path(folder)), args.n)
    if args.no_postgres:
        return
    schemas: list[str] = []
    try:
        run_backend("postgresql", postgres_url_factory(schemas), args.n)
    except psycopg.OperationalError as error:
        print(f"postgresql skipped: {str(error).splitlines()[0]}")
    finally:
        if schemas:
            with psycopg.connect("host=127.0.0.1 dbname=test user=postgres", autocommit=True) as c:
                for schema in schemas:
                    c.execute(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')


if __name__ == "__main__":
    main()
