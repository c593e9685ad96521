"""The IMAP draft sink against the loopback server `make test` starts: idempotent by X-Steward-Key, \\Draft-flagged.

Needs STEWARD_TEST_IMAP_URI and STEWARD_TEST_IMAP_PASSWORD; skipped locally without them, failed under CI=true.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from email import policy
from email.message import EmailMessage
from email.parser import BytesHeaderParser
from typing import Any

import pytest
from loopback_services import ImapServer as Server
from loopback_services import imap_server

from steward.comms.drafts import KEY_HEADER, RETHREAD_HEADER, Draft
from steward.comms.imap_sink import DRAFTS_FOLDER, ImapDraftSink
from steward.comms.sink import DraftSink, to_message
from steward.errors import UsageError


def _key() -> str:
    return uuid.uuid4().hex


def make_draft(key: str, *, threaded: bool = True, subject: str = "Re: Overflow in ExampleWidget") -> Draft:
    return Draft(
        key=key,
        to=("avery@example.net",),
        cc=("security@example.org",),
        subject=subject,
        in_reply_to="<second@example.net>" if threaded else None,
        references=("<root@example.net>", "<second@example.net>") if threaded else (),
        body="TLP:AMBER+STRICT\n\nThe fix has been merged.\n",
        headers=((KEY_HEADER, key),) if threaded else ((KEY_HEADER, key), (RETHREAD_HEADER, "yes")),
    )


def test_bad_keys_are_refused_before_any_connection() -> None:
    sink = ImapDraftSink("127.0.0.1", 1, "alex", "pw", tls=False)
    for key in ("", "has space", 'quo"te', "a\r\nX-Evil: 1", "x" * 201):
        with pytest.raises(UsageError, match="not a draft key"):
            sink.find(key)
        with pytest.raises(UsageError, match="not a draft key"):
            sink.put(make_draft(key))


def test_the_sink_satisfies_the_port() -> None:
    sink: DraftSink = ImapDraftSink("127.0.0.1", 1, "alex", "pw", tls=False)
    assert "pw" not in repr(sink)


# ------------------------------------------------------------------------------------------ integration


@pytest.fixture
def server() -> Server:
    return imap_server()


@pytest.fixture
def folder(server: Server) -> Iterator[str]:
    """A drafts folder of the test's own (the sink creates it on first write)."""
    name = f"steward-drafts-{uuid.uuid4().hex[:10]}"
    yield name
    client = server.client()
    try:
        if client.folder_exists(name):
            client.delete_folder(name)
    finally:
        client.logout()


def _contents(server: Server, folder: str) -> dict[int, tuple[tuple[bytes, ...], EmailMessage]]:
    client = server.client()
    try:
        client.select_folder(folder, readonly=True)
        fetched = client.fetch(client.search(["ALL"]), ["FLAGS", "BODY.PEEK[HEADER]"])
    finally:
        client.logout()
    result = {}
    for uid, data in fetched.items():
        headers = BytesHeaderParser(policy=policy.default).parsebytes(data[b"BODY[HEADER]"])
        assert isinstance(headers, EmailMessage)
        result[uid] = (data[b"FLAGS"], headers)
    return result


def _uidnext(server: Server, folder: str) -> int:
    """The next UID the folder would give: unchanged means nothing was appended (not even appended and removed)."""
    client = server.client()
    try:
        return int(client.folder_status(folder, [b"UIDNEXT"])[b"UIDNEXT"])
    finally:
        client.logout()


def _append_raw(server: Server, folder: str, draft: Draft, flags: tuple[bytes, ...] = (b"\\Draft",)) -> int:
    client = server.client()
    try:
        client.select_folder(folder)
        client.append(folder, to_message(draft).as_bytes(policy=policy.SMTP), flags=flags)
        return max(client.search(["ALL"]))
    finally:
        client.logout()


def test_put_appends_once_to_the_default_drafts_folder(server: Server) -> None:
    key = _key()
    sink = server.sink()
    try:
        uid = sink.put(make_draft(key))
        before = _uidnext(server, DRAFTS_FOLDER)
        assert sink.put(make_draft(key)) == uid
        assert _uidnext(server, DRAFTS_FOLDER) == before
        assert sink.find(key) == uid
        stored = {u: v for u, v in _contents(server, DRAFTS_FOLDER).items() if v[1][KEY_HEADER] == key}
        assert list(stored) == [int(uid)]
        flags, headers = stored[int(uid)]
        assert b"\\Draft" in flags
        assert headers["In-Reply-To"] == "<second@example.net>"
        assert str(headers["References"]).split() == ["<root@example.net>", "<second@example.net>"]
        assert headers["Subject"] == "Re: Overflow in ExampleWidget"
        assert headers["Cc"] == "security@example.org"
    finally:
        assert sink.discard(key)
    assert sink.find(key) is None


def test_creates_its_folder_and_reads_nothing_from_a_missing_one(server: Server, folder: str) -> None:
    sink = server.sink(folder)
    assert sink.find(_key()) is None
    assert sink.list() == []
    strict = server.sink(folder, create_folder=False)
    with pytest.raises(UsageError, match="does not exist"):
        strict.put(make_draft(_key()))
    sink.put(make_draft(_key()))
    assert len(_contents(server, folder)) == 1


def test_a_draft_left_by_a_crash_after_append_is_found_not_duplicated(server: Server, folder: str) -> None:
    sink = server.sink(folder)
    sink.put(make_draft(_key()))  # creates the folder
    key = _key()
    crashed = _append_raw(server, folder, make_draft(key))  # APPEND done, nothing recorded: the crash
    before = _uidnext(server, folder)
    assert sink.put(make_draft(key)) == str(crashed)
    assert _uidnext(server, folder) == before
    assert len(_contents(server, folder)) == 2


def test_search_is_exact_not_substring(server: Server, folder: str) -> None:
    sink = server.sink(folder)
    long_key = _key()
    sink.put(make_draft(long_key))
    assert sink.find(long_key[:-4]) is None
    assert sink.find(long_key.upper()) == sink.find(long_key)  # keys are hex; case does not make a new draft
    short_uid = sink.put(make_draft(long_key[:-4]))
    assert short_uid != sink.find(long_key)
    assert len(_contents(server, folder)) == 2


def test_list_reports_every_steward_draft_and_rethreading(server: Server, folder: str) -> None:
    sink = server.sink(folder)
    threaded, unthreaded = _key(), _key()
    first = sink.put(make_draft(threaded))
    second = sink.put(make_draft(unthreaded, threaded=False, subject="Re: (no subject)"))
    human = make_draft(_key())
    human_message = to_message(human)
    del human_message[KEY_HEADER]
    client = server.client()
    try:
        client.append(folder, human_message.as_bytes(policy=policy.SMTP), flags=[b"\\Draft"])
    finally:
        client.logout()
    listed = sink.list()
    assert [d.sink_id for d in listed] == [first, second]
    assert [d.key for d in listed] == [threaded, unthreaded]
    assert [d.needs_rethreading for d in listed] == [False, True]
    assert listed[1].subject == "Re: (no subject)"
    assert listed[0].to == "avery@example.net"


def test_discard_expunges_only_that_draft(server: Server, folder: str) -> None:
    sink = server.sink(folder)
    keep, drop = _key(), _key()
    kept = sink.put(make_draft(keep))
    sink.put(make_draft(drop))
    flagged_by_a_human = _append_raw(server, folder, make_draft(_key()), flags=(b"\\Deleted",))
    assert sink.discard(drop)
    assert not sink.discard(drop)
    remaining = _contents(server, folder)
    assert sorted(remaining) == sorted([int(kept), flagged_by_a_human])
    assert b"\\Deleted" in remaining[flagged_by_a_human][0]
    assert sink.find(keep) == kept


def test_a_racing_writer_leaves_one_draft(server: Server, folder: str, monkeypatch: pytest.MonkeyPatch) -> None:
    sink = server.sink(folder)
    sink.put(make_draft(_key()))
    key = _key()
    original = ImapDraftSink._uids
    state: dict[str, int] = {}

    def other_writer_wins(self: ImapDraftSink, client: Any, wanted: str) -> list[int]:
        if "other" not in state:
            # Our search found nothing; another writer appends the same draft before our APPEND.
            state["other"] = _append_raw(server, folder, make_draft(wanted))
            return []
        return original(self, client, wanted)

    monkeypatch.setattr(ImapDraftSink, "_uids", other_writer_wins)
    assert sink.put(make_draft(key)) == str(state["other"])
    monkeypatch.undo()
    with_key = [uid for uid, (_, headers) in _contents(server, folder).items() if headers[KEY_HEADER] == key]
    assert with_key == [state["other"]]
