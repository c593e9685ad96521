"""One exception family whose class decides the exit code (spec G8).

Commands raise these instead of printing; the CLI turns each into one line and
its exit code, so the mapping lives in exactly one place.
"""

from __future__ import annotations


class StewardError(Exception):
    """Base class: a one-sentence message that says what was wrong, where, and how to fix it."""

    exit_code = 1


class OperationFailed(StewardError):
    """An operation failed for a reason outside the user's input (exit 1)."""

    exit_code = 1


class UsageError(StewardError):
    """Bad argv, `--body-file` content or a malformed selector (exit 2)."""

    exit_code = 2


class ConfigError(UsageError):
    """The project configuration is invalid (exit 2)."""


class NotFound(UsageError):
    """A tracker id or other named object does not exist (exit 2)."""


class Refused(StewardError):
    """A gate, blocker or lifecycle rule refused the change (exit 3)."""

    exit_code = 3


class BadStoredContent(Refused):
    """Stored tracker content cannot be read as the spec requires (exit 3)."""
