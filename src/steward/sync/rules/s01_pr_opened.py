"""S1 / T8: an open upstream PR names the tracker and the PR field is empty ⇒ record it, `pr created`,
draft `fix-pr-opened`.

The PRs come from the code-host search during fact gathering (`<tracker>#N` or the tracker URL in the PR's
title or body); without a code host there are none and S1 proposes nothing. Several hits: the lowest PR
number is proposed and the others are listed, since the field holds the one fix (§8.1 trusts the field).
"""

from __future__ import annotations

from dataclasses import replace

from steward.domain.lifecycle import State, pr_created_effect
from steward.domain.roles import Field
from steward.sync.context import SyncContext
from steward.sync.facts import TrackerFacts
from steward.sync.items import Change, SyncItem, item_key

RULE = "S1"
_FROM = frozenset({State.ASSESSED, State.CVE_ALLOCATED})


def s1_pr_opened(facts: TrackerFacts, ctx: SyncContext) -> SyncItem | None:
    if facts.life.closed or facts.pr_url is not None or not facts.mentioning_prs or facts.state not in _FROM:
        return None
    pr, *others = facts.mentioning_prs
    effect = pr_created_effect(replace(facts.life, has_pr_url=True), ctx.labels)
    notes = tuple(f"PR {o.url} also names this tracker; link it by hand if it is the fix" for o in others)
    return SyncItem(
        facts.number,
        RULE,
        item_key(facts.number, RULE, pr.url),
        f"open PR #{pr.number} names the tracker: PR field → {pr.url}, +{', +'.join(sorted(effect.added))} (T8)",
        True,
        Change(
            fields=((Field.PR_WITH_FIX, pr.url),),
            add_labels=effect.added,
            remove_labels=effect.removed,
            transition="T8",
            board=True,
            regenerate_block=True,
            draft="fix-pr-opened",
            notes=notes,
        ),
    )
