"""§8.1 CNA reviewer comments as facts, read from the mail archive for S16.

Read during fact gathering only, and only when `cve_authority.reviewer_channel` is `mailing-list`, an archive is
given and the tracker is open with a CVE id: one bounded `search` of the security list for the id within
`archive_system.lookback_days`, then at most `MAX_FETCH` bodies through `fetch_raw` + `parse_message`. A message
counts when it names the CVE id exactly and its sender is a reviewer: neither the reporter (the root message's
`From:`), nor a roster member's e-mail, nor CNA tooling. CNA tooling is a `security_inbox.exclude_senders`
address or any address that sent CNA bookkeeping mail (a `cve_authority.bookkeeping_subject_patterns` subject);
the bookkeeping mail itself still counts (§8.1 "bookkeeping mail counts": the tool relays reviewer comments).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import timedelta
from typing import TYPE_CHECKING

from steward.archive.interface import ArchiveEntry, MailArchive, names_cve
from steward.errors import StewardError
from steward.intake.message import ParsedMessage, parse_message

from .context import SyncContext
from .reviewer import ReviewFindings, classify_review
from .scope import scope_of

if TYPE_CHECKING:
    from .facts import TrackerFacts

MAX_FETCH = 10
"""Reviewer message bodies fetched per tracker and run (steward decision, §10.5)."""
BOOKKEEPING = "cve_authority.bookkeeping_subject_patterns"


@dataclass(frozen=True)
class Review:
    """One reviewer message: who sent it (addr-spec), which message, and what it asks for."""

    sender: str
    message_id: str
    subject: str
    findings: ReviewFindings
    via_tool: bool = False
    """True for CNA bookkeeping mail: the tool relayed the comment, so `sender` is the tool's address."""


def reviews_due(facts: TrackerFacts, ctx: SyncContext) -> bool:
    return ctx.config.cve_authority.reviewer_channel == "mailing-list" and facts.row.is_open and bool(facts.cve_id)


def _addr(value: str | None) -> str:
    return (value or "").strip().strip("<>").casefold()


def not_reviewers(facts: TrackerFacts, ctx: SyncContext) -> set[str]:
    """Addresses that are never a reviewer: the reporter, roster members and the configured tool senders."""
    root = facts.root_message
    out = {_addr(root.from_addr)} if root is not None and root.from_addr else set()
    out |= {_addr(e) for m in ctx.config.roster.members for e in m.emails}
    out |= {_addr(s) for s in ctx.config.security_inbox.exclude_senders}
    return out - {""}


def is_bookkeeping(entry: ArchiveEntry, ctx: SyncContext) -> bool:
    return ctx.patterns[BOOKKEEPING].first_item(entry.subject) is not None


def candidates(entries: Sequence[ArchiveEntry], excluded: set[str], ctx: SyncContext) -> list[ArchiveEntry]:
    """Entries that may hold a reviewer comment, before their bodies are read (pure)."""
    tool = {_addr(e.from_addr) for e in entries if is_bookkeeping(e, ctx)}
    out: list[ArchiveEntry] = []
    for entry in entries:
        sender = _addr(entry.from_addr)
        if not sender or sender in excluded:
            continue
        if sender in tool and not is_bookkeeping(entry, ctx):
            continue
        out.append(entry)
    return out


def _review(entry: ArchiveEntry, raw: bytes | None, cve_id: str, scheme: str, ctx: SyncContext) -> Review | None:
    if raw is None:
        return None
    parsed = parse_message(raw)
    if not isinstance(parsed, ParsedMessage):
        return None
    if not (names_cve(parsed.subject, cve_id) or names_cve(parsed.body_text, cve_id)):
        return None
    findings = classify_review(parsed.body_text, ctx.patterns, scheme)
    if findings.empty:
        return None
    return Review(_addr(entry.from_addr), entry.message_id, entry.subject, findings, is_bookkeeping(entry, ctx))


def read_reviews(
    facts: TrackerFacts, ctx: SyncContext, archive: MailArchive | None
) -> tuple[tuple[Review, ...] | None, list[str]]:
    """(reviews with findings, notes); not due or no archive ⇒ no request at all and None."""
    if archive is None or not reviews_due(facts, ctx):
        return None, []
    cve_id = str(facts.cve_id)
    since = ctx.now - timedelta(days=ctx.config.archive_system.lookback_days)
    scheme = scope_of(facts.row.labels, ctx).version_scheme
    found: list[Review] = []
    try:
        entries = archive.search(str(ctx.config.security_inbox.address), cve_id, since)
        for entry in candidates(entries, not_reviewers(facts, ctx), ctx)[:MAX_FETCH]:
            review = _review(entry, archive.fetch_raw(entry.message_id), cve_id, scheme, ctx)
            if review is not None:
                found.append(review)
    except StewardError as exc:
        return None, [f"CNA reviewer comments on {cve_id} could not be read from the archive ({exc}); S16 not checked"]
    return tuple(found), []
