"""S3 / T10: the linked PR closed unmerged and no other PR ⇒ −`pr created`, the URL kept marked `(closed unmerged)`."""

from __future__ import annotations

from steward.domain.lifecycle import State, pr_closed_unmerged_effect
from steward.domain.roles import Field
from steward.sync.context import SyncContext
from steward.sync.facts import TrackerFacts
from steward.sync.items import Change, SyncItem, item_key

CLOSED_NOTE = "(closed unmerged)"


def s3_pr_closed_unmerged(facts: TrackerFacts, ctx: SyncContext) -> SyncItem | None:
    pr = facts.pr
    if pr is None or pr.merged or pr.state != "closed" or facts.state is not State.PR_CREATED:
        return None
    effect = pr_closed_unmerged_effect(facts.life, ctx.labels, other_pr=False)
    value = f"{pr.url} {CLOSED_NOTE}"
    return SyncItem(
        facts.number,
        "S3",
        item_key(facts.number, "S3", f"closed:{pr.number}"),
        f"PR #{pr.number} closed unmerged: -{sorted(effect.removed)[0]} (T10); ask the owner for the next PR",
        False,
        Change(
            fields=((Field.PR_WITH_FIX, value),),
            remove_labels=effect.removed,
            transition="T10",
            board=True,
        ),
    )
