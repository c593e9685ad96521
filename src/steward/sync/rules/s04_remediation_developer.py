"""S4: `pr-with-fix` is set and `remediation-developer` lacks the PR author ⇒ append the author's name, else login.

Bots never get remediation credit (§5.9), so a bot author yields no item.
"""

from __future__ import annotations

from steward.domain.credits import classify_kind, parse_credits
from steward.domain.roles import Field
from steward.sync.context import SyncContext
from steward.sync.facts import TrackerFacts
from steward.sync.items import Change, SyncItem, item_key


def s4_remediation_developer(facts: TrackerFacts, ctx: SyncContext) -> SyncItem | None:
    pr = facts.pr
    if pr is None or facts.life.closed:
        return None
    name = (pr.author_name or "").strip() or pr.author_login.strip()
    if not name or classify_kind(name, ctx.patterns, pr.author_login) != "human":
        return None
    current = facts.value(Field.REMEDIATION_DEVELOPER)
    have = {c.name.casefold() for c in parse_credits(current)}
    if {name.casefold(), pr.author_login.casefold(), f"@{pr.author_login}".casefold()} & have:
        return None
    value = f"{current.strip()}\n{name}" if current else name
    return SyncItem(
        facts.number,
        "S4",
        item_key(facts.number, "S4", name.casefold()),
        f"remediation developer: add PR #{pr.number} author {name}",
        True,
        Change(fields=((Field.REMEDIATION_DEVELOPER, value),), regenerate_block=True),
    )
