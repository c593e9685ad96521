"""`steward triage`: the proposal, concurrence and decisions of spec §6.1 and §6.3, with their reporter drafts (§9).

A decision is planned completely — quorum, hard stops, lifecycle guards, the
draft with every placeholder filled — before anything is written, so a refusal
leaves the store, the audit chain and the drafts folder untouched (G1). Without
confirmation the plan is only shown.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Any

from steward import ids
from steward.app import App
from steward.domain.board import column_for
from steward.domain.fields import ParsedBody, field_value
from steward.domain.lifecycle import Effect, RecordState, close_effect, reopen_effect, triage_valid_effect
from steward.domain.markers import comment_marker, render_marker
from steward.domain.roles import Column, Field, Label, Role
from steward.domain.rollup import notification_no_event, notification_suppressed
from steward.errors import Refused, UsageError
from steward.services.facts import parse_stored, tracker_facts
from steward.services.reporter_drafts import DraftPlan, one_line, plan_draft, tracker_url, write_draft
from steward.services.rollup_log import write_rollup
from steward.services.triage_evidence import security_model_quotes
from steward.store import CommentRow, TrackerRow, Transaction
from steward.triage import quorum as q
from steward.triage.hard_stops import Ask, NoOp, Stop, invalidation_stop
from steward.triage.proposal import ProposalText, RosterMember, ScopeReviewers, choose_mentions, render_proposal

DISPOSITION_OF: dict[q.Decision, Label] = {
    q.Decision.INVALID: Label.INVALID,
    q.Decision.NOT_CVE_WORTHY: Label.NOT_CVE_WORTHY,
    q.Decision.WONTFIX: Label.WONTFIX,
}
CLOSING_MARKER = "triage-closing"
DEFAULT_REJECTION = "negative-assessment"
TERMINAL = "none — terminal disposition."
MAX_LINKED = 5


def tracker_name(app: App) -> str:
    return app.config.tracker.repo or app.slug


def comment_url(app: App, number: int, comment_id: int) -> str:
    return f"{tracker_url(app, number)}#comment-{comment_id}"


def roster_handles(app: App) -> list[str]:
    return [m.handle for m in app.config.roster.members]


def triager_count(app: App) -> int:
    return sum(1 for m in app.config.roster.members if Role.TRIAGER in m.roles)


def quorum_comments(tx: Transaction, number: int) -> list[q.Comment]:
    """The tracker's comments with their reactions, as the pure quorum rule reads them."""
    return [
        q.Comment(c.id, c.author, c.body, c.created_at, tuple((r.user, r.kind) for r in tx.list_reactions(c.id)))
        for c in tx.list_comments(number)
    ]


def board_update(app: App, row: TrackerRow, effect: Effect) -> tuple[str | None, str]:
    """The new board column and the rollup item; a disabled board is a no-op (§2.11)."""
    if not app.config.tracker.project_board_enabled:
        return row.board_column, "board: disabled (tracker.project_board_enabled: false)"
    previous = Column(row.board_column) if row.board_column in set(Column) else None
    column = column_for(effect.labels, effect.closed, previous, app.labels)
    return column.value, f"board: {column.value}" + (" (archived)" if effect.closed else "")


def ordered_labels(row: TrackerRow, labels: frozenset[str]) -> list[str]:
    kept = [name for name in row.labels if name in labels]
    return kept + sorted(labels - set(kept))


def label_change(effect: Effect) -> str:
    return ", ".join([f"+{a}" for a in sorted(effect.added)] + [f"-{r}" for r in sorted(effect.removed)])


def cve_of(row: TrackerRow, parsed: ParsedBody) -> str | None:
    return row.cve_id or ids.first_cve(field_value(parsed, Field.CVE_TOOL_LINK) or "")


def record_state(app: App, tx: Transaction, cve: str | None) -> RecordState | None:
    """The live CNA record state read through the CNA port (§6.3 hard stops); `unknown` when it cannot be read.

    Tools that keep states locally (demo, mitre-form before publication) answer from the store.
    """
    if cve is None:
        return None
    from steward.cna.interface import CveToolError, NotApplicable
    from steward.errors import StewardError
    from steward.services.cna_tools import tool_for

    try:
        state = tool_for(app, tx).fetch_current_state(cve).state
    except NotApplicable:  # no tool to ask (`none`): what steward recorded locally is all there is
        found = tx.get_record_state(cve)
        if found is None:
            return None
        return RecordState(found.state) if found.state in set(RecordState) else RecordState.UNKNOWN
    except (CveToolError, StewardError):
        return RecordState.UNKNOWN
    return None if state is RecordState.NONE and tx.get_record_state(cve) is None else state


# ---------------------------------------------------------------- --propose and --concur


@dataclass(frozen=True)
class Posted:
    comment: CommentRow
    mentions: tuple[str, ...]


_NOTE_KEYS = {"code location": "code", "severity guess": "severity", "fix shape": "fix"}


def parse_note(cls: str, note: str) -> ProposalText:
    """The `--note` file: free text is the summary; `Code location:`, `Severity guess:`, `Fix shape:` lines fill in."""
    found: dict[str, str] = {}
    summary: list[str] = []
    for line in note.splitlines():
        key, sep, rest = line.partition(":")
        slot = _NOTE_KEYS.get(key.strip().casefold()) if sep else None
        if slot is not None and rest.strip():
            found[slot] = rest.strip()
        else:
            summary.append(line)
    codes = tuple(c.strip().strip("`") for c in found.get("code", "").split(",") if c.strip())
    return ProposalText(
        cls=cls,
        summary="\n".join(summary).strip(),
        code_locations=codes,
        severity_guess=found.get("severity"),
        fix_shape=found.get("fix"),
    )


def security_model_quote(app: App, text: str) -> tuple[str | None, str | None]:
    """The best `product.trust_boundaries` anchor for the report, quoted with its source URL."""
    quotes = security_model_quotes(app.config, text)
    if not quotes:
        return None, None
    return quotes[0].text, quotes[0].source


def propose(app: App, number: int, cls: str, note: str) -> Posted:
    """Post the triage-proposal comment (§6.1); the command line is the confirmation (G1)."""
    app.member()
    wanted = cls.strip().upper()
    if wanted not in q.CLASSES:
        raise UsageError(f"--propose {cls!r} is not a triage class; use one of {', '.join(q.CLASSES)}.")
    text = parse_note(wanted, note)
    with app.store.transaction(app.slug, actor=app.identity, command="triage --propose") as tx:
        row = tx.get_tracker(number)
        if not row.is_open:
            raise Refused(f"tracker #{number} is closed; reopen it (steward triage {number} --reopen) to re-triage.")
        parsed = parse_stored(row, app.headings)
        quote, source = security_model_quote(app, f"{row.title}\n{field_value(parsed, Field.ISSUE_DESCRIPTION) or ''}")
        text = replace(text, security_model_quote=quote, security_model_source=source)
        scopes = [ScopeReviewers(name, s.path_prefix, tuple(s.reviewers)) for name, s in app.config.scopes().items()]
        roster = [RosterMember(m.handle, tuple(m.roles)) for m in app.config.roster.members]
        mentions = choose_mentions(
            pr_authors=(), code_pointers=text.code_locations, scopes=scopes, roster=roster, invoker=app.identity
        )
        body = render_proposal(text, mentions)
        comment = tx.add_comment(number, app.identity, body)
        tx.audit(number, f"{number}:propose:{comment.id}", None, body)
    return Posted(comment, mentions)


@dataclass(frozen=True)
class Concurred:
    proposal: CommentRow
    added: bool
    note: str


def concur(app: App, number: int) -> Concurred:
    """The acting user's 👍 on the newest triage proposal (§6.1); the reaction is its own record (G3)."""
    app.member()
    with app.store.transaction(app.slug, actor=app.identity, command="triage --concur") as tx:
        tx.get_tracker(number)
        comments = quorum_comments(tx, number)
        proposal = q.newest_proposal(comments, roster_handles(app))
        if proposal is None:
            raise Refused(
                f"tracker #{number} has no triage proposal to concur with; post one with "
                f"steward triage {number} --propose CLASS --note FILE."
            )
        row = tx.get_comment(int(proposal.comment.id))
        if q.login(row.author) == q.login(app.identity):
            return Concurred(row, False, "you wrote this proposal; proposing already counts as your concurrence.")
        mine = [r for r in tx.list_reactions(row.id) if q.login(r.user) == q.login(app.identity)]
        if any(r.kind in q.THUMBS_UP for r in mine):
            return Concurred(row, False, "your 👍 is already on this proposal.")
        tx.add_reaction(row.id, app.identity, "+1")
        tx.audit(number, f"{number}:concur:{row.id}", None, {"user": app.identity, "kind": "+1"})
    return Concurred(row, True, f"👍 added to the {proposal.cls} proposal (comment {row.id}).")


# ---------------------------------------------------------------- decisions


@dataclass(frozen=True)
class DecisionRequest:
    """One decision flag and its options; `explanation` is `N:edit explanation=<text>`."""

    decision: q.Decision
    scope: str | None = None
    reason: str | None = None
    force: bool = False
    canned: str | None = None
    silent: bool = False
    questions: str | None = None
    explanation: str | None = None


@dataclass(frozen=True)
class DecisionResult:
    number: int
    decision: q.Decision
    applied: bool
    noop: bool
    action: str
    items: tuple[str, ...]
    notification: str
    draft_key: str | None = None
    template: str | None = None
    concurring: tuple[str, ...] = ()
    forced: bool = False
    warnings: tuple[str, ...] = ()

    def as_json(self) -> dict[str, Any]:
        return {
            "tracker": self.number,
            "decision": self.decision.value,
            "applied": self.applied,
            "noop": self.noop,
            "action": self.action,
            "items": list(self.items),
            "notification": self.notification,
            "draft_key": self.draft_key,
            "template": self.template,
            "concurring": list(self.concurring),
            "forced": self.forced,
            "warnings": list(self.warnings),
        }


@dataclass(frozen=True)
class _Plan:
    action: str
    headline: str
    items: list[str]
    next_move: str
    effect: Effect | None = None
    draft: DraftPlan | None = None
    notification: str = notification_no_event()
    closing_comment: str | None = None
    scope: str | None = None
    concurring: tuple[str, ...] = ()
    forced: bool = False


def _check_request(req: DecisionRequest) -> None:
    if req.force and not (req.reason or "").strip():
        raise UsageError("--force needs --reason TEXT saying why quorum is bypassed (recorded in audit and rollup).")
    if req.decision is q.Decision.REOPEN and not (req.reason or "").strip():
        raise UsageError("--reopen needs --reason TEXT saying why the tracker is reopened.")
    if req.force and req.decision not in q.QUORUM_DECISIONS:
        raise UsageError(f"--force bypasses quorum, which --{req.decision.value} does not need; drop --force.")
    if req.decision is q.Decision.VALID and not (req.scope or "").strip():
        raise UsageError("--valid needs --scope S, one of the scope_detection.labels scopes.")
    if req.canned and req.silent:
        raise UsageError("use either --canned SLUG or --silent, not both.")
    if req.canned and req.decision not in DISPOSITION_OF:
        raise UsageError("--canned picks the rejection template of --invalid, --not-cve-worthy or --wontfix.")
    if req.decision is q.Decision.NEED_INFO and not (req.questions or "").strip():
        raise UsageError("the --need-info file is empty; write the questions for the reporter in it.")


def _quorum(app: App, tx: Transaction, number: int, req: DecisionRequest) -> q.QuorumResult:
    return q.quorum(
        req.decision,
        app.identity,
        quorum_comments(tx, number),
        roster_handles(app),
        triager_count=triager_count(app),
        triage_quorum=app.config.governance.triage_quorum,
        force=req.force,
        reason=req.reason,
        patterns=app.patterns,
    )


def _quorum_items(result: q.QuorumResult) -> list[str]:
    if result.forced:
        return [one_line(r) for r in result.reasons if r.startswith("quorum bypassed")]
    names = ", ".join(f"@{h}" for h in result.concurring)
    return [f"quorum: {names} ({len(result.concurring)} of {result.needed} needed)"]


def _refuse_quorum(tid: str, number: int, result: q.QuorumResult) -> Refused:
    why = " ".join(result.reasons) or f"{len(result.concurring)} of {result.needed} roster members concur."
    return Refused(
        f"{tid} needs triage quorum (§6.1) on tracker #{number}: {why} "
        f"Clear it with more concurrences (steward triage {number} --concur) or --force --reason TEXT."
    )


def _plan_valid(app: App, tx: Transaction, row: TrackerRow, parsed: ParsedBody, req: DecisionRequest) -> _Plan:
    facts = tracker_facts(app, row, parsed)
    effect = triage_valid_effect(facts, app.labels, req.scope, quorum=True)
    result = _quorum(app, tx, row.number, req)
    if not result.met:
        raise _refuse_quorum("T4", row.number, result)
    cls = result.proposal.cls if result.proposal is not None and not result.forced else q.VALID
    draft = plan_draft(app, tx, row, parsed, template="report-accepted", values={}, target=req.scope or "")
    return _Plan(
        action=f"Triage ({cls})",
        headline=f"Assessed valid in scope {req.scope}" + (" (quorum bypassed)." if result.forced else "."),
        items=[*_quorum_items(result), f"labels {label_change(effect)} (T4)"],
        next_move=f"CVE allocation — @{app.identity} (steward cve allocate {row.number})",
        effect=effect,
        draft=draft,
        scope=req.scope,
        concurring=result.concurring,
        forced=result.forced,
    )


def _closing_comment(app: App, row: TrackerRow, disposition: str, req: DecisionRequest, result: q.QuorumResult) -> str:
    links: list[str] = []
    if result.proposal is not None:
        links.append(comment_url(app, row.number, int(result.proposal.comment.id)))
    reason = (req.reason or "").strip() or "see the triage discussion linked below."
    lines = [
        render_marker(CLOSING_MARKER, disposition=disposition.replace(" ", "-")),
        f"Closed as {disposition} (not planned) by @{app.identity}.",
        "",
        f"Reason: {reason}",
    ]
    if links:
        lines += ["", "Discussion: " + ", ".join(links[:MAX_LINKED])]
    return "\n".join(lines) + "\n"


def _linked_comments(app: App, tx: Transaction, row: TrackerRow, result: q.QuorumResult) -> list[str]:
    """Up to five roster comments after the proposal, for the closing comment's discussion links."""
    if result.proposal is None:
        return []
    trusted = roster_handles(app)
    start = result.proposal.comment.created_at
    found = [
        c
        for c in tx.list_comments(row.number)
        if c.created_at > start
        and q.login(c.author) in {q.login(h) for h in trusted}
        and comment_marker(c.body, c.author, trusted) is None
    ]
    return [comment_url(app, row.number, c.id) for c in found[: MAX_LINKED - 1]]


def _plan_close(app: App, tx: Transaction, row: TrackerRow, parsed: ParsedBody, req: DecisionRequest) -> _Plan | None:
    role = DISPOSITION_OF[req.decision]
    name = app.labels.of(role)
    cve = cve_of(row, parsed)
    state = record_state(app, tx, cve)
    stop = invalidation_stop(
        state,
        row.labels,
        not row.is_open,
        app.labels,
        cve is not None,
        tracker_id=str(row.number),
        escalation_contact=app.config.governance.escalation_contact,
    )
    if isinstance(stop, NoOp):
        return None
    if isinstance(stop, Stop | Ask):
        raise Refused(f"{stop.message} ({stop.rule}; what clears it: {stop.clears}).")
    facts = replace(tracker_facts(app, row, parsed), record_state=state)
    effect = close_effect(facts, app.labels, role, quorum=True)
    result = _quorum(app, tx, row.number, req)
    if not result.met:
        raise _refuse_quorum("T5", row.number, result)
    template = req.canned or DEFAULT_REJECTION
    if req.silent:
        draft: DraftPlan | None = None
        notification = notification_suppressed("--silent", "true")
    else:
        explanation = (req.explanation or req.reason or "").strip()
        values = {"DETAILED_EXPLANATION": explanation} if explanation else {}
        hint = "give --reason TEXT or --apply '1:edit explanation=<text>', or skip the draft with --silent"
        draft = plan_draft(
            app,
            tx,
            row,
            parsed,
            template=template,
            values=values,
            target=role.value,
            required={"DETAILED_EXPLANATION": hint},
        )
        notification = draft.notification
    comment = _closing_comment(app, row, name, req, result)
    extra = _linked_comments(app, tx, row, result)
    if extra:
        comment = comment.rstrip("\n") + ", " + ", ".join(extra) + "\n"
    items = [*_quorum_items(result)]
    if (req.reason or "").strip():
        items.append(f"reason: {one_line(req.reason or '')}")
    items += [f"labels {label_change(effect)} (T5)", "closed not planned"]
    if draft is not None and draft.built is not None:
        items.append(f"template: {template}")
    return _Plan(
        action=f"Closed as {name}",
        headline=f"Closed as {name}" + (" (quorum bypassed with --force)." if result.forced else " with quorum."),
        items=items,
        next_move=TERMINAL,
        effect=effect,
        draft=draft,
        notification=notification,
        closing_comment=comment,
        concurring=result.concurring,
        forced=result.forced,
    )


def _plan_need_info(app: App, tx: Transaction, row: TrackerRow, parsed: ParsedBody, req: DecisionRequest) -> _Plan:
    if not row.is_open:
        raise Refused(f"tracker #{row.number} is closed; reopen it before asking the reporter for more.")
    questions = (req.questions or "").strip()
    target = "questions-" + hashlib.sha256(questions.encode("utf-8")).hexdigest()[:16]
    draft = plan_draft(
        app,
        tx,
        row,
        parsed,
        template="additional-information-requested",
        values={"QUESTIONS": questions},
        target=target,
    )
    return _Plan(
        action="Information requested",
        headline="Asked the reporter for more information.",
        items=[f"questions: {one_line(questions, 200)}"],
        next_move=f"reporter answers on the thread — waiting on: reporter (owner @{app.identity})",
        draft=draft,
        notification=draft.notification,
    )


def _plan_reopen(app: App, tx: Transaction, row: TrackerRow, parsed: ParsedBody, req: DecisionRequest) -> _Plan:
    effect = reopen_effect(tracker_facts(app, row, parsed), app.labels, roster_member=True)
    return _Plan(
        action="Reopened",
        headline="Reopened for triage.",
        items=[f"reason: {one_line(req.reason or '')}", f"labels {label_change(effect)} (T17)", "reopened"],
        next_move=f"triage — @{app.identity} (steward triage {row.number} --evidence)",
        effect=effect,
    )


def _apply(app: App, tx: Transaction, row: TrackerRow, plan: _Plan) -> str | None:
    """Apply in §6.3 order: closing comment → labels/close/board → draft → rollup (last, G3)."""
    number = row.number
    items = list(plan.items)
    if plan.closing_comment is not None:
        posted = tx.add_comment(number, app.identity, plan.closing_comment)
        tx.audit(number, f"{number}:closing-comment:{posted.id}", None, plan.closing_comment)
        items.insert(0, f"closing comment {posted.id}")
    if plan.effect is not None and (plan.effect.changed or plan.effect.closed != (not row.is_open)):
        labels = ordered_labels(row, plan.effect.labels)
        column, board_item = board_update(app, row, plan.effect)
        scopes = app.labels.scope_labels(plan.effect.labels)
        changes: dict[str, Any] = {
            "labels": labels,
            "board_column": column,
            "scope": scopes[0] if len(scopes) == 1 else None,
        }
        if plan.effect.closed != (not row.is_open):
            changes["closed"] = plan.effect.closed
            changes["close_reason"] = plan.effect.close_reason.value if plan.effect.close_reason else None
        tx.update_tracker(number, **changes)
        tx.audit(
            number,
            f"{number}:{plan.effect.transition}",
            {"labels": list(row.labels), "state": row.state, "close_reason": row.close_reason},
            {"labels": labels, "closed": plan.effect.closed, "close_reason": changes.get("close_reason")},
        )
        items.append(board_item)
    key = write_draft(app, tx, number, plan.draft) if plan.draft is not None else None
    write_rollup(
        tx,
        app,
        number,
        action=plan.action,
        headline=plan.headline,
        items=items,
        next_move=plan.next_move,
        notification=plan.draft.notification if plan.draft is not None else plan.notification,
    )
    return key


_PLANNERS = {
    q.Decision.VALID: _plan_valid,
    q.Decision.INVALID: _plan_close,
    q.Decision.NOT_CVE_WORTHY: _plan_close,
    q.Decision.WONTFIX: _plan_close,
    q.Decision.NEED_INFO: _plan_need_info,
    q.Decision.REOPEN: _plan_reopen,
}


def decide(app: App, number: int, req: DecisionRequest, *, apply: bool) -> DecisionResult:
    """Plan one decision; with `apply`, write it. Every gate is checked before the first write (G1)."""
    _check_request(req)
    app.member()
    planner = _PLANNERS.get(req.decision)
    if planner is None:
        raise UsageError(f"{req.decision.value} is not a steward triage decision flag; use steward dedupe for merges.")
    with app.store.transaction(app.slug, actor=app.identity, command=f"triage --{req.decision.value}") as tx:
        row = tx.get_tracker(number)
        parsed = parse_stored(row, app.headings)
        plan = planner(app, tx, row, parsed, req)
        if plan is None:
            return DecisionResult(
                number, req.decision, False, True, "none", (f"tracker #{number} is already closed; nothing to do.",),
                notification_no_event(),
            )  # fmt: skip
        draft = plan.draft
        template = draft.template if draft is not None and draft.built is not None else None
        notification = draft.notification if draft is not None else plan.notification
        key = _apply(app, tx, row, plan) if apply else None
    return DecisionResult(
        number,
        req.decision,
        apply,
        False,
        plan.action,
        tuple(plan.items),
        notification,
        key if apply else (draft.built.draft.key if draft is not None and draft.built is not None else None),
        template,
        plan.concurring,
        plan.forced,
        draft.warnings if draft is not None else (),
    )


def post_comment(app: App, number: int, body: str) -> CommentRow:
    """`steward comment`: a roster member's comment (concurrence, discussion); it is its own record (G3)."""
    app.member()
    if not body.strip():
        raise UsageError("the --body-file is empty; write the comment in it.")
    with app.store.transaction(app.slug, actor=app.identity, command="comment") as tx:
        tx.get_tracker(number)
        posted = tx.add_comment(number, app.identity, body)
        tx.audit(number, f"{number}:comment:{posted.id}", None, body)
    return posted


def thread_dates(tx: Transaction, roots: Sequence[str]) -> dict[str, Any]:
    """Root Message-ID → time of its first dated message, for chronological thread merges."""
    dates: dict[str, Any] = {}
    for root in roots:
        stamps = [m.sent_at for m in tx.thread_messages(root) if m.sent_at is not None]
        if stamps:
            dates[root] = min(stamps)
    return dates
