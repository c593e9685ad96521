"""Status-to-error mapping shared by the httpx-based CNA backends, so each says 401/403/429 the same way."""

from __future__ import annotations

from typing import Any

import httpx

from steward.cna.interface import AuthExpired, CveToolError, RateLimited, ServiceError


def check(response: httpx.Response, what: str) -> httpx.Response:
    """The response when it is a success, else the matching `CveToolError`."""
    if response.is_success:
        return response
    raise status_error(response.status_code, what)


def status_error(status: int, what: str) -> CveToolError:
    """429 is a rate limit, 401/403 are credentials, anything else names its status."""
    if status == 429:
        return RateLimited(f"{what} was rate-limited (HTTP 429); wait a few minutes and retry.")
    if status in (401, 403):
        return AuthExpired(f"{what} was refused with HTTP {status}; renew the CNA tool credentials and retry.")
    return ServiceError(f"{what} failed with HTTP {status}; retry later or check the CNA tool's status.", status)


def send(client: httpx.Client, method: str, url: str, what: str, **kwargs: Any) -> httpx.Response:
    """One request; transport failures become `ServiceError` without a status."""
    try:
        response = client.request(method, url, **kwargs)
    except httpx.HTTPError as exc:
        raise ServiceError(f"{what} could not reach the CNA tool ({type(exc).__name__}); check the network.") from exc
    return response


def json_object(response: httpx.Response, what: str) -> dict[str, Any]:
    """The body as a JSON object, or `ServiceError` naming the status."""
    try:
        data = response.json()
    except ValueError as exc:
        raise ServiceError(
            f"{what} answered HTTP {response.status_code} with a body that is not JSON.", response.status_code
        ) from exc
    if not isinstance(data, dict):
        raise ServiceError(
            f"{what} answered HTTP {response.status_code} with JSON that is not an object.", response.status_code
        )
    return data
