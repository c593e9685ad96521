"""§8.13 pre-flight classifier for `sync --all`: cheap metadata decides how much of sync a tracker needs.

First match wins: named explicitly ⇒ dispatch; a human last comment within 24 h ⇒ dispatch-urgent (listed
first); updated within 7 days with a human last comment ⇒ dispatch; closed over `cve_org_check_days` (90) ago ⇒
skip; closed over 30 days ago, `announced`, cve.org publication recorded ⇒ skip; `pr merged` whose last comment is
steward's or a bot's ⇒ release-watch (only §8.6 release detection); `fix released` likewise ⇒ archive-watch
(only the §8.8 close-out); otherwise dispatch. A watch whose signal fires is promoted to a full dispatch by the
caller. Pure: the caller passes the comments and rollup it read.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import timedelta
from enum import StrEnum

from steward import ids
from steward.domain.fields import BodyFormatError, field_value, parse_fields
from steward.domain.roles import Field, Label
from steward.domain.rollup import RollupEntry
from steward.store import CommentRow, TrackerRow

from .context import SyncContext
from .network_facts import publication_recorded

URGENT_WINDOW = timedelta(hours=24)
RECENT_WINDOW = timedelta(days=7)
ANNOUNCED_QUIET = timedelta(days=30)
STEWARD_PREFIX = "<!-- steward: "


class Dispatch(StrEnum):
    DISPATCH = "dispatch"
    URGENT = "dispatch-urgent"
    SKIP = "skip"
    RELEASE_WATCH = "release-watch"
    ARCHIVE_WATCH = "archive-watch"


@dataclass(frozen=True)
class Verdict:
    kind: Dispatch
    reason: str


def is_steward_or_bot(comment: CommentRow, ctx: SyncContext) -> bool:
    """A `tracker.bot_logins` login, a `*[bot]` login, or a comment that starts with steward's marker."""
    login = comment.author.removeprefix("@").casefold()
    bots = {b.removeprefix("@").casefold() for b in ctx.config.tracker.bot_logins}
    return login in bots or login.endswith("[bot]") or comment.body.lstrip().startswith(STEWARD_PREFIX)


def _cve(row: TrackerRow, ctx: SyncContext) -> str | None:
    if row.cve_id:
        return row.cve_id
    try:
        parsed = parse_fields(row.body, ctx.headings)
    except BodyFormatError:
        return None  # gather reports the bad body
    return ids.first_cve(field_value(parsed, Field.CVE_TOOL_LINK) or "")


def classify(
    row: TrackerRow,
    comments: Sequence[CommentRow],
    rollup: Sequence[RollupEntry],
    ctx: SyncContext,
    *,
    named: bool = False,
) -> Verdict:
    if named:
        return Verdict(Dispatch.DISPATCH, "named explicitly")
    last = comments[-1] if comments else None
    human = last is not None and not is_steward_or_bot(last, ctx)
    if human and last is not None and ctx.now - last.created_at <= URGENT_WINDOW:
        return Verdict(Dispatch.URGENT, f"human comment by {last.author} within 24 hours")
    if human and ctx.now - row.updated_at <= RECENT_WINDOW:
        return Verdict(Dispatch.DISPATCH, "updated within 7 days, human last comment")
    if not row.is_open and row.closed_at is not None:
        days = ctx.config.disclosure.cve_org_check_days
        if ctx.now - row.closed_at > timedelta(days=days):
            return Verdict(Dispatch.SKIP, f"closed more than {days} days ago")
        announced = ctx.labels.of(Label.ANNOUNCED) in row.labels
        if ctx.now - row.closed_at > ANNOUNCED_QUIET and announced and publication_recorded(rollup, _cve(row, ctx)):
            return Verdict(Dispatch.SKIP, "closed more than 30 days ago, announced, cve.org publication recorded")
    quiet = last is not None and not human
    if quiet and row.is_open and ctx.labels.of(Label.PR_MERGED) in row.labels:
        return Verdict(Dispatch.RELEASE_WATCH, "pr merged, last comment by steward or a bot")
    if quiet and row.is_open and ctx.labels.of(Label.FIX_RELEASED) in row.labels:
        return Verdict(Dispatch.ARCHIVE_WATCH, "fix released, last comment by steward or a bot")
    return Verdict(Dispatch.DISPATCH, "default")
