"""An in-memory `DemoState` (and so `LocalRecords`) for tests and throwaway sessions."""

from __future__ import annotations

import copy

from steward.cna.interface import Record
from steward.domain.lifecycle import RecordState


class MemoryState:
    """Keeps copies, so a caller mutating a record it passed in or got back changes nothing stored."""

    def __init__(self) -> None:
        self._records: dict[str, tuple[RecordState, Record]] = {}
        self._counter: int | None = None

    def next_id(self, start: int = 10001) -> int:
        self._counter = start if self._counter is None else self._counter + 1
        return self._counter

    def get(self, cve_id: str) -> tuple[RecordState, Record] | None:
        found = self._records.get(cve_id)
        return None if found is None else (found[0], copy.deepcopy(found[1]))

    def put(self, cve_id: str, state: RecordState, record: Record) -> None:
        self._records[cve_id] = (state, copy.deepcopy(record))
