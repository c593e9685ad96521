"""§11.7 at import: an encrypted report is decrypted with the team key and its cleartext lands only in the store."""

from __future__ import annotations

import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from datetime import UTC, datetime
from email.message import EmailMessage
from email.utils import format_datetime
from pathlib import Path

import gnupg
import pytest

from steward.app import App, open_app
from steward.intake.sources import MboxSource
from steward.services.import_mail import gather
from steward.services.import_mail_apply import apply_import
from steward.services.import_window import choose_window
from steward.services.project_init import init_project
from steward.services.selector import parse_selection

pytestmark = pytest.mark.skipif(shutil.which("gpg") is None, reason="gpg is not installed")

MARKER = "zq-import-cleartext-5b2e"
REPORT = (
    "Hello team, the fictional Bench Widget 1.2 template loader in benchwidget/loader.py reads files outside "
    f"its root when a template name holds ../ sequences. Reproduce: load ../../etc/hosts. Marker: {MARKER}."
)
TEAM_UID = "Fictional Security Team <security@bench.example.org>"


FINGERPRINTS: dict[Path, str] = {}


def _gen(home: Path, uid: str) -> str:
    home.mkdir(mode=0o700)
    subprocess.run(
        ["gpg", "--homedir", str(home), "--batch", "--pinentry-mode", "loopback", "--passphrase", "",
         "--quick-gen-key", uid, "future-default", "default", "never"],
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


@pytest.fixture(scope="module")
def team_home() -> Iterator[Path]:
    # gpg-agent's socket path must stay short, so not pytest's (long) tmp_path.
    root = Path(tempfile.mkdtemp(prefix="stw-gpgi-"))
    try:
        FINGERPRINTS[root / "team"] = _gen(root / "team", TEAM_UID)
        yield root / "team"
    finally:
        subprocess.run(["gpgconf", "--homedir", str(root / "team"), "--kill", "all"], check=False, capture_output=True)
        shutil.rmtree(root, ignore_errors=True)


def _encrypted_mail(home: Path, text: str, message_id: str) -> bytes:
    armored = gnupg.GPG(gnupghome=str(home)).encrypt(
        text, ["security@bench.example.org"], always_trust=True, extra_args=["--pinentry-mode", "loopback"]
    )
    assert armored.ok, armored.status
    mail = EmailMessage()
    mail["From"] = "Avery Example <avery@mail.example.net>"
    mail["To"] = "security@bench.example.org"
    mail["Subject"] = "Loader reads files outside the template root"
    mail["Date"] = format_datetime(datetime(2099, 1, 2, 3, 4, tzinfo=UTC))
    mail["Message-ID"] = message_id
    mail.set_content(str(armored))
    return mail.as_bytes()


def _project(root: Path, team_home: Path, *, enabled: bool = True) -> App:
    init_project(
        root,
        profile="independent",
        name="Bench Widget",
        security_list="security@bench.example.org",
        identity="bench",
        env={},
        remember=False,
    )
    config = root / ".steward" / "project.yml"
    text = config.read_text(encoding="utf-8")
    text = text.replace(
        "  package_name: bench-widget\n",
        "  package_name: bench-widget\n  security_model_url: https://bench.example.org/model\n",
    ).replace(
        "security_inbox:\n  address: security@bench.example.org\n",
        "security_inbox:\n  address: security@bench.example.org\n"
        f"  pgp:\n    enabled: {'true' if enabled else 'false'}\n    gnupg_home: {team_home}\n"
        f"    key_fingerprint: {FINGERPRINTS[team_home]}\n"
        "    passphrase: env:STEWARD_TEST_PGP_PASSPHRASE\n",
    )
    assert "pgp:" in text
    config.write_text(text, encoding="utf-8")
    return open_app(config, env={"STEWARD_IDENTITY": "bench"})


def _mbox(path: Path, mails: list[bytes]) -> Path:
    with path.open("wb") as out:
        for data in mails:
            out.write(b"From avery@mail.example.net Thu Jan  1 00:00:00 2099\n")
            out.write(data.replace(b"\r\n", b"\n").replace(b"\nFrom ", b"\n>From "))
            out.write(b"\n\n")
    return path


def _files_holding(root: Path, needle: bytes, *, besides: Path) -> list[Path]:
    return [p for p in root.rglob("*") if p.is_file() and p != besides and needle in p.read_bytes()]


def test_encrypted_report_is_decrypted_into_the_tracker_only(team_home: Path, tmp_path: Path) -> None:
    project = tmp_path / "project"
    project.mkdir()
    app = _project(project, team_home)
    try:
        mbox = _mbox(tmp_path / "in.mbox", [_encrypted_mail(team_home, REPORT, "<enc-import-1@mail.example.net>")])
        proposal = gather(app, MboxSource(mbox), "mbox:in", choose_window(app, since="2000-01-01"))
        assert len(proposal.items) == 1
        item = proposal.items[0]
        assert item.candidate.action == "create"
        assert item.root.encrypted
        result = apply_import(app, proposal, parse_selection("all"))
        assert [a.action for a in result.applied] == ["create"]
        with app.store.read(app.slug) as reader:
            (tracker,) = reader.list_trackers()
        assert MARKER in tracker.body
        store = project / ".steward" / "steward.db"
        assert store.exists()
    finally:
        app.store.close()
    assert _files_holding(project, MARKER.encode(), besides=store) == []
    assert _files_holding(project, b"received encrypted", besides=store) == []  # the rollup lives in the store


def test_rollup_notes_received_encrypted(team_home: Path, tmp_path: Path) -> None:
    project = tmp_path / "project"
    project.mkdir()
    app = _project(project, team_home)
    try:
        mbox = _mbox(tmp_path / "in.mbox", [_encrypted_mail(team_home, REPORT, "<enc-import-2@mail.example.net>")])
        proposal = gather(app, MboxSource(mbox), "mbox:in", choose_window(app, since="2000-01-01"))
        apply_import(app, proposal, parse_selection("all"))
        with app.store.read(app.slug) as reader:
            (tracker,) = reader.list_trackers()
            texts = [tracker.body, *(c.body for c in reader.list_comments(tracker.number))]
    finally:
        app.store.close()
    assert any("received encrypted" in text for text in texts)


def test_failed_decryption_is_a_proposal_note(team_home: Path, tmp_path: Path) -> None:
    other = Path(tempfile.mkdtemp(prefix="stw-gpgo-"))
    try:
        _gen(other / "k", "Someone Else <someone@example.invalid>")
        armored = gnupg.GPG(gnupghome=str(other / "k")).encrypt(
            REPORT, ["someone@example.invalid"], always_trust=True, extra_args=["--pinentry-mode", "loopback"]
        )
        assert armored.ok
    finally:
        subprocess.run(["gpgconf", "--homedir", str(other / "k"), "--kill", "all"], check=False, capture_output=True)
        shutil.rmtree(other, ignore_errors=True)
    mail = EmailMessage()
    mail["From"] = "Avery Example <avery@mail.example.net>"
    mail["To"] = "security@bench.example.org"
    mail["Subject"] = "Encrypted to the wrong key"
    mail["Date"] = format_datetime(datetime(2099, 1, 2, 3, 4, tzinfo=UTC))
    mail["Message-ID"] = "<enc-import-3@mail.example.net>"
    mail.set_content(str(armored))
    project = tmp_path / "project"
    project.mkdir()
    app = _project(project, team_home)
    try:
        mbox = _mbox(tmp_path / "in.mbox", [mail.as_bytes()])
        proposal = gather(app, MboxSource(mbox), "mbox:in", choose_window(app, since="2000-01-01"))
    finally:
        app.store.close()
    candidates = [p.candidate for p in proposal.items] + [s.candidate for s in proposal.skipped if s.candidate]
    assert candidates
    assert any(r.startswith("PGP decryption failed") for c in candidates for r in c.reasons)
    assert MARKER not in repr(candidates)


def test_disabled_pgp_leaves_the_message_encrypted(team_home: Path, tmp_path: Path) -> None:
    project = tmp_path / "project"
    project.mkdir()
    app = _project(project, team_home, enabled=False)
    try:
        mbox = _mbox(tmp_path / "in.mbox", [_encrypted_mail(team_home, REPORT, "<enc-import-4@mail.example.net>")])
        proposal = gather(app, MboxSource(mbox), "mbox:in", choose_window(app, since="2000-01-01"))
    finally:
        app.store.close()
    assert MARKER not in repr(proposal)
