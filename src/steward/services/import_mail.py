"""`steward import mail` (spec §5.1-§5.13, §5.17, §9.2 row 1, §9.3): mail → numbered proposal → applied items.

Gathering reads the mailbox twice, streaming: a header-only pass groups messages into threads and drops what
is outside the window or already handled (bodies are not read before §5.2), then a second pass parses only
the surviving threads' messages and releases each thread once it is classified, so memory follows the
threads kept, not the mailbox.

Applying is one database transaction per item. The item key is the thread's root Message-ID: it lands in the
thread index (create, merge, link), the rejections ledger (reject) or the inbound-message facts (comment), and
every item re-checks it inside its own transaction, so a re-run after a crash skips what committed. Drafts are
keyed by `X-Steward-Key` over the root Message-ID, not over a tracker number, and the sink is searched before
each write: a draft written just before a crash is found again instead of doubled.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, timedelta
from email.utils import formataddr, parsedate_to_datetime
from pathlib import Path
from typing import Any, cast

from steward import ids
from steward.app import App
from steward.comms.canned import REJECTION_SLUGS, SLUGS, load_template
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
from steward.config.secrets import resolve_secret
from steward.domain.board import column_for
from steward.domain.fields import BodyFormatError, field_value, parse_fields, render_body, set_field
from steward.domain.lifecycle import created_labels
from steward.domain.roles import NO_RESPONSE, Field, Label
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
from steward.intake import pgp
from steward.intake.classify import Action
from steward.intake.display import safe_terminal
from steward.intake.extract import choose_credit
from steward.intake.message import ParsedMessage, Unparsable, normalise_message_id, with_body
from steward.intake.pii import OPERATOR_CODES, Code, redact
from steward.intake.proposal import Candidate, build_candidate, render_candidate, to_json
from steward.intake.relays import RelayAdapter, adapters_for, detect_relay
from steward.intake.sanitise import sanitise_body
from steward.intake.signals import KnownTracker, is_excluded_sender, upstream_pr_numbers
from steward.intake.sources import MailSource, SourceItem, open_source, parse_item
from steward.services import selector as sel
from steward.services.reporter_drafts import canned_dir, drafts_sink, one_line
from steward.services.rollup_log import write_rollup
from steward.store import Reader, Transaction

RECEIPT = "receipt-of-confirmation"
PUBLIC_FIX_TEMPLATE = "additional-information-requested"
DEFAULT_SELECTED: frozenset[Action] = frozenset({"create", "merge", "link"})
HEAD_LIMIT = 65536
MAX_REFERENCES = 100
_HEADER = re.compile(rb"(?im)^(message-id|in-reply-to|references|date)[ \t]*:([^\r\n]*(?:\r?\n[ \t][^\r\n]*)*)")
_REF = re.compile(r"<([^<>\s]{1,995})>")
_LAST = re.compile(r"([0-9]{1,5})d")
_PLACEHOLDER = re.compile(r"\{\{[^{}]*\}\}")
_SENTENCE = re.compile(r"(?<=[.!?])\s+")

Progress = Callable[[str, int, int | None], None]
"""(phase, done, total or None) — the CLI draws it; services never print."""


def _no_progress(_phase: str, _done: int, _total: int | None) -> None:
    return None


# ---------------------------------------------------------------------------------------------- §5.1 window


@dataclass(frozen=True)
class Window:
    since: datetime | None
    thread: str | None
    label: str


def choose_window(
    app: App, *, since: str | None = None, last: str | None = None, window: bool = False, thread: str | None = None
) -> Window:
    """The §5.1 candidate window; the four overrides exclude each other."""
    options = (("--since", since), ("--last", last), ("--window", window), ("--thread", thread))
    given = [name for name, value in options if value]
    if len(given) > 1:
        raise UsageError(
            f"{' and '.join(given)} exclude each other; give at most one of --since, --last, --window, --thread."
        )
    now = app.now()
    if since:
        try:
            day = date.fromisoformat(since.strip())
        except ValueError:
            raise UsageError(f"--since {since!r} is not a date; write YYYY-MM-DD.") from None
        return Window(datetime(day.year, day.month, day.day, tzinfo=UTC), None, f"since {day.isoformat()}")
    if last:
        found = _LAST.fullmatch(last.strip())
        if found is None:
            raise UsageError(f"--last {last!r} is not a number of days; write e.g. --last 30d.")
        days = int(found.group(1))
        return Window(now - timedelta(days=days), None, f"last {days} days")
    if window:
        days = app.config.disclosure.window_days
        return Window(now - timedelta(days=days), None, f"last {days} days (disclosure.window_days)")
    if thread:
        wanted = normalise_message_id(thread)
        if wanted is None:
            raise UsageError(f"--thread {thread!r} is not a Message-ID; write it as <id@host>.")
        return Window(None, wanted, f"thread {wanted}")
    days = app.config.security_inbox.import_window_days
    return Window(now - timedelta(days=days), None, f"last {days} days (security_inbox.import_window_days)")


def source_for(app: App, uri: str | None) -> tuple[str, MailSource]:
    """`--source`, else `mail_provider.source_uri`; a relative path is relative to the project root."""
    text = (uri or app.config.mail_provider.source_uri).strip()
    scheme, sep, rest = text.partition(":")
    if sep and scheme.lower() in ("mbox", "maildir") and rest.strip():
        path = Path(rest.strip()).expanduser()
        if not path.is_absolute():
            text = f"{scheme}:{app.loaded.root / path}"
    return text, open_source(text)


# ---------------------------------------------------------------------------------------------- pass 1: headers


@dataclass(frozen=True)
class _Head:
    index: int
    message_id: str | None
    parents: tuple[str, ...]
    date: datetime | None


def _header_block(raw: bytes) -> bytes:
    head = raw[:HEAD_LIMIT]
    end = re.search(rb"\r?\n\r?\n", head)
    return head[: end.start()] if end else head


def _scan_date(value: str) -> datetime | None:
    try:
        parsed = parsedate_to_datetime(value.strip())
    except (TypeError, ValueError, IndexError, OverflowError):
        return None
    if parsed is None:
        return None
    try:
        return parsed.replace(tzinfo=UTC) if parsed.tzinfo is None else parsed.astimezone(UTC)
    except (OverflowError, ValueError):
        return None


def scan_head(index: int, raw: bytes) -> _Head:
    """Message-ID, parents and date from the header block alone; nothing of the body is read (§5.1)."""
    found: dict[str, str] = {}
    for match in _HEADER.finditer(_header_block(raw)):
        name = match.group(1).decode("ascii").lower()
        found.setdefault(name, match.group(2).decode("latin-1"))
    mid = normalise_message_id(found.get("message-id"))
    parents: list[str] = []
    for name in ("references", "in-reply-to"):
        for ref in _REF.findall(found.get(name, "")):
            value = f"<{ref}>"
            if value != mid and value not in parents and len(parents) < MAX_REFERENCES:
                parents.append(value)
    return _Head(index, mid, tuple(parents), _scan_date(found["date"]) if "date" in found else None)


class _Threads:
    """Union-find over Message-IDs: messages that reference each other, directly or not, are one thread."""

    def __init__(self) -> None:
        self.parent: dict[str, str] = {}

    def find(self, key: str) -> str:
        root = key
        while self.parent.setdefault(root, root) != root:
            root = self.parent[root]
        while self.parent[key] != root:
            self.parent[key], key = root, self.parent[key]
        return root

    def union(self, a: str, b: str) -> None:
        ra, rb = self.find(a), self.find(b)
        if ra != rb:
            self.parent[rb] = ra


@dataclass
class _Group:
    members: list[_Head]
    ids: set[str]

    def ordered(self) -> list[_Head]:
        """Root first: the earliest message none of whose parents is in the thread, then by date and position."""
        present = {h.message_id for h in self.members if h.message_id}
        by_time = sorted(self.members, key=_order)
        root = next((h for h in by_time if not any(p in present for p in h.parents)), by_time[0])
        return [root, *(h for h in by_time if h is not root)]


def _order(head: _Head) -> tuple[bool, float, int]:
    return (head.date is None, head.date.timestamp() if head.date else 0.0, head.index)


def group_threads(heads: Iterable[_Head]) -> list[_Group]:
    """Threads in order of their root's position; a repeated Message-ID (double delivery) counts once."""
    threads = _Threads()
    kept: list[_Head] = []
    seen: set[str] = set()
    for head in heads:
        if head.message_id is not None:
            if head.message_id in seen:
                continue
            seen.add(head.message_id)
        kept.append(head)
        own = head.message_id or f"#{head.index}"
        threads.find(own)
        for parent in head.parents:
            threads.union(own, parent)
    groups: dict[str, _Group] = {}
    for head in kept:
        own = head.message_id or f"#{head.index}"
        group = groups.setdefault(threads.find(own), _Group([], set()))
        group.members.append(head)
        group.ids.update(head.parents)
        if head.message_id:
            group.ids.add(head.message_id)
    return sorted(groups.values(), key=lambda g: g.ordered()[0].index)


# ---------------------------------------------------------------------------------------------- the proposal


@dataclass(frozen=True)
class ThreadMail:
    """Routing facts of one message (what `record_message` keeps; the body lives only in the tracker)."""

    message_id: str
    subject: str
    from_name: str | None
    from_addr: str | None
    reply_to_addr: str | None
    sent_at: datetime | None
    encrypted: bool


@dataclass(frozen=True)
class Proposed:
    """One numbered item: the candidate plus what applying it needs, so apply never re-reads the mailbox."""

    number: int
    candidate: Candidate
    key: str
    """The root Message-ID (synthesised for a root without one): the item key of G4."""
    mails: tuple[ThreadMail, ...]
    reporter: str
    drafts: tuple[str, ...]
    comment_body: str | None = None
    trusted_credit: str | None = None
    related_references: tuple[str, ...] = ()
    public_fix_urls: tuple[str, ...] = ()

    @property
    def root(self) -> ThreadMail:
        return self.mails[0]


@dataclass(frozen=True)
class Skipped:
    """A thread that is not an item, with the reason the recap prints."""

    message_id: str | None
    subject: str
    reason: str
    tracker: int | None = None
    candidate: Candidate | None = None


@dataclass(frozen=True)
class ImportProposal:
    source: str
    window: Window
    messages: int
    threads: int
    outside_window: int
    items: tuple[Proposed, ...]
    skipped: tuple[Skipped, ...]
    streamed: int = 0
    """How many items went to a `ProposalStream` instead of `items` (the count in `items` otherwise)."""

    def default_selection(self) -> list[int]:
        return [p.number for p in self.items if p.candidate.action in DEFAULT_SELECTED]


@dataclass(frozen=True)
class _Known:
    threads: dict[str, int]
    ledger: set[str]
    trackers: list[KnownTracker]


def known_trackers(app: App, reader: Reader) -> list[KnownTracker]:
    """Every tracker as the §5.4–5.6 signals see it (also read by the triage evidence pack)."""
    return _known(app, reader).trackers


def _known(app: App, reader: Reader) -> _Known:
    threads: dict[str, int] = {}
    trackers: list[KnownTracker] = []
    invalid = app.labels.of(Label.INVALID)
    not_worthy = app.labels.of(Label.NOT_CVE_WORTHY)
    for row in reader.list_trackers():
        refs = reader.list_thread_refs(row.number)
        locals_: list[str] = []
        for ref in refs:
            threads.setdefault(ref.root_message_id, row.number)
            mails = reader.thread_messages(ref.root_message_id)
            if mails and mails[0].from_addr:
                locals_.append(mails[0].from_addr.rpartition("@")[0])
        try:
            parsed = parse_fields(row.body, app.headings)
            description = field_value(parsed, Field.ISSUE_DESCRIPTION) or ""
            pr = field_value(parsed, Field.PR_WITH_FIX) or ""
            link = field_value(parsed, Field.CVE_TOOL_LINK) or ""
        except BodyFormatError:
            description, pr, link = row.body, "", ""
        reason = "invalid" if invalid in row.labels else ("not cve worthy" if not_worthy in row.labels else None)
        trackers.append(
            KnownTracker(
                number=row.number,
                title=row.title,
                cve_id=row.cve_id or ids.first_cve(link),
                pr_numbers=tuple(upstream_pr_numbers(pr, app.patterns)),
                ghsa_ids=tuple(ids.ghsa_ids(row.body)),
                excerpt=description[:300],
                state=row.state,
                created_at=row.created_at,
                reporter_local_parts=tuple(locals_),
                close_reason=reason,
            )
        )
    ledger = {r.message_id for r in reader.list_rejections() if r.message_id}
    return _Known(threads, ledger, trackers)


def rejection_openings(app: App) -> list[str]:
    """§5.3: the first full sentence of each rejection template (2-5, 15), placeholders removed."""
    out: list[str] = []
    for slug in sorted(REJECTION_SLUGS):
        text = _PLACEHOLDER.sub(" ", load_template(slug, canned_dir(app)).text)
        text = re.sub(r"\s+", " ", text).strip()
        text = re.sub(r"^(?:Hello|Hi|Dear)\b[^,]*,\s*", "", text)
        for sentence in _SENTENCE.split(text):
            if len(sentence.split()) >= 5:
                out.append(sentence.strip())
                break
    return out


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

    def __init__(self, app: App, reader: Reader) -> None:
        self.app = app
        self.config = app.config
        self.patterns = app.patterns
        self.adapters: list[RelayAdapter] = adapters_for(app.config, app.patterns)
        self.roster = [e for m in app.config.roster.members for e in m.emails]
        self.known = _known(app, reader)
        self.secret = reader.get_secret()
        self.openings = rejection_openings(app)
        self.operator_pii: list[tuple[Code, str]] = [
            (cast(Code, p.type), p.value) for p in reader.list_pii() if p.type in OPERATOR_CODES
        ]
        self.now = app.now()
        block = app.config.security_inbox.pgp
        self.pgp_enabled = block.enabled
        self.pgp_home = block.gnupg_home
        self.pgp_passphrase = (
            resolve_secret(block.passphrase, "security_inbox.pgp.passphrase") if block.enabled else None
        )


PGP_FAILED = "PGP decryption failed"


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


def _handled(ctx: _Context, group: _Group) -> Skipped | None:
    """§5.2 exact dedupe on every id of the thread (root, replies and what they reference)."""
    ordered = group.ordered()
    root = ordered[0].message_id
    for mid in sorted(group.ids):
        if mid in ctx.known.threads:
            number = ctx.known.threads[mid]
            return Skipped(root, "", f"already handled: thread is on #{number}", number)
        if mid in ctx.known.ledger:
            return Skipped(root, "", "already handled: in the rejections ledger")
    return None


def _active(group: _Group, window: Window) -> bool:
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


def _comment_body(ctx: _Context, root: ParsedMessage, text: str, key: str) -> str:
    clean = sanitise_body(text, ctx.patterns).text
    redacted, _ = redact(
        clean,
        ctx.secret,
        ctx.patterns,
        own_addresses=[root.from_addr, *ctx.roster],
        operator_values=ctx.operator_pii,
    )
    return f"**Follow-up mail at import** (thread `{key}`)\n\n{redacted.strip() or NO_RESPONSE}"


def _classify(
    ctx: _Context, messages: list[ParsedMessage | Unparsable], raws: list[bytes], reader: Reader
) -> Proposed | Skipped:
    root = messages[0]
    key = (root.message_id if root.message_id else None) or synthetic_key(raws[0])
    if isinstance(root, ParsedMessage):
        relay = detect_relay(root, ctx.adapters)
        if is_excluded_sender(
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
    relay = detect_relay(root, ctx.adapters)
    text = relay.inner_body(root.body_text) if relay else root.body_text
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
        drafts=_planned_drafts(candidate, ctx.app),
        comment_body=_comment_body(ctx, root, text, key) if candidate.action == "comment" else None,
        trusted_credit=trusted,
        related_references=stripped if root.subject.strip() else (),
        public_fix_urls=_public_fix_urls(ctx.app, text) if candidate.cls == "fix-already-public" else (),
    )


def gather(
    app: App,
    source: MailSource,
    source_label: str,
    window: Window,
    progress: Progress = _no_progress,
    *,
    stream: ProposalStream | None = None,
) -> ImportProposal:
    """The §5.13 proposal; reads the store and the mailbox, writes nothing.

    With `stream`, each numbered item goes to the stream as soon as it is classified and is not kept (nor is a
    dropped thread's candidate), so a dry run's memory follows the mailbox's headers, not its items; the
    returned proposal then has no items and `streamed` counts them.
    """
    heads: list[_Head] = []
    for index, item in enumerate(source.iter_messages()):
        heads.append(scan_head(index, item.raw))
        if index % 200 == 0:
            progress("reading", index + 1, None)
    groups = group_threads(heads)
    messages_seen = len(heads)
    del heads
    items: list[Proposed] = []
    skipped: list[Skipped] = []
    late: list[Skipped] = []
    outside = 0
    numbered = 0
    with app.store.read(app.slug) as reader:
        ctx = _Context(app, reader)
        wanted: dict[int, int] = {}
        survivors: list[_Group] = []
        for group in groups:
            if not _active(group, window):
                outside += 1
                continue
            handled = _handled(ctx, group)
            if handled is not None:
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
        for index, item in enumerate(source.iter_messages()):
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
                results[done] = _classify(ctx, messages, raws, reader)
                classified += 1
                release()
                progress("classifying", classified, len(order))
        release(final=True)
    skipped.extend(late)
    return ImportProposal(
        source_label, window, messages_seen, len(groups), outside, tuple(items), tuple(skipped), streamed=numbered
    )


def _raw_key(item: SourceItem) -> bytes:
    """What a synthetic item key is derived from: the bytes themselves, cut to bound the work."""
    return item.raw[:HEAD_LIMIT] + item.key.encode("utf-8", "replace")


# ---------------------------------------------------------------------------------------------- rendering


def candidate_json(item: Proposed) -> dict[str, Any]:
    data = to_json(item.candidate)
    data.update(
        number=item.number,
        target_tracker=item.candidate.target_tracker,
        reject_check=item.candidate.reject_check,
        drafts=list(item.drafts),
        reporter=item.reporter,
        messages=len(item.mails),
    )
    return data


def _summary_json(proposal: ImportProposal) -> dict[str, Any]:
    return {
        "source": proposal.source,
        "window": {
            "since": proposal.window.since.isoformat() if proposal.window.since else None,
            "thread": proposal.window.thread,
            "label": proposal.window.label,
        },
        "messages": proposal.messages,
        "threads": proposal.threads,
        "outside_window": proposal.outside_window,
        "skipped": [
            {"message_id": s.message_id, "subject": s.subject, "reason": s.reason, "tracker": s.tracker}
            for s in proposal.skipped
        ],
    }


def proposal_json(proposal: ImportProposal) -> dict[str, Any]:
    return {**_summary_json(proposal), "candidates": [candidate_json(p) for p in proposal.items]}


def _header_line(source: str, window: Window, messages: int, threads: int, outside: int) -> str:
    return (
        f"Mail import from {safe_terminal(source)} ({window.label}): {messages} message(s) "
        f"in {threads} thread(s), {outside} outside the window."
    )


def _item_lines(item: Proposed) -> list[str]:
    return [render_candidate(item.number, item.candidate), *(f"   draft: {t}" for t in item.drafts)]


def _tail_lines(proposal: ImportProposal, any_items: bool) -> list[str]:
    lines: list[str] = []
    if proposal.skipped:
        lines.append(f"Not imported ({len(proposal.skipped)}):")
        for skip in proposal.skipped:
            where = safe_terminal(skip.message_id or "no Message-ID", max_chars=120)
            lines.append(f"  - {where}: {safe_terminal(skip.reason.replace(chr(10), ' '), max_chars=200)}")
    if any_items:
        lines.append("Apply with --apply all (create, merge and link items) or e.g. --apply 1,3;2:skip.")
    return lines


def render_import(proposal: ImportProposal) -> str:
    p = proposal
    lines = [_header_line(p.source, p.window, p.messages, p.threads, p.outside_window)]
    if not p.items:
        lines.append("Nothing to import.")
    for item in p.items:
        lines.extend(_item_lines(item))
    lines.extend(_tail_lines(p, bool(p.items)))
    return "\n".join(lines)


class ProposalStream:
    """Where `gather(..., stream=...)` hands each numbered item; the caller calls `finish` once it returned."""

    def begin(self, source: str, window: Window, messages: int, threads: int, outside: int) -> None:
        """Called once, after the window is applied and before any item."""

    def item(self, item: Proposed) -> None:
        """Called once per numbered item, in number order."""

    def finish(self, proposal: ImportProposal, extra: Mapping[str, Any] | None = None) -> None:
        """What only the end knows: the skipped threads (and, for JSON, `extra` keys such as the project)."""


class TextStream(ProposalStream):
    """`render_import`'s text plus a newline, written line by line as the items come."""

    def __init__(self, write: Callable[[str], object]) -> None:
        self.write = write
        self.count = 0

    def begin(self, source: str, window: Window, messages: int, threads: int, outside: int) -> None:
        self.write(_header_line(source, window, messages, threads, outside) + "\n")

    def item(self, item: Proposed) -> None:
        self.count += 1
        self.write("\n".join(_item_lines(item)) + "\n")

    def finish(self, proposal: ImportProposal, extra: Mapping[str, Any] | None = None) -> None:
        lines = [] if self.count else ["Nothing to import."]
        lines.extend(_tail_lines(proposal, self.count > 0))
        if lines:
            self.write("\n".join(lines) + "\n")


def _indented(value: Any, prefix: str) -> str:
    text = json.dumps(value, indent=2, sort_keys=True, ensure_ascii=False)
    return "\n".join(prefix + line for line in text.split("\n"))


class JsonStream(ProposalStream):
    """The `--json` document with its `candidates` array streamed element by element.

    `candidates` sorts first among the document's keys, so the array can be written before the rest is known;
    the text is `json.dumps({**extra, **proposal_json(p)}, indent=2, sort_keys=True, ensure_ascii=False)` and
    a newline, as `output.print_json` writes it.
    """

    def __init__(self, write: Callable[[str], object]) -> None:
        self.write = write
        self.count = 0

    def item(self, item: Proposed) -> None:
        self.write(('{\n  "candidates": [\n' if self.count == 0 else ",\n") + _indented(candidate_json(item), "    "))
        self.count += 1

    def finish(self, proposal: ImportProposal, extra: Mapping[str, Any] | None = None) -> None:
        rest = {**(extra or {}), **_summary_json(proposal)}
        if any(key <= "candidates" for key in rest):
            raise ValueError("JsonStream: every other key must sort after `candidates`.")
        head = "\n  ]" if self.count else '{\n  "candidates": []'
        self.write(head + "," + json.dumps(rest, indent=2, sort_keys=True, ensure_ascii=False)[1:] + "\n")


# ---------------------------------------------------------------------------------------------- apply


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
    app: App, secret: bytes, item: Proposed, template: str, route: Route, *, title: str, credit: str | None
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
    return ops


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
            row = tx.create_tracker(op.title, op.body, op.labels, op.column, None)
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


def apply_import(
    app: App, proposal: ImportProposal, selection: sel.Selection, progress: Progress = _no_progress
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


def run_import(
    app: App,
    *,
    source: str | None = None,
    window: Window | None = None,
    apply: sel.Selection | None = None,
    progress: Progress = _no_progress,
) -> tuple[ImportProposal, ImportResult | None]:
    """Gather, and apply when a selection is given: what the command and the demo both call."""
    label, mail = source_for(app, source)
    proposal = gather(app, mail, label, window or choose_window(app), progress)
    if apply is None:
        return proposal, None
    return proposal, apply_import(app, proposal, apply, progress)
