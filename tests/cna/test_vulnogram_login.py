"""The loopback PKCE login against a fictional Vulnogram on 127.0.0.1: what is stored, and what is refused."""

from __future__ import annotations

import itertools
import re
from collections.abc import Iterator
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
from fake_vulnogram_auth import (
    FAKE_TOKEN,
    Browser,
    FakeVulnogramAuth,
    MemoryKeyring,
    fake_vulnogram,
    memory_keyring,
    s256,
)
from hypothesis import given
from hypothesis import strategies as st

from steward.cna import vulnogram_login as vl
from steward.errors import ConfigError, OperationFailed, Refused

REF = vl.KeyringRef("steward-test", "vulnogram-quill-wort")


@pytest.fixture
def keys() -> Iterator[MemoryKeyring]:
    with memory_keyring() as backend:
        yield backend


@pytest.fixture
def server() -> Iterator[FakeVulnogramAuth]:
    with fake_vulnogram() as fake:
        yield fake


def settings(fake: FakeVulnogramAuth, *, configured: bool = True) -> vl.LoginSettings:
    return vl.LoginSettings(base_url=fake.base_url, ref=REF, configured=configured)


def run_login(fake: FakeVulnogramAuth, browser: Browser | None, said: list[str], **kwargs: object) -> vl.LoginResult:
    return vl.login(
        settings(fake),
        store=vl.keyring_store(),
        say=said.append,
        open_browser=browser,
        **kwargs,  # type: ignore[arg-type]
    )


def test_success_stores_the_token_under_the_configured_reference(
    server: FakeVulnogramAuth, keys: MemoryKeyring
) -> None:
    browser, said = Browser(), list[str]()
    result = run_login(server, browser, said)
    assert keys.values == {("steward-test", "vulnogram-quill-wort"): FAKE_TOKEN}
    assert result.ref == REF
    assert result.scopes == {"read", "write", "allocate"}
    assert browser.pages == ["You can close this tab.\n"]
    # the printed URL is the one the browser opened; neither it nor anything said holds the token or the code
    assert said and browser.urls[0] in said[0]
    code = server.exchange_forms[0]["code"]
    assert not any(FAKE_TOKEN in line or code in line for line in said)
    assert FAKE_TOKEN not in repr(result)


def test_authorize_url_carries_the_pkce_parameters(server: FakeVulnogramAuth, keys: MemoryKeyring) -> None:
    browser: Browser = Browser()
    run_login(server, browser, [])
    parts = urlsplit(browser.urls[0])
    assert f"{parts.scheme}://{parts.netloc}" == server.base_url
    assert parts.path == "/users/token/authorize"
    assert "scope=read%20write%20allocate" in parts.query
    q = {k: v[0] for k, v in parse_qs(parts.query).items()}
    assert q["code_challenge_method"] == "S256"
    assert q["client_id"] == "steward"
    form = server.exchange_forms[0]
    assert s256(form["code_verifier"]) == q["code_challenge"]
    assert form["redirect_uri"] == q["redirect_uri"]
    assert re.fullmatch(r"http://127\.0\.0\.1:\d+/callback", q["redirect_uri"])


def test_state_mismatch_is_refused_and_nothing_is_exchanged_or_stored(
    server: FakeVulnogramAuth, keys: MemoryKeyring
) -> None:
    server.forged_state = "forged-state-value"
    with pytest.raises(Refused, match="state"):
        run_login(server, Browser(), [])
    assert keys.values == {}
    assert server.exchange_forms == []


def test_a_denied_request_is_refused(server: FakeVulnogramAuth, keys: MemoryKeyring) -> None:
    server.deny = True
    with pytest.raises(Refused, match="access_denied"):
        run_login(server, Browser(), [])
    assert keys.values == {}


def test_a_tampered_challenge_makes_the_verifier_wrong_and_is_refused(
    server: FakeVulnogramAuth, keys: MemoryKeyring
) -> None:
    other = vl.challenge_for(vl.new_verifier())
    browser = Browser(rewrite=lambda url: re.sub(r"code_challenge=[^&]+", f"code_challenge={other}", url))
    with pytest.raises(Refused, match=r"HTTP 400, invalid_grant"):
        run_login(server, browser, [])
    assert keys.values == {}
    assert server.issued == []


def test_exchange_with_a_wrong_verifier_is_refused(server: FakeVulnogramAuth) -> None:
    browser = Browser()
    verifier = vl.new_verifier()
    url = vl.authorize_url(
        server.base_url, redirect_uri="http://127.0.0.1:9/callback", challenge=vl.challenge_for(verifier), state="s"
    )
    with pytest.raises(httpx.ConnectError):
        browser(url)  # the redirect goes to a closed port; the code is in the server's pending list
    (code,) = server.pending
    with httpx.Client() as client, pytest.raises(Refused, match="invalid_grant"):
        vl.exchange_code(
            client, server.base_url, code=code, redirect_uri="http://127.0.0.1:9/callback", verifier=vl.new_verifier()
        )
    assert server.issued == []


def test_a_missing_scope_is_refused_naming_it(server: FakeVulnogramAuth, keys: MemoryKeyring) -> None:
    server.scope = "read write"
    with pytest.raises(Refused, match=r"scope\(s\) allocate;"):
        run_login(server, Browser(), [])
    assert keys.values == {}


def test_timeout_is_refused_and_nothing_is_stored(server: FakeVulnogramAuth, keys: MemoryKeyring) -> None:
    ticks = itertools.count(0, 100)
    with pytest.raises(Refused, match="within 300 seconds"):
        run_login(server, None, [], clock=lambda: float(next(ticks)), timeout=300.0)
    assert keys.values == {}
    assert server.authorize_queries == []


@pytest.mark.parametrize(
    "base_url", ["http://vulnogram.example.org", "http://192.0.2.7:8080", "ftp://vulnogram.example.org", "https://"]
)
def test_non_https_remote_base_url_is_refused_before_anything_listens(base_url: str, keys: MemoryKeyring) -> None:
    browser = Browser()
    with pytest.raises(ConfigError, match="https"):
        vl.login(
            vl.LoginSettings(base_url=base_url, ref=REF, configured=True),
            store=vl.keyring_store(),
            say=lambda _: None,
            open_browser=browser,
        )
    assert browser.urls == []
    assert keys.values == {}


@pytest.mark.parametrize("base_url", ["https://vulnogram.example.org", "http://127.0.0.1:8080", "http://localhost"])
def test_https_or_loopback_base_url_is_accepted(base_url: str) -> None:
    vl.check_transport(base_url)


def test_network_failure_is_an_operation_failure() -> None:
    with httpx.Client() as client, pytest.raises(OperationFailed, match="Could not reach"):
        vl.exchange_code(client, "http://127.0.0.1:9", code="c", redirect_uri="http://127.0.0.1:9/cb", verifier="v")


def test_an_oversized_exchange_answer_is_refused() -> None:
    transport = httpx.MockTransport(lambda request: httpx.Response(200, content=b"x" * (vl.MAX_EXCHANGE_BYTES + 1)))
    with httpx.Client(transport=transport) as client, pytest.raises(OperationFailed, match="KiB"):
        vl.exchange_code(client, "https://vulnogram.example.org", code="c", redirect_uri="r", verifier="v")


@pytest.mark.parametrize("body", [b"not json", b"[1]", b'{"scope": "read write allocate"}', b'{"access_token": 7}'])
def test_an_answer_without_a_token_is_an_operation_failure(body: bytes) -> None:
    transport = httpx.MockTransport(lambda request: httpx.Response(200, content=body))
    with httpx.Client(transport=transport) as client, pytest.raises(OperationFailed, match="access_token"):
        vl.exchange_code(client, "https://vulnogram.example.org", code="c", redirect_uri="r", verifier="v")


def test_scopes_as_a_json_list_are_read() -> None:
    body = {"access_token": "t", "scope": ["allocate", "read", "write"]}
    transport = httpx.MockTransport(lambda request: httpx.Response(200, json=body))
    with httpx.Client(transport=transport) as client:
        grant = vl.exchange_code(client, "https://vulnogram.example.org", code="c", redirect_uri="r", verifier="v")
    assert grant.scopes == {"read", "write", "allocate"}


def test_the_listener_takes_exactly_one_callback(server: FakeVulnogramAuth, keys: MemoryKeyring) -> None:
    seen: list[int] = []

    def twice(url: str) -> bool:
        Browser()(url)
        redirect = parse_qs(urlsplit(url).query)["redirect_uri"][0]
        seen.append(httpx.get(f"{redirect}?code=other&state=x").status_code)
        return True

    run_login(server, twice, [])  # type: ignore[arg-type]
    assert seen == [404]
    assert keys.values == {("steward-test", "vulnogram-quill-wort"): FAKE_TOKEN}


def test_keyring_references() -> None:
    assert vl.parse_keyring_ref("keyring:steward/vulnogram") == vl.KeyringRef("steward", "vulnogram")
    assert vl.parse_keyring_ref("keyring:svc/a/b") == vl.KeyringRef("svc", "a/b")
    assert vl.parse_keyring_ref("env:VULNOGRAM_TOKEN") is None
    assert vl.parse_keyring_ref(None) is None
    assert str(vl.default_ref("quill-wort")) == "keyring:steward/vulnogram-quill-wort"


def test_a_missing_keyring_package_names_the_extra(monkeypatch: pytest.MonkeyPatch) -> None:
    import sys

    monkeypatch.setitem(sys.modules, "keyring", None)
    with pytest.raises(ConfigError, match=r"steward\[keyring\]"):
        vl.keyring_store()


# ---------------------------------------------------------------- PKCE derivation


def test_challenge_matches_the_rfc_7636_appendix_b_example() -> None:
    assert (
        vl.challenge_for("dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk") == "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"
    )


def test_new_verifier_is_inside_the_rfc_charset_and_length() -> None:
    verifiers = {vl.new_verifier() for _ in range(20)}
    assert len(verifiers) == 20
    assert all(vl.VERIFIER_CHARS.fullmatch(v) for v in verifiers)


VERIFIER = st.text(
    alphabet="ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~", min_size=43, max_size=128
)


@given(VERIFIER)
def test_challenge_is_unpadded_base64url_of_sha256_and_deterministic(verifier: str) -> None:
    challenge = vl.challenge_for(verifier)
    assert challenge == vl.challenge_for(verifier)
    assert re.fullmatch(r"[A-Za-z0-9_-]{43}", challenge)
    assert challenge == s256(verifier)


@given(st.text(max_size=200))
def test_challenge_refuses_anything_outside_the_verifier_grammar(text: str) -> None:
    if vl.VERIFIER_CHARS.fullmatch(text):
        assert len(vl.challenge_for(text)) == 43
    else:
        with pytest.raises(ValueError, match="code_verifier"):
            vl.challenge_for(text)


def test_a_keyring_that_refuses_is_an_operation_failure_without_the_token(server: FakeVulnogramAuth) -> None:
    class Locked(MemoryKeyring):
        def set_password(self, service: str, username: str, password: str) -> None:
            raise RuntimeError("locked")

    with memory_keyring() as _:
        import keyring

        keyring.set_keyring(Locked())
        with pytest.raises(OperationFailed, match="unlocked") as caught:
            run_login(server, Browser(), [])
    assert FAKE_TOKEN not in str(caught.value)
