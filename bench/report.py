"""Report benchmark: `tracker report` per output format for 1,000 to 100,000 items, 50 teams.

For each backend (SQLite file, PostgreSQL schema in the `test` database) and size, a
child process builds a store with Core bulk inserts (postmortems, most of them dated,
with severities; items with realistic statuses, due dates and owners, a document's items
first seen together; 1-4 status events per item; ticket links), recorded under a
`[policy]` (SLO deadlines by priority and severity, derived due dates for undated items;
`--no-policy` leaves it out). A fresh child process then times the report in each format
(table, HTML, JSON: `build_report` with the limits the CLI uses for that format, then the
renderer; SLO attainment included with the policy; best of --repeat) and reads its peak
RSS and CPU time. A baseline runs in that same process afterwards: the naive way to get
just the team table (every item and event loaded into Python, statuses rebuilt and
counted in a loop). Aim at 100,000 items: table and HTML < 0.5 s, JSON < 1 s, < 300 MB.
Item and event rows are inserted in time order, as a real store grows. `--compare SRC`
also times another checkout's `src` folder (e.g. the main branch) on the same stores, in
the same run, and prints a hash of each JSON report: equal hashes, identical figures.
The stores are built by the "before" checkout; the other upgrades them to its own schema
(its migrations, untimed) before its turn, as it would a user's store.

    .venv/bin/python bench/report.py                           # 1k, 10k, 100k, both backends
    .venv/bin/python bench/report.py --sizes 2000 --backends sqlite --repeat 1   # smoke run
    .venv/bin/python bench/report.py --compare /work/main/src  # before/after, same stores
    .venv/bin/python bench/report.py --src /tmp/other/src      # only another checkout
"""

from __future__ import annotations

import argparse
import hashlib
import json
import math
import os
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
SRC = Path(sys.argv[sys.argv.index("--src") + 1]) if "--src" in sys.argv else REPO / "src"
sys.path.insert(0, str(SRC))

SEED = 20261125
AS_OF = date(2026, 11, 25)
NOW = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)
TEAMS = 50
PEOPLE = 400
ITEMS_PER_DOC = 8
CHUNK = 5_000
# The bench store is recorded under a [policy] (on by default, as an install with SLOs
# runs; `--no-policy` leaves it out): an SLO per priority and a shorter one for SEV1
# postmortems, counted from the postmortem's date (9 in 10 documents carry one), else
# from the day the item was first seen — what tracker.store.recording writes.
POLICY_BY_PRIORITY = {"P0": 28, "P1": 28, "P2": 56, "P3": 91}
POLICY_BY_SEVERITY = {"SEV1": 14}
PG = {"host": "127.0.0.1", "port": 5432, "dbname": "test"}


# --- data --------------------------------------------------------------------------------


def _slo_due(priority: str, severity: str, start: date) -> date:
    days = min(POLICY_BY_PRIORITY[priority], POLICY_BY_SEVERITY.get(severity, 10**6))
    return start + timedelta(days=days)


def _rows(size: int, seed: int, policy: bool) -> dict[str, list[dict[str, Any]]]:
    """Deterministic rows for every table: what a year of postmortems at 50 teams looks like."""
    rng = random.Random(seed)
    dates = random.Random(seed + 1)  # its own stream: the other rows match a run without
    severities = random.Random(seed + 2)
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
                "severity": severities.choice(("SEV1", "SEV2", "SEV2", "SEV3", "SEV3")),
                "date": None,
            }
        )
    for n in range(size):
        doc = postmortems[n // ITEMS_PER_DOC]
        if n % ITEMS_PER_DOC == 0:  # a document's items are first seen together
            doc_seen = NOW - timedelta(days=rng.uniform(1, 365))
            if dates.random() < 0.9:  # the incident's date, a few days before the review
                doc["date"] = (doc_seen - timedelta(days=dates.randint(1, 10))).date()
        seen = min(NOW, doc_seen + timedelta(hours=dates.uniform(0, 12)))
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
        priority = rng.choice(("P1", "P2", "P2", "P3"))
        slo_due = None
        if policy:
            slo_due = _slo_due(priority, doc["severity"], doc["date"] or seen.date())
        items.append(
            {
                "id": item_id,
                "postmortem_id": doc["id"],
                "path": doc["path"],
                "line": 20 + n % ITEMS_PER_DOC,
                "action": f"Action item {n}: add an alert for the failure mode",
                "owners": names,
                "team": doc["team"],
                "due": due or slo_due,
                "due_derived": due is None and slo_due is not None,
                "slo_due": slo_due,
                "priority": priority,
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


def build(url: str, size: int, seed: int, policy: bool) -> dict[str, Any]:
    """Migrate and fill a store (run in a child process; prints counts and seconds)."""
    from sqlalchemy import insert

    from tracker.store import open_store, upgrade_store
    from tracker.store.models import metadata

    started = time.perf_counter()
    upgrade_store(url)
    store = open_store(url)
    rows = _rows(size, seed, policy)
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


FORMATS = ("table", "html", "json")


def _report_in(output_format: str, engine: Any, options: Any) -> tuple[Any, str]:
    """The report as `tracker report --format F` makes it: the format's item limit, then
    its renderer (a checkout without item limits builds every list)."""
    import inspect

    from tracker.cli import report as cli
    from tracker.report import build_report

    kwargs: dict[str, Any] = {}
    if hasattr(cli, "list_limits"):
        kwargs = cli.list_limits(cli.ReportFormat(output_format))
    elif "item_limit" in inspect.signature(build_report).parameters:
        kwargs["item_limit"] = cli.ITEM_LIMITS[cli.ReportFormat(output_format)]
    data = build_report(engine, options, **kwargs)
    if output_format == "table":
        from tracker.report.render_table import render_table

        return data, render_table(data, width=160)
    if output_format == "html":
        from tracker.report.render_html import render_html

        return data, render_html(data)
    from tracker.report.render_json import render_json

    return data, render_json(data)


def measure(url: str, repeat: int, policy: bool) -> dict[str, Any]:
    """Per format: build + render (best of `repeat`, wall and CPU); peak RSS; the baseline."""
    import dataclasses

    from tracker.report import ReportOptions
    from tracker.store import open_store

    rss_imported = _rss_mb()
    store = open_store(url)
    options = ReportOptions(as_of=AS_OF)
    if policy and "slo" in {f.name for f in dataclasses.fields(ReportOptions)}:
        options = dataclasses.replace(options, slo=True)  # SLO attainment, as with a [policy]
    figures: dict[str, dict[str, float]] = {}
    outputs: dict[str, str] = {}
    for output_format in FORMATS:
        _report_in(output_format, store.engine, options)  # imports and templates: not timed
        walls, cpus = [], []
        for _ in range(repeat):
            started, cpu_started = time.perf_counter(), time.process_time()
            _, outputs[output_format] = _report_in(output_format, store.engine, options)
            walls.append(time.perf_counter() - started)
            cpus.append(time.process_time() - cpu_started)
        figures[output_format] = {"wall_s": min(walls), "cpu_s": min(cpus)}
    store.close()
    rss_report = _rss_mb()
    started = time.perf_counter()
    naive = naive_team_table(url)
    baseline_s = time.perf_counter() - started
    document = json.loads(outputs["json"])
    sql_overdue = sum(t["overdue"] for t in document["teams"])
    naive_overdue = sum(c["overdue"] for c in naive.values())
    return {
        "formats": figures,
        "listed": len(document["overdue"]) + len(document["unowned"]),
        "slo": "slo" in document,
        "json_sha": hashlib.sha256(outputs["json"].encode()).hexdigest()[:12],
        "baseline_s": baseline_s,
        "rss_imported_mb": rss_imported,
        "rss_peak_mb": rss_report,
        "table_kb": len(outputs["table"].encode()) / 1024,
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


def _load() -> str:
    return " ".join(f"{x:.2f}" for x in os.getloadavg())


def run(
    sizes: list[int],
    backends: list[str],
    repeat: int,
    seed: int,
    src: str | None,
    compare: str | None,
    policy: bool,
) -> None:
    print(
        f"report benchmark: tracker from {src or 'this checkout'}"
        + (f", before = {compare}" if compare else "")
        + f", as of {AS_OF}, {TEAMS} teams, [policy] {'on' if policy else 'off'}, "
        f"load average {_load()}"
    )
    header = (
        f"{'backend':<11}{'items':>8}{'events':>9}{'format':>7}{'code':>7}{'wall s':>8}"
        f"{'cpu s':>7}{'naive s':>9}{'naive/wall':>11}{'peak MB':>9}{'overdue':>9}"
        f"{'listed':>8}{'json':>14}"
    )
    print(header)
    runs = [("before", ["--src", compare])] if compare else []
    runs.append(("after" if compare else "", ["--src", src] if src else []))
    for backend in backends:
        for size in sizes:
            with tempfile.TemporaryDirectory(prefix="bench-report-") as folder:
                schema = None
                if backend == "sqlite":
                    url = f"sqlite:///{Path(folder) / 'tracker.db'}"
                else:
                    url, schema = _postgres_schema()
                try:
                    flag = str(int(policy))
                    # Built by the first checkout run (the "before" one's schema); each
                    # later one upgrades it first, as it would a user's store.
                    built = _child("--child-build", url, str(size), str(seed), flag, *runs[0][1])
                    results = []
                    for label, extra in runs:
                        _child("--child-upgrade", url, *extra)  # not timed
                        measured = _child("--child-measure", url, str(repeat), flag, *extra)
                        results.append((label, measured))
                finally:
                    if schema is not None:
                        _drop_schema(url, schema)
            for label, m in results:
                assert m["overdue"] == m["overdue_baseline"], "SQL and naive counts disagree"
                for output_format, f in m["formats"].items():
                    print(
                        f"{backend:<11}{size:>8,}{built['rows']['status_event']:>9,}"
                        f"{output_format:>7}{label:>7}{f['wall_s']:>8.3f}{f['cpu_s']:>7.2f}"
                        f"{m['baseline_s']:>9.3f}{m['baseline_s'] / f['wall_s']:>10.1f}x"
                        f"{m['rss_peak_mb']:>9.0f}{m['overdue']:>9,}{m['listed']:>8,}"
                        f"{m['json_sha']:>14}",
                        flush=True,
                    )
            print(f"  (load average {_load()})", flush=True)
    print(
        "wall s = build_report (with the format's item limit) + rendering, best of "
        f"{repeat}; cpu s = its process CPU time (the honest figure on a busy machine: "
        "SQLite runs in-process, PostgreSQL's work is in the server); listed = overdue + "
        "unowned items in the JSON; naive = items and events loaded into Python, team "
        "table counted in a loop (same overdue total checked); peak MB = ru_maxrss of the "
        "report process, all formats, before the baseline ran; json = a hash of the "
        "JSON report (the same before and after: every figure identical)."
    )


def main() -> None:
    if len(sys.argv) > 1 and sys.argv[1] == "--child-build":
        args = sys.argv[2:6]
        print(json.dumps(build(args[0], int(args[1]), int(args[2]), args[3] == "1")))
        return
    if len(sys.argv) > 1 and sys.argv[1] == "--child-upgrade":
        from tracker.store import upgrade_store

        upgrade_store(sys.argv[2])
        print(json.dumps({}))
        return
    if len(sys.argv) > 1 and sys.argv[1] == "--child-measure":
        print(json.dumps(measure(sys.argv[2], int(sys.argv[3]), sys.argv[4] == "1")))
        return
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="1000,10000,100000", help="comma-separated counts")
    parser.add_argument("--backends", default="sqlite,postgresql")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--seed", type=int, default=SEED)
    parser.add_argument("--src", help="run the report from this src folder")
    parser.add_argument(
        "--compare", metavar="SRC", help="also run this src folder on the same stores (before)"
    )
    parser.add_argument(
        "--no-policy", action="store_true", help="no [policy]: no SLO deadlines or figures"
    )
    args = parser.parse_args()
    for folder in (args.src, args.compare):  # a missing folder would time this checkout
        if folder is not None and not (Path(folder) / "tracker" / "report").is_dir():
            raise SystemExit(f"{folder}: no tracker source here (a checkout's src folder)")
    run(
        [int(s) for s in args.sizes.split(",")],
        [b.strip() for b in args.backends.split(",")],
        args.repeat,
        args.seed,
        args.src,
        args.compare,
        not args.no_policy,
    )


if __name__ == "__main__":
    main()
