"""The scope split of spec §6.4 (T16) as a plan: which scope the anchor keeps and what each new tracker gets.

A tracker carries one scope label because milestones, release managers and
version schemes are per scope; when a fix spans several, each scope needs its
own tracker. The anchor keeps the scope that ships first, so the earliest
release is never waiting on a new, empty tracker.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import date

from steward.domain.fields import is_unset
from steward.domain.labels import LabelContext
from steward.domain.lifecycle import TrackerFacts, split_labels
from steward.domain.roles import Field
from steward.domain.versions import parse_affected, render_affected
from steward.errors import UsageError

COPIED = (
    Field.PUBLIC_SUMMARY,
    Field.AFFECTED_VERSIONS,
    Field.SECURITY_THREAD,
    Field.REPORTER_CREDIT,
    Field.PR_WITH_FIX,
    Field.REMEDIATION_DEVELOPER,
    Field.CWE,
    Field.SEVERITY,
)
"""Fields a new tracker inherits besides the description; the advisory URL never (each scope ships its own)."""


@dataclass(frozen=True)
class NewTracker:
    scope: str
    labels: frozenset[str]
    fields: dict[Field, str | None]
    preamble: str


@dataclass(frozen=True)
class SplitPlan:
    """`anchor_labels` is the anchor's label set after the split (its scope label may change to `anchor_scope`)."""

    anchor_scope: str
    anchor_labels: frozenset[str]
    new_trackers: tuple[NewTracker, ...]


def split_preamble(tracker: str, number: int, url: str, scope: str) -> str:
    return f"Split from [{tracker}#{number}]({url}) for the `{scope}` scope."


def choose_anchor(scopes: Sequence[str], next_due: Mapping[str, date | None], config_order: Sequence[str]) -> str:
    """The scope whose next milestone is due first; undated milestones last; ties by config order."""
    order = {scope: index for index, scope in enumerate(config_order)}

    def key(scope: str) -> tuple[int, date, int]:
        due = next_due.get(scope)
        return (due is None, due or date.max, order.get(scope, len(order)))

    return min(scopes, key=key)


def _affected_for(
    value: str | None,
    scope: str,
    package_scope: Callable[[str | None], str | None],
    scheme_for: Callable[[str | None], str],
) -> str | None:
    """Only the lines of `scope`'s packages when package prefixes say which scope a line belongs to."""
    if value is None or is_unset(value):
        return None
    parsed = parse_affected(value, scheme_for)
    if parsed.errors or not any(package_scope(line.package) for line in parsed.lines if line.package):
        return value
    mine = [line for line in parsed.lines if line.package and package_scope(line.package) == scope]
    return render_affected(mine) or None


def plan_split(
    anchor: TrackerFacts,
    fields: Mapping[Field, str | None],
    scopes: Sequence[str],
    next_due: Mapping[str, date | None],
    config_order: Sequence[str],
    *,
    shared_cve: bool,
    ctx: LabelContext,
    tracker: str,
    url: str,
    package_scope: Callable[[str | None], str | None] = lambda package: None,
    scheme_for: Callable[[str | None], str] = lambda package: "pep440",
) -> SplitPlan:
    """`steward triage ID --split SCOPE[,SCOPE]`: `scopes` names every scope the tracker spans, the anchor's included.

    `package_scope` maps an Affected-versions package prefix to its scope (None when no scope's
    `packageName` matches). Labels come from `lifecycle.split_labels`, which refuses a closed anchor.
    """
    wanted = list(dict.fromkeys(scopes))
    if len(wanted) < 2:
        raise UsageError("--split needs at least two scopes, the anchor's included: --split SCOPE,SCOPE.")
    unknown = [s for s in wanted if s not in ctx.scopes]
    if unknown:
        raise UsageError(
            f"--split names {unknown[0]!r}, which is not in scope_detection.labels; use a configured scope."
        )
    current = ctx.scope_labels(anchor.labels)
    stray = [s for s in current if s not in wanted]
    if stray:
        raise UsageError(f"--split must name the anchor's own scope {stray[0]!r} too; add it to the list.")
    anchor_scope = choose_anchor(wanted, next_due, config_order)
    anchor_labels = anchor.labels
    if current:
        anchor_labels = (anchor.labels - set(current)) | {anchor_scope}
    relabelled = replace(anchor, labels=anchor_labels)
    number = anchor.number if anchor.number is not None else 0
    description = fields.get(Field.ISSUE_DESCRIPTION)
    new: list[NewTracker] = []
    for scope in wanted:
        if scope == anchor_scope:
            continue
        preamble = split_preamble(tracker, number, url, scope)
        values: dict[Field, str | None] = dict.fromkeys(Field)
        body = None if description is None or is_unset(description) else description.strip()
        values[Field.ISSUE_DESCRIPTION] = f"{preamble}\n\n{body}" if body else preamble
        for role in COPIED:
            raw = fields.get(role)
            values[role] = None if is_unset(raw, role) else raw
        values[Field.AFFECTED_VERSIONS] = _affected_for(
            fields.get(Field.AFFECTED_VERSIONS), scope, package_scope, scheme_for
        )
        if shared_cve:
            values[Field.CVE_TOOL_LINK] = fields.get(Field.CVE_TOOL_LINK)
        labels = split_labels(relabelled, ctx, scope, shared_cve=shared_cve, confirmed=True)
        new.append(NewTracker(scope, labels, values, preamble))
    return SplitPlan(anchor_scope, frozenset(anchor_labels), tuple(new))
