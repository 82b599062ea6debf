"""Parse benchmark: a full `tracker` scan against bare markdown-it-py tokenizing.

Generates N realistic postmortems (5-40 KB, English and Chinese, one to three action
tables, some checkbox lists, timelines, code blocks, prose) into a temporary folder
with a fixed seed, then in the same process times

  (a) bare markdown-it-py tokenizing of every file (read + decode + full parse, block
      and inline, with the MarkdownIt configuration the parser uses), and
  (b) a full scan through `tracker.parse.iter_documents`,

and prints documents/s, MB/s and the ratio (b)/(a), in wall time and in CPU time (on a
shared, loaded machine wall time swings from run to run; CPU time much less). Peak memory is measured per corpus
size in a fresh subprocess (ru_maxrss covers the whole life of a process, so each size
needs its own), to show that scanning streams document by document.

    .venv/bin/python bench/parse.py                  # N=2,000 timing, RSS at 2,000 and 20,000
    .venv/bin/python bench/parse.py --n 50 --quick   # smoke run
"""

from __future__ import annotations

import argparse
import gc
import json
import random
import resource
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

SEED = 20261125
RSS_SIZES = (2_000, 20_000)
MIN_BYTES, MODE_BYTES, MAX_BYTES = 5_000, 12_000, 40_000
CHINESE_SHARE = 0.3
MANIFEST = "manifest.json"

# --- corpus generator --------------------------------------------------------------------

EN_SERVICES = [
    "checkout-api",
    "search-indexer",
    "auth-gateway",
    "billing-worker",
    "edge-proxy",
    "orders-db",
    "notification-service",
    "feature-flags",
    "image-resizer",
    "ledger",
]
EN_SYMPTOMS = [
    "elevated 5xx after a config push",
    "stale results after a crash loop",
    "connection-pool exhaustion under peak load",
    "expired TLS certificate",
    "replication lag on the primary",
    "runaway retries from a client SDK",
    "disk pressure evicted the cache pods",
    "DNS resolution failures in one zone",
]
EN_WORDS = [
    "the",
    "deploy",
    "rollout",
    "pipeline",
    "queue",
    "consumer",
    "alert",
    "threshold",
    "latency",
    "p99",
    "error",
    "budget",
    "replica",
    "primary",
    "cache",
    "eviction",
    "retry",
    "backoff",
    "timeout",
    "on-call",
    "runbook",
    "dashboard",
    "canary",
    "customers",
    "region",
    "cluster",
    "node",
    "pod",
    "config",
    "flag",
    "migration",
    "schema",
    "index",
    "traffic",
    "spike",
    "we",
    "noticed",
    "that",
    "after",
    "before",
    "during",
    "while",
    "because",
    "although",
    "therefore",
    "however",
]
ZH_SERVICES = [
    "支付网关",
    "订单服务",
    "搜索索引",
    "配置中心",
    "消息队列",
    "用户中心",
    "网关",
    "对象存储",
]
ZH_SYMPTOMS = [
    "回调超时导致订单状态不一致",
    "推送错误路由导致大面积 503",
    "磁盘写满导致只读",
    "连接池耗尽导致接口超时",
    "证书过期导致客户端无法连接",
    "缓存雪崩导致数据库过载",
]
ZH_PHRASES = [
    "值班同学收到告警后开始排查",
    "错误率在几分钟内迅速上升",
    "回滚配置之后服务逐步恢复",
    "我们发现监控没有覆盖这一指标",
    "数据库连接数达到上限",
    "部分用户请求出现超时",
    "变更没有经过灰度发布",
    "对账任务发现了不一致",
    "网关持续重试加剧了负载",
    "根因是缺少幂等处理",
    "告警阈值设置得过高",
    "预发环境的流量远低于生产环境",
]
EN_ACTIONS = [
    "Add an alert on {x} above the agreed threshold",
    "Make the {x} consumer idempotent on retries",
    "Document the manual failover for {x} in the runbook",
    "Load-test {x} before every dependency upgrade",
    "Pin the {x} client version and read its changelog on upgrade",
    "Add a canary stage to the {x} rollout",
    "Park unparseable {x} events in a dead-letter queue",
    "Set resource requests and limits for {x}",
]
ZH_ACTIONS = [
    "为{x}增加延迟告警",
    "{x}改为幂等处理，按流水号去重",
    "编写{x}故障应急手册",
    "{x}变更上线前在预发环境回放流量",
    "{x}配置改为分批灰度推送",
    "为{x}增加端到端监控面板",
]
OWNERS = ["@alice", "@bob", "@chen.wei", "Jane Doe", "QA Team", "TBD", "", "@li.qiang", "待定"]
EN_STATUS = ["✅ Done", "🔄 In Progress", "📋 Planned", "Open", "Done", ""]
ZH_STATUS = ["已完成", "进行中", "计划中", "待办", ""]
PRIORITIES = ["P0", "P1", "P2", "P3", "High", "Low", "高", "中"]


@dataclass
class Doc:
    lines: list[str]
    size: int = 0
    items: int = 0  # action items written, so the scan's count can be checked

    def add(self, *lines: str) -> None:
        for line in lines:
            self.lines.append(line)
            self.size += len(line.encode()) + 1


def _due(rng: random.Random) -> str:
    day = date(2026, 1, 1) + timedelta(days=rng.randrange(0, 540))
    return rng.choice([day.isoformat(), day.isoformat(), day.strftime("%b %d, %Y"), "TBD"])


def _ticket(rng: random.Random) -> str:
    return rng.choice([f"ENG-{rng.randrange(1, 9999)}", f"#{rng.randrange(1, 999)}", "", ""])


def _en_sentence(rng: random.Random) -> str:
    words = [rng.choice(EN_WORDS) for _ in range(rng.randrange(8, 22))]
    markup = rng.random()
    if markup < 0.15:
        words[1] = f"`{words[1]}`"
    elif markup < 0.25:
        words[2] = f"**{words[2]}**"
    elif markup < 0.3:
        words[3] = f"[{words[3]}](https://wiki.example.com/{words[3]})"
    return " ".join(words).capitalize() + "."


def _paragraph(rng: random.Random, zh: bool) -> str:
    if zh:
        return "，".join(rng.choice(ZH_PHRASES) for _ in range(rng.randrange(3, 8))) + "。"
    return " ".join(_en_sentence(rng) for _ in range(rng.randrange(2, 6)))


def _action_table(doc: Doc, rng: random.Random, zh: bool, heading: str) -> None:
    service = rng.choice(ZH_SERVICES if zh else EN_SERVICES)
    actions = ZH_ACTIONS if zh else EN_ACTIONS
    statuses = ZH_STATUS if zh else EN_STATUS
    if zh:
        shapes = [["优先级", "行动项", "负责人", "截止日期", "工单"],
                  ["行动项", "负责人", "截止日期", "优先级", "状态"]]  # fmt: skip
    else:
        shapes = [["Priority", "Action", "Owner", "Due Date", "Ticket"],
                  ["Action", "Owner", "Due Date", "Priority", "Status"],
                  ["Action Item", "Type", "Owner", "Bug"]]  # fmt: skip
    header = rng.choice(shapes)
    doc.add(f"## {heading}", "", "| " + " | ".join(header) + " |", "|" + "---|" * len(header))
    for _ in range(rng.randrange(3, 16)):
        cells = {
            "Priority": rng.choice(PRIORITIES), "优先级": rng.choice(PRIORITIES),
            "Action": rng.choice(actions).format(x=service),
            "Action Item": rng.choice(actions).format(x=service),
            "行动项": rng.choice(actions).format(x=service),
            "Owner": rng.choice(OWNERS), "负责人": rng.choice(OWNERS),
            "Due Date": _due(rng), "截止日期": _due(rng),
            "Ticket": _ticket(rng), "工单": _ticket(rng), "Bug": _ticket(rng) or "**TODO**",
            "Status": rng.choice(statuses), "状态": rng.choice(statuses),
            "Type": rng.choice(["prevent", "mitigate", "detect", "process"]),
        }  # fmt: skip
        doc.add("| " + " | ".join(cells[h] for h in header) + " |")
        doc.items += 1
    doc.add("")


def _checkbox_list(doc: Doc, rng: random.Random, zh: bool) -> None:
    service = rng.choice(ZH_SERVICES if zh else EN_SERVICES)
    doc.add("## " + ("后续行动" if zh else rng.choice(["Follow-ups", "Next steps"])), "")
    for _ in range(rng.randrange(2, 8)):
        box = rng.choice(["[ ]", "[ ]", "[x]"])
        action = rng.choice(ZH_ACTIONS if zh else EN_ACTIONS).format(x=service)
        doc.add(f"- {box} {action} — owner: {rng.choice(OWNERS) or 'TBD'}, due: {_due(rng)}")
        doc.items += 1
    doc.add("")


def _timeline(doc: Doc, rng: random.Random, zh: bool) -> None:
    doc.add("## " + ("时间线" if zh else "Timeline (UTC)"), "")
    minute = rng.randrange(0, 600)
    rows = rng.randrange(5, 40)
    if rng.random() < 0.7:
        doc.add("| " + ("时间 | 事件" if zh else "Time | Event") + " |", "| --- | --- |")
        for _ in range(rows):
            minute += rng.randrange(1, 15)
            doc.add(f"| {minute // 60:02d}:{minute % 60:02d} | {_paragraph(rng, zh)[:120]} |")
    else:
        for _ in range(rows):
            minute += rng.randrange(1, 15)
            doc.add(f"- {minute // 60:02d}:{minute % 60:02d} — {_paragraph(rng, zh)[:120]}")
    doc.add("")


def _code_block(doc: Doc, rng: random.Random) -> None:
    doc.add("```" + rng.choice(["text", "python", "yaml", ""]))
    for _ in range(rng.randrange(3, 25)):
        doc.add(
            rng.choice(
                [
                    "| Action | Owner | Due Date |  <- inside a code block, not an action item",
                    "ERROR pool exhausted: waited 30000 ms for a connection",
                    "client = GatewayClient(max_connections=10)",
                    "kubectl rollout undo deployment/checkout-api",
                    "- [ ] not an item either: this line is code",
                ]
            )
        )
    doc.add("```", "")


def generate_document(rng: random.Random) -> tuple[str, int]:
    """One postmortem of a random target size between MIN_BYTES and MAX_BYTES, and the
    number of action items in it."""
    zh = rng.random() < CHINESE_SHARE
    target = int(rng.triangular(MIN_BYTES, MAX_BYTES, MODE_BYTES))
    doc = Doc([])
    if rng.random() < 0.5:
        sev = rng.choice(["SEV1", "SEV2", "SEV3"])
        team = rng.choice(["payments", "platform", "search"])
        doc.add("---", f"team: {team}", f"severity: {sev}", "---", "")
    if zh:
        doc.add(f"# 事后分析：{rng.choice(ZH_SERVICES)}{rng.choice(ZH_SYMPTOMS)}", "")
        doc.add(f"**日期**: {_due(rng)}", "**作者**: @chen.wei, @li.qiang", "")
    else:
        title = f"{rng.choice(EN_SERVICES)}: {rng.choice(EN_SYMPTOMS)}"
        doc.add(f"# Postmortem: {title}", "", f"**Date**: {_due(rng)}", "**Authors**: @alice", "")
    doc.add("## " + ("执行摘要" if zh else "Summary"), "", _paragraph(rng, zh), "")
    _timeline(doc, rng, zh)
    tables = rng.randrange(1, 4)
    headings = (
        ["行动项", "改进措施", "后续行动项"]
        if zh
        else ["Action Items", "Remediation", "Corrective actions"]
    )
    tail = Doc([])  # action sections go last, as in most postmortems
    for i in range(tables):
        _action_table(tail, rng, zh, headings[i])
    if rng.random() < 0.3:
        _checkbox_list(tail, rng, zh)
    doc.add("## " + ("根因分析" if zh else "Root cause"), "")
    while doc.size + tail.size < target:
        roll = rng.random()
        if roll < 0.12:
            _code_block(doc, rng)
        elif roll < 0.2:
            doc.add("## " + ("经验教训" if zh else "Lessons learned"), "")
            for _ in range(rng.randrange(2, 6)):
                doc.add(f"- {_paragraph(rng, zh)[:160]}")
            doc.add("")
        else:
            doc.add(_paragraph(rng, zh), "")
    return "\n".join(doc.lines + tail.lines), tail.items


def write_corpus(directory: Path, n: int, seed: int = SEED) -> None:
    """Write n documents as doc-000001.md … and MANIFEST, their action-item counts."""
    rng = random.Random(seed)
    counts = []
    for i in range(1, n + 1):
        text, items = generate_document(rng)
        (directory / f"doc-{i:06d}.md").write_bytes(text.encode())
        counts.append(items)
    (directory / MANIFEST).write_text(json.dumps({"seed": seed, "items": counts}))


def corpus_files(directory: Path, n: int) -> list[Path]:
    return sorted(directory.glob("doc-*.md"))[:n]


def items_written(directory: Path, n: int) -> int:
    counts: list[int] = json.loads((directory / MANIFEST).read_text())["items"]
    return sum(counts[:n])


# --- measurements --------------------------------------------------------------------------


def bare_markdown() -> Callable[[str], object]:
    """The MarkdownIt instance configured exactly as the parser configures its own."""
    from tracker.parse.document import markdown

    return markdown().parse


def time_bare(files: list[Path]) -> tuple[float, float]:
    """Wall and CPU seconds."""
    parse = bare_markdown()
    start, cpu = time.perf_counter(), time.process_time()
    for path in files:
        parse(path.read_bytes().decode("utf-8"))
    return time.perf_counter() - start, time.process_time() - cpu


def time_scan(files: list[Path]) -> tuple[float, float, int]:
    """Wall and CPU seconds, and the items found."""
    from tracker.parse import iter_documents

    start, cpu = time.perf_counter(), time.process_time()
    items = sum(len(doc.items) for doc in iter_documents(files))
    return time.perf_counter() - start, time.process_time() - cpu, items


def current_rss_kb() -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    return 0


def rss_child(directory: Path, n: int) -> None:
    """Run in a fresh interpreter: scan n documents and report memory as JSON."""
    import tracker.parse  # noqa: F401  (imports count in the baseline, not the scan)

    files = corpus_files(directory, n)
    baseline_kb = current_rss_kb()
    docs = items = 0
    from tracker.parse import iter_documents

    for doc in iter_documents(files):
        docs += 1
        items += len(doc.items)
    peak_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss  # KiB on Linux
    print(
        json.dumps({"docs": docs, "items": items, "baseline_kb": baseline_kb, "peak_kb": peak_kb})
    )


def measure_rss(directory: Path, n: int) -> dict[str, int]:
    out = subprocess.run(
        [sys.executable, __file__, "--rss-child", str(directory), "--n", str(n)],
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    result: dict[str, int] = json.loads(out.strip().splitlines()[-1])
    return result


# --- report --------------------------------------------------------------------------------


def _rate(count: int, nbytes: int, seconds: float) -> str:
    return f"{count / seconds:8,.0f} docs/s  {nbytes / seconds / 1e6:6.2f} MB/s  ({seconds:.2f} s)"


def main(argv: list[str] | None = None) -> int:
    args = _arguments(argv)
    if args.rss_child:
        rss_child(Path(args.rss_child), args.n)
        return 0
    rss_sizes: tuple[int, ...] = () if args.no_rss else (args.n,) if args.quick else RSS_SIZES
    with tempfile.TemporaryDirectory(prefix="tracker-bench-") as tmp:
        directory = Path(args.dir) if args.dir else Path(tmp)
        directory.mkdir(parents=True, exist_ok=True)
        needed = max(args.n, *rss_sizes) if rss_sizes else args.n
        existing = len(corpus_files(directory, needed))
        started = time.perf_counter()
        if existing < needed or not (directory / MANIFEST).exists():
            write_corpus(directory, needed, args.seed)
        files = corpus_files(directory, args.n)
        nbytes = sum(p.stat().st_size for p in files)
        chinese = sum(1 for p in files if "事后分析" in p.read_text(encoding="utf-8")[:400])
        print(
            f"corpus: {len(files):,} documents, {nbytes / 1e6:.1f} MB "
            f"({nbytes / len(files) / 1e3:.1f} KB average, {chinese / len(files):.0%} Chinese), "
            f"seed {args.seed}, generated in {time.perf_counter() - started:.1f} s"
        )
        repeat = 1 if args.quick else args.repeat
        bare_times: list[float] = []
        scan_times: list[float] = []
        bare_cpu: list[float] = []
        scan_cpu: list[float] = []
        items = 0
        for _ in range(repeat):  # alternate, so load from other processes hits both alike
            gc.collect()
            seconds, cpu = time_bare(files)
            bare_times.append(seconds)
            bare_cpu.append(cpu)
            gc.collect()
            seconds, cpu, items = time_scan(files)
            scan_times.append(seconds)
            scan_cpu.append(cpu)
        bare, scan = min(bare_times), min(scan_times)
        print(f"bare markdown-it-py tokenize : {_rate(len(files), nbytes, bare)}")
        print(f"tracker scan (iter_documents): {_rate(len(files), nbytes, scan)}")
        written = items_written(directory, len(files))
        print(f"action items found / written : {items:,} / {written:,}")
        print(f"ratio scan / bare            : {scan / bare:.2f}x   (aim <= 1.5x)")
        # CPU time: on a shared, loaded machine wall time swings run to run; this does not
        print(f"ratio scan / bare, CPU time  : {min(scan_cpu) / min(bare_cpu):.2f}x")
        if rss_sizes:
            print("peak RSS, scan only, fresh process per size:")
        for size in rss_sizes:
            rss = measure_rss(directory, size)
            print(
                f"  N={rss['docs']:>7,}: peak {rss['peak_kb'] / 1024:6.1f} MB"
                f"   (after imports {rss['baseline_kb'] / 1024:.1f} MB, {rss['items']:,} items)"
            )
        if args.dir:
            print(f"corpus kept in {directory}")
    return 0


def _arguments(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--n", type=int, default=2_000, help="documents to time (default 2000)")
    parser.add_argument("--quick", action="store_true", help="smoke run: one pass, RSS at --n only")
    parser.add_argument("--repeat", type=int, default=3, help="timing passes; best is reported")
    parser.add_argument("--no-rss", action="store_true", help="time only; skip the RSS runs")
    parser.add_argument("--seed", type=int, default=SEED)
    parser.add_argument("--dir", help="generate into (and keep) this folder; reused if filled")
    parser.add_argument("--rss-child", help=argparse.SUPPRESS)
    return parser.parse_args(argv)


if __name__ == "__main__":
    sys.exit(main())
