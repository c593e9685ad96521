"""§8.9 stall escalation (Step 4): a quiet `needs-triage`, `assessed` or PR-less `cve-allocated` tracker gets drafts.

The phase comes from `steward.domain.stall.stall_decision` over the roster's statements, the reporter's later
messages and the dates of earlier `Sync (Step 4 escalation)` rollup entries; the drafts from
`steward.comms.escalation`. Both are pure, so the drafts are built while proposing: a refusal (a placeholder
address, a missing list) becomes a note instead of an item. Applying writes the drafts and the escalation rollup
entry, which starts the next clock, so a re-run finds nothing due (G4).
"""

from __future__ import annotations

from steward.comms.escalation import (
    EscalationDraft,
    StallFacts,
    phase1_drafts,
    phase2_drafts,
    skipped_audiences,
    tagging_candidates,
)
from steward.domain.stall import CommentFact, StallDecision, escalation_dates, stall_decision
from steward.errors import Refused, UsageError
from steward.sync.comments import roster_statements
from steward.sync.context import SyncContext
from steward.sync.facts import TrackerFacts
from steward.sync.items import Change, EscalationPlan, SyncItem, item_key
from steward.sync.network_facts import tracker_url
from steward.sync.route import counterpart

RULE = "S21"
ESCALATION = "Step 4 escalation"
"""The rule label apply turns into the `Sync (Step 4 escalation)` rollup action."""


def comment_facts(facts: TrackerFacts, ctx: SyncContext) -> list[CommentFact]:
    """Roster statements, plus the reporter's messages that arrived after the tracker was opened (§3.4)."""
    out = [CommentFact(c.author, c.created_at, True) for c in roster_statements(facts.comments, ctx)]
    root = facts.root_message
    reporter = (root.from_addr or "").casefold() if root is not None else ""
    for message in facts.messages:
        later = message.sent_at is not None and message.sent_at > facts.row.created_at
        if reporter and later and (message.from_addr or "").casefold() == reporter and message is not root:
            assert message.sent_at is not None
            out.append(CommentFact(message.from_name or message.from_addr or "reporter", message.sent_at, True))
    return out


def decision(facts: TrackerFacts, ctx: SyncContext) -> StallDecision:
    settings = ctx.config.disclosure
    return stall_decision(
        state=facts.state,
        has_pr=facts.pr_url is not None,
        created_at=facts.row.created_at,
        comments=comment_facts(facts, ctx),
        escalations=escalation_dates(facts.rollup),
        now=ctx.now,
        stall_days=settings.stall_days,
        phase2_days=settings.escalation_phase2_days,
    )


def stall_facts(facts: TrackerFacts, ctx: SyncContext, found: StallDecision) -> StallFacts:
    tlp = (ctx.labels.tlp_labels(facts.row.labels) or [ctx.default_tlp])[0]
    links = (facts.pr_url,) if facts.pr_url else ()
    return StallFacts(facts.number, facts.row.title, tracker_url(facts.number, ctx), tlp, found, facts.cve_id, links)


def clock_start(facts: TrackerFacts, found: StallDecision) -> str:
    return (found.last_substantive[0] if found.last_substantive else facts.row.created_at.date()).isoformat()


def build_drafts(facts: TrackerFacts, ctx: SyncContext, found: StallDecision) -> tuple[EscalationDraft, ...]:
    """Raises Refused or UsageError when a draft cannot be addressed or breaks the writing rules."""
    info = stall_facts(facts, ctx, found)
    if found.phase == 1:
        return phase1_drafts(info, config=ctx.config, counterpart=counterpart(facts, ctx))
    dates = escalation_dates(facts.rollup)
    participants = [m.from_name or m.from_addr or "" for m in facts.messages]
    candidates = tagging_candidates((), [m.handle for m in ctx.config.roster.members], participants)
    return phase2_drafts(info, config=ctx.config, phase1_date=dates[-1] if dates else None, candidates=candidates)


def _due(facts: TrackerFacts, ctx: SyncContext) -> StallDecision | None:
    if facts.life.closed:
        return None
    found = decision(facts, ctx)
    return found if found.drafts_due else None


def s21_stall(facts: TrackerFacts, ctx: SyncContext) -> SyncItem | None:
    found = _due(facts, ctx)
    if found is None:
        return None
    try:
        drafts = build_drafts(facts, ctx, found)
    except (Refused, UsageError):
        return None  # stall_notes says why
    if not drafts:
        return None  # nobody to write to: stall_notes names the keys to set; no rollup starts a clock for nothing
    start = clock_start(facts, found)
    audiences = ", ".join(d.audience for d in drafts)
    notes = tuple(skipped_audiences(ctx.config)) if found.phase == 1 else ()
    if found.phase == 1 and counterpart(facts, ctx) is None:
        notes += ("No reporter escalation draft: no reporter route for this tracker (§9.1).",)
    return SyncItem(
        facts.number,
        ESCALATION,
        item_key(facts.number, RULE, f"stall-phase{found.phase}:{start}"),
        f"stalled {found.days_stalled} days: phase-{found.phase} escalation drafts ({audiences})",
        False,
        Change(escalation=EscalationPlan(found.phase, start, drafts), notes=(found.reason, *notes)),
    )


def stall_notes(facts: TrackerFacts, ctx: SyncContext) -> list[str]:
    """Why due escalation drafts cannot be built (the fix is in the config), so the run says it every time."""
    found = _due(facts, ctx)
    if found is None:
        return []
    try:
        drafts = build_drafts(facts, ctx, found)
    except (Refused, UsageError) as exc:
        return [f"phase-{found.phase} escalation drafts due but not built: {exc}"]
    if drafts:
        return []
    missing = [*(skipped_audiences(ctx.config) if found.phase == 1 else ())]
    return [f"stalled {found.days_stalled} days, but no escalation draft has a recipient", *missing]
