"""Applying a mail-import selection (spec §5.13, §5.17, §9.3): plan every item, then one transaction per item."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from email.utils import formataddr
from pathlib import Path
from typing import Any

from steward.app import App
from steward.comms.canned import SLUGS
from steward.comms.drafts import (
    BuiltDraft,
    DraftEvent,
    Route,
    ThreadFacts,
    ThreadMessage,
    build_draft,
    is_relayed,
)
from steward.comms.drafts import TrackerFacts as DraftFacts
from steward.comms.sink import MaildirDraftSink
from steward.domain.board import column_for
from steward.domain.fields import BodyFormatError, field_value, parse_fields, render_body, set_field
from steward.domain.lifecycle import created_labels
from steward.domain.roles import NO_RESPONSE, Field
from steward.domain.rollup import (
    notification_drafted,
    notification_no_event,
    notification_no_reporter,
    notification_not_relayed,
    notification_reporter_on_team,
    notification_suppressed,
)
from steward.domain.threads import ThreadRef, render_thread
from steward.domain.titles import normalise_title
from steward.errors import OperationFailed, UsageError
from steward.intake.classify import Action
from steward.intake.display import safe_terminal
from steward.intake.relays import adapters_for
from steward.services import selector as sel
from steward.services.import_items import (
    PUBLIC_FIX_TEMPLATE,
    RECEIPT,
    ImportProposal,
    Progress,
    Proposed,
    no_progress,
)
from steward.services.reporter_drafts import canned_dir, drafts_sink, one_line
from steward.services.rollup_log import write_rollup
from steward.store import Transaction


class IndexedSink(MaildirDraftSink):
    """The Maildir sink with its key index read once per run, so a long import does not rescan every draft.

    The index starts from what is on disk, so a draft written before a crash is still found.
    """

    def __init__(self, path: Path) -> None:
        super().__init__(path)
        self._index: dict[str, str] | None = None

    def find(self, key: str) -> str | None:
        if self._index is None:
            self._index = {d.key.casefold(): d.sink_id for d in self.list()}
        return self._index.get(key.strip().casefold())

    def put(self, draft: Any) -> str:
        sink_id = super().put(draft)
        if self._index is not None:
            self._index[draft.key.strip().casefold()] = sink_id
        return sink_id


@dataclass(frozen=True)
class Op:
    """One item, planned completely before anything is written (G1): body, labels, drafts and rollup lines."""

    item: Proposed
    action: Action
    target: int | None
    title: str
    body: str
    labels: tuple[str, ...]
    column: str
    draft: BuiltDraft | None
    template: str | None
    notification: str
    notes: tuple[str, ...] = ()
    relay: str | None = None
    relay_trusted: bool = False
    route: Route | None = None
    credit: str | None = None


@dataclass(frozen=True)
class Applied:
    number: int
    action: str
    key: str
    tracker: int | None
    draft: str | None
    note: str


@dataclass(frozen=True)
class ImportResult:
    applied: tuple[Applied, ...]
    skipped: tuple[Applied, ...] = field(default=())

    def as_json(self) -> dict[str, Any]:
        def one(a: Applied) -> dict[str, Any]:
            return {
                "number": a.number,
                "action": a.action,
                "message_id": a.key,
                "tracker": a.tracker,
                "draft": a.draft,
                "note": a.note,
            }

        return {"applied": [one(a) for a in self.applied], "already_applied": [one(a) for a in self.skipped]}


def _values(item: Proposed, template: str, *, urls: Sequence[str] = ()) -> dict[str, str]:
    if template == PUBLIC_FIX_TEMPLATE:
        listed = "\n".join(urls) or "the public pull request you linked"
        return {"QUESTIONS": f"Could you check whether this public change already addresses your report?\n{listed}"}
    return {}


def _direct_route(app: App, item: Proposed) -> Route | str:
    emails = {e.casefold() for m in app.config.roster.members for e in m.emails}
    address = (item.root.from_addr or "").casefold()
    if address and address in emails:
        return notification_reporter_on_team()
    domain = address.rpartition("@")[2].rstrip(".")
    if not domain or domain == "invalid" or domain.endswith(".invalid"):
        # Inbound mail from an address that cannot receive mail is one item without a route, not a config error.
        return notification_no_reporter("the root message's From: address cannot receive mail")
    return Route("direct")


def _route(app: App, item: Proposed, template: str, trusted: bool) -> Route | str:
    """The §9.1 route, or the rollup line that says why there is no draft."""
    relay = item.candidate.relay
    if relay is None:
        return _direct_route(app, item)
    if not (item.candidate.verified_relay or trusted):
        return notification_no_reporter("unverified relay")
    if not is_relayed(template, ack_forwarder=app.config.forwarders.adapter(relay).ack_forwarder):
        return notification_not_relayed(template)
    return Route("via-forwarder", relay)


def _relay_block(app: App, item: Proposed, credit: str | None) -> Callable[[str], str] | None:
    relay = item.candidate.relay
    if relay is None:
        return None
    adapter = next((a for a in adapters_for(app.config, app.patterns) if a.name == relay), None)
    if adapter is None:
        return None
    fallback = app.config.comms.reporter_name_fallback
    forwarder = ((item.root.from_name or "").split() or [fallback])[0]
    reporter = ((credit or "").split() or [fallback])[0]

    def block(text: str) -> str:
        return adapter.reporter_addressing_block(forwarder, reporter, [], text)

    return block


def _build(
    app: App,
    secret: bytes,
    item: Proposed,
    template: str,
    route: Route,
    *,
    title: str,
    credit: str | None,
    additions: Sequence[str] = (),
) -> BuiltDraft:
    messages = tuple(ThreadMessage(m.message_id, m.sent_at) for m in item.mails)
    facts = DraftFacts(
        tlp=app.config.disclosure.default_tlp,
        thread=ThreadFacts(
            root_subject=item.root.subject,
            root_from=formataddr((item.root.from_name or "", item.root.from_addr or "")),
            messages=messages,
            root_reply_to=item.root.reply_to_addr,
        ),
        reporter_name=credit if route.mode == "via-forwarder" else None,
        reporter_encrypted=item.root.encrypted,
        title=title,
    )
    event = DraftEvent(f"{app.slug}#import", template, item.key, _values(item, template, urls=item.public_fix_urls))
    return build_draft(
        event,
        facts,
        config=app.config,
        secret=secret,
        route_=route,
        canned_dir=canned_dir(app),
        additions=additions,
        relay_block=_relay_block(app, item, credit) if route.mode == "via-forwarder" else None,
    )


def _options(number: int, actions: Sequence[sel.Action]) -> dict[str, Any]:
    """The per-item directives that import mail understands; the rest are usage errors naming the item."""
    out: dict[str, Any] = {"edits": {}}
    for action in actions:
        if isinstance(action, sel.ActAll | sel.ActPick):
            continue
        if isinstance(action, sel.Edit):
            out["edits"][action.field] = action.value
        elif isinstance(action, sel.Silent):
            out["silent"] = True
        elif isinstance(action, sel.TrustRelay):
            out["trust"] = True
        elif isinstance(action, sel.Canned):
            out["canned"] = action.slug
        elif isinstance(action, sel.RejectWithCanned):
            out["reject"] = action.slug
        elif isinstance(action, sel.RejectWithPublicFix):
            out["public_fix"] = action.urls
        elif isinstance(action, sel.MergeInto):
            out["merge"] = action.tracker
        elif isinstance(action, sel.LinkTo):
            out["link"] = action.tracker
        else:
            raise UsageError(
                f"--apply {number}:{sel.render_action(action)} does not apply to `import mail`; "
                "use edit, canned, silent, trust-relay, reject-with-canned, reject-with-public-fix, "
                "merge #N or link #N."
            )
    return out


def _check_slug(number: int, slug: str) -> str:
    if slug not in SLUGS:
        raise UsageError(f"--apply {number}: {slug!r} is not a canned-response slug; use one of: {', '.join(SLUGS)}.")
    return slug


def _field_edits(app: App, number: int, edits: Mapping[str, str]) -> tuple[str | None, dict[Field, str]]:
    title = edits.get("title")
    values: dict[Field, str] = {}
    for name, value in edits.items():
        if name == "title":
            continue
        try:
            values[Field(name.replace("_", "-"))] = value
        except ValueError:
            roles = ", ".join(["title", *(f.value for f in Field)])
            raise UsageError(f"--apply {number}:edit {name}=… names no field; use one of {roles}.") from None
    return title, values


def _ack_model(app: App) -> str:
    return app.config.disclosure.reporter_acknowledgement_model


def plan(app: App, proposal: ImportProposal, selection: sel.Selection) -> list[Op]:
    """Resolve the selection and plan every chosen item; raises before anything is written (G1)."""
    resolved = sel.resolve(selection, len(proposal.items), proposal.default_selection())
    with app.store.read(app.slug) as reader:
        secret = reader.get_secret()
        numbers = {t.number for t in reader.list_trackers()}
    ops: list[Op] = []
    for number in resolved.chosen:
        item = proposal.items[number - 1]
        ops.append(_plan_one(app, secret, numbers, item, _options(number, resolved.actions[number])))
    return _bundle_receipts(app, secret, ops)


def _sender(op: Op) -> str | None:
    """Who a receipt goes to, as far as bundling goes: the reporter's address, or relay and credited name."""
    if op.route is None:
        return None
    if op.route.mode == "via-forwarder":
        return f"relay:{op.relay}:{op.credit.casefold()}" if op.credit else None
    address = (op.item.root.from_addr or "").casefold()
    return f"direct:{address}" if address else None


def _bundle_receipts(app: App, secret: bytes, ops: list[Op]) -> list[Op]:
    """§5.13: several new trackers from one sender get one receipt, on the earliest thread, listing them all.

    The other trackers keep no draft of their own; their rollup names the bundled draft, which is the
    reporter notification that covers them. The credit question is asked once, by the one receipt.
    """
    groups: dict[str, list[int]] = {}
    for index, op in enumerate(ops):
        sender = _sender(op)
        if op.action == "create" and op.template == RECEIPT and op.draft is not None and sender:
            groups.setdefault(sender, []).append(index)
    out = list(ops)
    for indexes in groups.values():
        if len(indexes) < 2:
            continue
        indexes.sort(key=lambda i: (_sent(ops[i]), ops[i].item.number))
        first = ops[indexes[0]]
        assert first.route is not None and first.template is not None
        listing = "\n".join(f"> - {one_line(ops[i].title, 200)}" for i in indexes)
        addition = (
            f"> We received {len(indexes)} separate reports from you; each is tracked on its own and this "
            f"message acknowledges all of them:\n{listing}"
        )
        draft = _build(
            app,
            secret,
            first.item,
            first.template,
            first.route,
            title=first.title,
            credit=first.credit,
            additions=(addition,),
        )
        others = [ops[i].item.number for i in indexes[1:]]
        out[indexes[0]] = replace(
            first,
            draft=draft,
            notification=notification_drafted(draft.draft.key),
            notes=(*first.notes, f"consolidated receipt, also covering items {', '.join(map(str, others))}"),
        )
        for i in indexes[1:]:
            out[i] = replace(
                ops[i],
                draft=None,
                notification=notification_drafted(draft.draft.key),
                notes=(*ops[i].notes, f"receipt bundled into the consolidated receipt on thread `{first.item.key}`"),
            )
    return out


def _sent(op: Op) -> float:
    sent = op.item.root.sent_at
    return sent.timestamp() if sent is not None else float("inf")


def _plan_one(app: App, secret: bytes, numbers: set[int], item: Proposed, opts: Mapping[str, Any]) -> Op:
    cand = item.candidate
    action: Action = cand.action
    target = cand.target_tracker
    template = cand.template
    if "reject" in opts:
        action, template = "reject", _check_slug(item.number, opts["reject"])
    if "public_fix" in opts:
        action, template = "reject", PUBLIC_FIX_TEMPLATE
        item = replace(item, public_fix_urls=tuple(opts["public_fix"]))
    if "merge" in opts:
        action, target = "merge", opts["merge"]
    if "link" in opts:
        action, target = "link", opts["link"]
    if action in ("merge", "link", "comment") and (target is None or target not in numbers):
        raise UsageError(f"--apply {item.number}: {action} needs an existing tracker; #{target} is not one.")
    if "canned" in opts:
        template = _check_slug(item.number, opts["canned"])
    trusted = bool(opts.get("trust"))
    if trusted and cand.relay is None:
        raise UsageError(f"--apply {item.number}:trust-relay: item {item.number} is not a relayed report.")
    title_edit, field_edits = _field_edits(app, item.number, opts.get("edits", {}))
    title = cand.title or item.root.subject or "Untitled report"
    if title_edit:
        result = normalise_title(title_edit, app.patterns, app.config.product.subject_prefix_strip)
        title = result.original if result.over_strip else result.title
    notes: list[str] = []
    credit = cand.credit
    body = ""
    labels: tuple[str, ...] = ()
    column = ""
    if action == "create":
        values = {Field(k): v for k, v in cand.fields.items()}
        if trusted and item.trusted_credit:
            values[Field.REPORTER_CREDIT] = item.trusted_credit
            credit = item.trusted_credit
        values.update(field_edits)
        if cand.relay and not (cand.verified_relay or trusted):
            # §9.1: an unverified relay has no reporter route, so the thread line must not claim one.
            values[Field.SECURITY_THREAD] = render_thread(ThreadRef(None, item.key))
            notes.append(f"unverified relay ({cand.relay}); credit and routing wait for N:trust-relay")
        extra = [("Related references", "\n".join(f"- `{t}`" for t in item.related_references))]
        try:
            body = render_body(values, app.headings, extra if item.related_references else ())
        except BodyFormatError as exc:
            raise OperationFailed(
                f"item {item.number} ({item.key}): the tracker body cannot be written: {exc}."
            ) from exc
        made = created_labels(app.labels, app.config.disclosure.default_tlp)
        labels = tuple(sorted(made, key=lambda name: (name.startswith("TLP:"), name)))
        column = column_for(made, False, None, app.labels).value
        if item.root.encrypted:
            notes.append("received encrypted")
    draft: BuiltDraft | None = None
    notification = notification_no_event()
    wants: str | None = None
    chosen_route: Route | None = None
    if action == "reject":
        wants = template or PUBLIC_FIX_TEMPLATE
    elif action == "create" and cand.cls == "report-converged":
        notes.append("report converged on the thread (roster acceptance acknowledged); no receipt")
    elif action == "create":
        wants = template or RECEIPT
    if wants is not None:
        if opts.get("silent"):
            notification = notification_suppressed("--apply", f"{item.number}:silent")
        elif action == "create" and _ack_model(app) == "none":
            notification = notification_suppressed("disclosure.reporter_acknowledgement_model", "none")
        else:
            route = _route(app, item, wants, trusted)
            if isinstance(route, str):
                notification = route
            else:
                draft = _build(app, secret, item, wants, route, title=title, credit=credit)
                notification = notification_drafted(draft.draft.key)
                chosen_route = route
                if action == "create" and _ack_model(app) == "auto":
                    notes.append(f"draft {draft.draft.key} [auto-ack]")
    return Op(
        item=item,
        action=action,
        target=target,
        title=title,
        body=body,
        labels=labels,
        column=column,
        draft=draft,
        template=wants,
        notification=notification,
        notes=tuple(notes),
        relay=cand.relay,
        relay_trusted=bool(cand.verified_relay or trusted),
        route=chosen_route,
        credit=credit,
    )


def _record(tx: Transaction, op: Op) -> None:
    relay = op.relay if op.relay and not op.relay_trusted else None
    for mail in op.item.mails:
        tx.record_message(
            mail.message_id,
            root_message_id=op.item.key,
            subject=mail.subject,
            from_name=mail.from_name,
            from_addr=mail.from_addr,
            reply_to_addr=mail.reply_to_addr,
            sent_at=mail.sent_at,
            encrypted=mail.encrypted,
            relay=relay,
        )


def _write_draft(app: App, tx: Transaction, sink: MaildirDraftSink, op: Op, tracker: int | None) -> str | None:
    if op.draft is None or op.template is None:
        return None
    draft = op.draft.draft
    tx.put_draft(draft.key, template=op.template, tracker=tracker, state="pending")
    sink_id = sink.put(draft)
    tx.put_draft(draft.key, template=op.template, tracker=tracker, sink_id=sink_id, state="written")
    tx.audit(tracker, f"import:{op.item.key}:draft:{op.template}", None, {"key": draft.key, "sink_id": sink_id})
    return draft.key


def _already(tx: Transaction, op: Op) -> str | None:
    """The G4 re-check inside the item's own transaction: what a crashed or concurrent run already applied."""
    if op.item.new_messages:
        if all(tx.get_message(key) is not None for key in op.item.new_messages):
            return "follow-up already recorded"
        return None
    refs = tx.find_thread_refs(op.item.key)
    if refs:
        return f"thread already on #{refs[0].tracker}"
    if tx.find_rejection(op.item.key) is not None:
        return "already in the rejections ledger"
    if op.action == "comment" and tx.get_message(op.item.key) is not None:
        return "follow-up already recorded"
    return None


def _safe_name(text: str) -> str:
    return one_line(safe_terminal(text).replace("<", "").replace(">", "").replace("·", "-"), 80) or "unknown"


def _items(op: Op, extra: Iterable[str]) -> list[str]:
    lines = [f"thread `{op.item.key}`", *extra, *op.notes]
    return [one_line(safe_terminal(line)) for line in lines if line.strip()]


def _apply_one(app: App, sink: MaildirDraftSink, op: Op) -> Applied | str:
    item = op.item
    with app.store.transaction(app.slug, actor=app.identity, command="import mail") as tx:
        done = _already(tx, op)
        if done is not None:
            return done
        reporter = _safe_name(item.reporter)
        if op.action == "create":
            row = tx.create_tracker(op.title, op.body, op.labels, op.column, app.identity)  # §1.1: the importer
            tx.audit(row.number, f"import:{item.key}:create", None, {"title": op.title, "labels": list(op.labels)})
            _record(tx, op)
            tx.add_thread_ref(row.number, item.key, relay=op.relay if op.relay_trusted else None)
            key = _write_draft(app, tx, sink, op, row.number)
            write_rollup(
                tx,
                app,
                row.number,
                action=f"Import ({item.candidate.cls}, {reporter})",
                headline=f"Imported from the security list as {one_line(safe_terminal(op.title), 200)!r}.",
                items=_items(op, [f"labels: {', '.join(op.labels)}", f"board: {op.column}"]),
                next_move=f"triage — @{app.identity} (steward triage {row.number} --evidence)",
                notification=op.notification,
            )
            return Applied(item.number, "create", item.key, row.number, key, "created")
        if op.item.new_messages:
            return _apply_refresh(app, tx, op, reporter)
        if op.action in ("link", "merge"):
            assert op.target is not None
            row = tx.get_tracker(op.target)
            _record(tx, op)
            body = row.body
            try:
                current = field_value(parse_fields(body, app.headings), Field.SECURITY_THREAD)
                line = render_thread(ThreadRef(None, item.key, op.relay if op.relay_trusted else None))
                value = line if current is None else f"{current}\n{line}"
                body = set_field(body, Field.SECURITY_THREAD, value, app.headings)
            except BodyFormatError as exc:
                raise OperationFailed(f"tracker #{op.target}: {exc}; fix its body, then re-run the import.") from exc
            tx.update_tracker(op.target, body=body)
            tx.add_thread_ref(op.target, item.key, relay=op.relay if op.relay_trusted else None)
            tx.audit(op.target, f"import:{item.key}:{op.action}", row.body, body)
            extra = [f"security thread + {item.key}"]
            if op.action == "merge":
                desc = item.candidate.fields.get(Field.ISSUE_DESCRIPTION.value, NO_RESPONSE)
                comment = tx.add_comment(
                    op.target, app.identity, f"**Merged report at import** (thread `{item.key}`)\n\n{desc}"
                )
                extra.append(f"report merged as comment {comment.id}")
            write_rollup(
                tx,
                app,
                op.target,
                action=f"Import ({op.action}, {reporter})",
                headline=f"Thread {'merged into' if op.action == 'merge' else 'linked to'} this tracker at import.",
                items=_items(op, extra),
                next_move="unchanged",
                notification=op.notification,
            )
            return Applied(item.number, op.action, item.key, op.target, None, f"{op.action}ed into #{op.target}")
        if op.action == "comment":
            assert op.target is not None
            _record(tx, op)
            comment = tx.add_comment(op.target, app.identity, item.comment_body or NO_RESPONSE)
            tx.audit(op.target, f"import:{item.key}:comment", None, comment.body)
            return Applied(item.number, "comment", item.key, op.target, None, f"comment {comment.id} on #{op.target}")
        if op.action == "reject":
            _record(tx, op)
            key = _write_draft(app, tx, sink, op, None)
            canned = op.template or PUBLIC_FIX_TEMPLATE
            summary = f"rejected at import as {item.candidate.cls} ({canned})"
            tx.add_rejection(
                date=app.now().date(),
                reporter=item.root.from_addr or item.reporter,
                canned=canned,
                thread=item.key,
                message_id=item.key,
                summary=summary,
            )
            tx.audit(None, f"import:{item.key}:reject", None, {"canned": canned, "draft": key})
            return Applied(item.number, "reject", item.key, None, key, summary)
    return f"action {op.action} is recap-only"


def _apply_refresh(app: App, tx: Transaction, op: Op, reporter: str) -> Applied:
    """`--thread` on an imported thread: record the new messages and quote them in one comment."""
    item = op.item
    assert op.target is not None
    _record(tx, op)
    comment = tx.add_comment(op.target, app.identity, item.comment_body or NO_RESPONSE)
    tx.audit(op.target, f"import:{item.key}:link:{item.new_messages[-1]}", None, list(item.new_messages))
    write_rollup(
        tx,
        app,
        op.target,
        action=f"Import (thread update, {reporter})",
        headline=f"{len(item.new_messages)} new message(s) on this tracker's thread, linked at import.",
        items=_items(op, [f"comment {comment.id}", *(f"message `{key}`" for key in item.new_messages)]),
        next_move="unchanged",
        notification=op.notification,
    )
    note = f"{len(item.new_messages)} new message(s) linked to #{op.target}"
    return Applied(item.number, "link", item.key, op.target, None, note)


def apply_import(
    app: App, proposal: ImportProposal, selection: sel.Selection, progress: Progress = no_progress
) -> ImportResult:
    """Plan the whole selection (refusals write nothing), then apply item by item, each in its own transaction."""
    app.member()
    ops = plan(app, proposal, selection)
    sink = IndexedSink(drafts_sink(app).root)
    applied: list[Applied] = []
    skipped: list[Applied] = []
    for done, op in enumerate(ops, 1):
        outcome = _apply_one(app, sink, op)
        if isinstance(outcome, Applied):
            applied.append(outcome)
        else:
            skipped.append(Applied(op.item.number, op.action, op.item.key, op.target, None, outcome))
        progress("applying", done, len(ops))
    return ImportResult(tuple(applied), tuple(skipped))


def render_result(result: ImportResult) -> str:
    lines: list[str] = []
    for a in result.applied:
        where = f" #{a.tracker}" if a.tracker is not None else ""
        draft = f", draft {a.draft}" if a.draft else ""
        lines.append(f"{a.number}. {a.action}{where}: {safe_terminal(a.note)}{draft}")
    for a in result.skipped:
        lines.append(f"{a.number}. skipped: {safe_terminal(a.note)}")
    lines.append(f"Applied {len(result.applied)} item(s); {len(result.skipped)} already applied.")
    return "\n".join(lines)
