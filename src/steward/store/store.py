"""The embedded tracker store: SQLite for one team, PostgreSQL for a foundation, one API (design §3 TrackerStore).

Every write happens inside `Store.transaction()`, one database transaction that also appends the audit events of
what it applied (spec G3), so a failure anywhere leaves neither a half-applied change nor an audit event for it.
Writers of one project are serialised on its row (`SELECT … FOR UPDATE`; `BEGIN IMMEDIATE` on SQLite), which is
what keeps tracker numbers sequential and the audit chain linear with several workers. Callers get frozen rows,
never ORM objects, so nothing they hold can write behind the transaction's back.
"""

from __future__ import annotations

import os
import re
import secrets
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, date, datetime
from enum import Enum
from pathlib import Path
from typing import Any, Final, TypeVar

from alembic import command as alembic_command
from alembic.config import Config as AlembicConfig
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine, create_engine, delete, event, func, select
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import ArgumentError, DBAPIError, IntegrityError, NoSuchModuleError, OperationalError
from sqlalchemy.orm import Session
from sqlalchemy.pool import StaticPool

from steward.errors import ConfigError, NotFound, OperationFailed, UsageError
from steward.store import audit as chain
from steward.store.schema import (
    AuditEvent,
    Comment,
    Counter,
    CveRecordState,
    Draft,
    InboundMessage,
    MailThreadRef,
    Milestone,
    PiiEntry,
    Project,
    Reaction,
    Rejection,
    RosterPerson,
    Tracker,
    TrackerLabel,
)

MIGRATIONS = Path(__file__).with_name("migrations")
SECRET_BYTES = 32
CLOSE_REASONS = ("completed", "not planned")
PII_TYPES = ("N", "E", "P", "IP", "H", "A")
DRAFT_KEY = re.compile(r"[0-9a-f]{32}")
_CHUNK = 500
_WRITE = "steward_write"

Clock = Callable[[], datetime]
T = TypeVar("T")


class _Unset(Enum):
    UNSET = "UNSET"


UNSET: Final = _Unset.UNSET
"""Marks an `update_*` argument as "leave unchanged" (None is a value: it clears)."""


def utc_now() -> datetime:
    return datetime.now(UTC)


# --- rows handed to callers -------------------------------------------------------------------------------------


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


# --- helpers ----------------------------------------------------------------------------------------------------


def _message_row(m: InboundMessage) -> MessageRow:
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


def safe_url(url: str | URL) -> str:
    """The URL as it may appear in a message: password hidden."""
    if isinstance(url, URL):
        return url.render_as_string(hide_password=True)
    return re.sub(r"(://[^:/@]*:)[^@]*@", r"\1***@", url)


def _first_line(exc: BaseException) -> str:
    orig = getattr(exc, "orig", None) or exc
    text = str(orig).strip().splitlines()
    return text[0] if text else type(orig).__name__


def _chunks(items: Sequence[T]) -> Iterator[Sequence[T]]:
    for start in range(0, len(items), _CHUNK):
        yield items[start : start + _CHUNK]


def _unique(labels: Iterable[str]) -> list[str]:
    seen: dict[str, None] = {}
    for label in labels:
        if not label:
            raise UsageError("a label name is empty; pass non-empty label names")
        seen.setdefault(label, None)
    return list(seen)


def _event_row(e: AuditEvent) -> AuditEventRow:
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


def _record(slug: str, e: AuditEvent) -> chain.AuditRecord:
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


# --- units of work ----------------------------------------------------------------------------------------------


class Reader:
    """Queries on one project inside one database transaction."""

    def __init__(self, session: Session, slug: str, project: Project | None, clock: Clock) -> None:
        self._session = session
        self.slug = slug
        self._project_row = project
        self._clock = clock

    # project

    @property
    def has_project(self) -> bool:
        return self._project_row is not None

    @property
    def _project(self) -> Project:
        if self._project_row is None:
            raise NotFound(f"no project {self.slug} in the store; run `steward init` to create it")
        return self._project_row

    def get_project(self) -> ProjectRow:
        p = self._project
        return ProjectRow(p.slug, p.name, p.created_at)

    def get_secret(self) -> bytes:
        """The project's HMAC key (spec §9.3 draft keys, §10.4 PII ids)."""
        return bytes(self._project.secret)

    def _now(self) -> datetime:
        now = self._clock()
        return now.replace(tzinfo=UTC) if now.tzinfo is None else now.astimezone(UTC)

    # trackers

    def _tracker(self, number: int) -> Tracker:
        found = self._session.scalars(
            select(Tracker).where(Tracker.project_id == self._project.id, Tracker.number == number)
        ).one_or_none()
        if found is None:
            raise NotFound(f"no tracker #{number} in project {self.slug}; `steward list` shows the numbers")
        return found

    def _tracker_rows(self, trackers: Sequence[Tracker]) -> list[TrackerRow]:
        labels: dict[int, list[str]] = {t.id: [] for t in trackers}
        for part in _chunks([t.id for t in trackers]):
            query = (
                select(TrackerLabel.tracker_id, TrackerLabel.name)
                .where(TrackerLabel.tracker_id.in_(part))
                .order_by(TrackerLabel.tracker_id, TrackerLabel.position)
            )
            for tracker_id, name in self._session.execute(query):
                labels[tracker_id].append(name)
        wanted = sorted({t.milestone_id for t in trackers if t.milestone_id is not None})
        titles = (
            dict(self._session.execute(select(Milestone.id, Milestone.title).where(Milestone.id.in_(wanted))).all())
            if wanted
            else {}
        )
        return [
            TrackerRow(
                project=self.slug,
                number=t.number,
                title=t.title,
                body=t.body,
                state=t.state,
                close_reason=t.close_reason,
                labels=tuple(labels[t.id]),
                scope=t.scope,
                milestone=titles.get(t.milestone_id) if t.milestone_id is not None else None,
                assignee=t.assignee,
                board_column=t.board_column,
                cve_id=t.cve_id,
                created_at=t.created_at,
                updated_at=t.updated_at,
                closed_at=t.closed_at,
            )
            for t in trackers
        ]

    def get_tracker(self, number: int) -> TrackerRow:
        return self._tracker_rows([self._tracker(number)])[0]

    def list_trackers(
        self, label: str | None = None, open_only: bool | None = None, *, scope: str | None = None
    ) -> list[TrackerRow]:
        """Trackers by number; `open_only`: True only open, False only closed, None both."""
        query = select(Tracker).where(Tracker.project_id == self._project.id)
        if label is not None:
            query = query.join(TrackerLabel, TrackerLabel.tracker_id == Tracker.id).where(TrackerLabel.name == label)
        if open_only is not None:
            query = query.where(Tracker.state == ("open" if open_only else "closed"))
        if scope is not None:
            query = query.where(Tracker.scope == scope)
        return self._tracker_rows(self._session.scalars(query.order_by(Tracker.number)).all())

    def count_trackers(self) -> int:
        query = select(func.count()).select_from(Tracker).where(Tracker.project_id == self._project.id)
        return int(self._session.scalar(query) or 0)

    def find_tracker_by_cve(self, cve_id: str) -> TrackerRow | None:
        found = self._session.scalars(
            select(Tracker)
            .where(Tracker.project_id == self._project.id, Tracker.cve_id == cve_id)
            .order_by(Tracker.number)
        ).first()
        return None if found is None else self._tracker_rows([found])[0]

    # comments and reactions

    def _comment(self, comment_id: int) -> tuple[Comment, int]:
        found = self._session.execute(
            select(Comment, Tracker.number)
            .join(Tracker, Tracker.id == Comment.tracker_id)
            .where(Comment.id == comment_id, Tracker.project_id == self._project.id)
        ).one_or_none()
        if found is None:
            raise NotFound(
                f"no comment {comment_id} in project {self.slug}; `steward show N` lists a tracker's comments"
            )
        return found[0], found[1]

    @staticmethod
    def _comment_row(c: Comment, number: int) -> CommentRow:
        return CommentRow(c.id, number, c.author, c.body, c.created_at, c.updated_at)

    def get_comment(self, comment_id: int) -> CommentRow:
        return self._comment_row(*self._comment(comment_id))

    def list_comments(self, number: int) -> list[CommentRow]:
        """Oldest first; marker and rollup comments are ordinary comments (spec §2.5, §2.6)."""
        tracker = self._tracker(number)
        found = self._session.scalars(select(Comment).where(Comment.tracker_id == tracker.id).order_by(Comment.id))
        return [self._comment_row(c, number) for c in found]

    def list_reactions(self, comment_id: int) -> list[ReactionRow]:
        self._comment(comment_id)
        found = self._session.scalars(select(Reaction).where(Reaction.comment_id == comment_id).order_by(Reaction.id))
        return [ReactionRow(r.comment_id, r.user, r.kind, r.created_at) for r in found]

    # roster, milestones

    @staticmethod
    def _person_row(p: RosterPerson) -> PersonRow:
        return PersonRow(p.handle, p.name, tuple(p.emails), tuple(p.roles))

    def list_roster(self) -> list[PersonRow]:
        """In roster order (the order people were first added)."""
        found = self._session.scalars(
            select(RosterPerson).where(RosterPerson.project_id == self._project.id).order_by(RosterPerson.id)
        )
        return [self._person_row(p) for p in found]

    def get_person(self, handle: str) -> PersonRow | None:
        found = self._person(handle)
        return None if found is None else self._person_row(found)

    def _person(self, handle: str) -> RosterPerson | None:
        return self._session.scalars(
            select(RosterPerson).where(RosterPerson.project_id == self._project.id, RosterPerson.handle == handle)
        ).one_or_none()

    def _milestone(self, title: str) -> Milestone | None:
        return self._session.scalars(
            select(Milestone).where(Milestone.project_id == self._project.id, Milestone.title == title)
        ).one_or_none()

    def get_milestone(self, title: str) -> MilestoneRow | None:
        found = self._milestone(title)
        return None if found is None else MilestoneRow(found.title, found.due_on, found.state)

    def list_milestones(self) -> list[MilestoneRow]:
        found = self._session.scalars(
            select(Milestone).where(Milestone.project_id == self._project.id).order_by(Milestone.id)
        )
        return [MilestoneRow(m.title, m.due_on, m.state) for m in found]

    # mail threads, drafts

    def list_thread_refs(self, number: int) -> list[ThreadRefRow]:
        """Oldest first, the order of the security-thread field (spec §2.4)."""
        tracker = self._tracker(number)
        found = self._session.scalars(
            select(MailThreadRef).where(MailThreadRef.tracker_id == tracker.id).order_by(MailThreadRef.id)
        )
        return [ThreadRefRow(number, r.root_message_id, r.url, r.relay) for r in found]

    def find_thread_refs(self, root_message_id: str) -> list[ThreadRefRow]:
        """Every tracker of this project that already holds the thread (intake dedupe, spec §5)."""
        found = self._session.execute(
            select(MailThreadRef, Tracker.number)
            .join(Tracker, Tracker.id == MailThreadRef.tracker_id)
            .where(Tracker.project_id == self._project.id, MailThreadRef.root_message_id == root_message_id)
            .order_by(Tracker.number)
        )
        return [ThreadRefRow(number, r.root_message_id, r.url, r.relay) for r, number in found]

    def _draft(self, key: str) -> tuple[Draft, int | None] | None:
        found = self._session.execute(
            select(Draft, Tracker.number)
            .outerjoin(Tracker, Tracker.id == Draft.tracker_id)
            .where(Draft.project_id == self._project.id, Draft.key == key)
        ).one_or_none()
        return None if found is None else (found[0], found[1])

    @staticmethod
    def _draft_row(d: Draft, number: int | None) -> DraftRow:
        return DraftRow(d.key, number, d.template, d.sink_id, d.state, d.created_at, d.updated_at)

    def get_draft(self, key: str) -> DraftRow | None:
        found = self._draft(key)
        return None if found is None else self._draft_row(*found)

    def list_drafts(self, *, tracker: int | None = None, state: str | None = None) -> list[DraftRow]:
        query = (
            select(Draft, Tracker.number)
            .outerjoin(Tracker, Tracker.id == Draft.tracker_id)
            .where(Draft.project_id == self._project.id)
        )
        if tracker is not None:
            query = query.where(Draft.tracker_id == self._tracker(tracker).id)
        if state is not None:
            query = query.where(Draft.state == state)
        return [self._draft_row(d, n) for d, n in self._session.execute(query.order_by(Draft.id))]

    # rejections ledger, PII

    @staticmethod
    def _rejection_row(r: Rejection) -> RejectionRow:
        return RejectionRow(r.id, r.rejected_on, r.reporter, r.canned, r.thread, r.message_id, r.summary)

    def list_rejections(self) -> list[RejectionRow]:
        found = self._session.scalars(
            select(Rejection).where(Rejection.project_id == self._project.id).order_by(Rejection.id)
        )
        return [self._rejection_row(r) for r in found]

    def find_rejection(self, message_id: str) -> RejectionRow | None:
        """The ledger record of a root Message-ID, which intake treats as already handled (spec §5)."""
        found = self._session.scalars(
            select(Rejection)
            .where(Rejection.project_id == self._project.id, Rejection.message_id == message_id)
            .order_by(Rejection.id)
        ).first()
        return None if found is None else self._rejection_row(found)

    def thread_messages(self, root_message_id: str) -> list[MessageRow]:
        """Every recorded message of a thread, oldest first (undated last), for reply threading."""
        found = self._session.scalars(
            select(InboundMessage).where(
                InboundMessage.project_id == self._project.id, InboundMessage.root_message_id == root_message_id
            )
        ).all()
        rows = [_message_row(m) for m in found]
        return sorted(rows, key=lambda r: (r.sent_at is None, r.sent_at or datetime.min.replace(tzinfo=UTC)))

    def get_message(self, message_id: str) -> MessageRow | None:
        found = self._session.scalars(
            select(InboundMessage).where(
                InboundMessage.project_id == self._project.id, InboundMessage.message_id == message_id
            )
        ).one_or_none()
        return None if found is None else _message_row(found)

    def get_record_state(self, cve_id: str) -> RecordStateRow | None:
        found = self._record_state(cve_id)
        return None if found is None else RecordStateRow(found.cve_id, found.state, dict(found.record))

    def _record_state(self, cve_id: str) -> CveRecordState | None:
        return self._session.scalars(
            select(CveRecordState).where(CveRecordState.project_id == self._project.id, CveRecordState.cve_id == cve_id)
        ).one_or_none()

    def _pii(self, pii_id: str) -> PiiEntry | None:
        return self._session.scalars(
            select(PiiEntry).where(PiiEntry.project_id == self._project.id, PiiEntry.pii_id == pii_id)
        ).one_or_none()

    def get_pii(self, pii_id: str) -> PiiRow | None:
        found = self._pii(pii_id)
        return None if found is None else PiiRow(found.pii_id, found.type, found.value)

    def list_pii(self) -> list[PiiRow]:
        found = self._session.scalars(
            select(PiiEntry).where(PiiEntry.project_id == self._project.id).order_by(PiiEntry.pii_id)
        )
        return [PiiRow(e.pii_id, e.type, e.value) for e in found]

    def pii_mapping(self) -> dict[str, Any]:
        """The spec §10.4 document: `{"version": 1, "entries": {id: {type, value}}}`."""
        return {"version": 1, "entries": {e.id: {"type": e.type, "value": e.value} for e in self.list_pii()}}

    # audit

    def _audit_tail(self) -> AuditEvent | None:
        return self._session.scalars(
            select(AuditEvent).where(AuditEvent.project_id == self._project.id).order_by(AuditEvent.seq.desc()).limit(1)
        ).first()

    def audit_head(self) -> str:
        """Hash of the newest event (64 zeros for an empty chain); rollup entries quote its first 16 hex digits."""
        tail = self._audit_tail()
        return chain.GENESIS_HASH if tail is None else tail.hash

    def list_audit(self, tracker: int | None = None) -> list[AuditEventRow]:
        query = select(AuditEvent).where(AuditEvent.project_id == self._project.id)
        if tracker is not None:
            query = query.where(AuditEvent.tracker_number == tracker)
        return [_event_row(e) for e in self._session.scalars(query.order_by(AuditEvent.seq))]


class Transaction(Reader):
    """A unit of work on one project: every write, and its audit events, commit together or not at all."""

    def __init__(
        self, session: Session, slug: str, project: Project | None, clock: Clock, *, actor: str, command: str
    ) -> None:
        super().__init__(session, slug, project, clock)
        self.actor = actor
        self.command = command

    def _add(self, obj: Any) -> None:
        self._session.add(obj)
        self._session.flush()

    def create_project(self, name: str | None = None) -> ProjectRow:
        """Create the project named by the transaction, with a fresh 32-byte secret (spec §10.4, §13.2)."""
        if self._project_row is not None:
            raise UsageError(f"project {self.slug} already exists in the store; use it, or choose another project slug")
        if not self.slug or len(self.slug) > 200:
            raise UsageError("the project slug must be 1 to 200 characters; fix `project` in .steward/project.yml")
        project = Project(
            slug=self.slug,
            name=name or self.slug,
            secret=secrets.token_bytes(SECRET_BYTES),
            last_tracker_number=0,
            created_at=self._now(),
        )
        self._add(project)
        self._project_row = project
        return self.get_project()

    # trackers

    def _set_labels(self, tracker: Tracker, labels: Sequence[str]) -> None:
        self._session.execute(delete(TrackerLabel).where(TrackerLabel.tracker_id == tracker.id))
        for position, name in enumerate(labels):
            self._session.add(TrackerLabel(tracker_id=tracker.id, name=name, position=position))
        self._session.flush()

    def _milestone_id(self, title: str | None) -> int | None:
        if title is None:
            return None
        found = self._milestone(title)
        if found is None:
            raise NotFound(f"no milestone {title!r} in project {self.slug}; create it first (`upsert_milestone`)")
        return found.id

    def create_tracker(  # noqa: PLR0917 - the positional order is the documented TrackerStore call
        self,
        title: str,
        body: str,
        labels: Iterable[str],
        board_column: str | None,
        assignee: str | None = None,
        scope: str | None = None,
        *,
        milestone: str | None = None,
        cve_id: str | None = None,
    ) -> TrackerRow:
        """A new open tracker with the project's next number (1, 2, … without gaps, under the project lock)."""
        project = self._project
        names = _unique(labels)
        now = self._now()
        project.last_tracker_number += 1
        tracker = Tracker(
            project_id=project.id,
            number=project.last_tracker_number,
            title=title,
            body=body,
            state="open",
            close_reason=None,
            scope=scope,
            milestone_id=self._milestone_id(milestone),
            assignee=assignee,
            board_column=board_column,
            cve_id=cve_id,
            created_at=now,
            updated_at=now,
            closed_at=None,
        )
        self._add(tracker)
        self._set_labels(tracker, names)
        return self.get_tracker(tracker.number)

    def update_tracker(
        self,
        number: int,
        *,
        title: str | _Unset = UNSET,
        body: str | _Unset = UNSET,
        labels: Iterable[str] | _Unset = UNSET,
        closed: bool | _Unset = UNSET,
        close_reason: str | _Unset | None = UNSET,
        board_column: str | _Unset | None = UNSET,
        assignee: str | _Unset | None = UNSET,
        cve_id: str | _Unset | None = UNSET,
        milestone: str | _Unset | None = UNSET,
        scope: str | _Unset | None = UNSET,
    ) -> TrackerRow:
        """Change only the given fields; when nothing differs nothing is written, not even `updated_at` (G4).

        Closing without a reason closes as `completed`; reopening clears the reason and `closed_at`.
        """
        tracker = self._tracker(number)
        changed = False

        def put(attr: str, value: object) -> None:
            nonlocal changed
            if getattr(tracker, attr) != value:
                setattr(tracker, attr, value)
                changed = True

        for attr, value in (
            ("title", title),
            ("body", body),
            ("board_column", board_column),
            ("assignee", assignee),
            ("cve_id", cve_id),
            ("scope", scope),
        ):
            if value is not UNSET:
                put(attr, value)
        if milestone is not UNSET:
            put("milestone_id", self._milestone_id(milestone))
        now = self._now()
        want_closed = tracker.state == "closed" if closed is UNSET else closed
        if close_reason is not UNSET and close_reason is not None and close_reason not in CLOSE_REASONS:
            raise UsageError(
                f"close reason {close_reason!r} is not one of {', '.join(CLOSE_REASONS)}; pass one of them"
            )
        if want_closed:
            reason = close_reason if close_reason is not UNSET else tracker.close_reason
            if tracker.state != "closed":
                put("closed_at", now)
            put("state", "closed")
            put("close_reason", reason or "completed")
        else:
            if close_reason not in (UNSET, None):
                raise UsageError(f"tracker #{number} is open, so it cannot have a close reason; pass closed=True too")
            put("state", "open")
            put("close_reason", None)
            put("closed_at", None)
        if labels is not UNSET:
            names = _unique(labels)
            current = self._session.scalars(
                select(TrackerLabel.name).where(TrackerLabel.tracker_id == tracker.id).order_by(TrackerLabel.position)
            ).all()
            if list(current) != names:
                self._set_labels(tracker, names)
                changed = True
        if changed:
            tracker.updated_at = now
            self._session.flush()
        return self.get_tracker(number)

    # comments and reactions

    def add_comment(self, number: int, author: str, body: str) -> CommentRow:
        tracker = self._tracker(number)
        now = self._now()
        comment = Comment(tracker_id=tracker.id, author=author, body=body, created_at=now, updated_at=now)
        self._add(comment)
        return self._comment_row(comment, number)

    def update_comment(self, comment_id: int, body: str) -> CommentRow:
        """Replace a comment's body (the rollup's PATCH-append); unchanged text writes nothing."""
        comment, number = self._comment(comment_id)
        if comment.body != body:
            comment.body = body
            comment.updated_at = self._now()
            self._session.flush()
        return self._comment_row(comment, number)

    def add_reaction(self, comment_id: int, user: str, kind: str = "+1") -> ReactionRow:
        """Idempotent: the same user's same reaction is stored once (the first one is returned)."""
        self._comment(comment_id)
        found = self._session.scalars(
            select(Reaction).where(Reaction.comment_id == comment_id, Reaction.user == user, Reaction.kind == kind)
        ).one_or_none()
        if found is None:
            found = Reaction(comment_id=comment_id, user=user, kind=kind, created_at=self._now())
            self._add(found)
        return ReactionRow(found.comment_id, found.user, found.kind, found.created_at)

    def remove_reaction(self, comment_id: int, user: str, kind: str = "+1") -> bool:
        self._comment(comment_id)
        result = self._session.execute(
            delete(Reaction).where(Reaction.comment_id == comment_id, Reaction.user == user, Reaction.kind == kind)
        )
        return bool(getattr(result, "rowcount", 0))

    # roster, milestones

    def upsert_person(
        self, handle: str, *, name: str, emails: Iterable[str] = (), roles: Iterable[str] = ()
    ) -> PersonRow:
        """Add a roster member, or replace their name, emails and roles (keeping their place in roster order)."""
        person = self._person(handle)
        if person is None:
            person = RosterPerson(project_id=self._project.id, handle=handle, name=name, emails=[], roles=[])
            self._session.add(person)
        person.name = name
        person.emails = list(emails)
        person.roles = list(roles)
        self._session.flush()
        return self._person_row(person)

    def remove_person(self, handle: str) -> bool:
        person = self._person(handle)
        if person is None:
            return False
        self._session.delete(person)
        self._session.flush()
        return True

    def upsert_milestone(self, title: str, *, due_on: date | None = None, state: str = "open") -> MilestoneRow:
        if state not in ("open", "closed"):
            raise UsageError(f"milestone state {state!r} is not open or closed; pass one of them")
        found = self._milestone(title)
        if found is None:
            found = Milestone(project_id=self._project.id, title=title)
            self._session.add(found)
        found.due_on = due_on
        found.state = state
        self._session.flush()
        return MilestoneRow(found.title, found.due_on, found.state)

    # mail threads, drafts

    def add_thread_ref(
        self, number: int, root_message_id: str, *, url: str | None = None, relay: str | None = None
    ) -> ThreadRefRow:
        """Record a tracker's inbound thread by its root Message-ID; a second call updates its URL and relay."""
        tracker = self._tracker(number)
        found = self._session.scalars(
            select(MailThreadRef).where(
                MailThreadRef.tracker_id == tracker.id, MailThreadRef.root_message_id == root_message_id
            )
        ).one_or_none()
        if found is None:
            found = MailThreadRef(tracker_id=tracker.id, root_message_id=root_message_id)
            self._session.add(found)
        found.url = url
        found.relay = relay
        self._session.flush()
        return ThreadRefRow(number, found.root_message_id, found.url, found.relay)

    def put_draft(
        self,
        key: str,
        *,
        template: str,
        tracker: int | None = None,
        sink_id: str | None = None,
        state: str = "pending",
    ) -> DraftRow:
        """Record a draft under its X-Steward-Key before (state `pending`) and after it is written to the sink."""
        if not DRAFT_KEY.fullmatch(key):
            raise UsageError(f"draft key {key!r} is not 32 lower-case hex digits (X-Steward-Key, spec §9.3)")
        tracker_id = None if tracker is None else self._tracker(tracker).id
        now = self._now()
        existing = self._draft(key)
        if existing is None:
            draft = Draft(project_id=self._project.id, key=key, created_at=now, updated_at=now)
            self._session.add(draft)
        else:
            draft = existing[0]
        values = {"tracker_id": tracker_id, "template": template, "sink_id": sink_id, "state": state}
        if any(getattr(draft, k, None) != v for k, v in values.items()):
            for k, v in values.items():
                setattr(draft, k, v)
            draft.updated_at = now
        self._session.flush()
        return self._draft_row(draft, tracker)

    def set_draft_state(self, key: str, state: str, *, sink_id: str | _Unset | None = UNSET) -> DraftRow:
        existing = self._draft(key)
        if existing is None:
            raise NotFound(f"no draft with key {key} in project {self.slug}; `steward drafts` lists them")
        draft, number = existing
        if draft.state != state or (sink_id is not UNSET and draft.sink_id != sink_id):
            draft.state = state
            if sink_id is not UNSET:
                draft.sink_id = sink_id
            draft.updated_at = self._now()
            self._session.flush()
        return self._draft_row(draft, number)

    # rejections ledger, PII, counters

    def add_rejection(
        self, *, date: date, reporter: str, canned: str, thread: str, message_id: str | None, summary: str
    ) -> RejectionRow:
        """Append a rejections-ledger record (spec §5.17)."""
        record = Rejection(
            project_id=self._project.id,
            rejected_on=date,
            reporter=reporter,
            canned=canned,
            thread=thread,
            message_id=message_id,
            summary=summary,
            created_at=self._now(),
        )
        self._add(record)
        return self._rejection_row(record)

    def add_pii(self, pii_id: str, type: str, value: str) -> PiiRow:
        """Store one mapping entry; the same id for a different value stops the command (spec §10.4, exit 1)."""
        if type not in PII_TYPES:
            raise UsageError(f"PII type {type!r} is not one of {', '.join(PII_TYPES)} (spec §10.4)")
        found = self._pii(pii_id)
        if found is not None:
            if found.value != value or found.type != type:
                raise OperationFailed(
                    f"PII id {pii_id} of project {self.slug} already stands for a different value; two values with "
                    "one id cannot be told apart, so redact this value by hand and report the collision"
                )
            return PiiRow(found.pii_id, found.type, found.value)
        entry = PiiEntry(project_id=self._project.id, pii_id=pii_id, type=type, value=value)
        self._add(entry)
        return PiiRow(entry.pii_id, entry.type, entry.value)

    def record_message(
        self,
        message_id: str,
        *,
        root_message_id: str,
        subject: str,
        from_name: str | None,
        from_addr: str | None,
        reply_to_addr: str | None = None,
        sent_at: datetime | None = None,
        encrypted: bool = False,
        relay: str | None = None,
    ) -> MessageRow:
        """Idempotent by Message-ID: a re-import records nothing twice."""
        existing = self.get_message(message_id)
        if existing is not None:
            return existing
        row = InboundMessage(
            project_id=self._project.id,
            message_id=message_id,
            root_message_id=root_message_id,
            subject=subject,
            from_name=from_name,
            from_addr=from_addr,
            reply_to_addr=reply_to_addr,
            sent_at=sent_at,
            encrypted=encrypted,
            relay=relay,
            created_at=self._now(),
        )
        self._add(row)
        return _message_row(row)

    def put_record_state(self, cve_id: str, state: str, record: dict[str, Any]) -> RecordStateRow:
        found = self._record_state(cve_id)
        if found is None:
            found = CveRecordState(project_id=self._project.id, cve_id=cve_id, state=state, record=record)
            found.updated_at = self._now()
            self._add(found)
        else:
            found.state, found.record, found.updated_at = state, record, self._now()
            self._session.flush()
        return RecordStateRow(cve_id, state, dict(record))

    def next_counter(self, name: str, start: int = 1) -> int:
        """`start` on first use, then one more each call; safe with concurrent writers (project lock)."""
        found = self._session.get(Counter, (self._project.id, name))
        if found is None:
            found = Counter(project_id=self._project.id, name=name, value=start)
            self._session.add(found)
        else:
            found.value += 1
        self._session.flush()
        return found.value

    # audit

    def audit(self, tracker_number: int | None, item_key: str, before: Any, after: Any) -> AuditEventRow:
        """Append one chained event for an applied item (G3); `before`/`after` are digested, never stored."""
        tail = self._audit_tail()
        prev = None if tail is None else _record(self.slug, tail)
        fields = chain.next_fields(
            prev,
            project=self.slug,
            at=self._now(),
            actor=self.actor,
            command=self.command,
            tracker=tracker_number,
            item_key=item_key,
            before=before,
            after=after,
        )
        record = chain.seal(fields)
        event = AuditEvent(
            project_id=self._project.id,
            seq=fields.seq,
            at=fields.at,
            actor=fields.actor,
            command=fields.command,
            tracker_number=fields.tracker,
            item_key=fields.item_key,
            before_digest=fields.before_digest,
            after_digest=fields.after_digest,
            prev_hash=fields.prev_hash,
            hash=record.hash,
        )
        self._add(event)
        return _event_row(event)


# --- the store --------------------------------------------------------------------------------------------------


def _alembic_config() -> AlembicConfig:
    config = AlembicConfig()
    config.set_main_option("script_location", str(MIGRATIONS))
    return config


def _prepare_sqlite_file(path: Path, *, create: bool, shown: str) -> None:
    """Create the database file owner-only (spec §13.2) before SQLite would create it with the umask's mode."""
    if path.exists():
        return
    if not create:
        raise ConfigError(f"no store at {shown}; run `steward init` to create it, or fix the store URL")
    missing = []
    parent = path.parent
    while not parent.exists():
        missing.append(parent)
        parent = parent.parent
    for directory in reversed(missing):
        directory.mkdir(mode=0o700)
        os.chmod(directory, 0o700)
    os.close(os.open(path, os.O_CREAT | os.O_WRONLY, 0o600))
    os.chmod(path, 0o600)


def _sqlite_engine(url: URL, *, create: bool, shown: str) -> Engine:
    database = url.database or ""
    in_memory = database in ("", ":memory:")
    if in_memory:
        engine = create_engine(url, poolclass=StaticPool, connect_args={"check_same_thread": False})
    else:
        _prepare_sqlite_file(Path(database), create=create, shown=shown)
        engine = create_engine(url, connect_args={"timeout": 30})

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # Let SQLAlchemy's begin event, not pysqlite, decide when a transaction starts and which kind.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Any) -> None:
        # A writer takes the database's write lock up front, so two writers queue instead of deadlocking.
        conn.exec_driver_sql("BEGIN IMMEDIATE" if conn.get_execution_options().get(_WRITE) else "BEGIN")

    return engine


class Store:
    """An open store; use `Store.open()`."""

    def __init__(self, engine: Engine, shown_url: str, clock: Clock) -> None:
        self._engine = engine
        self.url = shown_url
        """The URL with its password hidden."""
        self._clock = clock

    @classmethod
    def open(cls, url: str, *, clock: Clock = utc_now, create: bool = False) -> Store:
        """Connect, and bring the schema to the current revision (creating it when `create`)."""
        try:
            parsed = make_url(url)
        except ArgumentError:
            raise ConfigError(
                f"store URL {safe_url(url)!r} is not a database URL; use e.g. sqlite:///path/steward.db or "
                "postgresql+psycopg://user@host/dbname"
            ) from None
        shown = safe_url(parsed)
        try:
            if parsed.get_backend_name() == "sqlite":
                engine = _sqlite_engine(parsed, create=create, shown=shown)
            else:
                engine = create_engine(parsed, pool_pre_ping=True)
        except (NoSuchModuleError, ImportError) as exc:
            raise ConfigError(
                f"cannot open the store at {shown}: no driver for {parsed.drivername} ({_first_line(exc)}); "
                "use sqlite:/// or postgresql+psycopg:// and install steward[postgres] for the latter"
            ) from None
        store = cls(engine, shown, clock)
        try:
            store._migrate(parsed, create=create)
        except DBAPIError as exc:
            engine.dispose()
            raise ConfigError(
                f"cannot open the store at {shown}: {_first_line(exc)}; check the store URL and that the database "
                "server is running and reachable"
            ) from None
        except BaseException:
            engine.dispose()
            raise
        return store

    def _migrate(self, parsed: URL, *, create: bool) -> None:
        config = _alembic_config()
        head = ScriptDirectory.from_config(config).get_current_head()
        known = {rev.revision for rev in ScriptDirectory.from_config(config).walk_revisions()}
        with self._engine.connect() as conn:
            current = MigrationContext.configure(conn).get_current_revision()
        if current == head:
            return
        if current is None and not create:
            raise ConfigError(f"the store at {self.url} holds no steward tables; run `steward init` to create them")
        if current is not None and current not in known:
            raise ConfigError(
                f"the store at {self.url} is at schema revision {current}, which this steward does not know; "
                "upgrade steward to a version that wrote it"
            )
        with self._engine.connect() as conn:
            conn.execution_options(**{_WRITE: True})
            with conn.begin():
                config.attributes["connection"] = conn
                alembic_command.upgrade(config, "head")
        if parsed.get_backend_name() == "sqlite" and parsed.database not in (None, "", ":memory:"):
            os.chmod(str(parsed.database), 0o600)

    def close(self) -> None:
        self._engine.dispose()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()

    @property
    def engine(self) -> Engine:
        """For tests and maintenance tools; application code goes through units of work."""
        return self._engine

    @contextmanager
    def _session(self, *, write: bool) -> Iterator[Session]:
        try:
            with self._engine.connect() as conn:
                if write:
                    conn.execution_options(**{_WRITE: True})
                with conn.begin():
                    session = Session(bind=conn, autoflush=True, expire_on_commit=False)
                    try:
                        yield session
                        session.flush()
                    finally:
                        session.close()
        except IntegrityError as exc:
            raise OperationFailed(
                f"the store at {self.url} refused a write ({_first_line(exc)}); nothing was written — "
                "another worker may have made the same change, so re-run the command"
            ) from exc
        except OperationalError as exc:
            raise OperationFailed(
                f"the store at {self.url} failed ({_first_line(exc)}); nothing was written — retry, "
                "and check the database if it persists"
            ) from exc

    @contextmanager
    def transaction(self, project_slug: str, *, actor: str, command: str) -> Iterator[Transaction]:
        """One unit of work: commits when the block ends, rolls everything back when it raises."""
        with self._session(write=True) as session:
            project = session.scalars(
                select(Project).where(Project.slug == project_slug).with_for_update()
            ).one_or_none()
            yield Transaction(session, project_slug, project, self._clock, actor=actor, command=command)

    @contextmanager
    def read(self, project_slug: str) -> Iterator[Reader]:
        """Consistent read-only queries on one project."""
        with self._session(write=False) as session:
            project = session.scalars(select(Project).where(Project.slug == project_slug)).one_or_none()
            reader = Reader(session, project_slug, project, self._clock)
            if project is None:
                raise NotFound(f"no project {project_slug} in the store at {self.url}; run `steward init` to create it")
            yield reader

    def project(self, slug: str) -> ProjectRow:
        with self.read(slug) as reader:
            return reader.get_project()

    def projects(self) -> list[ProjectRow]:
        with self._session(write=False) as session:
            found = session.scalars(select(Project).order_by(Project.slug))
            return [ProjectRow(p.slug, p.name, p.created_at) for p in found]

    def verify_audit(self, project_slug: str | None = None) -> chain.AuditReport:
        """Recompute the chain of one project (or of every project, in slug order) and name the first broken event."""
        checked = 0
        with self._session(write=False) as session:
            query = select(Project.id, Project.slug).order_by(Project.slug)
            if project_slug is not None:
                query = query.where(Project.slug == project_slug)
            projects = session.execute(query).all()
            if project_slug is not None and not projects:
                raise NotFound(f"no project {project_slug} in the store at {self.url}; run `steward init` to create it")
            for project_id, slug in projects:
                events = session.scalars(
                    select(AuditEvent)
                    .where(AuditEvent.project_id == project_id)
                    .order_by(AuditEvent.seq)
                    .execution_options(yield_per=1000)
                )
                report = chain.verify_chain(_record(slug, e) for e in events)
                checked += report.checked
                if not report.ok:
                    return chain.AuditReport(False, checked, report.first_broken, report.reason)
        return chain.AuditReport(True, checked)

    def count(self, project_slug: str) -> int:
        """Number of trackers of a project (cheap; for stats and tests)."""
        with self.read(project_slug) as reader:
            return reader.count_trackers()
