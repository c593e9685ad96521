"""Real uvicorn on 127.0.0.1 and headless Debian Chromium through Playwright: click through, nothing injected runs."""

from __future__ import annotations

import socket
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import uvicorn
from fastapi import FastAPI
from web_browser import CHROMIUM_ARGS, chromium_path
from web_demo import ENV, HOSTILE_TITLE, config_of

from steward.app import open_app
from steward.web.dashboard import write_dashboard

START_WAIT_STEPS = 400


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
def server(api: FastAPI) -> Iterator[str]:
    port = free_port()
    config = uvicorn.Config(api, host="127.0.0.1", port=port, log_level="warning", lifespan="on")
    srv = uvicorn.Server(config)
    thread = threading.Thread(target=srv.run, daemon=True)
    thread.start()
    started = threading.Event()
    for _ in range(START_WAIT_STEPS):  # a readiness wait, not a timing assertion
        if srv.started or not thread.is_alive():
            break
        started.wait(0.025)
    assert srv.started, "uvicorn did not start on 127.0.0.1"
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        srv.should_exit = True
        thread.join(10)


@pytest.fixture
def browser() -> Iterator[Any]:
    executable = chromium_path()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        launched = p.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS, headless=True)
        try:
            yield launched
        finally:
            launched.close()


def test_list_click_tracker_and_no_injected_script_runs(server: str, browser: Any, hostile: int) -> None:
    page = browser.new_page()
    violations: list[str] = []
    page.on("console", lambda msg: violations.append(msg.text) if "Content Security Policy" in msg.text else None)
    page.goto(server + "/")
    assert page.title().startswith("Trackers")
    assert page.locator("td.title a").count() > 20
    page.click(f'td.title a[href="/trackers/{hostile}"]')
    page.wait_for_url(f"{server}/trackers/{hostile}")
    assert page.locator("h1.tracker-title").inner_text() == f"#{hostile} {HOSTILE_TITLE}"
    assert "<script>window.__xss=true</script>" in page.locator("section.fields").inner_text()
    assert page.locator("img, iframe, script").count() == 0
    assert page.evaluate("window.__xss === true") is False
    page.goto(server + "/")
    assert page.evaluate("window.__xss === true") is False
    # the stylesheet loads from our own origin under the CSP
    assert page.evaluate("getComputedStyle(document.querySelector('header.top')).display") == "flex"
    assert violations == []


def test_another_tracker_shows_its_title(server: str, browser: Any) -> None:
    page = browser.new_page()
    page.goto(server + "/?state=announced")
    link = page.locator("td.title a").first
    title = link.inner_text()
    link.click()
    assert title in page.locator("h1.tracker-title").inner_text()


def test_static_dashboard_styles_apply_and_nothing_runs(demo: Path, browser: Any, tmp_path: Path) -> None:
    """The inline CSS is pinned by hash in the file's own CSP: it must apply, and no injected markup may run."""
    app = open_app(config_of(demo), env=ENV)
    try:
        out = tmp_path / "dash.html"
        write_dashboard(app, out)
    finally:
        app.store.close()
    page = browser.new_page()
    page.goto(out.as_uri())
    assert page.evaluate("getComputedStyle(document.querySelector('header.top')).display") == "flex"
    assert page.locator("#state-counts tbody tr").count() == 13
    assert page.evaluate("window.__xss === true") is False
