"""The body text of a walked message: inline text/plain joined, HTML converted only when there is no plain text."""

from __future__ import annotations

from collections.abc import Iterable
from email.message import Message

from steward.intake.mail_charset import clean_body
from steward.intake.mail_headers import MailReader
from steward.intake.mail_html import html_to_text
from steward.intake.mail_limits import PGP_BEGIN, PGP_END
from steward.intake.mail_mime import MimeWalk, decode_part


def read_body(reader: MailReader, walk: MimeWalk) -> tuple[str, bool, bool]:
    """(text, was_html, truncated), cut to the §10.5 body limit; decoding stops once the limit is passed."""
    limit = reader.limits.body_chars

    def gather(parts: Iterable[Message], convert: bool) -> tuple[str, bool]:
        chunks: list[str] = []
        size = 0
        for part in parts:
            if size > limit:
                return "\n\n".join(chunks), True
            text = decode_part(reader, part)
            if convert:
                text = html_to_text(text, limit + 1)
            chunks.append(text)
            size += len(text)
        return "\n\n".join(chunks), False

    text, cut = gather(walk.plain, convert=False)
    was_html = False
    if not text.strip() and walk.html:
        text, cut = gather(walk.html, convert=True)
        was_html = bool(text.strip())
        if was_html:
            reader.note("HTML-only body converted to plain text")
    text, removed = clean_body(text)
    if removed:
        reader.note(f"{removed} NUL/bidi control character(s) removed from the body")
    if len(text) > limit:
        text, cut = text[:limit], True
    if cut:
        reader.note(f"body cut to {limit} characters (§10.5)")
    return text, was_html, cut


def inline_pgp(text: str, limit: int) -> bytes | None:
    """The first armored PGP block of a body (to its end when unterminated), cut to `limit` characters."""
    start = text.find(PGP_BEGIN)
    if start < 0:
        return None
    end = text.find(PGP_END, start)
    block = text[start : end + len(PGP_END)] if end >= 0 else text[start:]
    return block[:limit].encode("utf-8", "replace")
