"""`steward dedupe KEEP DROP` (spec §6.2, T6): merge two reports of one root cause into the kept tracker.

Without `--apply` it only proposes: the blockers and the field-by-field diff of
the kept body. A blocked pair writes nothing; an applied merge leaves the
dropped tracker closed as a duplicate, so running it again proposes nothing.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Any

from steward.app import App
from steward.domain.fields import ParsedBody, field_value, set_field
from steward.domain.lifecycle import RecordState, duplicate_effect
from steward.domain.roles import Field, Label
from steward.domain.rollup import notification_no_event
from steward.domain.threads import LegacyThread, ThreadRef, parse_threads
from steward.records.cwe_catalogue import lookup
from steward.services.facts import parse_stored, tracker_facts
from steward.services.reporter_drafts import DraftPlan, one_line, plan_draft, tracker_url, write_draft
from steward.services.rollup_log import write_rollup
from steward.services.triage_decide import (
    board_update,
    cve_of,
    label_change,
    ordered_labels,
    record_state,
    thread_dates,
    tracker_name,
)
from steward.store import TrackerRow, Transaction
from steward.triage.hard_stops import DedupeSide, dedupe_blockers
from steward.triage.merge import MergeResult, merge_fields, report_line

TERMINAL_NEXT = "none — terminal disposition."


def cwe_is_ancestor(ancestor: int, child: int) -> bool:
    """Whether `ancestor` is reachable from `child` through catalogue parents (offline index)."""
    seen: set[int] = set()
    todo = [child]
    while todo:
        entry = lookup(todo.pop())
        if entry is None:
            continue
        for parent in entry.parents:
            if parent == ancestor:
                return True
            if parent not in seen:
                seen.add(parent)
                todo.append(parent)
    return False


@dataclass(frozen=True)
class DedupeResult:
    keep: int
    drop: int
    applied: bool
    nothing_to_do: bool
    blockers: tuple[str, ...]
    diff: tuple[str, ...]
    notes: tuple[str, ...]
    notification: str
    draft_key: str | None = None

    def as_json(self) -> dict[str, Any]:
        return {
            "keep": self.keep,
            "drop": self.drop,
            "applied": self.applied,
            "nothing_to_do": self.nothing_to_do,
            "blockers": list(self.blockers),
            "diff": list(self.diff),
            "notes": list(self.notes),
            "notification": self.notification,
            "draft_key": self.draft_key,
        }


def _ref(app: App, number: int) -> str:
    return f"{tracker_name(app)}#{number}"


def already_merged(app: App, keep: TrackerRow, drop: TrackerRow) -> bool:
    """The dropped side is closed as a duplicate and the kept body carries its second-report block."""
    marker = report_line(_ref(app, drop.number), tracker_url(app, drop.number), "").split(" — merged on", 1)[0]
    return not drop.is_open and app.labels.of(Label.DUPLICATE) in drop.labels and marker in keep.body


def _short(value: str | None) -> str:
    return one_line(value, 80) if value else "_No response_"


def _root_ids(*values: str | None) -> list[str]:
    roots: list[str] = []
    for value in values:
        for line in parse_threads(value):
            if isinstance(line, ThreadRef | LegacyThread) and line.message_id:
                roots.append(line.message_id)
    return roots


@dataclass(frozen=True)
class _Plan:
    keep: TrackerRow
    drop: TrackerRow
    keep_body: str
    merge: MergeResult
    blockers: list[str]
    draft: DraftPlan | None


def _plan(
    app: App, tx: Transaction, keep: TrackerRow, drop: TrackerRow, *, reason: str | None, summary: str | None
) -> _Plan:
    ctx = app.labels
    kp, dp = parse_stored(keep, app.headings), parse_stored(drop, app.headings)
    k_cve, d_cve = cve_of(keep, kp), cve_of(drop, dp)
    k_facts = replace(tracker_facts(app, keep, kp), record_state=record_state(app, tx, k_cve))
    d_facts = replace(tracker_facts(app, drop, dp), record_state=record_state(app, tx, d_cve))
    sides = DedupeSide(k_facts, keep.created_at), DedupeSide(d_facts, drop.created_at)
    blockers = [f"{b.rule}: {b.message}" for b in dedupe_blockers(*sides, ctx, app.passes_allocation_gate())]
    merge = _merge(app, tx, (keep, drop), (kp, dp), reason)
    if summary:
        fields = dict(merge.fields)
        fields[Field.PUBLIC_SUMMARY] = summary.strip()
        conflicts = tuple(c for c in merge.conflicts if c.field is not Field.PUBLIC_SUMMARY)
        changed = tuple(dict.fromkeys([*merge.changed, Field.PUBLIC_SUMMARY]))
        merge = MergeResult(fields, conflicts, merge.notes, changed)
    blockers += [f"D-merge ({c.field.value}): {c.message}" for c in merge.conflicts if c.blocker]
    body = keep.body
    if not blockers:
        for role in merge.changed:
            body = set_field(body, role, merge.fields.get(role) or "", app.headings)
    draft = None
    if not blockers:
        values = {"DUPLICATE_OF": k_cve} if k_cve else {}
        draft = plan_draft(app, tx, drop, dp, template="duplicate-report", values=values, target=str(keep.number))
    return _Plan(keep, drop, body, merge, blockers, draft)


def _merge(
    app: App,
    tx: Transaction,
    pair: tuple[TrackerRow, TrackerRow],
    parsed: tuple[ParsedBody, ParsedBody],
    reason: str | None,
) -> MergeResult:
    keep, drop = pair
    kp, dp = parsed
    scheme = app.config.product.version_scheme
    scheme_for: Callable[[str | None], str] = lambda _package: scheme  # noqa: E731
    roots = _root_ids(field_value(kp, Field.SECURITY_THREAD), field_value(dp, Field.SECURITY_THREAD))
    default_reason = f"same root cause, confirmed by @{app.identity} with steward dedupe {keep.number} {drop.number}"
    return merge_fields(
        {role: field_value(kp, role) for role in Field},
        {role: field_value(dp, role) for role in Field},
        keep_ref=_ref(app, keep.number),
        drop_ref=_ref(app, drop.number),
        drop_url=tracker_url(app, drop.number),
        date=app.now().date(),
        reason=(reason or "").strip() or default_reason,
        headline=drop.title,
        scheme_for=scheme_for,
        cwe_is_ancestor=cwe_is_ancestor,
        patterns=app.patterns,
        thread_dates=thread_dates(tx, roots),
    )


def _diff(app: App, plan: _Plan) -> list[str]:
    kp = parse_stored(plan.keep, app.headings)
    return [
        f"{app.headings[role]}: {_short(field_value(kp, role))} → {_short(plan.merge.fields.get(role))}"
        for role in plan.merge.changed
    ]


def dedupe(
    app: App, keep: int, drop: int, *, apply: bool, reason: str | None = None, summary: str | None = None
) -> DedupeResult:
    """Propose (or, with `apply`, apply) the merge of DROP into KEEP; blockers refuse with exit 3."""
    app.member()
    with app.store.transaction(app.slug, actor=app.identity, command="dedupe") as tx:
        keep_row, drop_row = tx.get_tracker(keep), tx.get_tracker(drop)
        if keep != drop and already_merged(app, keep_row, drop_row):
            return DedupeResult(keep, drop, False, True, (), (), (), notification_no_event())
        plan = _plan(app, tx, keep_row, drop_row, reason=reason, summary=summary)
        notes = [one_line(n) for n in plan.merge.notes]
        notes += [f"{c.field.value}: {c.message} (kept side used)" for c in plan.merge.conflicts if not c.blocker]
        diff = _diff(app, plan) if not plan.blockers else []
        notification = plan.draft.notification if plan.draft is not None else notification_no_event()
        result = DedupeResult(keep, drop, False, False, tuple(plan.blockers), tuple(diff), tuple(notes), notification)
        if plan.blockers or not apply:
            return result
        key = _apply(app, tx, plan, diff)
    return replace(result, applied=True, draft_key=key)


def _refresh_record(app: App, tx: Transaction, keep: TrackerRow) -> tuple[str, str | None]:
    """§6.2: regenerate the kept tracker's CVE JSON block and push it without a state change."""
    from steward.services.cve_allocation import push_record, regenerate_block

    cve = cve_of(keep, parse_stored(keep, app.headings))
    if cve is None:
        return keep.body, None
    body, built = regenerate_block(app, keep, cve)
    state = record_state(app, tx, cve)
    if state in (None, RecordState.NONE, RecordState.UNKNOWN, RecordState.RETRACTED):
        return body, None
    return body, push_record(app, tx, cve, built, state)


def _retract_dropped(app: App, tx: Transaction, keep: TrackerRow, drop: TrackerRow) -> list[str]:
    """§6.2: when both sides had CVEs, the dropped one is retracted (the governance gate is a blocker earlier)."""
    from steward.cna.interface import NotApplicable
    from steward.services.cna_tools import tool_for

    k_cve = cve_of(keep, parse_stored(keep, app.headings))
    d_cve = cve_of(drop, parse_stored(drop, app.headings))
    if not (k_cve and d_cve) or record_state(app, tx, d_cve) is RecordState.RETRACTED:
        return []
    reason = f"merged into {k_cve} per {tracker_name(app)}#{keep.number} on {app.now().date().isoformat()}"
    try:
        tool_for(app, tx).retract(d_cve, reason)
    except NotApplicable:  # no CNA tool: the record state steward keeps locally is the record
        found = tx.get_record_state(d_cve)
        tx.put_record_state(d_cve, RecordState.RETRACTED.value, found.record if found else {})
    tx.audit(drop.number, f"{drop.number}:retract:{d_cve}", None, reason)
    return [f"{d_cve} retracted: {reason}"]


def _apply(app: App, tx: Transaction, plan: _Plan, diff: list[str]) -> str | None:
    """§6.2 order: kept body → duplicate + close on the dropped → draft → both rollups."""
    keep, drop = plan.keep, plan.drop
    keep_body, pushed = _refresh_record(app, tx, replace(keep, body=plan.keep_body))
    tx.update_tracker(keep.number, body=keep_body)
    tx.audit(keep.number, f"{keep.number}:merge-from:{drop.number}", keep.body, keep_body)
    effect = duplicate_effect(tracker_facts(app, drop), app.labels, pair_clear=True)
    labels = ordered_labels(drop, effect.labels)
    column, board_item = board_update(app, drop, effect)
    scopes = app.labels.scope_labels(effect.labels)
    tx.update_tracker(
        drop.number,
        labels=labels,
        closed=True,
        close_reason="not planned",
        board_column=column,
        scope=scopes[0] if len(scopes) == 1 else None,
    )
    tx.audit(drop.number, f"{drop.number}:T6:into:{keep.number}", list(drop.labels), labels)
    retracted = _retract_dropped(app, tx, keep, drop)
    key = write_draft(app, tx, drop.number, plan.draft) if plan.draft is not None else None
    write_rollup(
        tx,
        app,
        drop.number,
        action=f"Merge (dropped) (into #{keep.number})",
        headline=f"Merged into #{keep.number} as the same root cause; closed as duplicate.",
        items=[f"labels {label_change(effect)} (T6)", "closed not planned", board_item, *retracted],
        next_move=TERMINAL_NEXT,
        notification=plan.draft.notification if plan.draft is not None else notification_no_event(),
    )
    write_rollup(
        tx,
        app,
        keep.number,
        action=f"Merge (kept) (from #{drop.number})",
        headline=f"#{drop.number} merged in as a second independent report.",
        items=[*(f"field {line}" for line in diff), *([pushed] if pushed else [])] or ["no field changed"],
        next_move="unchanged",
        notification=notification_no_event(),
    )
    return key
