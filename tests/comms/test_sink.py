"""The Maildir draft sink: RFC 5322 files, owner-only, draft-flagged, idempotent by key, crash-safe."""

from __future__ import annotations

import os
import stat
from email import message_from_bytes, policy
from email.message import EmailMessage
from pathlib import Path

import pytest

from steward.comms.drafts import KEY_HEADER, RETHREAD_HEADER, Draft
from steward.comms.sink import DraftSink, MaildirDraftSink, to_message
from steward.errors import OperationFailed, UsageError

KEY = "0123456789abcdef0123456789abcdef"


def make_draft(key: str = KEY, body: str = "TLP:AMBER+STRICT\n\nThe fix has been merged.\n") -> Draft:
    return Draft(
        key=key,
        to=("alex@example.net",),
        cc=("security@widget.example.org",),
        subject="Re: XSS in the widget",
        in_reply_to="<second@example.org>",
        references=("<root@example.net>", "<second@example.org>"),
        body=body,
        headers=((KEY_HEADER, key),),
    )


def drafts_in(sink: MaildirDraftSink) -> list[Path]:
    return [p for sub in ("cur", "new") for p in (sink.folder / sub).iterdir() if not p.name.startswith(".")]


def test_put_writes_an_rfc5322_draft(tmp_path: Path) -> None:
    sink = MaildirDraftSink(tmp_path / "drafts")
    sink_id = sink.put(make_draft())
    [path] = drafts_in(sink)
    assert path.parent.name == "cur"
    assert path.name == f"{sink_id}:2,D"
    parsed = message_from_bytes(path.read_bytes(), policy=policy.default)
    assert parsed["To"] == "alex@example.net"
    assert parsed["Cc"] == "security@widget.example.org"
    assert parsed["Subject"] == "Re: XSS in the widget"
    assert parsed["In-Reply-To"] == "<second@example.org>"
    assert parsed["References"] == "<root@example.net> <second@example.org>"
    assert parsed[KEY_HEADER] == KEY
    assert len(parsed.get_all(KEY_HEADER) or []) == 1
    assert isinstance(parsed, EmailMessage)
    assert parsed.get_content().startswith("TLP:AMBER+STRICT")


def test_files_and_dirs_are_owner_only(tmp_path: Path) -> None:
    sink = MaildirDraftSink(tmp_path / "drafts")
    sink.put(make_draft())
    [path] = drafts_in(sink)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    for directory in (sink.root, sink.folder, sink.folder / "cur", sink.folder / "tmp", sink.root / "cur"):
        assert stat.S_IMODE(directory.stat().st_mode) == 0o700


def test_put_twice_is_idempotent(tmp_path: Path) -> None:
    sink = MaildirDraftSink(tmp_path / "drafts")
    first = sink.put(make_draft())
    second = sink.put(make_draft(body="TLP:AMBER+STRICT\n\nA different text.\n"))
    assert first == second
    assert len(drafts_in(sink)) == 1
    assert sink.find(KEY) == first
    assert MaildirDraftSink(tmp_path / "drafts").put(make_draft()) == first


def test_crash_between_tmp_write_and_rename(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    sink = MaildirDraftSink(tmp_path / "drafts")

    def crash(src: object, dst: object) -> None:
        raise OSError("simulated crash before rename")

    with monkeypatch.context() as patched:
        patched.setattr(os, "rename", crash)
        with pytest.raises(OperationFailed):
            sink.put(make_draft())
    assert drafts_in(sink) == []
    assert len(list((sink.folder / "tmp").iterdir())) == 1
    assert sink.find(KEY) is None
    sink_id = sink.put(make_draft())
    assert sink.put(make_draft()) == sink_id
    assert len(drafts_in(sink)) == 1
    assert list((sink.folder / "tmp").iterdir()) == []


def test_crash_after_rename_is_found_again(tmp_path: Path) -> None:
    sink = MaildirDraftSink(tmp_path / "drafts")
    sink_id = sink.put(make_draft())
    # A rerun after a crash that happened once the file was in place: the header search finds it.
    moved = sink.folder / "new" / f"{sink_id}"
    drafts_in(sink)[0].rename(moved)
    assert sink.put(make_draft()) == sink_id
    assert len(drafts_in(sink)) == 1


def test_list_find_and_discard(tmp_path: Path) -> None:
    sink = MaildirDraftSink(tmp_path / "drafts")
    other = "f" * 32
    first = sink.put(make_draft())
    unthreaded = Draft(other, ("alex@example.net",), (), "Re: x", None, (), "TLP:CLEAR\n", ((RETHREAD_HEADER, "yes"),))
    second = sink.put(unthreaded)
    listed = {d.key: d for d in sink.list()}
    assert set(listed) == {KEY, other}
    assert listed[KEY].sink_id == first
    assert not listed[KEY].needs_rethreading
    assert listed[other].sink_id == second
    assert listed[other].needs_rethreading
    assert sink.discard(KEY)
    assert not sink.discard(KEY)
    assert sink.find(KEY) is None
    assert [d.key for d in sink.list()] == [other]


def test_foreign_drafts_are_ignored(tmp_path: Path) -> None:
    sink = MaildirDraftSink(tmp_path / "drafts")
    sink.put(make_draft())
    (sink.folder / "cur" / "123.hand-written.host:2,D").write_bytes(b"To: a@example.org\nSubject: mine\n\nhi\n")
    assert [d.key for d in sink.list()] == [KEY]
    assert sink.find("0" * 32) is None


def test_sink_satisfies_the_port(tmp_path: Path) -> None:
    sink: DraftSink = MaildirDraftSink(tmp_path / "drafts")
    assert sink.list() == []


def test_header_values_cannot_inject(tmp_path: Path) -> None:
    draft = Draft(
        KEY,
        ("alex@example.net",),
        (),
        "Re: hi\r\nBcc: victim@example.org",
        "<a@example.org>\nX-Evil: 1",
        ("<a@example.org>",),
        "body\n",
        ((KEY_HEADER, KEY), ("X-Note", "one\rtwo")),
    )
    parsed = message_from_bytes(to_message(draft).as_bytes(), policy=policy.default)
    assert "Bcc" not in parsed
    assert "X-Evil" not in parsed
    assert parsed["Subject"] == "Re: hi Bcc: victim@example.org"
    assert parsed["X-Note"] == "one two"


@pytest.mark.parametrize("name", ["Bcc", "to", "Subject", ": "])
def test_extra_headers_cannot_replace_addressing(name: str) -> None:
    draft = Draft(KEY, ("alex@example.net",), (), "Re: x", None, (), "body\n", ((name, "victim@example.org"),))
    with pytest.raises(UsageError):
        to_message(draft)
