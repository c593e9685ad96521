"""Label names by role and the label invariants of spec §2.8.

Code speaks of label roles; the names come from `tracker.labels`, the scope
labels from `scope_detection.labels` and the TLP labels are fixed. Sync repairs
every violation (S14), so each invariant is a rule with a short, stable id that
proposals and audit entries can cite.

Decision on "exactly one scope label in every open state after triage": an open
tracker without `needs triage` must carry exactly one scope label; any tracker,
open or closed, carries at most one (a tracker in `needs triage` may already hold
one, e.g. a §6.4 split or a T17 reopen of a duplicate).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from types import MappingProxyType

from steward.domain.roles import (
    ANNOUNCED_PAIR,
    DEFAULT_LABELS,
    DISPOSITIONS,
    FIX_AXIS,
    TLP_LABELS,
    CloseReason,
    Label,
)
from steward.errors import ConfigError


@dataclass(frozen=True)
class LabelNames:
    """The configured name of every label role; roles left out keep their default name."""

    names: Mapping[Label, str] = field(default_factory=lambda: DEFAULT_LABELS)
    _roles: Mapping[str, Label] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        merged = {**DEFAULT_LABELS, **self.names}
        seen: dict[str, Label] = {}
        for role, name in merged.items():
            if not name:
                raise ConfigError(f"tracker.labels.{role.value} is empty; give the role a label name.")
            if name in seen:
                raise ConfigError(
                    f"tracker.labels maps both {seen[name].value} and {role.value} to {name!r}; "
                    "give each role its own label name."
                )
            seen[name] = role
        object.__setattr__(self, "names", MappingProxyType(merged))
        object.__setattr__(self, "_roles", MappingProxyType(seen))

    def __hash__(self) -> int:
        return hash(tuple(sorted(self.names.items())))

    def of(self, role: Label) -> str:
        return self.names[role]

    def role_of(self, name: str) -> Label | None:
        """The role a label name plays, or None for a label steward does not manage (exact, case-sensitive)."""
        return self._roles.get(name)

    def all(self) -> frozenset[str]:
        return frozenset(self.names.values())


@dataclass(frozen=True)
class LabelContext:
    """Everything needed to read a label set: role names, scope label names and TLP names."""

    names: LabelNames = field(default_factory=LabelNames)
    scopes: frozenset[str] = frozenset()
    tlp: tuple[str, ...] = TLP_LABELS

    def __post_init__(self) -> None:
        object.__setattr__(self, "scopes", frozenset(self.scopes))
        clash = sorted((self.scopes & self.names.all()) | (self.scopes & set(self.tlp)))
        if clash:
            raise ConfigError(
                f"scope label {clash[0]!r} is also a tracker.labels or TLP label name; rename the scope label."
            )
        clash_tlp = sorted(self.names.all() & set(self.tlp))
        if clash_tlp:
            raise ConfigError(f"tracker.labels uses the TLP label {clash_tlp[0]!r}; pick another name.")

    def of(self, role: Label) -> str:
        return self.names.of(role)

    def has(self, labels: Iterable[str], role: Label) -> bool:
        return self.names.of(role) in set(labels)

    def fix_axis(self, labels: Iterable[str]) -> list[str]:
        return _present(labels, (self.of(r) for r in FIX_AXIS))

    def dispositions(self, labels: Iterable[str]) -> list[str]:
        return _present(labels, (self.of(r) for r in DISPOSITIONS))

    def announced(self, labels: Iterable[str]) -> list[str]:
        return _present(labels, (self.of(r) for r in ANNOUNCED_PAIR))

    def scope_labels(self, labels: Iterable[str]) -> list[str]:
        return sorted(set(labels) & self.scopes)

    def tlp_labels(self, labels: Iterable[str]) -> list[str]:
        return _present(labels, self.tlp)

    def is_managed(self, name: str) -> bool:
        """True for labels `steward label` may not change freely: tracker.labels, TLP and scope names."""
        return self.names.role_of(name) is not None or name in self.tlp or name in self.scopes


def _present(labels: Iterable[str], names: Iterable[str]) -> list[str]:
    have = set(labels)
    return [n for n in names if n in have]


@dataclass(frozen=True)
class Violation:
    rule: str
    message: str


RULES = ("L-marker", "L-fix-axis", "L-announced-pair", "L-scope", "L-needs-triage", "L-disposition", "L-tlp")


def invariant_violations(
    labels: frozenset[str],
    closed: bool,
    close_reason: CloseReason | None,
    ctx: LabelContext,
) -> list[Violation]:
    """Every §2.8 invariant the label set breaks, in `RULES` order."""
    return list(_violations(labels, closed, close_reason, ctx))


def _violations(
    labels: frozenset[str], closed: bool, close_reason: CloseReason | None, ctx: LabelContext
) -> Iterator[Violation]:
    marker = ctx.of(Label.SECURITY_MARKER)
    if marker not in labels:
        yield Violation("L-marker", f"label {marker!r} is missing; every tracker carries it, add it back.")
    fix = ctx.fix_axis(labels)
    if len(fix) > 1:
        yield Violation(
            "L-fix-axis", f"fix-axis labels {_names(fix)} are stacked; keep only the one for the current fix step."
        )
    announced = ctx.announced(labels)
    if len(announced) == 1:
        both = _names([ctx.of(r) for r in ANNOUNCED_PAIR])
        yield Violation("L-announced-pair", f"only {announced[0]!r} is present; labels {both} go together.")
    scopes = ctx.scope_labels(labels)
    triage = ctx.of(Label.NEEDS_TRIAGE)
    if len(scopes) > 1:
        yield Violation("L-scope", f"scope labels {_names(scopes)} are stacked; keep one, or split the tracker.")
    elif not closed and triage not in labels and not scopes:
        yield Violation("L-scope", "the open tracker is past triage but has no scope label; add exactly one.")
    disp = ctx.dispositions(labels)
    if triage in labels and (fix or disp):
        yield Violation(
            "L-needs-triage", f"{triage!r} sits beside {_names(fix + disp)}; decide the triage or drop the other label."
        )
    not_planned = closed and close_reason is CloseReason.NOT_PLANNED
    if len(disp) > 1:
        yield Violation("L-disposition", f"disposition labels {_names(disp)} are stacked; keep the one it closed as.")
    elif disp and not not_planned:
        yield Violation(
            "L-disposition",
            f"disposition {disp[0]!r} is on a tracker not closed as not planned; remove it or close it.",
        )
    elif not disp and not_planned:
        yield Violation("L-disposition", "the tracker is closed as not planned without a disposition label; add one.")
    tlp = ctx.tlp_labels(labels)
    if len(tlp) != 1:
        found = _names(tlp) if tlp else "none"
        yield Violation("L-tlp", f"the tracker needs exactly one TLP label and has {found}; keep one.")


def _names(names: Iterable[str]) -> str:
    return ", ".join(repr(n) for n in names)
