"""The `none` tool: the project allocates no CVEs, so every call is `NotApplicable` (§7.3)."""

from __future__ import annotations

from typing import NoReturn

from steward.cna.interface import AllocationFields, CveTool, Diff, NotApplicable, Pending, Record, RecordStatus
from steward.domain.lifecycle import RecordState


def _refuse(operation: str) -> NoReturn:
    raise NotApplicable(
        f"This project has no CNA tool (cve_authority.tool: none), so '{operation}' does not apply; "
        "set cve_authority.tool to allocate CVEs."
    )


class NoneTool(CveTool):
    name = "none"

    @property
    def states(self) -> tuple[RecordState, ...]:
        return ()

    def allocate(self, scope: str, fields: AllocationFields) -> str | Pending:
        _refuse("allocate")

    def fetch_current_state(self, cve_id: str) -> RecordStatus:
        _refuse("fetch_current_state")

    def push_update(
        self,
        cve_id: str,
        record: Record,
        state_transition: RecordState | None = None,
        *,
        allow_product_change: bool = False,
    ) -> Diff:
        _refuse("push_update")

    def publish(self, cve_id: str) -> None:
        _refuse("publish")

    def retract(self, cve_id: str, reason: str) -> None:
        _refuse("retract")
