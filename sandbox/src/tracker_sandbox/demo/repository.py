"""The demo folder as a git repository with a bare `origin`, like a postmortems repo.

`tracker sync --pull-request` pushes a branch to `origin` and opens a pull request on
the GitHub sandbox, which serves that bare repository's branches. The demo's own
commits ignore the user's global git setup (signing, hooks) so they cannot fail on it.
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

from tracker.errors import TrackerError

ORIGIN = "origin.git"
IGNORED = (".tracker/", "tracker.toml", "report.html", f"{ORIGIN}/")
# the demo's commits: no signing prompt, no user hooks, a fixed identity
_QUIET = ("-c", "commit.gpgsign=false", "-c", "core.hooksPath=/dev/null")


def git(folder: Path, *args: str) -> str:
    """Run git in `folder`; its output, stripped. A failure raises with git's message."""
    done = subprocess.run(
        ["git", *_QUIET, *args], cwd=folder, capture_output=True, text=True, check=False
    )
    if done.returncode != 0:
        raise TrackerError(f"git {' '.join(args)} failed in the demo folder: {done.stderr.strip()}")
    return done.stdout.strip()


def have_git() -> bool:
    """Whether git is installed (without it the demo skips its pull-request step)."""
    return shutil.which("git") is not None


def init_repository(folder: Path, documents: Path) -> Path:
    """Commit `documents` on `main` in `folder` and push it to a bare `origin` inside it
    (ignored); returns the bare repository's path."""
    origin = folder / ORIGIN
    git(folder, "init", "-q", "--bare", "-b", "main", str(origin))
    git(folder, "init", "-q", "-b", "main")
    git(folder, "config", "user.name", "Demo User")
    git(folder, "config", "user.email", "demo@example.com")
    (folder / ".gitignore").write_text("\n".join(IGNORED) + "\n", encoding="utf-8")
    git(folder, "add", ".gitignore", str(documents.relative_to(folder)))
    git(folder, "commit", "-q", "-m", "postmortems")
    git(folder, "remote", "add", "origin", str(origin))
    git(folder, "push", "-q", "origin", "main")
    return origin


def commit_and_push(folder: Path, documents: Path, message: str) -> str:
    """Commit every change under `documents` and push `main`; the commit's short id."""
    git(folder, "add", str(documents.relative_to(folder)))
    git(folder, "commit", "-q", "-m", message)
    git(folder, "push", "-q", "origin", "main")
    return git(folder, "rev-parse", "--short", "HEAD")
