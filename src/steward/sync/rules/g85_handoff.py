"""§8.5 hand-off (T11): stage 1 passes, stage 2 passes (or the CNA tool is `none`) and the release is detected
(§8.6) ⇒ one item: `pr merged` → `fix released` and −`rc voting` through the lifecycle effect, the assignee to
the release manager, the hand-off comment, and the fill-fields comment (if any) turned into its "complete" note.

The RM comes only from `release_process.release_managers` and must be on the roster; otherwise the tracker
waits with a blocker note (`handoff_notes`) — never a guess.
"""

from __future__ import annotations

from steward.domain.lifecycle import State, fix_released_effect
from steward.domain.markers import render_marker
from steward.sync.comments import marker_comment, roster
from steward.sync.context import SyncContext
from steward.sync.facts import TrackerFacts
from steward.sync.items import Change, MarkerComment, SyncItem, item_key
from steward.sync.release_managers import release_manager
from steward.sync.rules.g84_fill_fields import FILL_FIELDS, complete_body, stage1_gaps
from steward.sync.scope import scope_of

HANDOFF = "release-manager-handoff"
STAGE_TWO = frozenset({"review-ready", "publish-ready", "public"})


def stage_two(facts: TrackerFacts, ctx: SyncContext) -> str | None:
    """Why stage 2 fails, or None (skipped for `cve_authority.tool: none`)."""
    if ctx.config.cve_authority.tool == "none" or facts.cve_id is None:
        return None
    if facts.record_state in STAGE_TWO:
        return None
    return f"stage 2 (§8.4): the CNA record is {facts.record_state or 'not known'}; push it to review-ready (S17)"


def rm_for(facts: TrackerFacts, ctx: SyncContext) -> tuple[str | None, str | None]:
    """(RM handle, blocker)."""
    versions = [facts.row.milestone or ""]
    view = scope_of(facts.row.labels, ctx)
    handle = release_manager(ctx.config, view.name, versions)
    if handle is None:
        return None, "hand-off blocked: no release manager in release_process.release_managers for this release"
    if handle.casefold() not in roster(ctx):
        return None, f"hand-off blocked: release manager @{handle} is not on the roster"
    return handle, None


def handoff_body(rm: str, facts: TrackerFacts, ctx: SyncContext) -> str:
    pushed = ctx.config.cve_authority.tool != "none" and facts.record_state in STAGE_TWO
    variant = (
        f"Variant: pushed (the CNA record is {facts.record_state})."
        if pushed
        else "Variant: manual-paste (push unavailable): paste the CVE JSON block of this tracker into the CNA tool."
    )
    return "\n".join(
        [
            render_marker(HANDOFF),
            f"@{rm} — the fix for {facts.cve_id or f'#{facts.number}'} is released; over to you (Step 12).",
            "",
            "- [ ] Clear CNA reviewer feedback and promote the record review-ready → publish-ready in the CNA tool.",
            f"- [ ] Preview the advisory (tool preview, or `steward advisory {facts.number} --format email`) and send "
            f"it to {', '.join(ctx.config.archive_system.announcement_lists) or 'the announcement lists'}.",
            "- [ ] Stop: steward closes out once the advisory is archived.",
            "",
            variant,
        ]
    )


def ready(facts: TrackerFacts, ctx: SyncContext) -> bool:
    return (
        facts.state is State.PR_MERGED
        and not facts.life.closed
        and facts.release is not None
        and facts.release.released
        and not stage1_gaps(facts, ctx)
        and stage_two(facts, ctx) is None
    )


def g85_handoff(facts: TrackerFacts, ctx: SyncContext) -> SyncItem | None:
    if not ready(facts, ctx):
        return None
    rm, _ = rm_for(facts, ctx)
    if rm is None:
        return None
    assert facts.release is not None
    effect = fix_released_effect(facts.life, ctx.labels, released=True, gate_passed=True)
    comments = [MarkerComment(HANDOFF, handoff_body(rm, facts, ctx))]
    if marker_comment(facts.comments, ctx, FILL_FIELDS) is not None:
        comments.append(MarkerComment(FILL_FIELDS, complete_body(), only_update=True))
    return SyncItem(
        facts.number,
        "hand-off",
        item_key(facts.number, "hand-off", f"released:{rm}"),
        f"release detected: +{' +'.join(sorted(effect.added))} -{' -'.join(sorted(effect.removed))} (T11); "
        f"assignee → @{rm}; hand-off comment",
        False,
        Change(
            add_labels=effect.added,
            remove_labels=effect.removed,
            transition="T11",
            board=True,
            assignee=rm,
            comments=tuple(comments),
            notes=facts.release.evidence,
        ),
    )


def handoff_notes(facts: TrackerFacts, ctx: SyncContext) -> list[str]:
    """Why a `pr merged` tracker is not handed off yet: pending release, stage 2, or an RM blocker."""
    if facts.state is not State.PR_MERGED or facts.life.closed or stage1_gaps(facts, ctx):
        return []
    if facts.release is None or not facts.release.released:
        pending = facts.release.pending if facts.release is not None else ("release not checked",)
        return [f"waiting for the release: {p}" for p in pending]
    if (why := stage_two(facts, ctx)) is not None:
        return [why]
    _, blocker = rm_for(facts, ctx)
    return [blocker] if blocker else []
