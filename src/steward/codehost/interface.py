"""The CodeHost port: what steward reads about an upstream pull request, as plain frozen data.

steward never writes to the code host (no comment, label or review on a PR, spec §5.6, §5.14), so the
port has read operations only.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Literal, Protocol

from steward.errors import OperationFailed

PrState = Literal["open", "closed"]

_SHA = re.compile(r"[0-9a-fA-F]{7,40}")
_REF = re.compile(r"[A-Za-z0-9_][A-Za-z0-9_./-]{0,199}")


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
    created_at: datetime | None = None
    url: str = ""


@dataclass(frozen=True)
class Commit:
    """A default-branch commit; `files` are the changed paths the adapter could see (see each adapter)."""

    sha: str
    summary: str
    url: str
    committed_at: datetime
    files: tuple[str, ...] = ()


def check_base(base: str) -> str:
    """`base` when it looks like a commit sha or a ref name; it reaches git and URLs, so reject anything else.

    Options (`-x`), ranges (`a..b`), reflog syntax (`@{`) and whitespace never pass.
    """
    if _SHA.fullmatch(base) or (_REF.fullmatch(base) and ".." not in base and not base.endswith((".", "/", ".lock"))):
        return base
    raise CodeHostError(
        f"the base commit {base[:80]!r} is neither a hex commit sha nor a ref name; pass the scan commit's sha."
    )


class CodeHost(Protocol):
    def get_pr(self, number: int) -> PullRequest:
        """The PR with its changed files and the author's display name; raises CodeHostError."""
        ...

    def search_prs(self, terms: Sequence[str], *, since: date, limit: int = 30) -> list[PullRequest]:
        """PRs open, or merged on or after `since`, whose text matches any of `terms` (spec §5.6).

        Search results carry no changed files, base branch or author display name: those stay empty.
        An empty `terms` searches nothing and returns []. Raises CodeHostError.
        """
        ...

    def commits_since(self, base: str, paths: Sequence[str], *, limit: int = 100) -> list[Commit]:
        """Default-branch commits after `base` (a sha or ref) touching any of `paths`, newest first.

        Empty `paths` means every commit after `base` (spec §5.16, "fixed on the default branch since the
        scan commit"). Raises CodeHostError, also for a `base` that is not a sha or ref name.
        """
        ...
