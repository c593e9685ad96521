"""The process-step locator of spec §3.4: which of the 16 steps a tracker is at.

The facts beyond the state (stall, quorum, release, cve.org) are gathered by the
caller; this is only the first-match table, so `show`, `list` and the dashboard
agree on one answer.

Readings taken (steward decisions where the table is terse): "closed `not planned`"
(row 3a) is the close reason, so a closed-not-planned tracker without a
disposition is `terminal`, not `repair`; "`cve allocated`, no PR" (rows 10–11) is
the state `cve-allocated`, which has no fix-axis label by definition; row 9
applies to any open state left at that point, `needs-triage` included.
"""

from __future__ import annotations

from dataclasses import dataclass

from steward.domain.labels import LabelContext
from steward.domain.lifecycle import State, TrackerFacts
from steward.domain.roles import CloseReason


@dataclass(frozen=True)
class StepFacts:
    state: State
    closed: bool = False
    close_reason: CloseReason | None = None
    credit_correction_pending: bool = False
    cve_org_published: bool = False
    release_shipped: bool = False
    gate_failing: bool = False
    """The §8.4 two-stage gate fails."""
    private_pr_recorded: bool = False
    public_pr: bool = False
    stalled: bool = False
    """No substantive comment for `disclosure.stall_days`."""
    decision_has_quorum: bool = False
    """A triage decision has quorum but is not applied yet."""
    substantive_comments: bool = False

    @classmethod
    def of(cls, tracker: TrackerFacts, ctx: LabelContext, **extra: bool) -> StepFacts:
        """Step facts for a tracker; `public_pr` defaults to its PR field being set."""
        extra.setdefault("public_pr", tracker.has_pr_url)
        return cls(tracker.state(ctx), tracker.closed, tracker.close_reason, **extra)


def locate_step(facts: StepFacts) -> str:
    """The step of the first matching §3.4 row."""
    s = facts.state
    if facts.closed:
        if facts.credit_correction_pending:
            return "16"
        if s is State.CLOSED_ANNOUNCED:
            return "done" if facts.cve_org_published else "post-15"
        if facts.close_reason is CloseReason.NOT_PLANNED:
            return "terminal"
        return "repair"
    if s is State.DRIFT:
        return "repair"
    if s is State.ANNOUNCED:
        return "14→15"
    if s is State.FIX_RELEASED:
        return "13"
    if s is State.PR_MERGED:
        return "12" if facts.release_shipped and facts.gate_failing else "11"
    if s is State.PR_CREATED:
        return "10"
    if facts.private_pr_recorded and not facts.public_pr:
        return "9"
    if s is State.CVE_ALLOCATED:
        return "4" if facts.stalled else "7"
    if s is State.ASSESSED:
        return "4" if facts.stalled else "6"
    if facts.decision_has_quorum:
        return "5"
    if facts.stalled:
        return "4"
    if facts.substantive_comments:
        return "3"
    return "1–2"
