"""The sync proposal of spec §8.13: pre-flight skipped, non-CVE-affecting and CVE-affecting buckets.

Trackers are numbered `N` = 1, 2, … in ascending tracker order (`--all`'s dispatch-urgent ones first); a
tracker's items are numbered `M` = 1, 2, …, non-CVE-affecting first, so `N:M` names one item and `N` all
items of a tracker (§5.13 `N:list`). Numbering is a function of the proposal alone,
so the same facts always give the same numbers.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from steward.errors import UsageError
from steward.services import selector as sel
from steward.sync.items import SyncItem

URGENT = "dispatch-urgent"


@dataclass(frozen=True)
class Skipped:
    tracker: int
    reason: str


@dataclass(frozen=True)
class TrackerSection:
    n: int
    tracker: int
    title: str
    items: tuple[SyncItem, ...]
    notes: tuple[str, ...] = ()
    preflight: str | None = None
    """The §8.13 class (`dispatch-urgent`, `release-watch` …) when `--all` classified the tracker."""


@dataclass(frozen=True)
class Proposal:
    skipped: tuple[Skipped, ...]
    sections: tuple[TrackerSection, ...]

    @property
    def empty(self) -> bool:
        return not any(s.items for s in self.sections)

    def items(self) -> list[SyncItem]:
        return [i for s in self.sections for i in s.items]

    def bucket(self, cve_affecting: bool) -> list[tuple[str, SyncItem]]:
        """(`N:M`, item) of one bucket, in ascending tracker order."""
        return [
            (f"{s.n}:{m}", item)
            for s in self.sections
            for m, item in enumerate(s.items, 1)
            if item.cve_affecting is cve_affecting
        ]

    def as_json(self) -> dict[str, Any]:
        def entries(cve: bool) -> list[dict[str, Any]]:
            return [{"id": ref, **item.as_json()} for ref, item in self.bucket(cve)]

        return {
            "preflight_skipped": [{"tracker": s.tracker, "reason": s.reason} for s in self.skipped],
            "non_cve_affecting": entries(False),
            "cve_affecting": entries(True),
            "trackers": [
                {
                    "n": s.n,
                    "tracker": s.tracker,
                    "title": s.title,
                    "items": len(s.items),
                    "notes": list(s.notes),
                    "preflight": s.preflight,
                }
                for s in self.sections
            ],
        }


def build_proposal(
    per_tracker: Sequence[tuple[int, str, Sequence[SyncItem], Sequence[str]]],
    skipped: Sequence[Skipped] = (),
    classes: Mapping[int, str] | None = None,
) -> Proposal:
    """Sections for trackers with items or notes, in ascending tracker order, `dispatch-urgent` ones first
    (§8.13); items non-CVE-affecting first."""
    found = classes or {}
    sections: list[TrackerSection] = []
    for number, title, items, notes in sorted(per_tracker, key=lambda t: (found.get(t[0]) != URGENT, t[0])):
        if not items and not notes:
            continue
        ordered = tuple(sorted(items, key=lambda i: i.cve_affecting))
        sections.append(TrackerSection(len(sections) + 1, number, title, ordered, tuple(notes), found.get(number)))
    return Proposal(tuple(sorted(skipped, key=lambda s: s.tracker)), tuple(sections))


def select(proposal: Proposal, text: str) -> list[SyncItem]:
    """The items a §5.13 selection applies, in proposal order; anything sync cannot honour is exit 2."""
    selection = sel.parse_selection(text)
    sections = proposal.sections
    resolved = sel.resolve(selection, len(sections), default_all=[s.n for s in sections])
    chosen: list[SyncItem] = []
    for n in resolved.chosen:
        section = sections[n - 1]
        picks: set[int] = set()
        every = not resolved.actions[n]
        for action in resolved.actions[n]:
            if isinstance(action, sel.ActAll | sel.ForceSync):
                every = True
            elif isinstance(action, sel.ActPick):
                for span in action.spans:
                    for m in span.numbers():
                        if not 1 <= m <= len(section.items):
                            raise UsageError(
                                f"--apply {n}:{m}: tracker #{section.tracker} has items 1-{len(section.items)}; "
                                "re-run without --apply to see them."
                            )
                        picks.add(m)
            else:
                raise UsageError(
                    f"--apply {n}:{sel.render_action(action)} is not a sync action; use N, N:all, N:M[,M], "
                    "N:skip or N:force-sync."
                )
        chosen += [item for m, item in enumerate(section.items, 1) if every or m in picks]
    return chosen
