"""The cve.org publication check of spec §8.8: read `cveMetadata.state` from the public CVE Services API.

The answer is hostile input (§10.5): the CVE id is validated before it goes into the URL, requests time out,
the body is capped while streaming, redirects are followed only within the configured origin, and anything
but a well-formed answer for the id asked about is a `CveOrgError`, which sync turns into "retry next run".

What the API returns (CVE Services `GET /api/cve/{id}`): 200 with the CVE JSON 5 record for a PUBLISHED or
REJECTED id; 404 with `{"error": "CVE_RECORD_DNE", ...}` when no record exists, which is what a RESERVED id
(and an id never allocated) gets, since the endpoint cannot tell those apart. steward reads that 404 as "no
record yet" (`None`); only that exact error code counts, so a proxy's or a CDN's 404 page is an error.
"""

from __future__ import annotations

import json
from typing import Any, Literal

import httpx

from steward import ids
from steward.bounded_http import MAX_REDIRECTS, Bound, BoundedHttpError, bounded_get, is_2xx, safe_url
from steward.errors import OperationFailed, UsageError

CveState = Literal["PUBLISHED", "RESERVED", "REJECTED"]
Outcome = Literal["draft-cve-published", "wait", "blocker", "retry"]

DEFAULT_BASE_URL = "https://cveawg.mitre.org/api"
TIMEOUT_SECONDS = 20.0
MAX_BYTES = 4 * 1024 * 1024
"""Published records with many `affected` entries run to hundreds of KiB; 4 MiB leaves room and stops a flood."""
NO_RECORD = "CVE_RECORD_DNE"
_STATES: dict[str, CveState] = {"PUBLISHED": "PUBLISHED", "RESERVED": "RESERVED", "REJECTED": "REJECTED"}


class CveOrgError(OperationFailed):
    """cve.org could not be read or answered something unusable; sync retries on its next run."""


class CveOrgClient:
    """One cve.org API origin; pass `client` to share a connection pool or, in tests, a MockTransport."""

    def __init__(
        self,
        base_url: str = DEFAULT_BASE_URL,
        client: httpx.Client | None = None,
        *,
        timeout: float = TIMEOUT_SECONDS,
        max_bytes: int = MAX_BYTES,
    ) -> None:
        try:
            self.base = httpx.URL(base_url.rstrip("/") + "/")
        except (httpx.InvalidURL, TypeError, ValueError):
            raise UsageError(
                f"{base_url!r} is not a URL; give the cve.org API base such as {DEFAULT_BASE_URL}."
            ) from None
        if self.base.scheme not in ("http", "https") or not self.base.host:
            raise UsageError(
                f"{base_url!r} is not an http(s) URL; give the cve.org API base such as {DEFAULT_BASE_URL}."
            )
        self.client = client if client is not None else httpx.Client(timeout=timeout, follow_redirects=False)
        self.timeout = timeout
        self.max_bytes = max_bytes

    def record_url(self, cve_id: str) -> httpx.URL:
        """`{base}/cve/{CVE}`; a value that is not a CVE id (G7) is refused before any request."""
        if not ids.is_cve(cve_id):
            raise UsageError(f"{cve_id!r} is not a CVE id (CVE-YYYY-NNNN…); fix the tracker's CVE field.")
        return self.base.join(f"cve/{cve_id}")

    def state(self, cve_id: str) -> CveState | None:
        """The record's `cveMetadata.state`, or None when cve.org holds no record (reserved or unknown id)."""
        url = self.record_url(cve_id)
        status, body = self._get(url)
        data = self._json(body, url, status)
        if status == 404:
            if isinstance(data, dict) and data.get("error") == NO_RECORD:
                return None
            raise CveOrgError(
                f"cve.org at {safe_url(url)} answered HTTP 404 without its no-record error; retry on the next sync run."
            )
        metadata = data.get("cveMetadata") if isinstance(data, dict) else None
        state = metadata.get("state") if isinstance(metadata, dict) else None
        found = metadata.get("cveId") if isinstance(metadata, dict) else None
        if not isinstance(found, str) or found.upper() != cve_id.upper():
            raise CveOrgError(
                f"cve.org at {safe_url(url)} answered with a record for {str(found)[:40]!r}, not {cve_id}; "
                "retry on the next sync run."
            )
        if not isinstance(state, str) or state not in _STATES:
            raise CveOrgError(
                f"cve.org at {safe_url(url)} answered with cveMetadata.state {str(state)[:40]!r}, which is not "
                "PUBLISHED, RESERVED or REJECTED; retry on the next sync run."
            )
        return _STATES[state]

    def _get(self, url: httpx.URL) -> tuple[int, bytes]:
        try:
            got = bounded_get(
                self.client,
                url,
                base=self.base,
                limit=self.max_bytes,
                timeout=self.timeout,
                headers={"Accept": "application/json"},
                read=lambda status: status == 404 or is_2xx(status),
            )
        except BoundedHttpError as exc:
            raise self._refused(exc, url) from None
        if got.status != 404 and not is_2xx(got.status):
            raise CveOrgError(
                f"cve.org at {safe_url(got.url)} answered HTTP {got.status}; sync retries on its next run."
            )
        return got.status, got.body

    def _refused(self, exc: BoundedHttpError, url: httpx.URL) -> CveOrgError:
        at = safe_url(exc.url)
        messages = {
            Bound.OUTSIDE: f"cve.org redirected to {at}, outside {safe_url(self.base)}; steward does not follow "
            "redirects to other hosts. Check the API base URL.",
            Bound.UNREACHABLE: f"cve.org at {at} could not be reached ({exc.detail}); sync retries on its next run.",
            Bound.BAD_REDIRECT: f"cve.org at {at} sent a malformed redirect.",
            Bound.TOO_MANY_REDIRECTS: f"cve.org at {safe_url(url)} redirected more than {MAX_REDIRECTS} times; "
            "check the API base URL.",
            Bound.TOO_LARGE: f"cve.org at {at} sent more than {self.max_bytes} bytes; steward stopped reading. "
            "Retry on the next sync run.",
            Bound.BROKEN_OFF: f"cve.org at {at} broke off its answer ({exc.detail}); sync retries on its next run.",
        }
        return CveOrgError(messages[exc.kind])

    @staticmethod
    def _json(body: bytes, url: httpx.URL, status: int) -> Any:
        try:
            return json.loads(body)
        except (ValueError, RecursionError):
            raise CveOrgError(
                f"cve.org at {safe_url(url)} answered HTTP {status} with a body that is not JSON; "
                "sync retries on its next run."
            ) from None


def outcome(state: CveState | CveOrgError | None) -> Outcome:
    """§8.8 for closed trackers: PUBLISHED ⇒ draft `cve-published`; RESERVED or no record ⇒ wait;
    REJECTED ⇒ blocker; an error ⇒ retry next run."""
    if isinstance(state, CveOrgError):
        return "retry"
    if state == "PUBLISHED":
        return "draft-cve-published"
    if state == "REJECTED":
        return "blocker"
    return "wait"


def check(client: CveOrgClient, cve_id: str) -> tuple[Outcome, CveState | None, str | None]:
    """`state` then `outcome`, with the error message for the rollup when the outcome is `retry`."""
    try:
        found = client.state(cve_id)
    except CveOrgError as exc:
        return outcome(exc), None, str(exc)
    return outcome(found), found, None


__all__ = [
    "DEFAULT_BASE_URL",
    "MAX_BYTES",
    "CveOrgClient",
    "CveOrgError",
    "CveState",
    "Outcome",
    "check",
    "outcome",
]
