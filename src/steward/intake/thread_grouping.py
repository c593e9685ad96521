"""Pass 1 of a mail import (spec §5.1): threads from header blocks alone, before any body is read."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import parseaddr, parsedate_to_datetime

from steward.intake.message import normalise_message_id

HEAD_LIMIT = 65536
MAX_REFERENCES = 100
_HEADER = re.compile(rb"(?im)^(message-id|in-reply-to|references|date|from)[ \t]*:([^\r\n]*(?:\r?\n[ \t][^\r\n]*)*)")
_REF = re.compile(r"<([^<>\s]{1,995})>")


@dataclass(frozen=True)
class MessageHead:
    index: int
    message_id: str | None
    parents: tuple[str, ...]
    date: datetime | None
    from_addr: str | None = None
    """Lower-cased addr-spec of `From:`, for spotting roster replies before any body is parsed."""


def _header_block(raw: bytes) -> bytes:
    head = raw[:HEAD_LIMIT]
    end = re.search(rb"\r?\n\r?\n", head)
    return head[: end.start()] if end else head


def _scan_date(value: str) -> datetime | None:
    try:
        parsed = parsedate_to_datetime(value.strip())
    except (TypeError, ValueError, IndexError, OverflowError):
        return None
    if parsed is None:
        return None
    try:
        return parsed.replace(tzinfo=UTC) if parsed.tzinfo is None else parsed.astimezone(UTC)
    except (OverflowError, ValueError):
        return None


def scan_head(index: int, raw: bytes) -> MessageHead:
    """Message-ID, parents and date from the header block alone; nothing of the body is read (§5.1)."""
    found: dict[str, str] = {}
    for match in _HEADER.finditer(_header_block(raw)):
        name = match.group(1).decode("ascii").lower()
        found.setdefault(name, match.group(2).decode("latin-1"))
    mid = normalise_message_id(found.get("message-id"))
    parents: list[str] = []
    for name in ("references", "in-reply-to"):
        for ref in _REF.findall(found.get(name, "")):
            value = f"<{ref}>"
            if value != mid and value not in parents and len(parents) < MAX_REFERENCES:
                parents.append(value)
    sender = parseaddr(found["from"].replace("\r", "").replace("\n", ""))[1].casefold() if "from" in found else ""
    when = _scan_date(found["date"]) if "date" in found else None
    return MessageHead(index, mid, tuple(parents), when, sender if "@" in sender else None)


class _Threads:
    """Union-find over Message-IDs: messages that reference each other, directly or not, are one thread."""

    def __init__(self) -> None:
        self.parent: dict[str, str] = {}

    def find(self, key: str) -> str:
        root = key
        while self.parent.setdefault(root, root) != root:
            root = self.parent[root]
        while self.parent[key] != root:
            self.parent[key], key = root, self.parent[key]
        return root

    def union(self, a: str, b: str) -> None:
        ra, rb = self.find(a), self.find(b)
        if ra != rb:
            self.parent[rb] = ra


@dataclass
class ThreadGroup:
    members: list[MessageHead]
    ids: set[str]

    def ordered(self) -> list[MessageHead]:
        """Root first: the earliest message none of whose parents is in the thread, then by date and position."""
        present = {h.message_id for h in self.members if h.message_id}
        by_time = sorted(self.members, key=_order)
        root = next((h for h in by_time if not any(p in present for p in h.parents)), by_time[0])
        return [root, *(h for h in by_time if h is not root)]


def _order(head: MessageHead) -> tuple[bool, float, int]:
    return (head.date is None, head.date.timestamp() if head.date else 0.0, head.index)


def group_threads(heads: Iterable[MessageHead]) -> list[ThreadGroup]:
    """Threads in order of their root's position; a repeated Message-ID (double delivery) counts once."""
    threads = _Threads()
    kept: list[MessageHead] = []
    seen: set[str] = set()
    for head in heads:
        if head.message_id is not None:
            if head.message_id in seen:
                continue
            seen.add(head.message_id)
        kept.append(head)
        own = head.message_id or f"#{head.index}"
        threads.find(own)
        for parent in head.parents:
            threads.union(own, parent)
    groups: dict[str, ThreadGroup] = {}
    for head in kept:
        own = head.message_id or f"#{head.index}"
        group = groups.setdefault(threads.find(own), ThreadGroup([], set()))
        group.members.append(head)
        group.ids.update(head.parents)
        if head.message_id:
            group.ids.add(head.message_id)
    return sorted(groups.values(), key=lambda g: g.ordered()[0].index)
