"""The lifecycle state machine of spec §3: states from labels, transitions as data, and their label effects.

Every state is a function of the label set and the close state (first matching
row of §3.1), so steward stores no state of its own and a hand-edited tracker is
read the same way as one steward wrote. Each transition's label effect is a pure
function that checks the guard facts the tracker itself holds; facts from outside
(quorum, the §7.1 gate, what sync saw upstream) arrive as booleans, so the
commands decide *whether* to ask and this module decides *what* changes.

Steward decisions beyond the spec text, each needed to keep the §2.8 invariants:
T6 also removes `needs triage` (never beside a disposition); T17 also removes a
fix-axis label a duplicate kept (never beside `needs triage`; sync re-proposes
the fix after T4).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from enum import StrEnum

from steward.domain.labels import LabelContext, invariant_violations
from steward.domain.roles import ANNOUNCED_PAIR, DISPOSITIONS, FIX_AXIS, CloseReason, Label
from steward.errors import Refused, UsageError


class State(StrEnum):
    """§3.1 state ids, as `--state` and JSON carry them."""

    CLOSED_ANNOUNCED = "closed-announced"
    CLOSED_INVALID = "closed-invalid"
    CLOSED_NOT_CVE_WORTHY = "closed-not-cve-worthy"
    CLOSED_DUPLICATE = "closed-duplicate"
    CLOSED_WONTFIX = "closed-wontfix"
    DRIFT = "drift"
    ANNOUNCED = "announced"
    FIX_RELEASED = "fix-released"
    PR_MERGED = "pr-merged"
    PR_CREATED = "pr-created"
    NEEDS_TRIAGE = "needs-triage"
    CVE_ALLOCATED = "cve-allocated"
    ASSESSED = "assessed"


class RecordState(StrEnum):
    """The CVE record's own axis (§3.1), read through the CNA adapter."""

    NONE = "none"
    ALLOCATED = "allocated"
    REVIEW_READY = "review-ready"
    PUBLISH_READY = "publish-ready"
    PUBLIC = "public"
    RETRACTED = "retracted"
    UNKNOWN = "unknown"


DISPOSITION_STATE: dict[Label, State] = {
    Label.INVALID: State.CLOSED_INVALID,
    Label.NOT_CVE_WORTHY: State.CLOSED_NOT_CVE_WORTHY,
    Label.DUPLICATE: State.CLOSED_DUPLICATE,
    Label.WONTFIX: State.CLOSED_WONTFIX,
}
CLOSED_DISPOSITION_STATES = frozenset(DISPOSITION_STATE.values())
CLOSED_STATES = CLOSED_DISPOSITION_STATES | {State.CLOSED_ANNOUNCED}
OPEN_STATES = frozenset(
    {
        State.ANNOUNCED,
        State.FIX_RELEASED,
        State.PR_MERGED,
        State.PR_CREATED,
        State.NEEDS_TRIAGE,
        State.CVE_ALLOCATED,
        State.ASSESSED,
    }
)
"""`drift` is in neither set: it is closed (row 3) or open (row 9); ask `TrackerFacts.is_open`."""

_FIX_STATE = {Label.FIX_RELEASED: State.FIX_RELEASED, Label.PR_MERGED: State.PR_MERGED, Label.PR_OPEN: State.PR_CREATED}


def state_row(labels: Iterable[str], closed: bool, close_reason: CloseReason | None, ctx: LabelContext) -> int:
    """The number of the first §3.1 row that matches; rows 3 and 9 are both `drift`."""
    have = frozenset(labels)
    if closed:
        if close_reason is CloseReason.COMPLETED and ctx.has(have, Label.ANNOUNCED):
            return 1
        if close_reason is CloseReason.NOT_PLANNED and len(ctx.dispositions(have)) == 1:
            return 2
        return 3
    if ctx.has(have, Label.ANNOUNCED):
        return 4
    if ctx.fix_axis(have):
        return 5
    if ctx.has(have, Label.NEEDS_TRIAGE):
        return 6
    if ctx.has(have, Label.CVE_ALLOCATED):
        return 7
    if ctx.scope_labels(have):
        return 8
    return 9


def state_of(labels: Iterable[str], closed: bool, close_reason: CloseReason | None, ctx: LabelContext) -> State:
    """The §3.1 state: the first matching row, so every label set has exactly one."""
    have = frozenset(labels)
    row = state_row(have, closed, close_reason, ctx)
    if row == 1:
        return State.CLOSED_ANNOUNCED
    if row == 2:
        (name,) = ctx.dispositions(have)
        role = ctx.names.role_of(name)
        assert role is not None
        return DISPOSITION_STATE[role]
    if row == 4:
        return State.ANNOUNCED
    if row == 5:
        return next(_FIX_STATE[r] for r in (Label.FIX_RELEASED, Label.PR_MERGED, Label.PR_OPEN) if ctx.has(have, r))
    return {6: State.NEEDS_TRIAGE, 7: State.CVE_ALLOCATED, 8: State.ASSESSED}.get(row, State.DRIFT)


@dataclass(frozen=True)
class TrackerFacts:
    """What the tracker itself says, as far as transition guards need it."""

    labels: frozenset[str]
    closed: bool = False
    close_reason: CloseReason | None = None
    has_pr_url: bool = False
    """`pr-with-fix` holds a PR URL."""
    has_cve_id: bool = False
    """`cve-tool-link` holds a valid CVE id (G7)."""
    record_state: RecordState | None = None
    """The CNA record state when the caller read it; None when not read."""
    number: int | None = None
    """The tracker number, only for messages."""

    @property
    def is_open(self) -> bool:
        return not self.closed

    def state(self, ctx: LabelContext) -> State:
        return state_of(self.labels, self.closed, self.close_reason, ctx)

    def scope_count(self, ctx: LabelContext) -> int:
        return len(ctx.scope_labels(self.labels))

    def apply(self, effect: Effect) -> TrackerFacts:
        return replace(self, labels=effect.labels, closed=effect.closed, close_reason=effect.close_reason)

    @property
    def ref(self) -> str:
        return f"#{self.number}" if self.number is not None else "the tracker"

    @property
    def id(self) -> str:
        """The id as a command argument in hints."""
        return str(self.number) if self.number is not None else "ID"


@dataclass(frozen=True)
class Effect:
    """The result of one transition: the new label set and close state."""

    transition: str
    labels: frozenset[str]
    closed: bool
    close_reason: CloseReason | None
    added: frozenset[str]
    removed: frozenset[str]

    @property
    def changed(self) -> bool:
        return bool(self.added or self.removed)


def _effect(
    facts: TrackerFacts,
    transition: str,
    *,
    add: Iterable[str] = (),
    remove: Iterable[str] = (),
    closed: bool | None = None,
    close_reason: CloseReason | None = None,
) -> Effect:
    remove_set = frozenset(remove)
    labels = (facts.labels - remove_set) | frozenset(add)
    now_closed = facts.closed if closed is None else closed
    reason = (facts.close_reason if closed is None else close_reason) if now_closed else None
    return Effect(transition, labels, now_closed, reason, labels - facts.labels, facts.labels - labels)


@dataclass(frozen=True)
class Transition:
    """One row of the §3.2 table. `from_states` is empty for creation (∅)."""

    id: str
    from_states: frozenset[State]
    to: frozenset[State]
    trigger: str
    guard: str
    effect: str


_T5_FROM = frozenset({State.NEEDS_TRIAGE, State.ASSESSED, State.CVE_ALLOCATED, State.PR_CREATED, State.PR_MERGED})
_T6_FROM = _T5_FROM | {State.FIX_RELEASED}
_T7_FROM = frozenset({State.ASSESSED, State.PR_CREATED, State.PR_MERGED})
_T8_FROM = frozenset({State.ASSESSED, State.CVE_ALLOCATED})
_T12_FROM = frozenset({State.FIX_RELEASED, State.ANNOUNCED})
_ANNOUNCED_CLOSED = frozenset({State.CLOSED_ANNOUNCED})
_NEW = frozenset({State.NEEDS_TRIAGE})


def _t(tid: str, frm: Iterable[State], to: Iterable[State], *text: str) -> Transition:
    trigger, guard, effect = text
    return Transition(tid, frozenset(frm), frozenset(to), trigger, guard, effect)


TRANSITIONS: tuple[Transition, ...] = (
    _t("T1", (), _NEW, "import mail", "class imports (§5.7); no exact duplicate; not rejected",
       "create; +needs triage +security issue +TLP; board; rollup; receipt draft"),
    _t("T2", (), _NEW, "import md / import scan / new", "parses; scan bucket import-as-tracker",
       "as T1, no reporter draft"),
    _t("T3", (), (State.PR_CREATED, State.PR_MERGED), "import pr",
       "upstream PR; one scope; milestone resolvable; PR untracked",
       "+scope +fix label +security issue +TLP; never needs triage; no outreach"),
    _t("T4", _NEW, (State.ASSESSED, State.CVE_ALLOCATED), "triage --valid --scope S",
       "quorum (§6.1); exactly one scope", "-needs triage +scope; board; draft report-accepted"),
    _t("T5", _T5_FROM, (State.CLOSED_INVALID, State.CLOSED_NOT_CVE_WORTHY, State.CLOSED_WONTFIX),
       "triage --invalid/--not-cve-worthy/--wontfix", "quorum; CVE hard stops (§6.3)",
       "+disposition -needs triage -scope -pr created -pr merged; close not planned (§6.3)"),
    _t("T6", _T6_FROM, (State.CLOSED_DUPLICATE,), "dedupe KEEP DROP", "§6.2 blockers",
       "+duplicate -needs triage; close not planned (§6.2)"),
    _t("T7", _T7_FROM, (State.CVE_ALLOCATED, State.PR_CREATED, State.PR_MERGED), "cve allocate + valid id",
       "§7.1 gate and blockers; valid CVE id in cve-tool-link", "+cve allocated (§7.2)"),
    _t("T8", _T8_FROM, (State.PR_CREATED,), "fix link, or sync sees an open upstream PR", "PR on <upstream>",
       "PR field; +pr created; assignee; draft fix-pr-opened"),
    _t("T9", (State.PR_CREATED,), (State.PR_MERGED,), "sync sees the PR merged", "merged into its base",
       "-pr created +pr merged; milestone; stage-1 check; draft fix-pr-merged"),
    _t("T10", (State.PR_CREATED,), (State.ASSESSED, State.CVE_ALLOCATED), "sync: PR closed unmerged, no other PR",
       "—", "-pr created; URL kept with (closed unmerged); ask owner"),
    _t("T11", (State.PR_MERGED,), (State.FIX_RELEASED,), "sync detects the release (§8.6)",
       "two-stage gate (§8.4)", "-pr merged +fix released -rc voting; assignee → RM; hand-off comment"),
    _t("T12", _T12_FROM, (State.ANNOUNCED, State.CLOSED_ANNOUNCED), "sync finds the advisory archived",
       "archive URL for this CVE", "+announced* -fix released, TLP → TLP:CLEAR; close completed (§8.8)"),
    _t("T13", _ANNOUNCED_CLOSED, _ANNOUNCED_CLOSED, "sync sees cve.org PUBLISHED", "not yet recorded",
       "draft cve-published; rollup"),
    _t("T14", _ANNOUNCED_CLOSED, _ANNOUNCED_CLOSED, "credit", "RM or governance member", "§8.11"),
    _t("T15", OPEN_STATES, OPEN_STATES, "sync: stall", "§8.9", "escalation drafts"),
    _t("T16", OPEN_STATES, OPEN_STATES, "sync: several scopes", "confirmed", "scope split (§6.4)"),
    _t("T17", CLOSED_DISPOSITION_STATES, _NEW, "triage --reopen --reason TEXT",
       "roster member; not closed-announced", "-disposition -fix label; reopen; +needs triage"),
)  # fmt: skip
TRANSITION_BY_ID = {t.id: t for t in TRANSITIONS}

DISPOSITION_FROM: dict[Label, frozenset[State]] = {
    Label.INVALID: _T5_FROM,
    Label.NOT_CVE_WORTHY: _T5_FROM,
    Label.WONTFIX: _T5_FROM,
    Label.DUPLICATE: _T6_FROM,
}
"""§3.3: which open states each closing disposition may leave from (all close as `not planned`)."""

_SHIPPED = frozenset({RecordState.PUBLISH_READY, RecordState.PUBLIC})


def _require_state(facts: TrackerFacts, ctx: LabelContext, tid: str, hint: str = "") -> State:
    state = facts.state(ctx)
    allowed = TRANSITION_BY_ID[tid].from_states
    if state not in allowed:
        names = " or ".join(sorted(s.value for s in allowed))
        raise Refused(f"{tid} applies to {names} trackers; {facts.ref} is {state.value}{hint}.")
    return state


def _check_tlp(ctx: LabelContext, tlp: str) -> None:
    if tlp not in ctx.tlp:
        raise UsageError(f"{tlp!r} is not a TLP label; use one of {', '.join(ctx.tlp)}.")


def created_labels(ctx: LabelContext, tlp: str) -> frozenset[str]:
    """T1/T2 (import mail, md, scan, `new`): `needs triage`, `security issue` and the TLP label."""
    _check_tlp(ctx, tlp)
    return frozenset({ctx.of(Label.NEEDS_TRIAGE), ctx.of(Label.SECURITY_MARKER), tlp})


def import_pr_labels(
    ctx: LabelContext, scope: str, merged: bool, tlp: str, *, untracked: bool, milestone_resolvable: bool
) -> frozenset[str]:
    """T3: scope, the fix label, `security issue` and TLP; never `needs triage`."""
    _check_tlp(ctx, tlp)
    if scope not in ctx.scopes:
        raise Refused(f"T3 needs exactly one configured scope; {scope!r} is not in scope_detection.labels.")
    if not untracked:
        raise Refused("T3 refused: a tracker already references this PR; pass --force to import it again.")
    if not milestone_resolvable:
        raise Refused("T3 refused: the milestone cannot be resolved (§2.9); create the milestone first.")
    fix = ctx.of(Label.PR_MERGED if merged else Label.PR_OPEN)
    return frozenset({scope, fix, ctx.of(Label.SECURITY_MARKER), tlp})


def triage_valid_effect(facts: TrackerFacts, ctx: LabelContext, scope: str | None, *, quorum: bool) -> Effect:
    """T4: −`needs triage` +scope. The tracker ends with exactly one scope label, from `scope` or already present."""
    _require_state(facts, ctx, "T4")
    if scope is not None and scope not in ctx.scopes:
        raise Refused(f"T4 needs a configured scope; {scope!r} is not in scope_detection.labels.")
    scopes = set(ctx.scope_labels(facts.labels)) | ({scope} if scope else set())
    if len(scopes) != 1:
        if not scopes:
            raise Refused("T4 needs exactly one scope label; add one with --scope.")
        raise Refused(
            f"T4 needs exactly one scope label; {facts.ref} would carry {', '.join(sorted(scopes))}; "
            f"change the existing one with steward label {facts.id} or drop --scope."
        )
    if not quorum:
        raise Refused(
            f"T4 needs triage quorum (§6.1) on the newest VALID proposal; collect concurrences "
            f"(steward triage {facts.id} --concur) or use --force --reason TEXT."
        )
    return _effect(facts, "T4", add=scopes, remove=[ctx.of(Label.NEEDS_TRIAGE)])


def check_disposition(facts: TrackerFacts, ctx: LabelContext, disposition: Label) -> None:
    """§3.3: refuse a closing disposition once the advisory shipped or from a state it may not leave."""
    if disposition not in DISPOSITION_FROM:
        raise UsageError(
            f"{disposition.value} is not a closing disposition; use invalid, not CVE worthy, duplicate or wontfix."
        )
    tid = "T6" if disposition is Label.DUPLICATE else "T5"
    announced = ctx.announced(facts.labels)
    if announced:
        raise Refused(
            f"{tid} refused: {facts.ref} carries {announced[0]!r} (§3.3); retracting a shipped advisory is a "
            "governance escalation, not a command."
        )
    if facts.record_state in _SHIPPED:
        assert facts.record_state is not None
        raise Refused(
            f"{tid} refused: the CVE record is {facts.record_state.value} (§3.3); escalate to "
            "governance.escalation_contact."
        )
    state = facts.state(ctx)
    if state not in DISPOSITION_FROM[disposition]:
        raise Refused(
            f"{tid} refused: {ctx.of(disposition)!r} closes only open trackers from needs-triage through "
            f"{'fix-released' if tid == 'T6' else 'pr-merged'}; {facts.ref} is {state.value}."
        )


def close_effect(
    facts: TrackerFacts,
    ctx: LabelContext,
    disposition: Label,
    *,
    quorum: bool,
    unknown_record_confirmed: bool = False,
) -> Effect:
    """T5 (`--invalid`, `--not-cve-worthy`, `--wontfix`): the §6.3 hard stops and label effect."""
    if disposition not in (Label.INVALID, Label.NOT_CVE_WORTHY, Label.WONTFIX):
        raise UsageError(f"T5 closes as invalid, not CVE worthy or wontfix, not {disposition.value}; use dedupe.")
    if facts.closed:
        return _effect(facts, "T5")
    if ctx.has(facts.labels, Label.FIX_RELEASED):
        raise Refused(
            f"T5 refused: {facts.ref} carries {ctx.of(Label.FIX_RELEASED)!r}, a shipped fix (§6.3); "
            "escalate to governance.escalation_contact."
        )
    check_disposition(facts, ctx, disposition)
    if not quorum:
        raise Refused(
            f"T5 needs triage quorum (§6.1) on a proposal whose class maps to this flag; collect concurrences "
            f"(steward triage {facts.id} --concur) or use --force --reason TEXT."
        )
    has_cve = facts.has_cve_id or ctx.has(facts.labels, Label.CVE_ALLOCATED)
    record = facts.record_state
    if record is None:
        record = RecordState.UNKNOWN if has_cve else RecordState.NONE
    if record in (RecordState.ALLOCATED, RecordState.REVIEW_READY):
        raise Refused(
            f"T5 refused: the CVE record is {record.value} (§6.3); retract it first with "
            f"steward cve retract {facts.id} --reason TEXT."
        )
    if record is RecordState.UNKNOWN and has_cve and not unknown_record_confirmed:
        raise Refused(
            f"T5 refused: the CVE record state of {facts.ref} is unknown (§6.3); check it in the CNA tool and "
            "confirm, or retract it first."
        )
    remove = [ctx.of(Label.NEEDS_TRIAGE), ctx.of(Label.PR_OPEN), ctx.of(Label.PR_MERGED)]
    remove += ctx.scope_labels(facts.labels)
    return _effect(
        facts, "T5", add=[ctx.of(disposition)], remove=remove, closed=True, close_reason=CloseReason.NOT_PLANNED
    )


def duplicate_effect(facts: TrackerFacts, ctx: LabelContext, *, pair_clear: bool) -> Effect:
    """T6 on the dropped tracker: +`duplicate`, −`needs triage`, close `not planned`.

    `pair_clear` says the §6.2 blockers that need the kept tracker passed (scopes
    equal, kept side open, governance gate when both have CVEs).
    """
    if facts.closed:
        raise Refused(f"T6 refused: {facts.ref} is already closed (§6.2); dedupe needs two open trackers.")
    if ctx.has(facts.labels, Label.DUPLICATE):
        raise Refused(f"T6 refused: {facts.ref} is already a duplicate (§6.2).")
    check_disposition(facts, ctx, Label.DUPLICATE)
    if not pair_clear:
        raise Refused("T6 refused by a §6.2 blocker on the pair; resolve it (split, or keep the other side) first.")
    return _effect(
        facts,
        "T6",
        add=[ctx.of(Label.DUPLICATE)],
        remove=[ctx.of(Label.NEEDS_TRIAGE)],
        closed=True,
        close_reason=CloseReason.NOT_PLANNED,
    )


def cve_allocated_effect(facts: TrackerFacts, ctx: LabelContext, *, gate_passed: bool) -> Effect:
    """T7 (§7.2 step 2): +`cve allocated` once a valid id is in `cve-tool-link`; the §7.1 blockers apply."""
    cve = ctx.of(Label.CVE_ALLOCATED)
    if facts.closed:
        raise Refused(f"T7 refused: {facts.ref} is closed (§7.1); reopen it first.")
    if ctx.has(facts.labels, Label.CVE_ALLOCATED):
        raise Refused(f"T7 refused: {facts.ref} already carries {cve!r} (§7.1).")
    if ctx.has(facts.labels, Label.DUPLICATE):
        raise Refused(f"T7 refused: {facts.ref} is a duplicate (§7.1); allocate on the kept tracker.")
    if ctx.has(facts.labels, Label.NEEDS_TRIAGE):
        raise Refused(
            f"T7 refused: {facts.ref} still needs triage (§7.1); decide it first with "
            f"steward triage {facts.id} --valid --scope S."
        )
    if facts.scope_count(ctx) != 1:
        raise Refused(f"T7 needs exactly one scope label (§7.1); {facts.ref} has {facts.scope_count(ctx)}.")
    _require_state(facts, ctx, "T7")
    if not facts.has_cve_id:
        raise Refused(
            f"T7 needs a valid CVE id in 'CVE tool link'; set it with steward cve allocate {facts.id} --cve-id CVE-…."
        )
    if not gate_passed:
        raise Refused("T7 needs governance.cve_allocation_gate (§7.1); ask a member who passes it.")
    return _effect(facts, "T7", add=[cve])


def pr_created_effect(facts: TrackerFacts, ctx: LabelContext) -> Effect:
    """T8: +`pr created` once the PR URL is in `pr-with-fix`; never before the validity decision."""
    hint = ""
    if facts.state(ctx) is State.NEEDS_TRIAGE:
        hint = f" (fix progress waits for the validity decision: steward triage {facts.id} --valid --scope S)"
    _require_state(facts, ctx, "T8", hint)
    if not facts.has_pr_url:
        raise Refused(f"T8 needs a PR URL in 'PR with the fix'; run steward fix link {facts.id} URL.")
    return _effect(facts, "T8", add=[ctx.of(Label.PR_OPEN)])


def pr_merged_effect(facts: TrackerFacts, ctx: LabelContext, *, merged: bool) -> Effect:
    """T9: swap `pr created` → `pr merged`."""
    _require_state(facts, ctx, "T9")
    if not merged:
        raise Refused(f"T9 needs the PR merged into its base; run steward sync {facts.id} once it is.")
    return _effect(facts, "T9", add=[ctx.of(Label.PR_MERGED)], remove=[ctx.of(Label.PR_OPEN)])


def pr_closed_unmerged_effect(facts: TrackerFacts, ctx: LabelContext, *, other_pr: bool) -> Effect:
    """T10: −`pr created`, back to the previous state."""
    _require_state(facts, ctx, "T10")
    if other_pr:
        raise Refused("T10 refused: another PR for the fix is open; link it with steward fix link instead.")
    return _effect(facts, "T10", remove=[ctx.of(Label.PR_OPEN)])


def fix_released_effect(facts: TrackerFacts, ctx: LabelContext, *, released: bool, gate_passed: bool) -> Effect:
    """T11: swap `pr merged` → `fix released` and drop `rc voting`."""
    _require_state(facts, ctx, "T11")
    if not released:
        raise Refused(f"T11 needs the release detected (§8.6); run steward sync {facts.id} --released VERSION.")
    if not gate_passed:
        raise Refused("T11 needs the two-stage gate (§8.4); fill the fields listed in the fill-fields comment.")
    remove = [ctx.of(Label.PR_MERGED), ctx.of(Label.RC_VOTING)]
    return _effect(facts, "T11", add=[ctx.of(Label.FIX_RELEASED)], remove=remove)


CLEAR_TLP = "TLP:CLEAR"


def close_out_effect(facts: TrackerFacts, ctx: LabelContext, *, archived: bool, close: bool = True) -> Effect:
    """T12 (§8.8 steps 3 and 8): +both `announced*`, −`fix released`, TLP → `TLP:CLEAR`, close `completed`.

    `close=False` stops after step 3 (publication pending), leaving the tracker in `announced`.
    """
    _require_state(facts, ctx, "T12")
    if not archived:
        raise Refused("T12 needs the advisory archived for this CVE (§8.8); pass --advisory-url URL if it is.")
    add = [*(ctx.of(r) for r in ANNOUNCED_PAIR), CLEAR_TLP]
    remove = [ctx.of(Label.FIX_RELEASED), *ctx.tlp_labels(facts.labels)]
    if close:
        return _effect(facts, "T12", add=add, remove=remove, closed=True, close_reason=CloseReason.COMPLETED)
    return _effect(facts, "T12", add=add, remove=remove)


def cve_published_check(facts: TrackerFacts, ctx: LabelContext, *, recorded: bool) -> Effect:
    """T13: no label effect; refused once the publication is already recorded."""
    _require_state(facts, ctx, "T13")
    if recorded:
        raise Refused(f"T13 refused: the cve.org publication of {facts.ref} is already recorded in the rollup.")
    return _effect(facts, "T13")


def credit_check(facts: TrackerFacts, ctx: LabelContext, *, authorised: bool) -> Effect:
    """T14: no label effect; only the RM or a governance member corrects credits."""
    _require_state(facts, ctx, "T14")
    if not authorised:
        raise Refused("T14 needs the release manager or a governance member (§8.11).")
    return _effect(facts, "T14")


def stall_check(facts: TrackerFacts, ctx: LabelContext, *, stalled: bool) -> Effect:
    """T15: no label effect; escalation drafts only."""
    _require_state(facts, ctx, "T15")
    if not stalled:
        raise Refused(f"T15 refused: {facts.ref} is not stalled (§8.9).")
    return _effect(facts, "T15")


def split_labels(
    facts: TrackerFacts, ctx: LabelContext, scope: str, *, shared_cve: bool, confirmed: bool
) -> frozenset[str]:
    """T16 (§6.4): the labels of a new tracker split off for `scope`."""
    _require_state(facts, ctx, "T16")
    if not confirmed:
        raise Refused("T16 needs confirmation of the scope split (§6.4).")
    if scope not in ctx.scopes:
        raise Refused(f"T16 needs a configured scope; {scope!r} is not in scope_detection.labels.")
    if scope in facts.labels:
        raise Refused(f"T16 refused: the anchor {facts.ref} keeps {scope!r}; split off the other scopes.")
    labels = {scope, ctx.of(Label.SECURITY_MARKER), *ctx.tlp_labels(facts.labels)[:1]}
    labels |= set(ctx.fix_axis(facts.labels)[:1]) or ({ctx.of(Label.NEEDS_TRIAGE)} & facts.labels)
    if shared_cve and ctx.has(facts.labels, Label.CVE_ALLOCATED):
        labels.add(ctx.of(Label.CVE_ALLOCATED))
    return frozenset(labels)


def reopen_effect(facts: TrackerFacts, ctx: LabelContext, *, roster_member: bool) -> Effect:
    """T17: −disposition (and any fix-axis label a duplicate kept), reopen, +`needs triage`."""
    announced = facts.state(ctx) is State.CLOSED_ANNOUNCED
    _require_state(facts, ctx, "T17", " (closed-announced never reopens)" if announced else "")
    if not roster_member:
        raise Refused("T17 needs a roster member (§6.1).")
    remove = [ctx.of(r) for r in DISPOSITIONS] + [ctx.of(r) for r in FIX_AXIS]
    return _effect(facts, "T17", add=[ctx.of(Label.NEEDS_TRIAGE)], remove=remove, closed=False)


@dataclass(frozen=True)
class LabelEdit:
    """An allowed `steward label` edit; `rule` joins the rules that allowed each part with `+`."""

    new_labels: frozenset[str]
    transition: str | None
    rule: str


def _refuse_managed(facts: TrackerFacts, ctx: LabelContext, name: str, adding: bool) -> Refused | None:
    """The refusal for hand-editing a lifecycle label, or None when a transition may allow it."""
    role = ctx.names.role_of(name)
    n = facts.id
    verb = "added" if adding else "removed"
    if role is Label.SECURITY_MARKER:
        if adding:
            return Refused(f"label {name!r} is restored only by the S14 repair; run steward sync {n}.")
        return Refused(f"label {name!r} is never removed (L-marker).")
    if role in ANNOUNCED_PAIR:
        return Refused(
            f"label {name!r} is written only by the Step-14 close-out (D4, T12); run steward sync {n} once the "
            "advisory is archived."
        )
    if role in DISPOSITIONS:
        return Refused(
            f"disposition {name!r} changes only through triage (L-disposition): steward triage {n} --invalid, "
            f"--not-cve-worthy, --wontfix or --reopen, or steward dedupe."
        )
    if role is Label.NEEDS_TRIAGE:
        if adding:
            return Refused(
                f"label {name!r} is added only by import, new (T1, T2) or steward triage {n} --reopen (T17)."
            )
        return Refused(f"label {name!r} is removed only by the triage decision (T4, T5): steward triage {n} --valid.")
    if role is Label.REJECTIONS_LEDGER:
        return Refused(f"label {name!r} belongs only to the rejections ledger issue, never to a tracker.")
    if role is Label.CVE_ALLOCATED and not adding:
        return Refused(f"label {name!r} is never removed (§2.8); retract the CVE with steward cve retract {n}.")
    if role is Label.PR_OPEN and not adding:
        return Refused(
            f"label {name!r} is removed only through T9 or T10 (sync sees the PR merged or closed); "
            f"run steward sync {n}."
        )
    if role is Label.PR_MERGED:
        if adding:
            return Refused(f"label {name!r} changes only through T9 (sync sees the PR merged); run steward sync {n}.")
        return Refused(f"label {name!r} is removed only through T11 (sync detects the release); run steward sync {n}.")
    if role is Label.FIX_RELEASED:
        if adding:
            return Refused(
                f"label {name!r} is {verb} only through T11 (release detected, two-stage gate); run steward sync {n}."
            )
        return Refused(f"label {name!r} is {verb} only through T12 (Step-14 close-out); run steward sync {n}.")
    return None


def check_label_edit(
    facts: TrackerFacts,
    ctx: LabelContext,
    add: Sequence[str],
    remove: Sequence[str],
    *,
    gate_passed: bool = False,
) -> LabelEdit:
    """Apply the last sentence of §2.8 to one `steward label` command, or raise `Refused` naming the rule.

    Adding a label already present or removing an absent one is a no-op. `gate_passed`
    is the §7.1 gate for the acting user, needed only when the edit is T7.
    """
    both = sorted(set(add) & set(remove))
    if both:
        raise UsageError(f"label {both[0]!r} is both added and removed; name it once.")
    adds = [a for a in dict.fromkeys(add) if a not in facts.labels]
    removes = [r for r in dict.fromkeys(remove) if r in facts.labels]
    new = set(facts.labels)
    rules: list[str] = []
    rc = ctx.of(Label.RC_VOTING)

    def free(name: str) -> bool:
        return name == rc or not ctx.is_managed(name)

    free_add = [a for a in adds if free(a)]
    free_remove = [r for r in removes if free(r)]
    if free_add or free_remove:
        new |= set(free_add)
        new -= set(free_remove)
        rules.append("L-free")

    tlp_add = [a for a in adds if a in ctx.tlp]
    tlp_remove = [r for r in removes if r in ctx.tlp]
    if len(tlp_add) > 1:
        raise Refused("TLP labels are replaced, never stacked (L-tlp); add exactly one TLP label.")
    if tlp_add:
        new -= set(ctx.tlp)
        new.add(tlp_add[0])
        rules.append("L-tlp")
    elif tlp_remove:
        if not set(ctx.tlp_labels(facts.labels)) - set(tlp_remove):
            raise Refused(
                f"removing {tlp_remove[0]!r} would leave {facts.ref} without a TLP label (L-tlp); add the "
                f"replacement instead: steward label {facts.id} --add TLP:…."
            )
        new -= set(tlp_remove)
        rules.append("L-tlp")

    scope_add = [a for a in adds if a in ctx.scopes]
    scope_remove = [r for r in removes if r in ctx.scopes]
    current_scopes = set(ctx.scope_labels(facts.labels))
    if scope_add or scope_remove:
        if facts.closed:
            raise Refused(f"the scope label of a closed tracker never changes (L-scope); reopen {facts.ref} first.")
        if len(scope_add) > 1:
            raise Refused("a tracker carries one scope label (L-scope); add one, or split it (steward triage --split).")
        if scope_add and not current_scopes:
            raise Refused(
                f"the first scope label comes only from the triage decision (T4): "
                f"steward triage {facts.id} --valid --scope {scope_add[0]}."
            )
        if scope_add:
            new -= current_scopes
            new.add(scope_add[0])
        elif not current_scopes - set(scope_remove):
            raise Refused(
                f"removing {scope_remove[0]!r} would leave {facts.ref} without a scope label (L-scope); "
                f"add the replacement instead: steward label {facts.id} --add SCOPE."
            )
        else:
            new -= set(scope_remove)
        rules.append("L-scope")

    managed = [(a, True) for a in adds if not free(a) and a not in ctx.tlp and a not in ctx.scopes]
    managed += [(r, False) for r in removes if not free(r) and r not in ctx.tlp and r not in ctx.scopes]
    for name, adding in managed:
        refusal = _refuse_managed(facts, ctx, name, adding)
        if refusal is not None:
            raise refusal
    transition: str | None = None
    if len(managed) > 1:
        raise Refused("change one lifecycle label per steward label command; each is its own transition.")
    if managed:
        role = ctx.names.role_of(managed[0][0])
        if role is Label.CVE_ALLOCATED:
            effect = cve_allocated_effect(facts, ctx, gate_passed=gate_passed)
        else:
            effect = pr_created_effect(facts, ctx)
        new = (new - effect.removed) | effect.added
        transition = effect.transition
        rules.append(transition)

    result = frozenset(new)
    before = {v.rule for v in invariant_violations(facts.labels, facts.closed, facts.close_reason, ctx)}
    for broken in invariant_violations(result, facts.closed, facts.close_reason, ctx):
        if broken.rule not in before:
            raise Refused(f"the edit would break {broken.rule}: {broken.message}")
    return LabelEdit(result, transition, "+".join(rules) if rules else "noop")
