"""The `vulnogram` tool: a Vulnogram instance's token API (§7.3), or the manual-paste hand-off without a token.

Records are read at `GET /cve5/json/<ID>` and written at `POST /cve5/<ID>`;
each is the CVE record plus a `CNA_private` object whose `state` is the
tool's workflow state. The token arrives already resolved (keyring, config),
so this module never reads the environment.
"""

from __future__ import annotations

import json
from typing import Any

import httpx

from steward.cna import _http, guards
from steward.cna.interface import (
    ALL_STATES,
    AllocationFields,
    CveTool,
    CveToolError,
    Diff,
    HandOff,
    InvalidState,
    ManualAllocation,
    ManualPaste,
    Pending,
    Record,
    RecordStatus,
    ServiceError,
)
from steward.domain.lifecycle import RecordState
from steward.ids import is_cve

PRIVATE = "CNA_private"
STATE_OF: dict[str, RecordState] = {
    "DRAFT": RecordState.ALLOCATED,
    "REVIEW": RecordState.REVIEW_READY,
    "READY": RecordState.PUBLISH_READY,
    "PUBLIC": RecordState.PUBLIC,
    "REJECTED": RecordState.RETRACTED,
}
NAME_OF: dict[RecordState, str] = {generic: name for name, generic in STATE_OF.items()}


class VulnogramTool(CveTool):
    name = "vulnogram"

    def __init__(
        self,
        *,
        base_url: str,
        allocate_url: str,
        pmc: str,
        list_id: str,
        token: str | None = None,
        client: httpx.Client | None = None,
    ) -> None:
        self._allocate_url = allocate_url
        self._pmc = pmc
        self._list_id = list_id
        self._token = token or None
        self._client = client or httpx.Client(base_url=base_url.rstrip("/") + "/", timeout=30.0)

    @property
    def states(self) -> tuple[RecordState, ...]:
        return ALL_STATES

    def _headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self._token}", "Accept": "application/json"}

    def allocate(self, scope: str, fields: AllocationFields) -> str | Pending:
        if self._token is None:
            raise ManualAllocation(self._allocate_url, fields.title)
        body = {"pmc": self._pmc, "cvetitle": fields.title, "listid": self._list_id}
        if fields.message_id:
            body["messageid"] = fields.message_id
        what = "Vulnogram allocation (POST /allocatecve)"
        response = _http.send(self._client, "POST", "allocatecve", what, json=body, headers=self._headers())
        if response.status_code == 202:
            return Pending(
                ref=fields.message_id or fields.title,
                note="The CNA tool mailed the request to the foundation security team; paste their id with --cve-id.",
            )
        _http.check(response, what)
        if response.status_code != 200:
            raise ServiceError(
                f"{what} answered HTTP {response.status_code} instead of 200 or 202.", response.status_code
            )
        ids = _http.json_object(response, what).get("cve_ids")
        if not (isinstance(ids, list) and len(ids) == 1 and isinstance(ids[0], str) and is_cve(ids[0])):
            raise ServiceError(
                f"{what} answered without exactly one valid CVE id ({json.dumps(ids)[:80]}); nothing was recorded.", 200
            )
        return ids[0]

    def _read(self, cve_id: str) -> tuple[RecordState, Record, dict[str, Any]]:
        what = f"Reading {cve_id} from Vulnogram"
        response = _http.check(
            _http.send(self._client, "GET", f"cve5/json/{cve_id}", what, headers=self._headers()), what
        )
        doc = _http.json_object(response, what)
        private = doc.pop(PRIVATE, None)
        private = private if isinstance(private, dict) else {}
        raw = str(private.get("state", ""))
        if raw.upper() not in STATE_OF:
            raise InvalidState(
                f"Vulnogram holds {cve_id} in state '{raw[:40]}', which steward does not know; fix it in the CNA tool."
            )
        return STATE_OF[raw.upper()], doc, private

    def _write(self, cve_id: str, record: Record, private: dict[str, Any], state: RecordState) -> None:
        what = f"Writing {cve_id} to Vulnogram"
        doc = {**record, PRIVATE: {**private, "state": NAME_OF[state]}}
        _http.check(_http.send(self._client, "POST", f"cve5/{cve_id}", what, json=doc, headers=self._headers()), what)

    def fetch_current_state(self, cve_id: str) -> RecordStatus:
        if self._token is None:
            return RecordStatus(
                RecordState.UNKNOWN, detail="no Vulnogram token; the record can only be read in the browser"
            )
        try:
            state, record, _ = self._read(cve_id)
        except (ServiceError, InvalidState) as exc:
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
        if self._token is None:
            guards.target_state(RecordState.NONE, state_transition)
            raise ManualPaste(json.dumps(record, indent=2, ensure_ascii=False), f"the Vulnogram editor for {cve_id}")
        state, current, private = self._read(cve_id)
        target, merged, diff = guards.plan_push(
            state, current, record, state_transition, allow_product_change=allow_product_change
        )
        guards.refuse_downgrade(state, target)
        if diff:
            self._write(cve_id, merged, private, target)
        return diff

    def _no_token(self, cve_id: str, step: str) -> CveToolError:
        return HandOff(
            f"Without a Vulnogram token, {step} {cve_id} by hand in the CNA tool.",
            f"{step} {cve_id}: {self._allocate_url}",
        )

    def publish(self, cve_id: str) -> None:
        if self._token is None:
            raise self._no_token(cve_id, "publish")
        state, record, private = self._read(cve_id)
        if not guards.check_publish(state, self.states):
            return
        guards.require_vendor_advisory(record, cve_id)
        self._write(cve_id, record, private, RecordState.PUBLIC)

    def retract(self, cve_id: str, reason: str) -> None:
        if self._token is None:
            raise self._no_token(cve_id, "reject")
        state, record, private = self._read(cve_id)
        guards.check_retract(state)
        self._write(cve_id, guards.with_rejection(record, reason), private, RecordState.RETRACTED)
