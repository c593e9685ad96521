"""Mail sources: mbox and maildir read lazily, one bad message never stops the rest, URIs checked up front."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from hostile_corpus import build

from steward.errors import UsageError
from steward.intake.message import Limits, ParsedMessage, Unparsable
from steward.intake.sources import (
    MaildirSource,
    MboxSource,
    SourceItem,
    header_message_id,
    open_source,
    parse_item,
)


def mbox_bytes(*messages: bytes) -> bytes:
    out = b""
    for raw in messages:
        text = raw.replace(b"\r\n", b"\n")
        text += b"" if text.endswith(b"\n") else b"\n"
        out += b"From jane@example.org Tue Oct  1 10:00:00 2024\n" + text + b"\n"
    return out


def make_maildir(root: Path, files: dict[str, bytes]) -> Path:
    for sub in ("cur", "new", "tmp"):
        (root / sub).mkdir(parents=True, exist_ok=True)
    for name, raw in files.items():
        (root / name).write_bytes(raw)
    return root


def test_mbox_yields_each_message_once(tmp_path: Path) -> None:
    path = tmp_path / "inbox.mbox"
    body = "line one\n>From the start of a line\nFrom inside a paragraph\n"
    path.write_bytes(mbox_bytes(build(message_id="<one@example.org>"), build(body, message_id="<two@example.org>")))
    items = list(MboxSource(path).iter_messages())
    assert [header_message_id(i.raw) for i in items] == ["<one@example.org>", "<two@example.org>"]
    assert all(i.error is None for i in items)
    second = parse_item(items[1])
    assert isinstance(second, ParsedMessage)
    assert second.body_text == "line one\nFrom the start of a line\nFrom inside a paragraph\n"
    assert items[0].key == "offset:0" and items[1].key.startswith("offset:")


def test_mbox_is_lazy(tmp_path: Path) -> None:
    path = tmp_path / "inbox.mbox"
    path.write_bytes(mbox_bytes(*(build(message_id=f"<m{i}@example.org>") for i in range(3))))
    iterator = MboxSource(path).iter_messages()
    first = next(iterator)
    assert header_message_id(first.raw) == "<m0@example.org>"
    assert len(list(iterator)) == 2


def test_oversized_mbox_message_is_an_error_item_and_iteration_goes_on(tmp_path: Path) -> None:
    path = tmp_path / "inbox.mbox"
    path.write_bytes(
        mbox_bytes(build("x" * 5000, message_id="<big@example.org>"), build(message_id="<ok@example.org>"))
    )
    items = list(MboxSource(path, max_bytes=2000).iter_messages())
    assert items[0].error is not None and "2000-byte per-message limit" in items[0].error
    assert items[0].size > 2000 and len(items[0].raw) <= 2000
    verdict = parse_item(items[0])
    assert isinstance(verdict, Unparsable) and verdict.message_id == "<big@example.org>"
    assert items[1].error is None and header_message_id(items[1].raw) == "<ok@example.org>"


def test_mbox_with_leading_garbage_reports_it(tmp_path: Path) -> None:
    path = tmp_path / "inbox.mbox"
    path.write_bytes(b"not an mbox line\n" + mbox_bytes(build()))
    items = list(MboxSource(path).iter_messages())
    assert items[0].error is not None and "before its first From line" in items[0].error
    assert items[1].error is None


def test_mbox_fetch_by_message_id(tmp_path: Path) -> None:
    path = tmp_path / "inbox.mbox"
    path.write_bytes(mbox_bytes(build(message_id="<a@example.org>"), build(message_id="<b@example.org>")))
    source = MboxSource(path)
    found = source.fetch("b@example.org")
    assert found is not None and header_message_id(found.raw) == "<b@example.org>"
    assert source.fetch("<missing@example.org>") is None
    assert source.fetch("") is None


def test_missing_mbox_file_is_one_error_item(tmp_path: Path) -> None:
    (item,) = list(MboxSource(tmp_path / "gone.mbox").iter_messages())
    assert item.error is not None and "cannot open" in item.error


def test_maildir_reads_cur_and_new_not_tmp(tmp_path: Path) -> None:
    root = make_maildir(
        tmp_path / "md",
        {
            "cur/1.host:2,S": build(message_id="<cur@example.org>"),
            "new/2.host": build(message_id="<new@example.org>"),
            "tmp/3.host": build(message_id="<tmp@example.org>"),
            "new/.hidden": b"junk",
        },
    )
    items = list(MaildirSource(root).iter_messages())
    assert [i.key for i in items] == ["cur/1.host:2,S", "new/2.host"]
    assert MaildirSource(root).fetch("<new@example.org>") is not None
    assert MaildirSource(root).fetch("<tmp@example.org>") is None


@pytest.mark.skipif(os.geteuid() == 0, reason="root reads unreadable files")
def test_unreadable_maildir_file_does_not_stop_iteration(tmp_path: Path) -> None:
    root = make_maildir(tmp_path / "md", {"cur/a": build(), "cur/b": build(), "cur/c": build()})
    (root / "cur" / "b").chmod(0)
    items = list(MaildirSource(root).iter_messages())
    assert [i.error is None for i in items] == [True, False, True]


def test_vanished_maildir_file_does_not_stop_iteration(tmp_path: Path) -> None:
    root = make_maildir(tmp_path / "md", {"cur/a": build(), "cur/c": build()})
    (root / "cur" / "b").symlink_to(tmp_path / "nowhere")
    items = list(MaildirSource(root).iter_messages())
    assert [i.key for i in items] == ["cur/a", "cur/b", "cur/c"]
    assert [i.error is None for i in items] == [True, False, True]
    assert items[1].error is not None and "cannot read" in items[1].error


def test_maildir_directory_entry_is_skipped_and_oversize_flagged(tmp_path: Path) -> None:
    root = make_maildir(tmp_path / "md", {"cur/big": build("y" * 5000), "new/ok": build()})
    (root / "cur" / "subdir").mkdir()
    items = list(MaildirSource(root, max_bytes=1000).iter_messages())
    assert [i.key for i in items] == ["cur/big", "new/ok"]
    assert items[0].error is not None and items[1].error is None
    assert isinstance(parse_item(items[1], limits=Limits()), ParsedMessage)


def test_parse_item_of_error_item_is_unparsable() -> None:
    verdict = parse_item(SourceItem("k", b"", 0, "cannot read k"))
    assert verdict == Unparsable("cannot read k", 0, None)


def test_open_source(tmp_path: Path) -> None:
    mbox = tmp_path / "inbox.mbox"
    mbox.write_bytes(mbox_bytes(build()))
    maildir = make_maildir(tmp_path / "md", {})
    assert isinstance(open_source(f"mbox:{mbox}"), MboxSource)
    assert isinstance(open_source(f"maildir:{maildir}"), MaildirSource)


@pytest.mark.parametrize(
    ("uri", "fragment"),
    [
        ("imap://mail.example.org/INBOX", "needs both a user and a host"),
        ("pop3://mail.example.org", "is not understood"),
        ("/just/a/path", "is not understood"),
        ("mbox:", "names no path"),
        ("mbox:/nonexistent/inbox.mbox", "is not a readable mbox file"),
        ("maildir:/nonexistent/md", "is not a maildir"),
    ],
)
def test_open_source_errors(uri: str, fragment: str) -> None:
    with pytest.raises(UsageError, match=fragment):
        open_source(uri)


def test_imap_password_never_from_the_uri(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("STEWARD_IMAP_PASSWORD", raising=False)
    with pytest.raises(UsageError, match="STEWARD_IMAP_PASSWORD"):
        open_source("imaps://alex@mail.example.org/INBOX")


def test_maildir_without_cur_or_new_is_refused(tmp_path: Path) -> None:
    with pytest.raises(UsageError, match="not a maildir"):
        open_source(f"maildir:{tmp_path}")
