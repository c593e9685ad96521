"""`steward cve login` through the CLI: config checks, the stored reference, the line to add, exit codes."""

from __future__ import annotations

import re
import webbrowser
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from fake_vulnogram_auth import FAKE_TOKEN, Browser, FakeVulnogramAuth, MemoryKeyring, fake_vulnogram, memory_keyring

import steward.cli.cve_login_commands  # noqa: F401  (registers `cve login` until main.py imports it)

Run = Callable[..., Any]


@pytest.fixture
def keys() -> Iterator[MemoryKeyring]:
    with memory_keyring() as backend:
        yield backend


@pytest.fixture
def server() -> Iterator[FakeVulnogramAuth]:
    with fake_vulnogram() as fake:
        yield fake


@pytest.fixture
def browser(monkeypatch: pytest.MonkeyPatch) -> Browser:
    fake = Browser()
    monkeypatch.setattr(webbrowser, "open", fake)
    return fake


def configure(project: Path, block: str) -> None:
    path = project / ".steward" / "project.yml"
    text = path.read_text(encoding="utf-8")
    new, count = re.subn(r"(?ms)^cve_authority:\n.*?\n\n", "cve_authority:\n" + block + "\n", text)
    assert count == 1
    path.write_text(new, encoding="utf-8")


def vulnogram_block(base_url: str | None, token: str | None = None) -> str:
    lines = ["  tool: vulnogram\n", "  vulnogram:\n", "    pmc: quill-wort\n"]
    if base_url:
        lines.append(f"    base_url: {base_url}\n")
    if token:
        lines.append(f"    token: {token}\n")
    return "".join(lines)


def test_login_stores_under_the_configured_reference(
    project: Path, run: Run, server: FakeVulnogramAuth, keys: MemoryKeyring, browser: Browser
) -> None:
    configure(project, vulnogram_block(server.base_url, "keyring:steward-test/quill-vulnogram"))
    result = run("cve", "login")
    assert result.code == 0, result.err
    assert keys.values == {("steward-test", "quill-vulnogram"): FAKE_TOKEN}
    assert "Stored the Vulnogram token under keyring:steward-test/quill-vulnogram" in result.out
    assert "Put this in" not in result.out
    assert browser.urls and browser.urls[0] in result.out.replace("\n", "")
    assert FAKE_TOKEN not in result.out + result.err
    assert server.exchange_forms[0]["code"] not in result.out + result.err


def test_login_without_a_keyring_reference_uses_the_default_and_prints_the_line(
    project: Path, run: Run, server: FakeVulnogramAuth, keys: MemoryKeyring, browser: Browser
) -> None:
    configure(project, vulnogram_block(server.base_url, "env:QUILL_VULNOGRAM_TOKEN"))
    result = run("cve", "login")
    assert result.code == 0, result.err
    assert keys.values == {("steward", "vulnogram-quill-wort"): FAKE_TOKEN}
    assert "under cve_authority.vulnogram: token: keyring:steward/vulnogram-quill-wort" in result.out


def test_the_stored_token_resolves_through_the_secret_reference(
    project: Path, run: Run, server: FakeVulnogramAuth, keys: MemoryKeyring, browser: Browser
) -> None:
    from steward.config.secrets import resolve_secret

    configure(project, vulnogram_block(server.base_url, "keyring:steward/vulnogram-quill-wort"))
    assert run("cve", "login").code == 0
    assert resolve_secret("keyring:steward/vulnogram-quill-wort", "cve_authority.vulnogram.token") == FAKE_TOKEN


def test_missing_scope_exits_3_and_stores_nothing(
    project: Path, run: Run, server: FakeVulnogramAuth, keys: MemoryKeyring, browser: Browser
) -> None:
    server.scope = "read"
    configure(project, vulnogram_block(server.base_url))
    result = run("cve", "login")
    assert result.code == 3
    assert "write, allocate" in result.err
    assert keys.values == {}


def test_no_browser_prints_the_url_and_times_out_with_exit_3(
    project: Path, run: Run, server: FakeVulnogramAuth, keys: MemoryKeyring, browser: Browser
) -> None:
    configure(project, vulnogram_block(server.base_url))
    result = run("cve", "login", "--no-browser", "--timeout", "1")
    assert result.code == 3
    assert "/users/token/authorize?response_type=code" in result.out
    assert "within 1 seconds" in result.err
    assert browser.urls == []
    assert keys.values == {}


def test_missing_base_url_is_a_config_error_naming_the_key(project: Path, run: Run, keys: MemoryKeyring) -> None:
    configure(project, vulnogram_block(None))
    result = run("cve", "login")
    assert result.code == 2
    assert "cve_authority.vulnogram.base_url is not set" in result.err


def test_a_plain_http_remote_base_url_exits_2(project: Path, run: Run, keys: MemoryKeyring, browser: Browser) -> None:
    configure(project, vulnogram_block("http://vulnogram.example.org"))
    result = run("cve", "login")
    assert result.code == 2
    assert "https://" in result.err
    assert browser.urls == []
    assert keys.values == {}


def test_another_cve_tool_is_a_usage_error(project: Path, run: Run) -> None:
    result = run("cve", "login")
    assert result.code == 2
    assert "cve_authority.tool is 'none'" in result.err


def test_a_missing_keyring_package_exits_2_naming_the_extra(
    project: Path, run: Run, server: FakeVulnogramAuth, monkeypatch: pytest.MonkeyPatch
) -> None:
    import sys

    configure(project, vulnogram_block(server.base_url))
    monkeypatch.setitem(sys.modules, "keyring", None)
    result = run("cve", "login")
    assert result.code == 2
    assert "steward[keyring]" in result.err
    assert server.authorize_queries == []
