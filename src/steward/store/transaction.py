"""A unit of work on one project: every write and the audit events of what it applied commit together (spec G3)."""

from __future__ import annotations

import re
import secrets
from collections.abc import Iterable, Sequence
from datetime import date, datetime
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from steward.errors import NotFound, OperationFailed, UsageError
from steward.store import audit as chain
from steward.store.clock import Clock
from steward.store.reader import Reader
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
    audit_record,
    event_row,
    message_row,
)
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
from steward.store.unset import UNSET, _Unset

SECRET_BYTES = 32
CLOSE_REASONS = ("completed", "not planned")
PII_TYPES = ("N", "E", "P", "IP", "H", "A")
DRAFT_KEY = re.compile(r"[0-9a-f]{32}")


def _unique(labels: Iterable[str]) -> list[str]:
    seen: dict[str, None] = {}
    for label in labels:
        if not label:
            raise UsageError("a label name is empty; pass non-empty label names")
        seen.setdefault(label, None)
    return list(seen)


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
        return message_row(row)

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
        prev = None if tail is None else audit_record(self.slug, tail)
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
        return event_row(event)
