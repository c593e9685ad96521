"""The web UI in-process (FastAPI TestClient) on the demo project plus one tracker full of hostile text."""

from __future__ import annotations

import re
from collections.abc import Iterator
from html.parser import HTMLParser
from pathlib import Path

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from web_demo import CONTROLS, ENV, HOSTILE_TITLE, config_of

from steward.errors import Refused
from steward.web.app import create_app
from steward.web.security import SECURITY_HEADERS

PAGES = ["/", "/drafts", "/audit", "/trackers/1", "/trackers/7", "/?state=needs-triage", "/?label=quillwort"]


@pytest.fixture
def client(api: FastAPI) -> Iterator[TestClient]:
    with TestClient(api, base_url="http://127.0.0.1") as c:
        yield c


class References(HTMLParser):
    """Every URL-bearing attribute, and every element name, of a page."""

    URL_ATTRS = frozenset({"href", "src", "action", "formaction", "srcset", "poster", "data", "background"})

    def __init__(self) -> None:
        super().__init__()
        self.urls: list[str] = []
        self.tags: list[str] = []
        self.handlers: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append(tag)
        for name, value in attrs:
            if name in self.URL_ATTRS and value is not None:
                self.urls.append(value)
            if name.startswith("on"):
                self.handlers.append(name)


def references(html: str) -> References:
    parser = References()
    parser.feed(html)
    return parser


@pytest.mark.parametrize("path", PAGES)
def test_every_page_answers_with_security_headers(client: TestClient, path: str) -> None:
    response = client.get(path)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/html")
    for name, value in SECURITY_HEADERS.items():
        assert response.headers[name] == value
    csp = response.headers["content-security-policy"]
    assert "default-src 'none'" in csp
    assert "script-src" not in csp  # falls back to default-src 'none': no script runs at all


@pytest.mark.parametrize("path", [*PAGES, "/static/steward.css", "/trackers/9999"])
def test_no_page_references_an_external_host(client: TestClient, path: str) -> None:
    text = client.get(path).text
    assert "url(" not in text and "@import" not in text
    for url in references(text).urls:
        assert url.startswith("/") and not url.startswith("//"), url


def test_list_shows_numbers_states_and_the_unclaimed_flag(client: TestClient) -> None:
    html = client.get("/").text
    assert 'href="/trackers/7"' in html
    assert "needs-triage" in html and "cve-allocated" in html
    # demo tracker 3 is CVE-allocated with nobody on the fix (spec §1.1)
    row = re.search(r'<tr>\s*<td class="num"><a href="/trackers/3">.*?</tr>', html, re.S)
    assert row is not None and "unclaimed" in row.group(0)


def test_list_filters_by_state_and_label(client: TestClient) -> None:
    triage = client.get("/", params={"state": "needs-triage"}).text
    assert 'href="/trackers/1"' in triage
    assert 'href="/trackers/7"' not in triage  # announced
    announced = client.get("/", params={"label": "announced"}).text
    assert 'href="/trackers/7"' in announced and 'href="/trackers/1"' not in announced


def test_unknown_state_is_a_400_naming_the_allowed_ids(client: TestClient) -> None:
    response = client.get("/", params={"state": "bogus"})
    assert response.status_code == 400
    assert "needs-triage" in response.text


@pytest.mark.parametrize("path", ["/trackers/9999", "/trackers/abc", "/nowhere"])
def test_unknown_tracker_or_page_is_a_404_html_page(client: TestClient, path: str) -> None:
    response = client.get(path)
    assert response.status_code == 404
    assert response.headers["content-type"].startswith("text/html")
    assert response.headers["x-content-type-options"] == "nosniff"


def test_tracker_page_shows_fields_by_heading_comments_drafts_and_audit(client: TestClient) -> None:
    html = client.get("/trackers/13").text
    assert "<h3>The issue description</h3>" in html
    assert "<h3>Severity</h3>" in html
    assert "status rollup" in html
    assert "report-accepted" in html  # the tracker's draft
    assert '<table class="events">' in html and ":create</code>" in html


def test_hostile_text_is_escaped_and_stripped(client: TestClient, hostile: int) -> None:
    html = client.get(f"/trackers/{hostile}").text
    assert "<script" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "&lt;img src=x onerror=&#34;window.__xss=true&#34;&gt;" in html
    assert "&lt;iframe src=&#34;https://attacker.example.net/x&#34;&gt;" in html
    tags = references(html)
    assert not {"img", "iframe", "script", "b"} & set(tags.tags)
    assert tags.handlers == []
    for char in CONTROLS:
        assert char not in html, repr(char)
    assert "escapes red, bell, overwriteFAKE LINE, del, c1\n" in html  # escape sequences go whole, text stays
    assert "bidi evil and isolate end" in html
    assert "comment  done" in html  # the OSC title sequence of the comment is gone


def test_hostile_title_is_escaped_in_the_list(client: TestClient, hostile: int) -> None:
    html = client.get("/").text
    assert HOSTILE_TITLE not in html
    assert "Hostile &lt;b&gt;bold&lt;/b&gt; title &lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert f'href="/trackers/{hostile}"' in html


def test_audit_page_shows_the_verify_result(client: TestClient) -> None:
    html = client.get("/audit").text
    assert "audit verify: ok" in html
    assert re.search(r"\d+ events and \d+ rollup entries check out", html)


def test_audit_page_reports_a_broken_chain(demo: Path) -> None:
    import sqlite3

    db = sqlite3.connect(demo / ".steward" / "steward.db")
    db.execute("UPDATE audit_events SET actor = 'mallory' WHERE seq = 2")
    db.commit()
    db.close()
    with TestClient(create_app(config_of(demo), env=ENV), base_url="http://127.0.0.1") as c:
        html = c.get("/audit").text
    assert "audit verify: BROKEN at event 2" in html


def test_drafts_page_lists_every_draft_with_its_tracker(client: TestClient) -> None:
    html = client.get("/drafts").text
    assert "receipt-of-confirmation" in html
    assert 'href="/trackers/13"' in html


def test_a_foreign_host_header_is_refused(api: FastAPI) -> None:
    """DNS rebinding: a page on evil.example.net resolving to 127.0.0.1 must not read the UI."""
    with TestClient(api, base_url="http://evil.example.net") as c:
        response = c.get("/")
    assert response.status_code == 400
    assert "Hostile" not in response.text


def test_the_ui_reads_the_store_fresh_on_every_request(client: TestClient, demo: Path) -> None:
    from steward.app import open_app
    from steward.services.trackers import new_tracker

    assert "Late arrival" not in client.get("/").text
    app = open_app(config_of(demo), env=ENV)
    try:
        new_tracker(app, "Late arrival while serving", {}, "test")
    finally:
        app.store.close()
    assert "Late arrival while serving" in client.get("/").text


def test_a_user_not_on_the_roster_is_refused(demo: Path) -> None:
    with pytest.raises(Refused, match="not on the roster"):
        create_app(config_of(demo), env={"STEWARD_IDENTITY": "stranger"})
