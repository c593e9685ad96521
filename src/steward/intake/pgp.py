"""Decrypting encrypted reports with the team key (spec §11.7, §13 `security_inbox.pgp`).

Reporters may write PGP/MIME (`multipart/encrypted`) or paste an inline `-----BEGIN PGP MESSAGE-----` block. Both are
decrypted through python-gnupg and the system `gpg`, with the data passed over pipes: the cleartext exists only in
this process's memory and is returned to the caller, who keeps it in the store and nowhere else. No `output=` path is
ever given to gpg, and no temporary file is written.

`decrypt` never raises: a report that cannot be decrypted still has to be imported (as encrypted), so every failure
is a `Decrypted` with `ok=False` and one sentence saying why and what to do. gpg's `[GNUPG:]` status lines are read
directly because python-gnupg's own `key_id` is overwritten by signature lines.
"""

from __future__ import annotations

import base64
import binascii
import quopri
import re
from dataclasses import dataclass
from email import policy
from email.message import Message
from email.parser import BytesParser
from pathlib import Path
from typing import Any

from steward.intake.message import PGP_BEGIN, PGP_END, Limits, ParsedMessage, decode_bytes

_LIMITS = Limits()
_ARMOR_BEGIN = PGP_BEGIN.encode("ascii")
_ARMOR_END = PGP_END.encode("ascii")
_STATUS = re.compile(r"^\[GNUPG:\] (\S+) ?(.*)$", re.MULTILINE)
_HEX = re.compile(r"[0-9A-Fa-f]{16,40}")
_B64_TEXT = re.compile(rb"[A-Za-z0-9+/=\s]+")
_BARE_EQUALS = re.compile(rb"=(?!3D|\r?\n)")
_MIME_HEAD = re.compile(rb"(?i)\A(?:[ \t]*\r?\n)*content-(?:type|transfer-encoding|disposition):")
_NO_NETWORK = ("--no-auto-key-retrieve",)
"""gpg must not fetch a signer's key from a keyserver: steward contacts nothing while it reads mail."""


@dataclass(frozen=True)
class Decrypted:
    """The outcome of one decryption.

    `text` is the readable cleartext (for PGP/MIME, the text parts of the decrypted entity; `mime` holds the entity
    itself so the caller can list its attachments). `signer_fingerprint` is set only for a good signature by a key
    in the team keyring; `key_id` is the long id of the key the message was encrypted to (the one that decrypted it
    when decryption worked). `reason` is None on a clean success, a note on a success with a signature problem, and
    the cause on a failure.
    """

    text: str
    signer_fingerprint: str | None
    key_id: str | None
    ok: bool
    reason: str | None
    mime: bytes | None = None


def _failed(reason: str, key_id: str | None = None) -> Decrypted:
    return Decrypted("", None, key_id, False, reason)


def armored_payload(data: bytes) -> bytes | None:
    """The OpenPGP data inside a PGP/MIME part or a body: armored text, or binary packets.

    A PGP/MIME `application/octet-stream` part arrives still transfer-encoded (7bit, quoted-printable or base64),
    so each encoding is tried in turn. None when no OpenPGP data is found.
    """
    start = data.find(_ARMOR_BEGIN)
    if start >= 0:
        end = data.find(_ARMOR_END, start)
        block = data[start : end + len(_ARMOR_END)] if end >= 0 else data[start:]
        if _looks_quoted_printable(block):
            unquoted = quopri.decodestring(block)
            if unquoted.startswith(_ARMOR_BEGIN):
                block = unquoted
        return block
    stripped = data.strip()
    if stripped and _B64_TEXT.fullmatch(stripped):
        try:
            decoded = base64.b64decode(b"".join(stripped.split()), validate=True)
        except (ValueError, binascii.Error):
            return None
        if _ARMOR_BEGIN in decoded:
            return armored_payload(decoded)
        if decoded and decoded[0] & 0x80:
            return decoded
        return None
    if stripped and stripped[0] & 0x80:
        return stripped
    return None


def _looks_quoted_printable(block: bytes) -> bool:
    """Quoted-printable armor writes every `=` (padding, checksum) as `=3D`; plain armor has bare `=` signs."""
    return b"=3D" in block and _BARE_EQUALS.search(block) is None


def _statuses(stderr: str) -> list[tuple[str, str]]:
    return [(m.group(1), m.group(2).strip()) for m in _STATUS.finditer(stderr)]


def _long_id(value: str) -> str | None:
    found = _HEX.search(value)
    return found.group(0).upper()[-16:] if found else None


def _readable(data: bytes, limit: int) -> tuple[str, bytes | None]:
    """The text of a decrypted payload; a PGP/MIME cleartext is a MIME entity whose text parts are joined."""
    if not _MIME_HEAD.match(data):
        text, _ = decode_bytes(data, None)
        return text.replace("\r\n", "\n")[:limit], None
    try:
        entity = BytesParser(policy=policy.default).parsebytes(data)
        chunks: list[str] = []
        for part in entity.walk():
            if part.is_multipart() or part.get_content_type() != "text/plain":
                continue
            if part.get_content_disposition() == "attachment" or part.get_filename():
                continue
            chunks.append(_part_text(part))
        return "\n\n".join(chunks).replace("\r\n", "\n")[:limit], data
    except Exception:  # a hostile cleartext must not turn a good decryption into a crash
        text, _ = decode_bytes(data, None)
        return text.replace("\r\n", "\n")[:limit], data


def _part_text(part: Message) -> str:
    payload: Any = part.get_payload(decode=True)
    if not isinstance(payload, bytes):
        return str(part.get_payload())
    charset = part.get_content_charset()
    text, _ = decode_bytes(payload, str(charset) if charset else None)
    return text


def _signature_outcome(statuses: list[tuple[str, str]]) -> tuple[str | None, str | None]:
    """(signer fingerprint, note): the primary-key fingerprint of a good signature, or why there is none."""
    keys = {key for key, _ in statuses}
    if "BADSIG" in keys:
        return None, "the message was decrypted, but its signature is BAD; treat the signer as unknown."
    if "ERRSIG" in keys or "NO_PUBKEY" in keys:
        return None, "the message was decrypted; its signer's key is not in the team keyring, so it is unverified."
    if "GOODSIG" not in keys:
        return None, None
    for key, value in statuses:
        if key == "VALIDSIG":
            parts = value.split()
            fingerprint = parts[9] if len(parts) >= 10 else (parts[0] if parts else "")
            return (fingerprint.upper() or None), None
    return None, None


def _failure_reason(statuses: list[tuple[str, str]], status: str, recipients: list[str], home: str) -> str:
    keys = {key for key, _ in statuses}
    named = ", ".join(recipients) if recipients else "an unknown key"
    if "NO_SECKEY" in keys and "DECRYPTION_OKAY" not in keys:
        return (
            f"the message is encrypted to {named}, but no matching secret key is in the keyring at {home}; "
            "import the team key there (security_inbox.pgp.gnupg_home) or ask the reporter to use the published key."
        )
    if "BAD_PASSPHRASE" in keys or "MISSING_PASSPHRASE" in keys:
        return (
            f"the team key ({named}) needs a passphrase and the one given was missing or wrong; "
            "set security_inbox.pgp.passphrase (default env:STEWARD_PGP_PASSPHRASE)."
        )
    if "NODATA" in keys and "BEGIN_DECRYPTION" not in keys:
        return "the encrypted payload holds no OpenPGP data gpg can read; it is kept as received."
    if "BADMDC" in keys:
        return "the encrypted payload failed its integrity check (modified or damaged); it is kept as received."
    detail = status or "no status from gpg"
    return f"gpg could not decrypt the message ({detail}); it is kept as received."


def decrypt(
    message: ParsedMessage | bytes | str,
    *,
    gnupg_home: Path | str | None = None,
    passphrase: str | None = None,
    gpg_binary: str = "gpg",
    max_bytes: int = _LIMITS.part_bytes,
    max_chars: int = _LIMITS.body_chars,
) -> Decrypted:
    """Decrypt a parsed message's encrypted payload, or a raw armored/binary payload, with the team key.

    `gnupg_home` None means gpg's own default (`$GNUPGHOME` or `~/.gnupg`). Never raises.
    """
    try:
        return _decrypt(message, gnupg_home, passphrase or None, gpg_binary, limits=(max_bytes, max_chars))
    except Exception as exc:  # python-gnupg or gpg in a state we did not foresee; the import must go on
        return _failed(f"decryption could not run ({type(exc).__name__}: {exc}); the message is kept encrypted.")


def _decrypt(
    message: ParsedMessage | bytes | str,
    gnupg_home: Path | str | None,
    passphrase: str | None,
    gpg_binary: str,
    *,
    limits: tuple[int, int],
) -> Decrypted:
    max_bytes, max_chars = limits
    if isinstance(message, ParsedMessage):
        if not message.encrypted or message.encrypted_payload is None:
            return _failed("the message is not encrypted (no PGP/MIME part and no inline PGP block).")
        raw = message.encrypted_payload
    elif isinstance(message, str):
        raw = message.encode("utf-8", "replace")
    else:
        raw = bytes(message)
    if len(raw) > max_bytes:
        return _failed(f"the encrypted payload is {len(raw)} bytes, over the {max_bytes}-byte part limit (§10.5).")
    payload = armored_payload(raw)
    if payload is None:
        return _failed("no OpenPGP data was found (no armored PGP MESSAGE block and no binary OpenPGP packets).")

    home = str(Path(gnupg_home).expanduser()) if gnupg_home is not None else None
    if home is not None and not Path(home).is_dir():
        return _failed(f"the gnupg home {home} does not exist; set security_inbox.pgp.gnupg_home to the team keyring.")

    import gnupg  # type: ignore[import-untyped]

    try:
        gpg: Any = gnupg.GPG(gpgbinary=gpg_binary, gnupghome=home, options=list(_NO_NETWORK))
    except (OSError, ValueError, RuntimeError) as exc:
        return _failed(f"gpg could not be started ({exc}); install gnupg (Debian package `gnupg`).")
    extra = [] if passphrase is not None else ["--pinentry-mode", "loopback"]
    result: Any = gpg.decrypt(payload, passphrase=passphrase, extra_args=extra)
    statuses = _statuses(str(getattr(result, "stderr", "") or ""))
    recipients = [i for i in (_long_id(v) for k, v in statuses if k == "ENC_TO") if i]
    decrypting = next((_long_id(v) for k, v in statuses if k == "DECRYPTION_KEY"), None)
    key_id = decrypting or (recipients[0] if recipients else None)
    keys = {key for key, _ in statuses}
    worked = bool(result.ok) and "DECRYPTION_OKAY" in keys and not keys & {"DECRYPTION_FAILED", "BADMDC"}
    if not worked:
        where = home or "$GNUPGHOME or ~/.gnupg"
        return _failed(_failure_reason(statuses, str(result.status or ""), recipients, where), key_id)
    data = result.data if isinstance(result.data, bytes) else str(result.data).encode("utf-8", "replace")
    text, mime = _readable(data, max_chars)
    signer, note = _signature_outcome(statuses)
    return Decrypted(text, signer, key_id, True, note, mime)


__all__ = ["Decrypted", "armored_payload", "decrypt"]
