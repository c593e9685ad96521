"""`mail_provider.drafts_uri: imap://…` sends reporter drafts to the IMAP Drafts folder (a real server on loopback)."""

from __future__ import annotations

import secrets
from pathlib import Path

import pytest
from loopback_services import IMAP_PASSWORD_ENV, IMAP_URI_ENV, required_env

from steward.app import open_app
from steward.comms.drafts import Draft
from steward.comms.imap_sink import ImapDraftSink
from steward.comms.sink import MaildirDraftSink
from steward.services.reporter_drafts import draft_sink, drafts_uri


def _imap() -> tuple[str, str]:
    uri, password = required_env(IMAP_URI_ENV, IMAP_PASSWORD_ENV)
    return uri, password


def test_default_sink_is_the_maildir(project: Path) -> None:
    app = open_app(project / ".steward" / "project.yml")
    try:
        assert drafts_uri(app) == "maildir:.steward/drafts"
        assert isinstance(draft_sink(app), MaildirDraftSink)
    finally:
        app.store.close()


def test_imap_drafts_uri_appends_once(project: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    uri, password = _imap()
    drafts = uri.rsplit("/", 1)[0] + "/Drafts"
    monkeypatch.setenv("STEWARD_IMAP_PASSWORD", password)
    path = project / ".steward" / "project.yml"
    path.write_text(
        path.read_text().replace(
            "  source_uri: maildir:.steward/inbox", f"  source_uri: maildir:.steward/inbox\n  drafts_uri: {drafts}"
        )
    )
    app = open_app(path)
    try:
        sink = draft_sink(app)
        assert isinstance(sink, ImapDraftSink)
        key = secrets.token_hex(16)
        draft = Draft(key=key, to=("rae@mail.example.net",), cc=("security@quill-wort.example.org",),
                      subject="Re: Loader follows symlinks", in_reply_to="<r1@mail.example.net>",
                      references=("<r1@mail.example.net>",), body="TLP:AMBER+STRICT\n\nThanks.\n",
                      headers=(("X-Steward-Key", key),))  # fmt: skip
        first = sink.put(draft)
        assert sink.put(draft) == first
        assert sink.find(key) == first
        assert sink.discard(key)
    finally:
        app.store.close()
