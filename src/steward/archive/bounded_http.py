"""Bounded GETs against an archive's HTTP API (spec §10.5: inbound content is data).

The bounds themselves live in `steward.bounded_http`; here the archive's status rules, its error wording, and
JSON checked against a pydantic model of just the fields steward reads. Error messages name the URL without its
query string, which may hold search terms.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import TypeVar

import httpx
from pydantic import BaseModel, ValidationError

from steward.archive.interface import ArchiveError
from steward.bounded_http import (
    MAX_REDIRECTS,
    Bound,
    BoundedHttpError,
    bounded_get,
    is_2xx,
    safe_url,
    same_origin,
)

MiB = 1024 * 1024
JSON_BYTES = 5 * MiB
TIMEOUT_SECONDS = 20.0

M = TypeVar("M", bound=BaseModel)


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
        return same_origin(url, self.base)

    def get(
        self, url: httpx.URL, params: Mapping[str, str] | None = None, *, limit: int, cut: bool = False
    ) -> bytes | None:
        """The body, at most `limit` bytes (`cut`: truncated there; else more is an error); None on HTTP 404."""
        current = url.copy_merge_params(dict(params)) if params else url
        try:
            got = bounded_get(
                self.client,
                current,
                base=self.base,
                limit=limit,
                timeout=self.timeout,
                headers=self.headers,
                cut=cut,
            )
        except BoundedHttpError as exc:
            raise self._refused(exc, url, limit) from None
        status, where = got.status, safe_url(got.url)
        if status == 404:
            return None
        if status in (401, 403):
            raise ArchiveError(
                f"{self.what} at {where} refused access (HTTP {status}); set archive_system.session "
                "to a login that can read this list."
            )
        if not is_2xx(status):
            raise ArchiveError(
                f"{self.what} at {where} answered HTTP {status}; check archive_system.base_url or retry later."
            )
        return got.body

    def _refused(self, exc: BoundedHttpError, url: httpx.URL, limit: int) -> ArchiveError:
        at, what = safe_url(exc.url), self.what
        messages = {
            Bound.OUTSIDE: f"{what} redirected to {at}, outside {safe_url(self.base)}; "
            "set archive_system.base_url to the archive's real address.",
            Bound.UNREACHABLE: f"{what} at {at} could not be read ({exc.detail}); "
            "check archive_system.base_url and the network, then retry.",
            Bound.BAD_REDIRECT: f"{what} at {at} sent a malformed link; check that archive_system.base_url "
            "points at the archive's API.",
            Bound.TOO_MANY_REDIRECTS: f"{what} at {safe_url(url)} redirected more than {MAX_REDIRECTS} times; "
            "set archive_system.base_url to the final address.",
            Bound.TOO_LARGE: f"{what} at {at} sent more than {limit} bytes; narrow the request "
            "or check archive_system.base_url.",
            Bound.BROKEN_OFF: f"{what} at {at} broke off its answer ({exc.detail}); retry later.",
        }
        return ArchiveError(messages[exc.kind])

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
