"""Fault sweep: kill -9 at many points of a sync, and a sync through ~10% failing requests.

Two parts, both driving `tracker sync` as a separate process (the CLI a cron job runs)
against the Jira and GitHub sandboxes, with Jira Cloud's search lag on (`--search-lag`,
default 30 s: tickets created less than that long ago don't show up in searches):

(1) kill sweep: a `--kill-items` sync (default 50, half Jira, half GitHub) is killed
    with SIGKILL at `--kill-points` points (default 40), each on fresh sandboxes and a
    fresh store: after the k-th API request the sandboxes see (k spread over the whole
    run, plus a random few ms, so kills land mid-request too) or, for some points, at a
    random moment after the last request (document write-back, store recording). Each
    kill is followed at once by a normal re-run.
(2) mixed faults: a `--fault-items` sync (default 1,000) while ~`--fault-rate` (10%) of
    the requests each sandbox receives fail: 500, 502, 503 and 429 (with Retry-After),
    and lost responses (`timeout-after`, `drop-after`: the request is carried out, its
    answer never arrives). Runs are repeated (faults still on) until one exits 0, at
    most `--fault-runs` times, then once more with the faults off.

After each part it prints: duplicates (tickets carrying the same item id beyond the
first), orphans (tickets carrying an item id that no document row links), bytes changed
outside tracker's cells (every document compared with what was generated, all cells but
Ticket and Status, plus lines added or removed), leftover temp files (`.NAME.*.tmp`
beside documents), and timings. It reports what it sees; it asserts nothing.

    .venv/bin/python bench/faults.py                        # default run (~5 minutes)
    .venv/bin/python bench/faults.py --kill-points 100 --fault-items 5000   # bigger
    .venv/bin/python bench/faults.py --skip-faults          # kill sweep only
    .venv/bin/python bench/faults.py --kill-points 4 --kill-items 20 --fault-items 100  # smoke
"""

from __future__ import annotations

import argparse
import os
import random
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "src"))

from tracker_github.marker import identity_in  # noqa: E402
from tracker_github.sandbox.server import GitHubSandbox  # noqa: E402
from tracker_jira.mapping import identity_from_labels  # noqa: E402
from tracker_jira.sandbox.server import JiraSandbox  # noqa: E402

from tracker.parse import parse_file  # noqa: E402

PROJECTS = ("ENG", "OPS")
REPOS = ("acme/app", "acme/web")
PEOPLE = ("alice", "bob", "chen")
ITEMS_PER_DOC = 10
HEADER = "| Action | Owner | Due | Priority | Ticket | Status |"
TRACKER_CELLS = (4, 5)  # Ticket, Status: the only cells tracker may write
FAULT_KINDS = ("500", "502", "503", "429", "timeout-after", "drop-after")


# ----- the world: documents, config, sandboxes ---------------------------------------------


def generate(folder: Path, items: int, seed: int) -> None:
    """`items / 10` documents; team i → Jira ENG, OPS, GitHub acme/app, acme/web."""
    rng = random.Random(seed)
    folder.mkdir(parents=True, exist_ok=True)
    for number in range(max(1, items // ITEMS_PER_DOC)):
        team = f"team{number % 4}"
        rows = []
        for row in range(ITEMS_PER_DOC):
            status = rng.choices(["Open", "In Progress", "Done"], [8, 1, 1])[0]
            due = f"2027-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}"
            rows.append(
                f"| Fix thing {number}-{row} in component {rng.randint(1, 999)} "
                f"| @{rng.choice(PEOPLE)} | {due} | P{rng.randint(0, 4)} | | {status} |"
            )
        text = "\n".join(
            [
                "---",
                f"team: {team}",
                "---",
                "",
                f"# Postmortem: Incident {number}",
                "",
                "## Action Items",
                "",
                HEADER,
                "| ------ | ----- | --- | -------- | ------ | ------ |",
                *rows,
                "",
            ]
        )
        (folder / f"pm-{number:05d}.md").write_text(text, encoding="utf-8")


def write_config(folder: Path, jira: JiraSandbox, github: GitHubSandbox) -> Path:
    targets = [
        f'{{ system = "jira", project = "{PROJECTS[0]}" }}',
        f'{{ system = "jira", project = "{PROJECTS[1]}" }}',
        f'{{ system = "github", repo = "{REPOS[0]}" }}',
        f'{{ system = "github", repo = "{REPOS[1]}" }}',
    ]
    lines = ['database_url = "sqlite:///.tracker/tracker.db"', ""]
    for index, target in enumerate(targets):
        lines += ["[[teams]]", f'name = "team{index}"', f"target = {target}", ""]
    for name in PEOPLE:
        lines += ["[[people]]", f'name = "{name}"', f'aliases = ["@{name}"]']
        lines += [f'jira_account_id = "{jira.user_account(name)}"', f'github_login = "{name}"', ""]
    lines += ["[connectors.jira]", f'url = "{jira.base_url}"', 'email = "bench@example.com"']
    lines += ['token = "${BENCH_JIRA_TOKEN}"', "timeout_seconds = 2", ""]
    lines += ["[connectors.github]", f'url = "{github.base_url}"']
    lines += ['token = "${BENCH_GITHUB_TOKEN}"', "timeout_seconds = 2"]
    lines += ["creations_per_minute = 0", ""]
    path = folder / "tracker.toml"
    path.write_text("\n".join(lines), encoding="utf-8")
    return path


@dataclass
class World:
    """The sandboxes (kept running) and one folder per attempt."""

    jira: JiraSandbox
    github: GitHubSandbox
    pristine: Path  # the generated documents
    search_lag: float
    latency_ms: float
    root: Path = field(default_factory=lambda: Path(tempfile.mkdtemp(prefix="tracker-faults-")))

    def fresh(self, name: str) -> Path:
        """New sandbox state (same servers) and a new folder: documents, config, no store."""
        for sandbox in (self.jira, self.github):
            sandbox.reset()
            sandbox.latency_ms = self.latency_ms
            sandbox.timeout_hold_seconds = 3
        self.github.set_rate_limits(enabled=False, secondary_enabled=False)
        self.jira.search_lag_seconds = self.search_lag
        folder = self.root / name
        shutil.copytree(self.pristine, folder / "docs")
        write_config(folder, self.jira, self.github)
        return folder

    def requests(self) -> int:
        return sum(int(s.requests.snapshot()["total"]) for s in (self.jira, self.github))

    @property
    def env(self) -> dict[str, str]:
        env = dict(os.environ, BENCH_JIRA_TOKEN=self.jira.token)
        env["BENCH_GITHUB_TOKEN"] = self.github.token
        env.pop("TRACKER_DATABASE_URL", None)
        env.pop("TRACKER_TEST_CRASH_AFTER", None)
        return env


def start_sync(world: World, folder: Path) -> subprocess.Popen[bytes]:
    command = [sys.executable, "-m", "tracker", "sync", "docs", "--config", "tracker.toml"]
    log = (folder / "sync.log").open("ab")
    return subprocess.Popen(command, cwd=folder, env=world.env, stdout=log, stderr=log)


def run_sync(world: World, folder: Path) -> tuple[int, float]:
    started = time.perf_counter()
    code = start_sync(world, folder).wait()
    return code, time.perf_counter() - started


# ----- what a run left behind ----------------------------------------------------------------


@dataclass
class Damage:
    tickets: int = 0
    duplicates: int = 0
    orphans: int = 0
    unlinked_items: int = 0  # open items that should have a ticket and have none linked
    changed_bytes: int = 0
    temp_files: int = 0

    def add(self, other: Damage) -> None:
        for name in vars(self):
            setattr(self, name, getattr(self, name) + getattr(other, name))


def tickets_by_identity(world: World) -> dict[str, list[str]]:
    found: dict[str, list[str]] = {}
    for issue in world.jira.issues():
        identity = identity_from_labels(issue.get("labels") or [])
        if identity:
            found.setdefault(identity, []).append(str(issue["key"]))
    for repo in REPOS:
        for issue in world.github.issues(repo):
            identity = identity_in(issue.get("body"))
            if identity:
                found.setdefault(identity, []).append(f"{repo}#{issue['number']}")
    return found


def _ticket_name(ref_key: str, url: str | None) -> str:
    """`ENG-1`, or `owner/repo#N` for a GitHub issue (from its URL: rows may say `#N`)."""
    if url is None or "/issues/" not in url:
        return ref_key
    owner, repo = url.split("/")[-4:-2]
    return f"{owner}/{repo}#{url.rsplit('/', 1)[-1]}"


def inspect(world: World, folder: Path, pristine: Path) -> Damage:
    docs = folder / "docs"
    linked: set[str] = set()
    damage = Damage()
    for path in sorted(docs.glob("*.md")):
        for item in parse_file(path, root=docs).items:
            names = {_ticket_name(t.key, t.url) for t in item.tickets}
            linked |= names
            if item.status.value in ("open", "in_progress") and not names:
                damage.unlinked_items += 1
        damage.changed_bytes += changed_outside_cells(
            (pristine / path.name).read_text(encoding="utf-8"), path.read_text(encoding="utf-8")
        )
    owned = tickets_by_identity(world)
    damage.tickets = sum(len(keys) for keys in owned.values())
    damage.duplicates = sum(len(keys) - 1 for keys in owned.values())
    damage.orphans = sum(1 for keys in owned.values() for key in keys if key not in linked)
    damage.temp_files = len(list(docs.glob(".*.tmp")))
    return damage


def changed_outside_cells(before: str, after: str) -> int:
    """Bytes that differ between two versions of a generated document, ignoring the
    Ticket and Status cells of action rows (lines added or removed count whole)."""
    old, new = before.splitlines(keepends=True), after.splitlines(keepends=True)
    changed = sum(len(line.encode()) for line in (old[len(new) :] or new[len(old) :]))
    for line_before, line_after in zip(old, new, strict=False):
        if line_before == line_after:
            continue
        if line_before.startswith("| Fix thing") and line_after.startswith("| Fix thing"):
            cells_before, cells_after = _cells(line_before), _cells(line_after)
            if len(cells_before) == len(cells_after):
                changed += sum(
                    max(len(a.encode()), len(b.encode()))
                    for index, (a, b) in enumerate(zip(cells_before, cells_after, strict=True))
                    if index not in TRACKER_CELLS and a != b
                )
                continue
        changed += max(len(line_before.encode()), len(line_after.encode()))
    return changed


def _cells(line: str) -> list[str]:
    return line.rstrip("\n").strip().strip("|").split("|")


# ----- part 1: kill sweep -----------------------------------------------------------------------


@dataclass
class KillPoint:
    after_requests: int
    delay: float


def kill_points(
    count: int, total_requests: int, tail: float, rng: random.Random
) -> list[KillPoint]:
    """Most points after the k-th request (k spread evenly), the rest during write-back."""
    in_tail = max(1, count // 6)
    spread = count - in_tail
    points = [
        KillPoint(
            1 + round(index * (total_requests - 1) / max(1, spread - 1)), rng.uniform(0, 0.03)
        )
        for index in range(spread)
    ]
    points += [KillPoint(total_requests, rng.uniform(0, tail)) for _ in range(in_tail)]
    return points


def kill_sweep(lanes: list[World], points: int, rng: random.Random) -> None:
    """Reference run on the first lane, then the kill points shared out over the lanes
    (each lane has its own pair of sandboxes; the work is in the sync processes)."""
    world = lanes[0]
    print(f"\n## Kill sweep: {points} points over a {count_items(world)}-item sync")
    folder = world.fresh("reference")
    started = time.perf_counter()
    process = start_sync(world, folder)
    last_request_at = _Watcher(world).follow(process)
    total_time = time.perf_counter() - started
    total_requests = world.requests()
    reference = inspect(world, folder, world.pristine)
    tail = max(0.05, total_time - (last_request_at - started))
    print(
        f"reference run (no kill): exit {process.returncode}, {total_time:.1f} s, "
        f"{total_requests} API requests, {tail:.2f} s after the last one; {_line(reference)}"
    )
    plan = list(enumerate(kill_points(points, total_requests, tail, rng), start=1))
    results: list[tuple[int, KillPoint, KillResult]] = []
    sweep_started = time.perf_counter()
    threads = [
        threading.Thread(target=_kill_lane, args=(lane, plan[index :: len(lanes)], results))
        for index, lane in enumerate(lanes)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    sweep_time = time.perf_counter() - sweep_started
    totals = Damage()
    for _, _, result in results:
        totals.add(result.damage)
    killed = sum(result.killed for _, _, result in results)
    failed = sum(result.code != 0 for _, _, result in results)
    timings = [result.seconds for _, _, result in results]
    print(
        f"{killed} of {points} runs killed mid-way (the rest had finished first); each "
        f"re-run at once: {points - failed} exit 0, {failed} non-zero; re-run median "
        f"{_median(timings):.1f} s, max {max(timings):.1f} s; sweep {sweep_time:.0f} s "
        f"over {len(lanes)} lanes"
    )
    print(f"totals over all points: {_line(totals)}")
    damaged = [
        (number, point, result)
        for number, point, result in sorted(results, key=lambda entry: entry[0])
        if result.damage.duplicates
        or result.damage.orphans
        or result.damage.changed_bytes
        or result.damage.temp_files
        or result.damage.unlinked_items
    ]
    print("points with damage:" if damaged else "points with damage: none")
    for number, point, result in damaged:
        print(
            f"  point {number}: killed after {result.requests_at_kill} requests "
            f"(aimed at {point.after_requests} +{point.delay * 1000:.0f} ms): re-run exit "
            f"{result.code}; {_line(result.damage)}"
        )


@dataclass
class KillResult:
    killed: bool
    requests_at_kill: int
    code: int
    seconds: float
    damage: Damage


def _kill_lane(
    world: World,
    plan: list[tuple[int, KillPoint]],
    results: list[tuple[int, KillPoint, KillResult]],
) -> None:
    for number, point in plan:
        folder = world.fresh(f"kill-{number:03d}")
        process = start_sync(world, folder)
        _Watcher(world).until(process, point.after_requests)
        time.sleep(point.delay)
        killed = process.poll() is None
        if killed:
            os.kill(process.pid, signal.SIGKILL)
        process.wait()
        at = world.requests()
        code, seconds = run_sync(world, folder)
        damage = inspect(world, folder, world.pristine)
        results.append((number, point, KillResult(killed, at, code, seconds, damage)))


class _Watcher:
    """Follows the sandboxes' request counters while a sync process runs."""

    def __init__(self, world: World) -> None:
        self.world = world

    def follow(self, process: subprocess.Popen[bytes]) -> float:
        """Wait for the process; returns when the last request was first seen."""
        seen, at = -1, time.perf_counter()
        while process.poll() is None:
            now = self.world.requests()
            if now != seen:
                seen, at = now, time.perf_counter()
            time.sleep(0.002)
        return at

    def until(self, process: subprocess.Popen[bytes], requests: int) -> None:
        while process.poll() is None and self.world.requests() < requests:
            time.sleep(0.001)


# ----- part 2: mixed faults ------------------------------------------------------------------------


class FaultInjector(threading.Thread):
    """Queues one fault for (about) every `rate`-th request each sandbox receives."""

    def __init__(self, world: World, rate: float, rng: random.Random) -> None:
        super().__init__(daemon=True)
        self.world, self.rate, self.rng = world, rate, rng
        self.stopped = threading.Event()
        self.injected: Counter[str] = Counter()

    def run(self) -> None:
        sandboxes = (self.world.jira, self.world.github)
        seen = [int(s.requests.snapshot()["total"]) for s in sandboxes]
        while not self.stopped.is_set():
            for index, sandbox in enumerate(sandboxes):
                now = int(sandbox.requests.snapshot()["total"])
                for _ in range(max(0, now - seen[index])):
                    if self.rng.random() < self.rate:
                        kind = self.rng.choice(FAULT_KINDS)
                        sandbox.faults.add(kind, retry_after=1)
                        self.injected[f"{sandbox.name} {kind}"] += 1
                seen[index] = now
            time.sleep(0.002)

    def stop(self) -> None:
        self.stopped.set()
        self.join()
        for sandbox in (self.world.jira, self.world.github):
            sandbox.faults.clear()


def mixed_faults(world: World, rate: float, runs: int, rng: random.Random) -> None:
    print(
        f"\n## Mixed faults: {count_items(world)} items, ~{rate:.0%} of requests fail "
        f"({', '.join(FAULT_KINDS)})"
    )
    folder = world.fresh("mixed")
    injector = FaultInjector(world, rate, rng)
    injector.start()
    started = time.perf_counter()
    codes: list[str] = []
    try:
        for attempt in range(1, runs + 1):
            code, seconds = run_sync(world, folder)
            codes.append(f"run {attempt} (faults on): exit {code}, {seconds:.1f} s")
            if code == 0:
                break
    finally:
        injector.stop()
    requests_with_faults = world.requests()
    code, seconds = run_sync(world, folder)
    codes.append(f"then (faults off): exit {code}, {seconds:.1f} s")
    total = time.perf_counter() - started
    damage = inspect(world, folder, world.pristine)
    injected = sum(injector.injected.values())
    print(
        f"{injected} faults injected into {requests_with_faults} requests "
        f"({injected / max(1, requests_with_faults):.1%}): "
        + ", ".join(f"{kind} {n}" for kind, n in sorted(injector.injected.items()))
    )
    for line in codes:
        print("  " + line)
    print(f"total {total:.1f} s; {_line(damage)}")


# ----- output helpers ------------------------------------------------------------------------------


def count_items(world: World) -> int:
    return sum(
        len(parse_file(path, root=world.pristine).items) for path in world.pristine.glob("*.md")
    )


def _line(damage: Damage) -> str:
    return (
        f"{damage.tickets} tickets, {damage.duplicates} duplicates, {damage.orphans} orphans, "
        f"{damage.unlinked_items} open items unlinked, {damage.changed_bytes} bytes changed "
        f"outside tracker's cells, {damage.temp_files} temp files left"
    )


def _median(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[len(ordered) // 2] if ordered else float("nan")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--kill-points", type=int, default=40)
    parser.add_argument("--kill-items", type=int, default=50)
    parser.add_argument("--fault-items", type=int, default=1000)
    parser.add_argument("--fault-rate", type=float, default=0.10)
    parser.add_argument("--fault-runs", type=int, default=3, help="faulty runs before a clean one")
    parser.add_argument("--search-lag", type=float, default=30.0, help="Jira search lag, s")
    parser.add_argument("--latency-ms", type=float, default=5.0)
    parser.add_argument("--seed", type=int, default=20261206)
    parser.add_argument("--lanes", type=int, default=3, help="kill points run this many at once")
    parser.add_argument("--skip-kills", action="store_true")
    parser.add_argument("--skip-faults", action="store_true")
    parser.add_argument("--keep", action="store_true", help="keep the run folders (printed)")
    args = parser.parse_args()

    rng = random.Random(args.seed)
    pairs = [
        (
            JiraSandbox(projects=PROJECTS, latency_ms=args.latency_ms).start(),
            GitHubSandbox(repos=REPOS, latency_ms=args.latency_ms, seed_pull_request=False).start(),
        )
        for _ in range(max(1, args.lanes))
    ]
    jira, github = pairs[0]
    root = Path(tempfile.mkdtemp(prefix="tracker-faults-"))
    started = time.perf_counter()
    print(
        f"# tracker fault sweep: Jira search lag {args.search_lag:.0f} s, "
        f"{args.latency_ms:.0f} ms latency per request, seed {args.seed}"
    )
    try:
        if not args.skip_kills:
            generate(root / "kill-docs", args.kill_items, args.seed)
            lanes = [
                World(j, g, root / "kill-docs", args.search_lag, args.latency_ms, root)
                for j, g in pairs
            ]
            kill_sweep(lanes, args.kill_points, rng)
        if not args.skip_faults:
            generate(root / "fault-docs", args.fault_items, args.seed + 1)
            world = World(jira, github, root / "fault-docs", args.search_lag, args.latency_ms, root)
            mixed_faults(world, args.fault_rate, args.fault_runs, rng)
    finally:
        for pair in pairs:
            for sandbox in pair:
                sandbox.stop()
        if args.keep:
            print(f"\nrun folders kept in {root}")
        else:
            shutil.rmtree(root, ignore_errors=True)
    print(f"\ndone in {time.perf_counter() - started:.0f} s")


if __name__ == "__main__":
    main()
