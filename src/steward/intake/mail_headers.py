"""Header values decoded and neutralised: RFC 2047 words, Message-IDs, addresses and dates from hostile mail.

The RFC 2047 decoder is our own (the stdlib one mixes str and bytes on 8-bit input). Addresses are parsed
*before* decoding so an encoded display name can never smuggle in an addr-spec. Values are cut at 998
characters, the RFC 5322 line limit: anything longer is not a header a real client writes.
"""

from __future__ import annotations

import base64
import binascii
import re
from datetime import UTC, datetime
from email.message import Message
from email.utils import getaddresses, parsedate_to_datetime
from typing import Any

from steward.intake.mail_charset import C0_IN_HEADER, SURROGATES, decode_bytes, strip_chars, unsurrogate
from steward.intake.mail_limits import Limits
from steward.intake.mail_policy import header_object

_CRLF_NUL = re.compile(r"[\r\n\x00]")
_MSG_ID = re.compile(r"<([^<>\s`]+)>")
_BARE_MSG_ID = re.compile(r"[^<>\s`]+@[^<>\s`]+")
_ADDR_SPEC = re.compile(r"[^\s@<>()\[\],;:\"\\]+@[^\s@<>()\[\],;:\"\\]+")
_ENCODED_WORD = re.compile(r"=\?([^?\s*]+)(?:\*[^?\s]*)?\?([bBqQ])\?([^?\s]*)\?=")
_NOT_B64 = re.compile(r"[^A-Za-z0-9+/]")
_RAW_MSG_ID_HEADER = re.compile(rb"(?im)^message-id:[ \t]*([^\r\n]*(?:\r?\n[ \t][^\r\n]*)*)")


def _decode_word(match: re.Match[str]) -> str:
    charset, kind, payload = match.group(1), match.group(2).lower(), match.group(3)
    try:
        if kind == "b":
            bare = _NOT_B64.sub("", payload)
            if len(bare) % 4 == 1:
                bare = bare[:-1]
            data = base64.b64decode(bare + "=" * (-len(bare) % 4))
        else:
            data = binascii.a2b_qp(payload.encode("ascii", "replace"), header=True)
    except (binascii.Error, ValueError):
        return match.group(0)
    return decode_bytes(data, charset)[0]


def decode_words(value: str) -> str:
    """RFC 2047 encoded words decoded; whitespace between two adjacent encoded words dropped, as the RFC says."""
    out: list[str] = []
    pos = 0
    after_word = False
    for match in _ENCODED_WORD.finditer(value):
        between = value[pos : match.start()]
        if not (after_word and between.strip(" \t\r\n") == ""):
            out.append(between)
        out.append(_decode_word(match))
        pos = match.end()
        after_word = True
    out.append(value[pos:])
    return "".join(out)


def normalise_message_id(value: str | None) -> str | None:
    """`<local@domain>` as the §2.4 thread line writes it, or None when the value holds no usable id."""
    if not value:
        return None
    text = _CRLF_NUL.sub(" ", unsurrogate(value[:2000]))
    text, _ = strip_chars(text)
    found = _MSG_ID.search(text)
    if found is not None:
        bare = found.group(1)
    else:
        bare_match = _BARE_MSG_ID.search(text)
        if bare_match is None:
            return None
        bare = bare_match.group(0)
    bare = C0_IN_HEADER.sub("", bare)
    if not bare or len(bare) > 995:
        return None
    return f"<{bare}>"


def message_ids(value: str) -> list[str]:
    """Every `<id>` in an In-Reply-To/References value, in order; over-long ids dropped."""
    text, _ = strip_chars(C0_IN_HEADER.sub(" ", unsurrogate(value)))
    return [f"<{m.group(1)}>" for m in _MSG_ID.finditer(text) if len(m.group(1)) <= 995]


def scan_message_id(raw: bytes) -> str | None:
    """The Message-ID of a message we will not parse (too large): a byte scan of its first 64 KiB."""
    head = raw[:65536]
    end = re.search(rb"\r?\n\r?\n", head)
    found = _RAW_MSG_ID_HEADER.search(head[: end.start()] if end else head)
    return normalise_message_id(found.group(1).decode("latin-1")) if found else None


def valid_addr(spec: object) -> str | None:
    """A plain addr-spec with its domain lower-cased, or None for anything a display could be fooled by."""
    text = SURROGATES.sub("\ufffd", str(spec)).strip()
    if len(text) > 254 or not _ADDR_SPEC.fullmatch(text) or C0_IN_HEADER.search(text):
        return None
    if strip_chars(text)[1]:
        return None
    local, _, domain = text.rpartition("@")
    return f"{local}@{domain.lower()}"


def parse_date(value: str | None) -> datetime | None:
    """A Date: value in UTC (naive dates taken as UTC), or None when it cannot be read."""
    if not value:
        return None
    try:
        parsed = parsedate_to_datetime(value)
    except Exception:
        return None
    if parsed is None:
        return None
    if parsed.tzinfo is None:
        return parsed.replace(tzinfo=UTC)
    try:
        return parsed.astimezone(UTC)
    except (OverflowError, ValueError):
        return None


class MailReader:
    """State of one parse: the notes and limits, and the safe accessors every header/part read goes through."""

    def __init__(self, msg: Message, limits: Limits) -> None:
        self.msg = msg
        self.limits = limits
        self.notes: list[str] = []

    def note(self, text: str) -> None:
        if text not in self.notes and len(self.notes) < 200:
            self.notes.append(text)

    def raw_values(self, name: str) -> list[str]:
        try:
            return [str(v) for k, v in self.msg.raw_items() if k.strip().lower() == name.lower()]
        except Exception:
            return []

    def clean_header(self, name: str, value: str, *, decode: bool = True) -> str:
        if len(value) > self.limits.header_chars * 8:
            value = value[: self.limits.header_chars * 8]
        text = re.sub(r"\r?\n(?=[ \t])", "", unsurrogate(value))
        if decode:
            text = decode_words(text)
        text = SURROGATES.sub("\ufffd", text)
        if _CRLF_NUL.search(text):
            self.note(f"CR/LF/NUL removed from the {name}: header (header injection neutralised)")
            text = re.sub(r"[\r\n]+", " ", text).replace("\x00", "")
        text = C0_IN_HEADER.sub("", text.replace("\t", " "))
        text, removed = strip_chars(text)
        if removed:
            self.note(f"{removed} bidi control character(s) removed from the {name}: header")
        text = re.sub(r" {2,}", " ", text).strip()
        if len(text) > self.limits.header_chars:
            self.note(f"{name}: header cut to {self.limits.header_chars} characters")
            text = text[: self.limits.header_chars]
        return text

    def header(self, name: str, *, decode: bool = True) -> str | None:
        values = self.raw_values(name)
        if not values:
            return None
        if len(values) > 1:
            self.note(f"{len(values)} {name}: headers; the first was used")
        return self.clean_header(name, values[0], decode=decode)

    def addresses(self, name: str) -> list[tuple[str, str]]:
        """(display name, addr-spec) pairs, parsed on the undecoded value so an encoded word stays a name."""
        pairs: list[tuple[str, str]] = []
        decoded = True
        budget = self.limits.addresses * 320
        values = []
        for raw in self.raw_values(name):
            unfolded = re.sub(r"\r?\n(?=[ \t])", "", raw)
            if len(unfolded) > budget:
                self.note(f"{name}: header cut to {budget} characters before address parsing")
                unfolded = unfolded[:budget].rpartition(",")[0] or unfolded[:budget]
            values.append(unfolded)
        try:
            for value in values:
                header: Any = header_object(name, value)
                pairs.extend((str(a.display_name), str(a.addr_spec)) for a in header.addresses)
        except Exception:
            decoded = False
            try:
                pairs = getaddresses(values)
            except Exception:
                pairs = []
        result: list[tuple[str, str]] = []
        for display, spec in pairs:
            addr = valid_addr(spec)
            if addr is None:
                continue
            if len(result) >= self.limits.addresses:
                self.note(f"{name}: addresses cut to {self.limits.addresses}")
                break
            result.append((self.clean_header(name, display, decode=not decoded), addr))
        return result
