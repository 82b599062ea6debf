"""Report benchmark: `tracker report` figures for 10,000 and 100,000 items over 50 teams.

For each backend (SQLite file, PostgreSQL schema in the `test` database) and size, a
child process builds a store with Core bulk inserts (postmortems, items with realistic
statuses, due dates and owners, 1-4 status events per item, ticket links), then a fresh
child process times the report (SQL aggregation + JSON rendering, best of --repeat) and
reads its peak RSS and CPU time. A baseline runs in that same process afterwards: the
naive way to get just the team table (every item and event loaded into Python, statuses
rebuilt and counted in a loop); the whole report (teams, medians, owners, item lists,
12-week trend, JSON) is compared with that one table. Aim: < 1 s and < 300 MB at
100,000 items on SQLite. Item and event rows are inserted in time order, as a real store
grows.

    .venv/bin/python bench/report.py                           # 10k and 100k, both backends
    .venv/bin/python bench/report.py --sizes 2000 --backends sqlite --repeat 1   # smoke run
"""

from __future__ import annotations

import argparse
import json
import math
import random
import resource
import subprocess
import sys
import tempfile
import time
import uuid
from collections import Counter
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "src"))

SEED = 20261125
AS_OF = date(2026, 11, 25)
NOW = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)
TEAMS = 50
PEOPLE = 400
ITEMS_PER_DOC = 8
CHUNK = 5_000
PG = {"host": "127.0.0.1", "port": 5432, "dbname": "test"}


# --- data --------------------------------------------------------------------------------


def _rows(size: int, seed: int) -> dict[str, list[dict[str, Any]]]:
    """Deterministic rows for every table: what a year of postmortems at 50 teams looks like."""
    rng = random.Random(seed)
    postmortems: list[dict[str, Any]] = []
    items: list[dict[str, Any]] = []
    owners: list[dict[str, Any]] = []
    events: list[dict[str, Any]] = []
    tickets: list[dict[str, Any]] = []
    for doc in range(size // ITEMS_PER_DOC + 1):
        team = f"team-{doc % TEAMS:02d}"
        postmortems.append(
            {
                "id": doc + 1,
                "path": f"postmortems/{team}/pm-{doc:06d}.md",
                "title": f"Incident {doc}",
                "team": team,
                "language": "en",
                "last_scanned_at": NOW,
            }
        )
    for n in range(size):
        doc = postmortems[n // ITEMS_PER_DOC]
        seen = NOW - timedelta(days=rng.uniform(1, 365))
        due = (seen + timedelta(days=rng.randint(7, 90))).date() if rng.random() > 0.07 else None
        age = (NOW - seen).days
        # Recent items are mostly still open; a year on, about one in eight still is.
        open_chance = 0.7 * math.exp(-age / 45) + 0.12
        roll = rng.random()
        if roll < open_chance:
            status = "open" if rng.random() < 0.6 else "in_progress"
        else:
            status = "done" if rng.random() < 0.85 else "wont_do"
        item_id = f"it-{n:07d}"
        trail = [(None, "open", seen)]
        moment = seen
        if status != "open":
            moment = min(NOW, moment + timedelta(days=rng.uniform(0.5, 30)))
            trail.append(("open", "in_progress", moment))
        if status in ("done", "wont_do"):
            moment = min(NOW, moment + timedelta(days=rng.uniform(0.5, 60)))
            trail.append(("in_progress", status, moment))
        names = sorted(
            {f"person-{rng.randrange(PEOPLE):03d}" for _ in range(rng.choice((0, 1, 1, 1, 1, 2)))}
        )
        items.append(
            {
                "id": item_id,
                "postmortem_id": doc["id"],
                "path": doc["path"],
                "line": 20 + n % ITEMS_PER_DOC,
                "action": f"Action item {n}: add an alert for the failure mode",
                "owners": names,
                "team": doc["team"],
                "due": due,
                "priority": rng.choice(("P1", "P2", "P2", "P3")),
                "status": status,
                "type": "mitigate",
                "first_seen_at": seen,
                "updated_at": moment,
                "closed_at": moment if status in ("done", "wont_do") else None,
                "removed_at": NOW - timedelta(days=1) if rng.random() < 0.01 else None,
                "doc_hash": "0" * 64,
            }
        )
        owners.extend({"item_id": item_id, "person": p} for p in names)
        events.extend(
            {"item_id": item_id, "from_status": a, "to_status": b, "at": t, "source": "document"}
            for a, b, t in trail
        )
        if rng.random() < 0.6:
            key = f"T{n % TEAMS}-{n}"
            tickets.append(
                {
                    "item_id": item_id,
                    "system": "jira",
                    "key": key,
                    "url": f"https://j.example/{key}",
                }
            )
    # A real store grows in time order: items appear when first seen, events as they happen.
    items.sort(key=lambda row: row["first_seen_at"])
    events.sort(key=lambda row: row["at"])
    return {
        "postmortem": postmortems,
        "action_item": items,
        "item_owner": owners,
        "status_event": events,
        "ticket_link": tickets,
    }


def build(url: str, size: int, seed: int) -> dict[str, Any]:
    """Migrate and fill a store (run in a child process; prints counts and seconds)."""
    from sqlalchemy import insert

    from tracker.store import open_store, upgrade_store
    from tracker.store.models import metadata

    started = time.perf_counter()
    upgrade_store(url)
    store = open_store(url)
    rows = _rows(size, seed)
    with store.engine.begin() as connection:
        for name, table_rows in rows.items():
            table = metadata.tables[name]
            for start in range(0, len(table_rows), CHUNK):
                connection.execute(insert(table), table_rows[start : start + CHUNK])
    if store.engine.dialect.name == "postgresql":
        with store.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as c:
            c.exec_driver_sql("ANALYZE")
    else:
        with store.engine.begin() as c:
            c.exec_driver_sql("ANALYZE")
    store.close()
    return {
        "rows": {name: len(r) for name, r in rows.items()},
        "build_s": time.perf_counter() - started,
    }


# --- measurement -------------------------------------------------------------------------


def _rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def naive_team_table(url: str) -> dict[str, Counter[str]]:
    """Baseline: every item and event into Python, status as of the date rebuilt in a loop."""
    from sqlalchemy import create_engine, select

    from tracker.report.query import end_of_day
    from tracker.store.models import metadata

    item, event = metadata.tables["action_item"], metadata.tables["status_event"]
    cutoff = end_of_day(AS_OF, UTC)
    engine = create_engine(url)
    with engine.connect() as connection:
        last: dict[str, tuple[datetime, str]] = {}
        for row in connection.execute(select(event.c.item_id, event.c.to_status, event.c.at)):
            at = row.at if row.at.tzinfo else row.at.replace(tzinfo=UTC)
            if at < cutoff and (row.item_id not in last or last[row.item_id][0] <= at):
                last[row.item_id] = (at, row.to_status)
        teams: dict[str, Counter[str]] = {}
        query = select(item.c.id, item.c.team, item.c.status, item.c.due, item.c.removed_at)
        for row in connection.execute(query):
            if row.removed_at is not None:
                continue
            status = last[row.id][1] if row.id in last else row.status
            counts = teams.setdefault(row.team, Counter())
            counts["total"] += 1
            counts[status] += 1
            if status in ("open", "in_progress") and row.due is not None and row.due < AS_OF:
                counts["overdue"] += 1
    engine.dispose()
    return teams


def measure(url: str, repeat: int) -> dict[str, Any]:
    """Time build_report + render_json (best of `repeat`), peak RSS, then the baseline."""
    from tracker.report import ReportOptions, build_report
    from tracker.report.render_json import render_json
    from tracker.store import open_store

    rss_imported = _rss_mb()
    store = open_store(url)
    options = ReportOptions(as_of=AS_OF)
    timings, query_timings, cpu_timings = [], [], []
    output = ""
    for _ in range(repeat):
        started, cpu_started = time.perf_counter(), time.process_time()
        data = build_report(store.engine, options)
        queried = time.perf_counter()
        output = render_json(data)
        timings.append(time.perf_counter() - started)
        cpu_timings.append(time.process_time() - cpu_started)
        query_timings.append(queried - started)
    store.close()
    rss_report = _rss_mb()
    started = time.perf_counter()
    naive = naive_team_table(url)
    baseline_s = time.perf_counter() - started
    document = json.loads(output)
    sql_overdue = sum(t["overdue"] for t in document["teams"])
    naive_overdue = sum(c["overdue"] for c in naive.values())
    return {
        "report_s": min(timings),
        "report_cpu_s": min(cpu_timings),
        "listed": len(document["overdue"]) + len(document["unowned"]),
        "query_s": min(query_timings),
        "baseline_s": baseline_s,
        "rss_imported_mb": rss_imported,
        "rss_peak_mb": rss_report,
        "json_kb": len(output.encode()) / 1024,
        "teams": len(document["teams"]),
        "overdue": sql_overdue,
        "overdue_baseline": naive_overdue,
    }


# --- orchestration -----------------------------------------------------------------------


def _child(*args: str) -> dict[str, Any]:
    result = subprocess.run(
        [sys.executable, __file__, *args], capture_output=True, text=True, check=False
    )
    if result.returncode != 0:
        raise SystemExit(f"child {args[:2]} failed:\n{result.stderr}")
    parsed: dict[str, Any] = json.loads(result.stdout.strip().splitlines()[-1])
    return parsed


def _postgres_schema() -> tuple[str, str]:
    import psycopg

    for user in ("postgres", "root"):
        try:
            with psycopg.connect(**PG, user=user, autocommit=True, connect_timeout=3) as c:
                schema = f"bench_report_{uuid.uuid4().hex[:10]}"
                c.execute(f'CREATE SCHEMA "{schema}"')
                url = (
                    f"postgresql+psycopg://{user}@{PG['host']}:{PG['port']}/{PG['dbname']}"
                    f"?options=-csearch_path%3D{schema}"
                )
                return url, schema
        except psycopg.OperationalError:
            continue
    raise SystemExit("no PostgreSQL at 127.0.0.1:5432/test (users postgres, root)")


def _drop_schema(url: str, schema: str) -> None:
    import psycopg

    user = url.split("//", 1)[1].split("@", 1)[0]
    with psycopg.connect(**PG, user=user, autocommit=True) as c:
        c.execute(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')


def run(sizes: list[int], backends: list[str], repeat: int, seed: int) -> None:
    print(f"report benchmark: as of {AS_OF}, {TEAMS} teams, best of {repeat}")
    header = (
        f"{'backend':<11}{'items':>8}{'events':>9}{'build s':>9}{'report s':>10}"
        f"{'(query s)':>10}{'cpu s':>7}{'naive s':>9}{'naive/sql':>10}{'peak MB':>9}"
        f"{'import MB':>10}{'overdue':>9}{'listed':>8}"
    )
    print(header)
    for backend in backends:
        for size in sizes:
            with tempfile.TemporaryDirectory(prefix="bench-report-") as folder:
                schema = None
                if backend == "sqlite":
                    url = f"sqlite:///{Path(folder) / 'tracker.db'}"
                else:
                    url, schema = _postgres_schema()
                try:
                    built = _child("--child-build", url, str(size), str(seed))
                    m = _child("--child-measure", url, str(repeat))
                finally:
                    if schema is not None:
                        _drop_schema(url, schema)
            assert m["overdue"] == m["overdue_baseline"], "SQL and naive counts disagree"
            print(
                f"{backend:<11}{size:>8,}{built['rows']['status_event']:>9,}"
                f"{built['build_s']:>9.1f}{m['report_s']:>10.3f}{m['query_s']:>10.3f}"
                f"{m['report_cpu_s']:>7.2f}{m['baseline_s']:>9.3f}"
                f"{m['baseline_s'] / m['report_s']:>9.1f}x"
                f"{m['rss_peak_mb']:>9.0f}{m['rss_imported_mb']:>10.0f}"
                f"{m['overdue']:>9,}{m['listed']:>8,}",
                flush=True,
            )
    print(
        "report s = build_report + render_json (all teams, 12-week trend, item lists), "
        "wall clock, best of the runs; cpu s = its process CPU time (the honest figure "
        "on a busy machine: SQLite runs in-process); listed = overdue + unowned items "
        "in the JSON; "
        "naive = items and events loaded into Python, team table counted in a loop "
        "(same overdue total checked); peak MB = ru_maxrss of the report process "
        "before the baseline ran; import MB = after imports, before the store opened."
    )


def main() -> None:
    if len(sys.argv) > 1 and sys.argv[1] == "--child-build":
        print(json.dumps(build(sys.argv[2], int(sys.argv[3]), int(sys.argv[4]))))
        return
    if len(sys.argv) > 1 and sys.argv[1] == "--child-measure":
        print(json.dumps(measure(sys.argv[2], int(sys.argv[3]))))
        return
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="10000,100000", help="comma-separated item counts")
    parser.add_argument("--backends", default="sqlite,postgresql")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--seed", type=int, default=SEED)
    args = parser.parse_args()
    run(
        [int(s) for s in args.sizes.split(",")],
        [b.strip() for b in args.backends.split(",")],
        args.repeat,
        args.seed,
    )


if __name__ == "__main__":
    main()
