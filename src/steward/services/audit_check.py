"""`steward audit verify`: the hash chain, and every rollup entry's `Audit:` line against it (spec G3, §2.5)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from steward.app import App
from steward.domain.rollup import parse_rollup, rollup_part
from steward.errors import Refused


@dataclass(frozen=True)
class Verification:
    ok: bool
    checked: int
    rollup_lines: int
    first_broken: int | None
    reason: str | None

    def as_json(self) -> dict[str, Any]:
        return {
            "ok": self.ok,
            "checked": self.checked,
            "rollup_lines": self.rollup_lines,
            "first_broken": self.first_broken,
            "reason": self.reason,
        }

    def refusal(self) -> Refused:
        where = f"event {self.first_broken}" if self.first_broken is not None else "a rollup entry"
        return Refused(
            f"audit log broken at {where}: {self.reason}; restore the store from a backup and compare, "
            "nothing else was checked past it."
        )


def verify(app: App) -> Verification:
    report = app.store.verify_audit(app.slug)
    if not report.ok:
        return Verification(False, report.checked, 0, report.first_broken, report.reason)
    lines = 0
    with app.store.read(app.slug) as reader:
        prefixes = {e.hash[:16] for e in reader.list_audit()}
        for row in reader.list_trackers():
            bodies = [c.body for c in reader.list_comments(row.number) if rollup_part(c.body) is not None]
            try:
                entries = parse_rollup(bodies)
            except ValueError as exc:
                return Verification(False, report.checked, lines, None, f"tracker #{row.number} rollup: {exc}")
            for entry in entries:
                lines += 1
                if entry.audit not in prefixes:
                    reason = (
                        f"tracker #{row.number} rollup entry of {entry.date} ({entry.action}) cites audit head "
                        f"{entry.audit}, which no event has"
                    )
                    return Verification(False, report.checked, lines, None, reason)
    return Verification(True, report.checked, lines, None, None)
