"""Applying a mail-import selection (spec §5.13, §5.17, §9.3): plan every item, then one transaction per item."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from steward.app import App
from steward.comms.sink import MaildirDraftSink
from steward.domain.fields import BodyFormatError, field_value, parse_fields, set_field
from steward.domain.roles import NO_RESPONSE, Field
from steward.domain.threads import ThreadRef, render_thread
from steward.errors import OperationFailed
from steward.intake.display import safe_terminal
from steward.services import selector as sel
from steward.services.import_items import (
    PUBLIC_FIX_TEMPLATE,
    ImportProposal,
    Progress,
    no_progress,
)
from steward.services.import_mail_plan import Op, plan
from steward.services.reporter_drafts import drafts_sink, one_line
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
