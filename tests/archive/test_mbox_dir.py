"""mbox-dir against real mbox files written by the stdlib `mailbox` module (fictional example.org mail)."""

from __future__ import annotations

import mailbox
from datetime import UTC, datetime
from email.message import EmailMessage
from email.utils import format_datetime
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from steward.archive.interface import ArchiveError
from steward.archive.mbox_dir import MboxDirArchive

SINCE = datetime(2026, 3, 1, tzinfo=UTC)


def message(mid: str, subject: str, when: datetime, body: str = "Hello.\n", **headers: str) -> EmailMessage:
    msg = EmailMessage()
    msg["From"] = "Alex Reporter <alex@Example.NET>"
    msg["To"] = "security@widget.example.org"
    msg["Subject"] = subject
    msg["Date"] = format_datetime(when)
    msg["Message-ID"] = mid
    for name, value in headers.items():
        msg[name.replace("_", "-")] = value
    msg.set_content(body)
    return msg


def write_mbox(path: Path, *messages: EmailMessage) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    box = mailbox.mbox(str(path))
    for msg in messages:
        box.add(msg)
    box.flush()
    box.close()
    return path


@pytest.fixture
def archive(tmp_path: Path) -> MboxDirArchive:
    march = datetime(2026, 3, 18, 9, 0, tzinfo=UTC)
    write_mbox(
        tmp_path / "security" / "2026" / "03.mbox",
        message("<report-1@mail.example.org>", "Path traversal in upload", march, "From the start: ../../etc\n"),
        message(
            "<reply-1@widget.example.org>",
            "Re: Path traversal in upload",
            datetime(2026, 3, 19, tzinfo=UTC),
            In_Reply_To="<report-1@mail.example.org>",
            References="<report-1@mail.example.org>",
        ),
    )
    write_mbox(
        tmp_path / "security" / "2025.mbox",
        message("<old-1@mail.example.org>", "Old thread", datetime(2025, 6, 1, tzinfo=UTC)),
    )
    write_mbox(
        tmp_path / "announce" / "2026.mbox",
        message("<cve-2026-12@widget.example.org>", "[ANNOUNCE] CVE-2026-12: XSS", datetime(2026, 3, 20, tzinfo=UTC)),
        message(
            "<cve-2026-1@widget.example.org>",
            "[ANNOUNCE] Widget 2.4.1 security release",
            datetime(2026, 3, 21, tzinfo=UTC),
            "Widget 2.4.1 fixes CVE-2026-1, a path traversal.\n",
        ),
    )
    return MboxDirArchive(tmp_path)


def test_list_recent_reads_the_lists_subfolder_since_the_date(archive: MboxDirArchive) -> None:
    entries = list(archive.list_recent("security@widget.example.org", SINCE))
    assert [e.message_id for e in entries] == ["<report-1@mail.example.org>", "<reply-1@widget.example.org>"]
    first, reply = entries
    assert first.subject == "Path traversal in upload"
    assert first.from_addr == "alex@example.net"
    assert first.date == datetime(2026, 3, 18, 9, 0, tzinfo=UTC)
    assert first.permalink is None
    assert first.list_address == "security@widget.example.org"
    assert reply.in_reply_to == "<report-1@mail.example.org>"
    assert reply.references == ("<report-1@mail.example.org>",)


def test_older_messages_are_listed_with_an_earlier_since(archive: MboxDirArchive) -> None:
    ids = {e.message_id for e in archive.list_recent("security@widget.example.org", datetime(2025, 1, 1))}
    assert "<old-1@mail.example.org>" in ids


def test_single_list_layout_reads_the_whole_folder(tmp_path: Path) -> None:
    write_mbox(tmp_path / "all.mbox", message("<a@example.org>", "One", datetime(2026, 3, 2, tzinfo=UTC)))
    entries = list(MboxDirArchive(tmp_path).list_recent("security@widget.example.org", SINCE))
    assert [e.message_id for e in entries] == ["<a@example.org>"]


def test_maildir_folders_are_read(tmp_path: Path) -> None:
    (tmp_path / "security").mkdir()
    box = mailbox.Maildir(str(tmp_path / "security" / "inbox"), create=True)
    box.add(message("<md-1@example.org>", "From a maildir", datetime(2026, 3, 3, tzinfo=UTC)))
    box.close()
    entries = list(MboxDirArchive(tmp_path).list_recent("security@widget.example.org", SINCE))
    assert [e.message_id for e in entries] == ["<md-1@example.org>"]
    raw = MboxDirArchive(tmp_path).fetch_raw("md-1@example.org")
    assert raw is not None and b"Subject: From a maildir" in raw


def test_fetch_raw_returns_one_message_with_from_quoting_undone(archive: MboxDirArchive) -> None:
    raw = archive.fetch_raw("<report-1@mail.example.org>")
    assert raw is not None
    assert raw.startswith(b"From: Alex Reporter")
    assert b"\nFrom the start: ../../etc" in raw
    assert b"reply-1@" not in raw
    assert archive.fetch_raw("<nobody@example.org>") is None
    assert archive.fetch_raw("") is None


def test_fetch_raw_is_cut_at_the_size_bound(tmp_path: Path) -> None:
    write_mbox(
        tmp_path / "big.mbox", message("<big@example.org>", "Big", datetime(2026, 3, 2, tzinfo=UTC), "x" * 50000)
    )
    raw = MboxDirArchive(tmp_path, raw_bytes=1000).fetch_raw("<big@example.org>")
    assert raw is not None and len(raw) == 1000


def test_header_parse_reads_only_the_head_bound(tmp_path: Path) -> None:
    padded = message("<late@example.org>", "Late", datetime(2026, 3, 2, tzinfo=UTC))
    del padded["Message-ID"]
    padded["X-Padding"] = "p" * 70000
    padded["Message-ID"] = "<late@example.org>"
    write_mbox(tmp_path / "a.mbox", padded, message("<next@example.org>", "Next", datetime(2026, 3, 3, tzinfo=UTC)))
    ids = [e.message_id for e in MboxDirArchive(tmp_path).list_recent("l@example.org", SINCE)]
    assert ids == ["<next@example.org>"]  # its Message-ID lies past 64 KiB: skipped, and the next one still read


def test_search_matches_subject_or_body(archive: MboxDirArchive) -> None:
    lists = "security@widget.example.org"
    assert [e.message_id for e in archive.search(lists, "path TRAVERSAL", SINCE)] == [
        "<report-1@mail.example.org>",
        "<reply-1@widget.example.org>",
    ]
    assert [e.message_id for e in archive.search(lists, "etc", SINCE)] == ["<report-1@mail.example.org>"]
    assert archive.search(lists, "   ", SINCE) == []


def test_announcement_is_found_by_exact_cve_id(archive: MboxDirArchive) -> None:
    found = archive.find_announcement("CVE-2026-1", ["announce@widget.example.org"], SINCE)
    assert found is not None and found.message_id == "<cve-2026-1@widget.example.org>"
    twelve = archive.find_announcement("CVE-2026-12", ["announce@widget.example.org"], SINCE)
    assert twelve is not None and twelve.message_id == "<cve-2026-12@widget.example.org>"
    assert archive.find_announcement("CVE-2026-2", ["announce@widget.example.org"], SINCE) is None
    assert archive.resolve_announcement("CVE-2026-1", ["announce@widget.example.org"], SINCE) is None
    assert archive.permalink("<cve-2026-1@widget.example.org>") is None


def test_a_missing_folder_is_an_archive_error(tmp_path: Path) -> None:
    with pytest.raises(ArchiveError, match=r"archive_system\.path"):
        list(MboxDirArchive(tmp_path / "gone").list_recent("l@example.org", SINCE))


@settings(max_examples=60, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.binary(max_size=4000), st.booleans())
def test_listing_never_crashes_on_arbitrary_bytes(tmp_path: Path, data: bytes, with_from: bool) -> None:
    path = tmp_path / "fuzz.mbox"
    path.write_bytes((b"From x@example.org Sat Mar  1 00:00:00 2026\n" if with_from else b"") + data)
    archive = MboxDirArchive(tmp_path, head_bytes=512)
    try:
        entries = list(archive.list_recent("l@example.org", datetime(1970, 1, 2, tzinfo=UTC)))
        for entry in entries:
            assert entry.message_id.startswith("<") and entry.message_id.endswith(">")
            assert archive.fetch_raw(entry.message_id) is not None
    except ArchiveError:
        pass
