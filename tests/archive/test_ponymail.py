"""PonyMail Foal adapter against synthetic API answers served by httpx.MockTransport (no network)."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from steward.archive.interface import ArchiveError
from steward.archive.ponymail import PonyEmail, PonyMailArchive, PonyStats, clean_query

FIXTURES = Path(__file__).parent / "fixtures"
BASE = "https://lists.example.org"
SINCE = datetime(2026, 3, 1, tzinfo=UTC)
NOW = datetime(2026, 3, 25, tzinfo=UTC)
Make = Callable[[Callable[[httpx.Request], httpx.Response]], httpx.Client]


def load_fixture(name: str) -> Any:
    return json.loads((FIXTURES / name).read_text(encoding="utf-8"))


def archive(client: httpx.Client, **kwargs: Any) -> PonyMailArchive:
    return PonyMailArchive(BASE, client=client, now=lambda: NOW, **kwargs)


def test_fixtures_use_the_openapi_field_names() -> None:
    fields = load_fixture("ponymail_openapi_fields.json")
    for email in load_fixture("ponymail_stats.json")["emails"] + load_fixture("ponymail_announce.json")["emails"]:
        assert set(email) <= set(fields["CompactEmailResponse"])
    assert set(load_fixture("ponymail_email.json")) - {"_synthetic"} <= set(fields["SingleEmailResponse"])
    assert set(load_fixture("ponymail_stats.json")) - {"_synthetic"} <= set(fields["StatsResponse"])
    read = {f.alias or name for name, f in PonyEmail.model_fields.items()}
    assert read <= set(fields["SingleEmailResponse"])
    assert set(PonyStats.model_fields) <= set(fields["StatsResponse"])


def test_list_recent_sends_list_domain_and_date_range(mock_client: Make) -> None:
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        assert request.url.path == "/api/stats.lua"
        return httpx.Response(200, json=load_fixture("ponymail_stats.json"))

    entries = list(archive(mock_client(handler), session="s3cret").list_recent("security@widget.example.org", SINCE))
    params = seen[0].url.params
    assert (params["list"], params["domain"]) == ("security", "widget.example.org")
    assert params["d"] == "dfr=2026-03-01|dto=2026-03-26"
    assert "q" not in params
    assert seen[0].headers["cookie"] == "ponymail=s3cret"
    assert [e.message_id for e in entries] == ["<report-1@mail.example.org>", "<reply-1@widget.example.org>"]
    first = entries[0]
    assert first.from_addr == "alex@example.net"
    assert first.permalink == f"{BASE}/thread/abc1def2ghi3"
    assert first.date == datetime.fromtimestamp(1773792000, tz=UTC)


def test_search_cleans_the_query_for_foals_splitter(mock_client: Make) -> None:
    seen: list[str] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request.url.params["q"])
        return httpx.Response(200, json=load_fixture("ponymail_stats.json"))

    found = archive(mock_client(handler)).search("security@widget.example.org", 'path "traversal\\: x', SINCE)
    assert seen == ["path traversal x"]
    assert len(found) == 2
    assert clean_query("a\x00b'c") == "a b c"


def test_fetch_raw_and_permalink(mock_client: Make) -> None:
    raw = b"From: sam@widget.example.org\r\nMessage-ID: <cve-2026-1@widget.example.org>\r\n\r\n" + b"x" * 5000

    def handler(request: httpx.Request) -> httpx.Response:
        if request.url.params.get("id") != "<cve-2026-1@widget.example.org>":
            return httpx.Response(404, text="Email not found")
        if request.url.path == "/api/source.lua":
            return httpx.Response(200, content=raw, headers={"content-type": "text/plain"})
        return httpx.Response(200, json=load_fixture("ponymail_email.json"))

    adapter = archive(mock_client(handler), raw_bytes=100)
    assert adapter.fetch_raw("cve-2026-1@widget.example.org") == raw[:100]
    assert adapter.fetch_raw("<other@example.org>") is None
    assert adapter.permalink("<cve-2026-1@widget.example.org>") == f"{BASE}/thread/ann1bbbbb"
    assert adapter.permalink("<other@example.org>") is None


def test_announcement_needs_the_exact_id(mock_client: Make) -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        if request.url.path == "/api/stats.lua":
            return httpx.Response(200, json=load_fixture("ponymail_announce.json"))
        if request.url.params.get("id") == "<cve-2026-1@widget.example.org>":
            return httpx.Response(200, json=load_fixture("ponymail_email.json"))
        return httpx.Response(200, json={"body": "nothing here", "message-id": "<x@example.org>"})

    adapter = archive(mock_client(handler))
    lists = ["announce@widget.example.org"]
    assert adapter.resolve_announcement("CVE-2026-1", lists, SINCE) == f"{BASE}/thread/ann1bbbbb"
    assert adapter.resolve_announcement("CVE-2026-12", lists, SINCE) == f"{BASE}/thread/ann12aaaa"
    assert adapter.resolve_announcement("CVE-2026-2", lists, SINCE) is None


def test_redirect_to_another_host_is_refused(mock_client: Make) -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(302, headers={"location": "https://evil.example.net/steal"})

    with pytest.raises(ArchiveError, match=r"outside https://lists\.example\.org/"):
        list(archive(mock_client(handler), session="s").list_recent("security@widget.example.org", SINCE))


def test_same_host_redirect_is_followed(mock_client: Make) -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        if request.url.path == "/api/stats.lua":
            return httpx.Response(301, headers={"location": "/v2/api/stats.lua"})
        return httpx.Response(200, json=load_fixture("ponymail_stats.json"))

    assert len(list(archive(mock_client(handler)).list_recent("security@widget.example.org", SINCE))) == 2


def test_oversized_json_is_an_error(mock_client: Make) -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, content=b"[" + b"0," * 5000 + b"0]")

    with pytest.raises(ArchiveError, match="more than 1000 bytes"):
        list(archive(mock_client(handler), json_bytes=1000).list_recent("security@widget.example.org", SINCE))


def test_bad_shape_names_the_url_without_the_query(mock_client: Make) -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, json={"emails": "not a list"})

    with pytest.raises(ArchiveError) as caught:
        archive(mock_client(handler)).search("security@widget.example.org", "secret-term", SINCE)
    assert "https://lists.example.org/api/stats.lua" in str(caught.value)
    assert "secret-term" not in str(caught.value)


def test_refused_access_points_at_the_session(mock_client: Make) -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(403, text="no")

    with pytest.raises(ArchiveError, match=r"archive_system\.session"):
        list(archive(mock_client(handler)).list_recent("security@widget.example.org", SINCE))


def test_transport_failure_is_an_archive_error(mock_client: Make) -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectTimeout("timed out", request=request)

    with pytest.raises(ArchiveError, match="could not be read"):
        list(archive(mock_client(handler)).list_recent("security@widget.example.org", SINCE))


JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=30),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=12), children, max_size=4),
    max_leaves=20,
)
EMAIL_KEYS = st.sampled_from(["id", "mid", "message-id", "subject", "from", "epoch", "body", "in-reply-to"])


@settings(max_examples=150)
@given(
    st.one_of(
        JSON,
        st.fixed_dictionaries({"emails": st.lists(st.dictionaries(EMAIL_KEYS, JSON, max_size=8), max_size=5)}),
    )
)
def test_listing_never_crashes_on_arbitrary_json(value: Any) -> None:
    body = json.dumps(value).encode()
    client = httpx.Client(transport=httpx.MockTransport(lambda request: httpx.Response(200, content=body)))
    try:
        for entry in archive(client).list_recent("security@widget.example.org", SINCE):
            assert entry.message_id.startswith("<")
            assert entry.date is not None and entry.date >= SINCE
    except ArchiveError:
        pass
