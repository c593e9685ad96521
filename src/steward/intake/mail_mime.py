"""The MIME tree walked within the §10.5 limits: text parts to read, attachments only listed, the rest skipped.

Nothing here opens an attachment or decodes a part it will not read: sizes are estimated by counting.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from email.message import Message
from typing import TypeVar, cast

from steward.intake.mail_charset import decode_bytes
from steward.intake.mail_headers import MailReader

T = TypeVar("T")

_B64_CHARS = re.compile(rb"[A-Za-z0-9+/]")


@dataclass(frozen=True)
class Attachment:
    """Listed, never opened: `size` is the decoded size estimated by counting, not by decoding."""

    filename: str | None
    content_type: str
    size: int


@dataclass(frozen=True)
class SkippedPart:
    """A part past a §10.5 limit: listed with the limit it hit, not read."""

    content_type: str
    reason: str


def _content_type(part: Message) -> str:
    try:
        return str(part.get_content_type())[:100]
    except Exception:
        return "text/plain"


def _safe(call: Callable[[], T], default: T) -> T:
    """One stdlib header/part access; the stdlib raises on some malformed input, and we never do."""
    try:
        return call()
    except Exception:
        return default


def _raw_payload(part: Message) -> str:
    payload: object = _safe(lambda: cast(object, part.get_payload()), None)
    return payload if isinstance(payload, str) else ""


def _estimated_size(part: Message) -> int:
    """Decoded size by counting: base64 is 3 bytes per 4 alphabet characters; other encodings about 1:1."""
    raw = _raw_payload(part)
    cte = str(_safe(lambda: part.get("content-transfer-encoding", ""), "")).strip().lower()
    if cte == "base64":
        data = raw.encode("ascii", "replace")
        return len(_B64_CHARS.findall(data)) * 3 // 4
    return len(raw)


def _children(part: Message) -> list[Message]:
    payload: object = _safe(lambda: cast(object, part.get_payload()), None)
    if isinstance(payload, list):
        return [p for p in payload if isinstance(p, Message)]
    return []


def _is_container(part: Message) -> bool:
    return bool(_safe(part.is_multipart, False)) and bool(_children(part))


def _count_parts(part: Message) -> int:
    count = 0
    stack = [part]
    while stack:
        current = stack.pop()
        count += 1
        if _is_container(current):
            stack.extend(_children(current))
    return count


@dataclass
class MimeWalk:
    """What a walk of the MIME tree found: text parts still to decode, and what was only listed."""

    plain: list[Message]
    html: list[Message]
    attachments: list[Attachment]
    skipped: list[SkippedPart]
    encrypted_payload: bytes | None = None
    encrypted: bool = False


def walk_parts(reader: MailReader) -> MimeWalk:
    """Depth-first in document order with an explicit stack, so a deep tree cannot exhaust the recursion limit."""
    limits = reader.limits
    found = MimeWalk([], [], [], [])
    stack: list[tuple[Message, int]] = [(reader.msg, 0)]
    seen = 0
    over_count = 0

    def skip(ctype: str, reason: str) -> None:
        if len(found.skipped) < limits.listed_skips:
            found.skipped.append(SkippedPart(ctype, reason))

    while stack:
        part, depth = stack.pop()
        ctype = _content_type(part)
        seen += 1
        if seen > limits.parts:
            over_count += _count_parts(part)
            skip(ctype, f"past the {limits.parts}-part limit (§10.5); not read")
            continue
        if ctype == "multipart/encrypted":
            found.encrypted = True
            reader.note("received encrypted (PGP/MIME); the encrypted payload is kept for decryption")
            for child in _children(part):
                if _content_type(child) == "application/octet-stream":
                    if _estimated_size(child) > limits.part_bytes:
                        skip(ctype, f"encrypted payload over the {limits.part_bytes}-byte part limit (§10.5)")
                    else:
                        found.encrypted_payload = _raw_payload(child).encode("utf-8", "surrogateescape")
                    break
            continue
        disposition = _safe(part.get_content_disposition, None)
        if _is_container(part) and not (ctype == "message/rfc822" and disposition == "attachment"):
            children = _children(part)
            if depth + 1 > limits.depth:
                nested = sum(_count_parts(c) for c in children)
                skip(ctype, f"MIME depth limit ({limits.depth}) reached; {nested} nested part(s) not read")
                continue
            stack.extend((child, depth + 1) for child in reversed(children))
            continue
        filename_value = _safe(part.get_filename, None)
        filename = reader.clean_header("filename", str(filename_value))[:255] if filename_value else None
        size = _estimated_size(part)
        if ctype.startswith("multipart/"):
            reader.note(f"broken MIME: {ctype} without readable parts was read as text")
            ctype = "text/plain"
        is_text = ctype in ("text/plain", "text/html") and disposition != "attachment" and filename is None
        if is_text and size > limits.part_bytes:
            skip(ctype, f"decoded part of about {size} bytes is over the {limits.part_bytes}-byte limit (§10.5)")
        elif is_text:
            (found.plain if ctype == "text/plain" else found.html).append(part)
        else:
            found.attachments.append(Attachment(filename, ctype, size))
    if over_count > limits.listed_skips:
        reader.note(f"{over_count} part(s) past the {limits.parts}-part limit were not read")
    if len(found.skipped) >= limits.listed_skips:
        reader.note(f"only the first {limits.listed_skips} skipped parts are listed")
    return found


def decode_part(reader: MailReader, part: Message) -> str:
    """A text part decoded by its declared charset or a fallback; a transfer encoding that fails leaves raw text."""
    data: object = _safe(lambda: cast(object, part.get_payload(decode=True)), None)
    if not isinstance(data, bytes):
        data = _raw_payload(part).encode("utf-8", "surrogateescape")
    charset = _safe(part.get_content_charset, None)
    text, note = decode_bytes(data, str(charset) if charset else None)
    if note:
        reader.note(note)
    return text
