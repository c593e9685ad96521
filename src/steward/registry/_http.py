"""Bounded GETs against a registry API (spec §10.5: inbound content is data).

Bodies are capped while streaming (after content decoding, so a compression bomb is cut too), requests time out,
and redirects are followed only within the registry's origin. Messages name the URL without query or credentials.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import httpx

from steward.registry.interface import RegistryError

MiB = 1024 * 1024
BODY_BYTES = 20 * MiB
"""Largest answer read (steward decision): an npm packument of a long-lived package runs to a few MiB."""
TIMEOUT_SECONDS = 20.0
MAX_REDIRECTS = 3


@dataclass(frozen=True)
class Answer:
    """A 2xx body with its media type (lower-cased, parameters dropped) and the URL that served it."""

    body: bytes
    media_type: str
    url: httpx.URL


def safe_url(url: httpx.URL) -> str:
    """The URL without query, fragment or credentials: what a message or evidence line may show."""
    port = f":{url.port}" if url.port else ""
    return f"{url.scheme}://{url.host}{port}{url.path}"


class RegistryHttp:
    """One registry origin; `what` names it in messages (`the PyPI index`), `key` is its config key."""

    def __init__(
        self,
        base_url: str,
        *,
        what: str,
        key: str,
        client: httpx.Client | None = None,
        timeout: float = TIMEOUT_SECONDS,
        body_bytes: int = BODY_BYTES,
    ) -> None:
        try:
            self.base = httpx.URL(base_url.rstrip("/") + "/")
        except (httpx.InvalidURL, TypeError):
            self.base = httpx.URL()
        if self.base.scheme not in ("http", "https") or not self.base.host:
            raise RegistryError(f"{base_url!r} is not an http(s) URL; fix {key}.")
        self.what = what
        self.key = key
        self.client = client if client is not None else httpx.Client(timeout=timeout, follow_redirects=False)
        self.timeout = timeout
        self.body_bytes = body_bytes

    def url(self, path: str) -> httpx.URL:
        """`path` (already validated and quoted by the caller) below the base URL."""
        return self.base.join(path.lstrip("/"))

    def _same_origin(self, url: httpx.URL) -> bool:
        return (url.scheme, url.host, url.port) == (self.base.scheme, self.base.host, self.base.port)

    def get(self, url: httpx.URL, headers: Mapping[str, str] | None = None) -> Answer | None:
        """The 2xx answer; None on HTTP 404 or 410 (the registry does not know the name)."""
        current = url
        for _ in range(MAX_REDIRECTS + 1):
            if not self._same_origin(current):
                raise RegistryError(
                    f"{self.what} redirected to {safe_url(current)}, outside {safe_url(self.base)}; "
                    f"set {self.key} to the registry's real address."
                )
            request = self.client.build_request("GET", current, headers=dict(headers or {}), timeout=self.timeout)
            try:
                response = self.client.send(request, stream=True, follow_redirects=False)
            except httpx.HTTPError as exc:
                raise RegistryError(
                    f"{self.what} at {safe_url(current)} could not be read ({type(exc).__name__}); "
                    f"check {self.key} and the network, then retry."
                ) from None
            try:
                if response.is_redirect and "location" in response.headers:
                    try:
                        current = current.join(response.headers["location"])
                    except (httpx.InvalidURL, ValueError):
                        raise RegistryError(
                            f"{self.what} at {safe_url(current)} redirected to a malformed address; check {self.key}."
                        ) from None
                    continue
                return self._answer(response, current)
            finally:
                response.close()
        raise RegistryError(
            f"{self.what} at {safe_url(url)} redirected more than {MAX_REDIRECTS} times; "
            f"set {self.key} to the final address."
        )

    def _answer(self, response: httpx.Response, url: httpx.URL) -> Answer | None:
        status = response.status_code
        if status in (404, 410):
            return None
        if not 200 <= status < 300:
            raise RegistryError(
                f"{self.what} at {safe_url(url)} answered HTTP {status}; check {self.key} or retry later."
            )
        chunks: list[bytes] = []
        size = 0
        try:
            for chunk in response.iter_bytes():
                size += len(chunk)
                if size > self.body_bytes:
                    raise RegistryError(
                        f"{self.what} at {safe_url(url)} sent more than {self.body_bytes} bytes; "
                        f"check that {self.key} points at the registry's API."
                    )
                chunks.append(chunk)
        except httpx.HTTPError as exc:
            raise RegistryError(
                f"{self.what} at {safe_url(url)} broke off its answer ({type(exc).__name__}); retry later."
            ) from None
        media_type = response.headers.get("content-type", "").split(";", 1)[0].strip().lower()
        return Answer(b"".join(chunks), media_type, url)

    def shape_error(self, url: httpx.URL) -> RegistryError:
        return RegistryError(
            f"{self.what} at {safe_url(url)} answered with data of an unexpected shape; "
            f"check that {self.key} points at the registry's API."
        )
