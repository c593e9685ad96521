"""The IMAP mail source (spec §5.1, §13 `mail_provider`): `imap://user@host:port/FOLDER` read through imapclient.

Reading is strictly read-only: the folder is opened with EXAMINE and bodies are fetched with `BODY.PEEK[]`, so
importing never marks a report as seen for the humans who also read the list. Messages are fetched lazily by UID in
small batches, so memory stays flat for a folder of any size; a message over the §10.5 limit is fetched as its
header block only and yielded with `error` set.

Connections use TLS unless the server is on a loopback address (or plain text is explicitly allowed): a report is
confidential, and a password must never cross a network in the clear. The password comes from the environment or
the system keyring (`imap_password`), never from argv or the URI.
"""

from __future__ import annotations

import contextlib
import ipaddress
import re
import ssl
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal
from urllib.parse import parse_qs, quote, unquote, urlsplit

from steward.errors import OperationFailed, UsageError
from steward.intake.message import normalise_message_id
from steward.intake.sources import DEFAULT_LIMITS, HEAD_BYTES, SourceItem, header_message_id

Security = Literal["tls", "starttls", "plain"]

DEFAULT_PASSWORD_REF = "env:STEWARD_IMAP_PASSWORD"
IMPLICIT_TLS_PORT = 993
PLAIN_PORT = 143
DEFAULT_TIMEOUT = 30.0
DEFAULT_BATCH = 25
_SECURITY_VALUES: tuple[Security, ...] = ("tls", "starttls", "plain")
_ENV_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


@dataclass(frozen=True)
class ImapTarget:
    """Where a mailbox is: `security` is `tls` (implicit, port 993), `starttls`, or `plain` (loopback only)."""

    host: str
    port: int
    user: str
    folder: str
    security: Security

    @property
    def uri(self) -> str:
        """The canonical URI; `parse_imap_uri(target.uri) == target`."""
        scheme = "imaps" if self.security == "tls" else "imap"
        host = f"[{self.host}]" if ":" in self.host else self.host
        query = "" if self.security == _default_security(scheme, self.host, self.port) else f"?tls={self.security}"
        return f"{scheme}://{quote(self.user, safe='')}@{host}:{self.port}/{quote(self.folder, safe='')}{query}"


def is_loopback(host: str) -> bool:
    """A literal loopback address or `localhost`: the only hosts plain text may go to by default."""
    name = host.strip().strip("[]").rstrip(".").lower()
    if name == "localhost" or name.endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(name).is_loopback
    except ValueError:
        return False


def _default_security(scheme: str, host: str, port: int) -> Security:
    """`imaps://` and port 993 mean implicit TLS; other ports STARTTLS, except plain text on a loopback address."""
    if scheme == "imaps" or port == IMPLICIT_TLS_PORT:
        return "tls"
    return "plain" if is_loopback(host) else "starttls"


def parse_imap_uri(uri: str) -> ImapTarget:
    """`imap[s]://user@host[:port][/FOLDER][?tls=tls|starttls|plain]`; the folder defaults to INBOX.

    The user and folder are percent-decoded (write `user%40example.org` for an address). A password in the URI is
    refused, because URIs end up in argv, logs and config files.
    """
    text = uri.strip()
    try:
        parts = urlsplit(text)
        port_value = parts.port
    except ValueError as exc:
        raise UsageError(
            f"mail source {uri!r} is not a valid IMAP URI ({exc}); write imap://user@host:port/FOLDER."
        ) from None
    scheme = parts.scheme.lower()
    if scheme not in ("imap", "imaps"):
        raise UsageError(f"mail source {uri!r} is not an IMAP URI; write imap://user@host:port/FOLDER.")
    if parts.password is not None:
        raise UsageError(
            f"mail source {_redacted(parts.hostname, parts.username)!r} carries a password; remove it from the URI "
            f"and set mail_provider.password (default {DEFAULT_PASSWORD_REF})."
        )
    host = parts.hostname or ""
    user = unquote(parts.username or "")
    if not host or not user:
        raise UsageError(f"mail source {uri!r} needs both a user and a host; write imap://user@host:port/FOLDER.")
    if any(c in host for c in " /\\\x00") or any(ord(c) < 32 for c in user):
        raise UsageError(f"mail source {uri!r} has an unusable user or host; write imap://user@host:port/FOLDER.")
    if parts.fragment:
        raise UsageError(f"mail source {uri!r} has a #fragment, which IMAP URIs do not use; remove it.")
    folder = unquote(parts.path.lstrip("/")) or "INBOX"
    if any(ord(c) < 32 for c in folder):
        raise UsageError(f"mail source {uri!r} names a folder with control characters; check the folder name.")
    query = parse_qs(parts.query, keep_blank_values=True)
    unknown = sorted(set(query) - {"tls"})
    if unknown:
        raise UsageError(f"mail source {uri!r} has the unknown option {unknown[0]!r}; only ?tls= is understood.")
    wanted: Security | None = None
    if "tls" in query:
        value = query["tls"][-1].strip().lower()
        wanted = next((s for s in _SECURITY_VALUES if s == value), None)
        if wanted is None:
            raise UsageError(f"mail source {uri!r}: tls={value!r} is not one of tls, starttls, plain.")
        if scheme == "imaps" and wanted != "tls":
            raise UsageError(f"mail source {uri!r}: imaps:// always uses TLS; write imap:// to choose {wanted}.")
    if port_value is None:
        port = PLAIN_PORT if wanted in ("starttls", "plain") else IMPLICIT_TLS_PORT
    elif port_value == 0:
        raise UsageError(f"mail source {uri!r} names port 0; give the server's IMAP port.")
    else:
        port = port_value
    security = wanted or _default_security(scheme, host, port)
    return ImapTarget(host=host, port=port, user=user, folder=folder, security=security)


def _redacted(host: str | None, user: str | None) -> str:
    return f"imap://{user or ''}:***@{host or ''}"


def imap_password(env: Mapping[str, str], ref: str = DEFAULT_PASSWORD_REF) -> str:
    """The password a reference names: `env:NAME` (the environment) or `keyring:SERVICE/NAME` (system keyring).

    There is deliberately no literal form: a password on the command line or in project.yml would leak.
    """
    kind, sep, rest = ref.strip().partition(":")
    kind = kind.lower()
    if not sep or kind not in ("env", "keyring") or not rest:
        raise UsageError(
            f"mail_provider.password {ref!r} is not a secret reference; write env:NAME or keyring:SERVICE/NAME."
        )
    if kind == "env":
        if not _ENV_NAME.fullmatch(rest):
            raise UsageError(f"mail_provider.password {ref!r}: {rest!r} is not an environment variable name.")
        value = env.get(rest)
        if not value:
            raise UsageError(f"The IMAP password is not set: export {rest} (named by mail_provider.password).")
        return value
    service, slash, name = rest.partition("/")
    if not slash or not service or not name:
        raise UsageError(f"mail_provider.password {ref!r} names no entry; write keyring:SERVICE/NAME.")
    try:
        import keyring
        import keyring.errors
    except ImportError:
        raise UsageError(
            f"mail_provider.password {ref!r} needs the `keyring` package; install it or use env:NAME."
        ) from None
    try:
        value = keyring.get_password(service, name)
    except keyring.errors.KeyringError as exc:
        raise OperationFailed(f"The system keyring could not be read for {ref!r} ({exc}); check the keyring.") from exc
    if not value:
        raise UsageError(f"The keyring holds no password for service {service!r}, name {name!r}; store it there.")
    return value


def check_transport(host: str, *, tls: bool, starttls: bool, allow_plaintext: bool) -> None:
    """Refuse a plain-text connection to anything but loopback, unless the operator allowed it explicitly."""
    if tls and starttls:
        raise UsageError("Choose implicit TLS or STARTTLS for the IMAP connection, not both.")
    if not tls and not starttls and not allow_plaintext and not is_loopback(host):
        raise UsageError(
            f"Refusing a plain-text IMAP connection to {host}: mail and the password would cross the network "
            "unencrypted; use imaps:// or ?tls=starttls (plain text is only for loopback test servers)."
        )


@dataclass(frozen=True)
class Connection:
    """Everything needed to open one IMAP session; `password` is held in memory only."""

    host: str
    port: int
    user: str
    password: str
    tls: bool = True
    starttls: bool = False
    timeout: float = DEFAULT_TIMEOUT
    allow_plaintext: bool = False
    ssl_context: ssl.SSLContext | None = None

    def __post_init__(self) -> None:
        check_transport(self.host, tls=self.tls, starttls=self.starttls, allow_plaintext=self.allow_plaintext)

    def __repr__(self) -> str:
        return f"Connection({self.user!r}@{self.host}:{self.port}, tls={self.tls}, starttls={self.starttls})"

    @property
    def where(self) -> str:
        return f"{self.user}@{self.host}:{self.port}"

    @contextlib.contextmanager
    def session(self) -> Iterator[Any]:
        """A logged-in IMAPClient, logged out afterwards; network and login failures are OperationFailed."""
        from imapclient import IMAPClient  # type: ignore[import-untyped]
        from imapclient.exceptions import IMAPClientError  # type: ignore[import-untyped]

        context = self.ssl_context or ssl.create_default_context()
        try:
            client: Any = IMAPClient(
                self.host, port=self.port, ssl=self.tls, ssl_context=context if self.tls else None, timeout=self.timeout
            )
        except (OSError, IMAPClientError) as exc:
            raise OperationFailed(
                f"Could not connect to the IMAP server {self.host}:{self.port} ({exc}); check the host, port and TLS."
            ) from exc
        try:
            try:
                if self.starttls:
                    client.starttls(context)
                client.login(self.user, self.password)
            except (OSError, IMAPClientError) as exc:
                raise OperationFailed(
                    f"IMAP login as {self.where} failed ({_short(exc)}); check the user, the password reference "
                    "and whether the server needs STARTTLS."
                ) from exc
            yield client
        finally:
            try:
                client.logout()
            except (OSError, IMAPClientError):
                with contextlib.suppress(Exception):  # the socket is already gone; nothing is left to close
                    client.shutdown()


def _short(exc: BaseException) -> str:
    first = exc.args[0] if exc.args else ""
    text = first.decode("utf-8", "replace") if isinstance(first, bytes) else str(exc)
    return text.strip()[:200] or type(exc).__name__


def connection_for(target: ImapTarget, password: str, **options: Any) -> Connection:
    return Connection(
        target.host,
        target.port,
        target.user,
        password,
        tls=target.security == "tls",
        starttls=target.security == "starttls",
        **options,
    )


def imap_error(where: str, exc: BaseException) -> OperationFailed:
    return OperationFailed(f"The IMAP server failed while {where} ({_short(exc)}); try again or check the server.")


def select(client: Any, folder: str, *, readonly: bool) -> Mapping[bytes, Any]:
    """SELECT (or EXAMINE when read-only) a folder; a missing folder is a usage error naming it."""
    from imapclient.exceptions import IMAPClientError

    try:
        return dict(client.select_folder(folder, readonly=readonly))
    except IMAPClientError as exc:
        raise UsageError(
            f"The IMAP folder {folder!r} cannot be opened ({_short(exc)}); check the folder in the mail source URI."
        ) from exc


def header_search(value: str) -> tuple[list[Any], str | None]:
    """Criteria and charset for a SEARCH on a header value (UTF-8 only when the value needs it)."""
    if value.isascii():
        return [value], None
    return [value.encode("utf-8")], "UTF-8"


class ImapSource:
    """One IMAP folder as a `MailSource`: read-only, lazy, fetched by UID in batches."""

    def __init__(
        self,
        host: str,
        port: int,
        user: str,
        folder: str,
        password: str,
        *,
        tls: bool = True,
        starttls: bool = False,
        timeout: float = DEFAULT_TIMEOUT,
        allow_plaintext: bool = False,
        ssl_context: ssl.SSLContext | None = None,
        batch: int = DEFAULT_BATCH,
        max_bytes: int = DEFAULT_LIMITS.message_bytes,
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
            ssl_context=ssl_context,
        )
        self.folder = folder
        self.batch = max(1, batch)
        self.max_bytes = max_bytes

    @classmethod
    def from_target(cls, target: ImapTarget, password: str, **options: Any) -> ImapSource:
        return cls(
            target.host,
            target.port,
            target.user,
            target.folder,
            password,
            tls=target.security == "tls",
            starttls=target.security == "starttls",
            **options,
        )

    def __repr__(self) -> str:
        return f"ImapSource({self.connection.where}/{self.folder})"

    def iter_messages(self) -> Iterator[SourceItem]:
        from imapclient.exceptions import IMAPClientError

        with self.connection.session() as client:
            info = select(client, self.folder, readonly=True)
            validity = int(info.get(b"UIDVALIDITY", 0) or 0)
            try:
                uids = sorted(int(u) for u in client.search(["ALL"]))
            except IMAPClientError as exc:
                raise imap_error(f"listing {self.folder}", exc) from exc
            for start in range(0, len(uids), self.batch):
                chunk = uids[start : start + self.batch]
                try:
                    yield from self._items(client, validity, chunk)
                except (IMAPClientError, OSError) as exc:
                    raise imap_error(f"fetching messages from {self.folder}", exc) from exc

    def _key(self, validity: int, uid: int) -> str:
        return f"imap:{self.folder}:{validity}:{uid}"

    def _items(self, client: Any, validity: int, uids: Sequence[int]) -> Iterator[SourceItem]:
        sizes = client.fetch(list(uids), ["RFC822.SIZE"])
        small = [u for u in uids if int(sizes.get(u, {}).get(b"RFC822.SIZE", 0)) <= self.max_bytes]
        readable = set(small)
        large = [u for u in uids if u not in readable]
        bodies = client.fetch(small, ["BODY.PEEK[]"]) if small else {}
        heads = client.fetch(large, ["BODY.PEEK[HEADER]"]) if large else {}
        for uid in uids:
            key = self._key(validity, uid)
            size = int(sizes.get(uid, {}).get(b"RFC822.SIZE", 0))
            if uid in bodies:
                raw = bodies[uid].get(b"BODY[]")
                if isinstance(raw, bytes):
                    yield SourceItem(key, raw, len(raw))
                else:
                    yield SourceItem(key, b"", size, f"the server returned no body for UID {uid} in {self.folder}")
            elif uid in heads:
                head = heads[uid].get(b"BODY[HEADER]")
                head = head[:HEAD_BYTES] if isinstance(head, bytes) else b""
                reason = f"message is {size} bytes, over the {self.max_bytes}-byte per-message limit (§10.5); not read"
                yield SourceItem(key, head, size, reason)
            else:
                yield SourceItem(key, b"", size, f"UID {uid} vanished from {self.folder} while it was being read")

    def fetch(self, message_id: str) -> SourceItem | None:
        """The message whose Message-ID header is this id, found by `SEARCH HEADER Message-ID`."""
        from imapclient.exceptions import IMAPClientError

        wanted = normalise_message_id(message_id)
        if wanted is None:
            return None
        criteria, charset = header_search(wanted)
        with self.connection.session() as client:
            info = select(client, self.folder, readonly=True)
            validity = int(info.get(b"UIDVALIDITY", 0) or 0)
            try:
                uids = sorted(int(u) for u in client.search(["HEADER", "Message-ID", *criteria], charset))
                # SEARCH HEADER is a substring match: confirm the exact id on each candidate.
                for start in range(0, len(uids), self.batch):
                    for item in self._items(client, validity, uids[start : start + self.batch]):
                        if header_message_id(item.raw) == wanted:
                            return item
            except (IMAPClientError, OSError) as exc:
                raise imap_error(f"searching {self.folder} for {wanted}", exc) from exc
        return None


def open_imap_source(
    uri: str,
    env: Mapping[str, str],
    *,
    password_ref: str = DEFAULT_PASSWORD_REF,
    timeout: float = DEFAULT_TIMEOUT,
    allow_plaintext: bool = False,
) -> ImapSource:
    """The source an `imap://` or `imaps://` URI names, with its password read from `password_ref`."""
    target = parse_imap_uri(uri)
    password = imap_password(env, password_ref)
    return ImapSource.from_target(target, password, timeout=timeout, allow_plaintext=allow_plaintext)


__all__ = [
    "DEFAULT_PASSWORD_REF",
    "Connection",
    "ImapSource",
    "ImapTarget",
    "check_transport",
    "connection_for",
    "header_search",
    "imap_password",
    "is_loopback",
    "open_imap_source",
    "parse_imap_uri",
]
