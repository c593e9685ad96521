"""S2 / T9: the linked PR merged ⇒ swap `pr created` → `pr merged`, the milestone (§2.9), draft `fix-pr-merged`."""

from __future__ import annotations

from steward.domain.lifecycle import State, pr_merged_effect
from steward.sync.context import SyncContext
from steward.sync.facts import TrackerFacts
from steward.sync.items import Change, SyncItem, item_key


def milestone_for(facts: TrackerFacts, ctx: SyncContext) -> tuple[str | None, str | None]:
    """(milestone to set, note): `version` scopes take the merged PR's own milestone; `train` needs §8.6 data."""
    assert facts.pr is not None
    scopes = ctx.labels.scope_labels(facts.row.labels)
    scope = ctx.config.scopes().get(scopes[0]) if len(scopes) == 1 else None
    if scope is not None and scope.milestone_scheme == "train":
        return None, "milestone: train scheme, not resolved by sync yet (set it by hand)"
    wanted = facts.pr.milestone
    if wanted is None:
        return None, "milestone: the PR has none; set it when the release is known"
    if wanted == facts.row.milestone:
        return None, None
    return wanted, None


def s2_pr_merged(facts: TrackerFacts, ctx: SyncContext) -> SyncItem | None:
    pr = facts.pr
    if pr is None or not pr.merged or facts.state is not State.PR_CREATED:
        return None
    effect = pr_merged_effect(facts.life, ctx.labels, merged=True)
    milestone, note = milestone_for(facts, ctx)
    summary = f"PR #{pr.number} merged: {' '.join(_changes(effect.added, effect.removed))} (T9)"
    if milestone:
        summary += f"; milestone {milestone}"
    return SyncItem(
        facts.number,
        "S2",
        item_key(facts.number, "S2", f"merged:{pr.number}"),
        summary,
        False,
        Change(
            add_labels=effect.added,
            remove_labels=effect.removed,
            transition="T9",
            board=True,
            milestone=milestone,
            milestone_due=pr.milestone_due if milestone else None,
            draft="fix-pr-merged",
            notes=(note,) if note else (),
        ),
    )


def _changes(added: frozenset[str], removed: frozenset[str]) -> list[str]:
    return [f"+{a}" for a in sorted(added)] + [f"-{r}" for r in sorted(removed)]
