"""Apply confirmed sync items: one unit of work per tracker, items in order, then the block, push and rollup.

Items describe operations (set a field, add labels), applied to the tracker as it is now, so a selection of
any subset composes and a re-run after a crash converges (G4). Every applied item gets an audit event; the
tracker's run ends with one `Sync (…)` rollup entry citing the audit head (G3).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Any

from steward.app import App
from steward.domain.board import column_for
from steward.domain.fields import field_value, parse_fields, set_field
from steward.domain.lifecycle import RecordState
from steward.domain.roles import Column, Field
from steward.domain.rollup import notification_draft_gone, notification_drafted, notification_no_event
from steward.domain.stall import ESCALATION_ACTION
from steward.services.facts import state as state_of
from steward.services.reporter_drafts import one_line, write_draft
from steward.services.rollup_log import write_rollup
from steward.services.triage_decide import cve_of
from steward.store import TrackerRow, Transaction
from steward.sync.body import append_related
from steward.sync.comments import marker_comment
from steward.sync.context import SyncContext
from steward.sync.credit_draft import plan_sync_draft
from steward.sync.distributor_write import write_distributor
from steward.sync.escalation_write import write_escalation
from steward.sync.items import SyncItem
from steward.sync.push_gates import blocked_note, gate_failures
from steward.sync.rules.s17_cve_json import NO_BLOCK_STATES, regenerate
from steward.sync.rules.s19_drafts_gone import gone_item
from steward.sync.rules.s20_credit_question import folded_line

_NO_PUSH = (None, RecordState.NONE, RecordState.UNKNOWN, RecordState.RETRACTED)


@dataclass(frozen=True)
class Applied:
    tracker: int
    keys: tuple[str, ...]
    notes: tuple[str, ...]
    draft_key: str | None = None

    def as_json(self) -> dict[str, Any]:
        return {"tracker": self.tracker, "keys": list(self.keys), "notes": list(self.notes), "draft": self.draft_key}


def context_of(app: App) -> SyncContext:
    return SyncContext(app.config, app.labels, app.headings, app.patterns, app.now(), app.identity)


def _snapshot(row: TrackerRow, assignee: str | None = None) -> dict[str, Any]:
    return {
        "title": row.title,
        "labels": list(row.labels),
        "column": row.board_column,
        "body": row.body,
        "assignee": assignee or row.assignee,
    }


def _ordered(row: TrackerRow, labels: set[str]) -> list[str]:
    kept = [n for n in row.labels if n in labels]
    return kept + sorted(labels - set(kept))


def _edit(row: TrackerRow, items: Sequence[SyncItem], ctx: SyncContext) -> tuple[TrackerRow, bool]:
    """The tracker after every item's operations; the flag says whether the block must be regenerated."""
    body, title, labels = row.body, row.title, set(row.labels)
    regen = False
    for item in items:
        change = item.change
        for role, value in change.fields:
            body = set_field(body, role, value, ctx.headings)
        if change.related:
            body = append_related(body, change.related, ctx.headings)
        if change.title is not None:
            title = change.title
        labels = (labels - change.remove_labels) | change.add_labels
        regen = regen or change.regenerate_block
    new = replace(row, body=body, title=title, labels=tuple(_ordered(row, labels)))
    if any(i.change.milestone for i in items):
        new = replace(new, milestone=next(i.change.milestone for i in items if i.change.milestone))
    if ctx.board_enabled and (any(i.change.board for i in items) or set(new.labels) != set(row.labels)):
        previous = Column(row.board_column) if row.board_column in set(Column) else None
        new = replace(new, board_column=column_for(new.labels, not row.is_open, previous, ctx.labels).value)
    changed_record = (new.body, new.title, new.labels, new.milestone) != (
        row.body,
        row.title,
        row.labels,
        row.milestone,
    )
    return new, regen or changed_record


def _push(app: App, tx: Transaction, row: TrackerRow, cve: str, ctx: SyncContext) -> str:
    """§8.12 gates, then `push_update` at the readiness state; a failed gate is a note, never a partial push."""
    from steward.services.cve_allocation import push_record
    from steward.services.triage_decide import record_state  # the CNA port, read only when pushing

    comments = tx.list_comments(row.number)
    _, built = regenerate(row, cve, ctx, comments)
    failures = gate_failures(row, cve, built, comments, ctx)
    if failures:
        return blocked_note(cve, failures)
    state = record_state(app, tx, cve)
    if state in _NO_PUSH:
        return f"record not pushed: the CNA record of {cve} is {state.value if state else 'not known'}"
    return push_record(app, tx, cve, built, RecordState(built.generated.state)) or "record not pushed: no CNA tool"


def _assignee(row: TrackerRow, items: Sequence[SyncItem]) -> str | None:
    """The last item's assignee wins (the hand-off's RM over a drift fix); None keeps the current one."""
    wanted = [i.change.assignee for i in items if i.change.assignee]
    return wanted[-1] if wanted else row.assignee


def _comments(app: App, tx: Transaction, number: int, items: Sequence[SyncItem], ctx: SyncContext) -> list[str]:
    """Post each marker comment once, or update the trusted comment that carries its marker in place (§2.6)."""
    notes: list[str] = []
    for wanted in (c for i in items for c in i.change.comments):
        found = marker_comment(tx.list_comments(number), ctx, wanted.name)
        if found is None and not wanted.only_update:
            tx.add_comment(number, app.identity, wanted.body)
            notes.append(f"comment {wanted.name} posted")
        elif found is not None and found.body != wanted.body:
            tx.update_comment(found.id, wanted.body)
            notes.append(f"comment {wanted.name} updated")
    return notes


def _draft(  # noqa: PLR0917 - one call site
    app: App, tx: Transaction, row: TrackerRow, template: str, ctx: SyncContext, ask_credit: bool
) -> tuple[str | None, str, bool]:
    """(key, notification line, whether the §9.4 question went into the draft)."""
    from steward.sync.facts import pr_url_of

    parsed = parse_fields(row.body, ctx.headings)
    values = {
        "PR_URL": pr_url_of(field_value(parsed, Field.PR_WITH_FIX)) or "",
        "PACKAGE": ctx.config.product.package_name or ctx.config.product.name,
        "VERSION": row.milestone or "the next release",
        "CVE_ID": cve_of(row, parsed) or "",
    }
    plan, asked = plan_sync_draft(app, tx, row, parsed, template, values, target=f"sync:{template}",
                                  ask_credit=ask_credit)  # fmt: skip
    key = write_draft(app, tx, row.number, plan)
    return key, plan.notification, asked and key is not None


def _escalate(app: App, tx: Transaction, number: int, items: Sequence[SyncItem]) -> None:
    """§8.9: write each phase's drafts, then the `Sync (Step 4 escalation)` entry that starts the next clock."""
    for item in items:
        plan = item.change.escalation
        assert plan is not None
        tx.audit(number, item.key, None, plan.as_json())
        lines, outward = write_escalation(app, tx, number, plan)
        write_rollup(
            tx,
            app,
            number,
            action=ESCALATION_ACTION,
            headline=f"Phase-{plan.phase} stall escalation drafts written; nothing was sent.",
            items=[one_line(item.summary), *lines, *(one_line(n) for n in item.change.notes)],
            next_move="edit and send the escalation drafts — security team",
            notification=notification_drafted(outward) if outward else notification_no_event(),
        )


def apply_tracker(app: App, tx: Transaction, number: int, chosen: Sequence[SyncItem]) -> Applied:
    escalations = [i for i in chosen if i.change.escalation is not None]
    items = [i for i in chosen if i.change.escalation is None]
    if escalations:
        _escalate(app, tx, number, escalations)
    if not items:
        return Applied(number, tuple(i.key for i in escalations), ())
    ctx = context_of(app)
    row = tx.get_tracker(number)
    new, regen = _edit(row, items, ctx)
    cve = cve_of(new, parse_fields(new.body, ctx.headings))
    notes: list[str] = []
    if cve and regen and state_of(app, new) not in NO_BLOCK_STATES:
        body, _ = regenerate(new, cve, ctx, tx.list_comments(number))
        new = replace(new, body=body)
    for title, due in {i.change.milestone: i.change.milestone_due for i in items if i.change.milestone}.items():
        if tx.get_milestone(title) is None:
            tx.upsert_milestone(title, due_on=due)
            notes.append(f"milestone {title} created")
    tx.update_tracker(
        number,
        title=new.title,
        body=new.body,
        labels=list(new.labels),
        board_column=new.board_column,
        milestone=new.milestone,
        assignee=_assignee(row, items),
    )
    notes += _comments(app, tx, number, items, ctx)
    before, after = _snapshot(row), _snapshot(new, _assignee(row, items))
    for item in items:
        tx.audit(number, item.key, before, after)
    if cve and any(i.change.push for i in items):
        notes.append(_push(app, tx, new, cve, ctx))
    draft_key, notification = None, notification_no_event()
    ask = any(i.change.ask_credit for i in items)
    for template in dict.fromkeys(i.change.draft for i in items if i.change.draft):
        assert template is not None
        draft_key, notification, asked = _draft(app, tx, new, template, ctx, ask)
        if asked and draft_key is not None:
            notes.append(folded_line(draft_key))
            ask = False
    gone = [k for i in items for k in i.change.gone_drafts]
    if gone and draft_key is None:
        notification, gone = notification_draft_gone(gone[0]), gone[1:]
    lines = [one_line(i.summary) for i in items]
    lines += [one_line(n) for i in items for n in i.change.notes] + [one_line(n) for n in notes]
    lines += [gone_item(k) for k in gone]
    lines += [write_distributor(app, tx, number, i.change.distributor) for i in items if i.change.distributor]
    rules = ", ".join(dict.fromkeys(i.rule for i in items))
    write_rollup(
        tx,
        app,
        number,
        action=f"Sync ({rules})",
        headline=f"{len(items)} sync item(s) applied.",
        items=lines,
        next_move="unchanged",
        notification=notification,
    )
    keys = tuple(i.key for i in (*escalations, *items))
    return Applied(number, keys, tuple(notes), draft_key)


def apply_items(app: App, items: Sequence[SyncItem]) -> list[Applied]:
    """One transaction per tracker, trackers in ascending order; the first failure stops the run (G1)."""
    by_tracker: dict[int, list[SyncItem]] = {}
    for item in items:
        by_tracker.setdefault(item.tracker, []).append(item)
    done: list[Applied] = []
    for number in sorted(by_tracker):
        with app.store.transaction(app.slug, actor=app.identity, command="sync") as tx:
            done.append(apply_tracker(app, tx, number, by_tracker[number]))
    return done
