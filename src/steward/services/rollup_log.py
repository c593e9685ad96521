"""Append one status-rollup entry to a tracker (spec G3, §2.5) inside the caller's transaction."""

from __future__ import annotations

from collections.abc import Sequence

from steward.app import App
from steward.domain.rollup import RollupEntry, append_entry, rollup_part
from steward.store import Transaction

ROLLUP_ITEM_KEY = "rollup"


def write_rollup(
    tx: Transaction,
    app: App,
    number: int,
    *,
    action: str,
    headline: str,
    items: Sequence[str],
    next_move: str,
    notification: str,
) -> None:
    """Run last in a unit of work: the entry cites the audit head left by the items it lists."""
    comments = [c for c in tx.list_comments(number) if rollup_part(c.body) is not None]
    comments.sort(key=lambda c: rollup_part(c.body) or 0)
    entry = RollupEntry(
        date=app.now().date(),
        user=app.identity,
        action=action,
        headline=headline,
        items=tuple(items),
        next=next_move,
        notification=notification,
        audit=tx.audit_head()[:16],
    )
    bodies = append_entry([c.body for c in comments], entry)
    for index, body in enumerate(bodies):
        if index < len(comments):
            if comments[index].body != body:
                tx.update_comment(comments[index].id, body)
        else:
            tx.add_comment(number, app.identity, body)
