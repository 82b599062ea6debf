"""A documents repository for the `--pull-request` tests: the user's clone, its bare
`origin` (which the sandboxes serve as the hosted repository's branches) and a second
clone standing for colleagues who push to `main`."""

from __future__ import annotations

import subprocess
from pathlib import Path


def git(folder: Path, *args: str) -> str:
    return subprocess.run(
        ["git", *args], cwd=folder, capture_output=True, text=True, check=True
    ).stdout.strip()


class Docs:
    """The user's clone (`tree`, documents in `docs`), its bare `origin`, and a second clone that
    stands for other people pushing to `main`."""

    def __init__(
        self, tmp_path: Path, tree: Path, docs: Path, branch: str = "tracker/write-back"
    ) -> None:
        self.docs = docs
        self.branch = branch
        self.tree = tree
        self.origin = tmp_path / "origin.git"
        git(tmp_path, "init", "-q", "--bare", "-b", "main", str(self.origin))
        git(self.tree, "init", "-q", "-b", "main")
        self._identity(self.tree)
        (self.tree / ".gitignore").write_text(".tracker/\ntracker.toml\n")
        git(self.tree, "add", ".gitignore", "postmortems")
        git(self.tree, "commit", "-q", "-m", "postmortems")
        git(self.tree, "remote", "add", "origin", str(self.origin))
        git(self.tree, "push", "-q", "origin", "main")
        self.other = tmp_path / "colleague"
        git(tmp_path, "clone", "-q", str(self.origin), str(self.other))
        self._identity(self.other)

    @staticmethod
    def _identity(folder: Path) -> None:
        git(folder, "config", "user.email", "t@example.com")
        git(folder, "config", "user.name", "Test")

    def on_branch(self, path: str) -> str:
        return git(self.origin, "show", f"{self.branch}:{path}")

    def has_branch(self) -> bool:
        return bool(git(self.origin, "branch", "--list", self.branch))

    def colleague_pushes(self, path: str, edit: str, old: str | None = None) -> None:
        """Someone else edits `path` on main: replaces `old` by `edit`, or appends `edit`."""
        git(self.other, "pull", "-q", "origin", "main")
        file = self.other / path
        text = file.read_text(encoding="utf-8")
        file.write_text(text.replace(old, edit) if old else text + edit, encoding="utf-8")
        git(self.other, "commit", "-q", "-am", "colleague's edit")
        git(self.other, "push", "-q", "origin", "main")

    def snapshot(self) -> tuple[str, str, str, dict[str, bytes]]:
        """Everything the user owns: branch, HEAD, status and the documents' bytes."""
        files = {p.name: p.read_bytes() for p in sorted(self.docs.iterdir())}
        return (
            git(self.tree, "branch", "--show-current"),
            git(self.tree, "rev-parse", "HEAD"),
            git(self.tree, "status", "--porcelain"),
            files,
        )
