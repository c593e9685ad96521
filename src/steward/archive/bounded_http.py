"""Bounded GETs against an archive's HTTP API (spec §10.5: inbound content is data).

Every response is hostile: bytes are capped while streaming (after content decoding, so a compression bomb is
cut too), requests time out, redirects are followed only within the configured origin (so a session cookie never
leaves it), and JSON is checked against a pydantic model of just the fields steward reads. Error messages name the
URL without its query string, which may hold search terms.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import TypeVar

import httpx
from pydantic import BaseModel, ValidationError

from steward.archive.interface import ArchiveError

MiB = 1024 * 1024
JSON_BYTES = 5 * MiB
TIMEOUT_SECONDS = 20.0
MAX_REDIRECTS = 3

M = TypeVar("M", bound=BaseModel)


def safe_url(url: httpx.URL) -> str:
    """The URL without query, fragment or credentials: what an error message may show."""
    port = f":{url.port}" if url.port else ""
    return f"{url.scheme}://{url.host}{port}{url.path}"


def parse_url(text: str, base: httpx.URL, what: str) -> httpx.URL:
    """`text` resolved against `base`; a malformed link from the archive is an ArchiveError."""
    try:
        return base.join(text)
    except (httpx.InvalidURL, ValueError, TypeError):
        raise ArchiveError(
            f"{what} at {safe_url(base)} sent a malformed link; check that archive_system.base_url points at "
            "the archive's API."
        ) from None


class ArchiveHttp:
    """One archive API origin; `what` names it in messages (`the PonyMail archive`)."""

    def __init__(
        self,
        base_url: str,
        *,
        what: str,
        client: httpx.Client | None = None,
        headers: Mapping[str, str] | None = None,
        timeout: float = TIMEOUT_SECONDS,
        json_bytes: int = JSON_BYTES,
    ) -> None:
        self.base = httpx.URL(base_url.rstrip("/") + "/")
        if self.base.scheme not in ("http", "https") or not self.base.host:
            raise ArchiveError(f"{base_url!r} is not an http(s) URL; fix archive_system.base_url.")
        self.what = what
        self.client = client if client is not None else httpx.Client(timeout=timeout, follow_redirects=False)
        self.headers = dict(headers or {})
        self.timeout = timeout
        self.json_bytes = json_bytes

    def url(self, path: str) -> httpx.URL:
        return self.base.join(path.lstrip("/"))

    def same_origin(self, url: httpx.URL) -> bool:
        return (url.scheme, url.host, url.port) == (self.base.scheme, self.base.host, self.base.port)

    def get(
        self, url: httpx.URL, params: Mapping[str, str] | None = None, *, limit: int, cut: bool = False
    ) -> bytes | None:
        """The body, at most `limit` bytes (`cut`: truncated there; else more is an error); None on HTTP 404."""
        current = url.copy_merge_params(dict(params)) if params else url
        for _ in range(MAX_REDIRECTS + 1):
            if not self.same_origin(current):
                raise ArchiveError(
                    f"{self.what} redirected to {safe_url(current)}, outside {safe_url(self.base)}; "
                    "set archive_system.base_url to the archive's real address."
                )
            request = self.client.build_request("GET", current, headers=self.headers, timeout=self.timeout)
            try:
                response = self.client.send(request, stream=True, follow_redirects=False)
            except httpx.HTTPError as exc:
                raise ArchiveError(
                    f"{self.what} at {safe_url(current)} could not be read ({type(exc).__name__}); "
                    "check archive_system.base_url and the network, then retry."
                ) from None
            try:
                if response.is_redirect and "location" in response.headers:
                    current = parse_url(response.headers["location"], current, self.what)
                    continue
                return self._body(response, current, limit, cut)
            finally:
                response.close()
        raise ArchiveError(
            f"{self.what} at {safe_url(url)} redirected more than {MAX_REDIRECTS} times; "
            "set archive_system.base_url to the final address."
        )

    def _body(self, response: httpx.Response, url: httpx.URL, limit: int, cut: bool) -> bytes | None:
        status = response.status_code
        if status == 404:
            return None
        if status in (401, 403):
            raise ArchiveError(
                f"{self.what} at {safe_url(url)} refused access (HTTP {status}); set archive_system.session "
                "to a login that can read this list."
            )
        if not 200 <= status < 300:
            raise ArchiveError(
                f"{self.what} at {safe_url(url)} answered HTTP {status}; check archive_system.base_url or retry later."
            )
        chunks: list[bytes] = []
        size = 0
        try:
            for chunk in response.iter_bytes():
                size += len(chunk)
                if size > limit:
                    if cut:
                        chunks.append(chunk[: len(chunk) - (size - limit)])
                        break
                    raise ArchiveError(
                        f"{self.what} at {safe_url(url)} sent more than {limit} bytes; narrow the request "
                        "or check archive_system.base_url."
                    )
                chunks.append(chunk)
        except httpx.HTTPError as exc:
            raise ArchiveError(
                f"{self.what} at {safe_url(url)} broke off its answer ({type(exc).__name__}); retry later."
            ) from None
        return b"".join(chunks)

    def get_json(self, path: str, params: Mapping[str, str], model: type[M]) -> M | None:
        """The response checked against `model`; None on HTTP 404; any other shape is an ArchiveError."""
        return self.get_json_url(self.url(path), params, model)

    def get_json_url(self, url: httpx.URL, params: Mapping[str, str] | None, model: type[M]) -> M | None:
        body = self.get(url, params, limit=self.json_bytes)
        if body is None:
            return None
        try:
            return model.model_validate(json.loads(body))
        except (ValueError, RecursionError, ValidationError, TypeError):
            raise ArchiveError(
                f"{self.what} at {safe_url(url)} answered with data of an unexpected shape; check that "
                "archive_system.base_url points at the archive's API."
            ) from None
