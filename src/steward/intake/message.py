"""Hostile mail parsed into a bounded, immutable message model (spec §5.1, §5.7 `unparsable`, §10.5, §11.7).

Every byte comes from someone who may want to break steward. The parser therefore never raises: it keeps at
most the §10.5 limits of anything, lists the parts it did not read, and records in `notes` everything it
neutralised. The work is done by the `mail_*` modules; this one holds the model and re-exports their public
names, so callers keep importing from here.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from datetime import datetime
from email.message import Message
from email.parser import BytesParser

from steward.intake.mail_body import inline_pgp, read_body
from steward.intake.mail_charset import clean_body, decode_bytes, text_codec
from steward.intake.mail_headers import (
    MailReader,
    decode_words,
    message_ids,
    normalise_message_id,
    parse_date,
    scan_message_id,
)
from steward.intake.mail_html import html_to_text
from steward.intake.mail_limits import PGP_BEGIN, PGP_END, Limits, MiB
from steward.intake.mail_mime import Attachment, SkippedPart, walk_parts
from steward.intake.mail_policy import CachingPolicy, header_object

__all__ = [
    "PGP_BEGIN",
    "PGP_END",
    "Attachment",
    "Limits",
    "MiB",
    "ParsedMessage",
    "SkippedPart",
    "Unparsable",
    "decode_bytes",
    "decode_words",
    "header_object",
    "html_to_text",
    "normalise_message_id",
    "parse_message",
    "scan_message_id",
    "text_codec",
    "with_body",
]

_BARE_CR = re.compile(rb"\r(?!\n)")
_DEFAULT_LIMITS = Limits()

# A module global (not passed in) so a test can swap in the stdlib default policy and compare.
_POLICY = CachingPolicy()


@dataclass(frozen=True)
class ParsedMessage:
    """One inbound message as data. Display names are kept for credit (§5.9) but never trusted for identity."""

    message_id: str | None
    in_reply_to: str | None
    references: tuple[str, ...]
    subject: str
    from_name: str | None
    from_addr: str
    reply_to_addr: str | None
    to: tuple[str, ...]
    cc: tuple[str, ...]
    date: datetime | None
    body_text: str
    body_was_html: bool
    truncated: bool
    attachments: tuple[Attachment, ...]
    skipped_parts: tuple[SkippedPart, ...]
    encrypted: bool
    encrypted_payload: bytes | None
    authentication_results: tuple[str, ...]
    raw_size: int
    notes: tuple[str, ...]


@dataclass(frozen=True)
class Unparsable:
    """The §5.7 `unparsable` class: `reason` names the missing part or the limit."""

    reason: str
    raw_size: int
    message_id: str | None


def parse_message(raw: bytes, *, limits: Limits = _DEFAULT_LIMITS) -> ParsedMessage | Unparsable:
    """Parse one message; never raises. Unparsable when From, Date or body is missing or a limit is exceeded."""
    size = len(raw)
    if size > limits.message_bytes:
        return Unparsable(
            f"message is {size} bytes, over the {limits.message_bytes}-byte per-message limit (§10.5)",
            size,
            scan_message_id(raw),
        )
    try:
        msg = BytesParser(policy=_POLICY).parsebytes(raw)
        return _parse(msg, limits, size, _header_block(raw))
    except Exception as exc:  # the stdlib parser on input it was never meant to see; RecursionError included
        return Unparsable(f"the MIME structure could not be read ({type(exc).__name__})", size, _scan_id_quietly(raw))


def _header_block(raw: bytes) -> bytes:
    end = re.search(rb"\r?\n\r?\n", raw)
    return raw[: end.start()] if end else raw


def _scan_id_quietly(raw: bytes) -> str | None:
    try:
        return scan_message_id(raw)
    except Exception:
        return None


def _parse(msg: Message, limits: Limits, size: int, raw_head: bytes) -> ParsedMessage | Unparsable:
    reader = MailReader(msg, limits)
    if _BARE_CR.search(raw_head):
        reader.note("bare CR in the header block; headers were split there (possible header smuggling)")
    message_id = normalise_message_id(reader.header("Message-ID", decode=False))
    senders = reader.addresses("From")
    if len(reader.raw_values("From")) > 1:
        reader.note(f"{len(reader.raw_values('From'))} From: headers; the first address was used")
    if not senders:
        return Unparsable("no From: header with a readable address", size, message_id)
    date = parse_date(reader.header("Date", decode=False))
    if date is None:
        return Unparsable("no Date: header with a readable date", size, message_id)
    walk = walk_parts(reader)
    body, was_html, truncated = read_body(reader, walk)
    payload = walk.encrypted_payload
    encrypted = walk.encrypted
    if not encrypted:
        payload = inline_pgp(body, limits.part_bytes)
        if payload is not None:
            encrypted = True
            reader.note("received encrypted (inline PGP); the armored payload is kept for decryption")
    if not body.strip() and not walk.attachments and not encrypted:
        reason = "no body: no readable text part, attachment or encrypted payload"
        if walk.skipped:
            reason += f" within the §10.5 limits ({walk.skipped[0].reason})"
        return Unparsable(reason, size, message_id)
    if not body.strip():
        reader.note("no readable text body")
    in_reply = message_ids(reader.raw_values("In-Reply-To")[0]) if reader.raw_values("In-Reply-To") else []
    references: list[str] = []
    for value in reader.raw_values("References"):
        for ref in message_ids(value):
            if ref not in references:
                references.append(ref)
    if len(references) > limits.references:
        reader.note(f"References: cut to the first {limits.references} ids")
        references = references[: limits.references]
    reply_to = reader.addresses("Reply-To")
    auth = [
        reader.clean_header("Authentication-Results", v, decode=False)
        for v in reader.raw_values("Authentication-Results")[:50]
    ]
    return ParsedMessage(
        message_id=message_id,
        in_reply_to=in_reply[0] if in_reply else None,
        references=tuple(references),
        subject=reader.header("Subject") or "",
        from_name=senders[0][0] or None,
        from_addr=senders[0][1],
        reply_to_addr=reply_to[0][1] if reply_to else None,
        to=tuple(addr for _, addr in reader.addresses("To")),
        cc=tuple(addr for _, addr in reader.addresses("Cc")),
        date=date,
        body_text=body,
        body_was_html=was_html,
        truncated=truncated,
        attachments=tuple(walk.attachments),
        skipped_parts=tuple(walk.skipped),
        encrypted=encrypted,
        encrypted_payload=payload,
        authentication_results=tuple(auth),
        raw_size=size,
        notes=tuple(reader.notes),
    )


def with_body(message: ParsedMessage, text: str, note: str, *, limits: Limits = _DEFAULT_LIMITS) -> ParsedMessage:
    """The message with `text` (a decrypted cleartext) as its body, cleaned as `read_body` cleans a text part.

    The encrypted flag and payload stay: the original stays marked `received encrypted` (§11.7).
    """
    clean, removed = clean_body(text)
    notes = [*message.notes, note]
    if removed:
        notes.append(f"{removed} NUL/bidi control character(s) removed from the decrypted body")
    truncated = len(clean) > limits.body_chars
    if truncated:
        clean = clean[: limits.body_chars]
        notes.append(f"decrypted body cut to {limits.body_chars} characters (§10.5)")
    return replace(message, body_text=clean, body_was_html=False, truncated=truncated, notes=tuple(notes))
