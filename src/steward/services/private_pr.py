"""Private fix PRs recorded on a tracker (spec §11.8, §3.4 row 9), read from trusted marker comments.

Kept apart from `fix_commands` so the step locator (`services/facts`) can read the fact without importing the
command that writes it.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from steward.domain.markers import comment_marker
from steward.store import CommentRow

PRIVATE_MARKER = "private-fix-pr"
PR_URL = re.compile(r"https?://(?:www\.)?github\.com/(?P<repo>[A-Za-z0-9_.-]+/[A-Za-z0-9_.-]+)/pull/(?P<n>[0-9]+)/?")


def private_urls(comments: Iterable[CommentRow], trusted: Iterable[str]) -> list[str]:
    """Private PRs recorded on the tracker (marker on line 1 of a trusted comment), oldest first."""
    handles = list(trusted)
    found: list[str] = []
    for comment in comments:
        marker = comment_marker(comment.body, comment.author, handles)
        if marker is None or marker.name != PRIVATE_MARKER:
            continue
        hit = PR_URL.search(comment.body)
        if hit is not None and hit.group(0) not in found:
            found.append(hit.group(0))
    return found


def private_pr_recorded(comments: Iterable[CommentRow], trusted: Iterable[str]) -> bool:
    """The §3.4 row-9 fact (`StepFacts.private_pr_recorded`)."""
    return bool(private_urls(comments, trusted))
