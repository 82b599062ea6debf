"""Scan output benchmark: peak memory and time of `tracker scan DIR` in each output format.

Generates N realistic postmortems with bench/parse.py's generator (fixed seed) into a
temporary folder, then runs, each in a fresh process with its output going to /dev/null:

  (a) the baseline: bare markdown-it-py tokenizing every file (read + decode + full parse,
      with the MarkdownIt configuration the parser uses), and
  (b) `tracker scan DIR --format F` for every output format,

and prints wall time and peak RSS (the child's ru_maxrss from wait4) for each, with the
ratio to the baseline. `--src` runs (b) against another checkout's `src` folder (e.g. the
main branch) for a before/after comparison in the same run.

    .venv/bin/python bench/scan_output.py                    # 2,000 and 20,000 documents
    .venv/bin/python bench/scan_output.py --sizes 200        # smoke run
    .venv/bin/python bench/scan_output.py --sizes 2000 --src /work/main/src --label main
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

BENCH = Path(__file__).resolve().parent
sys.path.insert(0, str(BENCH))

import parse as corpus  # noqa: E402  (bench/parse.py: the document generator)

FORMATS = ("table", "json")


def run_child(command: list[str], env: dict[str, str] | None = None) -> tuple[float, float]:
    """Wall seconds and peak RSS (MB) of one child process, its output discarded."""
    started = time.perf_counter()
    process = subprocess.Popen(
        command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=env, text=True
    )
    _, status, usage = os.wait4(process.pid, 0)
    seconds = time.perf_counter() - started
    process.returncode = os.waitstatus_to_exitcode(status)
    errors = process.stderr.read() if process.stderr else ""
    if process.returncode not in (0, 1):  # 1: --strict is off, but keep warnings harmless
        raise SystemExit(f"{command[:4]} failed ({process.returncode}):\n{errors}")
    return seconds, usage.ru_maxrss / 1024


def bare_child(directory: Path) -> None:
    """Run in a fresh interpreter: tokenize every document with bare markdown-it-py."""
    parse = corpus.bare_markdown()
    for path in sorted(directory.glob("*.md")):
        parse(path.read_bytes().decode("utf-8"))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--sizes", default="2000,20000", help="comma-separated document counts")
    parser.add_argument("--formats", default=",".join(FORMATS))
    parser.add_argument("--src", help="run tracker from this src folder instead (before/after)")
    parser.add_argument("--label", default="this checkout", help="name for --src's figures")
    parser.add_argument("--seed", type=int, default=corpus.SEED)
    parser.add_argument("--bare-child", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.bare_child:
        bare_child(Path(args.bare_child))
        return 0
    env = dict(os.environ)
    if args.src:
        env["PYTHONPATH"] = str(Path(args.src).resolve())
    formats = [f.strip() for f in args.formats.split(",")]
    print(f"scan output benchmark: tracker from {args.label}, seed {args.seed}")
    print(f"{'documents':>10}{'items':>9}  {'run':<22}{'wall s':>9}{'× bare':>8}{'peak MB':>9}")
    for size in (int(s) for s in args.sizes.split(",")):
        with tempfile.TemporaryDirectory(prefix="bench-scan-output-") as folder:
            directory = Path(folder)
            corpus.write_corpus(directory, size, args.seed)
            items = corpus.items_written(directory, size)
            bare_s, bare_mb = run_child([sys.executable, __file__, "--bare-child", folder])
            print(
                f"{size:>10,}{items:>9,}  {'bare markdown-it':<22}{bare_s:>9.1f}{1:>7.2f}x"
                f"{bare_mb:>9.0f}",
                flush=True,
            )
            for output in formats:
                command = [sys.executable, "-m", "tracker", "scan", folder, "--format", output]
                seconds, peak = run_child(command, env)
                print(
                    f"{size:>10,}{items:>9,}  {'scan --format ' + output:<22}{seconds:>9.1f}"
                    f"{seconds / bare_s:>7.2f}x{peak:>9.0f}",
                    flush=True,
                )
    print(
        "wall s includes interpreter start and imports; peak MB = the child's ru_maxrss; "
        "output to /dev/null (the table at the 160 columns of a pipe)."
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
