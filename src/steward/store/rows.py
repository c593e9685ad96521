"""Frozen rows handed to callers: never ORM objects, so nothing a caller holds can write behind a transaction's back."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from steward.store import audit as chain
from steward.store.schema import AuditEvent, InboundMessage


@dataclass(frozen=True, slots=True)
class ProjectRow:
    """A project; the secret is deliberately absent (get it with `get_secret()` inside a unit of work)."""

    slug: str
    name: str
    created_at: datetime


@dataclass(frozen=True, slots=True)
class TrackerRow:
    project: str
    number: int
    title: str
    body: str
    state: str
    """`open` or `closed`."""
    close_reason: str | None
    """`completed` or `not planned` when closed, else None."""
    labels: tuple[str, ...]
    """In the order they were set."""
    scope: str | None
    milestone: str | None
    """Milestone title."""
    assignee: str | None
    board_column: str | None
    cve_id: str | None
    created_at: datetime
    updated_at: datetime
    closed_at: datetime | None

    @property
    def is_open(self) -> bool:
        return self.state == "open"


@dataclass(frozen=True, slots=True)
class CommentRow:
    id: int
    tracker: int
    author: str
    body: str
    created_at: datetime
    updated_at: datetime


@dataclass(frozen=True, slots=True)
class ReactionRow:
    comment_id: int
    user: str
    kind: str
    created_at: datetime


@dataclass(frozen=True, slots=True)
class MilestoneRow:
    title: str
    due_on: date | None
    state: str


@dataclass(frozen=True, slots=True)
class PersonRow:
    handle: str
    name: str
    emails: tuple[str, ...]
    roles: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class ThreadRefRow:
    tracker: int
    root_message_id: str
    url: str | None
    relay: str | None


@dataclass(frozen=True, slots=True)
class DraftRow:
    key: str
    """The X-Steward-Key header value (spec §9.3)."""
    tracker: int | None
    template: str
    sink_id: str | None
    state: str
    created_at: datetime
    updated_at: datetime


@dataclass(frozen=True, slots=True)
class RejectionRow:
    """A rejections-ledger record with the fields of spec §5.17."""

    id: int
    date: date
    reporter: str
    canned: str
    thread: str
    message_id: str | None
    summary: str


@dataclass(frozen=True, slots=True)
class MessageRow:
    """Routing facts of one inbound message; the body lives only in the tracker (spec §9.3)."""

    message_id: str
    root_message_id: str
    subject: str
    from_name: str | None
    from_addr: str | None
    reply_to_addr: str | None
    sent_at: datetime | None
    encrypted: bool
    relay: str | None


@dataclass(frozen=True, slots=True)
class RecordStateRow:
    cve_id: str
    state: str
    record: dict[str, Any]


@dataclass(frozen=True, slots=True)
class PiiRow:
    id: str
    """`<CODE>-<hex>` (spec §10.4)."""
    type: str
    value: str


@dataclass(frozen=True, slots=True)
class AuditEventRow:
    seq: int
    at: datetime
    actor: str
    command: str
    tracker: int | None
    item_key: str
    before_digest: str
    after_digest: str
    prev_hash: str
    hash: str


# --- from ORM objects -------------------------------------------------------------------------------------------


def message_row(m: InboundMessage) -> MessageRow:
    return MessageRow(
        m.message_id,
        m.root_message_id,
        m.subject,
        m.from_name,
        m.from_addr,
        m.reply_to_addr,
        m.sent_at,
        m.encrypted,
        m.relay,
    )


def event_row(e: AuditEvent) -> AuditEventRow:
    return AuditEventRow(
        e.seq,
        e.at,
        e.actor,
        e.command,
        e.tracker_number,
        e.item_key,
        e.before_digest,
        e.after_digest,
        e.prev_hash,
        e.hash,
    )


def audit_record(slug: str, e: AuditEvent) -> chain.AuditRecord:
    fields = chain.AuditFields(
        project=slug,
        seq=e.seq,
        at=e.at,
        actor=e.actor,
        command=e.command,
        tracker=e.tracker_number,
        item_key=e.item_key,
        before_digest=e.before_digest,
        after_digest=e.after_digest,
        prev_hash=e.prev_hash,
    )
    return chain.AuditRecord(fields, e.hash)
