"""`steward import mail` (spec §5.1-§5.13, §5.17, §9.2 row 1, §9.3): mail → numbered proposal → applied items.

Gathering reads the mailbox twice, streaming: a header-only pass groups messages into threads and drops what
is outside the window or already handled (bodies are not read before §5.2), then a second pass parses only
the surviving threads' messages and releases each thread once it is classified, so memory follows the
threads kept, not the mailbox.

Applying is one database transaction per item. The item key is the thread's root Message-ID: it lands in the
thread index (create, merge, link), the rejections ledger (reject) or the inbound-message facts (comment), and
every item re-checks it inside its own transaction, so a re-run after a crash skips what committed. Drafts are
keyed by `X-Steward-Key` over the root Message-ID, not over a tracker number, and the sink is searched before
each write: a draft written just before a crash is found again instead of doubled."""

from __future__ import annotations

import hashlib
import itertools
from collections.abc import Iterable
from dataclasses import replace
from datetime import timedelta
from typing import cast

from steward.app import App
from steward.codehost.interface import CodeHost
from steward.comms.drafts import (
    is_relayed,
)
from steward.config.secrets import resolve_secret
from steward.domain.roles import NO_RESPONSE
from steward.domain.titles import normalise_title
from steward.intake import pgp
from steward.intake.display import safe_terminal
from steward.intake.extract import choose_credit
from steward.intake.message import ParsedMessage, Unparsable, with_body
from steward.intake.pii import OPERATOR_CODES, Code, redact
from steward.intake.precedents import LedgerEntry, RejectionReply, precedent_lines, rejection_reply
from steward.intake.proposal import Candidate, build_candidate
from steward.intake.relays import RelayAdapter, adapters_for, detect_relay
from steward.intake.sanitise import sanitise_body
from steward.intake.signals import is_excluded_sender, subject_keywords, upstream_pr_numbers
from steward.intake.sources import MailSource, SourceItem, parse_item
from steward.intake.thread_grouping import HEAD_LIMIT, MessageHead, ThreadGroup, group_threads, scan_head
from steward.services import selector as sel
from steward.services.archive_intake import ArchiveLink
from steward.services.import_items import (
    PUBLIC_FIX_TEMPLATE,
    RECEIPT,
    ImportProposal,
    Progress,
    Proposed,
    Skipped,
    ThreadMail,
    no_progress,
)
from steward.services.import_mail_apply import ImportResult, apply_import
from steward.services.import_mail_render import ProposalStream
from steward.services.import_window import Window, choose_window, source_for
from steward.services.known_trackers import (
    known,
    known_trackers,  # noqa: F401 - callers import it from here
    rejection_openings,
)
from steward.services.public_fix_search import Outcome, PublicFixSearch
from steward.services.reporter_drafts import one_line
from steward.services.tracker_prefilter import prefilter
from steward.store import Reader


def synthetic_key(raw: bytes) -> str:
    """An item key for a root without a Message-ID: stable for the same bytes, never a real address."""
    return f"<steward-{hashlib.sha256(raw).hexdigest()[:32]}@no-message-id.invalid>"


def _mail(message: ParsedMessage | Unparsable, fallback: str) -> ThreadMail:
    if isinstance(message, Unparsable):
        return ThreadMail(message.message_id or fallback, "", None, None, None, None, False)
    return ThreadMail(
        message.message_id or fallback,
        message.subject,
        message.from_name,
        message.from_addr,
        message.reply_to_addr,
        message.date,
        message.encrypted,
    )


def _reporter(mail: ThreadMail) -> str:
    return (mail.from_name or mail.from_addr or "unknown sender").strip()


class _Context:
    """Everything one gather needs, read once from config and store."""

    def __init__(self, app: App, reader: Reader, archive: ArchiveLink, public_fix: PublicFixSearch) -> None:
        self.app = app
        self.archive = archive
        self.public_fix = public_fix
        self.config = app.config
        self.patterns = app.patterns
        self.adapters: list[RelayAdapter] = adapters_for(app.config, app.patterns)
        self.roster = [e for m in app.config.roster.members for e in m.emails]
        self.known = known(app, reader)
        self.narrow = (
            prefilter(reader, self.known.trackers, app.patterns, tuple(app.config.product.subject_prefix_strip))
            if app.config.intake.fts_prefilter
            else None
        )
        self.secret = reader.get_secret()
        self.openings = rejection_openings(app)
        self.operator_pii: list[tuple[Code, str]] = [
            (cast(Code, p.type), p.value) for p in reader.list_pii() if p.type in OPERATOR_CODES
        ]
        self.now = app.now()
        self.ledger = [LedgerEntry(r.date, r.reporter, r.canned, r.thread, r.summary) for r in reader.list_rejections()]
        self.replies: list[RejectionReply] = []
        block = app.config.security_inbox.pgp
        self.pgp_enabled = block.enabled
        self.pgp_home = block.gnupg_home
        self.pgp_passphrase = (
            resolve_secret(block.passphrase, "security_inbox.pgp.passphrase") if block.enabled else None
        )


class _RejectionSpotter:
    """§5.5 in pass 1: roster replies within `disclosure.prior_rejection_days` are parsed and kept when they
    read as rejections, so every candidate can be checked against them whatever the mailbox order.

    Only roster-sent replies are parsed here (their From: is read from the header block), and at most
    `MAX_REJECTION_REPLIES` are kept, so the pass stays header-bound for the rest of the mailbox.
    """

    def __init__(self, app: App) -> None:
        self.app = app
        self.roster = {e.casefold() for m in app.config.roster.members for e in m.emails}
        self.since = app.now() - timedelta(days=app.config.disclosure.prior_rejection_days)
        self.openings: list[str] | None = None
        self.found: list[RejectionReply] = []

    def look(self, head: MessageHead, item: SourceItem) -> None:
        if head.from_addr not in self.roster or not head.parents or len(self.found) >= MAX_REJECTION_REPLIES:
            return
        if head.date is not None and head.date < self.since:
            return
        message = parse_item(item)
        if not isinstance(message, ParsedMessage):
            return
        if self.openings is None:
            self.openings = rejection_openings(self.app)
        reply = rejection_reply(message, self.roster, self.app.patterns, self.openings, where="mail")
        if reply is not None:
            self.found.append(reply)


def _precedents(ctx: _Context, root: ParsedMessage, own_ids: Iterable[str]) -> tuple[str, ...]:
    keywords = subject_keywords(root.subject, ctx.patterns, ctx.config.product.subject_prefix_strip)
    days = ctx.config.disclosure.prior_rejection_days
    archived = ctx.archive.rejection_replies(
        keywords, ctx.roster, ctx.patterns, ctx.openings, ctx.now - timedelta(days=days)
    )
    lines = precedent_lines(
        keywords,
        root.from_addr,
        ctx.known.trackers,
        ctx.ledger,
        [*ctx.replies, *archived],
        now=ctx.now,
        days=ctx.config.disclosure.prior_rejection_days,
        patterns=ctx.patterns,
        own_ids=own_ids,
    )
    return tuple(lines)


PGP_FAILED = "PGP decryption failed"
MAX_REJECTION_REPLIES = 500


def _decrypted(ctx: _Context, message: ParsedMessage | Unparsable) -> ParsedMessage | Unparsable:
    """§11.7 at import: an encrypted message with its cleartext as the body, or with why it could not be read.

    The cleartext lives only in this message object and what is built from it (the proposal, the tracker in
    the store); nothing here writes it anywhere.
    """
    if not ctx.pgp_enabled or not isinstance(message, ParsedMessage) or not message.encrypted:
        return message
    try:
        result = pgp.decrypt(message, gnupg_home=ctx.pgp_home, passphrase=ctx.pgp_passphrase)
    except Exception as exc:  # decrypt reports failures in its result; this is the last guard for one message
        return replace(message, notes=(*message.notes, f"{PGP_FAILED}: {type(exc).__name__}"))
    if not result.ok:
        return replace(message, notes=(*message.notes, f"{PGP_FAILED}: {result.reason or 'no reason given'}"))
    note = "decrypted at import with the team key" + (f" ({result.reason})" if result.reason else "")
    return with_body(message, result.text, note)


def _handled(ctx: _Context, group: ThreadGroup) -> Skipped | None:
    """§5.2 exact dedupe on every id of the thread (root, replies and what they reference)."""
    ordered = group.ordered()
    root = ordered[0].message_id
    for mid in sorted(group.ids):
        if mid in ctx.known.threads:
            number = ctx.known.threads[mid]
            return Skipped(mid, "", f"already handled: thread is on #{number}", number)
        if mid in ctx.known.ledger:
            return Skipped(root, "", "already handled: in the rejections ledger")
    return None


def _active(group: ThreadGroup, window: Window) -> bool:
    if window.thread is not None:
        return window.thread in group.ids
    if window.since is None:
        return True
    dates = [h.date for h in group.members if h.date is not None]
    return not dates or max(dates) >= window.since


def _planned_drafts(candidate: Candidate, app: App) -> tuple[str, ...]:
    if candidate.action == "create" and candidate.cls != "report-converged":
        if candidate.relay is not None:
            block = app.config.forwarders.adapter(candidate.relay)
            if not candidate.verified_relay:
                return ()
            return (RECEIPT,) if is_relayed(RECEIPT, ack_forwarder=block.ack_forwarder) else ()
        return (RECEIPT,)
    if candidate.action == "reject":
        return (candidate.template or PUBLIC_FIX_TEMPLATE,)
    return ()


def _public_fix_urls(app: App, text: str) -> tuple[str, ...]:
    repo = app.config.tracker.upstream_repo
    return tuple(f"https://github.com/{repo}/pull/{n}" for n in upstream_pr_numbers(text, app.patterns))


def _inbound_text(ctx: _Context, sender: ParsedMessage, text: str) -> str:
    """Inbound text as a tracker may hold it: sanitised (§5.11), third parties redacted (§10.4)."""
    clean = sanitise_body(text, ctx.patterns).text
    redacted, _ = redact(
        clean,
        ctx.secret,
        ctx.patterns,
        own_addresses=[sender.from_addr, *ctx.roster],
        operator_values=ctx.operator_pii,
    )
    return redacted.strip() or NO_RESPONSE


def _fix_urls(ctx: _Context, searched: Outcome, candidate: Candidate, text: str) -> tuple[str, ...]:
    if candidate.cls != "fix-already-public":
        return ()
    return searched.urls or _public_fix_urls(ctx.app, text)


def _comment_body(ctx: _Context, root: ParsedMessage, text: str, key: str) -> str:
    return f"**Follow-up mail at import** (thread `{key}`)\n\n{_inbound_text(ctx, root, text)}"


def _classify(
    ctx: _Context, messages: list[ParsedMessage | Unparsable], raws: list[bytes], reader: Reader
) -> Proposed | Skipped:
    root = messages[0]
    key = (root.message_id if root.message_id else None) or synthetic_key(raws[0])
    relay = detect_relay(root, ctx.adapters) if isinstance(root, ParsedMessage) else None
    if isinstance(root, ParsedMessage) and is_excluded_sender(
        root,
        ctx.config.security_inbox.exclude_senders,
        relay_detected=relay is not None,
        foundation_security=ctx.config.security_inbox.foundation_security_address,
        patterns=ctx.patterns,
    ):
        return Skipped(root.message_id, root.subject, f"excluded sender {root.from_addr}")
    candidate = build_candidate(
        messages,
        ctx.known.trackers,
        ctx.roster,
        ctx.config,
        ctx.patterns,
        secret=ctx.secret,
        now=ctx.now,
        adapters=ctx.adapters,
        rejection_openings=ctx.openings,
        operator_pii=ctx.operator_pii,
        permalink=ctx.archive.permalink(root.message_id if isinstance(root, ParsedMessage) else None),
        narrow=ctx.narrow,
    )
    pgp_notes = tuple(n for n in (root.notes if isinstance(root, ParsedMessage) else ()) if n.startswith(PGP_FAILED))
    if pgp_notes:
        candidate = replace(candidate, reasons=(*candidate.reasons, *pgp_notes))
    if candidate.action == "drop":
        reason = f"dropped ({candidate.cls}): {candidate.reasons[0] if candidate.reasons else 'no reason given'}"
        return Skipped(candidate.message_id, candidate.subject, reason, candidate=candidate)
    assert isinstance(root, ParsedMessage)  # only an unparsable root is dropped without a From:
    if candidate.action == "comment" and reader.get_message(key) is not None:
        return Skipped(key, root.subject, f"already handled: follow-up recorded on #{candidate.target_tracker}")
    text = relay.inner_body(root.body_text) if relay else root.body_text
    searched = ctx.public_fix.check(candidate, root, text)
    candidate = searched.candidate
    trusted: str | None = None
    if relay is not None and not candidate.verified_relay:
        choice = choose_credit(root, text, ctx.patterns, relay, True)
        trusted = choice.value if choice.value != NO_RESPONSE else None
    stripped = normalise_title(root.subject, ctx.patterns, ctx.config.product.subject_prefix_strip).stripped
    mails = tuple(_mail(m, key if i == 0 else synthetic_key(raws[i])) for i, m in enumerate(messages))
    return Proposed(
        number=0,
        candidate=candidate,
        key=key,
        mails=mails,
        reporter=_reporter(mails[0]),
        comment_body=_comment_body(ctx, root, text, key) if candidate.action == "comment" else None,
        trusted_credit=trusted,
        related_references=stripped if root.subject.strip() else (),
        public_fix_urls=(searched.urls or _public_fix_urls(ctx.app, text))
        if candidate.cls == "fix-already-public"
        else (),
        public_fix=searched.lines,
        drafts=_planned_drafts(candidate, ctx.app),
        precedents=_precedents(ctx, root, [m.message_id for m in mails])
        if candidate.cls in ("report", "report-converged")
        else (),
    )


def _refresh(
    ctx: _Context,
    messages: list[ParsedMessage | Unparsable],
    raws: list[bytes],
    reader: Reader,
    target: tuple[int, str],
) -> Proposed | Skipped:
    """§5.1 `--thread` on an imported thread: link the messages its tracker has not seen yet.

    The new messages are recorded (so later drafts reply to the latest one) and quoted, sanitised and
    redacted, in one follow-up comment; the thread line itself is already on the tracker.
    """
    tracker, thread_key = target
    keys = [m.message_id or synthetic_key(raws[i]) for i, m in enumerate(messages)]
    root = next((m for m in messages if isinstance(m, ParsedMessage)), None)
    subject = root.subject if root is not None else ""
    fresh = [i for i, key in enumerate(keys) if reader.get_message(key) is None]
    if not fresh:
        return Skipped(thread_key, subject, f"already handled: thread is on #{tracker}; nothing new since", tracker)
    quoted: list[str] = []
    for i in fresh:
        message = messages[i]
        if not isinstance(message, ParsedMessage):
            quoted.append(f"*A message the import could not read ({keys[i]}).*")
            continue
        who = one_line(safe_terminal(message.from_name or message.from_addr or "unknown sender"), 80)
        when = message.date.date().isoformat() if message.date else "undated"
        quoted.append(f"From {who} ({when}):\n\n{_inbound_text(ctx, message, message.body_text)}")
    body = f"**Follow-up mail at import** (thread `{thread_key}`)\n\n" + "\n\n---\n\n".join(quoted)
    candidate = Candidate(
        message_id=thread_key,
        subject=subject,
        cls="report",
        action="link",
        relay=None,
        credit=None,
        duplicates=(),
        title=subject,
        reasons=(f"thread already on #{tracker}: {len(fresh)} new message(s) since its import",),
        target_tracker=tracker,
    )
    mails = tuple(_mail(m, keys[i]) for i, m in enumerate(messages))
    return Proposed(
        number=0,
        candidate=candidate,
        key=thread_key,
        mails=mails,
        reporter=_reporter(mails[0]),
        drafts=(),
        comment_body=body,
        new_messages=tuple(keys[i] for i in fresh),
    )


def gather(
    app: App,
    source: MailSource,
    source_label: str,
    window: Window,
    progress: Progress = no_progress,
    *,
    stream: ProposalStream | None = None,
    archive: ArchiveLink | None = None,
    code_host: CodeHost | None = None,
) -> ImportProposal:
    """The §5.13 proposal; reads the store and the mailbox, writes nothing.

    With `stream`, each numbered item goes to the stream as soon as it is classified and is not kept (nor is a
    dropped thread's candidate), so a dry run's memory follows the mailbox's headers, not its items; the
    returned proposal then has no items and `streamed` counts them.
    """
    heads: list[MessageHead] = []
    spotter = _RejectionSpotter(app)
    archive = archive or ArchiveLink(app)
    for index, item in enumerate(source.iter_messages()):
        head = scan_head(index, item.raw)
        heads.append(head)
        spotter.look(head, item)
        if index % 200 == 0:
            progress("reading", index + 1, None)
    extra: list[SourceItem] = []
    if archive.readable:
        seen = {h.message_id for h in heads if h.message_id}
        since = window.since or app.now() - timedelta(days=app.config.disclosure.window_days)
        extra = archive.archive_only(seen, since)
        for offset, item in enumerate(extra):
            head = scan_head(len(heads) + offset, item.raw)
            spotter.look(head, item)
            heads.append(head)
    groups = group_threads(heads)
    messages_seen = len(heads)
    del heads
    items: list[Proposed] = []
    skipped: list[Skipped] = []
    late: list[Skipped] = []
    outside = 0
    numbered = 0
    with app.store.read(app.slug) as reader:
        fixes = PublicFixSearch(app, code_host)
        ctx = _Context(app, reader, archive, fixes)
        ctx.replies = spotter.found
        wanted: dict[int, int] = {}
        survivors: list[ThreadGroup] = []
        refresh: dict[int, tuple[int, str]] = {}
        for group in groups:
            if not _active(group, window):
                outside += 1
                continue
            handled = _handled(ctx, group)
            if handled is not None and window.thread is not None and handled.tracker is not None:
                refresh[len(survivors)] = (handled.tracker, handled.message_id or "")
            elif handled is not None:
                skipped.append(handled)
                continue
            survivors.append(group)
        order = [g.ordered() for g in survivors]
        del survivors
        if stream is not None:
            stream.begin(source_label, window, messages_seen, len(groups), outside)
        last: dict[int, int] = {}
        for position, members in enumerate(order):
            for head in members:
                wanted[head.index] = position
            last[max(h.index for h in members)] = position
        pending: dict[int, dict[int, tuple[ParsedMessage | Unparsable, bytes]]] = {}
        results: dict[int, Proposed | Skipped] = {}
        following = 0

        def release(final: bool = False) -> None:
            """Number and hand on every result whose predecessors are all done, in thread order."""
            nonlocal following, numbered
            while results and (following in results or final):
                if following not in results:
                    following += 1
                    continue
                found = results.pop(following)
                following += 1
                if isinstance(found, Proposed):
                    numbered += 1
                    numbered_item = replace(found, number=numbered)
                    if stream is None:
                        items.append(numbered_item)
                    else:
                        stream.item(numbered_item)
                else:
                    late.append(found if stream is None else replace(found, candidate=None))

        classified = 0
        for index, item in enumerate(itertools.chain(source.iter_messages(), extra)):
            if index not in wanted:
                continue
            pending.setdefault(wanted[index], {})[index] = (_decrypted(ctx, parse_item(item)), _raw_key(item))
            if index in last:
                done = last[index]
                parsed = pending.pop(done)
                members = order[done]
                order[done] = []
                messages = [parsed[h.index][0] for h in members]
                raws = [parsed[h.index][1] for h in members]
                if done in refresh:
                    results[done] = _refresh(ctx, messages, raws, reader, refresh[done])
                else:
                    results[done] = _classify(ctx, messages, raws, reader)
                classified += 1
                release()
                progress("classifying", classified, len(order))
        release(final=True)
    skipped.extend(late)
    return ImportProposal(
        source_label,
        window,
        messages_seen,
        len(groups),
        outside,
        tuple(items),
        tuple(skipped),
        streamed=numbered,
        notes=(*archive.notes, *fixes.notes),
    )


def _raw_key(item: SourceItem) -> bytes:
    """What a synthetic item key is derived from: the bytes themselves, cut to bound the work."""
    return item.raw[:HEAD_LIMIT] + item.key.encode("utf-8", "replace")


def run_import(
    app: App,
    *,
    source: str | None = None,
    window: Window | None = None,
    apply: sel.Selection | None = None,
    progress: Progress = no_progress,
    code_host: CodeHost | None = None,
) -> tuple[ImportProposal, ImportResult | None]:
    """Gather, and apply when a selection is given: what the command and the demo both call."""
    label, mail = source_for(app, source)
    proposal = gather(app, mail, label, window or choose_window(app), progress, code_host=code_host)
    if apply is None:
        return proposal, None
    return proposal, apply_import(app, proposal, apply, progress)
