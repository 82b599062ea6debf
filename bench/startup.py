"""Start-up benchmark: how long the `tracker` CLI takes before it does anything useful.

Times, each in a fresh process and interleaved so background load hits all alike,

  (0) `python -c pass`                    the interpreter's own start-up (the baseline),
  (a) `tracker --help`,
  (b) `tracker version`,
  (c) `tracker scan ONE.md`               one example postmortem, table output,

and prints the median wall time of each, its ratio to the baseline, and the target
(the CLI imports SQLAlchemy, Alembic, pydantic, jinja2 and the connectors only in the
commands that use them).

    .venv/bin/python bench/startup.py            # 15 rounds
    .venv/bin/python bench/startup.py --rounds 5
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DOCUMENT = ROOT / "examples" / "postmortems" / "2026-09-02-edge-certificate-expiry.md"
TARGETS = {"tracker --help": 0.3, "tracker version": 0.3, "tracker scan ONE.md": 0.6}


def commands() -> dict[str, list[str]]:
    tracker = [sys.executable, "-m", "tracker"]
    return {
        "python -c pass": [sys.executable, "-c", "pass"],
        "tracker --help": [*tracker, "--help"],
        "tracker version": [*tracker, "version"],
        "tracker scan ONE.md": [*tracker, "scan", str(DOCUMENT)],
    }


def time_once(argv: list[str], env: dict[str, str]) -> tuple[float, float]:
    """(wall seconds, CPU seconds) of one run; CPU time barely moves with other load."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    subprocess.run(argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=True, env=env)
    wall = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, cpu


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=15, help="runs of each command")
    args = parser.parse_args()
    env = {k: v for k, v in os.environ.items() if not k.startswith("TRACKER_")}
    env["COLUMNS"] = "160"
    runs = commands()
    samples: dict[str, list[tuple[float, float]]] = {name: [] for name in runs}
    for argv in runs.values():  # warm the OS file cache and .pyc files once
        time_once(argv, env)
    for _ in range(args.rounds):
        for name, argv in runs.items():
            samples[name].append(time_once(argv, env))
    base = statistics.median(wall for wall, _ in samples["python -c pass"])
    base_cpu = statistics.median(cpu for _, cpu in samples["python -c pass"])
    print(f"{args.rounds} rounds, medians per command (load average {_load()});")
    print("CPU time is what the command costs; wall time also counts waiting for a core")
    for name, times in samples.items():
        wall = statistics.median(w for w, _ in times)
        cpu = statistics.median(c for _, c in times)
        target = TARGETS.get(name)
        verdict = (
            ""
            if target is None
            else f"  target < {target:.1f} s: " + ("ok" if wall < target else "MISSED")
        )
        print(
            f"  {name:<22} wall {wall:6.3f} s ({wall / base:5.1f}× python -c pass)"
            f"  CPU {cpu:6.3f} s ({cpu / max(base_cpu, 1e-3):5.1f}×){verdict}"
        )


def _load() -> str:
    try:
        return " ".join(f"{value:.1f}" for value in os.getloadavg())
    except OSError:
        return "n/a"


if __name__ == "__main__":
    main()
