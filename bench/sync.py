"""Benchmark `tracker sync` against the sandboxes with 50 ms latency per request.

Generates `--items` action items (default 10,000) in `--items / 10` documents, half
routed to 5 Jira projects and half to 5 GitHub repositories, then runs `tracker sync`
as a separate process (so its peak RSS is its own, not the sandboxes'):

(a) first sync: every ticket created and linked back. GitHub's rate limits are OFF in
    the sandbox and pacing is OFF in the connector (`creations_per_minute = 0`) for this
    run only: at GitHub's real limits (80 creations a minute, 500 an hour) creating the
    tickets alone would take 10 hours per 5,000 GitHub items;
(b) no-op re-sync the next night: the sandbox clocks move 1 day ahead and the sync is
    told that time (`run_sync(now=)`, what a nightly run's clock would say). Its
    incremental reads start where the first sync's reads started, so they list once
    more the tickets the first sync wrote (its documents, written only to link the
    tickets it created, are left unread); (b2) the same again: the steady state;
(c) re-sync after 1% of the tickets were changed remotely (status moved by a person);
(e) a week after (c): the weekly full read lists every ticket whole (a scope not listed
    whole for 7 days is), documents left unread unless their tickets changed;
(d) `tracker sync --full`: every document re-read and every ticket listed whole.

(b) to (e) run as configured in production: GitHub's primary and secondary rate limits
ON in the sandbox and the connector's pacing at its defaults; each prints the
secondary-limit refusals (403/429) GitHub answered (aim: 0).

Each run prints API calls by route (from the sandboxes' request logs), its listing pages
beside the floor a whole listing can't go below (Σ ceil(tickets per scope / 100), or
1,000 for a `--jira-flavour server` project: every scope ends on a part page) and the
calls besides, the run's time after imports, the whole process's wall and CPU time and
its own peak RSS (VmHWM), beside two baselines measured in the same run (with GitHub's
limits off: at 5,000 requests an hour they would take hours): a naive poller, one GET per ticket (8 threads,
the same HTTP latency), and a full listing, every ticket listed 100 a page as a
pull-based peer such as bugwarrior does each run (bugwarrior also fetches each issue's
comments by default).

`--cache DIR` keeps the state after (a) (documents, store, both sandboxes' tickets and
clocks) and later runs with the same `--items` and `--seed` start from it, skipping (a):
a 100,000-item first sync takes a long while.

    .venv/bin/python bench/sync.py                 # 10,000 items (several minutes)
    .venv/bin/python bench/sync.py --items 1000    # quick run
    .venv/bin/python bench/sync.py --items 100000 --latency-ms 0 --cache /tmp/bench-100k
    .venv/bin/python bench/sync.py --jira-flavour server --no-baselines  # Jira Data Center
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import subprocess
import sys
import tempfile
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime
from pathlib import Path

import requests

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "src"))

from tracker_github.sandbox.server import GitHubSandbox  # noqa: E402
from tracker_jira.sandbox.server import JiraSandbox  # noqa: E402

PROJECTS = ("PAY", "SRCH", "EDGE", "DATA", "CORE")
REPOS = ("acme/web", "acme/api", "acme/mobile", "acme/infra", "acme/tools")
PEOPLE = ("alice", "bob", "chen")
ITEMS_PER_DOC = 10


def generate(folder: Path, items: int, seed: int) -> None:
    """`items / 10` documents; team i → project or repository i (10 teams)."""
    rng = random.Random(seed)
    teams = [f"team{index}" for index in range(10)]
    for number in range(max(1, items // ITEMS_PER_DOC)):
        team = teams[number % len(teams)]
        rows = []
        for row in range(ITEMS_PER_DOC):
            status = rng.choices(["Open", "In Progress", "Done"], [8, 1, 1])[0]
            owner = rng.choice(PEOPLE)
            due = f"2027-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}"
            rows.append(
                f"| Fix thing {number}-{row} in component {rng.randint(1, 999)} "
                f"| @{owner} | {due} | P{rng.randint(0, 4)} | | {status} |"
            )
        text = "\n".join(
            [
                "---",
                f"team: {team}",
                "severity: SEV2",
                "---",
                "",
                f"# Postmortem: Incident {number}",
                "",
                "**Date**: 2026-06-01",
                "",
                "## Action Items",
                "",
                "| Action | Owner | Due | Priority | Ticket | Status |",
                "| ------ | ----- | --- | -------- | ------ | ------ |",
                *rows,
                "",
            ]
        )
        (folder / f"pm-{number:05d}.md").write_text(text, encoding="utf-8")


def write_config(
    folder: Path, jira: JiraSandbox, github: GitHubSandbox, *, paced: bool = True
) -> Path:
    """The bench's tracker.toml; `paced=False` switches GitHub's creation pacing off."""
    lines = ['database_url = "sqlite:///.tracker/tracker.db"', ""]
    for index in range(10):
        lines += ["[[teams]]", f'name = "team{index}"']
        if index < 5:
            lines.append(f'target = {{ system = "jira", project = "{PROJECTS[index]}" }}')
        else:
            lines.append(f'target = {{ system = "github", repo = "{REPOS[index - 5]}" }}')
        lines.append("")
    for name in PEOPLE:
        lines += ["[[people]]", f'name = "{name}"', f'aliases = ["@{name}"]']
        lines += [f'jira_account_id = "{jira.user_account(name)}"', f'github_login = "{name}"', ""]
    lines += ["[connectors.jira]", f'url = "{jira.base_url}"', 'email = "bench@example.com"']
    lines += [f'flavour = "{jira.flavour}"']
    lines += ['token = "${BENCH_JIRA_TOKEN}"', "timeout_seconds = 30", ""]
    lines += [
        "[connectors.github]",
        f'url = "{github.base_url}"',
        'token = "${BENCH_GITHUB_TOKEN}"',
    ]
    lines += ["timeout_seconds = 30"] + ([] if paced else ["creations_per_minute = 0"]) + [""]
    path = folder / "tracker.toml"
    path.write_text("\n".join(lines), encoding="utf-8")
    return path


# What the child process runs: `tracker sync`'s engine call, timed after the imports
# (Python + library start-up on this shared machine is seconds and not what we measure).
CHILD = """
import json, os, sys, time, urllib.request
from datetime import datetime
from pathlib import Path
from tracker.config import load_config
from tracker.store import open_store
from tracker.sync import run_sync
from tracker.sync.render import render_summary
if os.environ.get("BENCH_PHASES"):
    exec(PROBE)
config = load_config(Path(sys.argv[1]))
store = open_store(config.database_url)
clock = json.load(urllib.request.urlopen(sys.argv[3] + "/_sandbox/clock"))["now"]
started = time.perf_counter()
profile = None
if len(sys.argv) > 4:
    import cProfile
    profile = cProfile.Profile()
    profile.enable()
result = run_sync(
    config, store, [Path(sys.argv[2])], now=datetime.fromisoformat(clock),
    full=bool(os.environ.get("BENCH_FULL")),
)
print(f"SYNC-SECONDS {time.perf_counter() - started:.3f}")
if profile is not None:
    import pstats
    profile.disable()
    print("PROFILE")
    pstats.Stats(profile, stream=sys.stdout).sort_stats("cumulative").print_stats(int(sys.argv[4]))
print(render_summary(result)[0])
# This process's own peak (VmHWM starts afresh at exec); wait4's ru_maxrss would also
# count the bench process it was forked from, which holds both sandboxes' tickets.
print(next(line for line in open("/proc/self/status") if line.startswith("VmHWM")).strip())
sys.exit(result.exit_code)
"""


# --phases: the child wraps the engine's phases and prints its RSS after each (VmRSS,
# and VmHWM: the peak so far); with --tracemalloc N it traces allocations (slower, and
# the tracing's own memory inflates RSS) and prints the top N lines still allocated at
# the end of planning, where a --full night peaks, and the live objects by type.
PROBE = """
import functools, gc, sys, time, tracemalloc
from collections import Counter
import tracker.store.recording as _recording
import tracker.sync.engine as _engine

_TOP = int(os.environ.get("BENCH_TRACEMALLOC") or 0)
if _TOP:
    tracemalloc.start(1)

def _rss():
    fields = dict(line.split(":", 1) for line in open("/proc/self/status"))
    return [int(fields[name].split()[0]) // 1024 for name in ("VmRSS", "VmHWM")]

def _by_type(top):
    sizes, counts = Counter(), Counter()
    for obj in gc.get_objects():
        name = type(obj).__name__
        sizes[name] += sys.getsizeof(obj)
        counts[name] += 1
    for name, size in sizes.most_common(top):
        print(f"PHASE   type {name:24s} {counts[name]:9d} objects {size / 2**20:8.1f} MB")

def _probe(module, name):
    inner = getattr(module, name)
    @functools.wraps(inner)
    def wrapper(*args, **kwargs):
        begun = time.process_time()
        value = inner(*args, **kwargs)
        rss, hwm = _rss()
        cpu = time.process_time() - begun
        print(f"PHASE {name:22s} rss {rss:5d} MB  peak {hwm:5d} MB  cpu {cpu:6.2f} s", flush=True)
        if name == "_plan" and _TOP:
            snapshot = tracemalloc.take_snapshot()
            for stat in snapshot.statistics("lineno")[:_TOP]:
                print(f"PHASE   {stat.size / 2**20:7.1f} MB {stat.count:8d}  {stat.traceback[0]}")
            _by_type(_TOP)
        return value
    setattr(module, name, wrapper)

for _name in ("_parse", "load_baselines", "adopt_earlier_ids", "build_local_items",
              "rows_deleted", "carry_over_reworded", "carry_over_moved", "read_remote",
              "_ownership", "_plan", "remove_leftover_temp_files", "derived_dues", "_apply",
              "_write_documents", "_record", "remember"):
    _probe(_engine, _name)
_probe(_recording, "record_documents")
"""


def run_sync(
    folder: Path,
    config: Path,
    env: dict[str, str],
    clock_url: str,
    profile: int = 0,
    *,
    full: bool = False,
) -> tuple[float, tuple[float, float], float, int, str]:
    """(sync seconds, (whole-process wall seconds, its CPU seconds), peak RSS MB, exit
    code, summary line) of one sync in a fresh process. CPU time is what a loaded
    machine inflates least. Peak RSS is the child's VmHWM: `ru_maxrss` of a child
    includes the RSS of the process that forked it (Linux keeps the higher of the two
    across exec), and this process holds the sandboxes (hundreds of MB at 100k)."""
    begun = time.perf_counter()
    process = subprocess.Popen(
        [
            sys.executable,
            "-c",
            f"PROBE = {PROBE!r}\n" + CHILD,
            str(config),
            str(folder / "docs"),
            clock_url,
        ]
        + ([str(profile)] if profile else []),
        cwd=folder,
        env=dict(env, BENCH_FULL="1") if full else env,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    assert process.stdout is not None
    output = process.stdout.read()
    _, status, usage = os.wait4(process.pid, 0)
    process.returncode = os.waitstatus_to_exitcode(status)
    whole = time.perf_counter() - begun
    cpu = usage.ru_utime + usage.ru_stime
    elapsed = float(
        next(
            (line.split()[1] for line in output.splitlines() if line.startswith("SYNC-SECONDS")),
            "nan",
        )
    )
    summary = next((line for line in output.splitlines() if " items in " in line), output[-300:])
    own_peak = next(
        (line.split()[1] for line in output.splitlines() if line.startswith("VmHWM")), ""
    )
    peak = float(own_peak) / 1024 if own_peak else usage.ru_maxrss / 1024
    for line in output.splitlines():
        if line.startswith("PHASE"):
            print(line)
    if profile and "PROFILE" in output:
        print(output[output.index("PROFILE") :])
    return elapsed, (whole, cpu), peak, process.returncode, summary


def calls(jira: JiraSandbox, github: GitHubSandbox) -> Counter[str]:
    counted: Counter[str] = Counter()
    for sandbox in (jira, github):
        counted.update(sandbox.requests.snapshot()["by_route"])
    return counted


def reset_logs(jira: JiraSandbox, github: GitHubSandbox) -> None:
    jira.requests.reset()
    github.requests.reset()


def naive_reads(jira: JiraSandbox, github: GitHubSandbox) -> tuple[int, float]:
    """One GET per ticket (8 threads): the baseline a per-item sync pays."""
    urls: list[tuple[str, dict[str, str]]] = []
    jira_auth = {"Authorization": "Bearer unused"}
    session_auth = ("bench@example.com", jira.token)
    for issue in jira.issues():
        urls.append((f"{jira.base_url}/rest/api/2/issue/{issue['key']}", jira_auth))
    for repo in REPOS:
        for issue in github.issues(repo):
            urls.append(
                (
                    f"{github.base_url}/repos/{repo}/issues/{issue['number']}",
                    {"Authorization": f"token {github.token}"},
                )
            )
    local = requests.Session()

    def get(entry: tuple[str, dict[str, str]]) -> int:
        url, headers = entry
        if "/rest/api/" in url:
            return local.get(url, auth=session_auth, timeout=30).status_code
        return local.get(url, headers=headers, timeout=30).status_code

    started = time.perf_counter()
    with ThreadPoolExecutor(max_workers=8) as executor:
        codes = list(executor.map(get, urls))
    elapsed = time.perf_counter() - started
    assert all(code == 200 for code in codes), Counter(codes)
    return len(urls), elapsed


def full_listing(jira: JiraSandbox, github: GitHubSandbox) -> tuple[int, float]:
    """Every ticket listed, 100 a page, one thread per project or repository: what a
    pull-based peer (bugwarrior-style) pays each run, before any per-issue reads."""
    session_auth = ("bench@example.com", jira.token)
    github_headers = {"Authorization": f"token {github.token}"}

    def jira_scope(project: str) -> int:
        local, count, token = requests.Session(), 0, None
        while True:
            params = {"jql": f"project = {project} ORDER BY key", "maxResults": "100"}
            params["fields"] = "*all"
            if token:
                params["nextPageToken"] = token
            answer = local.get(
                f"{jira.base_url}/rest/api/2/search/jql", params=params, auth=session_auth
            )
            answer.raise_for_status()
            count += 1
            token = answer.json().get("nextPageToken")
            if not token:
                return count

    def github_scope(repo: str) -> int:
        local, count, page = requests.Session(), 0, 1
        while True:
            answer = local.get(
                f"{github.base_url}/repos/{repo}/issues",
                params={"state": "all", "per_page": "100", "page": str(page)},
                headers=github_headers,
            )
            answer.raise_for_status()
            count += 1
            if 'rel="next"' not in answer.headers.get("Link", ""):
                return count
            page += 1

    started = time.perf_counter()
    with ThreadPoolExecutor(max_workers=8) as executor:
        counts = list(executor.map(jira_scope, PROJECTS)) + list(executor.map(github_scope, REPOS))
    return sum(counts), time.perf_counter() - started


def change_one_percent(jira: JiraSandbox, github: GitHubSandbox, seed: int) -> list[str]:
    """Close 1% of the open tickets as a person would; returns the link targets their
    rows carry (`/browse/KEY)`, `/REPO/issues/N)`), to check the documents after."""
    rng = random.Random(seed + 1)
    changed: list[str] = []
    jira_issues = [i for i in jira.issues() if i["status"] != "Done"]
    for issue in rng.sample(jira_issues, max(1, len(jira.issues()) // 100)):
        jira.set_status(str(issue["key"]), "Done")
        changed.append(f"/browse/{issue['key']})")
    for repo in REPOS:
        issues = [i for i in github.issues(repo) if i["state"] == "open"]
        for issue in rng.sample(issues, max(1, len(github.issues(repo)) // 100)):
            github.set_state(repo, issue["number"], "closed", state_reason="completed")
            changed.append(f"/{repo}/issues/{issue['number']})")
    return changed


def rows_not_done(folder: Path, links: list[str]) -> int:
    """Changed tickets whose row does not say Done after the sync (should be 0)."""
    rows = [
        line
        for file in sorted(folder.glob("*.md"))
        for line in file.read_text(encoding="utf-8").splitlines()
        if line.startswith("|")
    ]
    missing = 0
    for link in links:
        row = next((line for line in rows if link in line), "")
        missing += "Done" not in row
    return missing


Baseline = tuple[int, float]  # calls, seconds

# The routes a listing pages through; every other call is fixed per run or per item.
LISTING_ROUTES = (
    "GET /rest/api/2/search/jql",
    "GET /rest/api/2/search",
    "GET /repos/{owner}/{repo}/issues",
    "GET /repositories/{repo_id}/issues",
)
PAGE = 100  # tickets per listing page: GitHub's per_page maximum, Jira Cloud's with fields
SERVER_PAGE = 1000  # Jira Data Center's /search cap (jira.search.views.default.max)


def scope_sizes(jira: JiraSandbox, github: GitHubSandbox) -> dict[str, int]:
    """Tickets per project / repository, for the floor of a whole listing."""
    sizes: Counter[str] = Counter(str(i["key"]).rsplit("-", 1)[0] for i in jira.issues())
    for repo in REPOS:
        sizes[repo] = len(github.issues(repo))
    return dict(sizes)


def listing_floor(sizes: dict[str, int], jira_flavour: str = "cloud") -> int:
    """Pages a whole listing can't go below: Σ ceil(n_scope / page size), every scope
    ending on a part page (100 a page; a Jira Data Center project 1,000)."""
    jira_page = SERVER_PAGE if jira_flavour == "server" else PAGE
    return sum(-(-n // (jira_page if s in PROJECTS else PAGE)) for s, n in sizes.items())


def report(
    title: str,
    timing: tuple[float, tuple[float, float]],
    rss: float,
    counted: Counter[str],
    baselines: tuple[Baseline, Baseline],
    tickets: int,
    refusals: int | None = None,
    floor: int = 0,
) -> None:
    total = sum(counted.values())
    (naive_calls, naive_time), (listing_calls, listing_time) = baselines
    elapsed, (whole, cpu) = timing
    print(f"\n## {title}")
    print(
        f"sync {elapsed:.2f} s after imports, {whole:.2f} s whole process "
        f"({cpu:.2f} s CPU), peak RSS {rss:.0f} MB, {total} API calls "
        f"({100 * total / max(1, tickets):.2f} per 100 tickets)"
    )
    if refusals is not None:
        print(f"GitHub secondary-limit refusals (403/429): {refusals}")
    for route, count in counted.most_common():
        print(f"  {count:6d}  {route}")
    pages = sum(counted[route] for route in LISTING_ROUTES)
    print(
        f"listing pages {pages} (a whole listing's floor: {floor} = Σ ceil(tickets per "
        f"scope / page size), {100 * floor / max(1, tickets):.2f} per 100 tickets); other "
        f"calls {total - pages}"
    )
    if not naive_calls and not listing_calls:  # --no-baselines
        return
    print(
        f"naive poller (one GET per ticket): {naive_calls} calls, {naive_time:.1f} s  →  "
        f"{naive_calls / max(1, total):.1f}× the calls, {naive_time / whole:.2f}× the time"
    )
    print(
        f"full listing (100 a page): {listing_calls} calls, {listing_time:.1f} s  →  "
        f"{listing_calls / max(1, total):.1f}× the calls, {listing_time / whole:.2f}× the time"
    )


def _snapshot_ok(cache: Path, items: int, seed: int, flavour: str) -> bool:
    meta = cache / "meta.json"
    if not meta.exists():
        return False
    data = json.loads(meta.read_text(encoding="utf-8"))
    same = data["items"] == items and data["seed"] == seed
    return bool(same and data.get("jira_flavour", "cloud") == flavour)


def save_snapshot(
    cache: Path, folder: Path, jira: JiraSandbox, github: GitHubSandbox, meta: dict[str, object]
) -> None:
    """The state after (a): the run folder, both sandboxes' data, ports, tokens, clocks."""
    shutil.rmtree(cache, ignore_errors=True)
    cache.mkdir(parents=True)
    shutil.copytree(folder, cache / "work")
    for sandbox in (jira, github):
        (cache / f"{sandbox.name}.json").write_text(
            json.dumps(sandbox.dump_state(), default=str), encoding="utf-8"
        )
    meta = dict(
        meta,
        ports={"jira": jira.port, "github": github.port},
        tokens={"jira": jira.token, "github": github.token},
        clocks={"jira": jira.clock.now().isoformat(), "github": github.clock.now().isoformat()},
    )
    (cache / "meta.json").write_text(json.dumps(meta), encoding="utf-8")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--items", type=int, default=10_000)
    parser.add_argument("--latency-ms", type=float, default=50.0)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument(
        "--jira-flavour",
        choices=("cloud", "server"),
        default="cloud",
        help="the Jira sandbox's flavour (server: Data Center, /search pages of up to 1,000)",
    )
    parser.add_argument(
        "--profile", type=int, default=0, help="cProfile (b) and (b2), print the top N functions"
    )
    parser.add_argument(
        "--cache", type=Path, help="keep the state after (a) here; reuse it when it matches"
    )
    parser.add_argument(
        "--no-baselines", action="store_true", help="skip the baselines (profiling runs)"
    )
    parser.add_argument(
        "--only", help="the nights to run, comma-separated (b,b2,c,e,d; default all)"
    )
    parser.add_argument(
        "--phases", action="store_true", help="print each sync's RSS after each engine phase"
    )
    parser.add_argument(
        "--tracemalloc",
        type=int,
        default=0,
        metavar="N",
        help="with --phases: the top N allocating lines and types at the end of planning",
    )
    args = parser.parse_args()
    if args.jira_flavour == "server" and not args.no_baselines:
        parser.error("--jira-flavour server needs --no-baselines (the baselines speak Cloud)")

    reuse = args.cache is not None and _snapshot_ok(
        args.cache, args.items, args.seed, args.jira_flavour
    )
    if args.cache is not None:
        folder = args.cache.resolve().parent / f"{args.cache.name}-run"  # the same path each run
        shutil.rmtree(folder, ignore_errors=True)
    else:
        folder = Path(tempfile.mkdtemp(prefix="tracker-bench-sync-"))
    meta: dict[str, object] = {}
    if reuse:
        meta = json.loads((args.cache / "meta.json").read_text(encoding="utf-8"))
        shutil.copytree(args.cache / "work", folder)
    else:
        folder.mkdir(parents=True, exist_ok=True)
        (folder / "docs").mkdir()
        generate(folder / "docs", args.items, args.seed)
    ports: dict[str, int] = dict(meta.get("ports") or {})  # type: ignore[call-overload]
    tokens: dict[str, str] = dict(meta.get("tokens") or {})  # type: ignore[call-overload]
    jira = JiraSandbox(
        projects=PROJECTS,
        flavour=args.jira_flavour,
        latency_ms=args.latency_ms,
        port=ports.get("jira", 0),
        token=tokens.get("jira"),
    ).start()
    github = GitHubSandbox(
        repos=REPOS,
        latency_ms=args.latency_ms,
        seed_pull_request=False,
        port=ports.get("github", 0),
        token=tokens.get("github"),
    ).start()
    try:
        env = dict(os.environ, BENCH_JIRA_TOKEN=jira.token, BENCH_GITHUB_TOKEN=github.token)
        env.pop("TRACKER_DATABASE_URL", None)
        # As installed: bytecode is cached (here in the run's folder), not recompiled by
        # every process as PYTHONDONTWRITEBYTECODE would have it.
        env.pop("PYTHONDONTWRITEBYTECODE", None)
        env["PYTHONPYCACHEPREFIX"] = str(folder / "pycache")
        if args.phases:
            env["BENCH_PHASES"] = "1"
            env["BENCH_TRACEMALLOC"] = str(args.tracemalloc)
        print(
            f"# tracker sync benchmark: {args.items} items in {args.items // ITEMS_PER_DOC} "
            f"documents, 5 Jira ({args.jira_flavour}) projects + 5 GitHub repositories, "
            f"{args.latency_ms:.0f} ms "
            "latency per request"
        )
        github.set_rate_limits(enabled=False, secondary_enabled=False)
        if reuse:
            clocks: dict[str, str] = dict(meta["clocks"])  # type: ignore[call-overload]
            for sandbox in (jira, github):
                sandbox.load_state(
                    json.loads((args.cache / f"{sandbox.name}.json").read_text("utf-8"))
                )
                sandbox.clock.set(datetime.fromisoformat(clocks[sandbox.name]))
            print(f"\n(a) first sync: from the snapshot in {args.cache} (made {meta['made']})")
            print(str(meta["first"]))
        else:
            print(
                "(a) runs with GitHub's rate limits OFF in the sandbox and pacing OFF in the "
                "connector (creations_per_minute = 0): at the real limits it would take hours."
            )
            config = write_config(folder, jira, github, paced=False)
            reset_logs(jira, github)
            elapsed, whole, rss, code, summary = run_sync(folder, config, env, jira.base_url)
            first = calls(jira, github)
            lines = [f"(a) first sync exit {code}: {summary}"]
            lines.append(
                f"sync {elapsed:.2f} s after imports, {whole[0]:.2f} s whole process "
                f"({whole[1]:.2f} s CPU), peak RSS {rss:.0f} MB, {sum(first.values())} API calls"
            )
            lines += [f"  {count:6d}  {route}" for route, count in first.most_common()]
            print("\n" + "\n".join(lines))
            if args.cache is not None:
                made = time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())
                save_snapshot(
                    args.cache,
                    folder,
                    jira,
                    github,
                    {
                        "items": args.items,
                        "seed": args.seed,
                        "jira_flavour": args.jira_flavour,
                        "made": made,
                        "first": "\n".join(lines),
                    },
                )
        sizes = scope_sizes(jira, github)
        tickets, floor = sum(sizes.values()), listing_floor(sizes, args.jira_flavour)
        print(f"\ntickets per scope: {sizes}; a whole listing's floor {floor} pages")
        reset_logs(jira, github)
        naive = (0, float("nan")) if args.no_baselines else naive_reads(jira, github)
        listing = (0, float("nan")) if args.no_baselines else full_listing(jira, github)
        baselines = (naive, listing)
        if args.no_baselines:
            print(f"\nbaselines skipped (--no-baselines); {tickets} tickets")
        else:
            print(
                f"\nbaselines over {tickets} tickets, GitHub's limits off (at 5,000 requests "
                f"an hour the naive poller alone would wait {naive[0] / 2 / 5000:.1f} h for "
                f"GitHub): naive poller {naive[0]} calls in {naive[1]:.1f} s; full listing "
                f"{listing[0]} calls in {listing[1]:.1f} s"
            )

        # The nights: as in production, GitHub's limits on and the connector's pacing at
        # its defaults.
        github.set_rate_limits(enabled=True, secondary_enabled=True)
        config = write_config(folder, jira, github, paced=True)
        print(
            "\n(b)–(e) run with GitHub's primary and secondary rate limits ON in the sandbox "
            "and the connector's pacing at its defaults."
        )

        def night(title: str, *, profile: int = 0, full: bool = False, days: int = 1) -> str:
            for sandbox in (jira, github):
                sandbox.clock.advance(86_400 * days)
            reset_logs(jira, github)
            github.limits.secondary_refusals = 0
            elapsed, whole, rss, code, summary = run_sync(
                folder, config, env, jira.base_url, profile, full=full
            )
            print(f"\n{title} exit {code}: {summary}")
            report(
                title,
                (elapsed, whole),
                rss,
                calls(jira, github),
                baselines,
                tickets,
                github.limits.secondary_refusals,
                floor,
            )
            return summary

        only = set(args.only.split(",")) if args.only else {"b", "b2", "c", "e", "d"}
        if "b" in only:
            night("(b) no-op re-sync (next night)", profile=args.profile)
        if "b2" in only:
            night("(b2) steady-state no-op re-sync", profile=args.profile)
        if "c" in only:
            links = change_one_percent(jira, github, args.seed)
            night(f"(c) 1% changed remotely ({len(links)} tickets)")
            missed = rows_not_done(folder / "docs", links)
            print(f"changed tickets whose row does not say Done: {missed} of {len(links)}")
        if "e" in only:
            night("(e) a week later: the weekly full read (every ticket listed whole)", days=7)
        if "d" in only:
            night("(d) sync --full (every document re-read, every ticket listed whole)", full=True)
    finally:
        jira.stop()
        github.stop()
        shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    main()
