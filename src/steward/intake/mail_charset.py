"""Bytes of unknown or lying charset to text, and the character clean-up every header and body goes through.

Decoding never fails: a declared charset that is unknown, not a text encoding or wrong falls back to utf-8,
cp1252 and finally latin-1, and the caller gets a note saying so.
"""

from __future__ import annotations

import codecs
import re

from steward.patterns import fixed

SURROGATES = re.compile("[\ud800-\udfff]")
C0_IN_HEADER = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")
_DENIED_CODECS = frozenset({"unicode-escape", "raw-unicode-escape", "idna", "punycode", "undefined"})


def strip_chars(text: str) -> tuple[str, int]:
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
    clean = C0_IN_HEADER.sub("", SURROGATES.sub("\ufffd", text))
    return clean if len(clean) <= limit else clean[:limit] + "…"


def unsurrogate(value: str) -> str:
    """Turn 8-bit header bytes (kept by the parser as surrogate escapes) back into text."""
    if not SURROGATES.search(value):
        return value
    try:
        data = value.encode("utf-8", "surrogateescape")
    except UnicodeEncodeError:
        return SURROGATES.sub("\ufffd", value)
    return decode_bytes(data, None)[0]


def clean_body(text: str) -> tuple[str, int]:
    """Body text with lone surrogates replaced, newlines unified and NUL/bidi controls removed (and their count)."""
    clean = SURROGATES.sub("\ufffd", text).replace("\r\n", "\n").replace("\r", "\n")
    return strip_chars(clean)
