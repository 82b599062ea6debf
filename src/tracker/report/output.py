"""Writing a report file so a reader (a dashboard, a web server) never sees half of it."""

from __future__ import annotations

import os
import stat
import tempfile
from pathlib import Path

from tracker.errors import TrackerError

_KINDS = {
    stat.S_IFDIR: "a folder",
    stat.S_IFCHR: "a character device",
    stat.S_IFBLK: "a block device",
    stat.S_IFIFO: "a named pipe",
    stat.S_IFSOCK: "a socket",
}


def output_target(path: Path) -> Path:
    """The regular file a report goes to: a symlink is followed to the file it names,
    anything else that isn't a regular file (device, pipe, folder) is refused, so
    `--output /dev/full` can never turn a device into a file."""
    target = path.resolve() if path.is_symlink() else path
    try:
        mode = target.stat().st_mode
    except FileNotFoundError:
        mode = None
    except OSError as error:
        raise TrackerError(f"{path}: cannot use it ({error.strerror})") from None
    if mode is not None and not stat.S_ISREG(mode):
        kind = _KINDS.get(stat.S_IFMT(mode), "not a regular file")
        raise TrackerError(
            f"{path}: is {kind}, not a file",
            hint="give a file path, or leave out --output to print to standard output",
        )
    if not target.parent.is_dir():
        raise TrackerError(
            f"{path}: folder {target.parent} does not exist",
            hint="create the folder first",
        )
    return target


def write_atomically(path: Path, text: str) -> None:
    """Write to a temporary file beside the target, flush it to disk, then rename it over."""
    target = output_target(path)
    try:
        handle, temporary = tempfile.mkstemp(
            dir=target.parent, prefix=f".{target.name}.", suffix=".tmp"
        )
    except OSError as error:
        raise TrackerError(f"{path}: cannot write there ({error.strerror})") from None
    try:
        with os.fdopen(handle, "w", encoding="utf-8", newline="") as file:
            file.write(text)
            file.flush()
            os.fsync(file.fileno())
        os.chmod(temporary, 0o644)
        os.replace(temporary, target)
    except OSError as error:
        Path(temporary).unlink(missing_ok=True)
        raise TrackerError(f"{path}: cannot write it ({error.strerror})") from None
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
