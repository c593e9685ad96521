"""Read-only queries on one project inside one database transaction (the base of every unit of work)."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from datetime import UTC, datetime
from typing import Any, TypeVar

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from steward.errors import NotFound
from steward.store import audit as chain
from steward.store import fulltext
from steward.store.clock import Clock
from steward.store.rows import (
    AuditEventRow,
    CommentRow,
    DraftRow,
    MessageRow,
    MilestoneRow,
    PersonRow,
    PiiRow,
    ProjectRow,
    ReactionRow,
    RecordStateRow,
    RejectionRow,
    ThreadRefRow,
    TrackerRow,
    event_row,
    message_row,
)
from steward.store.schema import (
    AuditEvent,
    Comment,
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

_CHUNK = 500
T = TypeVar("T")


def _chunks(items: Sequence[T]) -> Iterator[Sequence[T]]:
    for start in range(0, len(items), _CHUNK):
        yield items[start : start + _CHUNK]


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

    def prefilter_trackers(self, terms: Sequence[str], limit: int = fulltext.PREFILTER_LIMIT) -> list[int] | None:
        """Numbers of the `limit` trackers (open and closed) best matching any term, best first (spec §5.4).

        None when this store has no full-text index (a SQLite without FTS5): the caller then compares with every
        tracker. Each term matches as a phrase; at most 32 terms of 64 characters count, the rest are ignored.
        """
        return fulltext.prefilter(self._session, self._project.id, terms, limit)

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
        rows = [message_row(m) for m in found]
        return sorted(rows, key=lambda r: (r.sent_at is None, r.sent_at or datetime.min.replace(tzinfo=UTC)))

    def get_message(self, message_id: str) -> MessageRow | None:
        found = self._session.scalars(
            select(InboundMessage).where(
                InboundMessage.project_id == self._project.id, InboundMessage.message_id == message_id
            )
        ).one_or_none()
        return None if found is None else message_row(found)

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
        return [event_row(e) for e in self._session.scalars(query.order_by(AuditEvent.seq))]
