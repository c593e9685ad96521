"""S7: the title is not a fixpoint of the §5.12 cascade ⇒ the normalised title; stripped tokens to Related references.

An over-strip keeps the title as it is (the cascade's own rule), so it is never proposed.
"""

from __future__ import annotations

from steward.domain.titles import normalise_title
from steward.sync.context import SyncContext
from steward.sync.facts import TrackerFacts
from steward.sync.items import Change, SyncItem, item_key


def s7_title(facts: TrackerFacts, ctx: SyncContext) -> SyncItem | None:
    result = normalise_title(facts.row.title, ctx.patterns, ctx.config.product.subject_prefix_strip)
    if result.over_strip or result.title == facts.row.title:
        return None
    return SyncItem(
        facts.number,
        "S7",
        item_key(facts.number, "S7", result.title),
        f"title: {facts.row.title!r} → {result.title!r}",
        True,
        Change(title=result.title, related=result.stripped, regenerate_block=True),
    )
