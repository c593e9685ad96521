"""The board column of spec §2.11: a function of labels, so the board never drifts from the tracker.

A closed tracker keeps the column it had (the item is archived, never deleted);
with no previous column known, the labels decide as for an open tracker.
"""

from __future__ import annotations

from collections.abc import Iterable

from steward.domain.labels import LabelContext
from steward.domain.roles import Column, Label

_BY_LABEL: tuple[tuple[tuple[Label, ...], Column], ...] = (
    ((Label.ANNOUNCED, Label.ANNOUNCED_EMAILS_SENT), Column.ANNOUNCED),
    ((Label.FIX_RELEASED,), Column.FIX_RELEASED),
    ((Label.PR_MERGED,), Column.PR_MERGED),
    ((Label.PR_OPEN,), Column.PR_CREATED),
    ((Label.NEEDS_TRIAGE,), Column.NEEDS_TRIAGE),
    ((Label.CVE_ALLOCATED,), Column.CVE_ALLOCATED),
)


def column_for(labels: Iterable[str], closed: bool, previous_column: Column | None, ctx: LabelContext) -> Column:
    """The first matching row of the §2.11 table."""
    if closed and previous_column is not None:
        return previous_column
    have = frozenset(labels)
    for roles, column in _BY_LABEL:
        if any(ctx.has(have, role) for role in roles):
            return column
    if ctx.scope_labels(have):
        return Column.ASSESSED
    return Column.NEEDS_TRIAGE


def archived(closed: bool) -> bool:
    """Row 1: every close archives the board item."""
    return closed
