"""Hostile mail parsed into a bounded, immutable message model (spec §5.1, §5.7 `unparsable`, §10.5, §11.7).

Every byte comes from someone who may want to break steward. The parser therefore never raises: it keeps at
most the §10.5 limits of anything, lists the parts it did not read, and records in `notes` everything it
neutralised. Header values are decoded by a small RFC 2047 decoder of our own (the stdlib one mixes str and
bytes on 8-bit input); addresses are parsed *before* decoding so an encoded display name can never smuggle in
an addr-spec. Header values are cut at 998 characters, the RFC 5322 line limit: anything longer is not a
header a real client writes.
"""

from __future__ import annotations

import base64
import binascii
import codecs
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from email import policy
from email.message import Message
from email.parser import BytesParser
from email.policy import EmailPolicy
from email.utils import getaddresses, parsedate_to_datetime
from functools import lru_cache
from html import unescape
from html.parser import HTMLParser
from typing import Any, TypeVar, cast

from steward.patterns import fixed

T = TypeVar("T")

MiB = 1024 * 1024

PGP_BEGIN = "-----BEGIN PGP MESSAGE-----"
PGP_END = "-----END PGP MESSAGE-----"


@dataclass(frozen=True)
class Limits:
    """The §10.5 limits (steward decision); tests pass small ones to reach every limit path quickly."""

    message_bytes: int = 25 * MiB
    part_bytes: int = 10 * MiB
    parts: int = 200
    depth: int = 10
    body_chars: int = MiB
    header_chars: int = 998
    addresses: int = 100
    references: int = 100
    listed_skips: int = 50


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


# ---------------------------------------------------------------------------------------------- text helpers

_SURROGATES = re.compile("[\ud800-\udfff]")
_ESCAPED_BYTES = re.compile("[\udc80-\udcff]")
_C0_IN_HEADER = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")
_CRLF_NUL = re.compile(r"[\r\n\x00]")
_BARE_CR = re.compile(rb"\r(?!\n)")
_DENIED_CODECS = frozenset({"unicode-escape", "raw-unicode-escape", "idna", "punycode", "undefined"})
_MSG_ID = re.compile(r"<([^<>\s`]+)>")
_BARE_MSG_ID = re.compile(r"[^<>\s`]+@[^<>\s`]+")
_ADDR_SPEC = re.compile(r"[^\s@<>()\[\],;:\"\\]+@[^\s@<>()\[\],;:\"\\]+")
_ENCODED_WORD = re.compile(r"=\?([^?\s*]+)(?:\*[^?\s]*)?\?([bBqQ])\?([^?\s]*)\?=")
_NOT_B64 = re.compile(r"[^A-Za-z0-9+/]")
_B64_CHARS = re.compile(rb"[A-Za-z0-9+/]")
_RAW_MSG_ID_HEADER = re.compile(rb"(?im)^message-id:[ \t]*([^\r\n]*(?:\r?\n[ \t][^\r\n]*)*)")


def _strip_chars(text: str) -> tuple[str, int]:
    """Remove `sanitise.strip_chars` (NUL and bidi controls); returns the text and how many were removed."""
    removed = 0
    for _, pattern in fixed()["sanitise.strip_chars"].patterns:
        text, n = pattern.subn("", text)
        removed += n
    return text, removed


def text_codec(name: str | None) -> str | None:
    """The Python codec for a declared charset, or None when it is unknown or not a plain text encoding."""
    if not name:
        return None
    label = name.strip().strip("\"'").lower()[:40]
    try:
        info = codecs.lookup(label)
    except (LookupError, ValueError, TypeError):
        return None
    if not getattr(info, "_is_text_encoding", True) or info.name in _DENIED_CODECS:
        return None
    return info.name


def decode_bytes(data: bytes, declared: str | None) -> tuple[str, str | None]:
    """Declared charset, then utf-8, cp1252 and latin-1 (which cannot fail); the note says when we fell back."""
    codec = text_codec(declared)
    tried: list[str] = []
    for name in (codec, "utf-8", "cp1252"):
        if name is None or name in tried:
            continue
        tried.append(name)
        try:
            text = data.decode(name)
        except Exception:
            continue
        if declared and codec is None:
            return text, f"unknown or unusable charset {_short(declared)!r}; read as {name}"
        if declared and name != codec:
            return text, f"charset {_short(declared)!r} could not decode the text; read as {name}"
        return text, None
    return data.decode("latin-1", errors="replace"), f"charset {_short(declared or 'none')!r} failed; read as latin-1"


def _short(text: str, limit: int = 60) -> str:
    clean = _C0_IN_HEADER.sub("", _SURROGATES.sub("\ufffd", text))
    return clean if len(clean) <= limit else clean[:limit] + "…"


def _unsurrogate(value: str) -> str:
    """Turn 8-bit header bytes (kept by the parser as surrogate escapes) back into text."""
    if not _SURROGATES.search(value):
        return value
    try:
        data = value.encode("utf-8", "surrogateescape")
    except UnicodeEncodeError:
        return _SURROGATES.sub("\ufffd", value)
    return decode_bytes(data, None)[0]


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
    text = _CRLF_NUL.sub(" ", _unsurrogate(value[:2000]))
    text, _ = _strip_chars(text)
    found = _MSG_ID.search(text)
    if found is not None:
        bare = found.group(1)
    else:
        bare_match = _BARE_MSG_ID.search(text)
        if bare_match is None:
            return None
        bare = bare_match.group(0)
    bare = _C0_IN_HEADER.sub("", bare)
    if not bare or len(bare) > 995:
        return None
    return f"<{bare}>"


def _message_ids(value: str) -> list[str]:
    text, _ = _strip_chars(_C0_IN_HEADER.sub(" ", _unsurrogate(value)))
    return [f"<{m.group(1)}>" for m in _MSG_ID.finditer(text) if len(m.group(1)) <= 995]


def scan_message_id(raw: bytes) -> str | None:
    """The Message-ID of a message we will not parse (too large): a byte scan of its first 64 KiB."""
    head = raw[:65536]
    end = re.search(rb"\r?\n\r?\n", head)
    found = _RAW_MSG_ID_HEADER.search(head[: end.start()] if end else head)
    return normalise_message_id(found.group(1).decode("latin-1")) if found else None


# ---------------------------------------------------------------------------------------------- HTML to text


class _HtmlText(HTMLParser):
    """HTML to plain text: script/style dropped, links kept as `text (url)`. Nothing is fetched or executed."""

    _SKIP = frozenset({"script", "style", "head", "title", "noscript", "template", "svg", "math", "iframe", "object"})
    _BLOCK = frozenset(
        {"p", "div", "tr", "table", "blockquote", "pre", "ul", "ol", "dl", "dt", "dd", "section", "article", "hr"}
        | {f"h{n}" for n in range(1, 7)}
    )

    def __init__(self, limit: int) -> None:
        super().__init__(convert_charrefs=True)
        self.limit = limit
        self.size = 0
        self.chunks: list[str] = []
        self.skip = 0
        self.pre = 0
        self.links: list[tuple[str, int]] = []

    def _emit(self, text: str) -> None:
        if self.size < self.limit:
            text = text[: self.limit - self.size]
            self.chunks.append(text)
            self.size += len(text)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in self._SKIP:
            self.skip += 1
        elif tag == "br":
            self._emit("\n")
        elif tag == "li":
            self._emit("\n- ")
        elif tag in ("td", "th"):
            self._emit(" ")
        elif tag in self._BLOCK:
            self._emit("\n\n")
            if tag == "pre":
                self.pre += 1
        elif tag == "a":
            href = next((v for k, v in attrs if k == "href" and v), "")
            self.links.append((href.strip(), len(self.chunks)))

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag not in self._SKIP:
            self.handle_starttag(tag, attrs)
            if tag == "a":
                self.handle_endtag(tag)

    def handle_endtag(self, tag: str) -> None:
        if tag in self._SKIP:
            self.skip = max(0, self.skip - 1)
        elif tag in self._BLOCK:
            self._emit("\n\n")
            if tag == "pre":
                self.pre = max(0, self.pre - 1)
        elif tag == "a" and self.links:
            href, start = self.links.pop()
            label = "".join(self.chunks[start:]).strip()
            if href and href != label:
                self._emit(f" ({href})")

    def handle_data(self, data: str) -> None:
        if self.skip:
            return
        self._emit(data if self.pre else re.sub(r"\s+", " ", data))

    def text(self) -> str:
        joined = "".join(self.chunks)
        lines = [line.rstrip() if self.pre else line.strip() for line in joined.split("\n")]
        return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip("\n")


def _bounded_markup(html: str, longest_tag: int = 4096) -> str:
    """HTML in which every tag closes soon and no comment stays open, so html.parser never rescans (linear time).

    Comments are dropped; a `<` without a `>` within `longest_tag` characters, or whose tag leaves a quote open,
    becomes `&lt;` (text).
    """
    out: list[str] = []
    pos = 0
    next_gt = -1
    comments_closed = True
    while True:
        start = html.find("<", pos)
        if start < 0:
            out.append(html[pos:])
            return "".join(out)
        out.append(html[pos:start])
        if html.startswith("<!--", start):
            end = html.find("-->", start + 4) if comments_closed else -1
            if end >= 0:
                pos = end + 3
                continue
            comments_closed = False
            out.append("&lt;!--")
            pos = start + 4
            continue
        if next_gt < start:
            next_gt = html.find(">", start)
            if next_gt < 0:
                next_gt = len(html) + longest_tag + 1
        tag = html[start : next_gt + 1]
        if next_gt - start > longest_tag or tag.count('"') % 2 or tag.count("'") % 2:
            out.append("&lt;")
            pos = start + 1
            continue
        out.append(tag)
        pos = next_gt + 1


def html_to_text(html: str, limit: int = MiB) -> str:
    """Plain text of an HTML body, at most about `limit` characters; never raises."""
    source = _bounded_markup(html[: limit * 4])
    parser = _HtmlText(limit)
    try:
        parser.feed(source)
        parser.close()
        return parser.text()
    except Exception:
        stripped = re.sub(r"(?is)<(script|style)\b.*?</\1\s*>", " ", source)
        return unescape(re.sub(r"<[^>]*>", " ", stripped))[:limit]


# ---------------------------------------------------------------------------------------------- the parser

_LINESEP = re.compile(r"\n|\r")
_CACHED_HEADER_CHARS = 2000


@lru_cache(maxsize=2048)
def _cached_header(name: str, value: str) -> Any:
    return policy.default.header_factory(name, value)


def header_object(name: str, value: str) -> Any:
    """`policy.default.header_factory(name, value)`, memoised for the MIME headers that recur in every message.

    Only `Content-*` and `MIME-Version` are kept: per-sender headers (From, To ...) rarely repeat and would fill
    the cache with parse trees that grow the memory with the mailbox.
    """
    if len(value) > _CACHED_HEADER_CHARS or not name.lower().startswith(("content-", "mime-version")):
        return policy.default.header_factory(name, value)
    return _cached_header(name, value)


class _CachingPolicy(EmailPolicy):
    """The default policy, but a header fetched twice is parsed once.

    The stdlib re-parses a header on every access (`get_content_type`, `get_filename`, the feed parser's own
    look-ups ...), about a dozen parses per message; the parsed header objects are immutable, so sharing them
    changes nothing but the time.
    """

    def header_fetch_parse(self, name: str, value: str) -> Any:
        if hasattr(value, "name"):
            return value
        return header_object(name, "".join(_LINESEP.split(value)))


_POLICY = _CachingPolicy()


class _Reader:
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
        text = re.sub(r"\r?\n(?=[ \t])", "", _unsurrogate(value))
        if decode:
            text = decode_words(text)
        text = _SURROGATES.sub("\ufffd", text)
        if _CRLF_NUL.search(text):
            self.note(f"CR/LF/NUL removed from the {name}: header (header injection neutralised)")
            text = re.sub(r"[\r\n]+", " ", text).replace("\x00", "")
        text = _C0_IN_HEADER.sub("", text.replace("\t", " "))
        text, removed = _strip_chars(text)
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
            addr = _valid_addr(spec)
            if addr is None:
                continue
            if len(result) >= self.limits.addresses:
                self.note(f"{name}: addresses cut to {self.limits.addresses}")
                break
            result.append((self.clean_header(name, display, decode=not decoded), addr))
        return result


def _valid_addr(spec: object) -> str | None:
    text = _SURROGATES.sub("\ufffd", str(spec)).strip()
    if len(text) > 254 or not _ADDR_SPEC.fullmatch(text) or _C0_IN_HEADER.search(text):
        return None
    if _strip_chars(text)[1]:
        return None
    local, _, domain = text.rpartition("@")
    return f"{local}@{domain.lower()}"


def _date(value: str | None) -> datetime | None:
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
class _Walk:
    """What a walk of the MIME tree found: text parts still to decode, and what was only listed."""

    plain: list[Message]
    html: list[Message]
    attachments: list[Attachment]
    skipped: list[SkippedPart]
    encrypted_payload: bytes | None = None
    encrypted: bool = False


def _walk(reader: _Reader) -> _Walk:
    limits = reader.limits
    found = _Walk([], [], [], [])
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


def _decode_part(reader: _Reader, part: Message) -> str:
    data: object = _safe(lambda: cast(object, part.get_payload(decode=True)), None)
    if not isinstance(data, bytes):
        data = _raw_payload(part).encode("utf-8", "surrogateescape")
    charset = _safe(part.get_content_charset, None)
    text, note = decode_bytes(data, str(charset) if charset else None)
    if note:
        reader.note(note)
    return text


def _body(reader: _Reader, walk: _Walk) -> tuple[str, bool, bool]:
    """(text, was_html, truncated): inline text/plain parts joined; HTML only when there is no plain text."""
    limit = reader.limits.body_chars

    def gather(parts: Iterable[Message], convert: bool) -> tuple[str, bool]:
        chunks: list[str] = []
        size = 0
        for part in parts:
            if size > limit:
                return "\n\n".join(chunks), True
            text = _decode_part(reader, part)
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
    text = _SURROGATES.sub("\ufffd", text).replace("\r\n", "\n").replace("\r", "\n")
    text, removed = _strip_chars(text)
    if removed:
        reader.note(f"{removed} NUL/bidi control character(s) removed from the body")
    if len(text) > limit:
        text, cut = text[:limit], True
    if cut:
        reader.note(f"body cut to {limit} characters (§10.5)")
    return text, was_html, cut


def _inline_pgp(text: str, limit: int) -> bytes | None:
    start = text.find(PGP_BEGIN)
    if start < 0:
        return None
    end = text.find(PGP_END, start)
    block = text[start : end + len(PGP_END)] if end >= 0 else text[start:]
    return block[:limit].encode("utf-8", "replace")


def parse_message(raw: bytes, *, limits: Limits = Limits()) -> ParsedMessage | Unparsable:
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
    reader = _Reader(msg, limits)
    if _BARE_CR.search(raw_head):
        reader.note("bare CR in the header block; headers were split there (possible header smuggling)")
    message_id = normalise_message_id(reader.header("Message-ID", decode=False))
    senders = reader.addresses("From")
    if len(reader.raw_values("From")) > 1:
        reader.note(f"{len(reader.raw_values('From'))} From: headers; the first address was used")
    if not senders:
        return Unparsable("no From: header with a readable address", size, message_id)
    date = _date(reader.header("Date", decode=False))
    if date is None:
        return Unparsable("no Date: header with a readable date", size, message_id)
    walk = _walk(reader)
    body, was_html, truncated = _body(reader, walk)
    payload = walk.encrypted_payload
    encrypted = walk.encrypted
    if not encrypted:
        payload = _inline_pgp(body, limits.part_bytes)
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
    in_reply = _message_ids(reader.raw_values("In-Reply-To")[0]) if reader.raw_values("In-Reply-To") else []
    references: list[str] = []
    for value in reader.raw_values("References"):
        for ref in _message_ids(value):
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


def with_body(message: ParsedMessage, text: str, note: str, *, limits: Limits = Limits()) -> ParsedMessage:
    """The message with `text` (a decrypted cleartext) as its body, cleaned as `_body` cleans a text part.

    The encrypted flag and payload stay: the original stays marked `received encrypted` (§11.7).
    """
    clean = _SURROGATES.sub("\ufffd", text).replace("\r\n", "\n").replace("\r", "\n")
    clean, removed = _strip_chars(clean)
    notes = [*message.notes, note]
    if removed:
        notes.append(f"{removed} NUL/bidi control character(s) removed from the decrypted body")
    truncated = len(clean) > limits.body_chars
    if truncated:
        clean = clean[: limits.body_chars]
        notes.append(f"decrypted body cut to {limits.body_chars} characters (§10.5)")
    return replace(message, body_text=clean, body_was_html=False, truncated=truncated, notes=tuple(notes))
