"""The `cve-services` tool: the CVE Services API through cvelib's `CveApi` (§7.3).

CVE Services only knows RESERVED, PUBLISHED and REJECTED, so `review-ready`
and `publish-ready` live in the injected local store, and so does every field
until publication: nothing leaves the machine before `publish()`. The API
takes a CNA container, which is validated offline first. Its WAF answers
rate limits with a 403 page that is not the API's JSON error object, so such
a 403 is retried like a 429.
"""

from __future__ import annotations

import datetime as _dt
import time
from collections.abc import Callable
from typing import Any, Protocol, TypeVar

import requests

from steward.cna import guards
from steward.cna.interface import (
    ALL_STATES,
    AllocationFields,
    AuthExpired,
    CveTool,
    CveToolError,
    Diff,
    GuardRefused,
    LocalRecords,
    RateLimited,
    Record,
    RecordStatus,
    ServiceError,
)
from steward.domain.lifecycle import RecordState
from steward.ids import is_cve

T = TypeVar("T")
MAX_TRIES = 5
REMOTE_STATE: dict[str, RecordState] = {"PUBLISHED": RecordState.PUBLIC, "REJECTED": RecordState.RETRACTED}


class CveServicesApi(Protocol):
    """The part of cvelib's `CveApi` steward uses (so tests and adopters can inject their own)."""

    def reserve(self, count: int, random: bool, year: str) -> dict[str, Any]: ...
    def show_cve_id(self, cve_id: str) -> dict[str, Any]: ...
    def show_cve_record(self, cve_id: str) -> dict[str, Any]: ...
    def publish(self, cve_id: str, cve_json: dict[str, Any], validate: bool = True) -> dict[str, Any]: ...
    def update_published(self, cve_id: str, cve_json: dict[str, Any], validate: bool = True) -> dict[str, Any]: ...
    def reject(self, cve_id: str, cve_json: dict[str, Any], validate: bool = True) -> dict[str, Any]: ...


def _this_year() -> int:
    return _dt.datetime.now(_dt.UTC).year


def _is_api_error(response: requests.Response) -> bool:
    """CVE Services errors are JSON objects with an `error` key; the WAF's pages are not."""
    try:
        body = response.json()
    except ValueError:
        return False
    return isinstance(body, dict) and "error" in body


def classify(response: requests.Response | None, what: str) -> CveToolError:
    """The error for a failed response (§7.3): 429 and a WAF 403 are rate limits, other 401/403 are auth."""
    if response is None:
        return ServiceError(f"{what} got no answer from CVE Services; check the network and retry.")
    status = response.status_code
    if status == 429 or (status == 403 and not _is_api_error(response)):
        return RateLimited(
            f"{what} was rate-limited by CVE Services (HTTP {status}) after {MAX_TRIES} tries; retry later."
        )
    if status in (401, 403):
        return AuthExpired(
            f"{what} was refused by CVE Services (HTTP {status}); check the CVE Services API key and user."
        )
    return ServiceError(f"{what} failed with HTTP {status} from CVE Services; retry later.", status)


def validated_container(record: Record, cve_id: str) -> dict[str, Any]:
    """The CNA container, checked against the vendored 5.1.1 CNA schema before it is sent."""
    from steward.records.validate import validate_record

    container = dict(guards.cna_of(record))
    container.setdefault("x_generator", {"engine": "steward"})
    errors = validate_record(container, "cna")
    if errors:
        raise GuardRefused(f"The CNA container for {cve_id} is not valid CVE JSON 5.1.1 ({errors[0]}); fix the record.")
    return container


class CveServicesTool(CveTool):
    name = "cve-services"

    def __init__(
        self,
        api: CveServicesApi,
        store: LocalRecords,
        *,
        sleep: Callable[[float], None] = time.sleep,
        year: Callable[[], int] = _this_year,
        base_delay: float = 1.0,
    ) -> None:
        self._api = api
        self._store = store
        self._sleep = sleep
        self._year = year
        self._base_delay = base_delay

    @property
    def states(self) -> tuple[RecordState, ...]:
        return ALL_STATES

    def _call(self, what: str, fn: Callable[..., T], *args: Any, **kwargs: Any) -> T:
        """One API call with exponential backoff on rate limits, at most `MAX_TRIES` tries."""
        for attempt in range(MAX_TRIES):
            try:
                return fn(*args, **kwargs)
            except requests.HTTPError as exc:
                error = classify(exc.response, what)
                if not isinstance(error, RateLimited) or attempt == MAX_TRIES - 1:
                    raise error from exc
            except requests.RequestException as exc:
                raise classify(None, what) from exc
            self._sleep(self._base_delay * 2**attempt)
        raise AssertionError("unreachable")  # pragma: no cover

    def allocate(self, scope: str, fields: AllocationFields) -> str:
        what = "Reserving a CVE id"
        reply = self._call(what, self._api.reserve, 1, False, str(self._year()))
        ids = [e.get("cve_id") for e in reply.get("cve_ids") or [] if isinstance(e, dict)]
        if len(ids) != 1 or not isinstance(ids[0], str) or not is_cve(ids[0]):
            raise ServiceError(
                f"{what}: CVE Services did not answer with exactly one valid CVE id; nothing was recorded."
            )
        self._store.put(ids[0], RecordState.ALLOCATED, {})
        return ids[0]

    def _current(self, cve_id: str) -> tuple[RecordState, Record]:
        info = self._call(f"Reading {cve_id}", self._api.show_cve_id, cve_id)
        local = self._store.get(cve_id)
        remote = str(info.get("state", ""))
        if remote in REMOTE_STATE:
            record = local[1] if local else self._call(f"Reading {cve_id}", self._api.show_cve_record, cve_id)
            return REMOTE_STATE[remote], record
        if remote != "RESERVED":
            raise ServiceError(f"CVE Services reports {cve_id} in an unknown state '{remote[:40]}'.")
        if local is None or local[0] in (RecordState.PUBLIC, RecordState.RETRACTED):
            return RecordState.ALLOCATED, local[1] if local else {}
        return local

    def fetch_current_state(self, cve_id: str) -> RecordStatus:
        try:
            state, record = self._current(cve_id)
        except ServiceError as exc:
            return RecordStatus(RecordState.UNKNOWN, detail=str(exc))
        return RecordStatus(state, record)

    def push_update(
        self,
        cve_id: str,
        record: Record,
        state_transition: RecordState | None = None,
        *,
        allow_product_change: bool = False,
    ) -> Diff:
        state, current = self._current(cve_id)
        target, merged, diff = guards.plan_push(
            state, current or None, record, state_transition, allow_product_change=allow_product_change
        )
        if not diff:
            return diff
        if state == RecordState.PUBLIC:
            container = validated_container(merged, cve_id)
            self._call(f"Updating published {cve_id}", self._api.update_published, cve_id, container)
        self._store.put(cve_id, target, merged)
        return diff

    def publish(self, cve_id: str) -> None:
        state, record = self._current(cve_id)
        if not guards.check_publish(state, self.states):
            return
        guards.require_vendor_advisory(record, cve_id)
        container = validated_container(record, cve_id)
        self._call(f"Publishing {cve_id}", self._api.publish, cve_id, container)
        self._store.put(cve_id, RecordState.PUBLIC, record)

    def retract(self, cve_id: str, reason: str) -> None:
        state, record = self._current(cve_id)
        guards.check_retract(state)
        rejected: dict[str, Any] = {"rejectedReasons": [{"lang": "en", "value": reason}]}
        provider = guards.cna_of(record).get("providerMetadata")
        if isinstance(provider, dict) and provider.get("orgId"):
            rejected["providerMetadata"] = {"orgId": provider["orgId"]}
        self._call(f"Rejecting {cve_id}", self._api.reject, cve_id, rejected)
        self._store.put(cve_id, RecordState.RETRACTED, guards.with_rejection(record, reason))
