"""The IMAP mail source: URI and secret handling, and integration against the loopback server `make test` starts.

The integration tests need STEWARD_TEST_IMAP_URI and STEWARD_TEST_IMAP_PASSWORD (set by scripts/run-tests from
scripts/imap-test-server). Without them they are skipped locally and fail under CI=true.
"""

from __future__ import annotations

import socket
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from email import policy
from email.message import EmailMessage
from email.parser import BytesHeaderParser
from email.utils import format_datetime
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st
from loopback_services import ImapServer as Server
from loopback_services import imap_server

from steward.comms.drafts import KEY_HEADER, Draft, ThreadMessage, reply_subject, steward_key, thread_chain
from steward.comms.imap_sink import ImapDraftSink
from steward.errors import OperationFailed, UsageError
from steward.intake.imap_source import (
    Connection,
    ImapSource,
    ImapTarget,
    check_transport,
    imap_password,
    is_loopback,
    open_imap_source,
    parse_imap_uri,
)
from steward.intake.message import ParsedMessage
from steward.intake.sources import parse_item

SECRET = b"fictional-project-secret-for-tests"

# ------------------------------------------------------------------------------------------ URIs (no server)


def test_uri_defaults_to_tls_and_inbox() -> None:
    assert parse_imap_uri("imap://alex@mail.example.org") == ImapTarget("mail.example.org", 993, "alex", "INBOX", "tls")
    assert parse_imap_uri("imaps://alex@mail.example.org:1993/Security").security == "tls"
    assert parse_imap_uri("imap://alex@mail.example.org:993/INBOX").security == "tls"
    assert parse_imap_uri("imap://alex@mail.example.org:143/INBOX").security == "starttls"
    assert parse_imap_uri("imap://alex@mail.example.org?tls=starttls").port == 143


def test_uri_plain_text_is_the_default_only_on_loopback() -> None:
    assert parse_imap_uri("imap://steward-test@127.0.0.1:10143/INBOX").security == "plain"
    assert parse_imap_uri("imap://u@[::1]:10143/INBOX").host == "::1"
    assert parse_imap_uri("imap://u@[::1]:10143/INBOX").security == "plain"
    assert parse_imap_uri("imap://u@localhost:10143").security == "plain"
    assert parse_imap_uri("imap://u@127.0.0.1:10143/INBOX?tls=starttls").security == "starttls"


def test_uri_decodes_user_and_folder() -> None:
    target = parse_imap_uri("imap://security%40example.org@mail.example.org:993/Lists%2FSecurity%20Reports")
    assert target.user == "security@example.org"
    assert target.folder == "Lists/Security Reports"


@pytest.mark.parametrize(
    ("uri", "needle"),
    [
        ("imap://alex:hunter2@mail.example.org/INBOX", "password"),
        ("mbox:/tmp/x", "not an IMAP URI"),
        ("imap://mail.example.org/INBOX", "user and a host"),
        ("imap://alex@/INBOX", "user and a host"),
        ("imap://alex@mail.example.org:99999/INBOX", "not a valid IMAP URI"),
        ("imap://alex@mail.example.org:0/INBOX", "port 0"),
        ("imap://alex@mail.example.org/INBOX?tls=maybe", "tls='maybe'"),
        ("imap://alex@mail.example.org/INBOX?folder=x", "unknown option"),
        ("imaps://alex@mail.example.org/INBOX?tls=plain", "always uses TLS"),
        ("imap://alex@mail.example.org/IN%0ABOX", "control characters"),
        ("imap://alex@mail.example.org/INBOX#x", "fragment"),
    ],
)
def test_bad_uris_are_usage_errors(uri: str, needle: str) -> None:
    with pytest.raises(UsageError) as caught:
        parse_imap_uri(uri)
    assert needle in str(caught.value)
    assert "hunter2" not in str(caught.value)


_hosts = st.sampled_from(["mail.example.org", "imap.example.net", "127.0.0.1", "::1", "localhost", "10.0.0.7"])
_text = st.text(st.characters(min_codepoint=32, exclude_categories=["Cs"]), min_size=1, max_size=30)


@given(
    host=_hosts,
    port=st.integers(1, 65535),
    user=_text,
    folder=_text,
    security=st.sampled_from(["tls", "starttls", "plain"]),
)
def test_uri_round_trips(host: str, port: int, user: str, folder: str, security: Any) -> None:
    target = ImapTarget(host, port, user, folder, security)
    assert parse_imap_uri(target.uri) == target


@given(st.text(max_size=120))
def test_uri_parser_never_crashes(text: str) -> None:
    for candidate in (text, f"imap://{text}", f"imap://u@mail.example.org/{text}"):
        try:
            target = parse_imap_uri(candidate)
        except UsageError:
            continue
        assert target.host
        assert target.user
        assert 0 < target.port < 65536


def test_loopback_detection() -> None:
    assert is_loopback("127.0.0.1")
    assert is_loopback("127.8.9.10")
    assert is_loopback("[::1]")
    assert is_loopback("LOCALHOST")
    assert not is_loopback("mail.example.org")
    assert not is_loopback("192.0.2.1")
    assert not is_loopback("localhost.example.org")


# ------------------------------------------------------------------------------------------ transport and secrets


def test_plain_text_to_a_remote_host_is_refused_before_connecting() -> None:
    with pytest.raises(UsageError, match="plain-text"):
        ImapSource("mail.example.org", 143, "alex", "INBOX", "pw", tls=False)
    with pytest.raises(UsageError, match="plain-text"):
        ImapDraftSink("mail.example.org", 143, "alex", "pw", tls=False)
    with pytest.raises(UsageError, match="not both"):
        check_transport("mail.example.org", tls=True, starttls=True, allow_plaintext=False)
    check_transport("mail.example.org", tls=False, starttls=False, allow_plaintext=True)
    check_transport("127.0.0.1", tls=False, starttls=False, allow_plaintext=False)
    check_transport("mail.example.org", tls=False, starttls=True, allow_plaintext=False)


def test_the_password_never_shows_in_a_repr() -> None:
    connection = Connection("127.0.0.1", 1, "alex", "s3cret-value", tls=False)
    source = ImapSource("127.0.0.1", 1, "alex", "INBOX", "s3cret-value", tls=False)
    assert "s3cret-value" not in repr(connection)
    assert "s3cret-value" not in repr(source)


def test_password_from_the_environment() -> None:
    assert imap_password({"STEWARD_IMAP_PASSWORD": "pw-1"}) == "pw-1"
    assert imap_password({"OTHER": "pw-2"}, "env:OTHER") == "pw-2"
    with pytest.raises(UsageError, match="export STEWARD_IMAP_PASSWORD"):
        imap_password({})
    with pytest.raises(UsageError, match="not a secret reference"):
        imap_password({}, "hunter2")
    with pytest.raises(UsageError, match="not an environment variable name"):
        imap_password({}, "env:1-bad")
    with pytest.raises(UsageError, match="SERVICE/NAME"):
        imap_password({}, "keyring:onlyservice")


class _MemoryKeyring:
    """A keyring backend holding one fictional entry, so the test touches no real keyring."""

    def __init__(self) -> None:
        import keyring.backend

        class Backend(keyring.backend.KeyringBackend):
            priority = 1

            def get_password(self, service: str, username: str) -> str | None:
                return "from-keyring" if (service, username) == ("steward-imap", "alex") else None

            def set_password(self, service: str, username: str, password: str) -> None:
                raise NotImplementedError

            def delete_password(self, service: str, username: str) -> None:
                raise NotImplementedError

        self.backend = Backend()


def test_password_from_the_keyring() -> None:
    keyring = pytest.importorskip("keyring")
    previous = keyring.get_keyring()
    keyring.set_keyring(_MemoryKeyring().backend)
    try:
        assert imap_password({}, "keyring:steward-imap/alex") == "from-keyring"
        with pytest.raises(UsageError, match="no password"):
            imap_password({}, "keyring:steward-imap/nobody")
    finally:
        keyring.set_keyring(previous)


def test_closed_port_is_an_operation_failure() -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    source = ImapSource("127.0.0.1", port, "alex", "INBOX", "pw", tls=False, timeout=5)
    with pytest.raises(OperationFailed, match="Could not connect"):
        list(source.iter_messages())


# ------------------------------------------------------------------------------------------ integration


@pytest.fixture
def server() -> Server:
    return imap_server()


@pytest.fixture
def folder(server: Server) -> Iterator[str]:
    """A fresh folder per test, so counts and order are exact."""
    name = f"steward-test-{uuid.uuid4().hex[:10]}"
    client = server.client()
    client.create_folder(name)
    try:
        yield name
    finally:
        client.delete_folder(name)
        client.logout()


def _message(mid: str, subject: str, *, sent: datetime, reply_to: tuple[str, ...] = (), size: int = 0) -> bytes:
    message = EmailMessage()
    message["From"] = "Avery Example <avery@example.net>"
    message["To"] = "security@example.org"
    message["Subject"] = subject
    message["Date"] = format_datetime(sent)
    message["Message-ID"] = mid
    if reply_to:
        message["In-Reply-To"] = reply_to[-1]
        message["References"] = " ".join(reply_to)
    message.set_content("A fictional report about ExampleWidget.\n" + "x" * size)
    return message.as_bytes()


def _seed(server: Server, folder: str, messages: list[bytes]) -> None:
    client = server.client()
    try:
        for raw in messages:
            client.append(folder, raw)
    finally:
        client.logout()


def _flags(server: Server, folder: str) -> dict[int, tuple[bytes, ...]]:
    client = server.client()
    try:
        client.select_folder(folder, readonly=True)
        return {uid: data[b"FLAGS"] for uid, data in client.fetch(client.search(["ALL"]), ["FLAGS"]).items()}
    finally:
        client.logout()


def _source(server: Server, folder: str, **options: Any) -> ImapSource:
    return ImapSource.from_target(
        ImapTarget(server.target.host, server.target.port, server.target.user, folder, server.target.security),
        server.password,
        **options,
    )


T0 = datetime(2024, 3, 4, 9, 0, tzinfo=UTC)


def test_reads_every_message_lazily_in_batches_without_marking_seen(
    server: Server, folder: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    ids = [f"<r{i}-{uuid.uuid4().hex[:8]}@example.net>" for i in range(5)]
    _seed(server, folder, [_message(mid, f"Report {i}", sent=T0 + timedelta(hours=i)) for i, mid in enumerate(ids)])
    source = _source(server, folder, batch=2)
    batches: list[int] = []
    original = ImapSource._items

    def counting(self: ImapSource, client: Any, validity: int, uids: Any) -> Any:
        batches.append(len(uids))
        return original(self, client, validity, uids)

    monkeypatch.setattr(ImapSource, "_items", counting)
    iterator = source.iter_messages()
    first = next(iterator)
    assert batches == [2]  # nothing past the first batch was fetched yet
    items = [first, *iterator]
    assert batches == [2, 2, 1]
    parsed = [parse_item(item) for item in items]
    assert [p.message_id for p in parsed if isinstance(p, ParsedMessage)] == ids
    assert all(item.error is None for item in items)
    assert len({item.key for item in items}) == 5
    assert all(b"\\Seen" not in flags for flags in _flags(server, folder).values())


def test_reads_the_inbox(server: Server) -> None:
    mid = f"<inbox-{uuid.uuid4().hex}@example.net>"
    _seed(server, "INBOX", [_message(mid, "Inbox report", sent=T0)])
    source = open_imap_source(server.target.uri, {"STEWARD_IMAP_PASSWORD": server.password})
    assert source.folder == server.target.folder
    found = [item for item in source.iter_messages() if mid.encode() in item.raw]
    assert len(found) == 1
    fetched = source.fetch(mid)
    assert fetched is not None
    assert fetched.raw == found[0].raw


def test_fetch_by_message_id(server: Server, folder: str) -> None:
    tag = uuid.uuid4().hex[:8]
    _seed(
        server,
        folder,
        [
            # SEARCH HEADER is a substring match: this decoy's header contains the wanted id after its own.
            _message(f"<decoy-{tag}@example.net>", "Decoy", sent=T0).replace(
                f"<decoy-{tag}@example.net>".encode(), f"<decoy-{tag}@example.net> <root-{tag}@example.net>".encode()
            ),
            _message(f"<root-{tag}@example.net>", "Root", sent=T0),
        ],
    )
    source = _source(server, folder)
    item = source.fetch(f"root-{tag}@example.net")
    assert item is not None
    parsed = parse_item(item)
    assert isinstance(parsed, ParsedMessage)
    assert parsed.subject == "Root"
    assert source.fetch(f"<missing-{tag}@example.net>") is None
    assert source.fetch("not an id") is None
    assert all(b"\\Seen" not in flags for flags in _flags(server, folder).values())


def test_oversized_message_is_listed_with_its_headers_only(server: Server, folder: str) -> None:
    mid = f"<big-{uuid.uuid4().hex[:8]}@example.net>"
    _seed(server, folder, [_message(mid, "Big", sent=T0, size=5000)])
    [item] = list(_source(server, folder, max_bytes=1000).iter_messages())
    assert item.error is not None
    assert "per-message limit" in item.error
    assert item.size > 5000
    assert b"Subject: Big" in item.raw
    assert b"xxxxxxxxxx" not in item.raw
    assert parse_item(item).message_id == mid


def test_wrong_password_and_missing_folder(server: Server) -> None:
    bad = ImapSource.from_target(server.target, "not-the-password", timeout=10)
    with pytest.raises(OperationFailed, match="login"):
        list(bad.iter_messages())
    missing = _source(server, f"no-such-folder-{uuid.uuid4().hex[:6]}")
    with pytest.raises(UsageError, match="cannot be opened"):
        list(missing.iter_messages())


def test_thread_read_from_imap_becomes_a_threaded_draft(server: Server, folder: str) -> None:
    tag = uuid.uuid4().hex[:8]
    root, second, third = (f"<{n}-{tag}@example.net>" for n in ("root", "second", "third"))
    _seed(
        server,
        folder,
        [
            _message(third, "Re: Re: Overflow in ExampleWidget", sent=T0 + timedelta(days=2), reply_to=(root, second)),
            _message(root, "Fwd: Overflow in ExampleWidget", sent=T0),
            _message(second, "Re: Overflow in ExampleWidget", sent=T0 + timedelta(days=1), reply_to=(root,)),
        ],
    )
    parsed = [p for p in map(parse_item, _source(server, folder).iter_messages()) if isinstance(p, ParsedMessage)]
    assert len(parsed) == 3
    chain = thread_chain([ThreadMessage(p.message_id or "", p.date) for p in parsed])
    assert chain == (root, second, third)
    root_message = next(p for p in parsed if p.message_id == root)
    key = steward_key(SECRET, f"tracker-{tag}|receipt-of-confirmation|")
    draft = Draft(
        key=key,
        to=(root_message.from_addr,),
        cc=("security@example.org",),
        subject=reply_subject(root_message.subject),
        in_reply_to=chain[-1],
        references=chain,
        body="TLP:AMBER+STRICT\n\nThanks for the fictional report.\n",
        headers=((KEY_HEADER, key),),
    )
    sink = ImapDraftSink.from_target(server.target, server.password, folder=f"{folder}-drafts")
    try:
        uid = sink.put(draft)
        client = server.client()
        try:
            before = client.folder_status(f"{folder}-drafts", [b"UIDNEXT"])[b"UIDNEXT"]
            assert sink.put(draft) == uid
            assert client.folder_status(f"{folder}-drafts", [b"UIDNEXT"])[b"UIDNEXT"] == before  # nothing appended
            client.select_folder(f"{folder}-drafts", readonly=True)
            uids = client.search(["ALL"])
            assert uids == [int(uid)]
            data = client.fetch(uids, ["FLAGS", "BODY.PEEK[HEADER]"])[int(uid)]
        finally:
            client.logout()
        assert b"\\Draft" in data[b"FLAGS"]
        headers = BytesHeaderParser(policy=policy.default).parsebytes(data[b"BODY[HEADER]"])
        assert headers["In-Reply-To"] == third
        assert str(headers["References"]).split() == [root, second, third]
        assert headers["Subject"] == "Re: Overflow in ExampleWidget"
        assert headers[KEY_HEADER] == key
        assert headers["To"] == "avery@example.net"
    finally:
        client = server.client()
        client.delete_folder(f"{folder}-drafts")
        client.logout()
