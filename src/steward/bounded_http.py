"""One bounded GET for every outside service steward reads (archives, registries, cve.org; spec §10.5).

Answers are hostile data: the body is capped while streaming (after content decoding, so a compression bomb
is cut too), requests time out, and redirects are followed only within the configured origin, so a session
cookie or token never leaves it. The adapters keep their own status rules and error wording; this module
only reports which bound was hit (`BoundedHttpError.kind`), so the mechanism exists once.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from enum import Enum

import httpx

MAX_REDIRECTS = 3


class Bound(Enum):
    UNREACHABLE = "unreachable"
    OUTSIDE = "redirect outside the origin"
    BAD_REDIRECT = "malformed redirect"
    TOO_MANY_REDIRECTS = "too many redirects"
    TOO_LARGE = "body over the limit"
    BROKEN_OFF = "answer broken off"


class BoundedHttpError(Exception):
    """Which bound a GET hit, at which URL; `detail` is the transport error's type name, when there is one."""

    def __init__(self, kind: Bound, url: httpx.URL, detail: str = "") -> None:
        super().__init__(f"{kind.value} at {safe_url(url)}")
        self.kind = kind
        self.url = url
        self.detail = detail


@dataclass(frozen=True)
class Fetched:
    """The final answer: status, body (empty unless `read` chose it), media type and the URL that served it."""

    status: int
    body: bytes
    media_type: str
    url: httpx.URL


def safe_url(url: httpx.URL) -> str:
    """The URL without query, fragment or credentials: what a message or evidence line may show."""
    port = f":{url.port}" if url.port else ""
    return f"{url.scheme}://{url.host}{port}{url.path}"


def same_origin(url: httpx.URL, base: httpx.URL) -> bool:
    return (url.scheme, url.host, url.port) == (base.scheme, base.host, base.port)


def is_2xx(status: int) -> bool:
    return 200 <= status < 300


def bounded_get(
    client: httpx.Client,
    url: httpx.URL,
    *,
    base: httpx.URL,
    limit: int,
    timeout: float,
    headers: Mapping[str, str] | None = None,
    cut: bool = False,
    read: Callable[[int], bool] = is_2xx,
    max_redirects: int = MAX_REDIRECTS,
) -> Fetched:
    """GET `url` within `base`'s origin; the body is read only for statuses `read` accepts, at most `limit`
    bytes (`cut`: truncated there; else more raises)."""
    current = url
    for _ in range(max_redirects + 1):
        if not same_origin(current, base):
            raise BoundedHttpError(Bound.OUTSIDE, current)
        request = client.build_request("GET", current, headers=dict(headers or {}), timeout=timeout)
        try:
            response = client.send(request, stream=True, follow_redirects=False)
        except httpx.HTTPError as exc:
            raise BoundedHttpError(Bound.UNREACHABLE, current, type(exc).__name__) from None
        try:
            if response.is_redirect and "location" in response.headers:
                try:
                    current = current.join(response.headers["location"])
                except (httpx.InvalidURL, TypeError, ValueError):
                    raise BoundedHttpError(Bound.BAD_REDIRECT, current) from None
                continue
            status = response.status_code
            body = _read(response, current, limit, cut) if read(status) else b""
            media_type = response.headers.get("content-type", "").split(";", 1)[0].strip().lower()
            return Fetched(status, body, media_type, current)
        finally:
            response.close()
    raise BoundedHttpError(Bound.TOO_MANY_REDIRECTS, url)


def _read(response: httpx.Response, url: httpx.URL, limit: int, cut: bool) -> bytes:
    chunks: list[bytes] = []
    size = 0
    try:
        for chunk in response.iter_bytes():
            size += len(chunk)
            if size > limit:
                if cut:
                    chunks.append(chunk[: len(chunk) - (size - limit)])
                    break
                raise BoundedHttpError(Bound.TOO_LARGE, url)
            chunks.append(chunk)
    except httpx.HTTPError as exc:
        raise BoundedHttpError(Bound.BROKEN_OFF, url, type(exc).__name__) from None
    return b"".join(chunks)
