"""Saving a document without ever overwriting someone else's edit.

`save_if_unchanged` writes the new bytes to a hidden temporary file beside the document
(`.NAME.p<pid>.XXXXXXXX.tmp`, fsynced, the document's mode), then puts it in place. A plain
check-then-rename leaves a window: an edit landing between the last check and the
rename is silently replaced. So on Linux the two names are *exchanged*
(`renameat2(RENAME_EXCHANGE)`, atomic): afterwards the temporary name holds exactly
what the document was at the instant of the swap. If those are the bytes that were
read, the swap stands and the old bytes are deleted; if not, someone edited in the
window: the names are exchanged back (their edit is the document again), tracker's
bytes are deleted and the save is refused with StaleDocumentError. Nothing is ever
half-written. An advisory lock would not do: editors don't take it.

Where the exchange is not available (other systems, some network filesystems) the
last check sits right before the rename: the window shrinks to microseconds but is
not closed.

A process killed mid-save leaves its temporary file behind; `leftover_temp_files`
finds those (tracker's own name pattern, beside an existing document, written by a
process that no longer runs — or, without that, a minute old) for the next sync run to
remove under its run lock.
"""

from __future__ import annotations

import ctypes
import errno
import hashlib
import os
import re
import signal
import sys
import tempfile
from collections.abc import Callable
from functools import cache
from pathlib import Path

from tracker.errors import StaleDocumentError

TEMP_SUFFIX = ".tmp"
# tempfile's names: the prefix (`.NAME.p<pid>.`), 8 random characters from [a-z0-9_], the
# suffix. The saving process's id says at once whether a save can still be live.
_TEMP_NAME = re.compile(
    r"^\.(?P<name>.+?)(?:\.p(?P<pid>[0-9]+))?\.[a-z0-9_]{8}" + re.escape(TEMP_SUFFIX) + "$"
)
LEFTOVER_AGE_SECONDS = 60.0  # a live save keeps its temporary file for milliseconds
CRASH_HOOK_ENV = "TRACKER_TEST_CRASH_AFTER"  # "save": killed with the temporary file written
_AT_FDCWD = -100
_RENAME_EXCHANGE = 2


def save_if_unchanged(
    path: Path,
    data: bytes,
    *,
    read_sha256: str,
    before_replace: Callable[[], None] | None = None,
) -> None:
    """Replace `path` by `data` if it still has the bytes whose sha256 is `read_sha256`.

    Raises StaleDocumentError (and leaves the file as it is) otherwise. `before_replace`
    runs between the last check and the swap: a seam for tests to land an edit there.
    A symlinked document is written through to the file it names: the link stays a link.
    """
    if path.is_symlink():
        path = path.resolve()
    check_unchanged(path, read_sha256)
    mode = path.stat().st_mode & 0o7777
    handle, name = tempfile.mkstemp(
        dir=path.parent, prefix=f".{path.name}.p{os.getpid()}.", suffix=TEMP_SUFFIX
    )
    temporary = Path(name)
    try:
        with os.fdopen(handle, "wb") as stream:
            stream.write(data)
            stream.flush()
            os.fsync(stream.fileno())
        os.chmod(temporary, mode)
        if os.environ.get(CRASH_HOOK_ENV) == "save":  # the kill test's hook (README)
            os.kill(os.getpid(), signal.SIGKILL)
        check_unchanged(path, read_sha256)
        _swap_in(temporary, path, read_sha256, data, before_replace)
    finally:
        if _digest(temporary) in (hashlib.sha256(data).hexdigest(), read_sha256):
            temporary.unlink(missing_ok=True)  # tracker's bytes, or the old ones: not needed


def check_unchanged(path: Path, read_sha256: str) -> None:
    if _digest(path) != read_sha256:
        raise StaleDocumentError(
            f"{path} changed since it was read; not written",
            hint="re-run to pick up the new content",
        )


def _swap_in(
    temporary: Path,
    path: Path,
    read_sha256: str,
    data: bytes,
    before_replace: Callable[[], None] | None,
) -> None:
    if before_replace is not None:
        before_replace()
    try:
        exchanged = _exchange(temporary, path)
    except FileNotFoundError:
        raise StaleDocumentError(f"{path} was removed while saving; not written") from None
    if not exchanged:
        check_unchanged(path, read_sha256)
        os.replace(temporary, path)
        return
    if _digest(temporary) == read_sha256:
        return  # what the swap replaced is what was read
    _exchange(temporary, path)  # their edit is the document again
    kept = ""
    if _digest(temporary) != hashlib.sha256(data).hexdigest():  # a second edit, even
        second = path.with_name(f"{path.name}.{temporary.name[-12:-4]}.kept")
        os.replace(temporary, second)  # out of the leftover pattern: never cleaned up
        kept = f" (an edit made meanwhile is kept as {second})"
    raise StaleDocumentError(
        f"{path} was edited while tracker saved it; their edit kept, tracker's not written{kept}",
        hint="re-run to write it on top of the edit",
    )


def _exchange(first: Path, second: Path) -> bool:
    """Atomically swap two names; False when the system or filesystem can't."""
    rename = _renameat2()
    if rename is None:
        return False
    done = rename(_AT_FDCWD, os.fsencode(first), _AT_FDCWD, os.fsencode(second), _RENAME_EXCHANGE)
    if done == 0:
        return True
    code = ctypes.get_errno()
    if code in (errno.ENOSYS, errno.EINVAL, errno.EOPNOTSUPP, errno.EXDEV):
        return False
    raise OSError(code, os.strerror(code), str(second))


@cache
def _renameat2() -> Callable[..., int] | None:
    if not sys.platform.startswith("linux"):
        return None
    try:
        function = ctypes.CDLL(None, use_errno=True).renameat2
    except (OSError, AttributeError):
        return None
    function.argtypes = [
        ctypes.c_int,
        ctypes.c_char_p,
        ctypes.c_int,
        ctypes.c_char_p,
        ctypes.c_uint,
    ]
    function.restype = ctypes.c_int
    return function


def _digest(path: Path) -> str | None:
    try:
        return hashlib.sha256(path.read_bytes()).hexdigest()
    except FileNotFoundError:
        return None


def leftover_temp_files(folder: Path, *, now: float | None = None) -> list[Path]:
    """Temporary files of saves that never finished: tracker's own name pattern, beside
    a document that exists, and either saved by a process that is gone or (names without
    a process id, or an id now reused) untouched for a minute. Ages are measured on the
    filesystem's clock (`now`, else a probe file's mtime), the clock mtimes come from."""
    found = []
    clock: list[float] = [] if now is None else [now]
    for entry in sorted(folder.iterdir()) if folder.is_dir() else []:
        match = _TEMP_NAME.match(entry.name)
        if match is None or not (folder / match["name"]).is_file() or not entry.is_file():
            continue
        if _abandoned(entry, match["pid"], clock=clock):
            found.append(entry)
    return found


def _abandoned(entry: Path, pid: str | None, *, clock: list[float]) -> bool:
    saver = int(pid) if pid else None
    if saver is not None and saver != os.getpid() and not _alive(saver):
        return True
    if not clock:
        clock.append(_filesystem_now(entry.parent))
    return clock[0] - entry.stat().st_mtime >= LEFTOVER_AGE_SECONDS


def _filesystem_now(folder: Path) -> float:
    """The time the filesystem stamps on a file written now (a network share's clock
    may not be this machine's)."""
    with tempfile.NamedTemporaryFile(dir=folder, prefix=".tracker-clock.") as probe:
        return os.fstat(probe.fileno()).st_mtime


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except (PermissionError, OverflowError):
        return True  # someone else's process (or a number no process can have: keep it)
    return True
