"""SQLAlchemy models of the embedded store: one set of tables for SQLite and PostgreSQL (design §5, §7).

The tracker body stays the human-facing source of truth; the columns beside it (state, scope, CVE id, dates,
labels) are kept for fast lists. Every change to these models needs a new Alembic revision under `migrations/`.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Text,
    UniqueConstraint,
    event,
    inspect,
)
from sqlalchemy.engine import Connection, Dialect
from sqlalchemy.orm import DeclarativeBase, Mapped, Mapper, mapped_column
from sqlalchemy.types import TypeDecorator

from steward.errors import UsageError

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class UTCDateTime(TypeDecorator[datetime]):
    """Stores naive UTC and hands back aware UTC, so both backends round-trip the same instant (G5)."""

    impl = DateTime
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is not None:
            value = value.astimezone(UTC)
        return value.replace(tzinfo=None)

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)
    type_annotation_map: dict[Any, Any] = {datetime: UTCDateTime(), date: Date()}  # noqa: RUF012


@event.listens_for(Base, "before_insert", propagate=True)
@event.listens_for(Base, "before_update", propagate=True)
def _refuse_nul(_mapper: Mapper[Any], _connection: Connection, target: Base) -> None:
    """PostgreSQL cannot hold U+0000 in text, so neither backend stores it: both must keep the same bytes."""
    for attr in inspect(target).mapper.column_attrs:
        value = getattr(target, attr.key)
        if isinstance(value, str) and "\x00" in value:
            raise UsageError(
                f"{target.__tablename__}.{attr.key} contains a NUL character, which the store cannot hold; "
                "strip control characters from the text first (spec §5.11 sanitising)"
            )


class Project(Base):
    __tablename__ = "projects"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    slug: Mapped[str] = mapped_column(String(200), unique=True)
    name: Mapped[str] = mapped_column(String(400))
    secret: Mapped[bytes] = mapped_column(LargeBinary(64))
    last_tracker_number: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime]


class Milestone(Base):
    __tablename__ = "milestones"
    __table_args__ = (UniqueConstraint("project_id", "title"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("projects.id", ondelete="CASCADE"))
    title: Mapped[str] = mapped_column(String(400))
    due_on: Mapped[date | None]
    state: Mapped[str] = mapped_column(String(20), default="open")


class Tracker(Base):
    """Migration 0003 adds a full-text index outside this model (`fulltext.py`): FTS5 triggers or a tsvector column."""

    __tablename__ = "trackers"
    __table_args__ = (
        UniqueConstraint("project_id", "number"),
        Index("ix_trackers_project_state", "project_id", "state"),
        Index("ix_trackers_project_cve", "project_id", "cve_id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("projects.id", ondelete="CASCADE"))
    number: Mapped[int]
    title: Mapped[str] = mapped_column(Text)
    body: Mapped[str] = mapped_column(Text)
    state: Mapped[str] = mapped_column(String(20), default="open")
    close_reason: Mapped[str | None] = mapped_column(String(40))
    scope: Mapped[str | None] = mapped_column(String(200))
    milestone_id: Mapped[int | None] = mapped_column(ForeignKey("milestones.id", ondelete="SET NULL"))
    assignee: Mapped[str | None] = mapped_column(String(200))
    board_column: Mapped[str | None] = mapped_column(String(100))
    cve_id: Mapped[str | None] = mapped_column(String(40))
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]
    closed_at: Mapped[datetime | None]


class TrackerLabel(Base):
    """One row per label on a tracker; `position` keeps the order labels were added in."""

    __tablename__ = "tracker_labels"
    __table_args__ = (Index("ix_tracker_labels_name", "name", "tracker_id"),)

    tracker_id: Mapped[int] = mapped_column(ForeignKey("trackers.id", ondelete="CASCADE"), primary_key=True)
    name: Mapped[str] = mapped_column(String(200), primary_key=True)
    position: Mapped[int]


class Comment(Base):
    __tablename__ = "comments"
    __table_args__ = (Index("ix_comments_tracker", "tracker_id", "id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    tracker_id: Mapped[int] = mapped_column(ForeignKey("trackers.id", ondelete="CASCADE"))
    author: Mapped[str] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]


class Reaction(Base):
    __tablename__ = "reactions"
    __table_args__ = (UniqueConstraint("comment_id", "user_handle", "kind"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    comment_id: Mapped[int] = mapped_column(ForeignKey("comments.id", ondelete="CASCADE"))
    user: Mapped[str] = mapped_column("user_handle", String(200))
    kind: Mapped[str] = mapped_column(String(40))
    created_at: Mapped[datetime]


class RosterPerson(Base):
    """A roster member; `id` order is roster order (spec §6.1 mentions "in roster order")."""

    __tablename__ = "roster_people"
    __table_args__ = (UniqueConstraint("project_id", "handle"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("projects.id", ondelete="CASCADE"))
    handle: Mapped[str] = mapped_column(String(200))
    name: Mapped[str] = mapped_column(String(400))
    emails: Mapped[list[str]] = mapped_column(JSON)
    roles: Mapped[list[str]] = mapped_column(JSON)


class MailThreadRef(Base):
    __tablename__ = "mail_thread_refs"
    __table_args__ = (
        UniqueConstraint("tracker_id", "root_message_id"),
        Index("ix_mail_thread_refs_root", "root_message_id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    tracker_id: Mapped[int] = mapped_column(ForeignKey("trackers.id", ondelete="CASCADE"))
    root_message_id: Mapped[str] = mapped_column(String(998))
    url: Mapped[str | None] = mapped_column(Text)
    relay: Mapped[str | None] = mapped_column(String(100))


class InboundMessage(Base):
    """One inbound mail's routing facts (never its body): threading, addressing and relay (spec §9.3, §8.1)."""

    __tablename__ = "inbound_messages"
    __table_args__ = (
        UniqueConstraint("project_id", "message_id"),
        Index("ix_inbound_messages_root", "project_id", "root_message_id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("projects.id", ondelete="CASCADE"))
    message_id: Mapped[str] = mapped_column(String(998))
    root_message_id: Mapped[str] = mapped_column(String(998))
    subject: Mapped[str] = mapped_column(Text)
    from_name: Mapped[str | None] = mapped_column(Text)
    from_addr: Mapped[str | None] = mapped_column(String(998))
    reply_to_addr: Mapped[str | None] = mapped_column(String(998))
    sent_at: Mapped[datetime | None]
    encrypted: Mapped[bool] = mapped_column(Boolean)
    relay: Mapped[str | None] = mapped_column(String(100))
    created_at: Mapped[datetime]


class CveRecordState(Base):
    """A CNA record state kept locally (the `demo` tool, and local states of other tools, spec §7.3)."""

    __tablename__ = "cve_record_states"
    __table_args__ = (UniqueConstraint("project_id", "cve_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("projects.id", ondelete="CASCADE"))
    cve_id: Mapped[str] = mapped_column(String(40))
    state: Mapped[str] = mapped_column(String(40))
    record: Mapped[dict[str, Any]] = mapped_column(JSON)
    updated_at: Mapped[datetime]


class Draft(Base):
    """A draft steward wrote or will write, keyed by its X-Steward-Key (spec §9.3) so a retry never doubles it."""

    __tablename__ = "drafts"
    __table_args__ = (UniqueConstraint("project_id", "key"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("projects.id", ondelete="CASCADE"))
    key: Mapped[str] = mapped_column(String(64))
    tracker_id: Mapped[int | None] = mapped_column(ForeignKey("trackers.id", ondelete="SET NULL"))
    template: Mapped[str] = mapped_column(String(200))
    sink_id: Mapped[str | None] = mapped_column(Text)
    state: Mapped[str] = mapped_column(String(40))
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]


class Rejection(Base):
    """A rejections-ledger record (spec §5.17)."""

    __tablename__ = "rejections"
    __table_args__ = (Index("ix_rejections_message", "project_id", "message_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("projects.id", ondelete="CASCADE"))
    rejected_on: Mapped[date] = mapped_column("date", Date)
    reporter: Mapped[str] = mapped_column(Text)
    canned: Mapped[str] = mapped_column(String(200))
    thread: Mapped[str] = mapped_column(Text)
    message_id: Mapped[str | None] = mapped_column(String(998))
    summary: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime]


class PiiEntry(Base):
    """One third-party PII mapping entry (spec §10.4): `<CODE>-<hex>` id to the original value."""

    __tablename__ = "pii_entries"
    __table_args__ = (UniqueConstraint("project_id", "pii_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("projects.id", ondelete="CASCADE"))
    pii_id: Mapped[str] = mapped_column(String(40))
    type: Mapped[str] = mapped_column(String(8))
    value: Mapped[str] = mapped_column(Text)


class Counter(Base):
    """Named per-project counters (e.g. the demo CNA's CVE numbers)."""

    __tablename__ = "counters"

    project_id: Mapped[int] = mapped_column(ForeignKey("projects.id", ondelete="CASCADE"), primary_key=True)
    name: Mapped[str] = mapped_column(String(200), primary_key=True)
    value: Mapped[int]


class AuditEvent(Base):
    """Append-only, hash-chained per project (spec G3); see `audit.py` for what the hash covers."""

    __tablename__ = "audit_events"
    __table_args__ = (UniqueConstraint("project_id", "seq"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("projects.id", ondelete="RESTRICT"))
    seq: Mapped[int]
    at: Mapped[datetime]
    actor: Mapped[str] = mapped_column(String(200))
    command: Mapped[str] = mapped_column(String(200))
    tracker_number: Mapped[int | None]
    item_key: Mapped[str] = mapped_column(Text)
    before_digest: Mapped[str] = mapped_column(String(64))
    after_digest: Mapped[str] = mapped_column(String(64))
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64))
