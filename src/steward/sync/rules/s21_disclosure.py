"""§8.10 disclosure window flags on open trackers (age from the root message's date, else the creation date).

`overdue_for_disclosure` ⇒ one rollup entry per crossing: the item's key and summary name the day the window
was crossed, and once a rollup entry carries that line the crossing is recorded, so it is proposed once.
`grace_period_expired` ⇒ the disclosure-overdue comment, posted once and updated in place; its text names the
deadline, not the age, so it does not change every day.
"""

from __future__ import annotations

from datetime import date, timedelta

from steward.domain.disclosure_flags import DisclosureFlags, disclosure_flags, received_day
from steward.domain.markers import render_marker
from steward.sync.comments import marker_comment
from steward.sync.context import SyncContext
from steward.sync.facts import TrackerFacts
from steward.sync.items import Change, MarkerComment, SyncItem, item_key

DISCLOSURE_OVERDUE = "disclosure-overdue"


def flags(facts: TrackerFacts, ctx: SyncContext) -> DisclosureFlags:
    root = facts.root_message
    return disclosure_flags(
        received=root.sent_at if root is not None else None,
        created=facts.row.created_at,
        labels=facts.row.labels,
        settings=ctx.config.disclosure,
        now=ctx.now,
        ctx=ctx.labels,
    )


def crossing_day(facts: TrackerFacts, ctx: SyncContext) -> date:
    """The first day the report was past the window (age > window_days)."""
    root = facts.root_message
    start = received_day(root.sent_at if root is not None else None, facts.row.created_at)
    return start + timedelta(days=ctx.config.disclosure.window_days + 1)


def overdue_line(day: date, window: int) -> str:
    return f"disclosure window of {window} days crossed on {day.isoformat()}"


def s21_overdue(facts: TrackerFacts, ctx: SyncContext) -> SyncItem | None:
    if facts.life.closed or not flags(facts, ctx).overdue_for_disclosure:
        return None
    line = overdue_line(crossing_day(facts, ctx), ctx.config.disclosure.window_days)
    if any(line in text for entry in facts.rollup for text in (entry.headline, *entry.items)):
        return None
    return SyncItem(
        facts.number,
        "S21",
        item_key(facts.number, "S21", f"overdue:{crossing_day(facts, ctx).isoformat()}"),
        f"{line}, not announced",
        False,
        Change(
            notes=("recommend an extended-timeline note to the reporter, or advisory-only disclosure (§8.10)",),
        ),
    )


def overdue_body(facts: TrackerFacts, ctx: SyncContext) -> str:
    settings = ctx.config.disclosure
    deadline = flags(facts, ctx).deadline
    return "\n".join(
        [
            render_marker(DISCLOSURE_OVERDUE),
            f"**Disclosure overdue.** The fix has landed, and the {settings.window_days}-day window and its "
            f"{settings.grace_period_days}-day grace period ended on {deadline.isoformat()} without an advisory.",
            "",
            "Publish the advisory now, or agree an extended timeline with the reporter and record it here.",
        ]
    )


def s21_grace(facts: TrackerFacts, ctx: SyncContext) -> SyncItem | None:
    if facts.life.closed or not flags(facts, ctx).grace_period_expired:
        return None
    body = overdue_body(facts, ctx)
    existing = marker_comment(facts.comments, ctx, DISCLOSURE_OVERDUE)
    if existing is not None and existing.body == body:
        return None
    return SyncItem(
        facts.number,
        "S21",
        item_key(facts.number, "S21", f"grace:{flags(facts, ctx).deadline.isoformat()}"),
        f"grace period expired on {flags(facts, ctx).deadline.isoformat()}: "
        f"{'update' if existing else 'post'} the disclosure-overdue comment",
        False,
        Change(comments=(MarkerComment(DISCLOSURE_OVERDUE, body),)),
    )


def window_notes(facts: TrackerFacts, ctx: SyncContext) -> list[str]:
    """`approaching_window_end` is an observation (§8.10): listed each run while the report is not yet overdue."""
    found = flags(facts, ctx)
    if facts.life.closed or not found.approaching_window_end or found.overdue_for_disclosure:
        return []
    if ctx.labels.announced(facts.row.labels):
        return []
    window = ctx.config.disclosure.window_days
    return [f"approaching the end of the {window}-day disclosure window: report is {found.age_days} days old"]
