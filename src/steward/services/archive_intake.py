"""The mail archive as `import mail` reads it (spec §5.1 pairing, §5.5 rejection replies, §5.10 permalinks).

The archive helps an import but is never required by one: a failing archive becomes a note on the proposal
("archive not read: …") and the import goes on with the mail source alone, because a security report must
not wait for a list server. Configuration mistakes are still configuration errors (exit 2).
"""

from __future__ import annotations

from collections.abc import Collection, Iterator, Sequence
from datetime import datetime

from steward.app import App
from steward.archive.interface import ArchiveEntry, ArchiveError, MailArchive
from steward.archive.registry import archive_for
from steward.errors import Refused
from steward.intake.message import ParsedMessage, parse_message
from steward.intake.precedents import RejectionReply, rejection_reply
from steward.intake.sources import SourceItem
from steward.patterns import PatternSet

MAX_ARCHIVE_ONLY = 500
"""Archive-only messages fetched per import: enough for a list's busiest fortnight, bounded for memory."""
MAX_REPLY_FETCHES = 5
"""Roster replies fetched per candidate for the §5.5 search; the search listing itself is bounded too."""
SEARCHES = 2
"""Archive searches per candidate, one per most specific keyword: a phrase of several words rarely matches."""
ARCHIVE_KEY = "archive:"


class ArchiveLink:
    """One import's view of the archive, with the notes its failures leave."""

    def __init__(self, app: App, archive: MailArchive | None = None) -> None:
        self.list_address = app.config.security_inbox.address
        self.notes: list[str] = []
        self.archive: MailArchive | None = archive
        self.kind = app.config.archive_system.kind
        if archive is None and self.kind != "none":
            try:
                self.archive = archive_for(app.config.archive_system, root=app.loaded.root, lists=[self.list_address])
            except Refused as exc:
                self.notes.append(f"archive not read: {exc}")

    @property
    def readable(self) -> bool:
        return self.archive is not None

    def _failed(self, what: str, exc: ArchiveError) -> None:
        note = f"archive not read ({what}): {exc}"
        if note not in self.notes:
            self.notes.append(note)
        self.archive = None

    def archive_only(self, seen: Collection[str], since: datetime) -> list[SourceItem]:
        """§5.1: messages the archive lists since `since` that the mail source lacks, as source items."""
        if self.archive is None:
            return []
        out: list[SourceItem] = []
        try:
            for entry in self.archive.list_recent(self.list_address, since):
                if entry.message_id in seen:
                    continue
                raw = self.archive.fetch_raw(entry.message_id)
                if raw is None:
                    continue
                out.append(SourceItem(f"{ARCHIVE_KEY}{entry.message_id}", raw, len(raw)))
                if len(out) >= MAX_ARCHIVE_ONLY:
                    self.notes.append(f"archive pairing stopped at {MAX_ARCHIVE_ONLY} archive-only messages")
                    break
        except ArchiveError as exc:
            self._failed("pairing", exc)
        if out:
            self.notes.append(f"{len(out)} message(s) found only in the archive were paired in")
        return out

    def permalink(self, message_id: str | None) -> str | None:
        if self.archive is None or not message_id:
            return None
        try:
            return self.archive.permalink(message_id)
        except ArchiveError as exc:
            self._failed("permalink", exc)
            return None

    def rejection_replies(
        self,
        keywords: Sequence[str],
        roster: Collection[str],
        patterns: PatternSet,
        openings: Sequence[str],
        since: datetime,
    ) -> list[RejectionReply]:
        """§5.5 in the archive: roster replies that read as rejections, found by the candidate's keywords."""
        if self.archive is None or not keywords:
            return []
        folded = {r.casefold() for r in roster}
        found: list[RejectionReply] = []
        try:
            entries: dict[str, ArchiveEntry] = {}
            for word in sorted(keywords, key=len, reverse=True)[:SEARCHES]:
                for entry in self.archive.search(self.list_address, word, since):
                    entries.setdefault(entry.message_id, entry)
            for entry in _roster_replies(list(entries.values()), folded):
                raw = self.archive.fetch_raw(entry.message_id)
                message = parse_message(raw) if raw is not None else None
                if isinstance(message, ParsedMessage):
                    reply = rejection_reply(message, folded, patterns, openings, where="archive", url=entry.permalink)
                    if reply is not None:
                        found.append(reply)
        except ArchiveError as exc:
            self._failed("rejection search", exc)
        return found


def _roster_replies(entries: Sequence[ArchiveEntry], roster: Collection[str]) -> Iterator[ArchiveEntry]:
    taken = 0
    for entry in entries:
        if entry.from_addr.casefold() in roster and (entry.in_reply_to or entry.references):
            yield entry
            taken += 1
            if taken >= MAX_REPLY_FETCHES:
                return
