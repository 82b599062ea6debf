"""The demo's story: file tickets, let a week of work happen, sync again, remind and
escalate, propose a document change as a pull request, show the result.

Everything real but the people: the Jira and GitHub sandboxes (and GitLab's, when
tracker-gitlab is installed) run on loopback, the real `jira`, PyGithub and python-gitlab
clients talk to them, the store is a SQLite file and the documents are files in the
demo folder, a git repository whose bare `origin` the GitHub sandbox serves as
`acme/postmortems`. Nothing is left running afterwards.
"""

from __future__ import annotations

import difflib
import os
import secrets
import tempfile
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, cast

from rich.console import Console
from rich.rule import Rule
from rich.syntax import Syntax

from tracker.application.remind import run_reminders
from tracker.config import Config, load_config
from tracker.errors import TrackerError
from tracker.report import build_report
from tracker.report.options import options_from_config
from tracker.report.output import write_atomically
from tracker.report.render_html import render_html
from tracker.report.render_table import report_renderable
from tracker.store import Store, open_store
from tracker.sync import SyncResult, run_sync
from tracker.sync.render import render_summary
from tracker_sandbox.demo.documents import render_documents
from tracker_sandbox.demo.repository import commit_and_push, have_git, init_repository
from tracker_sandbox.plugins import SandboxPlugin, load_sandbox

if TYPE_CHECKING:
    from tracker_github.sandbox.server import GitHubSandbox
    from tracker_gitlab.sandbox.server import GitLabSandbox
    from tracker_jira.sandbox.server import JiraSandbox

JIRA_TOKEN_VAR = "TRACKER_DEMO_JIRA_TOKEN"
GITHUB_TOKEN_VAR = "TRACKER_DEMO_GITHUB_TOKEN"
GITLAB_TOKEN_VAR = "TRACKER_DEMO_GITLAB_TOKEN"
GITLAB_PROJECT = "acme/platform/api"  # seeded by the GitLab sandbox (a subgroup's project)
WEEK = timedelta(days=7)
HOUR = timedelta(hours=1)
DEMO_REPO = "acme/app"
POSTMORTEMS_REPO = "acme/postmortems"  # where the write-back pull request is opened
PULL_BODY_LINES = 5  # the pull request's cell list, shown up to this many lines

CONFIG_TEMPLATE = """\
# Written by `tracker demo`: the sandboxes' addresses change every run.
database_url = "sqlite:///.tracker/tracker.db"
timezone = "UTC"

[documents]
paths = ["postmortems"]

[[teams]]
name = "payments"
members = ["alice", "bob"]
lead = "bob"
target = {{ system = "jira", project = "ENG", issue_type = "Task" }}

[[teams]]
name = "storage"
members = ["chen"]
target = {{ system = "jira", project = "OPS", issue_type = "Task" }}

[[teams]]
name = "platform"
target = {{ system = "github", repo = "{repo}" }}

[[teams]]
name = "search"
target = {{ system = "github", repo = "{repo}" }}
{gitlab_team}
[[people]]
name = "alice"
aliases = ["@alice", "Alice Anderson"]
email = "alice@example.com"
jira_account_id = "{alice}"
github_login = "alice"{gitlab_alice}

[[people]]
name = "bob"
aliases = ["@bob", "Bob Brown"]
email = "bob@example.com"
jira_account_id = "{bob}"
github_login = "bob"{gitlab_bob}

[[people]]
name = "chen"
aliases = ["@chen", "Chen Wei", "陈伟", "chen@example.com"]
email = "chen@example.com"
jira_account_id = "{chen}"
github_login = "chen"{gitlab_chen}

[connectors.jira]
url = "{jira_url}"
flavour = "cloud"
email = "tracker@example.com"
token = "${{{jira_var}}}"

[connectors.github]
url = "{github_url}"
token = "${{{github_var}}}"
{gitlab_section}
[sync]
ticket_link_style = "markdown"
pull_request_target = "github:{postmortems}"   # used by `tracker sync --pull-request`

[policy]   # items nobody dated get a derived due date: the postmortem's date + the SLO
slo_days_by_priority = {{ P0 = 28, P1 = 28, P2 = 56 }}

[reminders.escalation]
lead_after_days = 7        # overdue a week: the team lead hears of it too
comment_on_ticket = true   # and the ticket says so
"""

# The GitLab parts of the config, when tracker-gitlab is installed.
GITLAB_TEAM = """
[[teams]]
name = "observability"
members = ["chen"]
target = {{ system = "gitlab", project = "{project}" }}
"""
GITLAB_SECTION = """
[connectors.gitlab]
url = "{url}"
token = "${{{var}}}"
"""


@dataclass
class DemoWorld:
    """The demo folder, its config and the running sandboxes."""

    folder: Path
    jira: JiraSandbox
    github: GitHubSandbox
    origin: Path | None  # the bare git repository; None when git is not installed
    gitlab: GitLabSandbox | None = None  # None when tracker-gitlab is not installed

    @property
    def documents(self) -> Path:
        return self.folder / "postmortems"

    @property
    def env(self) -> dict[str, str]:
        tokens = {JIRA_TOKEN_VAR: self.jira.token, GITHUB_TOKEN_VAR: self.github.token}
        if self.gitlab is not None:
            tokens[GITLAB_TOKEN_VAR] = self.gitlab.token
        return tokens

    @property
    def sandboxes(self) -> list[JiraSandbox | GitHubSandbox | GitLabSandbox]:
        return [self.jira, self.github, *([self.gitlab] if self.gitlab is not None else [])]

    def config(self) -> Config:
        return load_config(self.folder / "tracker.toml", env={**os.environ, **self.env})


def prepare_folder(folder: Path | None) -> Path:
    """The demo folder: the one asked for (must be empty or new), else a fresh temporary one."""
    if folder is None:
        return Path(tempfile.mkdtemp(prefix="tracker-demo-"))
    if folder.exists() and any(folder.iterdir()):
        raise TrackerError(
            f"{folder} is not empty", hint="give --dir a new or empty folder, or leave it out"
        )
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def optional_sandbox(name: str) -> SandboxPlugin | None:
    """A sandbox the demo shows when its connector is installed (GitLab), else None."""
    try:
        return load_sandbox(name)
    except LookupError:
        return None


@contextmanager
def demo_world(folder: Path, start: datetime) -> Iterator[DemoWorld]:
    """Start the sandboxes (Jira, GitHub, and GitLab when installed) with their clocks
    at `start` and write the documents (dated from `start`) and config into `folder`."""
    try:
        jira_plugin, github_plugin = load_sandbox("jira"), load_sandbox("github")
    except LookupError as error:
        raise TrackerError(
            f"the demo needs the Jira and GitHub sandboxes: {error}",
            hint="pip install './connectors/jira[sandbox]' './connectors/github[sandbox]'",
        ) from None
    gitlab_plugin = optional_sandbox("gitlab")
    defaults = {"port": 0}
    with (
        ExitStack() as optional,
        cast(
            "JiraSandbox",
            jira_plugin.build(
                defaults, token=secrets.token_urlsafe(16), latency_ms=0, state_file=None
            ),
        ) as jira,
        cast(
            "GitHubSandbox",
            github_plugin.build(
                {**defaults, "repo": [DEMO_REPO, POSTMORTEMS_REPO]},
                token=secrets.token_urlsafe(16),
                latency_ms=0,
                state_file=None,
            ),
        ) as github,
    ):
        gitlab = None
        if gitlab_plugin is not None:
            service = gitlab_plugin.build(
                defaults, token=secrets.token_urlsafe(16), latency_ms=0, state_file=None
            )
            gitlab = cast("GitLabSandbox", optional.enter_context(service))
            gitlab.add_user("chen", member_of=(GITLAB_PROJECT,))
        world = DemoWorld(folder, jira, github, origin=None, gitlab=gitlab)
        for sandbox in world.sandboxes:
            sandbox.clock.set(start)
        world.documents.mkdir(parents=True, exist_ok=True)
        for name, text in render_documents(start.date(), gitlab=gitlab is not None).items():
            (world.documents / name).write_text(text, encoding="utf-8")
        config = CONFIG_TEMPLATE.format(
            repo=DEMO_REPO,
            postmortems=POSTMORTEMS_REPO,
            jira_url=jira.base_url,
            github_url=github.base_url,
            jira_var=JIRA_TOKEN_VAR,
            github_var=GITHUB_TOKEN_VAR,
            alice=jira.user_account("alice"),
            bob=jira.user_account("bob"),
            chen=jira.user_account("chen"),
            **_gitlab_config(gitlab),
        )
        (folder / "tracker.toml").write_text(config, encoding="utf-8")
        if have_git():
            world.origin = init_repository(folder, world.documents)
            github.pulls.set_git_remote(POSTMORTEMS_REPO, world.origin)
        yield world


def _gitlab_config(gitlab: GitLabSandbox | None) -> dict[str, str]:
    """The config template's GitLab parts: empty when the demo runs without GitLab."""
    people = ("alice", "bob", "chen")
    if gitlab is None:
        return {"gitlab_team": "", "gitlab_section": ""} | {f"gitlab_{p}": "" for p in people}
    return {
        "gitlab_team": GITLAB_TEAM.format(project=GITLAB_PROJECT),
        "gitlab_section": GITLAB_SECTION.format(url=gitlab.base_url, var=GITLAB_TOKEN_VAR),
    } | {f"gitlab_{p}": f'\ngitlab_username = "{p}"' for p in people}


def snapshot(folder: Path) -> dict[str, str]:
    return {path.name: path.read_text(encoding="utf-8") for path in sorted(folder.glob("*.md"))}


def sync_once(
    world: DemoWorld, store: Store, *, now: datetime, pull_request: bool = False
) -> SyncResult:
    return run_sync(
        world.config(), store, [world.documents], env=world.env, now=now, pull_request=pull_request
    )


def advance(world: DemoWorld, by: timedelta) -> None:
    for sandbox in world.sandboxes:
        sandbox.clock.advance(by.total_seconds())


def play_a_week(world: DemoWorld) -> list[str]:
    """People work for a week (less the last hour): tickets move, one is closed as not
    planned, a doc is edited."""
    advance(world, WEEK - HOUR)
    jira = {issue["summary"]: issue["key"] for issue in world.jira.issues()}
    github = {issue["title"]: issue["number"] for issue in world.github.issues(DEMO_REPO)}
    story: list[str] = []

    def jira_move(summary: str, status: str, resolution: str | None = None) -> None:
        key = jira[summary]
        world.jira.set_status(key, status, resolution, by="bob")
        story.append(f"Jira {key} → {status}{f' ({resolution})' if resolution else ''}: {summary}")

    def github_close(title: str, reason: str) -> None:
        number = github[title]
        world.github.set_state(DEMO_REPO, number, "closed", state_reason=reason, actor="chen")
        story.append(f"GitHub #{number} closed as {reason}: {title}")

    jira_move("Alert when the partner rejects our client certificate", "Done")
    jira_move("Stage certificate rotations behind a canary gateway", "In Progress")
    jira_move("磁盘使用率超过 85% 时告警", "Done")
    github_close("Rate-limit DNS queries per client at the resolver", "completed")
    github_close("Document the batch job's DNS budget", "not_planned")
    if world.gitlab is not None:
        title = "Page the secondary provider when deliveries stall"
        iid = next(i["iid"] for i in world.gitlab.issues(GITLAB_PROJECT) if i["title"] == title)
        world.gitlab.edit_issue(GITLAB_PROJECT, iid, state_event="close")
        story.append(f"GitLab {GITLAB_PROJECT}#{iid} closed: {title}")

    edited = world.documents / "2026-payments-checkout-certificate.md"
    text = edited.read_text(encoding="utf-8")
    old = "Dashboard for gateway TLS handshake failures by partner"
    new = "Dashboard and alert for gateway TLS handshake failures by partner"
    edited.write_text(text.replace(old, new), encoding="utf-8")
    story.append(f"{edited.name}: action reworded to “{new}”")
    return story


def remind(world: DemoWorld, console: Console, *, as_of: datetime) -> None:
    """`tracker remind --dry-run`: who would be nudged, owners and the team lead. A dry
    run because real comments on GitHub are paced (secondary rate limits): seconds of
    waiting for nothing the dry run does not show."""
    config = world.config()
    run_reminders(
        config,
        as_of=as_of.astimezone(config.tz).date(),
        dry_run=True,
        console=console,
        env={**os.environ, **world.env},
    )


def propose_as_pull_request(
    world: DemoWorld, store: Store, console: Console, *, now: datetime
) -> None:
    """main has the links and statuses; the next change (bob finishes ENG-2) is proposed as a
    pull request by `tracker sync --pull-request`, the documents left as they are."""
    if world.origin is None:
        console.print("  git is not installed: no repository, no pull request")
        return
    commit = commit_and_push(world.folder, world.documents, "Ticket links and statuses")
    console.print(f"  • main: the links and statuses committed and pushed to origin ({commit})")
    advance(world, HOUR)
    summary = "Stage certificate rotations behind a canary gateway"
    key = next(i["key"] for i in world.jira.issues() if i["summary"] == summary)
    world.jira.set_status(key, "Done", by="bob")
    console.print(f"  • Jira {key} → Done (bob, reminded): {summary}")
    _print_result(console, sync_once(world, store, now=now, pull_request=True))
    for pull in world.github.pulls.pull_requests(POSTMORTEMS_REPO, state="open"):
        console.print(
            f"  {POSTMORTEMS_REPO}#{pull['number']} “{pull['title']}” "
            f"({pull['head']} → {pull['base']}), its body lists the cells:",
            markup=False,
        )
        cells = [line for line in str(pull["body"]).splitlines() if line.startswith("- ")]
        for line in cells[:PULL_BODY_LINES]:
            console.print(f"    {line}", markup=False)
        if len(cells) > PULL_BODY_LINES:
            console.print(f"    … {len(cells) - PULL_BODY_LINES} more")
    console.print(
        "  the folder is left as it was; once the pull request is merged, the next sync "
        f"counts {key} done in the report"
    )


def show_diff(console: Console, before: dict[str, str], after: dict[str, str]) -> None:
    for name in sorted(after):
        diff = "".join(
            difflib.unified_diff(
                before.get(name, "").splitlines(keepends=True),
                after[name].splitlines(keepends=True),
                fromfile=f"a/{name}",
                tofile=f"b/{name}",
                n=0,
            )
        )
        if diff:
            console.print(Syntax(diff, "diff", theme="ansi_dark", word_wrap=True))


def run_demo(folder: Path | None, console: Console, *, now: datetime | None = None) -> Path:
    """The whole demo; returns the folder it worked in (kept for a look afterwards).

    The story starts a week before `now` (default: the real time) and ends at `now`, so
    nothing is stored with a future time: `tracker report` and `tracker status` in the
    folder afterwards agree with what the demo printed.
    """
    end = now or datetime.now(UTC)
    start = end - WEEK
    where = prepare_folder(folder)
    console.print(f"demo folder: [bold]{where}[/bold]")
    with demo_world(where, start) as world:
        console.print(_sandbox_addresses(world))
        before = snapshot(world.documents)
        config = world.config()
        assert config.database_url is not None
        store = open_store(config.database_url)
        try:
            console.print(Rule("1. First sync: file a ticket for every action item"))
            _print_result(console, sync_once(world, store, now=start))
            console.print(_ticket_counts(world))

            console.print(Rule("2. A week of work happens"))
            for line in play_a_week(world):
                console.print(f"  • {line}")

            console.print(Rule("3. Sync again: statuses and edits flow both ways"))
            _print_result(console, sync_once(world, store, now=end - HOUR))

            console.print(Rule("4. What changed in the documents"))
            show_diff(console, before, snapshot(world.documents))

            console.print(
                Rule("5. Reminders (dry run): who gets nudged, and the escalation to the lead")
            )
            remind(world, console, as_of=end)

            console.print(Rule("6. main is protected: the next change as a pull request"))
            propose_as_pull_request(world, store, console, now=end)

            console.print(Rule("7. The report, a week later"))
            as_of = end.astimezone(config.tz).date()
            report = build_report(store.engine, options_from_config(config, as_of=as_of))
            console.print(report_renderable(report))
            html = where / "report.html"
            write_atomically(html, render_html(report))
            console.print(f"HTML report: {html}")
        finally:
            store.close()
    console.print("sandboxes stopped; nothing left running.")
    return where


def _print_result(console: Console, result: SyncResult) -> None:
    for line in render_summary(result):
        console.print(line)


def _sandbox_addresses(world: DemoWorld) -> str:
    line = f"Jira sandbox {world.jira.base_url}, GitHub sandbox {world.github.base_url}"
    return line + (f", GitLab sandbox {world.gitlab.base_url}" if world.gitlab else "")


def _ticket_counts(world: DemoWorld) -> str:
    jira = len(world.jira.issues())
    github = len(world.github.issues(DEMO_REPO))
    counts = f"tickets now: {jira} in Jira, {github} in GitHub"
    if world.gitlab is not None:
        counts += f", {len(world.gitlab.issues(GITLAB_PROJECT))} in GitLab"
    return counts
