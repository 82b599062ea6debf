"""Benchmark `tracker sync` against the sandboxes with 50 ms latency per request.

Generates `--items` action items (default 10,000) in `--items / 10` documents, half
routed to 5 Jira projects and half to 5 GitHub repositories, then runs `tracker sync`
as a separate process (so its peak RSS is its own, not the sandboxes') three times:

(a) first sync: every ticket created and linked back;
(b) no-op re-sync the next night: the sandbox clocks move 1 day ahead and the sync is
    told that time (`run_sync(now=)`, what a nightly run's clock would say). Its
    incremental reads start where the first sync's reads started, so they list once
    more the tickets the first sync wrote; (b2) the same again: the steady state;
(c) re-sync after 1% of the tickets were changed remotely (status moved by a person).

Each run prints API calls by route (from the sandboxes' request logs), wall time and
peak RSS, beside a naive baseline measured in the same run: one GET per item (8
threads, the same HTTP latency) — what a sync that reads every ticket pays.
GitHub's rate limits are switched off in the sandbox and pacing is off in the connector
(`creations_per_minute = 0`): the point is tracker's call pattern, not GitHub's quota.

    .venv/bin/python bench/sync.py                 # 10,000 items (several minutes)
    .venv/bin/python bench/sync.py --items 1000    # quick run
"""

from __future__ import annotations

import argparse
import os
import random
import shutil
import subprocess
import sys
import tempfile
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
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


def write_config(folder: Path, jira: JiraSandbox, github: GitHubSandbox) -> Path:
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
    lines += ['token = "${BENCH_JIRA_TOKEN}"', "timeout_seconds = 30", ""]
    lines += [
        "[connectors.github]",
        f'url = "{github.base_url}"',
        'token = "${BENCH_GITHUB_TOKEN}"',
    ]
    lines += ["timeout_seconds = 30", "creations_per_minute = 0", ""]
    path = folder / "tracker.toml"
    path.write_text("\n".join(lines), encoding="utf-8")
    return path


# What the child process runs: `tracker sync`'s engine call, timed after the imports
# (Python + library start-up on this shared machine is seconds and not what we measure).
CHILD = """
import json, sys, time, urllib.request
from datetime import datetime
from pathlib import Path
from tracker.config import load_config
from tracker.store import open_store
from tracker.sync import run_sync
from tracker.sync.render import render_summary
config = load_config(Path(sys.argv[1]))
store = open_store(config.database_url)
clock = json.load(urllib.request.urlopen(sys.argv[3] + "/_sandbox/clock"))["now"]
started = time.perf_counter()
profile = None
if len(sys.argv) > 4:
    import cProfile
    profile = cProfile.Profile()
    profile.enable()
result = run_sync(config, store, [Path(sys.argv[2])], now=datetime.fromisoformat(clock))
print(f"SYNC-SECONDS {time.perf_counter() - started:.3f}")
if profile is not None:
    import pstats
    profile.disable()
    print("PROFILE")
    pstats.Stats(profile, stream=sys.stdout).sort_stats("cumulative").print_stats(int(sys.argv[4]))
print(render_summary(result)[0])
sys.exit(result.exit_code)
"""


def run_sync(
    folder: Path, config: Path, env: dict[str, str], clock_url: str, profile: int = 0
) -> tuple[float, tuple[float, float], float, int, str]:
    """(sync seconds, (whole-process wall seconds, its CPU seconds), peak RSS MB, exit
    code, summary line) of one sync in a fresh process. CPU time is what a loaded
    machine inflates least."""
    begun = time.perf_counter()
    process = subprocess.Popen(
        [sys.executable, "-c", CHILD, str(config), str(folder / "docs"), clock_url]
        + ([str(profile)] if profile else []),
        cwd=folder,
        env=env,
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
    if profile and "PROFILE" in output:
        print(output[output.index("PROFILE") :])
    return elapsed, (whole, cpu), usage.ru_maxrss / 1024, process.returncode, summary


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


def report(
    title: str,
    timing: tuple[float, tuple[float, float]],
    rss: float,
    counted: Counter[str],
    naive: tuple[int, float],
) -> None:
    total = sum(counted.values())
    naive_calls, naive_time = naive
    elapsed, (whole, cpu) = timing
    print(f"\n## {title}")
    print(
        f"sync {elapsed:.2f} s after imports, {whole:.2f} s whole process "
        f"({cpu:.2f} s CPU), peak RSS {rss:.0f} MB, {total} API calls"
    )
    for route, count in counted.most_common():
        print(f"  {count:6d}  {route}")
    print(
        f"naive baseline (one GET per item): {naive_calls} calls, {naive_time:.1f} s  →  "
        f"calls ratio {naive_calls / max(1, total):.1f}×, time ratio {naive_time / elapsed:.2f}×"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--items", type=int, default=10_000)
    parser.add_argument("--latency-ms", type=float, default=50.0)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument(
        "--profile", type=int, default=0, help="cProfile (b) and (b2), print the top N functions"
    )
    args = parser.parse_args()

    folder = Path(tempfile.mkdtemp(prefix="tracker-bench-sync-"))
    (folder / "docs").mkdir()
    generate(folder / "docs", args.items, args.seed)
    jira = JiraSandbox(projects=PROJECTS, latency_ms=args.latency_ms).start()
    github = GitHubSandbox(repos=REPOS, latency_ms=args.latency_ms, seed_pull_request=False).start()
    github.set_rate_limits(enabled=False, secondary_enabled=False)
    try:
        config = write_config(folder, jira, github)
        env = dict(os.environ, BENCH_JIRA_TOKEN=jira.token, BENCH_GITHUB_TOKEN=github.token)
        env.pop("TRACKER_DATABASE_URL", None)
        # As installed: bytecode is cached (here in the run's folder), not recompiled by
        # every process as PYTHONDONTWRITEBYTECODE would have it.
        env.pop("PYTHONDONTWRITEBYTECODE", None)
        env["PYTHONPYCACHEPREFIX"] = str(folder / "pycache")
        print(
            f"# tracker sync benchmark: {args.items} items in {args.items // ITEMS_PER_DOC} "
            f"documents, 5 Jira projects + 5 GitHub repositories, {args.latency_ms:.0f} ms "
            "latency per request"
        )
        print(
            "GitHub rate limits (primary and secondary) are OFF in the sandbox and pacing is "
            "OFF in the connector (creations_per_minute = 0) for this benchmark."
        )

        reset_logs(jira, github)
        elapsed, whole, rss, code, summary = run_sync(folder, config, env, jira.base_url)
        first = calls(jira, github)
        print(f"\n(a) first sync exit {code}: {summary}")
        reset_logs(jira, github)
        naive = naive_reads(jira, github)
        report("(a) first sync", (elapsed, whole), rss, first, naive)

        for sandbox in (jira, github):
            sandbox.clock.advance(86_400)
        reset_logs(jira, github)
        elapsed, whole, rss, code, summary = run_sync(
            folder, config, env, jira.base_url, args.profile
        )
        print(f"\n(b) no-op re-sync (next night) exit {code}: {summary}")
        report("(b) no-op re-sync", (elapsed, whole), rss, calls(jira, github), naive)

        for sandbox in (jira, github):
            sandbox.clock.advance(86_400)
        reset_logs(jira, github)
        elapsed, whole, rss, code, summary = run_sync(
            folder, config, env, jira.base_url, args.profile
        )
        print(f"\n(b2) no-op re-sync again (steady state) exit {code}: {summary}")
        report("(b2) steady-state no-op re-sync", (elapsed, whole), rss, calls(jira, github), naive)

        for sandbox in (jira, github):
            sandbox.clock.advance(86_400)
        links = change_one_percent(jira, github, args.seed)
        changed = len(links)
        reset_logs(jira, github)
        elapsed, whole, rss, code, summary = run_sync(folder, config, env, jira.base_url)
        print(f"\n(c) {changed} tickets changed remotely, re-sync exit {code}: {summary}")
        report("(c) 1% changed remotely", (elapsed, whole), rss, calls(jira, github), naive)
        missed = rows_not_done(folder / "docs", links)
        print(f"changed tickets whose row does not say Done: {missed} of {changed}")
    finally:
        jira.stop()
        github.stop()
        shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    main()
