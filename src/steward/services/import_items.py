"""What a mail import proposes (spec §5.13): numbered items, skipped threads and the proposal."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from steward.intake.classify import Action
from steward.intake.proposal import Candidate
from steward.services.import_window import Window

RECEIPT = "receipt-of-confirmation"
PUBLIC_FIX_TEMPLATE = "additional-information-requested"
DEFAULT_SELECTED: frozenset[Action] = frozenset({"create", "merge", "link"})

Progress = Callable[[str, int, int | None], None]
"""(phase, done, total or None) — the CLI draws it; services never print."""


def no_progress(_phase: str, _done: int, _total: int | None) -> None:
    return None


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
    precedents: tuple[str, ...] = ()
    public_fix: tuple[str, ...] = ()
    """§5.6 code-host findings, or the line saying the PRs were not searched."""
    """§5.5 prior-rejection findings, or the one line saying there are none."""
    new_messages: tuple[str, ...] = ()
    """For `--thread` on an imported thread: the messages its tracker has not seen (a refresh `link`)."""

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
    notes: tuple[str, ...] = ()
    """What the import could not do (an unreadable archive) or did besides (archive-only messages paired in)."""

    def default_selection(self) -> list[int]:
        return [p.number for p in self.items if p.candidate.action in DEFAULT_SELECTED]
