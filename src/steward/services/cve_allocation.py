"""`steward cve allocate|push|publish|retract` (spec §7.1–7.3, §11.9): gate, blockers, wiring, record state."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace

from steward import ids
from steward.app import App
from steward.cna.interface import AllocationFields, CveTool, Diff, HumanStep, ManualAllocation, NotApplicable, Pending
from steward.domain.board import column_for
from steward.domain.fields import field_value, set_field
from steward.domain.lifecycle import RecordState, cve_allocated_effect
from steward.domain.roles import Column, Field, Label
from steward.domain.rollup import notification_no_event
from steward.domain.threads import ThreadRef, parse_threads, primary_thread
from steward.domain.titles import TitleResult
from steward.errors import Refused, UsageError
from steward.records.block import render_block, splice_block
from steward.services.cna_tools import tool_for
from steward.services.cve_records import Built, check_cve_id, from_tracker
from steward.services.effective_fields import effective_body
from steward.services.facts import parse_stored, tracker_facts
from steward.services.reporter_drafts import plan_draft, store_draft, write_draft
from steward.services.rollup_log import write_rollup
from steward.services.trackers import normalised_title
from steward.store import CommentRow, TrackerRow, Transaction


def relay_message(app: App, title: str) -> str:
    """What a user who fails the gate pastes on the tracker or thread (§7.1)."""
    wanted = {"pmc-member": "governance", "maintainer": "maintainer"}.get(app.config.governance.cve_allocation_gate)
    members = [m.handle for m in app.config.roster.members if wanted is None or wanted in {str(r) for r in m.roles}]
    who = f"@{members[0]}" if members else "@<governance member>"
    where = app.config.cve_authority.allocate_url or "the CNA tool"
    return f'{who} please allocate a CVE at {where} titled "{title}" and paste the id here.'


@dataclass(frozen=True)
class Allocation:
    number: int
    title: TitleResult
    cve_id: str | None
    pending: Pending | None = None
    manual: HumanStep | None = None
    push_note: str | None = None
    notification: str | None = None


def _link_value(app: App, cve_id: str) -> str:
    template = app.config.cve_authority.record_url_template
    return template.replace("{cve_id}", cve_id) if template else cve_id


def _root_message_id(app: App, row: TrackerRow) -> str | None:
    value = field_value(parse_stored(row, app.headings), Field.SECURITY_THREAD)
    primary = primary_thread(parse_threads(value or ""))
    return primary.message_id if isinstance(primary, ThreadRef) else None


def regenerate_block(app: App, row: TrackerRow, cve_id: str, comments: Sequence[CommentRow] = ()) -> tuple[str, Built]:
    """The body with its block regenerated from the effective fields (credit corrections in `comments`)."""
    title = normalised_title(app, row.title).title
    built = from_tracker(
        row.number,
        body=effective_body(app, row, comments) if comments else row.body,
        title=title,
        labels=row.labels,
        milestone=row.milestone,
        cve_id=cve_id,
        advisory_url=None,
        config=app.config,
        headings=app.headings,
    )
    return splice_block(row.body, render_block(built.generated)), built


def allocate(app: App, number: int, cve_id: str | None) -> Allocation:
    """T7 with the §7.1 blockers and gate; the field is the load-bearing step, the rest restartable (§7.2)."""
    app.member()
    if cve_id is not None:
        check_cve_id(cve_id, app.config)
    with app.store.read(app.slug) as reader:
        row = reader.get_tracker(number)
    facts = tracker_facts(app, row)
    cve_allocated_effect(replace(facts, has_cve_id=True), app.labels, gate_passed=True)  # blockers only
    if facts.has_cve_id or row.cve_id:
        raise Refused(f"tracker #{number} already has a CVE ({row.cve_id or 'in its CVE tool link'}); §7.1 blocker.")
    cascade = normalised_title(app, row.title)
    title = cascade.original if cascade.over_strip else cascade.title
    if not app.passes_allocation_gate():
        raise Refused(
            f"{app.identity} does not pass governance.cve_allocation_gate "
            f"({app.config.governance.cve_allocation_gate}); paste this on the tracker or thread: "
            f"{relay_message(app, title)}"
        )
    if cve_id is None and app.config.cve_authority.allocation_path == "email-request":
        return _email_request(app, row, cascade, title)
    if cve_id is None:
        with app.store.transaction(app.slug, actor=app.identity, command="cve allocate") as tx:
            tool = tool_for(app, tx)
            try:
                answer = tool.allocate(_scope(app, row), AllocationFields(title, _root_message_id(app, row)))
            except NotApplicable:
                raise Refused(
                    "cve_authority.tool is none: this project allocates no CVEs, so the tracker proceeds without one."
                ) from None
            except ManualAllocation as step:
                return Allocation(number, cascade, None, manual=step)
            if isinstance(answer, Pending):
                tx.audit(number, f"{number}:cve:pending:{answer.ref}", None, answer.ref)
                write_rollup(
                    tx, app, number, action="CVE allocated (pending)", headline=f"Allocation requested: {answer.ref}.",
                    items=[answer.note or "the id is wired later with --cve-id"],
                    next_move=f"paste the id — @{app.identity} (steward cve allocate {number} --cve-id CVE-…)",
                    notification=notification_no_event(),
                )  # fmt: skip
                return Allocation(number, cascade, None, pending=answer)
            cve_id = answer
    return _wire(app, number, cve_id, cascade)


def _email_request(app: App, row: TrackerRow, cascade: TitleResult, title: str) -> Allocation:
    """§11.9: a draft to the foundation CNA; the id in its reply is wired later with --cve-id."""
    from steward.comms.drafts import Draft, check_recipients, header_value, steward_key

    address = app.config.cve_authority.request_address
    if not address:
        raise Refused("cve_authority.allocation_path is email-request but request_address is not set; set it.")
    product = app.config.product.name
    subject = header_value(f"CVE request for {product}: {title}")
    tlp = (app.labels.tlp_labels(row.labels) or [app.config.disclosure.default_tlp])[0]
    check_recipients(app.config, [address], tlp, advisory_after_release=False)
    lines = [tlp, "", f"Please allocate a CVE for {product}: {title}.", "", signature_of(app)]
    if app.config.project_kind == "demo":
        lines.insert(0, "FICTIONAL DEMO DATA — not a real project or vulnerability.")
    with app.store.transaction(app.slug, actor=app.identity, command="cve allocate") as tx:
        key = steward_key(tx.get_secret(), f"{app.slug}#{row.number}|cve-request|{title}")
        draft = Draft(
            key=key, to=(address,), cc=(app.config.security_inbox.address,), subject=subject, in_reply_to=None,
            references=(), body="\n".join(lines) + "\n", headers=(("X-Steward-Key", key),),
        )  # fmt: skip
        store_draft(app, tx, row.number, draft, template="cve-request")
        tx.audit(row.number, f"{row.number}:cve-request", None, {"key": key, "to": address})
        write_rollup(
            tx, app, row.number, action="CVE allocated (requested by e-mail)",
            headline=f"CVE request drafted to {address}.", items=[f"draft {key}: {subject}"],
            next_move=f"paste the id from the reply — @{app.identity} (steward cve allocate {row.number} --cve-id …)",
            notification=notification_no_event(),
        )  # fmt: skip
    return Allocation(row.number, cascade, None, pending=Pending(ref=key, note=f"request drafted to {address}"))


def signature_of(app: App) -> str:
    from steward.comms.canned import signature

    return signature(app.config)


def _scope(app: App, row: TrackerRow) -> str:
    scopes = app.labels.scope_labels(row.labels)
    return scopes[0] if scopes else next(iter(app.config.scopes()))


def _wire(app: App, number: int, cve_id: str, cascade: TitleResult) -> Allocation:
    if not ids.is_cve(cve_id):
        raise Refused(f"the CNA tool answered {cve_id!r}, which is not a CVE id; nothing was written.")
    push_note: str | None = None
    with app.store.transaction(app.slug, actor=app.identity, command="cve allocate") as tx:
        row = tx.get_tracker(number)
        body = set_field(row.body, Field.CVE_TOOL_LINK, _link_value(app, cve_id), app.headings)
        row = replace(row, body=body)
        effect = cve_allocated_effect(tracker_facts(app, row), app.labels, gate_passed=True)
        labels = [n for n in row.labels if n in effect.labels] + sorted(effect.labels - set(row.labels))
        previous = Column(row.board_column) if row.board_column else None
        column = column_for(effect.labels, False, previous, app.labels)
        body, built = regenerate_block(app, replace(row, labels=tuple(labels)), cve_id)
        tx.update_tracker(number, body=body, labels=labels, cve_id=cve_id, board_column=column.value)
        tx.audit(number, f"{number}:cve-tool-link:{cve_id}", None, cve_id)
        tx.audit(number, f"{number}:T7", list(row.labels), labels)
        push_note = push_record(app, tx, cve_id, built, RecordState.ALLOCATED)
        notification = _reporter_draft(app, tx, number, cve_id)
        items = [f"cve-tool-link: {cve_id}", f"T7: +{app.labels.of(Label.CVE_ALLOCATED)}", f"board: {column.value}"]
        if push_note:
            items.append(push_note)
        write_rollup(
            tx, app, number, action=f"CVE allocated ({cve_id})", headline=f"{cve_id} wired to the tracker.",
            items=items, next_move=f"claim the fix — remediation developer (steward fix claim {number})",
            notification=notification,
        )  # fmt: skip
    return Allocation(number, cascade, cve_id, push_note=push_note, notification=notification)


def push_record(app: App, tx: Transaction, cve_id: str, built: Built, state: RecordState) -> str | None:
    """Push when the tool can write; a record that does not validate, or a human step, becomes a note."""
    if built.strict_refusal:
        return f"record not pushed: {built.strict_refusal}"
    tool = tool_for(app, tx)
    try:
        diff = tool.push_update(cve_id, built.generated.record, state)
    except NotApplicable:
        return None
    except HumanStep as step:
        return f"record not pushed: {step}"
    return _diff_note(diff)


def _diff_note(diff: Diff) -> str:
    if not diff:
        return "record pushed: no change"
    parts = [f"{len(diff.added)} added", f"{len(diff.changed)} changed", f"{len(diff.removed)} removed"]
    if diff.state_change:
        parts.append(f"state {diff.state_change[0]} → {diff.state_change[1]}")
    return "record pushed: " + ", ".join(parts)


def _reporter_draft(app: App, tx: Transaction, number: int, cve_id: str) -> str:
    row = tx.get_tracker(number)
    plan = plan_draft(app, tx, row, parse_stored(row, app.headings), "cve-allocated", {"CVE_ID": cve_id},
                      target=cve_id)  # fmt: skip
    write_draft(app, tx, number, plan)
    return plan.notification


def tool_and_tracker(app: App, tx: Transaction, number: int) -> tuple[CveTool, TrackerRow, str]:
    row = tx.get_tracker(number)
    cve_id = row.cve_id or ids.first_cve(field_value(parse_stored(row, app.headings), Field.CVE_TOOL_LINK) or "")
    if not cve_id:
        raise Refused(f"tracker #{number} has no CVE; allocate one first (steward cve allocate {number}).")
    return tool_for(app, tx), row, cve_id


def push(app: App, number: int, *, allow_product_change: bool = False) -> str:
    """Regenerate, validate strictly, push at the readiness state (never public, never lower)."""
    app.member()
    with app.store.transaction(app.slug, actor=app.identity, command="cve push") as tx:
        tool, row, cve_id = tool_and_tracker(app, tx, number)
        body, built = regenerate_block(app, row, cve_id, tx.list_comments(number))
        if built.strict_refusal:
            raise Refused(f"tracker #{number}: {built.strict_refusal}; nothing was pushed.")
        target = RecordState(built.generated.state)
        try:
            diff = tool.push_update(cve_id, built.generated.record, target, allow_product_change=allow_product_change)
        except HumanStep as step:
            raise Refused(f"tracker #{number}: {step}") from None
        if body != row.body:
            tx.update_tracker(number, body=body)
        note = _diff_note(diff)
        if diff or body != row.body:
            tx.audit(number, f"{number}:push:{cve_id}", None, built.generated.json_text)
            write_rollup(
                tx, app, number, action="Sync (record pushed)", headline=f"{cve_id} record pushed to the CNA tool.",
                items=[note], next_move="unchanged", notification=notification_no_event(),
            )  # fmt: skip
        return note


def publish(app: App, number: int) -> str:
    app.member()
    with app.store.transaction(app.slug, actor=app.identity, command="cve publish") as tx:
        tool, _row, cve_id = tool_and_tracker(app, tx, number)
        try:
            tool.publish(cve_id)
        except HumanStep as step:
            raise Refused(f"tracker #{number}: {step}") from None
        tx.audit(number, f"{number}:publish:{cve_id}", None, "public")
        write_rollup(
            tx, app, number, action=f"Sync ({cve_id} published)", headline=f"{cve_id} published by the CNA tool.",
            items=["record state: public"], next_move="unchanged", notification=notification_no_event(),
        )  # fmt: skip
    return f"{cve_id} is public."


def retract(app: App, number: int, reason: str) -> str:
    app.member()
    if not reason.strip():
        raise UsageError("steward cve retract needs --reason TEXT.")
    if not app.passes_allocation_gate():
        raise Refused(f"{app.identity} does not pass governance.cve_allocation_gate, which retraction needs (§7.1).")
    with app.store.transaction(app.slug, actor=app.identity, command="cve retract") as tx:
        tool, _row, cve_id = tool_and_tracker(app, tx, number)
        try:
            tool.retract(cve_id, reason)
        except HumanStep as step:
            raise Refused(f"tracker #{number}: {step}") from None
        tx.audit(number, f"{number}:retract:{cve_id}", None, reason)
        write_rollup(
            tx, app, number, action=f"Sync ({cve_id} retracted)", headline=f"{cve_id} retracted.",
            items=[f"reason: {reason.strip()}"], next_move="unchanged", notification=notification_no_event(),
        )  # fmt: skip
    return f"{cve_id} is retracted."
