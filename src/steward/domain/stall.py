"""Stall escalation decisions of spec §8.9 (Step 4): which phase a quiet tracker has reached.

Everything arrives as plain facts (state, comments with a substantive flag, the dates of earlier
`Sync (Step 4 escalation)` rollup entries) so the decision is reproducible and testable without a store.

Clock rules (steward decisions where §8.9 leaves room):
- the stall clock runs from the last substantive comment, else from the tracker's creation, and is "stalled"
  once strictly more than `stall_days` have passed — the same comparison `services.facts.step_of` makes, so
  the §3.4 locator and this decision never disagree;
- an escalation entry counts only when its date is after the day of the last substantive comment (a reply
  on the same day as an escalation is taken to answer it), so a substantive reply restarts everything;
- rollup entries carry only a date, so the phase-2 clock counts calendar days: phase 2 is due once
  `escalation_phase2_days` calendar days have passed since the phase-1 entry.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Literal

from steward.domain.lifecycle import State
from steward.domain.rollup import RollupEntry

ESCALATION_ACTION = "Sync (Step 4 escalation)"
"""The rollup action each phase records once its drafts exist (§8.9)."""

STALL_STATES = frozenset({State.NEEDS_TRIAGE, State.ASSESSED, State.CVE_ALLOCATED})
STEWARD_PREFIX = "<!-- steward: "

Phase = Literal[0, 1, 2]


@dataclass(frozen=True)
class CommentFact:
    """One tracker comment or thread message, reduced to what the stall clock reads."""

    author: str
    created_at: datetime
    is_substantive: bool


@dataclass(frozen=True)
class StallDecision:
    """`phase` is the escalation level reached now; `drafts_due` says its drafts are still to be written."""

    phase: Phase
    days_stalled: int
    last_substantive: tuple[date, str] | None
    reason: str
    drafts_due: bool = False


def is_substantive(author: str, body: str, *, roster: Iterable[str], reporters: Iterable[str] = ()) -> bool:
    """§3.4: a roster member's comment or a reporter message that is not a steward marker comment."""
    if body.startswith(STEWARD_PREFIX):
        return False
    who = author.casefold()
    return who in {r.casefold() for r in roster} or who in {r.casefold() for r in reporters}


def is_stall_candidate(state: State, *, has_pr: bool) -> bool:
    """§8.9: `needs-triage`, `assessed`, and `cve-allocated` without a PR are escalated."""
    if state is State.CVE_ALLOCATED:
        return not has_pr
    return state in STALL_STATES


def escalation_dates(entries: Sequence[RollupEntry]) -> list[date]:
    """The dates of the rollup's `Sync (Step 4 escalation)` entries, oldest first."""
    return sorted(entry.date for entry in entries if entry.action == ESCALATION_ACTION)


def _last_substantive(comments: Sequence[CommentFact]) -> CommentFact | None:
    real = [c for c in comments if c.is_substantive]
    return max(real, key=lambda c: c.created_at) if real else None


def _who(author: str) -> str:
    return author if author.startswith("@") or "@" in author else f"@{author}"


def stall_decision(
    *,
    state: State,
    has_pr: bool,
    created_at: datetime,
    comments: Sequence[CommentFact],
    escalations: Sequence[date],
    now: datetime,
    stall_days: int = 30,
    phase2_days: int = 7,
) -> StallDecision:
    """The §8.9 phase of one tracker at `now`; `escalations` are the dates of earlier escalation rollup entries."""
    last = _last_substantive(comments)
    since = last.created_at if last is not None else created_at
    elapsed = now - since
    days = max(elapsed.days, 0)
    last_pair = (last.created_at.date(), last.author) if last is not None else None
    where = f"last substantive comment {last_pair[0].isoformat()} by {_who(last_pair[1])}" if last_pair else None
    clock = where or f"no substantive comment since the tracker was created {created_at.date().isoformat()}"

    if not is_stall_candidate(state, has_pr=has_pr):
        why = f"state {state.value} with a PR" if state is State.CVE_ALLOCATED else f"state {state.value}"
        return StallDecision(0, days, last_pair, f"{why} is not escalated for stalls (§8.9).")

    current = sorted(d for d in escalations if d > since.date())
    if not current:
        if elapsed > timedelta(days=stall_days):
            return StallDecision(
                1, days, last_pair, f"stalled {days} days ({clock}); phase-1 escalation drafts are due.", True
            )
        return StallDecision(0, days, last_pair, f"quiet for {days} days ({clock}), within {stall_days} days.")

    phase1 = current[0]
    if len(current) >= 2:
        return StallDecision(
            2, days, last_pair, f"phase-2 drafts exist since {current[1].isoformat()} ({clock}); nothing more is due."
        )
    waited = (now.date() - phase1).days
    if waited >= phase2_days:
        return StallDecision(
            2,
            days,
            last_pair,
            f"no substantive reply in {waited} days since the phase-1 drafts of {phase1.isoformat()} ({clock}); "
            "the phase-2 skeleton is due.",
            True,
        )
    return StallDecision(
        1,
        days,
        last_pair,
        f"phase-1 drafts exist since {phase1.isoformat()} ({clock}); phase 2 is due after {phase2_days} days.",
    )


__all__ = [
    "ESCALATION_ACTION",
    "STALL_STATES",
    "CommentFact",
    "Phase",
    "StallDecision",
    "escalation_dates",
    "is_stall_candidate",
    "is_substantive",
    "stall_decision",
]
