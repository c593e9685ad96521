"""Reporter drafts for tracker events (§9.1–9.3): the configured sink, canned overrides, plan and write.

Triage, dedupe, CVE allocation and import all draft to the reporter; they share one planner so the
route, relay and placeholder rules are the same everywhere, and planning never writes (G1, G2).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from email.utils import formataddr
from pathlib import Path
from typing import Any

from steward.app import App
from steward.comms.canned import SLUGS, load_template, placeholders_of
from steward.comms.drafts import (
    BuiltDraft,
    Draft,
    DraftEvent,
    Route,
    ThreadFacts,
    ThreadMessage,
    build_draft,
    is_relayed,
    tracker_base_url,
)
from steward.comms.drafts import TrackerFacts as DraftFacts
from steward.comms.sink import DraftSink, MaildirDraftSink
from steward.domain.fields import ParsedBody, field_value
from steward.domain.roles import Field
from steward.domain.rollup import (
    notification_drafted,
    notification_no_reporter,
    notification_not_relayed,
    notification_reporter_on_team,
)
from steward.domain.threads import Sentinel, ThreadRef, parse_threads
from steward.errors import ConfigError, UsageError
from steward.store import TrackerRow, Transaction
from steward.triage.hard_stops import reporter_path

_SPACES = re.compile(r"\s+")


def one_line(text: str, limit: int = 300) -> str:
    """Rollup items are single lines: whitespace folded, long text cut with an ellipsis."""
    folded = _SPACES.sub(" ", text).strip()
    return folded if len(folded) <= limit else folded[: limit - 1].rstrip() + "…"


def tracker_url(app: App, number: int) -> str:
    base = tracker_base_url(app.config)
    return f"{base if base.endswith('/') else base + '/'}{number}"


@dataclass(frozen=True)
class DraftPlan:
    """A draft ready to write, or why there is none (`notification` is then the rollup line)."""

    template: str
    built: BuiltDraft | None
    notification: str
    thread: str | None = None

    @property
    def warnings(self) -> tuple[str, ...]:
        return self.built.warnings if self.built else ()


def drafts_uri(app: App) -> str:
    """`mail_provider.drafts_uri`; by default the Maildir beside the store, or the source server's Drafts folder
    when `drafts: imap` (or an IMAP primary without an explicit drafts kind), spec §13."""
    provider = app.config.mail_provider
    if provider.drafts_uri:
        return provider.drafts_uri
    kind = provider.drafts or provider.primary
    if kind == "imap" and provider.source_uri.startswith(("imap://", "imaps://")):
        return provider.source_uri.rsplit("/", 1)[0] + "/Drafts"
    return "maildir:.steward/drafts"


def drafts_sink(app: App) -> MaildirDraftSink:
    """The Maildir draft sink (relative paths from the project root); an IMAP sink is `draft_sink`."""
    uri = drafts_uri(app)
    scheme, sep, rest = uri.partition(":")
    if not sep or scheme != "maildir" or not rest:
        raise ConfigError(
            f"mail_provider.drafts_uri {uri!r} is not a maildir:PATH sink here; set it to maildir:.steward/drafts."
        )
    path = Path(rest)
    return MaildirDraftSink(path if path.is_absolute() else app.loaded.root / path)


def draft_sink(app: App) -> DraftSink:
    """The configured sink: Maildir, or IMAP `Drafts` via APPEND with `\\Draft` (never sent, spec G2)."""
    uri = drafts_uri(app)
    if uri.startswith(("imap://", "imaps://")):
        import os

        from steward.comms.imap_sink import ImapDraftSink
        from steward.intake.imap_source import imap_password, parse_imap_uri

        target = parse_imap_uri(uri)
        password = imap_password(os.environ, app.config.mail_provider.password)
        return ImapDraftSink.from_target(target, password, folder=target.folder)
    return drafts_sink(app)


def canned_dir(app: App) -> Path:
    return app.loaded.root / ".steward" / "canned"


def _no_route(template: str, why: str) -> DraftPlan:
    return DraftPlan(template, None, notification_no_reporter(why))


def _thread_route(app: App, tx: Transaction, parsed: ParsedBody, template: str) -> tuple[Any, ...] | DraftPlan:
    """The inbound thread and route of the tracker, or the plan that says why no draft is made."""
    value = field_value(parsed, Field.SECURITY_THREAD)
    path = reporter_path(value)
    if path.kind == "none":
        kinds = [line.kind for line in parse_threads(value) if isinstance(line, Sentinel)]
        return _no_route(template, f"imported from {kinds[0] if kinds else 'a non-mail source'}")
    if path.kind == "ask" or path.thread is None:
        why = "several direct threads, none marked primary" if path.candidates else "no security-thread line"
        return _no_route(template, why)
    thread = path.thread
    root_id = thread.message_id
    if root_id is None:
        return _no_route(template, "legacy thread line without a Message-ID")
    messages = tx.thread_messages(root_id)
    if not messages:
        return _no_route(template, f"no routing facts stored for thread {root_id}")
    relay = thread.relay if isinstance(thread, ThreadRef) else None
    if relay is not None:
        try:
            ack = app.config.forwarders.adapter(relay).ack_forwarder
        except KeyError:
            return _no_route(template, f"unknown relay adapter {relay}")
        if not is_relayed(template, ack_forwarder=ack):
            return DraftPlan(template, None, notification_not_relayed(template), root_id)
        return thread, messages, Route("via-forwarder", relay)
    if any(m.relay for m in messages):
        return _no_route(template, "unverified relay")
    root = next((m for m in messages if m.message_id == root_id), messages[0])
    emails = {e.casefold() for m in app.config.roster.members for e in m.emails}
    if root.from_addr and root.from_addr.casefold() in emails:
        return DraftPlan(template, None, notification_reporter_on_team(), root_id)
    return thread, messages, Route("direct")


def plan_draft(  # noqa: PLR0917 - other services call it positionally (event first, then its values)
    app: App,
    tx: Transaction,
    row: TrackerRow,
    parsed: ParsedBody,
    template: str,
    values: Mapping[str, str],
    *,
    target: str,
    required: Mapping[str, str] | None = None,
) -> DraftPlan:
    """Build (never write) the reporter draft of one §9.2 event; refusals raise before anything is written.

    `required` maps placeholders the caller must supply to the hint naming how (exit 2 when the
    template uses one and `values` lacks it, §6.3).
    """
    if template not in SLUGS:
        raise UsageError(f"--canned {template!r} is not a canned-response slug; use one of: {', '.join(SLUGS)}.")
    found = _thread_route(app, tx, parsed, template)
    if isinstance(found, DraftPlan):
        return found
    thread, messages, route_ = found
    loaded = load_template(template, canned_dir(app))
    used = placeholders_of(loaded.text, loaded.source)
    for name, hint in (required or {}).items():
        if name in used and not (values.get(name) or "").strip():
            raise UsageError(f"the {template} draft needs {{{{ {name} }}}}; {hint}.")
    root = next((m for m in messages if m.message_id == thread.message_id), messages[0])
    facts = DraftFacts(
        tlp=(app.labels.tlp_labels(row.labels) or [app.config.disclosure.default_tlp])[0],
        thread=ThreadFacts(
            root_subject=root.subject,
            root_from=formataddr((root.from_name or "", root.from_addr or "")),
            messages=tuple(ThreadMessage(m.message_id, m.sent_at) for m in messages),
            root_reply_to=root.reply_to_addr,
        ),
        reporter_encrypted=root.encrypted,
        tracker_url=tracker_url(app, row.number),
        title=row.title,
    )
    event = DraftEvent(f"{app.slug}#{row.number}", template, target, dict(values))
    built = build_draft(
        event, facts, config=app.config, secret=tx.get_secret(), route_=route_, canned_dir=canned_dir(app)
    )
    return DraftPlan(template, built, notification_drafted(built.draft.key), thread.message_id)


def write_draft(app: App, tx: Transaction, number: int, plan: DraftPlan) -> str | None:
    """Write a planned draft to the sink (idempotent by key), record it, audit it; returns the key."""
    if plan.built is None:
        return None
    draft = plan.built.draft
    sink_id = store_draft(app, tx, number, draft, template=plan.template)
    tx.audit(number, f"{number}:draft:{plan.template}", None, {"key": draft.key, "sink_id": sink_id})
    return draft.key


def store_draft(app: App, tx: Transaction, number: int, draft: Draft, *, template: str) -> str:
    """Put a draft in the configured sink (idempotent by key) and record it as written; returns the sink id.

    The caller audits it, since what the audit entry names differs by event.
    """
    sink_id = draft_sink(app).put(draft)
    tx.put_draft(draft.key, template=template, tracker=number, sink_id=sink_id, state="written")
    return sink_id
