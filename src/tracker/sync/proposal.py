"""`--pull-request`: the documents' changes proposed on a branch, never written in place.

With `[sync] write_back = "pull-request"` the engine saves its cell edits into private
copies of the documents (tracker.sync.engine); the user's working tree, index and
current branch are never touched. Here, per git repository holding changed documents:

1. `git ls-remote` finds the base branch (`pull_request_base`, else the remote's HEAD)
   and tracker's own branch (`pull_request_branch`) on `pull_request_remote`;
   `git fetch` brings their commits (no ref of the user's repository changes).
2. A temporary `git worktree` (hooks off) starts at the newest base: tracker's branch
   is rebuilt on it every run, which is how it follows a base that moved on.
3. Each changed cell is replayed there through the editor, a 3-way merge per cell:
   the base already says the new value → nothing to do; it still says what the run
   read → written; it says something else (someone changed that cell on the base) →
   a conflict, reported: nothing is pushed, nothing forced, exit 1. Only tracker's
   cells travel, never the user's uncommitted edits.
4. One commit lists every changed cell (file:line, item, old → new, why). When its
   content differs from tracker's branch, or the base moved on under it, the branch
   is pushed with `--force-with-lease` on its own old tip (only ever tracker's
   branch, never the base), and the connector named by `pull_request_target` opens
   the change request or updates the open one.

Nothing is remembered between runs: until the pull request is merged, every run sees
the documents still lacking the links and statuses, plans the same cell edits again
and replays them (no-ops on the branch). A failed push or API call is thus retried
by the next run, and a merged pull request ends the repeats.
"""

from __future__ import annotations

import os
import subprocess
import tempfile
from collections import defaultdict
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from functools import cache
from pathlib import Path

from tracker.connectors import ChangeRequest, Connector, change_requests
from tracker.errors import ConfigError, TrackerError
from tracker.parse.budget import DEFAULT_LIMITS, Limits

FALLBACK_IDENTITY = {
    "GIT_AUTHOR_NAME": "tracker",
    "GIT_AUTHOR_EMAIL": "tracker@localhost",
    "GIT_COMMITTER_NAME": "tracker",
    "GIT_COMMITTER_EMAIL": "tracker@localhost",
}


@dataclass(frozen=True)
class CellChange:
    """One cell tracker wants changed, and why. `old`/`new` are the cell's text;
    `value` is what the editor is given to write it (a Status value for status)."""

    line: int
    item_id: str
    cell: str  # "ticket" | "status" | "due" (a derived due date, [policy] write_derived_due)
    old: str
    new: str
    why: str
    value: str

    def describe(self, path: str) -> str:
        old = f"`{self.old}`" if self.old else "(empty)"
        return (
            f"- {path}:{self.line} ({self.item_id}) {self.cell}: {old} → `{self.new}` — {self.why}"
        )


@dataclass
class DocumentChange:
    """A document as the run read it and as tracker would write it."""

    path: Path  # in the user's working tree
    before: bytes
    after: bytes
    cells: list[CellChange] = field(default_factory=list)
    key: str | None = None  # how the run read it (the editor must derive the same ids)
    status_words: dict[str, str] = field(default_factory=dict)
    limits: Limits = DEFAULT_LIMITS


@dataclass(frozen=True)
class ProposalSettings:
    target: str | None  # "system:repository"
    remote: str = "origin"
    base: str | None = None
    branch: str = "tracker/write-back"
    noun: str = "pull request"  # what the target's system calls it ("merge request")


@dataclass
class ProposalOutcome:
    """What happened for one git repository."""

    repository: str  # the working tree's top folder
    branch: str
    base: str = ""
    documents: list[str] = field(default_factory=list)  # relative paths changed on the branch
    pushed: bool = False
    rebased: bool = False
    listed: list[str] = field(default_factory=list)  # every cell change on the branch
    cells: set[str] = field(default_factory=set)  # which kinds of cell they change
    request: ChangeRequest | None = None
    problem: str | None = None  # conflict or failure: nothing was forced


def parse_target(target: str | None) -> tuple[str, str]:
    """`SYSTEM:REPOSITORY` → (SYSTEM, REPOSITORY): the connector and, in its own terms,
    the repository the documents live in."""
    if not target:
        raise ConfigError(
            "--pull-request needs [sync] pull_request_target",
            hint='pull_request_target = "SYSTEM:REPOSITORY": a configured connector that '
            "opens change requests, and the repository where the documents live",
        )
    system, _, repo = target.partition(":")
    return system.strip(), repo.strip()


def propose(
    changes: Sequence[DocumentChange],
    settings: ProposalSettings,
    connector: Callable[[str], Connector],
) -> list[ProposalOutcome]:
    """Push the changes on tracker's branch and open or update the change request, per
    repository. Failures are reported in the outcomes, never raised past one repository."""
    system, repo = parse_target(settings.target)
    by_top: dict[Path, list[DocumentChange]] = defaultdict(list)
    for change in changes:
        by_top[Path(_git(["rev-parse", "--show-toplevel"], change.path.parent))].append(change)
    outcomes = []
    for top, documents in by_top.items():
        outcome = ProposalOutcome(str(top), settings.branch)
        try:
            _propose_in(top, documents, settings, outcome)
            if outcome.documents and outcome.problem is None:
                requests = change_requests(connector(system))
                if requests is None:
                    raise ConfigError(
                        f"the {system} connector cannot open pull requests",
                        hint="set [sync] pull_request_target to a connector that opens "
                        "change requests (pull or merge requests)",
                    )
                title, body = _title_and_body(outcome)
                outcome.request = requests.open_change_request(
                    repo, settings.branch, outcome.base, title, body
                )
        except ConfigError:
            raise
        except TrackerError as error:
            outcome.problem = error.message
        outcomes.append(outcome)
    return outcomes


def _propose_in(
    top: Path, documents: list[DocumentChange], settings: ProposalSettings, outcome: ProposalOutcome
) -> None:
    remote, branch = settings.remote, settings.branch
    _git(["remote", "get-url", remote], top)  # a clear error when there is no such remote
    base = settings.base or _remote_default_branch(top, remote)
    if base == branch:
        raise ConfigError(f"pull_request_branch and the base are both {branch!r}")
    outcome.base = base
    tips = _remote_tips(top, remote, [base, branch])
    base_tip, branch_tip = tips.get(base), tips.get(branch)
    if base_tip is None:
        raise TrackerError(f"{remote} has no branch {base!r}")
    refs = [f"refs/heads/{name}" for name in tips]  # by name: servers may refuse bare SHAs
    _git(["fetch", "-q", "--no-tags", "--no-write-fetch-head", remote, *refs], top)
    for sha in tips.values():
        if _run(["cat-file", "-e", f"{sha}^{{commit}}"], top).returncode != 0:
            raise TrackerError(f"{remote} changed while tracker read it; retried next run")
    _git(["worktree", "prune"], top)
    with tempfile.TemporaryDirectory(prefix="tracker-proposal-") as scratch:
        tree = Path(scratch) / "tree"
        _git(["worktree", "add", "-q", "--detach", str(tree), base_tip], top)
        try:
            _build(tree, top, documents, base_tip, outcome)
            if outcome.problem is None and outcome.documents:
                _push(tree, remote, base_tip, branch_tip, outcome)
        finally:
            _git(["worktree", "remove", "--force", str(tree)], top, check=False)


def _build(
    tree: Path, top: Path, documents: list[DocumentChange], base_tip: str, outcome: ProposalOutcome
) -> None:
    relative: list[str] = []
    for document in documents:
        rel = document.path.resolve().relative_to(top).as_posix()
        if not (tree / rel).exists():
            outcome.problem = f"{rel} is not on {outcome.base}: commit it first; nothing pushed"
            return
        applied, problem = _replay(tree / rel, document, outcome.base)
        if problem is not None:
            outcome.problem = f"{rel}: {problem}; nothing pushed, nothing forced"
            return
        relative.append(rel)
        outcome.listed += [cell.describe(rel) for cell in applied]
        outcome.cells.update(cell.cell for cell in applied)
    _git(["add", "--", *relative], tree)
    if _run(["diff", "--cached", "--quiet"], tree).returncode != 0:
        count = len(relative)
        subject = f"tracker sync: {_what(outcome)} in {count} document(s)"
        message = "\n".join([subject, "", *outcome.listed])
        _git(["commit", "-q", "--no-verify", "-m", message], tree)
    outcome.documents = _git(["diff", "--name-only", base_tip, "HEAD"], tree).splitlines()


def _replay(
    target: Path, document: DocumentChange, base: str
) -> tuple[list[CellChange], str | None]:
    """Write the document's changed cells into the base's version of it, cell by cell:
    (the cells written, None) or ([], why not)."""
    from tracker.editor import DocumentEditor

    editor = DocumentEditor.open(
        target,
        key=document.key,
        status_words=document.status_words or None,
        limits=document.limits,
    )
    items = {item.id: item for item in editor.postmortem.items}
    applied = []
    for cell in document.cells:
        item = items.get(cell.item_id)
        if item is None:
            return [], f"the row of item {cell.item_id} is not on {base} any more"
        current = (item.raw.get(cell.cell) or "").strip()
        if current == cell.new:
            continue  # already there (merged, or written by hand)
        if current != cell.old:
            return [], (
                f"line {item.line}: the {cell.cell} cell on {base} now says {current!r} "
                f"(tracker would change {cell.old!r} to {cell.new!r})"
            )
        editor.set_cell(item.id, cell.cell, cell.value)
        applied.append(replace(cell, line=item.line))
    editor.save()
    return applied, None


def _push(
    tree: Path, remote: str, base_tip: str, branch_tip: str | None, outcome: ProposalOutcome
) -> None:
    """Push the rebuilt branch unless tracker's branch already holds the same content
    on the same base; the lease makes the push fail if the branch moved meanwhile."""
    if branch_tip is not None:
        follows_base = _is_ancestor(tree, base_tip, branch_tip)
        same = _git(["rev-parse", "HEAD^{tree}"], tree) == _git(
            ["rev-parse", f"{branch_tip}^{{tree}}"], tree
        )
        if follows_base and same:
            return
        outcome.rebased = not follows_base
    lease = f"--force-with-lease=refs/heads/{outcome.branch}:{branch_tip or ''}"
    _git(["push", "-q", "--no-verify", lease, remote, f"HEAD:refs/heads/{outcome.branch}"], tree)
    outcome.pushed = True


def _title_and_body(outcome: ProposalOutcome) -> tuple[str, str]:
    """The title counts the documents; the body lists every cell change on the branch
    (from its commits, so changes of earlier runs stay listed)."""
    count = len(outcome.documents)
    what = _what(outcome)
    title = f"tracker: {what} in {count} postmortem{'s' if count != 1 else ''}"
    body = "\n".join(
        [
            f"{what[0].upper()}{what[1:]} that `tracker sync` would write back, proposed for "
            "review instead of committed to the branch directly:",
            "",
            *outcome.listed,
            "",
            f"Branch `{outcome.branch}` belongs to tracker: each run rebuilds it on the newest "
            f"`{outcome.base}` and force-pushes it when its content changed (never any other "
            "branch); commits added to it by hand are not kept.",
        ]
    )
    return title, body


def _what(outcome: ProposalOutcome) -> str:
    """What the changes are, for the title and the commit's subject."""
    if "due" not in outcome.cells:
        return "ticket links and statuses"
    if outcome.cells == {"due"}:
        return "derived due dates"
    return "ticket links, statuses and derived due dates"


def _remote_default_branch(top: Path, remote: str) -> str:
    listed = _git(["ls-remote", "--symref", remote, "HEAD"], top)
    for line in listed.splitlines():
        if line.startswith("ref: refs/heads/") and line.endswith("\tHEAD"):
            return line[len("ref: refs/heads/") : -len("\tHEAD")]
    return "main"


def _remote_tips(top: Path, remote: str, branches: Sequence[str]) -> dict[str, str]:
    wanted = {f"refs/heads/{name}": name for name in branches}
    listed = _git(["ls-remote", remote, *wanted], top)
    tips = {}
    for line in listed.splitlines():
        sha, _, ref = line.partition("\t")
        if ref in wanted:
            tips[wanted[ref]] = sha
    return tips


def _is_ancestor(tree: Path, ancestor: str, descendant: str) -> bool:
    return _run(["merge-base", "--is-ancestor", ancestor, descendant], tree).returncode == 0


@cache
def _env(cwd: Path) -> Mapping[str, str]:
    """No prompts; a fallback identity only where git has none configured."""
    env = {**os.environ, "GIT_TERMINAL_PROMPT": "0"}
    ident = subprocess.run(
        ["git", "var", "GIT_COMMITTER_IDENT"], cwd=cwd, capture_output=True, check=False
    )
    if ident.returncode != 0:
        env.update(FALLBACK_IDENTITY)
    return env


def _run(args: Sequence[str], cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["git", "-c", "core.hooksPath=/dev/null", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
        env=_env(cwd),
    )


def _git(args: Sequence[str], cwd: Path, *, check: bool = True) -> str:
    done = _run(args, cwd)
    if check and done.returncode != 0:
        raise TrackerError(f"git {args[0]} failed: {done.stderr.strip() or done.stdout.strip()}")
    return done.stdout.strip()
