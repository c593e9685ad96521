"""The `mitre-form` tool: allocation and publication go through the MITRE web form, by a human (§7.3).

steward never drives the form. It renders the text to paste, keeps the
record and the local states in the injected store, and reads the public
state (RESERVED / PUBLISHED / REJECTED) from the cve.org API.
"""

from __future__ import annotations

import json

import httpx

from steward.cna import _http, guards
from steward.cna.interface import (
    AllocationFields,
    CveTool,
    Diff,
    GuardRefused,
    HandOff,
    LocalRecords,
    ManualAllocation,
    Pending,
    Record,
    RecordStatus,
    ServiceError,
)
from steward.domain.lifecycle import RecordState
from steward.ids import is_cve

FORM_URL = "https://cveform.mitre.org/"
API_URL = "https://cveawg.mitre.org/api/"
STATES = (RecordState.ALLOCATED, RecordState.PUBLIC)
REMOTE_STATE: dict[str, RecordState] = {"PUBLISHED": RecordState.PUBLIC, "REJECTED": RecordState.RETRACTED}


def form_text(cve_id: str | None, record: Record) -> str:
    """The lines a human pastes into the form: id, title, description, products, references."""
    cna = guards.cna_of(record)
    lines = [f"CVE ID: {cve_id}"] if cve_id else []
    if cna.get("title"):
        lines.append(f"Title: {cna['title']}")
    for d in cna.get("descriptions") or []:
        if isinstance(d, dict) and d.get("value"):
            lines.append(f"Description: {d['value']}")
            break
    for a in cna.get("affected") or []:
        if isinstance(a, dict):
            versions = ", ".join(
                str(v.get("version")) + (f" to before {v['lessThan']}" if v.get("lessThan") else "")
                for v in a.get("versions") or []
                if isinstance(v, dict)
            )
            lines.append(f"Affected: {a.get('vendor', '')} {a.get('product', '')} {versions}".rstrip())
    lines += [f"Reference: {r['url']}" for r in cna.get("references") or [] if isinstance(r, dict) and r.get("url")]
    lines.append("")
    lines.append("CVE JSON:")
    lines.append(json.dumps(record, indent=2, ensure_ascii=False))
    return "\n".join(lines)


class MitreFormTool(CveTool):
    name = "mitre-form"

    def __init__(
        self,
        store: LocalRecords,
        *,
        form_url: str = FORM_URL,
        api_url: str = API_URL,
        client: httpx.Client | None = None,
    ) -> None:
        self._store = store
        self._form_url = form_url
        self._client = client or httpx.Client(base_url=api_url.rstrip("/") + "/", timeout=30.0)

    @property
    def states(self) -> tuple[RecordState, ...]:
        return STATES

    def allocate(self, scope: str, fields: AllocationFields) -> str | Pending:
        raise ManualAllocation(self._form_url, f"Request a CVE ID\nTitle: {fields.title}")

    def receive_id(self, cve_id: str) -> None:
        """Record the id a human received from the form (the `allocated` step of this tool)."""
        if not is_cve(cve_id):
            raise GuardRefused(f"'{cve_id[:40]}' is not a CVE id; paste the id exactly as MITRE sent it.")
        if self._store.get(cve_id) is None:
            self._store.put(cve_id, RecordState.ALLOCATED, {})

    def _remote(self, cve_id: str) -> RecordState | None:
        """The cve.org state; None while the id has no public record (RESERVED ids answer 404)."""
        what = f"Reading {cve_id} from cve.org"
        response = _http.send(self._client, "GET", f"cve/{cve_id}", what, headers={"Accept": "application/json"})
        if response.status_code == 404:
            return None
        meta = _http.json_object(_http.check(response, what), what).get("cveMetadata")
        state = str(meta.get("state", "")) if isinstance(meta, dict) else ""
        if state == "RESERVED":
            return None
        if state not in REMOTE_STATE:
            raise ServiceError(f"{what}: the answer has no known cveMetadata.state.", response.status_code)
        return REMOTE_STATE[state]

    def _current(self, cve_id: str) -> tuple[RecordState, Record]:
        local = self._store.get(cve_id)
        record = local[1] if local else {}
        remote = self._remote(cve_id)
        if remote is not None:
            return remote, record
        if local is None:
            return RecordState.UNKNOWN, record
        return (RecordState.ALLOCATED if local[0] == RecordState.PUBLIC else local[0]), record

    def fetch_current_state(self, cve_id: str) -> RecordStatus:
        try:
            state, record = self._current(cve_id)
        except ServiceError as exc:
            return RecordStatus(RecordState.UNKNOWN, detail=str(exc))
        detail = "" if state != RecordState.UNKNOWN else "no reply with this id has been recorded yet"
        return RecordStatus(state, record, detail)

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
        if diff:
            self._store.put(cve_id, target, merged)
        return Diff(diff.added, diff.removed, diff.changed, diff.state_change, form_text(cve_id, merged))

    def publish(self, cve_id: str) -> None:
        state, record = self._current(cve_id)
        if not guards.check_publish(state, self.states):
            return
        guards.require_vendor_advisory(record, cve_id)
        raise HandOff(f"Publish {cve_id} by submitting the record through {self._form_url}.", form_text(cve_id, record))

    def retract(self, cve_id: str, reason: str) -> None:
        state, record = self._current(cve_id)
        guards.check_retract(state)
        self._store.put(cve_id, RecordState.RETRACTED, guards.with_rejection(record, reason))
        raise HandOff(
            f"{cve_id} is retracted locally; ask MITRE to reject it through {self._form_url}.",
            f"Reject {cve_id}\nReason: {reason}",
        )
