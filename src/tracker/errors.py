"""Errors the CLI turns into one clear line and an exit code, never a traceback."""

from __future__ import annotations


class TrackerError(Exception):
    """A problem the user can fix; `exit_code` follows the CLI's convention.

    0 success, 1 some items failed or a gate tripped, 2 configuration or usage error,
    3 another run holds the lock.
    """

    exit_code: int = 2

    def __init__(self, message: str, *, exit_code: int | None = None, hint: str | None = None):
        super().__init__(message)
        self.message = message
        self.hint = hint
        if exit_code is not None:
            self.exit_code = exit_code

    def __str__(self) -> str:
        return f"{self.message} ({self.hint})" if self.hint else self.message


class ConfigError(TrackerError):
    """The configuration file or environment is wrong."""


class StoreError(TrackerError):
    """The database can't be opened, is corrupt, or has a newer schema."""


class LockHeldError(TrackerError):
    """Another run is working on the same store."""

    exit_code = 3


class StaleDocumentError(TrackerError):
    """A document changed on disk after it was read; the write was refused."""

    exit_code = 1
