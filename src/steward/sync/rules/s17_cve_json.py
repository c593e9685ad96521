"""S17: the regenerated CVE JSON block differs from the embedded one ⇒ replace it, then `push_update` (§8.12).

Generation is a pure function of the record input (§2.7), so this rule regenerates the block from the tracker as
it stands and compares text; the push and its gates run at apply time, against the body as applied.
"""

from __future__ import annotations

from collections.abc import Sequence

from steward.domain.lifecycle import State
from steward.domain.titles import normalise_title
from steward.records.block import render_block, splice_block
from steward.services.cve_records import Built, from_tracker
from steward.services.effective_fields import effective_source
from steward.store import CommentRow, TrackerRow
from steward.sync.context import SyncContext
from steward.sync.facts import TrackerFacts
from steward.sync.items import Change, SyncItem, item_key

NO_BLOCK_STATES = frozenset({State.CLOSED_INVALID, State.CLOSED_DUPLICATE})


def regenerate(
    row: TrackerRow, cve_id: str, ctx: SyncContext, comments: Sequence[CommentRow] = ()
) -> tuple[str, Built]:
    """(body with the regenerated block spliced in, the built record); the same body when nothing changed.

    The record reads the effective fields: a credit correction posted as a comment on a closed tracker (§8.11)
    counts, so a sync never puts the old credit back.
    """
    cascade = normalise_title(row.title, ctx.patterns, ctx.config.product.subject_prefix_strip)
    built = from_tracker(
        row.number,
        body=effective_source(row, comments, config=ctx.config, headings=ctx.headings),
        title=cascade.title,
        labels=row.labels,
        milestone=row.milestone,
        cve_id=cve_id,
        advisory_url=None,
        config=ctx.config,
        headings=ctx.headings,
    )
    return splice_block(row.body, render_block(built.generated)), built


def s17_cve_json(facts: TrackerFacts, ctx: SyncContext) -> SyncItem | None:
    if facts.cve_id is None or facts.state in NO_BLOCK_STATES:
        return None
    body, built = regenerate(facts.row, facts.cve_id, ctx, facts.comments)
    if body == facts.row.body:
        return None
    return SyncItem(
        facts.number,
        "S17",
        item_key(facts.number, "S17", built.generated.json_text + built.generated.state),
        f"CVE JSON block for {facts.cve_id} is stale: replace it (state {built.generated.state}) and push",
        True,
        Change(regenerate_block=True, push=True),
    )
