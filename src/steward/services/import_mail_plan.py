"""Planning a mail-import selection (spec §5.13): every chosen item becomes an `Op` before anything is written (G1).

Several new trackers from one sender get one consolidated receipt (§5.13); that is decided here too, so
apply only ever writes what the plan holds.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any

from steward.app import App
from steward.comms.canned import SLUGS
from steward.comms.drafts import (
    BuiltDraft,
    Route,
)
from steward.domain.board import column_for
from steward.domain.fields import BodyFormatError, render_body
from steward.domain.lifecycle import created_labels
from steward.domain.roles import Field
from steward.domain.rollup import (
    notification_drafted,
    notification_no_event,
    notification_suppressed,
)
from steward.domain.threads import ThreadRef, render_thread
from steward.domain.titles import normalise_title
from steward.errors import OperationFailed, UsageError
from steward.intake.classify import Action
from steward.services import selector as sel
from steward.services.import_items import (
    PUBLIC_FIX_TEMPLATE,
    RECEIPT,
    ImportProposal,
    Proposed,
)
from steward.services.import_mail_routes import build_import_draft, route_for
from steward.services.reporter_drafts import one_line


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


def ack_model(app: App) -> str:
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
        draft = build_import_draft(
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
        elif action == "create" and ack_model(app) == "none":
            notification = notification_suppressed("disclosure.reporter_acknowledgement_model", "none")
        else:
            route = route_for(app, item, wants, trusted)
            if isinstance(route, str):
                notification = route
            else:
                draft = build_import_draft(app, secret, item, wants, route, title=title, credit=credit)
                notification = notification_drafted(draft.draft.key)
                chosen_route = route
                if action == "create" and ack_model(app) == "auto":
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
