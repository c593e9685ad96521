"""`steward cve login`: a Vulnogram token via loopback OAuth with PKCE (RFC 7636, RFC 8252), into the keyring.

The token is a credential with `read`, `write` and `allocate` rights on the
project's CVE records, so it never passes through argv, stdout or a log: the
browser brings back a one-time code to a listener on 127.0.0.1, the code is
exchanged (with the PKCE verifier, so a code intercepted on the way is
useless) and the token goes straight into the keyring (§7.3, §13).
"""

from __future__ import annotations

import base64
import hashlib
import json
import re
import secrets
import threading
import time
import webbrowser
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, quote, urlencode, urlsplit

import httpx

from steward.config.model import ProjectConfig
from steward.errors import ConfigError, OperationFailed, Refused, UsageError
from steward.intake.imap_source import is_loopback

SCOPES = ("read", "write", "allocate")
CLIENT_ID = "steward"
CALLBACK_PATH = "/callback"
DEFAULT_TIMEOUT = 300.0
EXCHANGE_TIMEOUT = 30.0
MAX_EXCHANGE_BYTES = 64 * 1024
CALLBACK_PAGE = b"You can close this tab.\n"
TOKEN_KEY = "cve_authority.vulnogram.token"
BASE_URL_KEY = "cve_authority.vulnogram.base_url"
VERIFIER_CHARS = re.compile(r"[A-Za-z0-9\-._~]{43,128}")
_POLL_SECONDS = 0.05

Clock = Callable[[], float]
Opener = Callable[[str], object]
Say = Callable[[str], None]
StoreToken = Callable[[str, str, str], None]


# ---------------------------------------------------------------- PKCE


def new_verifier() -> str:
    """86 URL-safe characters (64 random bytes): inside RFC 7636's 43-128 and its unreserved charset."""
    return secrets.token_urlsafe(64)


def challenge_for(verifier: str) -> str:
    """`BASE64URL(SHA256(verifier))` without padding: the S256 method, the only one steward offers."""
    if not VERIFIER_CHARS.fullmatch(verifier):
        raise ValueError("a PKCE code_verifier is 43-128 characters from A-Z a-z 0-9 - . _ ~")
    digest = hashlib.sha256(verifier.encode("ascii")).digest()
    return base64.urlsafe_b64encode(digest).decode("ascii").rstrip("=")


def authorize_url(base_url: str, *, redirect_uri: str, challenge: str, state: str) -> str:
    """The page the user approves in the browser; spaces in `scope` are %20 as RFC 6749 writes them."""
    query = urlencode(
        {
            "response_type": "code",
            "client_id": CLIENT_ID,
            "redirect_uri": redirect_uri,
            "code_challenge": challenge,
            "code_challenge_method": "S256",
            "state": state,
            "scope": " ".join(SCOPES),
        },
        quote_via=quote,
    )
    return f"{base_url}/users/token/authorize?{query}"


# ---------------------------------------------------------------- settings


@dataclass(frozen=True)
class KeyringRef:
    """Where the token goes: `keyring:SERVICE/NAME`."""

    service: str
    name: str

    def __str__(self) -> str:
        return f"keyring:{self.service}/{self.name}"


def parse_keyring_ref(ref: str | None) -> KeyringRef | None:
    """The service and name of a `keyring:SERVICE/NAME` reference; None for any other kind."""
    if not ref or not ref.startswith("keyring:"):
        return None
    service, _, name = ref.removeprefix("keyring:").partition("/")
    return KeyringRef(service, name) if service and name else None


def default_ref(project: str) -> KeyringRef:
    return KeyringRef("steward", f"vulnogram-{project}")


@dataclass(frozen=True)
class LoginSettings:
    """What the flow needs from project.yml; `configured` is False when the user must add the reference."""

    base_url: str
    ref: KeyringRef
    configured: bool


def check_transport(base_url: str) -> None:
    """The code and token cross this connection, so plain http is only for this machine."""
    parts = urlsplit(base_url)
    if parts.scheme == "https" and parts.hostname:
        return
    if parts.scheme == "http" and parts.hostname and is_loopback(parts.hostname):
        return
    raise ConfigError(
        f"{BASE_URL_KEY} is {base_url!r}, but the token exchange needs https:// (plain http only to a loopback host); "
        "fix it in project.yml."
    )


def settings_from(config: ProjectConfig) -> LoginSettings:
    """Refuse a project that does not use Vulnogram, or names no instance, before anything listens."""
    authority = config.cve_authority
    if authority.tool != "vulnogram":
        raise UsageError(
            f"steward cve login is for the vulnogram CNA tool, but cve_authority.tool is {authority.tool!r}; "
            "set `tool: vulnogram` in project.yml first."
        )
    base_url = authority.vulnogram.base_url
    if not base_url:
        raise ConfigError(f"{BASE_URL_KEY} is not set; set it to the Vulnogram instance's URL in project.yml.")
    base = str(base_url).rstrip("/")
    check_transport(base)
    ref = parse_keyring_ref(authority.vulnogram.token)
    return LoginSettings(base_url=base, ref=ref or default_ref(config.project), configured=ref is not None)


def keyring_store() -> StoreToken:
    """`keyring.set_password`, or a config error naming the extra that provides it."""
    try:
        import keyring  # type: ignore[import-not-found,unused-ignore]
    except ImportError:
        raise ConfigError(
            "steward cve login stores the token in the keyring, which is not installed; "
            "install the extra with `pip install 'steward[keyring]'`."
        ) from None

    def store(service: str, name: str, token: str) -> None:
        try:
            keyring.set_password(service, name, token)
        except Exception as exc:  # keyring backends raise their own types (KeyringError, dbus, OSError)
            raise OperationFailed(
                f"The keyring refused to store {TOKEN_KEY} under keyring:{service}/{name} ({type(exc).__name__}); "
                "check that a keyring backend is unlocked and available."
            ) from None

    return store


# ---------------------------------------------------------------- the loopback listener


class _CallbackServer(ThreadingHTTPServer):
    """Keeps the first `/callback` query; every later request is a 404.

    Threaded because browsers open speculative connections that send nothing;
    a single-threaded server would sit on one of those while the callback waits.
    """

    daemon_threads = True

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), _CallbackHandler)
        self.received = threading.Event()
        self.query: dict[str, str] = {}
        self.lock = threading.Lock()

    @property
    def port(self) -> int:
        return int(self.server_address[1])


class _CallbackHandler(BaseHTTPRequestHandler):
    server: _CallbackServer
    timeout = 10  # a client that connects and says nothing must not hold the listener

    def do_GET(self) -> None:
        parts = urlsplit(self.path)
        with self.server.lock:
            first = parts.path == CALLBACK_PATH and not self.server.received.is_set()
            if first:
                self.server.query = {k: v[0] for k, v in parse_qs(parts.query, keep_blank_values=True).items()}
                self.server.received.set()
        if not first:
            self._answer(404, b"Not found.\n")
            return
        self._answer(200, CALLBACK_PAGE)

    def _answer(self, status: int, body: bytes) -> None:
        self.send_response(status)
        self.send_header("Content-Type", "text/plain; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Cache-Control", "no-store")
        self.send_header("Referrer-Policy", "no-referrer")
        self.send_header("Connection", "close")
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: Any) -> None:
        """Silent: the default logs the request line, which holds the authorization code."""


@contextmanager
def _listening() -> Iterator[_CallbackServer]:
    server = _CallbackServer()
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": _POLL_SECONDS}, daemon=True)
    thread.start()
    try:
        yield server
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


def _wait(server: _CallbackServer, timeout: float, clock: Clock) -> dict[str, str]:
    deadline = clock() + timeout
    while not server.received.wait(_POLL_SECONDS):
        if clock() >= deadline:
            raise Refused(
                f"No answer from the browser within {timeout:g} seconds; nothing was stored. "
                "Run `steward cve login` again and approve the request in the browser."
            )
    with server.lock:
        return dict(server.query)


def _code_from(query: Mapping[str, str], state: str) -> str:
    """The code of a callback that carries our `state`; a denial or a foreign callback is refused."""
    if not secrets.compare_digest(query.get("state", "").encode(), state.encode()):
        raise Refused(
            "The browser came back with a state that does not match this login (a stale or forged callback); "
            "nothing was stored. Run `steward cve login` again."
        )
    error = query.get("error")
    if error:
        raise Refused(
            f"Vulnogram did not grant the token ({_short(error)}); nothing was stored. "
            "Run `steward cve login` again and approve the request."
        )
    code = query.get("code", "")
    if not code:
        raise Refused("The browser came back without an authorization code; nothing was stored. Run it again.")
    return code


def _short(value: object) -> str:
    """An OAuth error code to quote: only the plain token-like form, so server text never reaches the terminal."""
    text = str(value)
    return text if re.fullmatch(r"[A-Za-z0-9_.\-]{1,40}", text) else "an unreadable error"


# ---------------------------------------------------------------- the exchange


@dataclass(frozen=True)
class Grant:
    token: str
    scopes: frozenset[str]

    def __repr__(self) -> str:  # never show the token, not even in a traceback
        return f"Grant(token=<hidden>, scopes={sorted(self.scopes)})"


def exchange_code(client: httpx.Client, base_url: str, *, code: str, redirect_uri: str, verifier: str) -> Grant:
    """POST the code and verifier; the answer must be a small JSON object with the token and every scope."""
    url = f"{base_url}/users/token/exchange"
    form = {
        "grant_type": "authorization_code",
        "code": code,
        "redirect_uri": redirect_uri,
        "code_verifier": verifier,
        "client_id": CLIENT_ID,
    }
    try:
        with client.stream("POST", url, data=form, headers={"Accept": "application/json"}) as response:
            status = response.status_code
            body = bytearray()
            for chunk in response.iter_bytes():
                body += chunk
                if len(body) > MAX_EXCHANGE_BYTES:
                    raise OperationFailed(
                        f"{url} answered with more than {MAX_EXCHANGE_BYTES // 1024} KiB; nothing was stored."
                    )
    except httpx.HTTPError as exc:
        raise OperationFailed(
            f"Could not reach {url} ({type(exc).__name__}); check the network and {BASE_URL_KEY}."
        ) from None
    data = _json_object(bytes(body))
    if status in (400, 401, 403):
        why = f", {_short(data['error'])}" if data and "error" in data else ""
        raise Refused(
            f"Vulnogram refused the code exchange at {url} (HTTP {status}{why}); nothing was stored. "
            "Run `steward cve login` again."
        )
    if status != 200:
        raise OperationFailed(f"{url} answered HTTP {status} instead of 200; nothing was stored. Retry later.")
    token = data.get("access_token") if data else None
    if not isinstance(token, str) or not token.strip():
        raise OperationFailed(f"{url} answered without an access_token in a JSON object; nothing was stored.")
    grant = Grant(token=token.strip(), scopes=_scopes(data.get("scope") if data else None))
    missing = [s for s in SCOPES if s not in grant.scopes]
    if missing:
        raise Refused(
            f"Vulnogram granted a token without the scope(s) {', '.join(missing)}; nothing was stored. "
            "Ask the instance's administrator for read, write and allocate, then run `steward cve login` again."
        )
    return grant


def _json_object(body: bytes) -> dict[str, Any] | None:
    try:
        data = json.loads(body)
    except ValueError:
        return None
    return data if isinstance(data, dict) else None


def _scopes(value: object) -> frozenset[str]:
    """RFC 6749 writes scope as one space-separated string; a JSON list is read the same way."""
    if isinstance(value, str):
        return frozenset(value.split())
    if isinstance(value, list):
        return frozenset(s for s in value if isinstance(s, str))
    return frozenset()


# ---------------------------------------------------------------- the flow


@dataclass(frozen=True)
class LoginResult:
    ref: KeyringRef
    configured: bool
    scopes: frozenset[str]


def open_in_browser(url: str) -> object:
    """`webbrowser.open`, looked up at call time so a test can stand in for the browser."""
    return webbrowser.open(url)


def login(
    settings: LoginSettings,
    *,
    store: StoreToken,
    say: Say,
    open_browser: Opener | None = open_in_browser,
    client: httpx.Client | None = None,
    clock: Clock = time.monotonic,
    timeout: float = DEFAULT_TIMEOUT,
) -> LoginResult:
    """Run one authorization; `open_browser=None` only prints the URL (`--no-browser`)."""
    check_transport(settings.base_url)
    verifier = new_verifier()
    state = secrets.token_urlsafe(32)
    with _listening() as server:
        redirect_uri = f"http://127.0.0.1:{server.port}{CALLBACK_PATH}"
        url = authorize_url(
            settings.base_url, redirect_uri=redirect_uri, challenge=challenge_for(verifier), state=state
        )
        say(f"Approve steward's access in the browser (waiting up to {timeout:g} seconds): {url}")
        if open_browser is not None:
            open_browser(url)
        query = _wait(server, timeout, clock)
    code = _code_from(query, state)
    owned = client is None
    http = client or httpx.Client(timeout=EXCHANGE_TIMEOUT, follow_redirects=False)
    try:
        grant = exchange_code(http, settings.base_url, code=code, redirect_uri=redirect_uri, verifier=verifier)
    finally:
        if owned:
            http.close()
    store(settings.ref.service, settings.ref.name, grant.token)
    return LoginResult(ref=settings.ref, configured=settings.configured, scopes=grant.scopes)
