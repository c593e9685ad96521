"""S13: the board column differs from the §2.11 function of the labels ⇒ move it (no-op with the board disabled)."""

from __future__ import annotations

from steward.domain.board import column_for
from steward.domain.roles import Column
from steward.sync.context import SyncContext
from steward.sync.facts import TrackerFacts
from steward.sync.items import Change, SyncItem, item_key


def expected_column(facts: TrackerFacts, ctx: SyncContext) -> Column:
    current = facts.row.board_column
    previous = Column(current) if current in set(Column) else None
    return column_for(facts.row.labels, facts.life.closed, previous, ctx.labels)


def s13_board(facts: TrackerFacts, ctx: SyncContext) -> SyncItem | None:
    if not ctx.board_enabled:
        return None
    want = expected_column(facts, ctx)
    if facts.row.board_column == want.value:
        return None
    shown = facts.row.board_column or "none"
    return SyncItem(
        facts.number,
        "S13",
        item_key(facts.number, "S13", want.value),
        f"board: {shown} → {want.value}",
        False,
        Change(board=True),
    )
