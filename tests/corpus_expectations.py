"""What a careful person lists as the action items of each corpus and example document.

EXPECTED covers every file in tests/corpus (public documents, licences and sources in
tests/corpus/SOURCES.md); EXAMPLES the project's own examples/postmortems, whose metadata
(team, severity, date) is asserted as well.

Written by reading every document (not by running the parser), so `tests/test_corpus.py`
holds the parser to a human reading. One `Expected` per file name; items in document order.
Documents the parser does not fully read yet are listed in full all the same: recall is
measured against these lists (bench/corpus.py) and held by a floor (tests/test_corpus.py).

How each item is written down
- `action`: one or more substrings of the item's text, compared case-insensitively. The
  first one is taken from the item's FIRST source line (the test also checks that the
  item's `line` points at a line containing it); later ones come from wrapped
  continuation lines or nested sub-bullets and must be part of the same item.
- Every other field is asserted with the value the document states, and a field the
  document leaves empty is asserted empty: `owners=()`, `due=None`, `tickets=()`,
  `priority=None`, status `"open"` (an item with no status word is open). A field set to
  `UNCHECKED` is not asserted, because the document does not settle it (see rules).
- `status` may be a tuple of acceptable statuses where the text allows two readings.
- Owners are compared without a leading `@` and case-insensitively; tickets by canonical
  key (`ENG-1234`, `owner/repo#12`); a GitHub pull-request URL is `owner/repo#N` too.

Rules for the hard cases (applied to every file alike)
1. Templates: every body row of an action table and every list item under an action
   heading is an item, even when it is blank (`|  |  |`, `-`, `- [ ] `) or holds
   placeholder text (`Owner / Due / Description`, `行动 1（Owner + ETA）`). Blank rows
   assert empty fields; placeholder text is not a value, so its owners/due are UNCHECKED.
   Guidance prose (PagerDuty's italics, learningequality's `<...>`) is not an item.
2. Nested sub-bullets and hard-wrapped continuation lines belong to their parent item;
   a link in a sub-bullet is a ticket of the parent (PostHog replay SDK PR links).
   Numbered `1.  **Title**` items whose sub-bullets sit at column 0 (PostHog persons DB)
   are still one item each: the column-0 bullets are the parent's detail, not items.
3. Status stated by the enclosing heading or bold lead label counts: "Immediate
   Actions (Completed)" -> done, "**In progress (next 2 weeks):**" -> in_progress,
   "Planned actions (planned or in-progress)" -> open or in_progress. Status stated only
   in past-tense prose ("have been made") or in a separate section that refers back to
   the items by priority (INC-2026-001's "## 8. 状态") is UNCHECKED. "Deferred" is open
   or wont_do. `**TODO**` / `**DONE**` in a Bug cell are statuses, not tickets.
4. Nothing inside a code block is an item. wshobson's details.md opens a fence on line
   74 that never closes, so its action table is code (CommonMark runs the fence to the
   end of the document; the author also meant the whole template as a quoted example).
5. Only sections that are about actions count. Timeline, impact, metadata, lessons,
   "what went well", 完成标准 checklists, "Notes to the owner", review questions,
   "Moving forward" summaries, sprint goals (Sprint #86 目标) and sections that describe
   or elaborate work listed elsewhere (frank28mm's "预防（Prevention）" field list next to
   its 行动项 section; sprint-85's "CI 验证机制改进") are not action items.
6. A line swallowed into a table that is not a row for a reader (ALX's "##Learned
   Lessons" directly under the table) is not an item. Ragged rows padded with tab-only
   cells are read as the writer meant: `|x|\t|prevent|\t|Tufayl Ahmed|\t|**DONE**|` is
   action x, type prevent, owner Tufayl Ahmed, status done.
7. "Action Items" as a plain paragraph line followed by a list (learningequality 004)
   introduces action items like a heading does.
8. Titles: the first H1 (ATX or setext) with a "Post-Mortem:"-style prefix removed; a
   prefix needs its colon ("Postmortem Template" stays). Not asserted (None) when the
   document has no H1 or the H1 is a placeholder ("Incident title - DD/MM/YYYY").
9. Language: "zh" for documents written mainly in Chinese, "en" otherwise.
10. Date and severity are asserted where the document states them above its action
   items: bold `**Date**:` lines, a key/value table (`| Date | 2022-04-20 |`), or a
   `## Date` / `## Severity` section's first line (a date range counts from its first
   day; a bold lead such as `**Critical** - …` is the severity). A template's
   placeholder (`YYYY-MM-DD`, `[SEV-1/SEV-2/SEV-3/SEV-4]`, `SEV-N`) states no value,
   so it is asserted as None.
11. A bullet that only introduces its sub-bullets ("In the future when …:") is not an
   item; its sub-bullets are (univaf 2021-06-28). A bullet that is itself an action keeps
   its sub-bullets as parts (rule 2).
12. A paragraph whose every line is one imperative improvement is a list without markers:
   each line is an item (Chia). Narrative prose is not. A one-paragraph action under an
   action sub-heading ("### Repo2docker" then a sentence) is an item (mybinder).
13. Tickets are the issues or pull requests an item links as its own. Links the text calls
   context ("Related to [this issue]", "currently blocking on #365", "(see …/pull/34)")
   leave tickets UNCHECKED; a link to documentation is not a ticket. Reference-style links
   count with the URL of their definition.
14. Status stated inside the text counts: "(done)", "(DONE)", "**(Done during this
   incident)**", "This is a work in progress", a "This has been done" sub-bullet, ✅.

Rules 3, 5 and 6 name documents that were left out of tests/corpus for licence reasons
(see its SOURCES.md); the rules still hold for the documents here.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any, Final


class _Unchecked:
    """Marker for a field the document does not settle; the test skips it."""

    def __repr__(self) -> str:
        return "UNCHECKED"


UNCHECKED: Final = _Unchecked()

StatusSpec = str | tuple[str, ...] | _Unchecked


@dataclass(frozen=True)
class Item:
    action: tuple[str, ...]
    owners: tuple[str, ...] | _Unchecked = ()
    due: date | _Unchecked | None = None
    status: StatusSpec = "open"
    tickets: tuple[str, ...] | _Unchecked = ()
    priority: str | _Unchecked | None = None
    type: str | _Unchecked | None = UNCHECKED


@dataclass(frozen=True)
class Expected:
    items: tuple[Item, ...]
    title: str | None  # None: not asserted
    language: str
    kind: str | None = None  # "table" / "list" for all items of the file
    why: str = ""  # one line on what makes this file interesting
    # UNCHECKED: not asserted; None: the document states no (real) value
    team: str | _Unchecked | None = UNCHECKED
    severity: str | _Unchecked | None = UNCHECKED
    date: date | _Unchecked | None = UNCHECKED


def item(
    *action: str,
    owners: tuple[str, ...] | _Unchecked = (),
    due: date | _Unchecked | None = None,
    status: StatusSpec = "open",
    tickets: tuple[str, ...] | _Unchecked = (),
    priority: str | _Unchecked | None = None,
    type: str | _Unchecked | None = UNCHECKED,
) -> Item:
    return Item(action, owners, due, status, tickets, priority, type)


def blank_row() -> Item:
    """An empty placeholder row or list item in a template (rule 1)."""
    return item("")


def placeholder(text: str) -> Item:
    """A template row or list item whose fields are placeholder words (rule 1)."""
    return item(text, owners=UNCHECKED, due=UNCHECKED)


def norm(text: str) -> str:
    """Compare text the way a reader does: case, spacing and code ticks don't matter."""
    return " ".join(text.replace("`", "").split()).casefold()


def pair(
    expected: Sequence[Item], actions: Sequence[str], first_lines: Sequence[str]
) -> list[int | None]:
    """For each expected item, the index of the parsed action it is, or None if missed.

    Each expected item takes the next parsed item, in order, whose action contains its
    first substring and whose first source line (`first_lines`, the line the parser says
    the item starts on) does too: an item that swallowed its neighbours or sub-bullets
    does not count as finding them. Matching by text keeps one missed or extra item from
    shifting every later comparison.
    """

    def same(want: str, i: int) -> bool:
        return want in norm(actions[i]) and want in norm(first_lines[i])

    found: list[int | None] = []
    position = 0
    for want in expected:
        needle = norm(want.action[0])
        hit = next((i for i in range(position, len(actions)) if same(needle, i)), None)
        found.append(hit)
        if hit is not None:
            position = hit + 1
    return found


def wrong_key(field: str, expected: Item) -> str:
    """How the floor file names a field the parser gets wrong on an expected item."""
    return f"{field}: {expected.action[0]}"


def extra_key(parsed: Any) -> str:
    """How the floor file names a parsed item no reader lists (its first 60 characters)."""
    return norm(parsed.action)[:60]


def regressions(
    old: dict[str, dict[str, list[str]]], new: dict[str, dict[str, list[str]]]
) -> list[str]:
    """What `new` loses against the `old` floor: found items gone, wrong fields or extras added."""
    problems = []
    for case, before in old.items():
        after = new.get(case, {})
        lost = Counter(before.get("found", [])) - Counter(after.get("found", []))
        added = {
            key: sorted(Counter(after.get(key, [])) - Counter(before.get(key, [])))
            for key in ("wrong", "extra")
        }
        problems += [f"{case}: no longer found: {text}" for text in sorted(lost.elements())]
        problems += [f"{case}: new {key}: {text}" for key, texts in added.items() for text in texts]
    return problems


def _owner_keys(owners: Any) -> list[str]:
    return [str(o).strip().lstrip("@").casefold() for o in owners]


def _status_ok(actual: Any, want: Any) -> bool:
    return str(actual) in ((want,) if isinstance(want, str) else want)


def _ticket_keys(tickets: Any) -> list[str]:
    return [str(t).casefold() for t in tickets]


# field -> (the parsed item's value, whether it equals the expectation). Parsed items are
# tracker.model.ActionItem; typed Any so this module stays free of the parser.
FIELDS: dict[str, tuple[Callable[[Any], Any], Callable[[Any, Any], bool]]] = {
    "owners": (lambda it: it.owners, lambda a, b: _owner_keys(a) == _owner_keys(b)),
    "due": (lambda it: it.due, lambda a, b: a == b),
    "status": (lambda it: it.status.value, _status_ok),
    "tickets": (
        lambda it: [t.key for t in it.tickets],
        lambda a, b: _ticket_keys(a) == _ticket_keys(b),
    ),
    "priority": (lambda it: it.priority, lambda a, b: a == b),
    "type": (lambda it: it.type, lambda a, b: (a or "").casefold() == (b or "").casefold()),
}


D = date
NONE: tuple[Item, ...] = ()
K8S = "kubernetes/test-infra"
ETCD = "etcd-io/etcd"

EXPECTED: dict[str, Expected] = {
    "SOURCES.md": Expected(
        NONE,
        title="Corpus sources and licences",
        language="en",
        why="the corpus index itself: a table about files, no action heading",
    ),
    "brianclong-summit__ISSUE_TEMPLATE-postmortem.md": Expected(
        (blank_row(),),
        title="Postmortem Template",
        language="en",
        kind="table",
        why="Item | Owner | Due Date | Status with one blank row; no trailing newline",
        severity=None,  # "**Severity**: [SEV-1/SEV-2/SEV-3/SEV-4]" is a placeholder
        date=None,  # "**Date**: YYYY-MM-DD"
    ),
    "chia__2021-05-26-website-outage.md": Expected(
        NONE,
        title="Website Outage 5-26-21",
        language="en",
        why="corrective measures written as prose only",
    ),
    "dastergon-templates__postmortem-template-michael.kehoe.md": Expected(
        (blank_row(), blank_row(), blank_row()),
        title="Postmortem Template",
        language="en",
        kind="table",
        why="action table with 3 blank rows; timeline table has Who/What and Action/ Impact",
    ),
    "dastergon-templates__postmortem-template-srebook.md": Expected(
        NONE,
        title=None,  # "Title (incident #)" is a placeholder
        language="en",
        why="bare Action Items heading with nothing under it",
    ),
    "dfds__PM2021-011-log4shell.md": Expected(
        (
            item("Teach the teams how to scan and secure their infrastructure"),
            item("Teach the Product Owners about how to look up the CVEs"),
            item("Figure out how to monitor the critical CVEs"),
            item("Automatic process to detect CVE in products"),
            item("Setup an automated inventory system for AWS resources"),
            item("Create a process for identifying the missing capability owners"),
        ),
        title="Log4Shell investigations",
        language="en",
        kind="list",
        why="plain bullets; later (Process/Structure) lesson bullets are distractors",
    ),
    "dfds__PM2022-009-bad-aws-eks-ami.md": Expected(
        (
            item(
                "Improve coverage of readiness/liveness probes",
                "Create wiki article covering readiness/liveness probes",
            ),
            item("Modify infrastructure-modules to allow specifying a particular AMI"),
            item("Schedule a discussion about whether we should immediately receive"),
            item("Implement alerting to catch abnormal NodeNotReady events"),
            item("Create a learning path for Kubernetes within the team"),
            item("Collect logs from nodes centrally"),
            item("Create a Prometheus exporter that retrieves the latest AMI"),
        ),
        title="Bad AWS EKS AMI",
        language="en",
        kind="list",
        why="first bullet has three nested 4-space sub-bullets that belong to it",
    ),
    "dfds__PM2025-001-node-resource-starvation.md": Expected(
        (
            item("Look into Grafana Cloud's Kubernetes integration alerts"),
            item("Add alerting for cluster capacity with requested CPU and memory"),
            item("Look into cluster cronjobs as a potential cause"),
            item("Add some monitoring to CronJob resource usage"),
            item("Investigate missing node metrics/logs"),
            item("Write a wiki article on cluster capacity and pending workloads"),
        ),
        title="Node system resource starvation and scheduling capacity",
        language="en",
        kind="list",
        why="bullets with trailing whitespace",
    ),
    "dfds__PMyyyy-nnn-postmortem-template.md": Expected(
        (blank_row(),),
        title=None,  # "Incident Title" is a placeholder
        language="en",
        kind="list",
        why="one empty '-' bullet under Action Items",
    ),
    "etcd__v3.5-data-inconsistency.md": Expected(
        (
            item(
                "etcd testing can reproduce historical data inconsistency issues",
                type="Prevent",
                priority="P0",
                tickets=(f"{ETCD}#14045",),
                status="done",
            ),
            item(
                "etcd detects data corruption by default",
                type="Detect",
                priority="P0",
                tickets=(f"{ETCD}#14039",),
                status="done",
            ),
            item(
                "etcd testing is high quality, easy to maintain and expand",
                type="Prevent",
                priority="P1",
                tickets=(f"{ETCD}#13637",),
            ),
            item(
                "etcd apply code should be easy to understand and validate correctness",
                type="Prevent",
                priority="P1",
            ),
            item(
                "Critical etcd features are not abandoned when contributors move on",
                type="Prevent",
                priority="P1",
                tickets=(f"{ETCD}#13775",),
                status="done",
            ),
            item(
                "etcd is continuously qualified with failure injection",
                type="Prevent",
                priority="P1",
                tickets=(f"{ETCD}#14911",),  # a pull-request URL
                status="done",
            ),
            item(
                "etcd can reliably detect data corruption (hash is linearizable)",
                type="Detect",
                priority="P1",
            ),
            item(
                "etcd checks consistency of snapshots sent between leader and followers",
                type="Detect",
                priority="P1",
                tickets=(f"{ETCD}#13973",),
                status="done",
            ),
            item(
                "etcd recovery from data inconsistency procedures are documented and tested",
                type="Mitigate",
                priority="P1",
            ),
            item(
                "etcd can imminently detect and recover from data corruption",
                type="Mitigate",
                priority="P2",
                tickets=(f"{ETCD}#13839",),
            ),
        ),
        title="v3.5 data inconsistency postmortem",
        language="en",
        kind="table",
        why="no owner column; bare issue/PR URLs; DONE or empty status; metadata tables",
        date=D(2022, 4, 20),
    ),
    "frank28mm-noteacher__postmortem_template.md": Expected(
        (placeholder("Owner / Due / Description"),),
        title="Postmortem Template（P2）",
        language="zh",
        kind="list",
        why="checkbox packing Owner / Due / Description; 预防（Prevention） field list is not items",
    ),
    "huat-fsac-guidance-astro__retrospective_improvement.md": Expected(
        (
            placeholder("行动 1"),
            placeholder("行动 2"),
            placeholder("行动 3"),
        ),
        title=None,  # no H1; front-matter title is a placeholder
        language="zh",
        kind="list",
        why="改进行动 checkboxes; the 完成标准 checkbox list is a distractor",
    ),
    "k8s-test-infra__2019-01-23.md": Expected(
        (
            item(
                "We should consider using a versioned API for Prow config",
                "moving to a new API version",
            ),
            item(
                "We should have alerting on config load failures",
                "stackdriver logging to send an alert",
            ),
        ),
        title="January 23rd, 2019 Prow Outage",
        language="en",
        kind="list",
        why="bullets separated by blank lines, hard-wrapped (one continuation at column 0)",
    ),
    "k8s-test-infra__2019-03-26.md": Expected(
        (
            item(
                "Update Boskos' configuration so deployments actually happen as expected",
                tickets=(f"{K8S}#11956",),
            ),
            item("Automate Boskos deploys", tickets=(f"{K8S}#11957",)),
            item("Improve alerting around boskos status", tickets=(f"{K8S}#11953",)),
        ),
        title="March 26th, 2019 Boskos Outage",
        language="en",
        kind="list",
        why="each bullet ends in a Markdown link to a GitHub issue",
    ),
    "k8s-test-infra__2019-05-30.md": Expected(
        (
            item(
                "Create and/or fix monitoring so that when tide stops doing things",
                tickets=(f"{K8S}#12829",),
            ),
            item(
                "Establish a process and guidelines for adding new members to the oncall",
                "thrown in the deep end",
            ),
        ),
        title="May 30th, 2019 Prow Flakiness",
        language="en",
        kind="list",
        why="'## Action items' lower-case; issue link on the wrapped continuation line",
    ),
    "learningequality__004-sushibar-certificate-expired.md": Expected(
        (
            item("Set up alerting to warn us of expiring SSL"),
            item("instance should be hosted on the sushibar project"),
            item(
                "Content pipeline team should be able to brainstorm",
                owners=UNCHECKED,  # the team is the sentence's subject, not an owner field
            ),
        ),
        title="Sushibar expired certificate postmortem",
        language="en",
        kind="list",
        why="'Action Items' is a plain line, not a heading (rule 7)",
        date=D(2018, 8, 22),  # "## Date / Start: Wednesday, 2018-08-22"
    ),
    "learningequality__TEMPLATE.md": Expected(
        NONE,
        title=None,  # first H1 is "Metadata"
        language="en",
        why="'# Corrective actions' holds <...> prose; '- [] ' notes to the owner are distractors",
    ),
    "pagerduty-ir-docs__post_mortem_template.md": Expected(
        NONE,
        title=None,  # no H1
        language="en",
        why="Action Items section is italic guidance only; impact/timeline tables",
    ),
    "posthog__2025-10-21-feature-flags-recurring-outages.md": Expected(
        (
            # ### Immediate Actions (Completed)
            item("Configuration externalization", status="done"),
            item("Timeout adjustments", status="done"),
            item("Rate limiting fixes", status="done"),
            item("Retry limits", status="done"),
            item("CPU and infrastructure right-sizing", status="done"),
            item("Added per-node and per-pod CPU alerts", status="done"),
            item("Observability improvements", status="done"),
            # ### Short-term Improvements ([Tracked in GitHub Issue #40885](...))
            item("Strike team formation", status="in_progress", tickets=UNCHECKED),
            item("Redis isolation", status="in_progress", tickets=UNCHECKED),
            item("Evaluate current state of synced flags deployment", tickets=UNCHECKED),
            item("Update flags service charts config to match values", tickets=UNCHECKED),
            item("Define deployment strategy for short-term", tickets=UNCHECKED),
            item("Define and implement Redis strategy", tickets=UNCHECKED),
            item("Establish feature flags team as hard code-owners", tickets=UNCHECKED),
            # ### Medium-term Improvements
            item("Build high-level dashboard of important flag metrics"),
            item("Implement rollout/annotation controls"),
            item("Update feature flag runbooks with dashboard links"),
            item("Add missing alerts against existing service/infrastructure level metrics"),
            item("Update readiness checks to validate dependencies"),
            item("Rate limiting for cache operations"),
            item("Connection pool monitoring"),
            item("Connection limiting"),
            # ### Long-term Improvements
            item("Load testing framework"),
            item("Progressive rollout infrastructure"),
            item("Deployment strategy evolution"),
            item("Comprehensive monitoring"),
        ),
        title="PostHog Feature Flags Service - Multiple Outages (October 2025)",
        language="en",
        kind="list",
        why="## Remediation with ### subsections, status from headings and bold labels",
    ),
    "posthog__2025-11-15-persons-db-migration.md": Expected(
        (
            # ### Immediate actions (completed)
            item("Root cause discovery and isolation", "Query plans", status="done"),
            item(
                "Migration to a new partitioned Persons table",
                "Implemented database triggers",
                status="done",
            ),
            item("Careful deployment of application changes", status="done"),
            item("Scaling ingestion to clear backlog", status="done"),
            item("MSK disk pressure mitigation", status="done"),
            item("Dagster-based backfill", status="done"),
            item("Final cleanup and confirmation", status="done"),
            # ### Planned actions (planned or in-progress)
            item("Deeper Postgres engine monitoring", status=("open", "in_progress")),
            item("Improved runbooks for engine-level limits", status=("open", "in_progress")),
            item(
                "Improved and new runbooks for customer comms",
                status=("open", "in_progress"),
            ),
            item("Exploring other data stores", status=("open", "in_progress")),
        ),
        title="PostHog Data Processing Delays - Events & Persons Ingestion (November 2025)",
        language="en",
        kind="list",
        why="setext H1; numbered bold items whose sub-bullets sit at column 0 (rule 2)",
    ),
    "posthog__2026-01-17-replay-sdk-fetch-wrapper-incident.md": Expected(
        (
            item(
                "Adding comprehensive integration tests for fetch wrapper",
                status="done",
                tickets=("PostHog/posthog-js#2935", "PostHog/posthog-js#2936"),
            ),
            item("Establishing a more robust testing strategy for the PostHog SDK"),
            item("Implementing monitoring and alerting for SDK errors"),
            item("Documenting and communicating SDK release process changes"),
            item("Adding an automated verification step to confirm releases"),
            item("Implementing an automated notification polling on-call engineers"),
            item("Implement an easier mechanism for customers to opt in to lazy loading"),
        ),
        title="Changes to SDK fetch() wrapper breaking client sites",
        language="en",
        kind="list",
        why="'Post-Mortem:' title prefix; ✅ marks a done item whose PR links are sub-bullets",
        severity="Critical",  # "**Severity:** Critical"
        date=D(2026, 1, 14),  # "**Date:** January 14-19, 2026": its first day
    ),
    "posthog__investigations-template.md": Expected(
        (blank_row(),),
        title=None,  # "Incident title - DD/MM/YYYY"
        language="en",
        kind="list",
        why="## Follow-ups with one empty '- [ ] '; a ### Prevention heading holds a question",
    ),
    "wshobson-agents__postmortem-writing-SKILL.md": Expected(
        NONE,
        title="Postmortem Writing",
        language="en",
        why="'### 4. Action Items' is inside a code fence; anti-pattern table is a distractor",
    ),
    "wshobson-agents__postmortem-writing-details.md": Expected(
        NONE,
        title="postmortem-writing — templates and worked examples",
        language="en",
        why="the action table sits inside an unclosed code fence (rule 4)",
    ),
}


EXAMPLES: dict[str, Expected] = {
    "2026-03-04-checkout-latency.md": Expected(
        (
            item(
                "explicitly and fail CI when the pool is below 40",
                priority="P0",
                owners=("@mara",),
                due=D(2026, 3, 11),
                tickets=("ENG-12",),
            ),
            item(
                "Alert when p99 checkout latency exceeds 800 ms",
                priority="P1",
                owners=("@dmitri",),
                due=D(2026, 3, 20),
            ),
            item(
                "Load-test the checkout path before every gateway SDK upgrade",
                priority="P1",
                due=D(2026, 4, 15),  # owner TBD
            ),
            item(
                "Document the retry settings",
                "max_retries | backoff_ms",  # the escaped pipe is text, not a cell border
                priority="P2",
                owners=("Priya Natarajan",),
                due=D(2027, 1, 15),
            ),
            item(
                "Evaluate a second payment gateway for failover",
                priority="P2",
                owners=("payments-leads@example.com",),
            ),
        ),
        title="Checkout latency spike after the payment-gateway SDK upgrade",
        language="en",
        kind="table",
        team="payments",
        severity="SEV2",
        date=D(2026, 3, 4),
    ),
    "2026-06-18-search-index-lag.md": Expected(
        (
            item(
                "Park unparseable events in a dead-letter topic",
                owners=("@lena",),
                due=D(2026, 6, 25),
                priority="P0",
                status="done",
            ),
            item(
                "Alert on indexer consumer lag above 10k messages",
                owners=("@omar",),
                due=D(2026, 7, 1),
                priority="P1",
                status="done",
            ),
            item(
                "Make the backfill script resumable",
                owners=("@lena",),
                due=D(2026, 8, 15),
                priority="P1",
                status="in_progress",
            ),
            item(
                "Validate prices at the catalog import boundary",
                owners=("Catalog Team",),
                due=D(2026, 9, 30),
                priority="P1",
                status="in_progress",
            ),
            item(
                "Shard the synonyms index",
                owners=("Search Team",),
                due=D(2027, 1, 31),
                priority="P2",
            ),
            item(
                "Document the manual failover to the read-only replica",
                due=D(2026, 12, 10),
                priority="P2",
            ),
        ),
        title="Search results stale for three hours after an indexer crash loop",
        language="en",
        kind="table",
        team="search",
        severity="SEV3",
        date=D(2026, 6, 18),
    ),
    "2026-09-02-edge-certificate-expiry.md": Expected(
        (
            item(
                "Reissue the wildcard certificate through cert-manager",
                owners=("@sam",),
                due=D(2026, 9, 3),
                tickets=("OPS-7",),
                status="done",
            ),
            item(
                "Alert 21 days before any certificate on a load balancer expires",
                owners=("@sam",),
                due=D(2026, 9, 30),
            ),
            item(
                "Add hand-uploaded certificates to the inventory script",
                owners=("@noor",),
                due=D(2026, 10, 15),
                tickets=("#3",),
            ),
            item("Run a certificate-expiry game day", due=D(2027, 2, 1)),
            item("Decide which team owns certificates for vendor-facing endpoints"),
        ),
        title="Edge proxies served an expired certificate for 47 minutes",
        language="en",
        kind="list",
        team="platform",
        severity="SEV1",
        date=D(2026, 9, 2),
    ),
    "2026-05-20-payment-callback-timeout.zh.md": Expected(
        (
            item(
                "回调处理改为幂等",
                priority="P0",
                owners=("@chen.wei",),
                due=D(2026, 5, 27),
                tickets=("ENG-14",),
            ),
            item(
                "数据库变更上线前在预发环境回放一小时回调流量",
                priority="P0",
                owners=("@liu.yang",),
                due=D(2026, 6, 5),
                tickets=("ENG-15",),
            ),
            item("对账任务改为每 15 分钟运行一次", priority="P1", due=D(2026, 6, 30)),
            item(
                "为支付回调增加端到端延迟监控面板",
                priority="P1",
                owners=("@zhao.min",),
                due=D(2026, 12, 15),
            ),
            item("应急手册并组织一次演练", priority="P2", owners=("@liu.yang",)),
        ),
        title="支付回调超时导致订单状态不一致",
        language="zh",
        kind="table",
        team="payments",
        severity="SEV2",
        date=D(2026, 5, 20),
    ),
    "2026-10-12-config-push-gateway-503.zh.md": Expected(
        (
            item(
                "配置发布前校验路由目标集群是否存在",
                owners=("@wang.fang",),
                due=D(2026, 10, 19),
                priority="P0",
                status="done",
            ),
            item(
                "网关配置改为按 5%、25%、100% 分批推送",
                owners=("@li.qiang",),
                due=D(2026, 11, 10),
                priority="P1",
                status="in_progress",
            ),
            item(
                "下线集群时自动检查仍引用它的路由",
                owners=("平台组",),
                due=D(2026, 12, 31),
                priority="P2",
            ),
            item("为配置中心变更增加双人审批", due=D(2027, 1, 15), priority="P2"),
        ),
        title="配置中心推送错误路由导致网关大面积 503",
        language="zh",
        kind="table",
        team="platform",
        severity="SEV2",
        date=D(2026, 10, 12),
    ),
}


def plain(text: str, *more: str, status: StatusSpec = "open") -> Item:
    """A list item stating no owner, due date, ticket or priority."""
    return item(text, *more, status=status)


def team_subject(text: str, *more: str, status: StatusSpec = "open") -> Item:
    """An item whose sentence names the team doing it ("DevEx will …"): owner unsettled."""
    return item(text, *more, owners=UNCHECKED, status=status)


# --- dfds/postmortems: bare bullets under "## Action Items", some with bold lead labels ---
EXPECTED.update(
    {
        "dfds__PM2019-009-ip-starvation.md": Expected(
            (
                plain(
                    "Make sure all deployed resources have a plan for monitoring / scaling",
                    status="in_progress",  # "This is a work in progress"
                ),
                plain("Separate Kubernetes node autoscaling groups per AWS availability zone"),
                plain("Implement priority-classes for critical workloads"),
                plain("Consider separate prioritization of SRE tasks"),
            ),
            title="Kubernetes network infrastructure IP starvation",
            language="en",
            kind="list",
            why="'**Title**: explanation' bullets separated by blank lines; status in the text",
        ),
        "dfds__PM2019-010-node-deletion.md": Expected(
            (
                plain(
                    "Implement least-privilege in Hellman Kubernetes cluster",
                    status="in_progress",  # "We are working on defining …"
                ),
                plain("Implement priority-classes for critical workloads"),  # "Has been scheduled"
            ),
            title="Hellman Kubernetes cluster node deletion",
            language="en",
            kind="list",
            why="bold lead labels; a reference-style link definition follows the list",
        ),
        "dfds__PM2019-011-iac-reverted.md": Expected(
            (
                plain("Implement priority-classes for critical workloads"),
                plain("Implement rules and guidelines for repository contribution"),
                plain("Implement standardized pipeline configurations"),
                plain("Run terraform plan in CI step to test commits"),
                plain("Document procedure for breaking Terraform state locks"),
            ),
            title="Hellman Kubernetes IaC accidentally reverted",
            language="en",
            kind="list",
            why="bold lead labels with inline code; link definition after the list",
        ),
        "dfds__PM2020-002-kiam-disruption.md": Expected(
            (
                plain("Document the process of creating/updating KIAM certificates"),
                plain("We have added a backlog task to curate for which scenarios"),
                plain("Replace KIAM server with"),
            ),
            title="KIAM Service disruption",
            language="en",
            kind="list",
            why="three bullets before a level-1 '# Stats' heading",
        ),
        "dfds__PM2020-006-adsync-service-accounts.md": Expected(
            (
                team_subject("DevEX will update all service accounts in the near future"),
                team_subject("DevEx has placed an action item on our development roadmap"),
            ),
            title="ADSync service accounts",
            language="en",
            kind="list",
            why="long paragraph bullets whose subject is the team",
        ),
        "dfds__PM2020-009-kiam-upgrade.md": Expected(
            (
                # Its sub-bullet is only "See <docs URL>": a link, no words of the action
                # (bare URLs stay out of action text), and a docs link is no ticket.
                plain("Setup dashboard and alerting for elevated error rates for KIAM"),
            ),
            title="KIAM service disruption due to upgrade",
            language="en",
            kind="list",
            why="a sub-bullet with a bare documentation URL; '[kiam-pr]: …pull/427' is a link "
            "definition for the summary, not a ticket of the item",
        ),
        "dfds__PM2021-001-logs-not-shipped.md": Expected(
            (
                plain("Setup alerts for when logs are not shipped to CWL"),  # "(issue created)"
                item(
                    "Discuss the feasibility of using GitOps for essential cluster workloads",
                    owners=UNCHECKED,  # "(Rasmus call for meeting)"
                ),
                item(
                    "Discuss modularity of our infrastructure-modules Terraform repo",
                    owners=UNCHECKED,  # "(Willi call for meeting)"
                ),
            ),
            title="Logs from Kubernetes worklaods not being shipped to CloudWatch Logs",
            language="en",
            kind="list",
            why="parenthesised notes: '(issue created)' has no ticket id, '(X call for meeting)'",
        ),
        "dfds__PM2021-005-503-deregistration.md": Expected(
            (
                plain("Revert to default of 300 seconds for de-registration delay on the ALBs"),
                plain("Update roll-over script to temporarily set de-registration delay to zero"),
                plain("Create ingress test suite"),
            ),
            title="All services returning 503 in Kubernetes",
            language="en",
            kind="list",
            why="a Lessons Learned bullet list follows the action items (distractor)",
        ),
        "dfds__PM2021-009-404-traefik.md": Expected(
            (
                plain("Upgrade Traefik to v2.5 where bug is fixed"),
                plain("Change Traefik v2 healthcheck path to something more robust"),
                plain("Setup external liveness probe on ingress controller"),
                plain("Workload segmentation might be an option to limit blast zones"),
                plain("Look into monitoring the Traefik v2 API for rapid changes"),
                plain("Look into smoketesting, during and after node roll over"),
            ),
            title="All services returning 404 in Kubernetes",
            language="en",
            kind="list",
            why="six bullets, then imperative-sounding Lessons Learned bullets (distractor)",
        ),
        "dfds__PM2022-004-kafka-metrics-missing.md": Expected(
            (
                plain("Check why did not get alert of kafka-exporter response times"),
                plain("Consider to setup an alert if a Kafka topic has a high number"),
            ),
            title="Kafka metrics missing from Prometheus",
            language="en",
            kind="list",
            why="'An issue has been created for this' with no id; '(What 'high' is TBD)'",
        ),
        "dfds__PM2022-007-kafka-metrics-stopped.md": Expected(
            (
                plain(
                    "Service account with ACLs and metricViewer role has been documented",
                    status=UNCHECKED,  # past tense (rule 3)
                ),
            ),
            title="Kafka metrics stopped being exported to Prometheus",
            language="en",
            kind="list",
            why="the only action item is written in the past tense",
        ),
        "dfds__PM2023-001-total-node-failure.md": Expected(
            (
                plain("Document rollover process"),
                plain("Investigate options for improving rollover process"),
                plain("Add coverage for fluentd to QA test suite"),
                plain("Add alarms for fluentd in case not enough/no log data is being sent"),
                plain("Implement staging environment"),
                plain(
                    "Implement guards against invalid container runtime selection",
                    status="done",  # "(done)" at the end of the item
                ),
            ),
            title="Total node failure",
            language="en",
            kind="list",
            why="'(done)' status inside the text; the next heading follows with no blank line",
        ),
        "dfds__PM2024-001-nodes-notready.md": Expected(
            (
                plain("Move 'grafana-agent' to monitoring node group"),
                plain("Add alerts for when bandwidth across the cluster reaches"),
                plain("Investigate if we can set memory limits on grafana-agent Helm chart"),
                plain("Investigate grafana-agent memory usage"),
                plain("Ask Grafana support if we should use PVC for grafana-agent"),
                plain("Consider pushing node logs to Loki with limited retention"),
                plain("Create wiki page with common metrics/log queries"),
            ),
            title="Two Kubernetes nodes went into NotReady state",
            language="en",
            kind="list",
            why="seven plain bullets after a long timeline table",
        ),
        "dfds__PM2024-002-pods-not-starting.md": Expected(
            (
                plain(
                    "We tweaked/adjusted the internal Registry pull limit",
                    status=UNCHECKED,  # past tense (rule 3)
                ),
                plain(
                    "We've advised the Teams to adjust their deployments",
                    status=UNCHECKED,
                ),
            ),
            title="PODs not able to start while being moved to new nodes during AMI Update",
            language="en",
            kind="list",
            why="list right under the heading with no blank line; past-tense items",
        ),
        "dfds__PM2025-002-traefik-rule.md": Expected(
            (
                plain("Continue to attempt a resolution for the NodeNotReady issues"),
                plain("Investigate using a PolicyEngine to prevent conflicting routes"),
                plain("Investigate solutions that would show conflicting routes in Traefik"),
                plain("Prevent EKS Add-ons from being included with other changes"),
                plain("Add an additional Traefik test for /api path in our integration tests"),
                plain("Align SLA's with business and support & operations"),
            ),
            title="Traefik Rule Preventing Some Inbound Traffic",
            language="en",
            kind="list",
            why="six plain bullets; contributing factors are bullets too (distractor)",
        ),
    }
)

POSTHOG_JS = "PostHog/posthog-js"

# --- PostHog/post-mortems: Remediation sections with status headings, bold labels, PRs ---
EXPECTED.update(
    {
        "posthog__2025-09-29-flags-is-down.md": Expected(
            (
                # ### Immediate Actions (Completed)
                plain("Database connection timeouts moved to runtime configuration", status="done"),
                plain("Timeout values increased to accommodate peak load scenarios", status="done"),
                # ### Short-term Improvements ([Follow along here](…/issues/39133))
                # "Implementing …", "Adding …": under way or planned, the text doesn't settle it
                item(
                    "Read/write path separation",
                    status=("open", "in_progress"),
                    tickets=UNCHECKED,
                ),
                item(
                    "Circuit breaker implementation",
                    status=("open", "in_progress"),
                    tickets=UNCHECKED,
                ),
                item(
                    "Health check optimization",
                    status=("open", "in_progress"),
                    tickets=UNCHECKED,
                ),
                item(
                    "Rollback procedure documentation",
                    status=("open", "in_progress"),
                    tickets=UNCHECKED,
                ),
                # ### Long-term Improvements (Q4 2025 - Q1 2026)
                plain("Development of specialized tooling for rapid pod termination"),
                plain("Comprehensive load testing to validate connection pool behavior"),
                plain("Quarterly incident response drills to ensure operational readiness"),
            ),
            title="PostHog Feature Flags Service Outage - September 29, 2025",
            language="en",
            kind="list",
            why="Remediation subsections; tracking-issue link in a heading; bold lead labels",
        ),
        "posthog__2025-10-03-surveys-sdk-bug.md": Expected(
            (
                # ### Immediate Actions
                plain("Reverted the backwards-incompatible changes", status="done"),  # ✅
                plain("Issued credits / refunds to all customers affected", status="done"),  # ✅
                plain(
                    "Sent communications to all 305 affected teams",
                    status=UNCHECKED,  # past tense without ✅ (rule 3)
                ),
                # a bold-labelled paragraph, not a list item
                item("Start incidents earlier", owners=("lucasheriques",)),
                # ### Short-term Improvements: each ends in a PR link
                item("API compatibility layer", tickets=(f"{POSTHOG_JS}#2428",)),
                item("Ignore PostHog SDK exceptions", tickets=(f"{POSTHOG_JS}#2430",)),
                item(
                    "Monitor suspicious exceptions",
                    owners=UNCHECKED,  # "The error tracking team should monitor …"
                    tickets=("PostHog/posthog#39377",),
                ),
                # ### Long-term Improvements: "Owner: @lucasheriques" at the end
                item("Version compatibility testing", owners=("lucasheriques",)),
                item("Static analysis tooling", owners=("lucasheriques",)),
                item("Client-side error monitoring", owners=("lucasheriques",)),
            ),
            title="PostHog Surveys SDK Bug - October 3, 2025",
            language="en",
            why="✅ items, a '**Action item:** … Owner: @x' paragraph, '[[PR](url)]' links, "
            "'Owner: @x' at the end of bullets",
        ),
        "posthog__2025-11-26-shai-hulud-attack.md": Expected(
            (
                plain(
                    "We've significantly tightened our package release workflows", status=UNCHECKED
                ),
                plain(
                    "Increased the scrutiny any PR modifying a workflow file gets", status=UNCHECKED
                ),
                plain("Switched to pnpm 10", status=UNCHECKED),
                plain("Re-worked our Github secrets management", status=UNCHECKED),
            ),
            title="Post-mortem of Shai-Hulud attack on November 24th, 2025",
            language="en",
            kind="list",
            why="'How are we preventing it from happening again?' with past-tense bullets; the "
            "numbered 'What should you do?' advice to customers is a distractor",
        ),
        "learningequality__002-cloudflare-incomplete-migration.md": Expected(
            (
                plain("Avoid using toplevel wildcards on the DNS level"),
                plain("Check every subdomain we have and make sure we've migrated every subdomain"),
                plain("Use an uptime service to monitor"),
            ),
            title=None,  # first H1 is "Overview"
            language="en",
            kind="list",
            why="'# Corrective actions' bullets; '## Owner: @x' is the postmortem's owner, not "
            "the items'; '- [x]'/'- []' notes to the owner are distractors",
        ),
        "learningequality__003-instantschools-migrations-not-included.md": Expected(
            NONE,
            title=None,  # first H1 is "Metadata"
            language="en",
            why="'# Corrective actions' is prose describing the fix already made; checked "
            "notes-to-owner boxes are distractors",
        ),
    }
)

# --- Chia-Network/post-mortem: improvements written one per line, no list markers ---
# Rule: a paragraph whose every line is one imperative improvement is a list without
# markers (each line is an item); narrative prose (chia website outage) is not.
EXPECTED.update(
    {
        "chia__2021-05-09-negative-coin-values.md": Expected(
            (
                plain("Add more thorough testing and have strict testing standards"),
                plain("Minimize the number of different types of data structures used"),
                plain("Bug bounty in order to get more visibility"),
                plain("More automated alarms for when issues arise"),
                plain("Have an incident response plan to notify the most experienced people"),
                plain("Add an independent status page"),
                plain("Add a notification in the GUI when a new version is available"),
            ),
            title=None,  # no H1
            language="en",
            why="'Lessons Learned and Future Improvements': one improvement per line, one paragraph",
        ),
        "chia__2021-10-31-employee-compromise.md": Expected(
            (
                plain("Develop better techniques in questioning the end-user"),
                plain("Hire a professional SecOps person"),
                plain("Add a feature to the Chia Graphical User Interface"),
            ),
            title="Suspected Chia Employee Compromise",
            language="en",
            why="'Corrective and Preventative Measure' (singular): three lines, no markers",
        ),
    }
)

MB = "jupyterhub/mybinder.org-deploy"
BH = "jupyterhub/binderhub"
KS = "jupyterhub/kubespawner"
R2D = "jupyterhub/repo2docker"
JH = "jupyterhub/jupyterhub"


def linked(
    text: str, *tickets: str, status: StatusSpec = "open", more: tuple[str, ...] = ()
) -> Item:
    """A list item with no owner or due date whose links are its tickets."""
    return item(text, *more, tickets=tickets, status=status)


# --- jupyterhub/mybinder.org-deploy incident reports: "## Action items" split by ###
# sub-headings, numbered items hard-wrapped, issue/PR links inline, in parentheses, on the
# continuation line, bare, or reference-style. Links "related to" or "blocking on" an
# item are context, not its ticket (UNCHECKED).
EXPECTED.update(
    {
        "mybinder__2017-09-27-hub-403.md": Expected(
            (
                linked(
                    "Handle errors on launching servers on the hub more gracefully", f"{BH}#131"
                ),
                linked(
                    "Write end-to-end tests that help validate that a deployment was successful",
                    f"{MB}#10",
                    more=("part of marking a deployment green or red",),
                ),
                linked(
                    "Write down the responsibilities of the people doing the deployment", f"{MB}#11"
                ),
                linked("Do deployments more often so we don't end up doing one big", f"{MB}#8"),
                linked(
                    "Consider figuring out an easy way for people to run a development", f"{BH}#137"
                ),
            ),
            title="2017-09-27, Hub 403",
            language="en",
            kind="list",
            why="numbered items under ### sub-headings; '[Issue](url)' on the wrapped line; "
            "numbered lists in the timeline and conclusion are distractors",
        ),
        "mybinder__2017-09-29-504.md": Expected(
            (
                linked(
                    "Removing the redirect page will get rid of the 504 timeout issue", f"{BH}#135"
                ),
                linked("Diagnose the original", f"{BH}#140"),
                linked("Fix known issue of PodReflector missing events", f"{KS}#81"),
                linked(
                    "Investigate further possibilities of reflector failure and recovery",
                    f"{KS}#85",
                ),
                linked("Unrecoverable PodReflector errors should abort the Hub", f"{KS}#86"),
                linked(
                    "Implement health monitoring and alerting to respond more quickly", f"{MB}#19"
                ),
                plain("Automatic recovery could potentially relaunch the Hub pod"),
            ),
            title="2017-09-29, 504",
            language="en",
            kind="list",
            why="'[Pull Request](url)' links; a prose paragraph with a bare PR URL between "
            "sub-lists is not an item",
        ),
        "mybinder__2017-10-17-cluster-full.md": Expected(
            (
                linked("If a pod doesn't start in time, kubespawner should kill it", f"{KS}#95"),
                linked("Make the launch timeout more configurable", f"{BH}#244"),
                linked("If launch fails, then BinderHub should actually call stop", f"{BH}#245"),
                linked("We need better alerting for when cluster is full", f"{MB}#125"),
            ),
            title="2017-10-17, Cluster Full",
            language="en",
            kind="list",
            why="one-item numbered lists under three sub-headings",
        ),
        "mybinder__2017-11-30-oom-proxy.md": Expected(
            (
                linked("Limit memory available to build pods", f"{R2D}#159"),
                linked("Fix configuration so that user pods are not cleaned up", f"{MB}#198"),
                plain("Should nominate one person to be the driver"),
                plain("Better alerting for when something is wrong with the cluster"),
            ),
            title="2017-11-30 4:23PM PST, OOM (Out of Memory) Proxy",
            language="en",
            why="one-paragraph actions under action sub-headings with a bare URL in "
            "parentheses; the '## Logs' link list after is a distractor",
        ),
        "mybinder__2018-01-04-failed-staging-deploy.md": Expected(
            (
                plain("Minimize tribal knowledge in the deployment process"),
                plain("Simplify steps into a checklist"),
                plain("Minimize copy-paste errors by user"),
                plain('Add a "deployment to staging" checklist'),
                plain("Add a better way to self diagnose whether the Travis failure"),
                plain("Look into generating a commit for bumping without human entry"),
                plain("Document in the helm chart repo as well as mybinder.org-deploy"),
            ),
            title="2018-01-04, Failed deploy to staging",
            language="en",
            kind="list",
            why="plain bullets under three sub-headings",
        ),
        "mybinder__2018-01-17-ubuntu-upgrade.md": Expected(
            (
                linked(
                    "Note that Ubuntu non-LTS is on a ~9 month cycle",
                    f"{R2D}#198",
                    more=("Keep bumping Ubuntu versions until we hit LTS",),
                ),
                linked("Subscribe to the ubuntu-announce mailing list", f"{MB}#296"),
                linked("Separate python version from distro version", f"{R2D}#185"),
                linked("Allow users to pin distros", f"{R2D}#148"),
                linked("Keep our own apt mirror", f"{MB}#295"),
                linked("Continuous tests should be run against binder", f"{MB}#19"),
            ),
            title="2018-01-17, Emergency Aardvark bump",
            language="en",
            kind="list",
            why="'[Issue](url)'/'[PR](url)' at the end of bullets, one on the wrapped line",
        ),
        "mybinder__2018-01-18-reddit-hug.md": Expected(
            (
                plain("Gather commands used in incident response and add to SRE guide"),
                plain("Discuss how to know when to call an incident as resolved"),
                plain("Investigate k8 training"),
                plain("Consider ways to have a system similar to staging"),
                plain("Consider creating a script or cheatsheet for running tests"),
                plain("Run the py.tests constantly and actively alert us when they fail"),
            ),
            title="2018-01-18, reddit hugs mybinder",
            language="en",
            kind="list",
            why="plain bullets under Process / Training / Testing sub-headings",
        ),
        "mybinder__2018-01-18-ssl-outdated.md": Expected(
            (
                plain(
                    "Do not use a single team member's email address for letsencrypt",
                    status=UNCHECKED,  # settled only by the next item's sub-bullet
                ),
                plain(
                    "Instead, use a shared google groups email account",
                    "This has been done",
                    status="done",  # its sub-bullet: "This has been done: …"
                ),
                plain(
                    "keep an eye on the SSL once the first expiration date comes around",
                    "this is a correct assumption",
                ),
            ),
            title="2018-01-11, Warning from letsencrypt about outdated SSL certificate",
            language="en",
            kind="list",
            why="status given by a sub-bullet; an email address that is not an owner; a bare "
            "URL under 'Related Issues / PRs' is not an item",
        ),
        "mybinder__2018-02-12-launch-fail.md": Expected(
            (
                plain("Improve the team operations around debugging the cluster"),
                linked("Improve the language around site reliability expectations", f"{MB}#359"),
                item(
                    "We should set up some kind of monitoring for the mybinder.org deployment",
                    "something quick-and-dirty",
                    tickets=UNCHECKED,  # links both the long-term plan (#19) and its own #358
                ),
            ),
            title="2018-02-12, Hub Launch Fail",
            language="en",
            kind="list",
            why="'([link to issue](url))' after wrapped lines; one item links two issues",
        ),
        "mybinder__2018-02-22-nginx-down.md": Expected(
            (
                plain(
                    "Make sure that everybody gets emailed when the site goes down", status="done"
                ),
                linked(
                    "Find a path forward to switch away from NGINX",
                    "jupyterhub/zero-to-jupyterhub-k8s#528",
                ),
            ),
            title="2018-02-22 NGINX crash",
            language="en",
            kind="list",
            why="'(DONE)' status at the end of the text; '[#528](url)' link",
        ),
        "mybinder__2018-03-13-PVC-hub-locked.md": Expected(
            (
                # ### Investigation: a paragraph asking for an investigation, with imperatives
                plain("Why did this outage start in the first place?"),
                item(
                    "Make sure we have a non-stackdriver alerting service",
                    tickets=UNCHECKED,  # "(currently blocking on [#365](…))"
                ),
                plain("Document how to check if a PVC hasn't been released"),
                plain("Document how to manually restart a node"),
                linked("Document how to delete pods that have entered an", f"{MB}#512"),
                plain("Store the prometheus data somewhere more stable than its server pod"),
            ),
            title="2018-03-13, PVC for hub is locked",
            language="en",
            why="a paragraph under '### Investigation'; '## Questions for follow up' holds one "
            "empty '-' (not an item); numbered lists under Lessons learnt are distractors",
        ),
        "mybinder__2018-03-26-no-space-left.md": Expected(
            (
                plain('Add log metric for "no space left on device" messages', status="done"),
                plain('Add log metric for "Error creating user" message', status="done"),
                plain('Add metrics-based alert for "Error creating user" messages', status="done"),
                linked("Enable SMTP for alerts from grafana metrics", f"{MB}#365"),
                plain('Investigate root cause of "no space left on device" messages'),
                plain("Systematically cordon and cull nodes older than 3-5 days?"),
            ),
            title='2018-03-26, "no space left on device"',
            language="en",
            kind="list",
            why="checkbox list, three checked; '[GitHub Issue](url)' link",
        ),
        "mybinder__2018-03-31-server-start-fail.md": Expected(
            (
                item(
                    "Improve the alerting so that a majority of the team is notified",
                    tickets=UNCHECKED,  # "(currently blocking on [#365](…))"
                ),
                linked(
                    'Come up with team guidelines for how "stale" a node can become', f"{MB}#528"
                ),
                linked('Document how to "recycle" nodes properly', f"{MB}#528"),
            ),
            title="2018-03-31, Server launch failures",
            language="en",
            kind="list",
            why="'### What went wrong' bullets and an Investigation paragraph with no action "
            "sit inside '## Action items' (distractors)",
        ),
        "mybinder__2018-04-18-cull-flood.md": Expected(
            (
                linked("Revisit automatic pull requests to encourage keeping", f"{BH}#222"),
                item(
                    "Add alarms for sustained high CPU and memory usage",
                    tickets=UNCHECKED,  # "Related to [this issue](…)"
                ),
                linked("Figure out tests for the culler", f"{JH}#1791"),
                linked("Fix bugs in image-culler preventing it from running", f"{BH}#534"),
                plain("Allow disabling image culler in helm chart"),
                linked("Investigate and fix memory leak in kubespawner", f"{KS}#165"),
                plain("Describe process for deploying jupyterhub image bumps"),
            ),
            title="2018-04-18, Culler flood",
            language="en",
            kind="list",
            why="'([Issue](url))' alone on the wrapped line; an '[Issue]' link to a pull request",
        ),
        "mybinder__2018-07-08-podsnips-aplenty.md": Expected(
            (
                linked("set up notifications of downtime", f"{MB}#611"),
                linked("automate scale-down", f"{MB}#646"),
                linked("make sure downtime recovery steps are documented", f"{MB}#655"),
                linked("Fix failure to delete pods when pod reflector fails", f"{KS}#208"),
                linked("Make kubespawner more robust to pod-reflector failure", f"{KS}#209"),
                linked("Refactor event reflector to be a single reflector", f"{KS}#210"),
                linked("try to auto-detect likely unhealthy Hub state", f"{JH}#2028"),
            ),
            title="2018-07-08, too many pods",
            language="en",
            kind="list",
            why="template guidance paragraph left in; links on the last of several wrapped lines",
        ),
        "mybinder__2018-07-30-jupyterlab-build-cpu-saturate.md": Expected(
            (
                linked("set up notifications of downtime", f"{MB}#611"),
                linked(
                    "Find a way to gracefully handle repositories that take a long time",
                    f"{BH}#624",
                ),
                linked("Find a way to avoid overloading the Binder CPU", f"{BH}#624"),
            ),
            title="2018-07-30 JupyterLab builds saturate BinderHub CPU",
            language="en",
            kind="list",
            why="'1.' for every item; bare issue URLs in parentheses",
        ),
        "mybinder__2019-02-20-no-logs.md": Expected(
            (
                linked("test and notify when kubectl logs doesn't work", f"{MB}#900"),
                linked("add command to retrieve apiserver logs to sre guide", f"{MB}#901"),
                linked("describe how to identify suspicious networking status", f"{MB}#900"),
            ),
            title=None,  # "incident date: 2019-02-20, …": not a postmortem-style prefix to drop
            language="en",
            kind="list",
            why="'[issue](url)' without parentheses; inline code in the action",
        ),
        "mybinder__2019-03-24-r2d-upgrade.md": Expected(
            (
                plain(
                    "Need to devise a strategy for wiping the build cache",
                    "without generating a huge",
                ),
                plain("Add a command that can be copy&pasted to add a new node pool"),
                plain("Change our build thread pool setup so that a single slow to build"),
            ),
            title="2019-03-24, repo2docker upgrade and docker image cache wipe",
            language="en",
            kind="list",
            why="hard-wrapped numbered items, no links",
        ),
        "mybinder__2019-04-03-ingress-cordoned.md": Expected(
            (
                plain("Update SRE guide to include guidance for moving ingress controller pods"),
                plain("Setup our ingress deployment to be robust against nodes being cordoned"),
            ),
            title="2019-04-03, 30min outage during node pool upgrade",
            language="en",
            kind="list",
            why="template guidance paragraph above a two-item numbered list",
        ),
        "mybinder__2022-01-27-prime-version.md": Expected(
            (
                linked("Implement proactive alerts", f"{MB}#611"),
                linked(
                    "Fix bug preventing prime cluster's version from being updated", f"{MB}#2113"
                ),
                linked("Add metrics for the federation-redirect service", f"{MB}#2114"),
                linked(
                    "Consider allowing the prime cluster to stop accepting traffic", f"{MB}#2115"
                ),
            ),
            title="2022-01-27, stale prime version",
            language="en",
            kind="list",
            why="reference-style ticket links '([issue][alerting-issue])' defined after the list",
        ),
        "mybinder__2022-06-02-pod-limit.md": Expected(
            (linked("Uptime and alerting", f"{MB}#611"),),
            title="2022-01-27, pod limit reached",  # sic: the document's own H1
            language="en",
            kind="list",
            why="the item is a label and a bare issue URL",
        ),
    }
)

I2C = "2i2c-org/infrastructure"

# --- 2i2c-org/incident-reports: autolinked issues, checkbox lists with URLs and sub-bullets
EXPECTED.update(
    {
        "2i2c__2020-10-28-memory-overload.md": Expected(
            (
                linked("Make sure user pods are in a separate pool", f"{I2C}#89"),
                linked("Set limits on the support infrastructure", f"{I2C}#90"),
                linked("Document and think about overcommit ratios for memory usage", f"{I2C}#91"),
                linked("Setup better Grafana dashboards to monitor resource usage", f"{I2C}#92"),
                linked("Document how folks can get kubectl access to the cluster", f"{I2C}#87"),
            ),
            title="2020-08-28 - Memory overload on WER cluster",
            language="en",
            kind="list",
            why="each bullet ends in an autolinked issue URL '<https://…/issues/89>'",
        ),
        "2i2c__2025-05-12-earthscope-resource-provisioning-issue.md": Expected(
            (
                plain("write an incident report"),
                linked(
                    "hold an internal retrospective about the incident",
                    "2i2c-org/meta#2194",
                    "2i2c-org/meta#2217",  # bare URLs in sub-bullets belong to the parent
                    f"{I2C}#6105",
                    f"{I2C}#6106",
                ),
            ),
            title="Incident report May 12 2025 - Earthscope resource provisioning issue",
            language="en",
            kind="list",
            why="'- [ ]' items; a bare issue URL at the end and three more in sub-bullets; "
            "dozens of '###' timeline headings before",
        ),
        "2i2c__2025-07-21-openscapes-hub-pods-dying.md": Expected(
            (plain("write an incident report"),),
            title="Incident report July 21 2025 - Openscapes hub pods dying post-stress-testing",
            language="en",
            kind="list",
            why="one checkbox right under the heading, no blank line",
        ),
        "2i2c__2025-08-12-leap-outage.md": Expected(
            (
                plain("Write an incident report"),
                plain("Write a small document for incident response"),
                item(
                    "Upgrade jupyterhub-home-nfs, and remove nfs-share-creator job",
                    tickets=UNCHECKED,  # "(see …/pull/34)": a related change, not said to be it
                ),
                linked(
                    "Update deployer system to add opt-in hardening",
                    f"{I2C}#6555",
                    status="done",
                ),
                plain("Update primary engineer's shell configuration", status="done"),
            ),
            title="Incident report August 12 2025 - LEAP hub outage",
            language="en",
            kind="list",
            why="'- [x]'/'- [ ]'; '— https://…/pull/6555' after an em dash; '[20m]' effort note",
        ),
    }
)

UNIVAF = "usdigitalresponse/univaf"

# --- usdigitalresponse/univaf incident reports: bold status notes, reference-style issue
# links, lead-in bullets. A bullet that only introduces its sub-bullets ("In the future
# when …:") is not an item; its sub-bullets are. A bullet that is an action keeps its
# sub-bullets as its parts (rule 2).
EXPECTED.update(
    {
        "univaf__2021-06-03--database-full.md": Expected(
            (
                plain("Set up CloudWatch alarms for database resources", status="done"),
                plain("Set up Sentry alarms for high error rates"),
                plain("Set up Slack integrations so alerts are highly visible"),
                plain("Set up automatic deletion of old logs"),
            ),
            title="2021-06-03: Database Full",
            language="en",
            kind="list",
            why="'**(Done during this incident)**' status; a '## Responders' list of @handles "
            "after the items is a distractor",
        ),
        "univaf__2021-06-11--database-low.md": Expected(
            (plain("Decide whether to shrink the database disk back down"),),
            title="2021-06-11: Database Storage Low",
            language="en",
            kind="list",
            why="a single long bullet",
        ),
        "univaf__2021-06-28--external-id-migration.md": Expected(
            (
                plain("Add integration tests that exercise common loader/server interactions"),
                plain("More carefully test and review code before deploy"),
                plain("More closely monitor for errors after deploy"),
                plain("Lower cutoffs in Sentry for API errors"),
            ),
            title="2021-06-28: External ID Migration",
            language="en",
            kind="list",
            why="a lead-in bullet ending in ':' whose four sub-bullets are the actions",
        ),
        "univaf__2021-06-29--actions-budget-terraform-state.md": Expected(
            (
                plain(
                    "Work with USDR ops team to fund GitHub effectively",
                    "Turn actions back on for this project",
                    "Raise need for USDR to develop real budgeting",
                ),
                linked("Document how to build manually", f"{UNIVAF}#294"),
                linked("Document how to reset Terraform Cloud state", f"{UNIVAF}#295"),
                linked(
                    "Articulate a process for planning and handling Terraform changes",
                    f"{UNIVAF}#296",
                ),
            ),
            title="2021-06-29: Broken Deploys with No Actions Budget and Bad Terraform State",
            language="en",
            kind="list",
            why="reference-style '([#294][issue-294])' links defined at the end; one sub-bullet "
            "'**(Done as of 2021-06-30)**' under an open parent",
        ),
    }
)

# --- ethereum-optimism/optimism: follow-ups under bold lead labels, not action headings ---
EXPECTED.update(
    {
        "optimism__2022-02-02-inflation-vuln.md": Expected(
            (
                # "**Actions planned:**" under "#### Conclusion regarding …" (Lessons learned)
                plain("Our forthcoming network upgrade", "fresh fork of Geth"),
                plain("We will ensure the common Ethereum tests are run against Bedrock"),
                # its numbered sub-lists are the parts of one item (rule 2)
                plain("We are redesigning our code review process", "encourage reviewers to"),
                plain("We will build out a threat model"),
                plain("We will make it a hard requirement not to deploy high risk code"),
                # "**Actions taken:**" then a numbered list: taken = done
                plain("We have extended the scope of the Immunefi program", status="done"),
                # "**Actions planned:**" then a numbered list
                plain("Ensure that instructions for reporting a vulnerability"),
                plain("We will set up automated alerts for new reports"),
                plain("We will review who has access to both the email and Immunefi"),
                # "**Action taken:**" alone, then one paragraph (twice)
                plain("Our incident response documentation is now easier to locate", status="done"),
                plain("Our incident response process now requires establishing", status="done"),
                plain("We have established an internal database of users", status="done"),
                plain("We will create internal documentation for building a patched client"),
                # "**Action taken:** This disclosure …" on one line; the link is to a policy
                plain("This disclosure process is now documented in our", status="done"),
                # a paragraph ending in ':' whose bullets are the criteria, not more items
                plain("We've established guiding criteria for disabling the system", status="done"),
                # "**Action planned:** We will expand …" on one line
                plain("We will expand the set of monitoring and alerting checks"),
            ),
            title="Self-Destruct Inflation Vulnerability Postmortem",
            language="en",
            why="'**Actions planned:**' / '**Actions taken:**' / '**Action taken:** text' "
            "labels under 'Lessons learned' sub-headings, no action heading at all; timeline "
            "bullets and the reasoning's numbered lists are not items",
        ),
        "optimism__2023-04-26-transaction-delays.md": Expected(
            (
                # "Going forward, we will do the following …:" then bullets
                plain("We will add monitoring for replica lag"),
                plain("we will increase rate limits so that node operators can poll"),
                # a commitment in the paragraph after the list; the bullets after it describe
                # what Bedrock changes, not work the team lists
                plain("we will upgrade mainnet to Bedrock later this year"),
            ),
            title=None,  # "[Public] 4/26 …": the bracketed prefix is another helper's work
            language="en",
            why="a lead-in sentence ('we will do the following …:') introduces the list, "
            "under 'Recovery and Lessons Learned'",
        ),
    }
)

Z2JH = "jupyterhub/zero-to-jupyterhub-k8s"

EXPECTED.update(
    {
        "mybinder__2018-02-20-jupyterlab-announcement.md": Expected(
            (
                # ### JupyterHub
                linked("Release JupyterHub 0.9 (or backport for 0.8.2)", f"{JH}#1676"),
                linked("Improve handling of spawners that are slow to stop", f"{JH}#1677"),
                item(
                    "Investigating allowing deletion of users whose servers are slow to stop",
                    tickets=(f"{JH}#1677",),
                    status=UNCHECKED,  # "Investigating …": under way or planned
                ),
                linked("implement API-only mode for use cases like Binder", f"{JH}#1675"),
                # ### Zero-to-JupyterHub, under the label line "cull_idle_servers:"
                linked("identify reason why 400 responses cause script to exit", f"{Z2JH}#522"),
                linked("avoid 400 responses by waiting for servers to stop", f"{Z2JH}#522"),
                # ### BinderHub
                linked("ensure pycurl is used", f"{BH}#460"),
                linked("Investigate timeout issue", f"{BH}#464"),
                plain(
                    "separate rejection code/metadata for launch failures",
                    status=("done", "wont_do"),  # "Note: on investigation, we already do this"
                ),
                linked(
                    "Figure out if there's a way to reduce the number of HTTP requests", f"{BH}#461"
                ),
                linked("Make it possible for Binder to launch multiple JupyterHubs", f"{BH}#465"),
                # ### Deployment
                linked("Avoid sending requests for stopped pods to the Hub", f"{MB}#444"),
                linked("Document ways to suspect and identify unhealthy nodes", f"{MB}#468"),
                linked(
                    "Come up with group guidelines for deploying changes under heavy loads",
                    f"{MB}#466",
                ),
                linked('Investigate what are "expected" downtimes', f"{MB}#466"),
                plain(
                    "Find a way to limit HTTP requests to the JupyterHub in cases", "of high load"
                ),
                plain(
                    "we should also monitor and alert on jupyterhub process > 70% CPU",
                    status=UNCHECKED,  # "(monitoring done in grafana)": alerting not said
                ),
                linked(
                    "Move Grafana and other support services to an external cluster", f"{MB}#438"
                ),
                linked("Document clear processes for requesting limit raises", f"{MB}#438"),
                linked("Fix cadvisor + prometheus setup", f"{MB}#449"),
                plain("Make all infrastructure pods be in the Guaranteed QoS"),
            ),
            title="2018-02-20, JupyterLab Announcement swamps Binder",
            language="en",
            kind="list",
            why="21 bullets under four sub-headings after ~40 '###' timeline headings; issue "
            "URLs bare, in parentheses or absent; a label line 'cull_idle_servers:'; a quoted "
            "item; 'Note: … we already do this'",
        ),
    }
)


def dfds(title: str, *items: Item, why: str = "plain bullets under '## Action Items'") -> Expected:
    """A dfds/postmortems document: its own H1, English, a bullet list."""
    return Expected(items, title=title, language="en", kind="list", why=why)


# --- more dfds/postmortems: plain bullets; Lessons Learned / Attendees lists follow ---
EXPECTED.update(
    {
        "dfds__PM2020-001-inotify-watches.md": dfds(
            "Inotify file watches exhaustion",
            plain("Setup monitoring and alerting for file watches usage"),
            why="a single bullet",
        ),
        "dfds__PM2020-003-adsync-migration.md": dfds(
            "ADSync migration issues",
            plain("We should have a talk with Rune/Platform about what responsibilities"),
            plain("We need to streamline our pipelines"),
            plain("All applications should run in containers"),
            plain("We need to refactor NUnit -> XUnit test"),
            why="'We should/need …' sentences; a person named as someone to talk to, not owner",
        ),
        "dfds__PM2020-004-coredns-upgrade.md": dfds(
            "CoreDNS upgrade issue",
            plain("Action plan for checking release notes from both source and vendor"),
            plain("We need monitoring of core services with direct health checks"),
        ),
        "dfds__PM2020-005-alb-instance-attachment.md": dfds(
            "ALB instance attachments removed",
            plain("Implement alerts for ALB healthy/unhealthy targets"),
            plain("Bring down alert noise even more"),
            plain("Implement resolve host name for Goldpinger"),
        ),
        "dfds__PM2020-007-unhealthy-nodes.md": dfds(
            "Unhealthy node",
            plain("Create a query/dashboard/alarm detecting pod restarts grouped by node"),
            plain("Prioritize upgrading our kubernetes prometheus stack"),
        ),
        "dfds__PM2020-008-alcide-admission.md": dfds(
            "Alcide admission causing Kubernetes timeouts",
            plain("Monitor Kubernetes deployments for timeouts"),
            plain("Monitor 5xx status codes for Kube API server"),
        ),
        "dfds__PM2021-002-flux-version-bump.md": dfds(
            "Flux unintended version update",
            plain("Setup more Fluentd alerts"),
            plain("Flux metrics and alerts"),
            plain("Change scheduled deployment pipeline timeslot"),
            plain("Version lock Flux"),
            why="terse noun-phrase bullets",
        ),
        "dfds__PM2021-003-flux-version-bump.md": dfds(
            "Flux unintended version update",
            plain("Flux metrics and alerts"),
            plain("Version lock Flux"),
            plain("Disable pipeline until issue fixed"),
            why="an '## Attendees' list of handles follows (distractor)",
        ),
        "dfds__PM2021-004-adfs-outage.md": dfds(
            "ADFS Outage",
            plain("Implement monitoring of ADFS"),
            plain("Identify a clear path for migration away from ADFS"),
            plain("Ask datacenters to apply monitoring and follow up"),
            why="an '## Atendees' (sic) line of initials follows",
        ),
        "dfds__PM2021-006-503-hotfix-release.md": dfds(
            "All services returning 503 in Kubernetes",
            plain("Agree on a sustainable way to release both planned features and hotfixes"),
            plain("Clear communication if merges breaks the master branch ability"),
            plain("Ensure that alerting in our sandbox clusters is configured"),
        ),
        "dfds__PM2021-007-503-autoscaling-group.md": dfds(
            "All services returning 503 in Kubernetes",
            plain("Enhance daily pipeline run with a synthetic monitoring"),
            plain("If possible observe the next daily run of the pipeline"),
            why="a Lessons Learned bullet with a bare URL follows (distractor)",
        ),
        "dfds__PM2021-008-traefik-v2-config.md": dfds(
            "Kubernetes ingress controller Traefik v2 configuration caused outage",
            plain("Reflect on how our critical announcements can become more visible"),
            plain("Reflect if the ALBs we have tested with should have been communicated"),
        ),
        "dfds__PM2021-010-504-limited-services.md": dfds(
            "A limited amount of services deployed in Kubernetes returning 504",
            plain("Look into if this is also an issue in Traefik 2.X"),
            plain("Look into if there is a way of monitoring irregular 504s"),
            plain("Get in touch with users of Hellman and explain the issue"),
        ),
        "dfds__PM2022-001-prometheus-down.md": dfds(
            "Prometheus is down with connection refused errors",
            plain("Review if our pods have appropriate resource requests and limits set"),
            why="one bullet; footnote definitions '[^1]:' at the end",
        ),
        "dfds__PM2022-002-logs-not-shipped.md": dfds(
            "Logs not shipped to CloudWatch",
            plain("The alert needs a more descriptive name/accompanying text"),
            why="one bullet phrased as a need",
        ),
        "dfds__PM2022-003-two-nodes-down.md": dfds(
            "Two Kuberneste nodes were down",
            plain("Assess if the current EC2 instances are sized correctly"),
            plain("Assess if heavy resource consumers like Prometheus be given dedicated nodes?"),
        ),
        "dfds__PM2022-005-node-ipc.md": dfds(
            "Node IPC Incident Response",
            plain("We need to have a SCA scanner than can alert us"),
            plain("We need a Security Operation Centre (SOC)"),
        ),
        "dfds__PM2022-006-alb-502.md": dfds(
            "ALB 502 Errors",
            plain("Better monitoring of namespaces"),
            plain("Better monitoring of OOM in pods"),
            plain("Better governance of excluded namespaces"),
            plain("Automate the limitranges for namespaces"),
        ),
        "dfds__PM2022-008-kyverno-service-crud.md": dfds(
            "CRUD operations on K8s Service resources unavailable",
            plain("Implement monitoring on Kyverno"),
            plain("Create internal documentation on our Kyverno setup"),
            plain("Investigate the exact issue with certificate in the application"),
            plain("Consider if we should change the failurePolicy on ClusterPolicy resources"),
        ),
        "dfds__PM2023-002-logs-not-shipped.md": dfds(
            "Logs not being shipped to CloudWatch",
            plain("Look into liveness probe covering more aspects of the Fluentd process"),
            plain("Investigate if third-party plugins used for Fluentd is maintained"),
            plain("Agree as a team what the procedures are for dealing with outages"),
            plain("Add alarms for Fluentd in case not enough/no log data is being sent"),
            plain("Remove hardcoded version variable for Fluentd docker image"),
        ),
        "dfds__PM2024-003-kube-state-metrics-labels.md": dfds(
            "Kube state metrics exposing wrong labels",
            plain("Avoid drift by ensuring production state reflects"),
            plain("Unstable changes should always be in branch"),
        ),
    }
)

DH = "berkeley-dsep-infra/datahub"
DATA8 = "data-8/jupyterhub-k8s"


def datahub(*items: Item, why: str) -> Expected:
    """A berkeley-dsep-infra/datahub incident report: YAML front matter, no H1."""
    return Expected(items, title=None, language="en", kind="list", why=why)


# --- berkeley-dsep-infra/datahub incident reports (Quarto): "## Action items ##" closed
# headings, numbered items under ### sub-headings, "1." for every item, inline and bare
# issue links, a Jira key in parentheses, template "{{ … }}" wrappers left in.
EXPECTED.update(
    {
        "datahub__2017-02-09-datahub-db-outage.md": datahub(
            linked("JupyterHub only uses a certain length of the cookie secret", f"{JH}#986"),
            linked("The cookie_id column in the users table should have UNIQUE", f"{JH}#985"),
            linked("Support using username hashes in PVC and Pod Names", f"{KS}#21"),
            linked("Support setting id of user in user table", "jupyterhub/oauthenticator#65"),
            plain("Switch to using Google Cloud SQL"),
            plain("Perform regular and tested backups of the database"),
            plain("Start writing an operational FAQ"),
            plain("Setup better monitoring and paging systems"),
            plain("Document escalation procedures explicitly"),
            why="closed ATX headings '## Action items ##'; upstream bug reports as items",
        ),
        "datahub__2017-02-24-autoscaler-incident.md": datahub(
            item(
                "The Autoscaler should not be run unless the context is explicitly set",
                tickets=UNCHECKED,  # "noted in the comments of the [pull request]"
            ),
            plain("should be abolished in all the tools we build"),
            plain("Use a separate billing account for production vs development clusters"),
            why="a PR link that is where something was noted, not the item's ticket",
        ),
        "datahub__2017-02-24-proxy-death-incident.md": datahub(
            linked("Work on abstracting the proxy interface", f"{JH}#848"),
            linked("Re-architect the spawner to make a much smaller number", f"{KS}#28"),
            linked("Tune the HTTP client kubespawner uses", f"{KS}#29"),
            linked("Set resource requests explicitly for hub and proxy", f"{DATA8}#124"),
            linked("Reduce the interval at which the hub checks", f"{DATA8}#123"),
            linked("Speed up the fix for the", "data-8/infrastructure#6"),
            why="'[Issue](url)'/'[PR](url)' after each item; an item refers to item (1)",
        ),
        "datahub__2017-03-06-helm-config-image-mismatch.md": datahub(
            plain("Make sure we treat any errors in -dev exactly like we would in prod"),
            plain("Write down actual deployment documentation & a checklist"),
            plain("Move away from git submodules to a separate versioned chart repository"),
            why="numbered items under '### Process ###'",
        ),
        "datahub__2017-03-20-too-many-volumes.md": datahub(
            linked("Keep an eye on the status of", "kubernetes/kubernetes#24317"),
            linked("Track down and fix the 'too many redirects' issue", "data-8/infrastructure#17"),
            plain("Delete all the older larger nodes that are no longer in use", status="done"),
            plain("Have alerting for when there are any number of pods in Pending state"),
            why="'(Done!)' status inside the text; one-item lists under four sub-headings",
        ),
        "datahub__2017-03-23-kernel-deaths-incident.md": datahub(
            plain("Document and formalize the testing process for post-deployment checks"),
            plain("Set a short timeout (maybe ten minutes?)"),
            linked("Continue investigating", f"{KS}#31"),
            why="a bare issue URL inside the sentence",
        ),
        "datahub__2017-04-03-cluster-full-incident.md": datahub(
            plain("When coming back from breaks, pre-scale the cluster back up"),
            plain("Consider cancelling spring break"),
            plain("Have monitoring for pods stuck in non-Running states"),
            why="plain numbered items",
        ),
        "datahub__2017-05-09-gce-billing.md": datahub(
            plain("Identify channels for billing alerts"),
            plain("Identify billing threshold functions"),
            plain("Establish off-cloud backups"),
            plain("Start autoscaler automatically"),
            plain("Setup scheduled billing reports and threshold alarms"),
            plain("Setup hub monitoring!"),
            plain("The slack duplicator runs in one of the GCP clusters"),
            why="'1.' for every item; the last item states a problem, not an action verb",
        ),
        "datahub__2017-10-10-hung-nodes.md": datahub(
            plain("When there are multiple reports of student servers not starting"),
            plain("Determine how many nodes are not mounting /var/lib/docker on sdb1"),
            plain("Look for elevated counts of pods stuck in Terminating state"),
            why="a shell pipeline in inline code inside a list item",
        ),
        "datahub__2017-10-19-course-subscription-canceled.md": datahub(
            plain("Until there is a per-user backup implemented hub-side"),
            plain("Always set a billing alert at some conservative amount"),
            plain("If a subscription is ever canceled, backup user data within 24 hours"),
            why="conditional sentences as items",
        ),
        "datahub__2018-01-25-helm-chart-upgrade.md": datahub(
            plain("Admins should refamiliarize themselves with the deployment policy"),
            plain("Determine if there is a way to block merges to production"),
            plain("Determine if there is a way to contextualize the Travis CI interface"),
            why="plain numbered items",
        ),
        "datahub__2018-01-26-hub-slow-startup.md": datahub(
            plain("The prepuller should be fixed so that helm does not time out"),
            plain("The hub route checking should be parallelized"),
            plain("The staging hub should be seeded with users"),
            why="passive 'should be' items",
        ),
        "datahub__2018-02-06-hub-db-dir.md": datahub(
            plain("Store the hub db in a cloud database"),
            plain("Downgrade helm to 2.6.x to see if this fixes the helm upgrades"),
            why="two items",
        ),
        "datahub__2018-02-28-hung-node.md": datahub(
            plain("Monitor the cluster for non-running pods and send an alert"),
            why="one item",
        ),
        "datahub__2018-06-11-course-subscription-canceled.md": datahub(
            plain("Do not use subscription portal billing alerts"),
            plain("Manually check subscription usage via an unattended process"),
            why="a negative ('Do not …') item",
        ),
        "datahub__2019-02-25-k8s-api-server-down.md": datahub(
            plain("Remotely monitor the API server endpoint and send an alert"),
            why="an '## Update' section of quoted provider text follows (distractor)",
        ),
        "datahub__2019-05-01-service-account-leak.md": datahub(
            linked(
                "Don't duplicate service key credentials across multiple", "yuvipanda/hubploy#18"
            ),
            linked("Switch to a different secret management strategy", f"{DH}#596"),
            why="loose numbered list, links on the wrapped second line",
        ),
        "datahub__2022-01-20-package-dependency-upgrade-incident.md": datahub(
            linked("Develop manual testing process", f"{DH}#2953"),
            plain("Develop a policy around when to create a new hub"),
            plain("Start writing after action reports for future outages"),
            plain("Enabling logging mechanism across all hubs"),
            plain("Adapt 2I2C testing suite to develop automated test cases"),
            plain("Investigate the reason why pager duty did not throw an alert"),
            plain("Adding R Studio as part of Repo2Docker"),
            why="template '{{ … }}' wrappers and '[link to github issue]' stubs left in; a "
            "leftover '{{ summary }}' row is no item; the '## Actions' checklist about the "
            "report itself is a distractor",
        ),
        "datahub__2024-core-node-incidents.md": datahub(
            plain("Work with instructors to identify and immediately troubleshoot"),
            plain("Spin up a dev hub and figure out how to use"),
            linked(
                "Continue to track the port leak issue", "jupyterhub/configurable-http-proxy#434"
            ),
            linked("Deploy a new core pool with the same RAM and more CPU", "DH-259"),
            plain("Spin up a dev hub and figure out how to use"),
            why="'(Jira DH-259)'; a link to a tool's repository is not a ticket; 'None.' "
            "under a sub-heading; the same item listed twice; a checked '## Actions' list",
        ),
    }
)


def paddle(title: str, *items: Item, why: str) -> Expected:
    """A PaddlePaddle/community project wrap-up ("…顺利结项"): H1 title, plan under 下一步计划."""
    return Expected(items, title=title, language="zh", why=why)


def pfcc(*items: Item, why: str) -> Expected:
    """A PFCCLab/blog retrospective: YAML front matter, no H1 (title not asserted)."""
    return Expected(items, title=None, language="zh", why=why)


# --- PaddlePaddle/community project wrap-ups and PFCCLab/blog retrospectives (Chinese) ---
# Retrospectives of community projects and events, not incident postmortems. Follow-ups
# stand under 下一步计划 / 未来规划 / 未来计划 (heading or bold paragraph label), as bullets
# or as one hard-wrapped paragraph; plans mentioned in passing prose are not items (rule 12).
EXPECTED.update(
    {
        "paddle-community__CINN_milestone_summary.md": paddle(
            "深度学习编译器CINN任务顺利结项",
            plain("后续会考虑和社区开发者一起进行更多的算子、Pass、模型、测试相关开发"),
            why="one paragraph under '### 3. 下一步计划' is the plan; 致谢 mentions are not",
        ),
        "paddle-community__Dy2St_project_milestone_summary.md": paddle(
            "动转静社区任务顺利结项",
            why="no plan section; '后续动转静方向也持续参与…' closes the results prose",
        ),
        "paddle-community__code_style_compiler_warning_milestone_summary.md": paddle(
            "飞桨开源社区编译 warning 明面消除顺利结项",
            item("未打开的编译 warning 消除", owners=("Galaxy1458",)),
            item("更高版本 GCC 的编译 warning 消除", owners=("Galaxy1458",)),
            item(
                "和社区开发者一起引入 clang-tidy",
                owners=UNCHECKED,  # "已收到 RFC 设计文档（来自 @GreatV）" names the RFC author
                tickets=UNCHECKED,  # the contest issue the task belongs to, and a doc link
            ),
            why="bullets under '### 4. 下一步计划' with a trailing '@owner' mention",
        ),
        "paddle-community__code_style_flake8_milestone_summary.md": paddle(
            "Flake8 代码风格检查工具的引入任务顺利结项",
            item(
                "后续会考虑和社区开发者一起升级&引入更多的代码风格检查工具",
                "进一步提升飞桨代码阅读与开发的便利性",
                tickets=UNCHECKED,  # one sub-part links an issue, another a PR comment
            ),
            why="one plan paragraph hard-wrapped over five lines after '、' (Chinese wrap)",
        ),
        "paddle-community__legacy_python_milestone_summary.md": paddle(
            "Python 2.7/3.5/3.6 旧版本退场任务顺利结项",
            item(
                "后续会考虑和社区开发者一起引入",
                "可自动对旧版本遗留代码进行升级",
                tickets=UNCHECKED,  # a PR comment linked as 前期调研 (prior research)
            ),
            why="one hard-wrapped plan paragraph under '### 下一步计划'",
        ),
        "paddle-community__Call_For_Tutorials_summary.md": paddle(
            "建设更多的tutorials任务顺利结项",
            why="announces 后续计划 in its opening but has no plan section; link lists only",
        ),
        "paddle-community__paddle_trt_optimization_milestone_summary.md": paddle(
            "Paddle-TRT算子开发任务顺利结项",
            item(
                "Paddle-TRT方向会持续参与",
                tickets=UNCHECKED,  # the hackathon's issue is the event, not this item's ticket
            ),
            why="'**3. 下一步计划**' bold paragraph as the heading, then one plan paragraph",
        ),
        "pfcc-blog__xdoctest-project.md": pfcc(
            plain("合入 Paddle、发布到 PyPI，回馈开源社区"),
            plain("思考是否有工具可以取代 xdoctest"),
            why="'### 02 - 未来规划' then a '#### `>>>` CONVERT_DOCTEST' sub-heading over the "
            "bullets; many other bullet lists (results, lessons, contributions) are not items",
        ),
        "pfcc-blog__type-hints-project.md": pfcc(
            why="future plans only in closing prose ('如果说未来有什么计划，…'); code blocks",
        ),
        "pfcc-blog__hackathon-5th-episode03.md": pfcc(
            why="event wrap-up: results and rankings, no plan",
        ),
        "pfcc-blog__hackathon-6th-summary.md": pfcc(
            plain("个人贡献挑战赛"),
            plain("护航计划集训营"),
            plain("Fundable Projects"),
            why="'### 未来计划' bullets with bold lead labels; the last bullet '**其他（待定）**' "
            "('others, to be decided') names no action",
        ),
        "pfcc-blog__hackathon-7th-summary.md": pfcc(
            plain("个人贡献挑战赛"),
            plain("护航计划集训营"),
            plain("Fundable Projects"),
            why="'### 未来计划' bullets with bold lead labels",
        ),
        "pfcc-blog__hackathon-9th-summary.md": pfcc(
            why="event wrap-up with emoji headings; no plan",
        ),
        "pfcc-blog__starter-camp.md": pfcc(
            why="camp retrospective: lessons ('活动后续缺少延续性') but no follow-up list; "
            "'参与者需要做什么' numbered headings describe the programme",
        ),
        "pfcc-blog__starter-camp-5th.md": pfcc(
            why="camp wrap-up: quotes, a schedule table, no plan",
        ),
        "pfcc-blog__starter-camp-6th.md": pfcc(
            why="camp wrap-up: quotes, a schedule table, no plan",
        ),
        "pfcc-blog__starter-horse-year.md": pfcc(
            why="camp wrap-up: awards table and schedule, no plan",
        ),
    }
)


def dsh(*items: Item, why: str) -> Expected:
    """A DeepSeek Harness postmortem (Chinese): safeguards already added, listed as bullets."""
    return Expected(
        items,
        title=None,  # "事故复盘（postmortem）000N：…" – whether the numbered prefix goes is open
        language="zh",
        kind="list",
        why=why,
        date=None,  # no date stated; "状态：已解决" only
    )


def added(text: str, *more: str) -> Item:
    """A safeguard under '已添加的防护措施' / '新增的防护措施' (added = done, rule 3)."""
    return item(text, *more, status="done")


# --- DeepSeek Harness (docs/postmortem/*.zh.md): Chinese incident postmortems whose follow-ups
# stand under "## 新增的防护措施" / "## 已添加的防护措施" (safeguards added: done). Timeline
# bullets, lessons (经验教训 / 教训) and "为什么所有测试都没有捕获" bullets are not items.
EXPECTED.update(
    {
        "deepseek-harness__0001-acp-default-export-drops-inject.zh.md": dsh(
            added("删除 export default apply"),
            added("AgentLoop.resume 使用"),
            added("无需 key 的 session/new e2e"),
            added("e2e spawn 中设置 TSX_TSCONFIG_PATH"),
            added("测试真实入口路径"),
            why="bold-led bullets under '## 新增的防护措施'; a link to docs/testing.md is no "
            "ticket; the status line names PR #41 for the whole fix, not for one bullet",
        ),
        "deepseek-harness__0002-js-expression-disabled-filesystem-tools.zh.md": dsh(
            added("文件系统场景启动 fs.cordis.yml"),
            added("明确说明 !!js 仅在插件 config 内有效"),
            added("verify-cordis-config 解析仓库中的 Cordis YAML"),
            added("dsh-acp-snapshot 在全新运行和已提交的会话 fixture 中拒绝"),
            why="'## 已添加的防护措施' bullets opening with links to docs; 'PR #261' sits in "
            "the timeline",
        ),
        "deepseek-harness__0003-web-agent-gui-feedback-loop.zh.md": dsh(
            added("Web 启动器在记录到日志的 app:web-surface 提示词区段"),
            added("生产模式指南要求重新构建产物"),
            added("apps/web 的独立 Vite 服务模式会在配置阶段拒绝启动"),
            added("分层的真实路径测试覆盖"),
            added("PR（Pull Request）证据保留了原始 3081 会话的截图"),
            why="long one-line bullets with full-width slashes and parentheses; 'PR（Pull "
            "Request）' names no number, so no ticket",
        ),
        "deepseek-harness__0004-landlock-partial-notice-misclassified-child-failures.zh.md": dsh(
            added("携带可选的允许退出码"),
            added("把 Landlock 映射为退出码 125"),
            added("直接 spawn 提供方 argv"),
            added("通过 ctx.subprocess 运行打包的 ripgrep"),
            added("原生边界回归用例位于"),
            added("组装后的产品路径由"),
            why="bullets that open with a code-formatted link to a package; 'Status: resolved' "
            "in English above a Chinese body",
        ),
    }
)
