"""GitHub creation at the real limits: a first sync with due dates, sandbox limits ON.

The GitHub sandbox enforces GitHub's documented secondary limits (80 content creations
a minute, 500 an hour, 900 points a minute per endpoint) on its own clock. `tracker
sync`'s engine runs in this process with a `sleep` that moves that clock instead of
waiting, so the minutes (and hours) of pacing take seconds of real time while every
request still goes through PyGithub over HTTP and is counted by the sandbox as if
that time had passed. Each scenario starts from a fresh sandbox and store:

- baseline: pacing off (`creations_per_minute = 0`) and a milestone per due date (the
  old mapping): what a naive client pays;
- per-date: pacing on, still a milestone per date;
- tracker: pacing on, the defaults (exact date in a `- Due:` body line, one milestone
  per month).

For each: issues and milestones created, creations per minute (sandbox clock), the
secondary-limit 403s the sandbox gave, and the projected first-sync time for 10,000
items at GitHub's 500 an hour (tracker paces 450). `--hour-items N` also runs an
N-item first sync through as many runs as it takes (each run stops at the hour's
budget; the next starts when the stored pause ends), counting runs, 403s and
duplicates.

    .venv/bin/python bench/github_pacing.py                    # 200 items (~1 min)
    .venv/bin/python bench/github_pacing.py --hour-items 1000  # + a multi-run sync
"""

from __future__ import annotations

import argparse
import logging
import random
import sys
import tempfile
import time
from collections import Counter
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "src"))

from tracker_github.due import milestone_for  # noqa: E402
from tracker_github.sandbox.server import GitHubSandbox  # noqa: E402

from tracker.config import load_config  # noqa: E402
from tracker.store import open_store  # noqa: E402
from tracker.sync import run_sync  # noqa: E402
from tracker.sync.render import render_summary  # noqa: E402

PER_DOC = 10


def due_dates(items: int, seed: int) -> list[date]:
    """Due dates spread over a year (most distinct at 200 items, as in a real backlog)."""
    rng = random.Random(seed)
    start = date(2027, 1, 1)
    return [start + timedelta(days=rng.randrange(365)) for _ in range(items)]


def write_documents(folder: Path, items: int, seed: int) -> None:
    """`items` open action items, `PER_DOC` a document."""
    dues = iter(due_dates(items, seed))
    for number in range(max(1, items // PER_DOC)):
        rows = [
            f"| Fix thing {number}-{row} | @chen | {next(dues)} | Open |" for row in range(PER_DOC)
        ]
        text = "\n".join(
            [
                "---",
                "team: search",
                "---",
                "",
                f"# Postmortem: Incident {number}",
                "",
                "**Date**: 2026-06-01",
                "",
                "## Action Items",
                "",
                "| Action | Owner | Due | Status |",
                "| ------ | ----- | --- | ------ |",
                *rows,
                "",
            ]
        )
        (folder / f"pm-{number:05d}.md").write_text(text, encoding="utf-8")


def write_config(folder: Path, sandbox: GitHubSandbox, settings: dict[str, object]) -> Path:
    lines = ['database_url = "sqlite:///.tracker/tracker.db"', ""]
    lines += ["[[teams]]", 'name = "search"', 'target = { system = "github", repo = "acme/app" }']
    lines += ["", "[[people]]", 'name = "chen"', 'aliases = ["@chen"]', 'github_login = "chen"']
    lines += ["", "[connectors.github]", f'url = "{sandbox.base_url}"', 'token = "${BENCH_TOKEN}"']
    for key, value in settings.items():
        lines.append(f'{key} = "{value}"' if isinstance(value, str) else f"{key} = {value}")
    path = folder / "tracker.toml"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


@dataclass
class Outcome:
    issues: int
    milestones: int
    refusals: int
    sandbox_minutes: float
    real_seconds: float
    runs: int
    duplicates: int
    exit_code: int

    @property
    def per_minute(self) -> float:
        return (self.issues + self.milestones) / max(self.sandbox_minutes, 1e-9)


def first_sync(items: int, settings: dict[str, object], seed: int, *, until_done: bool) -> Outcome:
    """One first sync in a fresh sandbox (limits on); with `until_done`, re-run at each
    stored resume time until it exits 0."""
    folder = Path(tempfile.mkdtemp(prefix="tracker-bench-pacing-"))
    (folder / "docs").mkdir()
    write_documents(folder / "docs", items, seed)
    with GitHubSandbox(seed_pull_request=False) as sandbox:
        config = load_config(
            write_config(folder, sandbox, settings), env={"BENCH_TOKEN": sandbox.token}
        )
        assert config.database_url is not None
        store = open_store(config.database_url)
        started_clock = sandbox.clock.now()
        started = time.perf_counter()
        runs = 0
        while True:
            runs += 1
            result = run_sync(
                config,
                store,
                [folder / "docs"],
                env={"BENCH_TOKEN": sandbox.token},
                now=sandbox.clock.now(),
                sleep=sandbox.clock.advance,
            )
            if until_done:
                for line in result.forecasts:
                    print(f"  before run {runs}: {line}")
                print(f"  run {runs}: {render_summary(result)[0]}")
                for postponement in result.postponements:
                    print(f"    {postponement.describe()}")
            if not until_done or result.exit_code == 0 or not result.postponements:
                break
            wait = max(p.resume_at for p in result.postponements) - sandbox.clock.now()
            sandbox.clock.advance(max(0.0, wait.total_seconds()) + 1)
        real = time.perf_counter() - started
        elapsed = (sandbox.clock.now() - started_clock).total_seconds() / 60
        milestones = len(sandbox.state.repo("acme", "app").milestones)
        bodies = [str(i.get("body") or "") for i in sandbox.issues("acme/app")]
        marks = Counter(b.rsplit("tracker:item=", 1)[1] for b in bodies if "tracker:item=" in b)
        store.close()
        return Outcome(
            issues=len(bodies),
            milestones=milestones,
            refusals=sandbox.limits.secondary_refusals,
            sandbox_minutes=elapsed,
            real_seconds=real,
            runs=runs,
            duplicates=sum(n - 1 for n in marks.values()),
            exit_code=result.exit_code,
        )


def projected_hours(items: int, grouping: str, per_hour: int, seed: int) -> float:
    """Hours of creation a first sync of `items` (issues + their due-date milestones,
    counted from the same date distribution) needs at `per_hour`."""
    groups = {milestone_for(day, grouping) for day in due_dates(items, seed)}
    return (items + len(groups - {None})) / per_hour


SCENARIOS: dict[str, dict[str, object]] = {
    "baseline: unpaced, milestone per date": {
        "creations_per_minute": 0,
        "due_milestones": "day",
    },
    "paced, milestone per date": {"creations_per_minute": 70, "due_milestones": "day"},
    "tracker: paced, Due line + month milestones": {"creations_per_minute": 70},
}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--items", type=int, default=200)
    parser.add_argument("--hour-items", type=int, default=0, help="also a multi-run sync")
    parser.add_argument("--seed", type=int, default=13)
    args = parser.parse_args()
    logging.disable(logging.WARNING)
    print(
        f"# {args.items}-item first sync with due dates; GitHub sandbox limits ON "
        "(80/min and 500/h content creation, 900 points/min per endpoint); sandbox clock "
        "moved by the pacing sleeps (no real waiting)"
    )
    header = (
        f"{'scenario':<46}{'issues':>7}{'miles.':>7}{'creat./min':>11}{'403s':>6}"
        f"{'sbx min':>9}{'real s':>8}{'10k items':>11}"
    )
    print(header)
    results: dict[str, Outcome] = {}
    for name, settings in SCENARIOS.items():
        outcome = first_sync(args.items, settings, args.seed, until_done=False)
        results[name] = outcome
        per_hour = 500 if settings["creations_per_minute"] == 0 else 450
        grouping = str(settings.get("due_milestones", "month"))
        hours = projected_hours(10_000, grouping, per_hour, args.seed)
        print(
            f"{name:<46}{outcome.issues:>7}{outcome.milestones:>7}{outcome.per_minute:>11.1f}"
            f"{outcome.refusals:>6}{outcome.sandbox_minutes:>9.1f}{outcome.real_seconds:>8.1f}"
            f"{hours:>10.1f}h"
        )
    base = results["baseline: unpaced, milestone per date"]
    ours = results["tracker: paced, Due line + month milestones"]
    print(
        f"tracker vs baseline: 403s {ours.refusals} vs {base.refusals}; creations "
        f"{ours.issues + ours.milestones} vs {base.issues + base.milestones} "
        f"({(base.issues + base.milestones) / max(1, ours.issues + ours.milestones):.2f}x fewer); "
        f"10k-item projection {projected_hours(10_000, 'month', 450, args.seed):.1f} h "
        f"vs {projected_hours(10_000, 'day', 500, args.seed):.1f} h "
        "((10k issues + their milestones) / 450 an hour; the baseline at GitHub's full 500)"
    )
    if args.hour_items:
        outcome = first_sync(
            args.hour_items, {"creations_per_minute": 70}, args.seed, until_done=True
        )
        print(
            f"\n# {args.hour_items}-item first sync, defaults (stop at the hour's budget, go on "
            f"next run): {outcome.runs} runs, exit {outcome.exit_code}, {outcome.issues} issues "
            f"+ {outcome.milestones} milestones, {outcome.refusals} secondary-limit 403s, "
            f"{outcome.duplicates} duplicates, {outcome.sandbox_minutes / 60:.2f} sandbox hours, "
            f"{outcome.real_seconds:.1f} s real"
        )


if __name__ == "__main__":
    main()
