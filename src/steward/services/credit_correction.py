"""`steward credit ID (--set|--add|--remove) LINE` (spec §8.11, T14, Step 16).

An open tracker gets the `reporter-credit` field edited in place. A closed one
keeps its fields as they were at close: the corrected lines go into a
credit-correction comment, which `effective_body` overlays for every reader, and
the derived CVE JSON block and the public record follow the effective value.
Everything that can refuse (lifecycle, role, LINE, draft placeholders) is
decided before the first write (G1).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Any

from steward import ids
from steward.app import App
from steward.domain.credit_corrections import (
    CreditEditError,
    Op,
    apply_edit,
    effective_credits,
    render_correction,
)
from steward.domain.credits import Credit, render_credits
from steward.domain.fields import field_value, set_field
from steward.domain.lifecycle import RecordState, State, credit_check
from steward.domain.roles import ANNOUNCED_PAIR, Field, Role
from steward.domain.rollup import notification_no_event
from steward.errors import Refused, UsageError
from steward.records.block import render_block, splice_block
from steward.services.effective_fields import trusted_authors, views
from steward.services.facts import parse_stored, state, tracker_facts
from steward.services.reporter_drafts import DraftPlan, plan_draft, write_draft
from steward.services.rollup_log import write_rollup
from steward.store import TrackerRow, Transaction

CREDIT_ROLES = frozenset({Role.RELEASE_MANAGER, Role.GOVERNANCE})
"""T14: only the release manager or a governance member corrects credits after the advisory."""
NO_UPDATE = frozenset({State.CLOSED_INVALID, State.CLOSED_DUPLICATE})
"""§2.7: the block is not regenerated after an invalid or duplicate close."""


@dataclass(frozen=True)
class CreditResult:
    number: int
    changed: bool
    message: str
    credits: tuple[str, ...]
    items: tuple[str, ...] = ()
    notification: str | None = None
    draft_key: str | None = None

    def as_json(self) -> dict[str, Any]:
        return {
            "tracker": self.number,
            "changed": self.changed,
            "message": self.message,
            "credits": list(self.credits),
            "items": list(self.items),
            "notification": self.notification,
            "draft_key": self.draft_key,
        }


def parse_op(set_: str | None, add: str | None, remove: str | None) -> tuple[Op, str]:
    given = [(op, v) for op, v in ((Op.SET, set_), (Op.ADD, add), (Op.REMOVE, remove)) if v is not None]
    if len(given) != 1:
        raise UsageError("steward credit needs exactly one of --set LINE, --add LINE or --remove LINE.")
    return given[0]


def _cve(app: App, row: TrackerRow) -> str | None:
    link = field_value(parse_stored(row, app.headings), Field.CVE_TOOL_LINK) or ""
    return row.cve_id or ids.first_cve(link)


def _announced(app: App, row: TrackerRow) -> bool:
    return any(app.labels.has(frozenset(row.labels), role) for role in ANNOUNCED_PAIR)


def _check_allowed(app: App, row: TrackerRow) -> State:
    current = state(app, row)
    if row.is_open:
        if current in (State.DRIFT,):
            raise Refused(f"tracker #{row.number} is in drift; repair its labels with steward sync {row.number}.")
        return current
    member = app.member()
    authorised = bool(CREDIT_ROLES & set(member.roles))
    try:
        credit_check(tracker_facts(app, row), app.labels, authorised=authorised)
    except Refused as refusal:
        raise Refused(
            f"tracker #{row.number}: {refusal} Credits of a closed tracker change only after an advisory."
        ) from None
    return current


def _names(credits: Sequence[Credit]) -> tuple[str, ...]:
    return tuple(c.name for c in credits)


def _credit_line(credits: Sequence[Credit]) -> str:
    return "; ".join(c.name for c in credits)


def correct(app: App, number: int, op: Op, line: str) -> CreditResult:
    """§8.11: field (open) or correction comment (closed), block, push, draft, rollup, audit."""
    app.member()
    with app.store.transaction(app.slug, actor=app.identity, command=f"credit --{op.value}") as tx:
        row = tx.get_tracker(number)
        parsed = parse_stored(row, app.headings)
        current = _check_allowed(app, row)
        comments = tx.list_comments(number)
        before = effective_credits(field_value(parsed, Field.REPORTER_CREDIT), views(comments), trusted_authors(app))
        try:
            after = apply_edit(before, op, line)
        except CreditEditError as exc:
            raise UsageError(f"steward credit {number} --{op.value}: {exc}") from None
        if [(c.name, c.kind_override) for c in after] == [(c.name, c.kind_override) for c in before]:
            return CreditResult(number, False, f"#{number}: the credit already reads that way; nothing to do.",
                                _names(before))  # fmt: skip
        cve = _cve(app, row)
        rendered = render_credits(after)
        virtual = replace(row, body=set_field(row.body, Field.REPORTER_CREDIT, rendered, app.headings))
        advisory_out = not row.is_open or _announced(app, row)
        draft = _plan_draft(app, tx, virtual, cve, after) if advisory_out else None
        items = [f"reporter-credit ({op.value}): {_credit_line(before) or 'none'} → {_credit_line(after)}"]
        if row.is_open:
            body = virtual.body
            tx.audit(number, f"{number}:reporter-credit:{op.value}", render_credits(before), rendered)
        else:
            text = render_correction(after, cve_id=cve, change=f"--{op.value} {after_line(op, line)}")
            posted = tx.add_comment(number, app.identity, text)
            tx.audit(number, f"{number}:credit-correction:{posted.id}", render_credits(before), rendered)
            items.append(f"correction comment {posted.id} (closed body unchanged)")
            body = row.body
        if cve and current not in NO_UPDATE:
            body, push_note = _block_and_push(app, tx, virtual=virtual, body=body, cve=cve)
            items.append("CVE JSON block regenerated")
            items.append(push_note)
        if body != row.body:
            tx.update_tracker(number, body=body)
        if not row.is_open:
            items.append("announcement thread: reply by hand with the corrected credit (no archive thread facts here)")
        key = write_draft(app, tx, number, draft) if draft is not None else None
        notification = draft.notification if draft is not None else notification_no_event()
        write_rollup(
            tx, app, number, action=f"Credit correction ({cve or 'no CVE'})",
            headline=f"Reporter credit corrected to: {_credit_line(after)}.",
            items=[*items, *(f"draft warning: {w}" for w in (draft.warnings if draft else ()))],
            next_move="unchanged" if row.is_open else "none — the record and the reporter follow the correction.",
            notification=notification,
        )  # fmt: skip
    message = f"#{number}: reporter credit is now {_credit_line(after)}."
    return CreditResult(number, True, message, _names(after), tuple(items), notification, key)


def after_line(op: Op, line: str) -> str:
    return " ".join(line.split())[:120] or op.value


def _plan_draft(app: App, tx: Transaction, row: TrackerRow, cve: str | None, credits: Sequence[Credit]) -> DraftPlan:
    """§9.2 event 8; planned before any write so a missing placeholder refuses the whole command."""
    values = {"CREDIT_LINE": _credit_line(credits)}
    if cve:
        values["CVE_ID"] = cve
    return plan_draft(
        app, tx, row, parse_stored(row, app.headings), "credit-correction", values,
        target=render_credits(credits), required={"CVE_ID": "the tracker has no CVE id in its CVE tool link"},
    )  # fmt: skip


def _block_and_push(app: App, tx: Transaction, *, virtual: TrackerRow, body: str, cve: str) -> tuple[str, str]:
    """The block from the effective fields, spliced into the stored body; then `push_update` or a hand-off."""
    from steward.cna.interface import CveToolError
    from steward.services.cve_allocation import push_record, regenerate_block

    _virtual_body, built = regenerate_block(app, virtual, cve)
    spliced = splice_block(body, render_block(built.generated))
    try:
        note = push_record(app, tx, cve, built, RecordState.ALLOCATED)  # max(current, allocated): never lowers
    except CveToolError as exc:
        note = f"record not pushed: {exc}"
    if note is None:
        return spliced, "record not pushed: the CNA tool cannot update records; hand-off: ask the CNA to update it"
    if note.startswith("record not pushed"):
        return spliced, f"{note}; hand-off: ask the CNA (or the record's owner) to push the corrected credit"
    return spliced, note
