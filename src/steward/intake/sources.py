"""Mail sources (spec §5.1, §13 `security_inbox`): where raw messages come from, one at a time.

A source yields raw bytes lazily so memory stays flat for a mailbox of any size: the mbox reader streams lines
and keeps at most one message (cut at the per-message limit), the maildir reader reads one file at a time. A
message that cannot be read becomes an item with `error` set; iteration always goes on.

mbox splitting follows the mboxrd convention: a `From ` line starts a message at the start of the file or after
a blank line, and `>From ` quoting is undone one level.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO, Protocol

from steward.errors import UsageError
from steward.intake.message import (
    Limits,
    ParsedMessage,
    Unparsable,
    normalise_message_id,
    parse_message,
    scan_message_id,
)

HEAD_BYTES = 65536
DEFAULT_LIMITS = Limits()
_QUOTED_FROM = re.compile(rb"^>(>*From )")


@dataclass(frozen=True)
class SourceItem:
    """One message as stored. With `error` set, `raw` holds at most the first 64 KiB (enough for its headers)."""

    key: str
    raw: bytes
    size: int
    error: str | None = None


class MailSource(Protocol):
    """What intake needs from a mailbox: every message once, lazily, and one message again by its Message-ID."""

    def iter_messages(self) -> Iterator[SourceItem]: ...

    def fetch(self, message_id: str) -> SourceItem | None: ...


def header_message_id(raw: bytes) -> str | None:
    """The normalised Message-ID found in the header block of raw bytes, without parsing the message."""
    return scan_message_id(raw)


def parse_item(item: SourceItem, *, limits: Limits = DEFAULT_LIMITS) -> ParsedMessage | Unparsable:
    """An item parsed; an item the source could not read is unparsable with the source's reason."""
    if item.error is not None:
        return Unparsable(item.error, item.size, header_message_id(item.raw))
    return parse_message(item.raw, limits=limits)


def _too_large(size: int, limit: int) -> str:
    return f"message is {size} bytes, over the {limit}-byte per-message limit (§10.5); not read"


def _fetch(source: MailSource, message_id: str) -> SourceItem | None:
    wanted = normalise_message_id(message_id)
    if wanted is None:
        return None
    for item in source.iter_messages():
        if header_message_id(item.raw) == wanted:
            return item
    return None


class MboxSource:
    """An mbox file, streamed line by line."""

    def __init__(self, path: Path | str, *, max_bytes: int = DEFAULT_LIMITS.message_bytes) -> None:
        self.path = Path(path)
        self.max_bytes = max_bytes

    def iter_messages(self) -> Iterator[SourceItem]:
        try:
            handle = self.path.open("rb")
        except OSError as exc:
            yield SourceItem(f"mbox:{self.path}", b"", 0, f"cannot open {self.path}: {exc.strerror or exc}")
            return
        with handle:
            yield from self._split(handle)

    def _split(self, handle: BinaryIO) -> Iterator[SourceItem]:
        chunks: list[bytes] = []
        size = 0
        start: int | None = None
        offset = 0
        previous_blank = True

        def item() -> SourceItem:
            raw = b"".join(chunks)
            if raw.endswith(b"\r\n"):
                raw = raw[:-2]
            elif raw.endswith(b"\n"):
                raw = raw[:-1]
            key = f"offset:{start}"
            if size > self.max_bytes:
                return SourceItem(key, raw[:HEAD_BYTES], size, _too_large(size, self.max_bytes))
            return SourceItem(key, raw, size)

        stray = 0
        while True:
            try:
                line = handle.readline()
            except OSError as exc:
                yield SourceItem(f"offset:{offset}", b"", 0, f"read error in {self.path}: {exc.strerror or exc}")
                return
            if not line:
                break
            at = offset
            offset += len(line)
            blank = line.strip(b"\r\n") == b""
            if line.startswith(b"From ") and (previous_blank or start is None):
                if start is not None:
                    yield item()
                elif stray:
                    yield self._stray(stray)
                chunks, size, start = [], 0, at
            elif start is not None:
                line = _QUOTED_FROM.sub(rb"\1", line)
                size += len(line)
                if size <= self.max_bytes:
                    chunks.append(line)
            elif not blank:
                stray += len(line)
            previous_blank = blank
        if start is not None:
            yield item()
        elif stray:
            yield self._stray(stray)

    def _stray(self, size: int) -> SourceItem:
        return SourceItem("offset:0", b"", size, f"{self.path} has {size} bytes before its first From line; not mbox")

    def fetch(self, message_id: str) -> SourceItem | None:
        return _fetch(self, message_id)


class MaildirSource:
    """A maildir: the files of `cur` and `new` (not `tmp`), in name order."""

    def __init__(self, path: Path | str, *, max_bytes: int = DEFAULT_LIMITS.message_bytes) -> None:
        self.path = Path(path)
        self.max_bytes = max_bytes

    def _names(self) -> Iterator[tuple[str, Path]]:
        for sub in ("cur", "new"):
            folder = self.path / sub
            try:
                names = sorted(os.listdir(folder))
            except OSError:
                continue
            for name in names:
                if not name.startswith("."):
                    yield f"{sub}/{name}", folder / name

    def iter_messages(self) -> Iterator[SourceItem]:
        for key, path in self._names():
            try:
                size = path.stat().st_size
                if not path.is_file():
                    continue
                with path.open("rb") as handle:
                    if size > self.max_bytes:
                        yield SourceItem(key, handle.read(HEAD_BYTES), size, _too_large(size, self.max_bytes))
                    else:
                        yield SourceItem(key, handle.read(self.max_bytes + 1), size)
            except OSError as exc:
                yield SourceItem(key, b"", 0, f"cannot read {path}: {exc.strerror or exc}")

    def fetch(self, message_id: str) -> SourceItem | None:
        return _fetch(self, message_id)


def open_source(uri: str, *, password_ref: str = "env:STEWARD_IMAP_PASSWORD") -> MailSource:
    """`mbox:PATH`, `maildir:PATH` (a leading `~` is expanded) or `imap[s]://user@host:port/FOLDER`.

    The IMAP password comes from `password_ref` (environment or keyring), never from the URI or argv.
    """
    scheme, sep, rest = uri.partition(":")
    scheme = scheme.strip().lower()
    if scheme in ("imap", "imaps"):
        import os

        from steward.intake.imap_source import open_imap_source

        return open_imap_source(uri, os.environ, password_ref=password_ref)
    if not sep or scheme not in ("mbox", "maildir"):
        raise UsageError(f"mail source {uri!r} is not understood; write mbox:PATH or maildir:PATH.")
    if not rest.strip():
        raise UsageError(f"mail source {uri!r} names no path; write {scheme}:PATH.")
    path = Path(rest.strip()).expanduser()
    if scheme == "mbox":
        if not path.is_file():
            raise UsageError(f"mail source {uri!r}: {path} is not a readable mbox file; check the path.")
        return MboxSource(path)
    if not path.is_dir() or not any((path / sub).is_dir() for sub in ("cur", "new")):
        raise UsageError(f"mail source {uri!r}: {path} is not a maildir (no cur/ or new/ folder); check the path.")
    return MaildirSource(path)
