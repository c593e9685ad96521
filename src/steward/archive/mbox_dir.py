"""The `mbox-dir` archive: a local folder of list archives (spec §13 `archive_system`, steward decision `path`).

Layout (steward decision): `archive_system.path` holds either one subfolder per list, named after the list's
local part (`security/`) or its full address (`security@example.org/`), or, when no such subfolder exists, the
whole folder is taken as the archive of every list asked for (the single-list layout). Inside, every `*.mbox`
file (recursively, in name order) and every Maildir (a folder with `cur/` or `new/`) is read. Symbolic links are
not followed, so the archive cannot reach outside its folder.

mbox files are streamed in bounded pieces: at most `head_bytes` of each message are kept, for a header-only
parse; the raw message is read again, by offset and cut at `raw_bytes`, only when asked for. mbox splitting is
mboxrd: a `From ` line starts a message at the start of the file or after a blank line; `>From ` quoting is
undone on fetch. A local archive has no public URL, so `permalink` and `resolve_announcement` return None;
`find_announcement` still finds the message, for an operator to publish and pass as `--advisory-url`.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from steward.archive.headers import HEAD_BYTES, entry_from_head
from steward.archive.interface import (
    SEARCH_LIMIT,
    ArchiveEntry,
    ArchiveError,
    aware,
    cve_pattern,
    first_by_date,
)
from steward.intake.message import ParsedMessage, normalise_message_id, parse_message

MiB = 1024 * 1024
RAW_BYTES = 25 * MiB
BODY_BYTES = 2 * MiB
BODY_READS = 500
_PIECE = 64 * 1024
_QUOTED_FROM = re.compile(rb"(?m)^>(>*From )")


@dataclass(frozen=True)
class _Stored:
    """Where one message lies: `offset`/`length` in an mbox file, or a whole Maildir file."""

    path: Path
    offset: int
    length: int
    head: bytes


def _scan_mbox(path: Path, head_bytes: int) -> Iterator[_Stored]:
    try:
        handle = path.open("rb")
    except OSError as exc:
        raise ArchiveError(
            f"cannot open the mbox archive file {path}: {exc.strerror or exc}; check archive_system.path "
            "and the file's permissions."
        ) from None
    with handle:
        offset = 0
        start: int | None = None
        head = bytearray()
        at_line_start = True
        previous_blank = True
        blank_start = 0
        while True:
            try:
                piece = handle.readline(_PIECE)
            except OSError as exc:
                raise ArchiveError(f"cannot read {path}: {exc.strerror or exc}; check the file.") from None
            if not piece:
                break
            here = offset
            offset += len(piece)
            line_start = at_line_start
            at_line_start = piece.endswith(b"\n")
            if line_start and piece.startswith(b"From ") and (previous_blank or start is None):
                if start is not None:
                    yield _Stored(path, start, (blank_start if previous_blank else here) - start, bytes(head))
                while not at_line_start:  # an over-long From line: skip the rest of it
                    rest = handle.readline(_PIECE)
                    if not rest:
                        break
                    offset += len(rest)
                    at_line_start = rest.endswith(b"\n")
                start, head, previous_blank = offset, bytearray(), False
                continue
            if start is not None and len(head) < head_bytes:
                head += piece[: head_bytes - len(head)]
            if line_start and piece in (b"\n", b"\r\n"):
                previous_blank, blank_start = True, here
            else:
                previous_blank = False
        if start is not None:
            yield _Stored(path, start, (blank_start if previous_blank else offset) - start, bytes(head))


def _scan_file(path: Path, head_bytes: int) -> Iterator[_Stored]:
    try:
        size = path.stat().st_size
        with path.open("rb") as handle:
            head = handle.read(head_bytes)
    except OSError as exc:
        raise ArchiveError(f"cannot read {path}: {exc.strerror or exc}; check the file's permissions.") from None
    yield _Stored(path, 0, size, head)


def _walk(folder: Path, head_bytes: int) -> Iterator[_Stored]:
    for dirpath, dirnames, filenames in os.walk(folder):
        here = Path(dirpath)
        dirnames.sort()
        if "cur" in dirnames or "new" in dirnames:
            for sub in ("cur", "new"):
                if sub in dirnames and not (here / sub).is_symlink():
                    try:
                        names = sorted(os.listdir(here / sub))
                    except OSError:
                        names = []
                    for name in names:
                        path = here / sub / name
                        if not name.startswith(".") and path.is_file() and not path.is_symlink():
                            yield from _scan_file(path, head_bytes)
            dirnames[:] = [d for d in dirnames if d not in ("cur", "new", "tmp")]
        for name in sorted(filenames):
            path = here / name
            if name.endswith(".mbox") and not path.is_symlink() and path.is_file():
                yield from _scan_mbox(path, head_bytes)


def _contains(text: str, query: str) -> bool:
    return query.casefold() in text.casefold()


class MboxDirArchive:
    """A folder of mbox files and Maildirs; see the module docstring for the layout."""

    def __init__(
        self,
        path: Path | str,
        *,
        head_bytes: int = HEAD_BYTES,
        raw_bytes: int = RAW_BYTES,
        body_bytes: int = BODY_BYTES,
        body_reads: int = BODY_READS,
    ) -> None:
        self.path = Path(path)
        self.head_bytes = min(head_bytes, HEAD_BYTES)
        self.raw_bytes = raw_bytes
        self.body_bytes = body_bytes
        self.body_reads = body_reads

    def folder_for(self, list_address: str) -> Path:
        """The list's own subfolder when there is one, else the whole archive folder."""
        local = list_address.strip().rpartition("@")[0] or list_address.strip()
        for name in (local, list_address.strip()):
            if name and "/" not in name and name not in (".", ".."):
                candidate = self.path / name
                if candidate.is_dir() and not candidate.is_symlink():
                    return candidate
        return self.path

    def _entries(self, folder: Path, list_address: str) -> Iterator[tuple[ArchiveEntry, _Stored]]:
        if not self.path.is_dir():
            raise ArchiveError(
                f"the mbox-dir archive folder {self.path} does not exist; create it or fix archive_system.path."
            )
        for stored in _walk(folder, self.head_bytes):
            entry = entry_from_head(stored.head, list_address)
            if entry is not None:
                yield entry, stored

    def _recent(self, list_address: str, since: datetime) -> Iterator[tuple[ArchiveEntry, _Stored]]:
        since = aware(since)
        for entry, stored in self._entries(self.folder_for(list_address), list_address):
            if entry.date is not None and entry.date >= since:
                yield entry, stored

    def list_recent(self, list_address: str, since: datetime) -> Iterator[ArchiveEntry]:
        for entry, _ in self._recent(list_address, since):
            yield entry

    def _read(self, stored: _Stored, limit: int) -> bytes:
        try:
            with stored.path.open("rb") as handle:
                handle.seek(stored.offset)
                raw = handle.read(min(stored.length, limit))
        except OSError as exc:
            raise ArchiveError(f"cannot read {stored.path}: {exc.strerror or exc}; check the file.") from None
        if stored.path.suffix == ".mbox":
            raw = _QUOTED_FROM.sub(rb"\1", raw)
        return raw

    def fetch_raw(self, message_id: str) -> bytes | None:
        wanted = normalise_message_id(message_id)
        if wanted is None:
            return None
        for entry, stored in self._entries(self.path, ""):
            if entry.message_id == wanted:
                return self._read(stored, self.raw_bytes)
        return None

    def permalink(self, message_id: str) -> str | None:
        return None

    def _body(self, stored: _Stored) -> str:
        parsed = parse_message(self._read(stored, self.body_bytes))
        return parsed.body_text if isinstance(parsed, ParsedMessage) else ""

    def search(self, list_address: str, query: str, since: datetime) -> list[ArchiveEntry]:
        query = " ".join(query.split())[:200]
        if not query:
            return []
        found: list[ArchiveEntry] = []
        reads = 0
        for entry, stored in self._recent(list_address, since):
            hit = _contains(entry.subject, query)
            if not hit and reads < self.body_reads:
                reads += 1
                hit = _contains(self._body(stored), query)
            if hit:
                found.append(entry)
                if len(found) >= SEARCH_LIMIT:
                    break
        return found

    def find_announcement(self, cve_id: str, lists: Sequence[str], since: datetime) -> ArchiveEntry | None:
        pattern = cve_pattern(cve_id)
        hits: list[ArchiveEntry] = []
        reads = 0
        for list_address in lists:
            for entry, stored in self._recent(list_address, since):
                hit = pattern.search(entry.subject) is not None
                if not hit and reads < self.body_reads:
                    reads += 1
                    hit = pattern.search(self._body(stored)) is not None
                if hit and len(hits) < SEARCH_LIMIT:
                    hits.append(entry)
        return first_by_date(hits)

    def resolve_announcement(self, cve_id: str, lists: Sequence[str], since: datetime) -> str | None:
        found = self.find_announcement(cve_id, lists, since)
        return found.permalink if found is not None else None
