"""S18 (§8.7): an open release vote for the fix version ⇒ `+rc voting`; a `[RESULT]` sender ⇒ an RM note for config.

Both read `facts.votes`, gathered from the archive; the rule itself is pure. The RM candidate is a note naming
`release_process.release_managers`, never an assignee: §8.7 says the RM is never guessed.
"""

from __future__ import annotations

from steward.domain.roles import Label
from steward.sync.context import SyncContext
from steward.sync.facts import TrackerFacts
from steward.sync.items import Change, SyncItem, item_key


def s18_rc_voting(facts: TrackerFacts, ctx: SyncContext) -> SyncItem | None:
    votes = facts.votes
    label = ctx.labels.of(Label.RC_VOTING)
    if votes is None or votes.open_vote is None or votes.open_version is None or label in facts.row.labels:
        return None
    if facts.life.closed or ctx.labels.of(Label.PR_MERGED) not in facts.row.labels:
        return None
    return SyncItem(
        facts.number,
        "S18",
        item_key(facts.number, "S18", f"rc-voting:{votes.open_version}"),
        f"release vote for {votes.open_version} is open ({votes.open_vote.subject!r}, "
        f"{votes.open_vote.message_id}): add {label!r}",
        False,
        Change(add_labels=frozenset({label}), board=True),
    )


def rm_notes(facts: TrackerFacts, ctx: SyncContext) -> list[str]:
    votes = facts.votes
    if votes is None or votes.rm_candidate is None or facts.life.closed:
        return []
    handles = [m.handle for m in ctx.config.roster.members if votes.rm_candidate.casefold() in
               {e.casefold() for e in m.emails}]  # fmt: skip
    who = f"@{handles[0]} ({votes.rm_candidate})" if handles else votes.rm_candidate
    return [
        f"the release vote result for {votes.rm_version} on {ctx.config.lists.dev} was sent by {who}: "
        "add to release_process.release_managers if they manage this release (not assigned)"
    ]
