"""Drafts in an IMAP `Drafts` folder (spec §9.3, §13 `mail_provider.drafts`), idempotent by `X-Steward-Key`.

Before every write the folder is searched with `SEARCH HEADER X-Steward-Key <key>`; an existing draft's UID is
returned instead of appending, so re-running a command, or running it again after a crash right after APPEND, never
leaves two drafts for one event. IMAP has no lock, so two writers racing on one key are settled after the APPEND:
the lowest UID is kept and any later copy this writer made is removed.

steward only APPENDs drafts (flagged `\\Draft`); it never sends mail (G2). Discarding removes exactly the UIDs that
carry the key (`\\Deleted` then `UID EXPUNGE`), never other messages a human flagged for deletion.
"""

from __future__ import annotations

import builtins
import re
from collections.abc import Sequence
from email import policy
from email.message import EmailMessage
from email.parser import BytesHeaderParser
from typing import Any

from steward.comms.drafts import KEY_HEADER, RETHREAD_HEADER, Draft
from steward.comms.sink import StoredDraft, to_message
from steward.errors import OperationFailed, UsageError
from steward.intake.imap_source import (
    DEFAULT_TIMEOUT,
    Connection,
    ImapTarget,
    header_search,
    imap_error,
    select,
)

DRAFTS_FOLDER = "Drafts"
DRAFT_FLAG = b"\\Draft"
DELETED_FLAG = b"\\Deleted"
_KEY = re.compile(r"[A-Za-z0-9._-]{1,200}")
_HEADER_FIELDS = f"BODY.PEEK[HEADER.FIELDS ({KEY_HEADER} Subject To In-Reply-To {RETHREAD_HEADER})]"
_APPENDUID = re.compile(rb"\[APPENDUID \d+ (\d+)\]", re.IGNORECASE)
_BATCH = 50


def _checked_key(key: str) -> str:
    """Keys are steward's own hex digests; anything else in a SEARCH is a caller bug, not data."""
    value = key.strip()
    if not _KEY.fullmatch(value):
        raise UsageError(f"{key!r} is not a draft key; X-Steward-Key values are letters, digits, '.', '_' or '-'.")
    return value


def _headers(data: Any) -> EmailMessage | None:
    if not isinstance(data, bytes):
        return None
    parsed = BytesHeaderParser(policy=policy.default).parsebytes(data)
    return parsed if isinstance(parsed, EmailMessage) else None


def _header_block(item: dict[bytes, Any]) -> Any:
    return next((v for k, v in item.items() if k.upper().startswith(b"BODY[HEADER")), None)


class ImapDraftSink:
    """The `DraftSink` port on an IMAP server; ids are UIDs in the drafts folder."""

    def __init__(
        self,
        host: str,
        port: int,
        user: str,
        password: str,
        *,
        folder: str = DRAFTS_FOLDER,
        tls: bool = True,
        starttls: bool = False,
        timeout: float = DEFAULT_TIMEOUT,
        allow_plaintext: bool = False,
        create_folder: bool = True,
    ) -> None:
        self.connection = Connection(
            host,
            port,
            user,
            password,
            tls=tls,
            starttls=starttls,
            timeout=timeout,
            allow_plaintext=allow_plaintext,
        )
        self.folder = folder
        self.create_folder = create_folder

    @classmethod
    def from_target(
        cls, target: ImapTarget, password: str, *, folder: str = DRAFTS_FOLDER, **options: Any
    ) -> ImapDraftSink:
        """The drafts folder on the server of a mail source (the §13 default for `drafts: imap`)."""
        return cls(
            target.host,
            target.port,
            target.user,
            password,
            folder=folder,
            tls=target.security == "tls",
            starttls=target.security == "starttls",
            **options,
        )

    def __repr__(self) -> str:
        return f"ImapDraftSink({self.connection.where}/{self.folder})"

    # ------------------------------------------------------------------------------------------ helpers

    def _open(self, client: Any, *, readonly: bool) -> bool:
        """Select the drafts folder, creating it for a write; False when a read finds no folder (so no drafts)."""
        from imapclient.exceptions import IMAPClientError  # type: ignore[import-untyped]

        try:
            exists = bool(client.folder_exists(self.folder))
            if not exists and self.create_folder and not readonly:
                client.create_folder(self.folder)
                exists = True
        except IMAPClientError as exc:
            raise imap_error(f"preparing the drafts folder {self.folder}", exc) from exc
        if not exists and readonly:
            return False
        if not exists:
            raise UsageError(
                f"The IMAP drafts folder {self.folder!r} does not exist on {self.connection.where}; "
                "create it or set mail_provider.drafts_uri."
            )
        select(client, self.folder, readonly=readonly)
        return True

    def _uids(self, client: Any, key: str) -> list[int]:
        """UIDs whose `X-Steward-Key` is exactly `key` (SEARCH HEADER is a substring match, so each is checked)."""
        criteria, charset = header_search(key)
        found = sorted(int(u) for u in client.search(["NOT", "DELETED", "HEADER", KEY_HEADER, *criteria], charset))
        exact: list[int] = []
        for start in range(0, len(found), _BATCH):
            chunk = found[start : start + _BATCH]
            for uid, item in client.fetch(chunk, [_HEADER_FIELDS]).items():
                headers = _headers(_header_block(item))
                if headers is not None and str(headers.get(KEY_HEADER, "")).strip().casefold() == key.casefold():
                    exact.append(int(uid))
        return sorted(exact)

    def _remove(self, client: Any, uids: Sequence[int]) -> None:
        """Flag exactly these UIDs `\\Deleted` and expunge only them (UIDPLUS); never a plain EXPUNGE."""
        if not uids:
            return
        client.add_flags(list(uids), [DELETED_FLAG], silent=True)
        if client.has_capability("UIDPLUS"):
            client.uid_expunge(list(uids))
        # Without UIDPLUS the drafts stay flagged \Deleted: hidden from find/list/put, removed by the next
        # expunge a mail client runs. A plain EXPUNGE could remove messages a human flagged.

    # ------------------------------------------------------------------------------------------ the port

    def find(self, key: str) -> str | None:
        """The UID of the stored draft with this `X-Steward-Key`, or None."""
        from imapclient.exceptions import IMAPClientError

        wanted = _checked_key(key)
        with self.connection.session() as client:
            if not self._open(client, readonly=True):
                return None
            try:
                uids = self._uids(client, wanted)
            except (IMAPClientError, OSError) as exc:
                raise imap_error(f"searching {self.folder} for draft {wanted}", exc) from exc
        return str(uids[0]) if uids else None

    def put(self, draft: Draft) -> str:
        """APPEND the draft flagged `\\Draft` unless one with its key exists; return the stored draft's UID."""
        from imapclient.exceptions import IMAPClientError

        key = _checked_key(draft.key)
        data = to_message(draft).as_bytes(policy=policy.SMTP)
        with self.connection.session() as client:
            self._open(client, readonly=False)
            try:
                existing = self._uids(client, key)
                if existing:
                    return str(existing[0])
                response = client.append(self.folder, data, flags=[DRAFT_FLAG])
                appended = _APPENDUID.search(response if isinstance(response, bytes) else b"")
                client.noop()  # let the selected folder see the new message
                stored = self._uids(client, key)
            except (IMAPClientError, OSError) as exc:
                raise imap_error(f"writing draft {key} to {self.folder}", exc) from exc
            if not stored:
                raise OperationFailed(
                    f"The draft {key} was appended to {self.folder} but cannot be found there again; "
                    "check the folder on the server."
                )
            keep = stored[0]
            ours = int(appended.group(1)) if appended else None
            if ours is not None and ours != keep and ours in stored:
                try:
                    self._remove(client, [ours])
                except (IMAPClientError, OSError) as exc:
                    raise imap_error(f"removing the duplicate draft UID {ours}", exc) from exc
            return str(keep)

    def list(self) -> builtins.list[StoredDraft]:
        """Every draft in the folder that carries a steward key, oldest first."""
        from imapclient.exceptions import IMAPClientError

        drafts: builtins.list[StoredDraft] = []
        with self.connection.session() as client:
            if not self._open(client, readonly=True):
                return drafts
            try:
                uids = sorted(int(u) for u in client.search(["NOT", "DELETED", "HEADER", KEY_HEADER, ""]))
                for start in range(0, len(uids), _BATCH):
                    fetched = client.fetch(uids[start : start + _BATCH], [_HEADER_FIELDS])
                    for uid in sorted(fetched):
                        headers = _headers(_header_block(fetched[uid]))
                        if headers is None or KEY_HEADER not in headers:
                            continue
                        drafts.append(
                            StoredDraft(
                                sink_id=str(uid),
                                key=str(headers[KEY_HEADER]).strip(),
                                subject=str(headers.get("Subject", "")),
                                to=str(headers.get("To", "")),
                                needs_rethreading=RETHREAD_HEADER in headers or "In-Reply-To" not in headers,
                            )
                        )
            except (IMAPClientError, OSError) as exc:
                raise imap_error(f"listing the drafts in {self.folder}", exc) from exc
        return drafts

    def discard(self, key: str) -> bool:
        """Remove every draft with this key (and only those UIDs); False when there was none."""
        from imapclient.exceptions import IMAPClientError

        wanted = _checked_key(key)
        with self.connection.session() as client:
            self._open(client, readonly=False)
            try:
                uids = self._uids(client, wanted)
                self._remove(client, uids)
            except (IMAPClientError, OSError) as exc:
                raise imap_error(f"discarding draft {wanted} from {self.folder}", exc) from exc
        return bool(uids)


__all__ = ["DRAFTS_FOLDER", "ImapDraftSink"]
