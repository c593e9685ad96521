"""The embedded tracker store: SQLite for one team, PostgreSQL for a foundation, one API (design §3 TrackerStore).

This module only gathers the public names; what they are lives in `rows` (frozen rows handed to callers),
`reader` (`Reader`), `transaction` (`Transaction`), `engines` (engine setup and `Store`), `migrate` (Alembic),
`fulltext` (the intake prefilter), `clock`, `unset` and `urls`.
"""

from __future__ import annotations

from steward.store.clock import Clock, utc_now
from steward.store.engines import Store
from steward.store.migrate import MIGRATIONS
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
from steward.store.transaction import CLOSE_REASONS, DRAFT_KEY, PII_TYPES, SECRET_BYTES, Transaction
from steward.store.unset import UNSET, _Unset
from steward.store.urls import safe_url

__all__ = [
    "CLOSE_REASONS",
    "DRAFT_KEY",
    "MIGRATIONS",
    "PII_TYPES",
    "SECRET_BYTES",
    "UNSET",
    "AuditEvent",
    "AuditEventRow",
    "Clock",
    "Comment",
    "CommentRow",
    "Counter",
    "CveRecordState",
    "Draft",
    "DraftRow",
    "InboundMessage",
    "MailThreadRef",
    "MessageRow",
    "Milestone",
    "MilestoneRow",
    "PersonRow",
    "PiiEntry",
    "PiiRow",
    "Project",
    "ProjectRow",
    "Reaction",
    "ReactionRow",
    "Reader",
    "RecordStateRow",
    "Rejection",
    "RejectionRow",
    "RosterPerson",
    "Store",
    "ThreadRefRow",
    "Tracker",
    "TrackerLabel",
    "TrackerRow",
    "Transaction",
    "_Unset",
    "safe_url",
    "utc_now",
]
