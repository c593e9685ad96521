"""Bounded GETs against a registry API (spec §10.5), through `steward.bounded_http`, in the registry's words.

Messages name the URL without query or credentials, and the config key that fixes the problem.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import httpx

from steward.bounded_http import MAX_REDIRECTS, Bound, BoundedHttpError, bounded_get, is_2xx, safe_url
from steward.registry.interface import RegistryError

MiB = 1024 * 1024
BODY_BYTES = 20 * MiB
"""Largest answer read (steward decision): an npm packument of a long-lived package runs to a few MiB."""
TIMEOUT_SECONDS = 20.0


@dataclass(frozen=True)
class Answer:
    """A 2xx body with its media type (lower-cased, parameters dropped) and the URL that served it."""

    body: bytes
    media_type: str
    url: httpx.URL


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

    def get(self, url: httpx.URL, headers: Mapping[str, str] | None = None) -> Answer | None:
        """The 2xx answer; None on HTTP 404 or 410 (the registry does not know the name)."""
        try:
            got = bounded_get(
                self.client, url, base=self.base, limit=self.body_bytes, timeout=self.timeout, headers=headers
            )
        except BoundedHttpError as exc:
            raise self._refused(exc, url) from None
        if got.status in (404, 410):
            return None
        if not is_2xx(got.status):
            raise RegistryError(
                f"{self.what} at {safe_url(got.url)} answered HTTP {got.status}; check {self.key} or retry later."
            )
        return Answer(got.body, got.media_type, got.url)

    def _refused(self, exc: BoundedHttpError, url: httpx.URL) -> RegistryError:
        at, key = safe_url(exc.url), self.key
        messages = {
            Bound.OUTSIDE: f"{self.what} redirected to {at}, outside {safe_url(self.base)}; "
            f"set {key} to the registry's real address.",
            Bound.UNREACHABLE: f"{self.what} at {at} could not be read ({exc.detail}); "
            f"check {key} and the network, then retry.",
            Bound.BAD_REDIRECT: f"{self.what} at {at} redirected to a malformed address; check {key}.",
            Bound.TOO_MANY_REDIRECTS: f"{self.what} at {safe_url(url)} redirected more than {MAX_REDIRECTS} times; "
            f"set {key} to the final address.",
            Bound.TOO_LARGE: f"{self.what} at {at} sent more than {self.body_bytes} bytes; "
            f"check that {key} points at the registry's API.",
            Bound.BROKEN_OFF: f"{self.what} at {at} broke off its answer ({exc.detail}); retry later.",
        }
        return RegistryError(messages[exc.kind])

    def shape_error(self, url: httpx.URL) -> RegistryError:
        return RegistryError(
            f"{self.what} at {safe_url(url)} answered with data of an unexpected shape; "
            f"check that {self.key} points at the registry's API."
        )
