"""Prior rejections (spec §5.5): what the team already turned down that looks like this candidate.

Three places hold precedent: closed `invalid` / `not CVE worthy` trackers, the rejections ledger, and team
rejection replies in the mail source or the archive within `disclosure.prior_rejection_days`. Each finding
names why it matched (same reporter, shared keywords) so the operator can judge it; an empty result is said
out loud, because "nothing found" and "not searched" must not look alike.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from steward.intake.message import ParsedMessage
from steward.intake.signals import KnownTrackers, is_rejection_reply, prior_rejections, subject_keywords
from steward.patterns import PatternSet

MIN_SHARED_KEYWORDS = 2
"""Two shared subject words, as for the tracker precedent: one word ("template") matches far too much."""


@dataclass(frozen=True)
class RejectionReply:
    """A roster member's rejection-type reply found in mail or the archive (header facts and keywords only)."""

    message_id: str
    sent_at: datetime | None
    recipients: tuple[str, ...]
    keywords: tuple[str, ...]
    where: str
    url: str | None = None


@dataclass(frozen=True)
class LedgerEntry:
    """The fields of a rejections-ledger record (§5.17) that precedent matching reads."""

    day: date
    reporter: str
    canned: str
    thread: str
    summary: str


def rejection_reply(
    message: ParsedMessage,
    roster: Iterable[str],
    patterns: PatternSet,
    openings: Sequence[str],
    *,
    where: str,
    url: str | None = None,
) -> RejectionReply | None:
    """The message as a team rejection reply, or None when it is not one (not from the roster, not a reply,
    or not opening like a rejection)."""
    if message.from_addr.casefold() not in {e.casefold() for e in roster}:
        return None
    if not (message.in_reply_to or message.references):
        return None
    if not is_rejection_reply(message.body_text, patterns, openings):
        return None
    recipients = tuple(a.casefold() for a in (*message.to, *message.cc) if a)
    keywords = tuple(subject_keywords(message.subject, patterns))
    return RejectionReply(message.message_id or "", message.date, recipients, keywords, where, url)


def _why(sender: str, keywords: set[str], their_sender: Iterable[str], their_words: Iterable[str]) -> str | None:
    if sender and sender in {s.casefold() for s in their_sender}:
        return "same reporter"
    shared = sorted(keywords & {w.casefold() for w in their_words})
    if len(shared) >= MIN_SHARED_KEYWORDS:
        return "shared keywords: " + ", ".join(shared[:5])
    return None


def precedent_lines(
    keywords: Sequence[str],
    sender: str,
    trackers: KnownTrackers,
    ledger: Sequence[LedgerEntry],
    replies: Sequence[RejectionReply],
    *,
    now: datetime,
    days: int,
    patterns: PatternSet,
    own_ids: Iterable[str] = (),
) -> list[str]:
    """The §5.5 lines for one candidate: every precedent with its reason, or the one "no prior rejection" line."""
    words = {k.casefold() for k in keywords}
    who = sender.casefold()
    since = now - timedelta(days=days)
    lines: list[str] = []
    hits, _ = prior_rejections(keywords, trackers, days)
    if hits:
        lines.append("reject-class precedent: " + ", ".join(f"#{n}" for n in hits))
    for entry in ledger:
        if entry.day < since.date():
            continue
        why = _why(who, words, [entry.reporter], subject_keywords(entry.summary, patterns))
        if why is not None:
            lines.append(f"prior rejection in the ledger on {entry.day.isoformat()} ({entry.canned}; {why})")
    own = set(own_ids)
    for reply in replies:
        if reply.message_id in own or (reply.sent_at is not None and reply.sent_at < since):
            continue
        why = _why(who, words, reply.recipients, reply.keywords)
        if why is not None:
            when = reply.sent_at.date().isoformat() if reply.sent_at else "undated"
            where = f"{reply.where} {reply.url}" if reply.url else reply.where
            lines.append(f"team rejection reply on {when} in {where} ({why})")
    return lines or [f"no prior rejection in the last {days} days"]
