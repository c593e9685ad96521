"""The CodeHost port: what steward reads about an upstream pull request, as plain frozen data.

steward never writes to the code host (no comment, label or review on a PR, spec §5.6, §5.14), so the
port has read operations only.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Literal, Protocol

from steward.errors import OperationFailed

PrState = Literal["open", "closed"]


class CodeHostError(OperationFailed):
    """The code host could not answer (network, rate limit, not found); exit 1 with the reason."""


@dataclass(frozen=True)
class Milestone:
    title: str
    due_on: date | None = None
    state: str = "open"


@dataclass(frozen=True)
class PullRequest:
    number: int
    title: str
    body: str
    state: PrState
    merged: bool
    merged_at: datetime | None
    author_login: str
    author_name: str | None
    files: tuple[str, ...]
    milestone: Milestone | None
    base: str


class CodeHost(Protocol):
    def get_pr(self, number: int) -> PullRequest:
        """The PR with its changed files and the author's display name; raises CodeHostError."""
        ...
