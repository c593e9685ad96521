"""Header facts from the first bytes of a stored message, for archives that keep raw mail (mbox-dir).

Only the header block is parsed (the stdlib header-only parser on at most `HEAD_BYTES`), so a huge or broken
body costs nothing; any failure yields None and the caller skips the message.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from email.parser import BytesHeaderParser
from email.policy import compat32
from email.utils import parseaddr, parsedate_to_datetime

from steward.archive.interface import ArchiveEntry
from steward.intake.message import decode_words, normalise_message_id

HEAD_BYTES = 64 * 1024
MAX_REFERENCES = 100
HEADER_CHARS = 998

_MSG_IDS = re.compile(r"<[^<>\s]+>")
_CONTROLS = re.compile(r"[\x00-\x1f\x7f\u200e\u200f\u202a-\u202e\u2066-\u2069]")
_ADDR = re.compile(r"[^\s@<>()\[\],;:\"\\]+@[^\s@<>()\[\],;:\"\\]+")


def header_block(head: bytes) -> bytes:
    """The bytes before the first blank line (or all of `head`, which the caller already cut)."""
    found = re.search(rb"\r?\n\r?\n", head)
    return head[: found.start() + 1] if found else head


def _text(value: object) -> str:
    text = str(value)[: HEADER_CHARS * 8]
    try:
        text = text.encode("utf-8", "surrogateescape").decode("utf-8", "replace")
    except UnicodeError:
        text = re.sub("[\ud800-\udfff]", "\ufffd", text)
    return re.sub(r"\r?\n(?=[ \t])", "", text)


def _clean(text: str) -> str:
    text = _CONTROLS.sub(" ", re.sub("[\ud800-\udfff]", "\ufffd", text))
    return re.sub(r" {2,}", " ", text).strip()[:HEADER_CHARS]


def _date(value: str | None) -> datetime | None:
    if not value:
        return None
    try:
        parsed = parsedate_to_datetime(value)
        if parsed.tzinfo is None:
            return parsed.replace(tzinfo=UTC)
        return parsed.astimezone(UTC)
    except (TypeError, ValueError, IndexError, OverflowError):
        return None


def _address(value: str | None) -> str:
    if not value:
        return ""
    spec = parseaddr(value)[1].strip()
    if len(spec) > 254 or not _ADDR.fullmatch(spec):
        return ""
    local, _, domain = spec.rpartition("@")
    return f"{local}@{domain.lower()}"


def _ids(value: str | None) -> tuple[str, ...]:
    out: list[str] = []
    for found in _MSG_IDS.findall(value or ""):
        normal = normalise_message_id(found)
        if normal is not None and normal not in out:
            out.append(normal)
        if len(out) >= MAX_REFERENCES:
            break
    return tuple(out)


def entry_from_head(head: bytes, list_address: str) -> ArchiveEntry | None:
    """An entry from a message's first bytes; None when the headers hold no usable Message-ID."""
    try:
        msg = BytesHeaderParser(policy=compat32).parsebytes(header_block(head[:HEAD_BYTES]))

        def get(name: str) -> str | None:
            value = msg.get(name)
            return None if value is None else _text(value)

        message_id = normalise_message_id(get("Message-ID"))
        if message_id is None:
            return None
        reply = _ids(get("In-Reply-To"))
        return ArchiveEntry(
            message_id=message_id,
            subject=_clean(decode_words(get("Subject") or "")),
            from_addr=_address(get("From")),
            date=_date(get("Date")),
            in_reply_to=reply[0] if reply else None,
            references=_ids(get("References")),
            permalink=None,
            list_address=list_address,
        )
    except Exception:  # the stdlib parser on bytes it was never meant to see: skip the message, never crash
        return None
