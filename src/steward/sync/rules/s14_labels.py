"""S14: a §2.8 label invariant is broken ⇒ the repair, as one label change.

`repair_labels` is the whole decision. Each invariant is repaired toward the most advanced state the labels
already show (steward decisions): stacked fix-axis labels keep the latest step; a lone `announced*` label gets
its pair (close-out step 3 writes both); `needs triage` beside a fix or disposition label goes (the tracker moved
past triage); a disposition on a tracker not closed `not planned` goes; stacked dispositions keep the first in
§2.8 order; stacked TLP labels keep `TLP:CLEAR` once announced, else the most restrictive; a missing TLP label is
`disclosure.default_tlp`. What needs a human — stacked scopes (S15 split), a missing scope with several
configured, a `not planned` close without a disposition — is left and named in `unresolved`.
"""

from __future__ import annotations

from dataclasses import dataclass

from steward.domain.labels import LabelContext, invariant_violations
from steward.domain.lifecycle import CLEAR_TLP
from steward.domain.roles import ANNOUNCED_PAIR, DISPOSITIONS, FIX_AXIS, CloseReason, Label
from steward.sync.context import SyncContext
from steward.sync.facts import TrackerFacts
from steward.sync.items import Change, SyncItem, item_key


@dataclass(frozen=True)
class Repair:
    labels: frozenset[str]
    fixed: tuple[str, ...]
    """Invariant rule ids the repair clears."""
    unresolved: tuple[str, ...]
    """Rule ids only a human can clear; they stay broken."""


def _fix_axis(have: set[str], ctx: LabelContext) -> None:
    present = [ctx.of(r) for r in FIX_AXIS if ctx.of(r) in have]
    for name in present[:-1]:
        have.discard(name)


def _tlp(have: set[str], ctx: LabelContext, default_tlp: str) -> None:
    present = ctx.tlp_labels(have)
    if not present:
        have.add(default_tlp if default_tlp in ctx.tlp else ctx.tlp[0])
        return
    if len(present) == 1:
        return
    keep = CLEAR_TLP if ctx.announced(have) and CLEAR_TLP in present else present[0]
    have.difference_update(set(present) - {keep})


def _disposition(have: set[str], closed: bool, reason: CloseReason | None, ctx: LabelContext) -> None:
    present = [ctx.of(r) for r in DISPOSITIONS if ctx.of(r) in have]
    not_planned = closed and reason is CloseReason.NOT_PLANNED
    if present and not not_planned:
        have.difference_update(present)
    elif len(present) > 1:
        have.difference_update(present[1:])


def _scope(have: set[str], closed: bool, ctx: LabelContext) -> None:
    triage = ctx.of(Label.NEEDS_TRIAGE)
    if closed or triage in have or ctx.scope_labels(have):
        return
    if len(ctx.scopes) == 1:
        have.update(ctx.scopes)
    elif not ctx.fix_axis(have) and not ctx.dispositions(have):
        have.add(triage)


def repair_labels(
    labels: frozenset[str], closed: bool, reason: CloseReason | None, ctx: LabelContext, default_tlp: str
) -> Repair:
    before = {v.rule for v in invariant_violations(labels, closed, reason, ctx)}
    have = set(labels)
    have.add(ctx.of(Label.SECURITY_MARKER))
    _tlp(have, ctx, default_tlp)
    _fix_axis(have, ctx)
    announced = ctx.announced(have)
    if len(announced) == 1:
        have.update(ctx.of(r) for r in ANNOUNCED_PAIR)
    if ctx.has(have, Label.NEEDS_TRIAGE) and (ctx.fix_axis(have) or ctx.dispositions(have)):
        have.discard(ctx.of(Label.NEEDS_TRIAGE))
    _disposition(have, closed, reason, ctx)
    _scope(have, closed, ctx)
    result = frozenset(have)
    after = {v.rule for v in invariant_violations(result, closed, reason, ctx)}
    return Repair(result, tuple(sorted(before - after)), tuple(sorted(after)))


def s14_labels(facts: TrackerFacts, ctx: SyncContext) -> SyncItem | None:
    life = facts.life
    repair = repair_labels(life.labels, life.closed, life.close_reason, ctx.labels, ctx.default_tlp)
    added, removed = repair.labels - life.labels, life.labels - repair.labels
    if not added and not removed:
        return None
    change = [f"+{a}" for a in sorted(added)] + [f"-{r}" for r in sorted(removed)]
    notes = tuple(f"{rule} needs a human: see steward show {facts.number}" for rule in repair.unresolved)
    return SyncItem(
        facts.number,
        "S14",
        item_key(facts.number, "S14", ",".join(sorted(repair.labels))),
        f"labels: {', '.join(change)} (repairs {', '.join(repair.fixed) or 'drift'})",
        False,
        Change(add_labels=added, remove_labels=removed, board=True, notes=notes),
    )
