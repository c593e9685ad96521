"""§11.1 acknowledgement SLA: a report no roster member answered within `disclosure.ack_sla_hours`.

Acknowledged means a roster member's message on the tracker's threads after receipt, or any draft steward
wrote for the tracker (the receipt draft, or an assessment that answers the report), as the §11.1 dashboard
counts it. The flag is one rollup entry per crossing: the summary names the moment the SLA ran out, and once
a rollup entry carries that line the crossing is recorded, so it is proposed once.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from steward.sync.context import SyncContext
from steward.sync.facts import TrackerFacts
from steward.sync.items import Change, SyncItem, item_key


def _utc(moment: datetime) -> datetime:
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def ack_deadline(facts: TrackerFacts, ctx: SyncContext) -> datetime | None:
    """Receipt (the root message's date) plus the SLA; None without a dated thread."""
    root = facts.root_message
    if root is None or root.sent_at is None:
        return None
    return _utc(root.sent_at) + timedelta(hours=ctx.config.disclosure.ack_sla_hours)


def acknowledged(facts: TrackerFacts, ctx: SyncContext) -> bool:
    root = facts.root_message
    if facts.draft_templates or root is None or root.sent_at is None:
        return bool(facts.draft_templates)
    team = {e.casefold() for m in ctx.config.roster.members for e in m.emails}
    received = _utc(root.sent_at)
    return any(
        (m.from_addr or "").casefold() in team and m.sent_at is not None and _utc(m.sent_at) >= received
        for m in facts.messages
    )


def ack_line(deadline: datetime, hours: int) -> str:
    return f"acknowledgement SLA of {hours} hours ran out on {deadline.strftime('%Y-%m-%d %H:%M')} UTC"


def s21_ack_overdue(facts: TrackerFacts, ctx: SyncContext) -> SyncItem | None:
    deadline = ack_deadline(facts, ctx)
    if facts.life.closed or deadline is None or _utc(ctx.now) <= deadline or acknowledged(facts, ctx):
        return None
    line = ack_line(deadline, ctx.config.disclosure.ack_sla_hours)
    if any(line in text for entry in facts.rollup for text in (entry.headline, *entry.items)):
        return None
    return SyncItem(
        facts.number,
        "S21",
        item_key(facts.number, "S21", f"ack:{deadline.isoformat()}"),
        f"{line}, report not acknowledged",
        False,
        Change(notes=("acknowledge the report: draft the receipt to the reporter now (§11.1)",)),
    )
