"""Which tracker comments count, and as what (§2.6, §1.1): markers only from trusted authors on line 1, and
statements only from roster members in comments that are not steward's own marker comments."""

from __future__ import annotations

from collections.abc import Sequence

from steward.domain.markers import comment_marker
from steward.store import CommentRow

from .context import SyncContext


def roster(ctx: SyncContext) -> set[str]:
    return {m.handle.removeprefix("@").casefold() for m in ctx.config.roster.members}


def trusted_authors(ctx: SyncContext) -> list[str]:
    return [m.handle for m in ctx.config.roster.members] + list(ctx.config.tracker.bot_logins) + [ctx.identity]


def is_marker_comment(comment: CommentRow, ctx: SyncContext) -> bool:
    return comment_marker(comment.body, comment.author, trusted_authors(ctx)) is not None


def roster_statements(comments: Sequence[CommentRow], ctx: SyncContext) -> list[CommentRow]:
    """Comments by roster members that are not steward marker comments, oldest first."""
    members = roster(ctx)
    return [c for c in comments if c.author.removeprefix("@").casefold() in members and not is_marker_comment(c, ctx)]


def marker_comment(comments: Sequence[CommentRow], ctx: SyncContext, name: str) -> CommentRow | None:
    """The trusted comment whose line-1 marker is `name` (the first, if several)."""
    trusted = trusted_authors(ctx)
    for comment in comments:
        marker = comment_marker(comment.body, comment.author, trusted)
        if marker is not None and marker.name == name:
            return comment
    return None
