"""The MailArchive port (design §3; spec §5.1, §5.5, §5.10, §8.8): what intake and sync need from a list archive.

An archive is read-only and hostile: everything it returns is bounded header facts (`ArchiveEntry`), raw bytes
cut at a size bound, or a permalink. Message-IDs are always normalised to `<id@host>` so mail-source and archive
listings pair by plain string equality (§5.1).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Protocol, runtime_checkable

from steward.errors import OperationFailed, UsageError

SEARCH_LIMIT = 100
"""At most this many entries from one `search` (steward decision)."""

_CVE_SHAPE = re.compile(r"CVE-\d{4}-\d+", re.IGNORECASE)


class ArchiveError(OperationFailed):
    """The archive could not be read (exit 1): the message names what failed, where, and how to fix it."""


@dataclass(frozen=True)
class ArchiveEntry:
    """One archived message, header facts only; `permalink` is None when the archive has no public URL."""

    message_id: str
    subject: str
    from_addr: str
    date: datetime | None
    in_reply_to: str | None
    references: tuple[str, ...]
    permalink: str | None
    list_address: str


@runtime_checkable
class MailArchive(Protocol):
    """Read access to a mailing-list archive; every method is bounded in time, bytes and count."""

    def list_recent(self, list_address: str, since: datetime) -> Iterator[ArchiveEntry]:
        """Messages archived on `list_address` dated at or after `since`, oldest first where the archive knows."""
        ...

    def fetch_raw(self, message_id: str) -> bytes | None:
        """The raw RFC 5322 bytes of one message, cut at the adapter's size bound; None when unknown."""
        ...

    def permalink(self, message_id: str) -> str | None:
        """The public URL of one message (§2.4 thread line, §5.10); None when unknown or not public."""
        ...

    def search(self, list_address: str, query: str, since: datetime) -> list[ArchiveEntry]:
        """At most `SEARCH_LIMIT` messages on the list since `since` whose subject or body holds the query."""
        ...

    def find_announcement(self, cve_id: str, lists: Sequence[str], since: datetime) -> ArchiveEntry | None:
        """The first archived message on `lists` since `since` whose subject or body names `cve_id` exactly."""
        ...

    def resolve_announcement(self, cve_id: str, lists: Sequence[str], since: datetime) -> str | None:
        """The permalink of `find_announcement`'s message (§8.8 trigger); None when none is archived."""
        ...


def check_cve_id(cve_id: str) -> str:
    """The id upper-cased; anything not shaped `CVE-YYYY-N` is a caller error."""
    value = cve_id.strip()
    if not _CVE_SHAPE.fullmatch(value):
        raise UsageError(f"{cve_id!r} is not a CVE id; pass one shaped CVE-YYYY-NNNN.")
    return value.upper()


def cve_pattern(cve_id: str) -> re.Pattern[str]:
    """Matches `cve_id` as a whole id: CVE-2026-1 never matches inside CVE-2026-12 or XCVE-2026-1."""
    return re.compile(r"(?<![A-Za-z0-9])" + re.escape(check_cve_id(cve_id)) + r"(?![0-9])", re.IGNORECASE)


def names_cve(text: str, cve_id: str) -> bool:
    """True when `text` names `cve_id` exactly (not a longer id sharing its prefix)."""
    return cve_pattern(cve_id).search(text) is not None


def first_by_date(entries: Iterable[ArchiveEntry]) -> ArchiveEntry | None:
    """The earliest-dated entry; undated entries come last, ties keep their order."""
    best: ArchiveEntry | None = None
    for entry in entries:
        if best is None or _date_key(entry) < _date_key(best):
            best = entry
    return best


def _date_key(entry: ArchiveEntry) -> tuple[int, float]:
    if entry.date is None:
        return (1, 0.0)
    try:
        return (0, entry.date.timestamp())
    except (OverflowError, ValueError, OSError):
        return (1, 0.0)


def aware(moment: datetime) -> datetime:
    """A naive datetime is read as UTC, so comparisons with archive dates never raise."""
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment


def split_list(list_address: str, default_domain: str | None = None) -> tuple[str, str]:
    """`(local part, domain)` of a list address; a bare local part takes `default_domain`."""
    local, at, domain = list_address.strip().rpartition("@")
    if not at:
        local, domain = list_address.strip(), (default_domain or "")
    if not local or not domain or "/" in list_address or "@" in local:
        raise UsageError(f"{list_address!r} is not a list address; use list@domain or set archive_system.list_domain.")
    return local, domain.lower()
