"""S12: the milestone of a tracker with a fix under way is missing, of the wrong scheme, stale or closed ⇒ §2.9.

The wanted milestone is never guessed: a `version` scope takes the PR's own milestone (with its `due_on`); a
`train` scope takes `<train_prefix> YYYY-MM-DD`, the first wave of `release_process.trains` on or after the merge
date. Without that fact the rule proposes nothing (the fill-fields comment lists the milestone). A `pr created`
tracker whose PR merged is S2's (it sets the milestone with T9).
"""

from __future__ import annotations

import re
from datetime import date

from steward.domain.lifecycle import State
from steward.sync.context import SyncContext
from steward.sync.facts import TrackerFacts
from steward.sync.items import Change, SyncItem, item_key
from steward.sync.scope import ScopeView, scope_of

_FIXING = frozenset({State.PR_CREATED, State.PR_MERGED, State.FIX_RELEASED})
_UNRELEASED = frozenset({State.PR_CREATED, State.PR_MERGED})


def next_wave(ctx: SyncContext, scope: str | None, merged: date) -> date | None:
    waves = sorted(
        d for t in ctx.config.release_process.trains if t.scope in (None, scope) for d in t.dates if d >= merged
    )
    return waves[0] if waves else None


def wanted(facts: TrackerFacts, ctx: SyncContext, view: ScopeView) -> tuple[str | None, date | None]:
    pr = facts.pr
    if view.milestone_scheme != "train":
        return (pr.milestone, pr.milestone_due) if pr is not None and pr.milestone else (None, None)
    prefix = view.scope.train_prefix if view.scope is not None else None
    if pr is None or pr.merged_at is None or not prefix:
        return None, None
    wave = next_wave(ctx, view.name, pr.merged_at.date())
    return (f"{prefix} {wave.isoformat()}", wave) if wave else (None, None)


def problem(facts: TrackerFacts, ctx: SyncContext, view: ScopeView) -> str | None:
    title = facts.row.milestone
    if not title:
        return "missing"
    if view.milestone_scheme == "train":
        prefix = view.scope.train_prefix if view.scope is not None else ""
        if not re.fullmatch(re.escape(prefix or "") + r" [0-9]{4}-[0-9]{2}-[0-9]{2}", title):
            return "not a release-train title"
    elif ctx.patterns["release_process.milestone_version_regex"].hit(title.strip()) is None:
        return "not a version"
    if title in ctx.config.release_process.stale_milestones:
        return "stale"
    row = facts.milestone_row
    if row is not None and row.state == "closed" and facts.state in _UNRELEASED:
        return "closed"
    return None


def s12_milestone(facts: TrackerFacts, ctx: SyncContext) -> SyncItem | None:
    if facts.life.closed or facts.state not in _FIXING:
        return None
    if facts.state is State.PR_CREATED and facts.pr is not None and facts.pr.merged:
        return None
    view = scope_of(facts.row.labels, ctx)
    why = problem(facts, ctx, view)
    title, due = wanted(facts, ctx, view)
    if why is None or title is None or title == facts.row.milestone:
        return None
    shown = facts.row.milestone or "none"
    return SyncItem(
        facts.number,
        "S12",
        item_key(facts.number, "S12", title),
        f"milestone {shown} ({why}) → {title}",
        False,
        Change(milestone=title, milestone_due=due, draft="release-scheduled"),
    )
