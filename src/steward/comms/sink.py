"""Where drafts go (spec §9.3): the DraftSink port and its Maildir adapter.

A sink is idempotent by `X-Steward-Key`: it is searched before every write, so re-running a command, or running it
again after a crash, never leaves two drafts for one event. steward only ever writes drafts; there is no code here
(or anywhere) that sends mail.
"""

from __future__ import annotations

import builtins
import contextlib
import fcntl
import os
import secrets
import socket
import time
from collections.abc import Iterator
from dataclasses import dataclass
from email import policy
from email.message import EmailMessage
from email.parser import BytesHeaderParser
from pathlib import Path
from typing import Protocol

from steward.comms.drafts import KEY_HEADER, RETHREAD_HEADER, Draft, header_value
from steward.errors import OperationFailed, UsageError

_FILE_MODE = 0o600
_DIR_MODE = 0o700
_DRAFT_FLAG = ":2,D"
_LOCK = ".steward-drafts.lock"
_RESERVED = frozenset(
    {
        "to",
        "cc",
        "bcc",
        "subject",
        "in-reply-to",
        "references",
        "content-type",
        "content-transfer-encoding",
        "mime-version",
    }
)


@dataclass(frozen=True)
class StoredDraft:
    """A draft as the sink holds it, for `steward drafts`."""

    sink_id: str
    key: str
    subject: str
    to: str
    needs_rethreading: bool


class DraftSink(Protocol):
    """The draft port: every adapter is idempotent by `X-Steward-Key`."""

    def put(self, draft: Draft) -> str:
        """Store the draft unless one with its key exists; either way return the stored draft's id."""
        ...

    def find(self, key: str) -> str | None: ...

    def list(self) -> builtins.list[StoredDraft]: ...

    def discard(self, key: str) -> bool:
        """Remove every draft with this key; False when there was none."""
        ...


_POLICY = policy.default.clone(max_line_length=998)
"""Fold only past RFC 5322's hard limit: the stdlib's 78-column folding can put a subject on a continuation line,
which some readers show with a leading space."""


def to_message(draft: Draft) -> EmailMessage:
    """The RFC 5322 message of a draft; every header value is folded to one line first, so none can inject another."""
    message = EmailMessage(policy=_POLICY)
    message["To"] = ", ".join(header_value(a) for a in draft.to)
    if draft.cc:
        message["Cc"] = ", ".join(header_value(a) for a in draft.cc)
    message["Subject"] = header_value(draft.subject)
    if draft.in_reply_to:
        message["In-Reply-To"] = header_value(draft.in_reply_to)
    if draft.references:
        message["References"] = " ".join(header_value(r) for r in draft.references)
    for name, value in draft.headers:
        if name.casefold() == KEY_HEADER.casefold():
            continue
        clean_name = "".join(c for c in name if 33 <= ord(c) <= 126 and c != ":")
        if not clean_name or clean_name.casefold() in _RESERVED:
            raise UsageError(
                f"{name!r} cannot be an extra draft header; use printable ASCII, not an addressing header."
            )
        message[clean_name] = header_value(value)
    message[KEY_HEADER] = header_value(draft.key)
    message.set_content(draft.body)
    return message


def _ensure_dir(path: Path) -> None:
    path.mkdir(mode=_DIR_MODE, parents=True, exist_ok=True)
    path.chmod(_DIR_MODE)


def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


class MaildirDraftSink:
    """Drafts as files in the Maildir++ folder `Drafts` (`<path>/.Drafts`), flagged `D`, owner-only.

    A draft is written to `tmp/` and renamed into `cur/`, so a crash leaves at most an orphan in `tmp/` (which no
    mail client shows and the next `put` of that key removes), never half a draft.
    """

    def __init__(self, path: Path) -> None:
        self.root = Path(path)
        self.folder = self.root / ".Drafts"

    def _setup(self) -> None:
        for base in (self.root, self.folder):
            _ensure_dir(base)
            for sub in ("tmp", "new", "cur"):
                _ensure_dir(base / sub)

    @contextlib.contextmanager
    def _locked(self) -> Iterator[None]:
        self._setup()
        fd = os.open(self.folder / _LOCK, os.O_RDWR | os.O_CREAT, _FILE_MODE)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX)
            yield
        finally:
            os.close(fd)

    def _files(self) -> Iterator[Path]:
        for sub in ("cur", "new"):
            directory = self.folder / sub
            if directory.is_dir():
                yield from sorted(p for p in directory.iterdir() if p.is_file() and not p.name.startswith("."))

    @staticmethod
    def _sink_id(path: Path) -> str:
        return path.name.split(":", 1)[0]

    @staticmethod
    def _headers(path: Path) -> EmailMessage | None:
        try:
            with path.open("rb") as handle:
                parsed = BytesHeaderParser(policy=policy.default).parse(handle)
        except OSError:
            return None
        return parsed if isinstance(parsed, EmailMessage) else None

    def _matching(self, key: str) -> Iterator[Path]:
        wanted = key.strip().casefold()
        for path in self._files():
            headers = self._headers(path)
            if headers is not None and str(headers.get(KEY_HEADER, "")).strip().casefold() == wanted:
                yield path

    def find(self, key: str) -> str | None:
        """The id of the stored draft with this `X-Steward-Key`, or None."""
        return next((self._sink_id(p) for p in self._matching(key)), None)

    def put(self, draft: Draft) -> str:
        data = to_message(draft).as_bytes()
        with self._locked():
            existing = self.find(draft.key)
            if existing is not None:
                return existing
            self._remove_orphans(draft.key)
            unique = f"{time.time_ns()}.{draft.key}_{secrets.token_hex(4)}.{self._host()}"
            tmp = self.folder / "tmp" / unique
            final = self.folder / "cur" / f"{unique}{_DRAFT_FLAG}"
            try:
                fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, _FILE_MODE)
                try:
                    os.write(fd, data)
                    os.fsync(fd)
                finally:
                    os.close(fd)
                os.rename(tmp, final)
                _fsync_dir(final.parent)
            except OSError as exc:
                raise OperationFailed(
                    f"Could not write the draft into {self.folder} ({exc}); check the folder."
                ) from exc
            return unique

    def _remove_orphans(self, key: str) -> None:
        """Drop `tmp/` leftovers of an earlier crashed write of this key (only ours: the key is in the name)."""
        for orphan in (self.folder / "tmp").glob(f"*.{key}_*"):
            with contextlib.suppress(FileNotFoundError):
                orphan.unlink()

    @staticmethod
    def _host() -> str:
        return socket.gethostname().replace("/", "\\057").replace(":", "\\072") or "localhost"

    def list(self) -> builtins.list[StoredDraft]:
        """Every stored draft that carries a steward key, oldest first."""
        drafts: builtins.list[StoredDraft] = []
        for path in self._files():
            headers = self._headers(path)
            if headers is None or KEY_HEADER not in headers:
                continue
            drafts.append(
                StoredDraft(
                    sink_id=self._sink_id(path),
                    key=str(headers[KEY_HEADER]).strip(),
                    subject=str(headers.get("Subject", "")),
                    to=str(headers.get("To", "")),
                    needs_rethreading=RETHREAD_HEADER in headers or "In-Reply-To" not in headers,
                )
            )
        return drafts

    def discard(self, key: str) -> bool:
        with self._locked():
            found = builtins.list(self._matching(key))
            for path in found:
                with contextlib.suppress(FileNotFoundError):
                    path.unlink()
            return bool(found)
