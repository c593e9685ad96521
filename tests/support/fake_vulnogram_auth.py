"""A fictional Vulnogram authorization server on 127.0.0.1, a scripted "browser", and an in-memory keyring.

The server checks PKCE independently of steward's code (its own hashlib),
so a wrong challenge derivation in steward fails the exchange here.
"""

from __future__ import annotations

import base64
import hashlib
import json
import re
import secrets
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

import httpx
import keyring
import keyring.backend

FAKE_TOKEN = "vg-fictional-token-7f3a9c"
ALL_SCOPES = "read write allocate"


@dataclass
class _Pending:
    challenge: str
    redirect_uri: str


@dataclass
class FakeVulnogramAuth:
    """Knobs a test turns: the scope it grants, a forged `state`, a denial."""

    base_url: str = ""
    scope: str = ALL_SCOPES
    forged_state: str | None = None
    deny: bool = False
    authorize_queries: list[dict[str, str]] = field(default_factory=list)
    exchange_forms: list[dict[str, str]] = field(default_factory=list)
    issued: list[str] = field(default_factory=list)
    pending: dict[str, _Pending] = field(default_factory=dict)


def s256(verifier: str) -> str:
    return base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).decode().rstrip("=")


def _handler(fake: FakeVulnogramAuth) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, format: str, *args: Any) -> None:
            pass

        def _send(self, status: int, body: bytes = b"", headers: dict[str, str] | None = None) -> None:
            self.send_response(status)
            for name, value in (headers or {}).items():
                self.send_header(name, value)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def _json(self, status: int, value: object) -> None:
            self._send(status, json.dumps(value).encode(), {"Content-Type": "application/json"})

        def do_GET(self) -> None:
            parts = urlsplit(self.path)
            if parts.path != "/users/token/authorize":
                self._send(404)
                return
            q = {k: v[0] for k, v in parse_qs(parts.query).items()}
            fake.authorize_queries.append(q)
            redirect = q.get("redirect_uri", "")
            valid = (
                q.get("response_type") == "code"
                and q.get("client_id") == "steward"
                and q.get("code_challenge_method") == "S256"
                and re.fullmatch(r"[A-Za-z0-9_-]{43}", q.get("code_challenge", "")) is not None
                and re.fullmatch(r"http://127\.0\.0\.1:\d+/callback", redirect) is not None
                and set(q.get("scope", "").split()) == {"read", "write", "allocate"}
                and bool(q.get("state"))
            )
            if not valid:
                self._json(400, {"error": "invalid_request"})
                return
            state = fake.forged_state if fake.forged_state is not None else q["state"]
            if fake.deny:
                answer = {"error": "access_denied", "state": state}
            else:
                code = secrets.token_urlsafe(16)
                fake.pending[code] = _Pending(q["code_challenge"], redirect)
                answer = {"code": code, "state": state}
            self._send(302, headers={"Location": f"{redirect}?{urlencode(answer)}"})

        def do_POST(self) -> None:
            if urlsplit(self.path).path != "/users/token/exchange":
                self._send(404)
                return
            length = int(self.headers.get("Content-Length", "0"))
            form = {k: v[0] for k, v in parse_qs(self.rfile.read(length).decode()).items()}
            fake.exchange_forms.append(form)
            pending = fake.pending.pop(form.get("code", ""), None)
            if (
                pending is None
                or form.get("grant_type") != "authorization_code"
                or form.get("client_id") != "steward"
                or form.get("redirect_uri") != pending.redirect_uri
                or s256(form.get("code_verifier", "")) != pending.challenge
            ):
                self._json(400, {"error": "invalid_grant"})
                return
            fake.issued.append(FAKE_TOKEN)
            self._json(200, {"access_token": FAKE_TOKEN, "token_type": "Bearer", "scope": fake.scope})

    return Handler


@contextmanager
def fake_vulnogram() -> Iterator[FakeVulnogramAuth]:
    fake = FakeVulnogramAuth()
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(fake))
    fake.base_url = f"http://127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    try:
        yield fake
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


@dataclass
class Browser:
    """Stands in for the user's browser: GETs the authorize URL and follows the redirect to the callback."""

    rewrite: Callable[[str], str] = lambda url: url
    pages: list[str] = field(default_factory=list)
    urls: list[str] = field(default_factory=list)

    def __call__(self, url: str) -> bool:
        self.urls.append(url)
        response = httpx.get(self.rewrite(url), follow_redirects=True, timeout=10)
        self.pages.append(response.text)
        return True


class MemoryKeyring(keyring.backend.KeyringBackend):
    priority = 1

    def __init__(self) -> None:
        super().__init__()  # type: ignore[no-untyped-call]
        self.values: dict[tuple[str, str], str] = {}

    def get_password(self, service: str, username: str) -> str | None:
        return self.values.get((service, username))

    def set_password(self, service: str, username: str, password: str) -> None:
        self.values[(service, username)] = password

    def delete_password(self, service: str, username: str) -> None:
        self.values.pop((service, username), None)


@contextmanager
def memory_keyring() -> Iterator[MemoryKeyring]:
    previous = keyring.get_keyring()
    backend = MemoryKeyring()
    keyring.set_keyring(backend)
    try:
        yield backend
    finally:
        keyring.set_keyring(previous)
