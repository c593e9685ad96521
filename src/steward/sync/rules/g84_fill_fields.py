"""§8.4 stage 1 on a `pr merged` tracker (also at T9, the run S2 swaps the labels): the six mandatory fields set,
parsed and passing §8.3 ⇒ nothing to ask; else one item posting or updating the fill-fields comment, addressed
to the remediation developer, one bullet per gap. No label, assignee or hand-off change comes with it.

The gaps are those of steward.records.readiness (`field_gaps`, `summary_checks`), the same function that sets
the generator's state, so the comment and the record never disagree about what is missing.
"""

from __future__ import annotations

from steward.domain.credits import parse_credits
from steward.domain.lifecycle import State
from steward.domain.markers import render_marker
from steward.domain.roles import Field
from steward.domain.titles import normalise_title
from steward.records.inputs import RecordInput
from steward.records.readiness import field_gaps, parse_versions, summary_checks
from steward.records.settings_for import settings_for
from steward.sync.comments import marker_comment
from steward.sync.context import SyncContext
from steward.sync.facts import TrackerFacts
from steward.sync.items import Change, MarkerComment, SyncItem, item_key

FILL_FIELDS = "remediation-developer-fill-fields"
COMPLETE = "All mandatory fields are complete."


def at_stage_one(facts: TrackerFacts) -> bool:
    merged_now = facts.state is State.PR_CREATED and facts.pr is not None and facts.pr.merged
    return not facts.life.closed and (facts.state is State.PR_MERGED or merged_now)


def stage1_gaps(facts: TrackerFacts, ctx: SyncContext) -> tuple[str, ...]:
    row = facts.row
    title = normalise_title(row.title, ctx.patterns, ctx.config.product.subject_prefix_strip).title
    credits = parse_credits(facts.value(Field.REPORTER_CREDIT))
    r = RecordInput.from_body(
        row.body,
        headings=ctx.headings,
        title=title,
        cve_id=facts.cve_id,
        labels=list(row.labels),
        milestone=row.milestone,
        reporter_names=[c.name for c in credits if c.exports],
    )
    settings = settings_for(ctx.config)
    parsed = parse_versions(r, settings)
    return tuple(dict.fromkeys([*field_gaps(r, settings, parsed), *summary_checks(r, settings, parsed)]))


def developer(facts: TrackerFacts) -> str:
    """Whom the comment addresses: the assignee (the owner at `pr merged`, §1.1), else the field's first credit."""
    if facts.row.assignee:
        return f"@{facts.row.assignee.removeprefix('@')}"
    credits = parse_credits(facts.value(Field.REMEDIATION_DEVELOPER))
    return credits[0].name if credits else "remediation developer"


def bullet(gap: str) -> str:
    head, sep, rest = gap.partition(" — ")
    return f"- **{head}** — {rest}" if sep else f"- {gap}"


def fill_fields_body(facts: TrackerFacts, gaps: tuple[str, ...]) -> str:
    lines = [
        render_marker(FILL_FIELDS),
        f"{developer(facts)} — these mandatory fields block the hand-off to the release manager (§8.4):",
        "",
        *(bullet(g) for g in gaps),
    ]
    return "\n".join(lines)


def complete_body() -> str:
    return f"{render_marker(FILL_FIELDS)}\n{COMPLETE}"


def g84_fill_fields(facts: TrackerFacts, ctx: SyncContext) -> SyncItem | None:
    if not at_stage_one(facts):
        return None
    gaps = stage1_gaps(facts, ctx)
    existing = marker_comment(facts.comments, ctx, FILL_FIELDS)
    if not gaps:
        return None  # the hand-off item turns an existing comment into the "complete" note
    body = fill_fields_body(facts, gaps)
    if existing is not None and existing.body == body:
        return None
    return SyncItem(
        facts.number,
        "S2-gate",
        item_key(facts.number, "S2-gate", body),
        f"stage 1 (§8.4): {len(gaps)} gap(s); {'update' if existing else 'post'} the fill-fields comment",
        False,
        Change(comments=(MarkerComment(FILL_FIELDS, body),)),
    )
