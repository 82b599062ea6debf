"""Finding postmortem files: folders are walked recursively, files taken as given.

Globs are matched against the path relative to the folder being scanned, `**` spanning
directories (`**/*.md` matches `a.md` and `x/y/a.md`). Hidden directories (`.git`,
`.venv` …) are never entered.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator, Sequence
from functools import cache
from pathlib import Path

from tracker.errors import TrackerError

DEFAULT_INCLUDE: tuple[str, ...] = ("**/*.md", "**/*.markdown")


@cache
def _glob_regex(pattern: str) -> re.Pattern[str]:
    out: list[str] = []
    index = 0
    while index < len(pattern):
        char = pattern[index]
        if pattern.startswith("**/", index):
            out.append("(?:.*/)?")
            index += 3
            continue
        if pattern.startswith("**", index):
            out.append(".*")
            index += 2
            continue
        if char == "*":
            out.append("[^/]*")
        elif char == "?":
            out.append("[^/]")
        else:
            out.append(re.escape(char))
        index += 1
    return re.compile("".join(out) + r"\Z")


def glob_match(relative: str, pattern: str) -> bool:
    """Does a POSIX relative path match a `**`-aware glob?"""
    return _glob_regex(pattern).match(relative) is not None


def _selected(relative: str, include: Sequence[str], exclude: Sequence[str]) -> bool:
    return any(glob_match(relative, p) for p in include) and not any(
        glob_match(relative, p) for p in exclude
    )


def discover(
    paths: Sequence[Path | str],
    *,
    include: Sequence[str] = DEFAULT_INCLUDE,
    exclude: Sequence[str] = (),
) -> Iterator[tuple[Path, Path | None]]:
    """Yield (file, root) pairs in sorted order; root is None for files given directly.

    A path that does not exist is a usage error (exit 2), raised before anything is
    yielded for it. Files named directly are taken even if the globs would skip them.
    """
    for given in paths:
        path = Path(given)
        if path.is_dir():
            found: list[tuple[str, Path]] = []
            for folder, dirs, files in os.walk(path):
                dirs[:] = sorted(d for d in dirs if not d.startswith("."))
                for name in files:
                    file = Path(folder) / name
                    relative = file.relative_to(path).as_posix()
                    if _selected(relative, include, exclude):
                        found.append((relative, file))
            for _, file in sorted(found):
                yield file, path
        elif path.exists():
            yield path, None
        else:
            raise TrackerError(f"no such file or directory: {given}")
