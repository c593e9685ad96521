"""PGP intake (§11.7) against the system gpg, with throwaway keys generated for this test module."""

from __future__ import annotations

import base64
import quopri
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from email.mime.application import MIMEApplication
from email.mime.base import MIMEBase
from email.mime.multipart import MIMEMultipart
from email.mime.text import MIMEText
from email.utils import format_datetime
from pathlib import Path

import gnupg
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from steward.intake.message import ParsedMessage, parse_message
from steward.intake.pgp import armored_payload, decrypt

pytestmark = pytest.mark.skipif(shutil.which("gpg") is None, reason="gpg is not installed")

REPORT = (
    "Hello team, the fictional ExampleWidget 2.3 parser reads past its buffer when a header line is longer "
    "than 4096 bytes. Reproduce: widget-parse < long-header.txt. Marker: zq-cleartext-7c41."
)
MARKER = b"zq-cleartext-7c41"
TEAM_UID = "Fictional Security Team <security@example.org>"
REPORTER_UID = "Avery Example <avery@example.net>"
OTHER_UID = "Someone Else <someone@example.invalid>"
TEAM_PASSPHRASE = "fixed-test-passphrase"


@dataclass(frozen=True)
class Keys:
    team_home: Path
    team_fpr: str
    reporter_fpr: str
    other_home: Path
    other_fpr: str
    locked_home: Path
    locked_fpr: str


def _gen(home: Path, uid: str, passphrase: str = "") -> str:
    home.mkdir(mode=0o700)
    subprocess.run(
        [
            "gpg", "--homedir", str(home), "--batch", "--pinentry-mode", "loopback", "--passphrase", passphrase,
            "--quick-gen-key", uid, "future-default", "default", "never",
        ],
        check=True,
        capture_output=True,
    )  # fmt: skip
    out = subprocess.run(
        ["gpg", "--homedir", str(home), "--batch", "--with-colons", "--list-secret-keys", uid],
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    return next(line.split(":")[9] for line in out.splitlines() if line.startswith("fpr:"))


def _kill_agent(home: Path) -> None:
    subprocess.run(["gpgconf", "--homedir", str(home), "--kill", "all"], check=False, capture_output=True)


@pytest.fixture(scope="module")
def keys() -> Iterator[Keys]:
    # gpg-agent's socket path must stay short, so not pytest's (long) tmp_path.
    root = Path(tempfile.mkdtemp(prefix="stw-gpg-"))
    homes = [root / "team", root / "other", root / "locked"]
    try:
        team_fpr = _gen(homes[0], TEAM_UID)
        reporter_fpr = _gen(root / "reporter", REPORTER_UID)
        homes.append(root / "reporter")
        # The team keyring holds the reporter's key (secret too, so the test can sign with it).
        exported = subprocess.run(
            ["gpg", "--homedir", str(root / "reporter"), "--batch", "--pinentry-mode", "loopback",
             "--passphrase", "", "--export-secret-keys", reporter_fpr],
            check=True, capture_output=True,
        ).stdout  # fmt: skip
        subprocess.run(
            ["gpg", "--homedir", str(homes[0]), "--batch", "--import"], input=exported, check=True, capture_output=True
        )
        other_fpr = _gen(homes[1], OTHER_UID)
        locked_fpr = _gen(homes[2], TEAM_UID, TEAM_PASSPHRASE)
        yield Keys(homes[0], team_fpr, reporter_fpr, homes[1], other_fpr, homes[2], locked_fpr)
    finally:
        for home in homes:
            _kill_agent(home)
        shutil.rmtree(root, ignore_errors=True)


def _encrypt(home: Path, recipient: str, text: str, *, sign: str | None = None) -> str:
    gpg = gnupg.GPG(gnupghome=str(home))
    # No passphrase argument: python-gnupg would otherwise read the passphrase from the data's first line.
    result = gpg.encrypt(text, [recipient], always_trust=True, sign=sign, extra_args=["--pinentry-mode", "loopback"])
    assert result.ok, result.status
    return str(result)


def _mail(body: MIMEBase | MIMEText) -> bytes:
    body["From"] = f"{REPORTER_UID}"
    body["To"] = "security@example.org"
    body["Subject"] = "Encrypted report"
    body["Date"] = format_datetime(datetime(2024, 5, 6, 7, 8, tzinfo=UTC))
    body["Message-ID"] = "<enc-1@example.net>"
    return body.as_bytes()


def _pgp_mime(armored: str, *, inner_cte: str = "7bit") -> bytes:
    outer = MIMEMultipart("encrypted", protocol="application/pgp-encrypted")
    control = MIMEApplication("Version: 1\n", "pgp-encrypted", _encoder=lambda p: None)
    outer.attach(control)
    if inner_cte == "base64":
        part = MIMEApplication(armored.encode("ascii"), "octet-stream", name="encrypted.asc")
    else:
        part = MIMEApplication(armored, "octet-stream", _encoder=lambda p: None, name="encrypted.asc")
    part.add_header("Content-Disposition", "inline", filename="encrypted.asc")
    outer.attach(part)
    return _mail(outer)


def _parsed(raw: bytes) -> ParsedMessage:
    parsed = parse_message(raw)
    assert isinstance(parsed, ParsedMessage)
    assert parsed.encrypted
    return parsed


def test_inline_pgp_is_decrypted_with_the_team_key(keys: Keys) -> None:
    armored = _encrypt(keys.team_home, keys.team_fpr, REPORT)
    raw = _mail(MIMEText(f"Please see below.\n\n{armored}\n", "plain"))
    result = decrypt(_parsed(raw), gnupg_home=keys.team_home)
    assert result.ok, result.reason
    assert result.text == REPORT
    assert result.reason is None
    assert result.signer_fingerprint is None
    assert result.key_id is not None
    assert result.mime is None


@pytest.mark.parametrize("cte", ["7bit", "base64"])
def test_pgp_mime_is_decrypted_and_its_text_part_read(keys: Keys, cte: str) -> None:
    entity = MIMEText(REPORT, "plain", "utf-8")
    armored = _encrypt(keys.team_home, keys.team_fpr, entity.as_string())
    result = decrypt(_parsed(_pgp_mime(armored, inner_cte=cte)), gnupg_home=keys.team_home)
    assert result.ok, result.reason
    assert result.text.strip() == REPORT
    assert result.mime is not None
    assert b"Content-Type: text/plain" in result.mime


def test_signed_message_reports_the_signer_fingerprint(keys: Keys) -> None:
    armored = _encrypt(keys.team_home, keys.team_fpr, REPORT, sign=keys.reporter_fpr)
    result = decrypt(armored, gnupg_home=keys.team_home)
    assert result.ok, result.reason
    assert result.signer_fingerprint == keys.reporter_fpr
    assert result.text == REPORT


def test_signature_by_an_unknown_key_is_decrypted_but_unverified(keys: Keys) -> None:
    # Encrypted to the team key but signed in a keyring the team does not share.
    other = gnupg.GPG(gnupghome=str(keys.other_home))
    team_public = gnupg.GPG(gnupghome=str(keys.team_home)).export_keys(keys.team_fpr)
    other.import_keys(team_public)
    encrypted = other.encrypt(
        REPORT, [keys.team_fpr], always_trust=True, sign=keys.other_fpr, extra_args=["--pinentry-mode", "loopback"]
    )
    assert encrypted.ok, encrypted.status
    result = decrypt(str(encrypted), gnupg_home=keys.team_home)
    assert result.ok
    assert result.signer_fingerprint is None
    assert result.reason is not None
    assert "unverified" in result.reason


def test_wrong_key_is_a_reason_not_an_exception(keys: Keys) -> None:
    armored = _encrypt(keys.other_home, keys.other_fpr, REPORT)
    result = decrypt(armored, gnupg_home=keys.team_home)
    assert not result.ok
    assert result.text == ""
    assert result.reason is not None
    assert "no matching secret key" in result.reason
    assert result.key_id is not None
    assert result.key_id in result.reason


def test_passphrase_protected_team_key(keys: Keys) -> None:
    locked = gnupg.GPG(gnupghome=str(keys.locked_home))
    encrypted = locked.encrypt(REPORT, [keys.locked_fpr], always_trust=True)
    assert encrypted.ok
    good = decrypt(str(encrypted), gnupg_home=keys.locked_home, passphrase=TEAM_PASSPHRASE)
    assert good.ok, good.reason
    assert good.text == REPORT
    _kill_agent(keys.locked_home)  # forget the cached passphrase
    missing = decrypt(str(encrypted), gnupg_home=keys.locked_home)
    assert not missing.ok
    assert missing.reason is not None
    assert "passphrase" in missing.reason


def test_unencrypted_message_and_missing_home_are_reasons(keys: Keys, tmp_path: Path) -> None:
    raw = _mail(MIMEText("plain text only", "plain"))
    parsed = parse_message(raw)
    assert isinstance(parsed, ParsedMessage)
    assert not decrypt(parsed, gnupg_home=keys.team_home).ok
    armored = _encrypt(keys.team_home, keys.team_fpr, REPORT)
    missing = decrypt(armored, gnupg_home=tmp_path / "no-such-home")
    assert not missing.ok
    assert missing.reason is not None
    assert "does not exist" in missing.reason
    assert not (tmp_path / "no-such-home").exists()
    assert not decrypt(armored, gnupg_home=keys.team_home, gpg_binary="/nonexistent/gpg").ok


def test_oversized_payload_is_refused(keys: Keys) -> None:
    armored = _encrypt(keys.team_home, keys.team_fpr, REPORT)
    result = decrypt(armored, gnupg_home=keys.team_home, max_bytes=100)
    assert not result.ok
    assert result.reason is not None
    assert "limit" in result.reason


def _files_containing(root: Path, needle: bytes) -> list[Path]:
    hits = []
    for path in root.rglob("*"):
        try:
            if path.is_file() and not path.is_symlink() and needle in path.read_bytes():
                hits.append(path)
        except OSError:
            continue
    return hits


def test_cleartext_is_never_written_to_disk(keys: Keys, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    scratch = tmp_path / "tmp"
    scratch.mkdir()
    monkeypatch.setenv("TMPDIR", str(scratch))
    monkeypatch.setattr(tempfile, "tempdir", str(scratch))
    armored = _encrypt(keys.team_home, keys.team_fpr, REPORT)
    inline = decrypt(armored, gnupg_home=keys.team_home)
    mime = decrypt(_parsed(_pgp_mime(_encrypt(keys.team_home, keys.team_fpr, REPORT))), gnupg_home=keys.team_home)
    assert inline.ok
    assert mime.ok
    assert MARKER in inline.text.encode()
    for root in (keys.team_home, tmp_path, scratch):
        assert _files_containing(root, MARKER) == []


# ------------------------------------------------------------------------------------------ payload unwrapping


def test_armored_payload_handles_every_transfer_encoding() -> None:
    armor = b"-----BEGIN PGP MESSAGE-----\n\nhQEMA1234=\n=abcd\n-----END PGP MESSAGE-----"
    assert armored_payload(b"junk before\n" + armor + b"\ntrailing") == armor
    assert armored_payload(base64.encodebytes(armor)) == armor
    assert armored_payload(armor.replace(b"=", b"=3D")) == armor
    checksum_like_qp = b"-----BEGIN PGP MESSAGE-----\n\nhQEMA1234==\n=3Dab\n-----END PGP MESSAGE-----"
    assert armored_payload(checksum_like_qp) == checksum_like_qp
    assert armored_payload(b"\x85\x01\x0c binary packet") == b"\x85\x01\x0c binary packet"
    assert armored_payload(b"just some words") is None
    assert armored_payload(b"") is None


@given(st.binary(max_size=200))
def test_armored_payload_never_raises(data: bytes) -> None:
    found = armored_payload(data)
    assert found is None or isinstance(found, bytes)


@given(st.binary(min_size=1, max_size=120))
def test_armored_payload_round_trips_base64(body: bytes) -> None:
    armor = b"-----BEGIN PGP MESSAGE-----\n\n" + base64.b64encode(body) + b"\n-----END PGP MESSAGE-----"
    assert armored_payload(base64.encodebytes(armor)) == armor
    assert armored_payload(armor) == armor
    assert armored_payload(quopri.encodestring(armor)) == armor


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.one_of(st.text(max_size=300), st.binary(max_size=300)))
def test_decrypt_never_raises_on_garbage(keys: Keys, data: str | bytes) -> None:
    result = decrypt(data, gnupg_home=keys.team_home)
    assert not result.ok
    assert result.reason
