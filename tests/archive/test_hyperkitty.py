"""HyperKitty adapter against synthetic REST answers served by httpx.MockTransport (no network)."""

from __future__ import annotations

import gzip
import json
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from steward.archive.hyperkitty import HkEmail, HkEmails, HyperKittyArchive, message_id_hash
from steward.archive.interface import ArchiveError

FIXTURES = Path(__file__).parent / "fixtures"
BASE = "https://lists.example.org/hyperkitty"
LIST = "announce@widget.example.org"
SINCE = datetime(2026, 3, 1, tzinfo=UTC)
Make = Callable[[Callable[[httpx.Request], httpx.Response]], httpx.Client]
HASH_1 = message_id_hash("<cve-2026-1@widget.example.org>")


def load_fixture(name: str) -> Any:
    text = (FIXTURES / name).read_text(encoding="utf-8").replace("REPLACED_BY_TEST", HASH_1)
    return json.loads(text)


def test_message_id_hash_matches_mailmans_algorithm() -> None:
    # the doctest vector of hyperkitty.lib.utils.get_message_id_hash
    assert message_id_hash("<87myycy5eh.fsf@uwakimon.sk.tsukuba.ac.jp>") == "JJIGKPKB6CVDX6B2CUG4IHAJRIQIOUTP"
    assert message_id_hash("87myycy5eh.fsf@uwakimon.sk.tsukuba.ac.jp") == "JJIGKPKB6CVDX6B2CUG4IHAJRIQIOUTP"


def test_fixtures_fit_the_models() -> None:
    for name in ("hyperkitty_emails_page1.json", "hyperkitty_emails_page2.json"):
        page = HkEmails.model_validate(load_fixture(name)).root
        assert not isinstance(page, list) and page.results
    assert HkEmail.model_validate(load_fixture("hyperkitty_email.json")).content


def api(request: httpx.Request) -> httpx.Response:
    path = request.url.path
    if path == f"/hyperkitty/api/list/{LIST}/emails/":
        name = "hyperkitty_emails_page2.json" if request.url.params.get("offset") else "hyperkitty_emails_page1.json"
        return httpx.Response(200, json=load_fixture(name))
    if path == f"/hyperkitty/api/list/{LIST}/email/{HASH_1}/":
        return httpx.Response(200, json=load_fixture("hyperkitty_email.json"))
    if path.startswith(f"/hyperkitty/api/list/{LIST}/email/"):
        return httpx.Response(200, json={"message_id": "x@example.org", "content": "no id here"})
    if path == f"/hyperkitty/list/{LIST}/export/{HASH_1}.mbox.gz" and request.url.params["message"] == HASH_1:
        mbox = b"From sam@widget.example.org Sat Mar 21 13:33:20 2026\nMessage-ID: <cve-2026-1@widget.example.org>\n"
        return httpx.Response(200, content=gzip.compress(mbox + b"\n>From here on\n\n"))
    if "/export/" in path:
        return httpx.Response(200, content=gzip.compress(b""))
    return httpx.Response(404)


def test_listing_follows_pages_until_older_than_since(mock_client: Make) -> None:
    seen: list[str] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(str(request.url))
        return api(request)

    adapter = HyperKittyArchive(BASE, client=mock_client(handler), session="sid")
    entries = list(adapter.list_recent(LIST, SINCE))
    assert len(seen) == 2
    assert [e.message_id for e in entries] == ["<cve-2026-12@widget.example.org>", "<cve-2026-1@widget.example.org>"]
    twelve, one = entries
    assert one.from_addr == "sam@widget.example.org"
    assert one.date == datetime(2026, 3, 21, 13, 33, 20, tzinfo=UTC)
    assert one.permalink == f"{BASE}/list/{LIST}/message/{HASH_1}/"
    assert twelve.permalink == f"{BASE}/list/{LIST}/message/{message_id_hash('<cve-2026-12@widget.example.org>')}/"


def test_session_cookie_is_sent(mock_client: Make) -> None:
    cookies: list[str] = []

    def handler(request: httpx.Request) -> httpx.Response:
        cookies.append(request.headers.get("cookie", ""))
        return api(request)

    list(HyperKittyArchive(BASE, client=mock_client(handler), session="sid").list_recent(LIST, SINCE))
    assert cookies and set(cookies) == {"sessionid=sid"}


def test_next_link_to_another_host_is_refused(mock_client: Make) -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        page = load_fixture("hyperkitty_emails_page1.json")
        page["next"] = "https://evil.example.net/hyperkitty/api/list/x/emails/?offset=2"
        return httpx.Response(200, json=page)

    with pytest.raises(ArchiveError, match="outside"):
        list(HyperKittyArchive(BASE, client=mock_client(handler)).list_recent(LIST, SINCE))


def test_announcement_exact_id_reads_bodies(mock_client: Make) -> None:
    adapter = HyperKittyArchive(BASE, client=mock_client(api))
    assert adapter.resolve_announcement("CVE-2026-1", [LIST], SINCE) == f"{BASE}/list/{LIST}/message/{HASH_1}/"
    twelve = adapter.find_announcement("CVE-2026-12", [LIST], SINCE)
    assert twelve is not None and twelve.message_id == "<cve-2026-12@widget.example.org>"
    assert adapter.find_announcement("CVE-2026-2", [LIST], SINCE) is None


def test_search_filters_subject_and_content(mock_client: Make) -> None:
    adapter = HyperKittyArchive(BASE, client=mock_client(api))
    assert [e.message_id for e in adapter.search(LIST, "path traversal", SINCE)] == ["<cve-2026-1@widget.example.org>"]
    assert len(adapter.search(LIST, "announce", SINCE)) == 2


def test_fetch_raw_and_permalink_look_in_known_lists(mock_client: Make) -> None:
    adapter = HyperKittyArchive(BASE, client=mock_client(api), lists=["other@widget.example.org", LIST])
    raw = adapter.fetch_raw("<cve-2026-1@widget.example.org>")
    assert raw == b"Message-ID: <cve-2026-1@widget.example.org>\n\nFrom here on\n"
    assert adapter.fetch_raw("<nobody@example.org>") is None
    assert adapter.permalink("cve-2026-1@widget.example.org") == f"{BASE}/list/{LIST}/message/{HASH_1}/"
    assert HyperKittyArchive(BASE, client=mock_client(api)).permalink("<cve-2026-1@widget.example.org>") is None


def test_fetch_raw_is_cut_at_the_size_bound(mock_client: Make) -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, content=gzip.compress(b"Subject: x\n\n" + b"y" * 100000))

    raw = HyperKittyArchive(BASE, client=mock_client(handler), lists=[LIST], raw_bytes=500).fetch_raw("<a@example.org>")
    assert raw is not None and len(raw) <= 501


JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=30),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=12), children, max_size=4),
    max_leaves=20,
)
KEYS = st.sampled_from(["message_id", "message_id_hash", "subject", "sender", "date", "content", "next"])


EMAILS = st.lists(st.dictionaries(KEYS, JSON, max_size=7), max_size=5)
PAGES = st.fixed_dictionaries({"results": EMAILS, "next": st.none() | st.text(max_size=40) | JSON})


@settings(max_examples=150)
@given(st.one_of(JSON, EMAILS, PAGES))
def test_listing_never_crashes_on_arbitrary_json(value: Any) -> None:
    body = json.dumps(value).encode()
    client = httpx.Client(transport=httpx.MockTransport(lambda request: httpx.Response(200, content=body)))
    try:
        for entry in HyperKittyArchive(BASE, client=client).list_recent(LIST, SINCE):
            assert entry.message_id.startswith("<")
    except ArchiveError:
        pass
