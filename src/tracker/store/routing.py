"""Which team a postmortem belongs to, and who its owners really are.

Routing order (CONFIG_SPEC): the document's front matter `team:` wins, then the first
team whose path glob matches the document, then the team most of the document's owners
belong to, else `unassigned`. Owners are resolved through [[people]] first, so `@jane`
and `Jane Doe` count as one person everywhere.
"""

from __future__ import annotations

import contextlib
import re
from collections import Counter
from collections.abc import Iterable
from functools import lru_cache
from pathlib import Path

from tracker.config import UNASSIGNED_TEAM, Config
from tracker.model import Postmortem


@lru_cache(maxsize=512)
def glob_pattern(glob: str) -> re.Pattern[str]:
    """A regex for a path glob: `*` and `?` stay within one folder, `**` spans folders.

    A glob ending in `/` means everything under that folder.
    """
    if glob.endswith("/"):
        glob += "**"
    parts: list[str] = []
    index = 0
    while index < len(glob):
        if glob.startswith("**/", index):
            parts.append("(?:.*/)?")
            index += 3
        elif glob.startswith("**", index):
            parts.append(".*")
            index += 2
        elif glob[index] == "*":
            parts.append("[^/]*")
            index += 1
        elif glob[index] == "?":
            parts.append("[^/]")
            index += 1
        else:
            parts.append(re.escape(glob[index]))
            index += 1
    return re.compile("".join(parts) + r"\Z")


def path_matches(path: str, glob: str) -> bool:
    return glob_pattern(glob.removeprefix("./")).match(path) is not None


def _candidate_paths(path: str, base_dir: Path) -> list[str]:
    """The document path as written and relative to the config's folder, POSIX style."""
    as_posix = Path(path).as_posix()
    candidates = [as_posix.removeprefix("./")]
    absolute = Path(path) if Path(path).is_absolute() else Path.cwd() / path
    with contextlib.suppress(ValueError):
        candidates.append(absolute.resolve().relative_to(base_dir.resolve()).as_posix())
    return candidates


class Router:
    """Routes documents to teams and owner names to canonical person names."""

    def __init__(self, config: Config):
        self.config = config
        self._team_by_lower = {team.name.casefold(): team.name for team in config.teams}
        self._teams_of_person: dict[str, list[str]] = {}
        for team in config.teams:
            for member in team.members:
                person = config.people.canonical(member)
                self._teams_of_person.setdefault(person, []).append(team.name)

    def canonical_owners(self, owners: Iterable[str]) -> list[str]:
        """Owners as canonical person names, each once, in the order written."""
        seen: dict[str, None] = {}
        for owner in owners:
            name = self.config.people.canonical(owner)
            if name:
                seen.setdefault(name, None)
        return list(seen)

    def team_for(self, postmortem: Postmortem, owners: Iterable[str] = ()) -> str:
        """The team that owns a document (see the module docstring for the order)."""
        if postmortem.team and postmortem.team.strip():
            written = postmortem.team.strip()
            return self._team_by_lower.get(written.casefold(), written)
        candidates = _candidate_paths(postmortem.path, self.config.base_dir)
        for team in self.config.teams:
            if any(path_matches(path, glob) for glob in team.paths for path in candidates):
                return team.name
        votes: Counter[str] = Counter()
        for owner in owners:
            for team_name in self._teams_of_person.get(owner, ()):
                votes[team_name] += 1
        if votes:
            order = {team.name: index for index, team in enumerate(self.config.teams)}
            return min(votes, key=lambda name: (-votes[name], order[name]))
        return UNASSIGNED_TEAM
