"""The `demo` tool (a steward decision, §7.3): fictional CVE ids and record states that never leave the machine.

It exists so a demo project can walk the whole lifecycle without a CNA. It
imports nothing that can reach the network, and it refuses to run for a
project that is not a demo, so a `CVE-2099-` id can never reach a real tracker.
"""

from __future__ import annotations

from steward.cna import guards
from steward.cna.interface import (
    ALL_STATES,
    AllocationFields,
    CveTool,
    DemoState,
    Diff,
    GuardRefused,
    Record,
    RecordStatus,
)
from steward.domain.lifecycle import RecordState
from steward.ids import is_cve

DEMO_PREFIX = "CVE-2099-"
FIRST_NUMBER = 10001


class DemoTool(CveTool):
    name = "demo"

    def __init__(self, state: DemoState, *, is_demo: bool) -> None:
        self._state = state
        self._is_demo = is_demo

    @property
    def states(self) -> tuple[RecordState, ...]:
        return ALL_STATES

    def _require_demo(self, cve_id: str | None = None) -> None:
        if not self._is_demo:
            raise GuardRefused(
                "The demo CNA tool only runs for fictional demo projects (project_kind: demo); "
                "choose a real cve_authority.tool for this project."
            )
        if cve_id is not None and not (cve_id.startswith(DEMO_PREFIX) and is_cve(cve_id)):
            raise GuardRefused(f"The demo CNA tool only handles {DEMO_PREFIX}NNNNN ids, not '{cve_id}'.")

    def _current(self, cve_id: str) -> tuple[RecordState, Record | None]:
        found = self._state.get(cve_id)
        return (RecordState.NONE, None) if found is None else (found[0], found[1])

    def allocate(self, scope: str, fields: AllocationFields) -> str:
        self._require_demo()
        cve_id = f"{DEMO_PREFIX}{self._state.next_id(FIRST_NUMBER):05d}"
        self._state.put(cve_id, RecordState.ALLOCATED, {})
        return cve_id

    def fetch_current_state(self, cve_id: str) -> RecordStatus:
        self._require_demo(cve_id)
        state, record = self._current(cve_id)
        return RecordStatus(state, record or {})

    def push_update(
        self,
        cve_id: str,
        record: Record,
        state_transition: RecordState | None = None,
        *,
        allow_product_change: bool = False,
    ) -> Diff:
        self._require_demo(cve_id)
        state, current = self._current(cve_id)
        target, merged, diff = guards.plan_push(
            state, current, record, state_transition, allow_product_change=allow_product_change
        )
        if diff:
            self._state.put(cve_id, target, merged)
        return diff

    def publish(self, cve_id: str) -> None:
        self._require_demo(cve_id)
        state, record = self._current(cve_id)
        if not guards.check_publish(state, self.states):
            return
        guards.require_vendor_advisory(record or {}, cve_id)
        self._state.put(cve_id, RecordState.PUBLIC, record or {})

    def retract(self, cve_id: str, reason: str) -> None:
        self._require_demo(cve_id)
        state, record = self._current(cve_id)
        guards.check_retract(state)
        self._state.put(cve_id, RecordState.RETRACTED, guards.with_rejection(record or {}, reason))
