"""A sync proposal item: which rule, which tracker, a stable key (G4) and the change it would make.

The change is described as operations on the tracker as it is at apply time (set these fields, add or remove these
labels), not as a new body, so several items on one tracker compose in any selection.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from steward.comms.escalation import EscalationDraft
from steward.domain.roles import Field
from steward.sync.distributor_draft import DistributorDraft


@dataclass(frozen=True)
class EscalationPlan:
    """The §8.9 drafts of one phase, built while proposing; apply keys them by `target` and writes them."""

    phase: int
    target: str
    """The stall clock's start (ISO date): a new clock is a new set of drafts, a re-run the same one."""
    drafts: tuple[EscalationDraft, ...]

    def as_json(self) -> dict[str, Any]:
        return {
            "phase": self.phase,
            "target": self.target,
            "drafts": [{"audience": d.audience, "to": list(d.to), "subject": d.subject} for d in self.drafts],
        }


@dataclass(frozen=True)
class MarkerComment:
    """A one-shot steward comment (§2.6): `body` starts with the `<!-- steward: NAME v1 -->` line.

    Applied as: post it when no trusted comment carries the marker, else update that comment in place when the text
    differs. `only_update` never posts (the fill-fields comment turned into its "all fields complete" note).
    """

    name: str
    body: str
    only_update: bool = False


@dataclass(frozen=True)
class Change:
    title: str | None = None
    fields: tuple[tuple[Field, str], ...] = ()
    related: tuple[str, ...] = ()
    """Tokens appended to `### Related references` (§5.12)."""
    add_labels: frozenset[str] = frozenset()
    remove_labels: frozenset[str] = frozenset()
    transition: str | None = None
    board: bool = False
    """Recompute the §2.11 column from the final labels."""
    milestone: str | None = None
    milestone_due: date | None = None
    regenerate_block: bool = False
    push: bool = False
    draft: str | None = None
    """The §9.2 template drafted to the reporter when the item applies."""
    gone_drafts: tuple[str, ...] = ()
    assignee: str | None = None
    """The one assignee to set (§2.10); None leaves it as it is."""
    comments: tuple[MarkerComment, ...] = ()
    escalation: EscalationPlan | None = None
    ask_credit: bool = False
    """Fold the §9.4 credit question into this apply's reporter draft (S20)."""
    distributor: DistributorDraft | None = None
    """The §8.10 distributor pre-announcement, written to the sink once when the item applies."""
    notes: tuple[str, ...] = field(default=())

    def as_json(self) -> dict[str, Any]:
        return {
            "title": self.title,
            "fields": {f.value: v for f, v in self.fields},
            "related": list(self.related),
            "add_labels": sorted(self.add_labels),
            "remove_labels": sorted(self.remove_labels),
            "transition": self.transition,
            "board": self.board,
            "milestone": self.milestone,
            "regenerate_block": self.regenerate_block,
            "push": self.push,
            "draft": self.draft,
            "gone_drafts": list(self.gone_drafts),
            "assignee": self.assignee,
            "comments": [{"marker": c.name, "body": c.body, "only_update": c.only_update} for c in self.comments],
            "escalation": self.escalation.as_json() if self.escalation else None,
            "ask_credit": self.ask_credit,
            "distributor": self.distributor.as_json() if self.distributor else None,
            "notes": list(self.notes),
        }


@dataclass(frozen=True)
class SyncItem:
    tracker: int
    rule: str
    key: str
    """(tracker, rule id, target value): equal keys mean the same change (G4)."""
    summary: str
    cve_affecting: bool
    change: Change

    def as_json(self) -> dict[str, Any]:
        return {
            "tracker": self.tracker,
            "rule": self.rule,
            "key": self.key,
            "summary": self.summary,
            "cve_affecting": self.cve_affecting,
            "change": self.change.as_json(),
        }


def item_key(tracker: int, rule: str, target: str) -> str:
    """Long targets (a title, a JSON block) are digested so the key stays one short line."""
    shown = target if len(target) <= 60 and "\n" not in target else hashlib.sha256(target.encode()).hexdigest()[:16]
    return f"{tracker}:{rule}:{shown}"
