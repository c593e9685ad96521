"""The invalidation hard stops and reporter path of spec §6.3, and the dedupe blockers of §6.2.

Closing a tracker whose CVE record is live, or whose advisory already shipped,
would leave a public record pointing at a "not a vulnerability" tracker, so
these checks run before anything else and say exactly what clears them. They
are tables of facts → result; the commands turn a result into a refusal, a
question or a no-op.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Literal

from steward.domain.labels import LabelContext
from steward.domain.lifecycle import RecordState, TrackerFacts
from steward.domain.roles import Label
from steward.domain.threads import Ambiguous, LegacyThread, Sentinel, Thread, ThreadRef, parse_threads, primary_thread


@dataclass(frozen=True)
class Stop:
    """A hard stop: `rule` is a stable id, `clears` says what would let the command proceed."""

    rule: str
    message: str
    clears: str
    escalate_to: str | None = None


@dataclass(frozen=True)
class Ask:
    """The record state is unknown: the operator confirms (or retracts first) before anything applies."""

    rule: str
    message: str
    clears: str


@dataclass(frozen=True)
class NoOp:
    """The tracker is already closed: nothing to do, exit 0."""

    rule: str
    message: str


StopResult = Stop | Ask | NoOp | None


def invalidation_stop(
    record_state: RecordState | None,
    labels: Iterable[str],
    closed: bool,
    ctx: LabelContext,
    has_cve: bool,
    *,
    tracker_id: str = "ID",
    escalation_contact: str | None = None,
) -> StopResult:
    """The first §6.3 row that applies to `--invalid`, `--not-cve-worthy` or `--wontfix`; None means proceed.

    `record_state` None means the record was not read: unknown with a CVE, none without.
    """
    have = frozenset(labels)
    if closed:
        return NoOp("H-closed", f"tracker {tracker_id} is already closed; nothing to do.")
    shipped = [*ctx.announced(have), *([ctx.of(Label.FIX_RELEASED)] if ctx.has(have, Label.FIX_RELEASED) else [])]
    contact = escalation_contact or "governance.escalation_contact"
    if shipped:
        return Stop(
            "H-shipped",
            f"tracker {tracker_id} carries {shipped[0]!r}: the fix or advisory has shipped, so it cannot be closed "
            f"as invalid; escalate to {contact}.",
            f"a governance decision via {contact}",
            escalation_contact,
        )
    cve = has_cve or ctx.has(have, Label.CVE_ALLOCATED)
    record = record_state if record_state is not None else (RecordState.UNKNOWN if cve else RecordState.NONE)
    retract = f"steward cve retract {tracker_id} --reason TEXT"
    if record in (RecordState.ALLOCATED, RecordState.REVIEW_READY):
        return Stop(
            "H-retract-first",
            f"the CVE record of tracker {tracker_id} is {record.value}; retract first ({retract}), which needs the "
            "governance gate.",
            retract,
        )
    if record in (RecordState.PUBLISH_READY, RecordState.PUBLIC):
        return Stop(
            "H-escalate",
            f"the CVE record of tracker {tracker_id} is {record.value}; retracting it is a governance escalation, "
            f"not a command: escalate to {contact}.",
            f"a governance decision via {contact}",
            escalation_contact,
        )
    if record is RecordState.UNKNOWN and cve:
        hint = (
            f"the labels show {ctx.of(Label.CVE_ALLOCATED)!r}, so the record is probably allocated"
            if ctx.has(have, Label.CVE_ALLOCATED)
            else "the tracker names a CVE id"
        )
        return Ask(
            "H-unknown",
            f"the CVE record state of tracker {tracker_id} could not be read and {hint}; check it in the CNA tool, "
            f"then confirm, or retract first ({retract}).",
            "operator confirmation that the record is not live",
        )
    return None


PathKind = Literal["draft", "primary", "none", "ask"]


@dataclass(frozen=True)
class ReporterPath:
    """Where the negative-assessment draft goes: `draft`/`primary` carry the thread; `none` and `ask` do not."""

    kind: PathKind
    thread: Thread | None
    message: str
    candidates: tuple[Thread, ...] = ()


def reporter_path(security_thread_value: str | None) -> ReporterPath:
    """§6.3: one thread ⇒ draft; several ⇒ the primary thread (§9.3); a sentinel ⇒ no mail; empty ⇒ ask."""
    lines = parse_threads(security_thread_value)
    threads = [line for line in lines if isinstance(line, ThreadRef | LegacyThread)]
    if len(threads) == 1:
        return ReporterPath("draft", threads[0], "one thread: the draft replies on it.")
    if threads:
        primary = primary_thread(threads)
        if isinstance(primary, Ambiguous):
            return ReporterPath(
                "ask",
                None,
                "several direct threads and no relay annotation; name the primary thread with N:edit email=<text>.",
                primary.candidates,
            )
        return ReporterPath("primary", primary, "several threads: the draft replies on the primary thread (§9.3).")
    if any(isinstance(line, Sentinel) for line in lines):
        return ReporterPath("none", None, "the tracker has no mail thread (sentinel); no reporter mail.")
    if lines:
        return ReporterPath("ask", None, "the security-thread field names no thread; ask who the reporter is.")
    return ReporterPath("ask", None, "the security-thread field is empty; ask who the reporter is.")


@dataclass(frozen=True)
class DedupeSide:
    """One tracker of a dedupe pair: its facts and when it was opened (the older side is kept)."""

    facts: TrackerFacts
    created_at: datetime

    def has_cve(self, ctx: LabelContext) -> bool:
        return self.facts.has_cve_id or ctx.has(self.facts.labels, Label.CVE_ALLOCATED)

    @property
    def ref(self) -> str:
        return self.facts.ref


@dataclass(frozen=True)
class Blocker:
    """A §6.2 blocker; `keep` names the tracker number to keep when the pair is the wrong way round."""

    rule: str
    message: str
    keep: int | None = None


_RECORD_RANK = {
    RecordState.ALLOCATED: 1,
    RecordState.REVIEW_READY: 2,
    RecordState.PUBLISH_READY: 3,
    RecordState.PUBLIC: 4,
}


def keep_side(a: DedupeSide, b: DedupeSide, ctx: LabelContext) -> DedupeSide:
    """§6.2: the side with a CVE; both with CVEs ⇒ the further record state; otherwise (or tied) the older."""
    a_cve, b_cve = a.has_cve(ctx), b.has_cve(ctx)
    if a_cve != b_cve:
        return a if a_cve else b
    if a_cve:
        rank_a = _RECORD_RANK.get(a.facts.record_state or RecordState.UNKNOWN, 0)
        rank_b = _RECORD_RANK.get(b.facts.record_state or RecordState.UNKNOWN, 0)
        if rank_a != rank_b:
            return a if rank_a > rank_b else b
    if a.created_at != b.created_at:
        return a if a.created_at < b.created_at else b
    return b if (b.facts.number or 0) < (a.facts.number or 0) else a


def _why_keep(right: DedupeSide, wrong: DedupeSide, ctx: LabelContext) -> str:
    if right.has_cve(ctx) != wrong.has_cve(ctx):
        return "it has the CVE"
    ranks = [_RECORD_RANK.get(side.facts.record_state or RecordState.UNKNOWN, 0) for side in (right, wrong)]
    if right.has_cve(ctx) and ranks[0] != ranks[1]:
        return "its CVE record is further along"
    return "it is the older report"


def dedupe_blockers(
    keep: DedupeSide, drop: DedupeSide, ctx: LabelContext, acting_user_passes_gate: bool
) -> list[Blocker]:
    """Every §6.2 blocker for `steward dedupe KEEP DROP`, in the spec's order; empty means the pair may merge."""
    blockers: list[Blocker] = []
    pair = (keep, drop)
    if keep.facts.number is not None and keep.facts.number == drop.facts.number:
        return [Blocker("D-same", f"KEEP and DROP are both {keep.ref}; name two different trackers.")]
    right = keep_side(keep, drop, ctx)
    if right is drop:
        why = _why_keep(drop, keep, ctx)
        blockers.append(
            Blocker(
                "D-keep-side",
                f"keep {drop.ref}, not {keep.ref} ({why}): run steward dedupe {drop.facts.id} {keep.facts.id}.",
                drop.facts.number,
            )
        )
    for side in pair:
        if side.facts.closed:
            blockers.append(Blocker("D-closed", f"{side.ref} is closed; dedupe needs two open trackers."))
    if set(ctx.scope_labels(keep.facts.labels)) != set(ctx.scope_labels(drop.facts.labels)):
        blockers.append(
            Blocker(
                "D-scope",
                f"{keep.ref} and {drop.ref} carry different scope labels; split the tracker "
                "(steward triage ID --split SCOPE,SCOPE) instead of merging.",
            )
        )
    for side in pair:
        if ctx.has(side.facts.labels, Label.DUPLICATE):
            blockers.append(Blocker("D-duplicate", f"{side.ref} is already a duplicate; dedupe against its kept side."))
    for side in pair:
        announced = ctx.announced(side.facts.labels)
        if announced:
            blockers.append(
                Blocker("D-announced", f"{side.ref} carries {announced[0]!r}; a shipped advisory is never merged.")
            )
    for side in pair:
        state = side.facts.record_state
        if state in (RecordState.PUBLISH_READY, RecordState.PUBLIC):
            assert state is not None
            blockers.append(
                Blocker(
                    "D-record",
                    f"the CVE record of {side.ref} is {state.value} (§3.3); escalate to "
                    "governance.escalation_contact instead.",
                )
            )
    if keep.has_cve(ctx) and drop.has_cve(ctx) and not acting_user_passes_gate:
        blockers.append(
            Blocker(
                "D-gate",
                "both trackers have CVEs and merging retracts the dropped one; ask a member who passes "
                "governance.cve_allocation_gate (§7.1).",
            )
        )
    return blockers
