"""The embedded store (SQLite or PostgreSQL): trackers, comments, roster, drafts, ledger, PII map, audit chain."""

from steward.store.audit import AuditReport
from steward.store.store import (
    UNSET,
    AuditEventRow,
    CommentRow,
    DraftRow,
    MessageRow,
    MilestoneRow,
    PersonRow,
    PiiRow,
    ProjectRow,
    ReactionRow,
    Reader,
    RecordStateRow,
    RejectionRow,
    Store,
    ThreadRefRow,
    TrackerRow,
    Transaction,
)

__all__ = [
    "UNSET",
    "AuditEventRow",
    "AuditReport",
    "CommentRow",
    "DraftRow",
    "MessageRow",
    "MilestoneRow",
    "PersonRow",
    "PiiRow",
    "ProjectRow",
    "ReactionRow",
    "Reader",
    "RecordStateRow",
    "RejectionRow",
    "Store",
    "ThreadRefRow",
    "TrackerRow",
    "Transaction",
]
